"""SPARQL endpoint benchmark: this server against rdflib-endpoint and bare `oxigraph serve`.

For each size (synthetic data from `bench.synthetic`, N-Triples in a temporary
directory), each server is started on loopback on the same file, checked to give
the same answers, then loaded with `wrk` (16 connections, 2 threads) on two
queries, one after the other:

- simple: `SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10`
- group-by: `SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type`

Servers: `alliance-kb serve` with its response cache (the default) and without
it (`ALLIANCE_RESPONSE_CACHE_MB=0`: every request runs the query), on uvicorn (the
default) and on granian (`ALLIANCE_HTTP_SERVER=granian`), `oxigraph serve`
(PyPI `oxigraph`), `rdflib-endpoint serve` (rdflib's engine). Also reported:
start-up time (process start → /health answers; for `oxigraph serve`, → a query
answers) and memory (PSS of the server, its zygote and query workers: shared
pages count once), idle after start and after both queries ran once, in memory
and with an on-disk store (first build, then reuse), beside `oxigraph serve`'s
on the same data; and the time Python takes to import the server (`import server`).

    python -m bench.endpoint                      # 100k and 1M triples, 10 s per run
    python -m bench.endpoint --sizes 100000 --duration 20 --json out.json
    python -m bench.endpoint --startup-only --repeat 5  # start-ups only: no wrk runs

With `--startup-only`: the on-disk store built once, then started `--repeat` times on it
(reused), and `oxigraph serve` started as many times on its own store; no load runs.

Needs `wrk` (`apt-get install wrk`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
QUERIES = {
    "simple": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10",
    "group-by": "SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type",
}
ACCEPT = "application/sparql-results+json"


@dataclass
class Run:
    size: int
    server: str
    query: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


@dataclass
class Startup:
    size: int
    mode: str
    seconds: float
    pss_mb: float  # idle, 0.5 s after it answers
    pss_after_mb: float = 0.0  # after both queries ran once


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def import_seconds() -> float:
    """How long Python takes to import the server (part of every start-up): best of 3."""
    best = float("inf")
    for _ in range(3):
        started = time.monotonic()
        subprocess.run([sys.executable, "-c", "import server"], cwd=ROOT, check=True)
        best = min(best, time.monotonic() - started)
    return round(best, 2)


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=5).status_code < 500:
                return time.monotonic() - start
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} not ready after {timeout} s")


def tree_pss_mb(pid: int) -> float:
    """Proportional set size of a process and its descendants (shared pages counted once)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
    return round(total / 1024, 1)


@contextlib.contextmanager
def started(
    cmd: list[str], ready_url: str, env: dict[str, str] | None = None, timeout: float = 900
) -> Iterator[tuple[subprocess.Popen[bytes], float]]:
    process = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process, wait_ready(ready_url, process, timeout)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_LAT = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def wrk(url: str, duration: int, connections: int) -> tuple[float, float, float, int, int]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "120s",
            "--latency",
            "-H",
            f"Accept: {ACCEPT}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(
        int(n) for n in re.findall(r"Socket errors: .*?timeout (\d+)", out)
    )  # timeouts only
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    lat = {m[0]: float(m[1]) * scale[m[2]] for m in _LAT.findall(out)}
    return rps, lat.get("50", 0.0), lat.get("99", 0.0), total, errors


def answers(url: str) -> dict[str, float]:
    """Rows of each query (every server must see the same data), and one query's time alone."""
    rows: dict[str, float] = {}
    for name, q in QUERIES.items():
        start = time.perf_counter()
        r = httpx.get(url, params={"query": q}, headers={"accept": ACCEPT}, timeout=900)
        rows[f"{name} alone ms"] = round((time.perf_counter() - start) * 1000, 1)
        r.raise_for_status()
        rows[f"{name} rows"] = len(r.json()["results"]["bindings"])
    print(f"  answers: {rows}", flush=True)
    return rows


