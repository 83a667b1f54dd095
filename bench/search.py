"""Full-text search: index build, start-up and query latency, from the shipped data to 1M triples.

    .venv/bin/python -m bench.search                      # shipped data, 100k and 1M triples
    .venv/bin/python -m bench.search --sizes 0 1000000 --json bench/results/search.json

Size 0 is the shipped data; other sizes are synthetic knowledge bases from
`bench/synthetic.py` written with the canonical base (so their records are indexed, the
copies named like the originals: 1,400 cities called "Ghent" at 1M), in a temporary
directory, never in `data/`. For each size, in this process: the store, the index built
from it (`kb.store.search_index`: time, records, texts, file size), the index reopened
from disk with the same content hash (what a restart with an on-disk store costs), and
the latency of `SearchIndex.search` for a fixed list of queries (median and 95th
percentile over `--repeat` runs each). The baseline, run alongside on the same store: a
SPARQL query over the same name properties with `CONTAINS(LCASE(...))` (no ranking, no
diacritics folding: less than the index does). Then the real server (`alliance-kb serve
--data DIR`, start-up validation off) in its own process: seconds until `/health`
answers, until `/search` answers (the index builds in the background), and the latency
of `GET /search?q=...` over HTTP (JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from bench.endpoint import free_port, started
from bench.synthetic import CANONICAL, generate
from kb.config import Settings
from kb.sources.rdf_files import dataset_files
from kb.store.embedded import EmbeddedStore
from kb.store.search_index import NAME_PROPERTIES, open_search_index

ROOT = Path(__file__).resolve().parent.parent
#: What researchers type: exact names, names without their accents, prefixes, words of
#: descriptions, a French name, a word every record shares.
QUERIES = (
    "ghent",
    "sisli",
    "jyvaskyla",
    "grece",
    "reggio emilia",
    "jyv",
    "housing",
    "dosta",
    "roma",
    "signatures declaration",
)


@dataclass
class SizeResult:
    size: int
    triples: int
    load_s: float
    build_s: float
    records: int
    index_mb: float
    reopen_s: float
    median_ms: float
    p95_ms: float
    per_query_ms: dict[str, float]
    baseline_median_ms: float
    baseline_per_query_ms: dict[str, float]
    server_health_s: float | None = None
    server_search_ready_s: float | None = None
    http_median_ms: float | None = None
    http_p95_ms: float | None = None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def baseline_query(text: str) -> str:
    props = " ".join(f"<{p}>" for p in NAME_PROPERTIES)
    words = " && ".join(f"CONTAINS(LCASE(STR(?l)), {json.dumps(w)})" for w in text.lower().split())
    return (
        f"SELECT DISTINCT ?s WHERE {{ VALUES ?p {{ {props} }} ?s ?p ?l "
        f"FILTER(isLiteral(?l) && {words}) }} LIMIT 20"
    )


def measure(size: int, repeat: int, workdir: Path, server: bool) -> SizeResult:
    settings = Settings(validate_on_start=False)
    data_dir = workdir / f"data-{size}"
    data_dir.mkdir()
    if size:
        generate(size, seed=1, violations=0, base=CANONICAL, out_dir=data_dir)
        paths = [data_dir]
    else:
        paths = [settings.data_dir]
    started_at = time.perf_counter()
    store = EmbeddedStore.from_files(dataset_files(settings, paths), settings.base_iri)
    load_s = time.perf_counter() - started_at
    print(f"[{size}] {store.triple_count():,} triples loaded in {load_s:.1f} s", file=sys.stderr)

    location = workdir / f"store-{size}"
    location.mkdir()
    started_at = time.perf_counter()
    index = open_search_index(store, settings.base_iri, location, "bench", background=False)
    build_s = time.perf_counter() - started_at
    records = sum(1 for _ in index)
    index_mb = (location / "search.sqlite").stat().st_size / 1e6
    print(f"[{size}] index of {records:,} records built in {build_s:.2f} s", file=sys.stderr)
    index.close()
    started_at = time.perf_counter()
    index = open_search_index(store, settings.base_iri, location, "bench", background=False)
    reopen_s = time.perf_counter() - started_at
    assert index.reused

    per_query: dict[str, float] = {}
    everything: list[float] = []
    for q in QUERIES:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            index.search(q, limit=20)
            times.append((time.perf_counter() - t0) * 1000)
        per_query[q] = statistics.median(times)
        everything += times
    index.close()
    baseline: dict[str, float] = {}
    base_times: list[float] = []
    for q in QUERIES:
        times = []
        for _ in range(max(1, repeat // 5)):
            t0 = time.perf_counter()
            store.select(baseline_query(q))
            times.append((time.perf_counter() - t0) * 1000)
        baseline[q] = statistics.median(times)
        base_times += times
    result = SizeResult(
        size=size,
        triples=store.triple_count(),
        load_s=round(load_s, 2),
        build_s=round(build_s, 2),
        records=records,
        index_mb=round(index_mb, 1),
        reopen_s=round(reopen_s, 4),
        median_ms=round(statistics.median(everything), 2),
        p95_ms=round(percentile(everything, 0.95), 2),
        per_query_ms={k: round(v, 2) for k, v in per_query.items()},
        baseline_median_ms=round(statistics.median(base_times), 2),
        baseline_per_query_ms={k: round(v, 2) for k, v in baseline.items()},
    )
    del store
    if server:
        serve_and_measure(result, paths[0], repeat)
    return result


def serve_and_measure(result: SizeResult, data: Path, repeat: int) -> None:
    """The real server: start-up, index readiness, and /search latency over HTTP."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [
        str(Path(sys.executable).parent / "alliance-kb"),
        "serve",
        "--port",
        str(port),
        "--data",
        str(data),
    ]
    env = {"ALLIANCE_VALIDATE_ON_START": "false", "ALLIANCE_QUERY_WORKERS": "2"}
    t0 = time.monotonic()
    with started(cmd, f"{base}/health", env=env) as (process, health_s):
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            r = httpx.get(
                f"{base}/search",
                params={"q": "ghent"},
                timeout=60,
                headers={"accept": "application/json"},
            )
            if r.status_code == 200:
                break
            time.sleep(0.2)
        ready_s = time.monotonic() - t0
        times = []
        with httpx.Client(base_url=base, headers={"accept": "application/json"}) as client:
            for q in QUERIES:
                for _ in range(repeat):
                    t1 = time.perf_counter()
                    client.get("/search", params={"q": q}).raise_for_status()
                    times.append((time.perf_counter() - t1) * 1000)
        assert process.poll() is None
    result.server_health_s = round(health_s, 2)
    result.server_search_ready_s = round(ready_s, 2)
    result.http_median_ms = round(statistics.median(times), 2)
    result.http_p95_ms = round(percentile(times, 0.95), 2)


