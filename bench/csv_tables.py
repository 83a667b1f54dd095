"""Time the CSV tables of the export (tables, statements.csv, CSVW metadata) at scale.

`python -m bench.csv_tables [SIZES...] [--baseline COMMIT]`: a synthetic knowledge base
(`bench/synthetic.py`) written with the canonical base IRI, so that its copies are records
the tables show (the export benchmark's copies have their own base and stay out of the
tables), loaded into an embedded store; then `kb.publish.csv_tables` builds every table.
With `--baseline`, the `csv_tables.py` of that commit is timed on the same store, for the
ratio. Each size runs in its own process. Run it under the benchmark lock:
`flock /work/bench.lock .venv/bin/python -m bench.csv_tables 100000 1000000 --baseline HEAD~1`.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pyoxigraph as ox

from bench.synthetic import CANONICAL, generate

ROOT = Path(__file__).resolve().parent.parent


def load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def time_tables(module: ModuleType, store: Any) -> dict[str, Any]:
    started = time.perf_counter()
    records = module.records_by_kind(store, CANONICAL)
    tables = module.build_tables(store, CANONICAL, records=records)
    built = time.perf_counter()
    statements = None
    if not hasattr(module, "build_statements"):  # before statements.csv
        module.csvw_metadata(tables, CANONICAL, "csv/")
    else:
        if "store" in inspect.signature(module.build_statements).parameters:  # up to 6ee67cc
            statements = module.build_statements(store, CANONICAL, tables, records)
        else:  # from the values the tables were built from
            statements = module.build_statements(CANONICAL, tables)
        module.csvw_metadata(tables, CANONICAL, "csv/", statements)
    return {
        "rows": sum(len(t.rows) for t in tables),
        "tables_s": built - started,
        "total_s": time.perf_counter() - started,
        "statements": len(statements.rows) if statements is not None else 0,
    }


def measure(size: int, baseline: str | None) -> dict[str, Any]:
    """One size, in this process: the current module, then the baseline's."""
    from kb.publish import csv_tables
    from kb.store.embedded import EmbeddedStore

    path = generate(size, 1, base=CANONICAL, violations=0)
    graph = ox.NamedNode(CANONICAL + "graph/synthetic")
    quads = [
        ox.Quad(t.subject, t.predicate, t.object, graph)
        for t in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    ]
    store = EmbeddedStore(quads)
    result: dict[str, Any] = {"triples": len(quads), "current": time_tables(csv_tables, store)}
    if baseline:
        source = subprocess.run(
            ["git", "show", f"{baseline}:kb/publish/csv_tables.py"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        with tempfile.TemporaryDirectory() as tmp:
            old = Path(tmp) / "csv_tables_baseline.py"
            old.write_bytes(source)
            result["baseline"] = time_tables(load_module(old, "csv_tables_baseline"), store)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000, 1_000_000])
    parser.add_argument("--baseline", help="a commit whose csv_tables.py is timed alongside")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.baseline)))
        return
    print("| triples | rows | tables | statements.csv rows | total | baseline total | ratio |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size in args.sizes:
        command = [sys.executable, "-m", "bench.csv_tables", "--one", str(size)]
        if args.baseline:
            command += ["--baseline", args.baseline]
        out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        now, old = r["current"], r.get("baseline")
        ratio = f"{now['total_s'] / old['total_s']:.2f}x" if old else "-"
        base = f"{old['total_s']:.2f} s" if old else "-"
        print(
            f"| {r['triples']:,} | {now['rows']:,} | {now['tables_s']:.2f} s | "
            f"{now['statements']:,} | {now['total_s']:.2f} s | {base} | {ratio} |"
        )


if __name__ == "__main__":
    main()
