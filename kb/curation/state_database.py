"""SQLite databases of the state directory, opened the same way by every part that keeps one.

`StateDatabase(path, schema)` creates the file owner-only (SQLite gives its `-wal` and `-shm`
files the database's mode), in WAL mode, with the schema; `transaction()` is one
`BEGIN IMMEDIATE` transaction with `synchronous=FULL` and a busy timeout, committed on
success and rolled back on any error, so the server's threads, its processes and the
command line can all update the same file.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class StateDatabase:
    """One SQLite file of the state directory (created on first use, mode 0600)."""

    def __init__(self, path: Path, schema: str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
        db = sqlite3.connect(self.path, timeout=10)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(schema)
        finally:
            db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection in its own transaction: committed on success, rolled back on error."""
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()
