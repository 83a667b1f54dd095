"""The history of changes: a durable, append-only journal in the state directory.

`{ALLIANCE_STATE_DIR}/history.jsonl` holds one JSON object per line:

* ``{"type": "change", "id": 12, "time": "2026-12-02T10:31:07Z", "account": "maria",
  "reason": "...", "record": IRI, "action": "create|update|delete", "revert_of": null,
  "files": {"awards.ttl": {"before": SHA256, "after": SHA256}},
  "removed": {"awards.ttl": [N-Triples lines]}, "added": {...}}``, written (and fsynced)
  *before* any data file changes: the write-ahead entry;
* ``{"type": "commit", "id": 12}`` once every file is written (the change is then in
  force and acknowledged);
* ``{"type": "abort", "id": 12, "why": "..."}`` when recovery finds a change that never
  reached its files.

IRIs are written with the canonical base (as the files are). Each line is written with one
`write` on a file opened for appending and fsynced before the writer goes on.

**Recovery** (`Journal.recover`, at start-up and before each write): a change without its
commit or abort line was interrupted (the process died). For each of its files, the SHA-256
of the file on disk says where it got to: `after` (written), `before` (not written: the
change is redone, from the file and the triples the entry lists, with the same canonical
writer, and checked against `after`), anything else (someone edited the file since: the
file wins, the change is aborted, which is logged). Then the commit line is written. So a
change is either wholly in the files and the history, or in neither: never half. A last
line cut short by the crash (no newline) was never followed by file writes and is dropped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.sources.durable_files import append_durably, write_durably

log = logging.getLogger("kb.curation.history")


@dataclass(frozen=True)
class Change:
    """One change in force: who changed which record, when, why, and the triples."""

    id: int
    time: str
    account: str
    reason: str
    record: str
    action: str
    revert_of: int | None
    files: dict[str, dict[str, str]]
    removed: dict[str, list[str]] = field(default_factory=dict)
    added: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, entry: dict[str, Any]) -> Change:
        return cls(
            id=int(entry["id"]),
            time=entry["time"],
            account=entry["account"],
            reason=entry.get("reason", ""),
            record=entry["record"],
            action=entry["action"],
            revert_of=entry.get("revert_of"),
            files=entry.get("files", {}),
            removed=entry.get("removed", {}),
            added=entry.get("added", {}),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "change",
            "id": self.id,
            "time": self.time,
            "account": self.account,
            "reason": self.reason,
            "record": self.record,
            "action": self.action,
            "revert_of": self.revert_of,
            "files": self.files,
            "removed": self.removed,
            "added": self.added,
        }

    def removed_lines(self) -> list[str]:
        return sorted(line for lines in self.removed.values() for line in lines)

    def added_lines(self) -> list[str]:
        return sorted(line for lines in self.added.values() for line in lines)


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, or "" when it does not exist."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return ""


#: Redoes a change on one file: (path, change, file name) → the file's new bytes.
Redo = Callable[[Path, "Change", str], bytes]


class Journal:
    """The history file of a state directory, read incrementally as it grows."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / "history.jsonl"
        self._changes: dict[int, Change] = {}
        self._pending: dict[int, Change] = {}
        self._offset = 0
        self._size_seen = -1

    # -- reading ---------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the lines appended since the last call (another process may write)."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size == self._size_seen:
            return
        with open(self.path, "rb") as handle:
            handle.seek(self._offset)
            data = handle.read()
        end = data.rfind(b"\n") + 1  # a last line without newline is not complete yet
        for line in data[:end].splitlines():
            if line.strip():
                self._take(json.loads(line))
        self._offset += end
        self._size_seen = size

    def _take(self, entry: dict[str, Any]) -> None:
        kind = entry.get("type")
        if kind == "change":
            self._pending[int(entry["id"])] = Change.from_json(entry)
        elif kind == "commit":
            change = self._pending.pop(int(entry["id"]), None)
            if change is not None:
                self._changes[change.id] = change
        elif kind == "abort":
            self._pending.pop(int(entry["id"]), None)

    def changes(self) -> list[Change]:
        """Every change in force, newest first."""
        self.refresh()
        return sorted(self._changes.values(), key=lambda c: c.id, reverse=True)

    def change(self, change_id: int) -> Change | None:
        self.refresh()
        return self._changes.get(change_id)

    def of_record(self, record: str) -> list[Change]:
        """The changes of one record (canonical IRI), newest first."""
        return [c for c in self.changes() if c.record == record]

    def next_id(self) -> int:
        self.refresh()
        ids = [*self._changes, *self._pending]
        return max(ids, default=0) + 1

    # -- writing (the caller holds the writer lock) --------------------------------------

    def begin(self, change: Change) -> None:
        """The write-ahead entry: durable before any file is touched."""
        self._append(change.to_json())
        self._pending[change.id] = change

    def commit(self, change_id: int) -> None:
        self._append({"type": "commit", "id": change_id})
        change = self._pending.pop(change_id, None)
        if change is not None:
            self._changes[change_id] = change

    def abort(self, change_id: int, why: str) -> None:
        self._append({"type": "abort", "id": change_id, "why": why})
        self._pending.pop(change_id, None)

    def _append(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
        append_durably(self.path, line.encode("utf-8"))
        self._offset += len(line.encode("utf-8"))
        self._size_seen = self._offset

    # -- recovery ----------------------------------------------------------------------

    def recover(self, data_dir: Path, redo: Redo) -> list[str]:
        """Finish or abort every interrupted change (see the module's docstring)."""
        self._drop_torn_line()
        self.refresh()
        notes = []
        for change in sorted(self._pending.values(), key=lambda c: c.id):
            notes.append(self._recover_one(change, data_dir, redo))
        return notes

    def _drop_torn_line(self) -> None:
        try:
            with open(self.path, "rb") as handle:
                size = handle.seek(0, os.SEEK_END)
                if size == 0:
                    return
                handle.seek(size - 1)
                if handle.read(1) == b"\n":
                    return  # the usual case: only the last byte is read
                handle.seek(0)
                data = handle.read()
        except FileNotFoundError:
            return
        keep = data.rfind(b"\n") + 1
        log.warning("history: dropping a line cut short by a crash (%d bytes)", len(data) - keep)
        with open(self.path, "r+b") as handle:
            handle.truncate(keep)
            handle.flush()
            os.fsync(handle.fileno())
        self._size_seen = -1

    def _recover_one(self, change: Change, data_dir: Path, redo: Redo) -> str:
        for name, hashes in change.files.items():
            path = data_dir / name
            now = sha256_of(path)
            if now == hashes["after"]:
                continue
            if now == hashes["before"]:
                content = redo(path, change, name)
                if hashlib.sha256(content).hexdigest() != hashes["after"]:
                    why = f"redoing change {change.id} on {name} does not give the same file"
                    self.abort(change.id, why)
                    log.error("history: %s; change aborted", why)
                    return why
                write_durably(path, content)
                continue
            why = f"{name} changed outside the server since change {change.id} began"
            self.abort(change.id, why)
            log.error("history: %s; the file is kept, the change aborted", why)
            return why
        self.commit(change.id)
        note = f"change {change.id} ({change.record}) completed after an interruption"
        log.warning("history: %s", note)
        return note
