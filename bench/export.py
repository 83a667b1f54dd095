"""Benchmark: a full export (every distribution and the statistics) at 100k and 1M synthetic
triples, against rdflib's own serializers on the same graph. Time and peak memory; ratios.

    .venv/bin/python -m bench.export                 # 100k and 1M (rdflib up to 1M)
    .venv/bin/python -m bench.export 100000 --rdflib-max 100000

The synthetic data (`bench/synthetic.py`, base https://example.org/synthetic/, or the
canonical base with `--canonical-base`, so that the CSV tables hold its records) is written
to a temporary directory, never under data/. Each measurement runs in its own process so that
peak memory (`ru_maxrss`) is its own. The export is measured from the loaded dataset (the
parse of the files is reported apart, as "load"); SHACL validation is not included (see the
validation benchmark). Results go to stdout as a Markdown table and to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def worker_kb(path: Path) -> dict[str, Any]:
    from kb.config import Settings
    from kb.publish.export import write_export
    from kb.sources.rdf_files import dataset_files
    from kb.store.embedded import EmbeddedStore

    settings = Settings()
    started = time.perf_counter()
    store = EmbeddedStore.from_files(dataset_files(settings, [path]), settings.base_iri)
    load = time.perf_counter() - started
    out = Path(tempfile.mkdtemp(prefix="alliance-bench-export-"))
    try:
        started, cpu = time.perf_counter(), _cpu_s()
        result = write_export(settings, store, out / "dumps")
        total, cpu = time.perf_counter() - started, _cpu_s() - cpu
        sizes = {f.name: f.size for f in result.files}
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {
        "quads": store.triple_count(),
        "load_s": load,
        "export_s": total,
        "export_cpu_s": cpu,
        "steps": result.timings,
        "sizes": sizes,
        "peak_mb": _peak_mb(),
    }


def worker_rdflib(path: Path) -> dict[str, Any]:
    from rdflib import Graph

    from kb.config import Settings
    from kb.sources.rdf_files import dataset_files
    from kb.store.embedded import EmbeddedStore

    # the same graph as the export's: the synthetic records plus ontology and vocabularies
    settings = Settings()
    store = EmbeddedStore.from_files(dataset_files(settings, [path]), settings.base_iri)
    import pyoxigraph as ox

    nt = b"".join(
        store.oxigraph.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph) or b""
        for graph in store.oxigraph.named_graphs()
    )
    del store
    started = time.perf_counter()
    graph = Graph()
    graph.parse(data=nt, format="nt")
    timings = {"load_s": time.perf_counter() - started}
    del nt
    cpu = _cpu_s()
    for name, fmt in [
        ("turtle", "turtle"),
        ("ntriples", "nt"),
        ("jsonld", "json-ld"),
        ("rdfxml", "xml"),
    ]:
        started = time.perf_counter()
        graph.serialize(format=fmt, encoding="utf-8")
        timings[f"{name}_s"] = time.perf_counter() - started
    timings["serializers_s"] = sum(v for k, v in timings.items() if k != "load_s")
    timings["serializers_cpu_s"] = _cpu_s() - cpu
    timings["triples"] = len(graph)
    timings["peak_mb"] = _peak_mb()
    return timings


def _run_worker(kind: str, path: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "bench.export", "--worker", kind, "--file", str(path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000, 1_000_000])
    parser.add_argument(
        "--rdflib-max", type=int, default=1_000_000, help="largest size rdflib is run at"
    )
    parser.add_argument(
        "--canonical-base",
        action="store_true",
        help="write the synthetic records under the canonical base IRI, so that the CSV "
        "tables hold them (by default they have their own base, which keeps them out)",
    )
    parser.add_argument("--worker", choices=["kb", "rdflib"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        work = worker_kb if args.worker == "kb" else worker_rdflib
        print(json.dumps(work(args.file)))
        return 0

    from bench.synthetic import CANONICAL, SYNTHETIC, generate

    base = CANONICAL if args.canonical_base else SYNTHETIC

    rows = []
    for size in args.sizes:
        directory = Path(tempfile.mkdtemp(prefix="alliance-bench-"))
        try:
            path = generate(size, seed=1, violations=0, base=base, out_dir=directory)
            ours = _run_worker("kb", path)
            theirs = _run_worker("rdflib", path) if size <= args.rdflib_max else None
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        rows.append({"size": size, "kb": ours, "rdflib": theirs})
        print(f"{size}: export {ours['export_s']:.2f} s", file=sys.stderr)

    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "export.json").write_text(json.dumps(rows, indent=2))
    print(
        "| triples | load (ours) | full export (ours), wall / CPU | peak MB (ours) | rdflib load "
        "| rdflib Turtle+N-Triples+JSON-LD+RDF/XML | peak MB (rdflib) | ratio (serializers) |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        ours, theirs = row["kb"], row["rdflib"]
        if theirs:
            ratio_text = (
                f"{theirs['serializers_s'] / ours['export_s']:.1f}x wall, "
                f"{theirs['serializers_cpu_s'] / ours['export_cpu_s']:.1f}x CPU"
            )
            rdf = (
                f"{theirs['load_s']:.1f} s | {theirs['serializers_s']:.1f} s "
                f"(ttl {theirs['turtle_s']:.1f}, nt {theirs['ntriples_s']:.1f}, "
                f"jsonld {theirs['jsonld_s']:.1f}, xml {theirs['rdfxml_s']:.1f}) | "
                f"{theirs['peak_mb']:.0f} | {ratio_text}"
            )
        else:
            rdf = "not run | | | "
        print(
            f"| {ours['quads']:,} | {ours['load_s']:.1f} s "
            f"| {ours['export_s']:.1f} s / {ours['export_cpu_s']:.1f} s "
            f"| {ours['peak_mb']:.0f} | {rdf} |"
        )
        steps = ", ".join(f"{k} {v:.2f}" for k, v in ours["steps"].items())
        print(f"|  | steps: {steps} | | | | | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
