"""Benchmark: `alliance-kb validate` (fast engine) against plain pySHACL, same data and shapes.

For each size, a synthetic knowledge base (`bench.synthetic`, temporary files, never in
data/) is validated in a fresh subprocess by

* ``alliance-kb validate FILE --engine fast --format json`` (parse, load into Oxigraph,
  validate, write the JSON report), and
* plain pySHACL: rdflib parses the same file plus the ontology and vocabularies into one
  graph, the shapes from shapes/, then ``pyshacl.validate`` without inference,

timing the wall clock and reading the peak resident memory of the child (``os.wait4``).
The two result sets are compared as (focus node, path, value, severity).

    .venv/bin/python -m bench.validate --sizes 10000,100000,1000000 --skip-pyshacl-above 100000

pySHACL takes about 8 minutes at 1M triples: above ``--skip-pyshacl-above`` it is not run,
and the table says so.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import CANONICAL, generate  # noqa: E402

PYSHACL_SCRIPT = r"""
import json, sys
from pathlib import Path
import pyshacl
from rdflib import Graph, BNode
from rdflib.namespace import SH, RDF
root, data, out = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
g = Graph()
context = sorted((root / "ontology").glob("*.ttl"))
context += sorted((root / "ontology" / "vocabularies").glob("*.ttl"))
for p in context:
    g.parse(p, format="turtle")
g.parse(data, format="nt")
shapes = Graph()
for p in sorted((root / "shapes").glob("*.ttl")):
    shapes.parse(p, format="turtle")
conforms, report, _ = pyshacl.validate(
    g, shacl_graph=shapes, inference="none", allow_warnings=True, allow_infos=True
)
keys = []
for r in report.objects(None, SH.result):
    def term(t):
        return None if t is None or isinstance(t, BNode) else str(t)
    severity = str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1]
    keys.append([term(report.value(r, SH.focusNode)), term(report.value(r, SH.resultPath)),
                 term(report.value(r, SH.value)), severity])
json.dump(keys, open(out, "w"))
"""


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit code) of a command run as a child process."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        process = subprocess.Popen(cmd, stdout=devnull, stderr=devnull, env=env, cwd=ROOT)
        _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss / 1024, process.returncode


def fast_keys(path: Path) -> list[list[Any]]:
    data = json.loads(path.read_text())
    keys = []
    for r in data["results"]:
        value = r["value"]["value"] if r["value"] and r["value"]["type"] != "bnode" else None
        focus = None if r["focus_node"].startswith("_:") else r["focus_node"]
        path_iri = r["path"] if r["path"] and not r["path"].startswith("(") else None
        keys.append([focus, path_iri, value, r["severity"]])
    return keys


def normalise(keys: list[list[Any]]) -> set[str]:
    return {json.dumps(k) for k in keys}


def run(sizes: list[int], seed: int, skip_pyshacl_above: int) -> list[dict[str, Any]]:
    rows = []
    work = Path(tempfile.mkdtemp(prefix="alliance-bench-validate-"))
    for size in sizes:
        data = generate(size, seed, base=CANONICAL, out_dir=work)
        triples = sum(1 for _ in data.open("rb"))
        report = work / f"fast-{size}.json"
        cmd = [sys.executable, "-c", _FAST, str(data), str(report)]
        fast_s, fast_mb, code = measure(cmd)
        if code not in (0, 1):
            raise SystemExit(f"alliance-kb validate failed on {data} (exit {code})")
        fast = fast_keys(report)
        row: dict[str, Any] = {
            "size": size,
            "triples": triples,
            "fast_s": fast_s,
            "fast_mb": fast_mb,
            "results": len(fast),
            "violations": sum(1 for k in fast if k[3] == "Violation"),
        }
        if size <= skip_pyshacl_above:
            out = work / f"pyshacl-{size}.json"
            cmd = [sys.executable, "-c", PYSHACL_SCRIPT, str(ROOT), str(data), str(out)]
            row["pyshacl_s"], row["pyshacl_mb"], _ = measure(cmd)
            reference = json.loads(out.read_text())
            row["same"] = normalise(fast) == normalise(reference)
            row["pyshacl_results"] = len(reference)
        rows.append(row)
        print(_line(row), flush=True)
    return rows


# `alliance-kb validate FILE --engine fast --format json > REPORT`, in-process argv.
_FAST = r"""
import sys
from kb.cli.main import main
data, report = sys.argv[1], sys.argv[2]
with open(report, "w") as out:
    sys.stdout = out
    code = main(["validate", data, "--standalone", "--engine", "fast", "--format", "json"])
sys.exit(code)
"""

HEADER = (
    "| triples | fast: s | fast: MB | pySHACL: s | pySHACL: MB | speed-up | memory | "
    "results (violations) | same results |\n"
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
)


def _line(row: dict[str, Any]) -> str:
    if "pyshacl_s" in row:
        ref = (
            f"{row['pyshacl_s']:.1f} | {row['pyshacl_mb']:.0f} | "
            f"{row['pyshacl_s'] / row['fast_s']:.1f}× | "
            f"{row['pyshacl_mb'] / row['fast_mb']:.1f}× less"
        )
        same = "yes" if row["same"] else f"NO (pySHACL: {row['pyshacl_results']})"
    else:
        ref, same = "not run | not run | – | –", "–"
    return (
        f"| {row['triples']:,} | {row['fast_s']:.1f} | {row['fast_mb']:.0f} | {ref} | "
        f"{row['results']:,} ({row['violations']:,}) | {same} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--skip-pyshacl-above", type=int, default=100_000, help="largest size pySHACL runs on"
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"# bench/validate.py {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(HEADER, flush=True)
    rows = run(sizes, args.seed, args.skip_pyshacl_above)
    return 0 if all(r.get("same", True) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
