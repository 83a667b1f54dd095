"""`alliance-kb import KIND FILE.csv`: a curator's spreadsheet to Turtle records."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kb.sources.canonical_turtle import write_atomically
from kb.sources.csv_import import KINDS, FileProblem, convert, row_order


def run_import_command(args: argparse.Namespace) -> int:
    kind_name: str = args.kind
    path: Path = args.csv
    out: Path | None = args.out
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
            write_atomically(out, content)
        except OSError as exc:
            print(f"{out}: cannot write: {exc.strerror or exc}", file=sys.stderr)
            return 2
    return 0
