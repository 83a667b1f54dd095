"""The start-up validation report, kept on disk by what it was made from.

Validating a million triples takes about 35 s: a server restarted on the same files, shapes
and validation code reuses the report it made last time (`ALLIANCE_STATE_DIR/validation/`)
instead of validating again. The key covers the data files' content hash, the shapes files
and the validation engine's own source files (names, sizes, modification times).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import pickle
from pathlib import Path

from kb.config import Settings
from kb.sources.durable_files import write_durably
from kb.validation.report import ValidationReport

log = logging.getLogger("kb.validation.report_cache")

#: Reports kept (other data directories may be served from the same state directory).
KEEP = 4


def report_key(settings: Settings, content_hash: str) -> str:
    """What a report depends on: the data, the shapes, the validation code."""
    digest = hashlib.sha256(content_hash.encode())
    code = sorted(Path(__file__).parent.glob("*.py"))
    shapes = sorted(settings.shapes_dir.glob("*")) if settings.shapes_dir.is_dir() else []
    for path in [*shapes, *code]:
        stat = path.stat()
        digest.update(f"\0{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:32]


def _directory(settings: Settings) -> Path:
    return settings.state_dir / "validation"


def load_report(settings: Settings, key: str) -> ValidationReport | None:
    """The report saved under `key`, or None (none yet, or unreadable: then validate)."""
    path = _directory(settings) / f"{key}.pickle"
    try:
        with open(path, "rb") as f:
            report = pickle.load(f)  # our own file, in our own state directory
    except FileNotFoundError:
        return None
    except Exception as exc:
        log.warning("ignoring the unreadable validation report %s: %s", path, exc)
        return None
    return report if isinstance(report, ValidationReport) else None


def save_report(settings: Settings, key: str, report: ValidationReport) -> None:
    """Save atomically (`write_durably`); keep the `KEEP` latest reports."""
    directory = _directory(settings)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        write_durably(
            directory / f"{key}.pickle", pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL)
        )
    except OSError as exc:
        log.warning("could not save the validation report in %s: %s", directory, exc)
        return
    saved = sorted(directory.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in saved[KEEP:]:
        with contextlib.suppress(OSError):
            old.unlink()
