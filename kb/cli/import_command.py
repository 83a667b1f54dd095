"""`alliance-kb import KIND FILE.csv`: a curator's spreadsheet to Turtle records."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kb.sources.csv_import import KINDS, FileProblem, convert, row_order
from kb.sources.durable_files import write_durably
from kb.sources.generated_data import generate, write_generated


def run_import_command(args: argparse.Namespace) -> int:
    kind_name: str = args.kind
    path: Path = args.csv
    out: Path | None = args.out
    if kind_name == "sources":
        return import_sources(path, out, force=args.force, check=args.check)
    if kind_name not in KINDS:
        print(
            f"alliance-kb import: unknown kind {kind_name!r} (choose one of {', '.join(KINDS)})",
            file=sys.stderr,
        )
        return 2
    if out is not None and not out.parent.is_dir():
        print(f"{out}: no such directory {out.parent}", file=sys.stderr)
        return 2
    try:
        content, problems = convert(kind_name, path)
    except FileProblem as exc:
        print(exc, file=sys.stderr)
        return 2
    if content is None:
        for problem in problems:
            print(problem, file=sys.stderr)
        rows = len({row_order(p)[0] for p in problems})
        where = f" ({out} not written)" if out is not None else ""
        print(
            f"alliance-kb import: {rows} row(s) of {path} rejected, nothing written{where}",
            file=sys.stderr,
        )
        return 1
    if out is None:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
    else:
        try:
            write_durably(out, content)
        except OSError as exc:
            print(f"{out}: cannot write: {exc.strerror or exc}", file=sys.stderr)
            return 2
    return 0


def import_sources(directory: Path, data_dir: Path | None, force: bool, check: bool) -> int:
    """`alliance-kb import sources DIR`: regenerate the generated files of data/."""
    if not directory.is_dir():
        print(f"{directory}: not a directory of tables", file=sys.stderr)
        return 2
    target = data_dir if data_dir is not None else directory.resolve().parent
    if not target.is_dir():
        print(f"{target}: no such directory", file=sys.stderr)
        return 2
    try:
        generation = generate(directory)
    except FileProblem as exc:
        print(exc, file=sys.stderr)
        return 2
    if generation.problems:
        for problem in generation.problems:
            print(problem, file=sys.stderr)
        print(
            f"alliance-kb import sources: {len(generation.problems)} problem(s), nothing written",
            file=sys.stderr,
        )
        return 1
    try:
        outcome = write_generated(generation.files, target, force=force, check=check)
    except OSError as exc:
        print(f"{target}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return 2
    verb = "differs from the tables" if check else "written"
    for name in outcome.written:
        print(f"{target / name}: {verb}", file=sys.stderr)
    for name in outcome.refused:
        print(
            f"{target / name}: edited since its import (its records no longer match the digest "
            "in its header, e.g. after a web edit): not overwritten. Carry the edits into the "
            "tables of data/sources/, then run again with --force.",
            file=sys.stderr,
        )
    print(
        f"alliance-kb import sources: {len(outcome.written)} {verb}, "
        f"{len(outcome.unchanged)} unchanged, {len(outcome.refused)} refused",
        file=sys.stderr,
    )
    return 1 if outcome.refused or (check and outcome.written) else 0
