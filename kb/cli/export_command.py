"""`alliance-kb export --out DIR`: write every open-data distribution."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from kb.config import get_settings
from kb.publish.export import ExportRefusedError, export, is_export_dir
from kb.sources.rdf_files import InputError, dataset_files
from kb.store.embedded import EmbeddedStore


def run_export_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    out = Path(args.out)
    quiet = bool(getattr(args, "quiet", False))
    started = time.perf_counter()

    def progress(message: str) -> None:
        if not quiet:
            print(f"export [{time.perf_counter() - started:6.2f} s] {message}", file=sys.stderr)

    if out.exists() and not out.is_dir():
        print(f"alliance-kb export: --out {out} is a file, not a directory", file=sys.stderr)
        return 2
    if out.is_dir() and any(out.iterdir()) and not is_export_dir(out):
        print(
            f"alliance-kb export: --out {out} is a non-empty directory that is not an earlier "
            "export (no SHA256SUMS); refusing to replace it",
            file=sys.stderr,
        )
        return 2
    try:
        progress("loading the knowledge base")
        files = dataset_files(settings)
        store = EmbeddedStore.from_files(files, settings.base_iri)
        result = export(settings, store, out, files=files, progress=progress)
    except InputError as exc:
        print(f"alliance-kb export: {exc.located()}", file=sys.stderr)
        return 2
    except ExportRefusedError as exc:
        print(f"alliance-kb export: nothing written: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"alliance-kb export: {exc}", file=sys.stderr)
        return 2
    if not quiet:
        print(
            f"exported release {result.release.version} ({result.release.issued}): "
            f"{len(result.files) + 1} files in {out} ({result.timings['total']:.2f} s)",
            file=sys.stderr,
        )
    return 0
