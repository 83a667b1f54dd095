"""`alliance-kb validate`: parse and SHACL-validate the records, print the report."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from kb.config import get_settings
from kb.sources.rdf_files import RDF_FORMATS, InputError, data_files, dataset_files
from kb.validation.shacl_engine import ShapeError
from kb.validation.validator import validate_dataset, validate_paths


def use_color(choice: str, stream: Any) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def run_validate_command(args: argparse.Namespace) -> int:
    """`alliance-kb validate`: 0 conforms (warnings allowed), 1 violations, 2 bad input."""
    settings = get_settings()
    try:
        engine = getattr(args, "engine", "auto")
        if args.paths:
            for path in args.paths:  # a folder with nothing to validate is a mistake, not a pass
                if path.is_dir() and not data_files(path):
                    raise InputError(path, f"no RDF file ({', '.join(RDF_FORMATS)}) in this folder")
            standalone = getattr(args, "standalone", False)
            report = validate_paths(settings, args.paths, engine, standalone)
        else:
            report = validate_dataset(settings, dataset_files(settings), engine)
    except InputError as exc:
        print(exc.located(), file=sys.stderr)
        return 2
    except ShapeError as exc:  # unsupported (engine fast), ill-formed, or pySHACL failed
        print(f"alliance-kb validate: {exc}", file=sys.stderr)
        return 2
    lang = getattr(args, "lang", "en")
    fmt = getattr(args, "format", "text")
    if fmt == "json":
        sys.stdout.write(json.dumps(report.to_json(lang), ensure_ascii=False, indent=2) + "\n")
    elif fmt == "turtle":
        sys.stdout.write(report.to_turtle())
    else:
        color = use_color(getattr(args, "color", "auto"), sys.stdout)
        sys.stdout.write(report.to_text(lang, color))
    if fmt != "text":
        print(report.summary(lang), file=sys.stderr)
    return 0 if report.conforms else 1
