"""Writing files so that a crash at any moment leaves either the old or the new content.

`write_durably(path, content)`: a temporary file in the same directory, written and
fsynced, renamed over the target (atomic on POSIX), then the directory fsynced so the
rename itself survives a power cut. `append_durably(path, data)`: one `write` in append
mode, then fsync (the history journal).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durably(path: Path, content: bytes) -> None:
    """Replace `path` with `content` atomically and durably (keeping its permissions)."""
    path = Path(path)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def append_durably(path: Path, data: bytes) -> None:
    """Append `data` with one write, and fsync before returning."""
    path = Path(path)
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        written = os.write(fd, data)
        while written < len(data):  # a short write (rare on regular files): finish it
            written += os.write(fd, data[written:])
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        fsync_directory(path.parent)
