"""`alliance-kb format FILE.ttl ...`: rewrite data files in the canonical Turtle form."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kb.sources.canonical_turtle import (
    NotCanonical,
    canonical_turtle,
    leading_comment,
)
from kb.sources.durable_files import write_durably
from kb.sources.rdf_files import InputError, parse_file


def run_format_command(args: argparse.Namespace) -> int:
    paths: list[Path] = args.paths
    check: bool = args.check
    outdated = []
    for path in paths:
        try:
            data = path.read_bytes()
            quads = parse_file(path, "urn:x-format:graph")
            content = canonical_turtle(quads, header=leading_comment(data))
        except InputError as exc:
            print(exc.located(), file=sys.stderr)
            return 2
        except OSError as exc:
            print(f"{path}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        except NotCanonical as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            return 2
        if content == data:
            continue
        outdated.append(path)
        if check:
            print(f"{path}: not in canonical form", file=sys.stderr)
        else:
            write_durably(path, content)
            print(f"{path}: rewritten", file=sys.stderr)
    return 1 if check and outdated else 0