def table(results: list[SizeResult]) -> str:
    lines = [
        "| triples | index build | records | index file | reopen (same hash) "
        "| search median / p95 | baseline SPARQL CONTAINS median | ratio | server: /health "
        "| server: /search ready | HTTP /search median / p95 |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        ratio = r.baseline_median_ms / r.median_ms if r.median_ms else float("nan")
        lines.append(
            f"| {r.triples:,} | {r.build_s:.2f} s | {r.records:,} | {r.index_mb:.1f} MB | "
            f"{r.reopen_s * 1000:.0f} ms | {r.median_ms:.2f} / {r.p95_ms:.2f} ms | "
            f"{r.baseline_median_ms:.1f} ms | {ratio:.0f}x | "
            f"{r.server_health_s if r.server_health_s is not None else '—'} s | "
            f"{r.server_search_ready_s if r.server_search_ready_s is not None else '—'} s | "
            f"{r.http_median_ms if r.http_median_ms is not None else '—'} / "
            f"{r.http_p95_ms if r.http_p95_ms is not None else '—'} ms |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=20, help="runs of each query")
    parser.add_argument("--no-server", action="store_true", help="skip the HTTP measurements")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="alliance-bench-search-") as tmp:
        for size in args.sizes:
            results.append(measure(size, args.repeat, Path(tmp), not args.no_server))
            print(table(results[-1:]), file=sys.stderr)
    print(table(results))
    for r in results:
        print(f"\n{r.triples:,} triples, per query (index / baseline, ms):")
        for q in QUERIES:
            print(f"  {q!r}: {r.per_query_ms[q]} / {r.baseline_per_query_ms[q]}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    os.sync()
    return 0


if __name__ == "__main__":
    sys.exit(main())