def load_runs(size: int, server: str, url: str, duration: int, connections: int) -> list[Run]:
    runs = []
    for name, q in QUERIES.items():
        full = url + "?" + urllib.parse.urlencode({"query": q})
        httpx.get(full, headers={"accept": ACCEPT}, timeout=600)  # warm up
        rps, p50, p99, total, errors = wrk(full, duration, connections)
        runs.append(Run(size, server, name, rps, p50, p99, total, errors))
        print(
            f"  {server:24} {name:9} {rps:9.1f} req/s  p50 {p50:8.2f} ms  p99 {p99:8.2f} ms"
            f"  ({total} requests, {errors} errors)",
            flush=True,
        )
    return runs


def bench_size(
    size: int,
    duration: int,
    connections: int,
    skip: set[str],
    startup_only: bool = False,
    repeat: int = 1,
) -> tuple[list[Run], list[Startup], dict[str, dict[str, float]]]:
    from bench.synthetic import generate

    runs: list[Run] = []
    startups: list[Startup] = []
    checks: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="alliance-bench-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        nt = generate(size, seed=1, violations=0, out_dir=data)
        n_lines = sum(1 for _ in nt.open("rb"))
        print(f"{size}: {nt.name}, {n_lines} triples", flush=True)
        kb = [sys.executable, "-m", "kb", "serve", "--data", str(data)]
        base_env = {"ALLIANCE_VALIDATE_ON_START": "false"}

        # start-up and memory: in memory, on disk (first build), on disk (reuse)
        location = Path(tmp) / "store"
        state = Path(tmp) / "state"  # the validation report and search index stay here
        modes = [
            ("in memory", {}),
            ("on disk, first build", {"ALLIANCE_STORE_LOCATION": str(location)}),
            *[("on disk, reused", {"ALLIANCE_STORE_LOCATION": str(location)})] * repeat,
        ]
        for mode, env in modes[1:] if startup_only else modes:
            port = free_port()
            cmd = [*kb, "--port", str(port)]
            env = {**base_env, "ALLIANCE_STATE_DIR": str(state), **env}
            with started(cmd, f"http://127.0.0.1:{port}/health", env) as (p, s):
                time.sleep(0.5)
                idle = tree_pss_mb(p.pid)
                answers(f"http://127.0.0.1:{port}/sparql")
                startups.append(Startup(size, mode, round(s, 2), idle, tree_pss_mb(p.pid)))
                print(
                    f"  start-up {mode}: {s:.2f} s, {idle} MB PSS idle, "
                    f"{startups[-1].pss_after_mb} MB after the queries",
                    flush=True,
                )

        for label, env in (
            []
            if startup_only
            else [
                ("alliance-kb (cache)", {}),
                ("alliance-kb (no cache)", {"ALLIANCE_RESPONSE_CACHE_MB": "0"}),
                (
                    "alliance-kb (no cache, granian)",
                    {"ALLIANCE_RESPONSE_CACHE_MB": "0", "ALLIANCE_HTTP_SERVER": "granian"},
                ),
                (
                    "alliance-kb (no cache, on disk)",
                    {"ALLIANCE_RESPONSE_CACHE_MB": "0", "ALLIANCE_STORE_LOCATION": str(location)},
                ),
            ]
        ):
            port = free_port()
            cmd = [*kb, "--port", str(port)]
            with started(cmd, f"http://127.0.0.1:{port}/health", {**base_env, **env}):
                url = f"http://127.0.0.1:{port}/sparql"
                checks[label] = answers(url)
                runs += load_runs(size, label, url, duration, connections)

        oxigraph = str(BIN / "oxigraph") if (BIN / "oxigraph").exists() else "oxigraph"
        location = Path(tmp) / "oxigraph"
        subprocess.run(
            [oxigraph, "load", "--location", str(location), "--file", str(nt)],
            check=True,
            capture_output=True,
        )
        for _ in range(repeat):
            port = free_port()
            cmd = [oxigraph, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
            with started(cmd, f"http://127.0.0.1:{port}/query?query=ASK%7B%7D") as (p, s):
                time.sleep(0.5)
                idle = tree_pss_mb(p.pid)
                url = f"http://127.0.0.1:{port}/query"
                checks["oxigraph serve"] = answers(url)
                pss = tree_pss_mb(p.pid)
                startups.append(Startup(size, "oxigraph serve", round(s, 2), idle, pss))
                print(f"  oxigraph serve: {s:.2f} s, {idle} / {pss} MB PSS", flush=True)
                if not startup_only:
                    runs += load_runs(size, "oxigraph serve", url, duration, connections)

        if "rdflib" not in skip and not startup_only:
            port = free_port()
            cmd = [
                str(BIN / "rdflib-endpoint"),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                str(nt),
            ]
            with started(cmd, f"http://127.0.0.1:{port}/?query=ASK%7B%7D") as (_, s):
                print(f"  rdflib-endpoint ready in {s:.1f} s", flush=True)
                url = f"http://127.0.0.1:{port}/"
                checks["rdflib-endpoint"] = answers(url)
                runs += load_runs(size, "rdflib-endpoint", url, duration, connections)
    return runs, startups, checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--skip", nargs="*", default=[], help="servers to skip: rdflib")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument(
        "--startup-only", action="store_true", help="only start-ups on an on-disk store, no wrk"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="start-ups on the reused store (and oxigraph's)"
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None and not args.startup_only:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    all_runs: list[Run] = []
    all_startups: list[Startup] = []
    all_checks: dict[str, dict[str, dict[str, float]]] = {}
    imports = import_seconds()
    print(f"import server: {imports} s (best of 3)", flush=True)
    for size in args.sizes:
        runs, startups, checks = bench_size(
            size, args.duration, args.connections, set(args.skip), args.startup_only, args.repeat
        )
        all_runs += runs
        all_startups += startups
        all_checks[str(size)] = checks
    if all_runs:
        print()
        print("| triples | server | query | req/s | p50 ms | p99 ms |")
        print("| ---: | --- | --- | ---: | ---: | ---: |")
    for r in all_runs:
        print(
            f"| {r.size:,} | {r.server} | {r.query} | {r.requests_per_s:,.1f} | "
            f"{r.p50_ms:.2f} | {r.p99_ms:.2f} |"
        )
    print()
    print("| triples | server | start-up s | PSS idle MB | PSS after the queries MB |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for st in all_startups:
        print(f"| {st.size:,} | {st.mode} | {st.seconds} | {st.pss_mb} | {st.pss_after_mb} |")
    print()
    for size in args.sizes:
        rate = {(r.server, r.query): r.requests_per_s for r in all_runs if r.size == size}
        bare = {q: rate.get(("oxigraph serve", q)) or 0.0 for q in QUERIES}
        for server in sorted({r.server for r in all_runs if r.size == size}):
            ratios = [
                f"{q} {rate[(server, q)] / bare[q]:.2f}x"
                for q in QUERIES
                if bare[q] and (server, q) in rate
            ]
            print(f"{size:,} {server} / oxigraph serve: {', '.join(ratios)}")
        seconds: dict[str, list[float]] = {}
        for st in all_startups:
            if st.size == size:
                seconds.setdefault(st.mode, []).append(st.seconds)
        if seconds.get("oxigraph serve") and seconds.get("on disk, reused"):
            ours, bare_s = (
                statistics.median(seconds[m]) for m in ("on disk, reused", "oxigraph serve")
            )
            print(
                f"{size:,} start-up, on disk, reused: median {ours:.2f} s "
                f"(of {len(seconds['on disk, reused'])}); oxigraph serve {bare_s:.2f} s: "
                f"{ours / bare_s:.1f}x"
            )
        memory = {st.mode: st.pss_after_mb for st in all_startups if st.size == size}
        if memory.get("oxigraph serve"):
            for mode in ("in memory", "on disk, reused"):
                if mode in memory:
                    ratio = memory[mode] / memory["oxigraph serve"]
                    print(f"{size:,} memory, {mode} / oxigraph serve: {ratio:.2f}x")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "runs": [asdict(r) for r in all_runs],
                    "startup": [asdict(s) for s in all_startups],
                    "answers": all_checks,
                    "import_server_s": imports,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
