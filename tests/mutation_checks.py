"""Mutation checks: deliberate bugs, each put into a scratch copy of the code, must make the
tests that guard against them fail. Not part of `make test` (it runs the guarding tests
once per mutant, a few minutes in all):

    .venv/bin/python tests/mutation_checks.py            # every mutant
    .venv/bin/python tests/mutation_checks.py timeout-x5 # some of them
    .venv/bin/python tests/mutation_checks.py --list

Each mutant replaces one exact piece of text of one file (it must occur exactly once, so
that a change of the code is noticed here rather than silently checking nothing) in a copy
of the committed tree (`git archive HEAD`, with `../shared` and `node_modules` linked
beside it), never in the working tree. The guarding tests must pass on an unmutated copy
first (otherwise the check proves nothing) and fail on the mutant: "killed". A mutant whose
tests still pass "survived", and the script exits 1.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutant:
    """A deliberate bug: in `path`, `old` becomes `new`; `tests` must then fail."""

    name: str
    what: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTANTS = [
    Mutant(
        "timeout-x5",
        "the query timeout five times longer than configured (issue 12)",
        "kb/web/sparql_endpoint.py",
        "return await pool.run_first(req, settings.query_timeout_s)",
        "return await pool.run_first(req, settings.query_timeout_s * 5)",
        ("tests/test_sparql_documented.py::test_a_2_s_timeout_answers_503_between_1_5_and_4_s",),
    ),
    Mutant(
        "read-only-removed",
        "the read-only refusal of updates in query= removed (issue 12)",
        "kb/web/sparql_endpoint.py",
        "    if info.is_update:\n",
        "    if False:\n",
        ("tests/test_sparql_documented.py::test_an_update_in_query_is_403_read_only",),
    ),
    Mutant(
        "strict-input-off",
        "the strict UTF-8 middleware not installed",
        "server.py",
        "    app.add_middleware(StrictUtf8Middleware, max_body_bytes=settings.max_body_bytes)\n",
        "",
        ("tests/test_strict_input.py",),
    ),
    Mutant(
        "strict-input-form-not-decoded",
        "form bodies checked without percent-decoding",
        "kb/web/strict_input.py",
        '        check_percent_encoded(body, "the form")',
        '        check_utf8(body, "the form")',
        ("tests/test_strict_input.py",),
    ),
    Mutant(
        "csvw-iri-list",
        "the iri column declared as a list again",
        "kb/publish/csv_tables.py",
        "required=True, suppressOutput=True)",
        'required=True, suppressOutput=True, separator=" | ")',
        ("tests/test_csvw.py",),
    ),
    Mutant(
        "csvw-every-column-a-list",
        "every column declared as a list",
        "kb/publish/csv_tables.py",
        '    if column.name in table.multi_valued:\n        spec["separator"] = SEPARATOR',
        '    if True:\n        spec["separator"] = SEPARATOR',
        ("tests/test_csvw.py",),
    ),
    Mutant(
        "csvw-language-lost",
        "language-tagged columns declared without their language",
        "kb/publish/csv_tables.py",
        'elif kind is not None and kind.startswith("@"):\n'
        '            spec.update(datatype="string", lang=kind[1:])',
        'elif kind is not None and kind.startswith("@"):\n'
        '            spec.update(datatype="string")',
        ("tests/test_csvw.py",),
    ),
    Mutant(
        "rank-4-allowed",
        "the shapes allow rank 4",
        "shapes/award.ttl",
        "    sh:maxInclusive 3 ;",
        "    sh:maxInclusive 4 ;",
        ("tests/test_shapes.py::test_boundary_values",),
    ),
    Mutant(
        "cache-key-without-format",
        "the response cache keyed without the negotiated format",
        "kb/web/sparql_endpoint.py",
        "        tuple(formats.items()),\n        base_iri,",
        "        base_iri,",
        ("tests/test_sparql_documented.py::test_the_cache_keeps_each_format_and_dataset_apart",),
    ),
    Mutant(
        "cache-never-evicts",
        "the response cache never evicts",
        "kb/web/sparql_endpoint.py",
        "        while self.size > self.budget and self.entries:",
        "        while False:",
        ("tests/test_sparql_documented.py::test_the_cache_keeps_answers_within_its_budget",),
    ),
    Mutant(
        "unreachable-store-500",
        "an unreachable external store answered as 500",
        "kb/store/external.py",
        '502, "Bad Gateway", f"the store is unreachable:',
        '500, "Bad Gateway", f"the store is unreachable:',
        ("tests/test_external_store_errors.py",),
    ),
    Mutant(
        "dataset-iri-unchecked",
        "dataset IRIs not checked (a relative one was a 500)",
        "kb/web/sparql_endpoint.py",
        "        try:\n            ox.NamedNode(value)\n        except ValueError:",
        "        try:\n            pass\n        except ValueError:",
        ("tests/test_sparql_documented.py::test_a_dataset_iri_that_is_not_absolute_is_400",),
    ),
    Mutant(
        "query-csv-as-tsv",
        "alliance-kb query --format csv writes TSV",
        "kb/cli/query_command.py",
        "        name = negotiate(None, fmt)[kind]",
        '        name = negotiate(None, "tsv" if fmt == "csv" else fmt)[kind]',
        ("tests/test_query_command.py",),
    ),
    Mutant(
        "skips-pass-in-ci",
        "CI's ALLIANCE_TEST_NO_SKIPS ignored (a missing ../shared would end green)",
        "tests/conftest.py",
        "NO_SKIPS = os.environ.get(",
        'NO_SKIPS = "" and os.environ.get(',
        ("tests/test_skip_policy.py",),
    ),
    Mutant(
        "no-skip-summary",
        "the end-of-run summary of skips dropped",
        "tests/conftest.py",
        '    terminalreporter.section("what did not run, and why", sep="=", yellow=True)',
        "    return",
        ("tests/test_skip_policy.py",),
    ),
]


def scratch_copy(where: Path) -> Path:
    """The committed tree at `where/repo`, with node_modules and ../shared linked."""
    repo = where / "repo"
    repo.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", "--format=tar", "HEAD"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    archive_path = where / "tree.tar"
    archive_path.write_bytes(archive)
    with tarfile.open(archive_path) as tar:
        tar.extractall(repo, filter="data")
    if (ROOT / "node_modules").exists():
        (repo / "node_modules").symlink_to(ROOT / "node_modules")
    if (ROOT.parent / "shared").exists():
        (where / "shared").symlink_to(ROOT.parent / "shared")
    return repo


def apply(repo: Path, mutant: Mutant) -> None:
    path = repo / mutant.path
    text = path.read_text(encoding="utf-8")
    count = text.count(mutant.old)
    if count != 1:
        raise SystemExit(f"{mutant.name}: the text to mutate occurs {count} times in {mutant.path}")
    path.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")


def run_tests(repo: Path, mutant: Mutant) -> tuple[int, str, float]:
    env = {**os.environ, "PYTHONPATH": str(repo)}
    env.pop("PYTEST_ADDOPTS", None)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *mutant.tests],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    summary = (result.stdout.strip().splitlines() or [""])[-1]
    return result.returncode, summary, time.monotonic() - started


def check(mutant: Mutant) -> str:
    with tempfile.TemporaryDirectory(prefix=f"mutant-{mutant.name}-") as tmp:
        base = scratch_copy(Path(tmp) / "base")
        code, summary, _ = run_tests(base, mutant)
        if code != 0:
            return f"NOT CHECKED (the tests fail without the mutant: {summary})"
        repo = scratch_copy(Path(tmp) / "mutant")
        apply(repo, mutant)
        code, summary, seconds = run_tests(repo, mutant)
        if code == 1:
            return f"killed ({summary}; {seconds:.0f} s)"
        if code == 0:
            return f"SURVIVED ({summary})"
        return f"ERROR (pytest exit {code}: {summary})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="mutants to check (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutants")
    args = parser.parse_args()
    chosen = [m for m in MUTANTS if not args.names or m.name in args.names]
    if args.list or not chosen:
        for m in MUTANTS:
            print(f"{m.name:32} {m.what}")
        return 0
    survived = 0
    for mutant in chosen:
        outcome = check(mutant)
        survived += not outcome.startswith("killed")
        print(f"{mutant.name:32} {outcome}    [{mutant.what}]", flush=True)
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
