"""Pending public requests, kept in the state directory, never in `data/` or the store.

A request sent through `/join` or `/cooperate` (`kb.curation.request_fields`) is stored here
as *pending* until a curator accepts it (its records are then created through the write
path: `kb.curation.request_decisions`) or rejects it with a reason. One SQLite database,
`{ALLIANCE_STATE_DIR}/requests.sqlite3` (owner-only), for the same reasons as the accounts
(`kb.curation.accounts`): small records updated by several threads and processes.

What is kept, and for how long:

* the request's fields (`fields`), apart from the contact person's details;
* the contact details (`contact`: name, role, e-mail, telephone) in a column of their own,
  shown to curators only; erased `retention_days` after the request was decided (the
  request's other fields are kept with an accepted request, as the trail of its records);
* a curator's edits of the proposed records (`draft`), the decision, who made it, when,
  and the reason of a rejection.

Rejected requests are deleted `retention_days` after the decision. The store holds at most
`max_stored` requests: when it is full, the oldest rejected requests go first, whatever
their age; if none is left to drop, a new request is refused (`StoreFull`). `purge()` runs
before every submission and every look at the queue, and at server start.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kb.curation.state_database import StateDatabase

STATUSES = ("pending", "accepted", "rejected")
#: The largest integer SQLite stores (a LIMIT or OFFSET beyond it is an error).
SQLITE_MAX_INTEGER = 2**63 - 1
#: A request being accepted is claimed for this long: a second curator (or a retry after a
#: crash) may take it over afterwards.
CLAIM_S = 300.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('join', 'cooperate')),
    received REAL NOT NULL,
    lang TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
    fields TEXT NOT NULL,
    contact TEXT,
    draft TEXT NOT NULL DEFAULT '{}',
    decided REAL,
    decided_by TEXT,
    reason TEXT NOT NULL DEFAULT '',
    records TEXT NOT NULL DEFAULT '[]',
    changes TEXT NOT NULL DEFAULT '[]',
    note TEXT NOT NULL DEFAULT '',
    claimed REAL
);
CREATE INDEX IF NOT EXISTS requests_by_status ON requests (status, received);
"""


class StoreFull(Exception):
    """The store holds `max_stored` requests and none can be dropped."""


class RequestNotFound(Exception):
    """No request with that id."""


class RequestDecided(Exception):
    """The request is no longer pending (or another curator is accepting it)."""


def iso(timestamp: float | None) -> str:
    """A time as ISO 8601 UTC to the second ("2026-12-02T10:15:00Z"), "" for None."""
    if timestamp is None:
        return ""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class PublicRequest:
    """One request as stored (the contact details None once erased)."""

    id: str
    kind: str
    received: float
    lang: str
    status: str
    fields: dict[str, Any]
    contact: dict[str, str] | None
    draft: dict[str, Any] = field(default_factory=dict)
    decided: float | None = None
    decided_by: str = ""
    reason: str = ""
    records: list[str] = field(default_factory=list)
    changes: list[int] = field(default_factory=list)
    #: What went wrong at the last attempt to accept it (records already created, ...).
    note: str = ""

    @property
    def received_iso(self) -> str:
        return iso(self.received)

    @property
    def received_date(self) -> str:
        """The day it was received (UTC), `YYYY-MM-DD`."""
        return self.received_iso[:10]

    @property
    def decided_iso(self) -> str:
        return iso(self.decided)

    def to_json(self, with_contact: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "received": self.received_iso,
            "lang": self.lang,
            "status": self.status,
            "fields": self.fields,
            "draft": self.draft,
            "decided": self.decided_iso or None,
            "decided_by": self.decided_by or None,
            "reason": self.reason or None,
            "records": self.records,
            "changes": self.changes,
            "note": self.note or None,
        }
        if with_contact:
            body["contact"] = self.contact
        return body


def _row_to_request(row: tuple[Any, ...]) -> PublicRequest:
    (rid, kind, received, lang, status, fields, contact, draft, decided, decided_by, reason,
     records, changes, note) = row  # fmt: skip
    return PublicRequest(
        id=rid,
        kind=kind,
        received=received,
        lang=lang,
        status=status,
        fields=json.loads(fields),
        contact=json.loads(contact) if contact else None,
        draft=json.loads(draft),
        decided=decided,
        decided_by=decided_by or "",
        reason=reason,
        records=json.loads(records),
        changes=json.loads(changes),
        note=note,
    )


_COLUMNS = (
    "id, kind, received, lang, status, fields, contact, draft, decided, decided_by, reason, "
    "records, changes, note"
)


class RequestStore:
    """The requests of a state directory."""

    def __init__(self, state_dir: Path, retention_days: float = 180, max_stored: int = 1000):
        self.retention_s = retention_days * 24 * 3600
        self.max_stored = max_stored
        self.database = StateDatabase(Path(state_dir) / "requests.sqlite3", _SCHEMA)

    # -- the public side --------------------------------------------------------------------

    def submit(
        self,
        kind: str,
        lang: str,
        fields: dict[str, Any],
        contact: dict[str, str],
        now: float | None = None,
    ) -> PublicRequest:
        """Store a new pending request (`StoreFull` when there is no room left)."""
        now = time.time() if now is None else now
        request = PublicRequest(
            id=secrets.token_hex(8),
            kind=kind,
            received=now,
            lang=lang,
            status="pending",
            fields=fields,
            contact=contact,
        )
        with self.database.transaction() as db:
            self._purge(db, now)
            (count,) = db.execute("SELECT COUNT(*) FROM requests").fetchone()
            if count >= self.max_stored:
                db.execute(
                    "DELETE FROM requests WHERE id IN (SELECT id FROM requests "
                    "WHERE status = 'rejected' ORDER BY decided LIMIT ?)",
                    (count - self.max_stored + 1,),
                )
                (count,) = db.execute("SELECT COUNT(*) FROM requests").fetchone()
                if count >= self.max_stored:
                    raise StoreFull(f"the store holds {count} requests (the most it keeps)")
            db.execute(
                "INSERT INTO requests (id, kind, received, lang, status, fields, contact) "
                "VALUES (?, ?, ?, ?, 'pending', ?, ?)",
                (
                    request.id,
                    kind,
                    now,
                    lang,
                    json.dumps(fields, ensure_ascii=False),
                    json.dumps(contact, ensure_ascii=False),
                ),
            )
        return request

    # -- the curators' side -----------------------------------------------------------------

    def get(self, request_id: str) -> PublicRequest:
        with self.database.transaction() as db:
            row = db.execute(
                f"SELECT {_COLUMNS} FROM requests WHERE id = ?", (request_id,)
            ).fetchone()
        if row is None:
            raise RequestNotFound(f"no request {request_id}")
        return _row_to_request(row)

    def of_status(
        self, status: str | None = "pending", limit: int = 1000, offset: int = 0
    ) -> list[PublicRequest]:
        """Requests of a status (None: all), pending ones oldest first, others newest first;
        `limit` of them from the `offset`-th (both cut to what SQLite's integers hold: an
        offset past every request gives none)."""
        limit, offset = (max(0, min(n, SQLITE_MAX_INTEGER)) for n in (limit, offset))
        with self.database.transaction() as db:
            self._purge(db, time.time())
            if status is None:
                rows = db.execute(
                    f"SELECT {_COLUMNS} FROM requests ORDER BY received DESC LIMIT ? OFFSET ?",
                    (limit, offset),
                ).fetchall()
            else:
                order = "received" if status == "pending" else "decided DESC"
                rows = db.execute(
                    f"SELECT {_COLUMNS} FROM requests WHERE status = ? ORDER BY {order} "
                    "LIMIT ? OFFSET ?",
                    (status, limit, offset),
                ).fetchall()
        return [_row_to_request(row) for row in rows]

    def counts(self) -> dict[str, int]:
        """How many requests of each status are stored."""
        with self.database.transaction() as db:
            rows = db.execute("SELECT status, COUNT(*) FROM requests GROUP BY status").fetchall()
        found = dict(rows)
        return {status: int(found.get(status, 0)) for status in STATUSES}

    def save_draft(self, request_id: str, draft: dict[str, Any]) -> None:
        """Keep a curator's edits of the proposed records (pending requests only)."""
        with self.database.transaction() as db:
            self._pending(db, request_id)
            db.execute(
                "UPDATE requests SET draft = ? WHERE id = ?",
                (json.dumps(draft, ensure_ascii=False), request_id),
            )

    def claim(self, request_id: str, now: float | None = None) -> PublicRequest:
        """Take a pending request for acceptance (`RequestDecided` if it is decided or
        another acceptance of it is under way)."""
        now = time.time() if now is None else now
        with self.database.transaction() as db:
            self._pending(db, request_id)
            done = db.execute(
                "UPDATE requests SET claimed = ? WHERE id = ? AND status = 'pending' "
                "AND (claimed IS NULL OR claimed < ?)",
                (now, request_id, now - CLAIM_S),
            ).rowcount
            if not done:
                raise RequestDecided(
                    f"request {request_id} is being accepted by someone else: try again later"
                )
            row = db.execute(
                f"SELECT {_COLUMNS} FROM requests WHERE id = ?", (request_id,)
            ).fetchone()
        return _row_to_request(row)

    def release(self, request_id: str, records: list[str], note: str) -> None:
        """An acceptance that stopped: the request stays pending, with what was created."""
        with self.database.transaction() as db:
            db.execute(
                "UPDATE requests SET claimed = NULL, records = ?, note = ? WHERE id = ?",
                (json.dumps(records), note, request_id),
            )

    def accepted(
        self, request_id: str, account: str, records: list[str], changes: list[int]
    ) -> None:
        with self.database.transaction() as db:
            db.execute(
                "UPDATE requests SET status = 'accepted', decided = ?, decided_by = ?, "
                "records = ?, changes = ?, note = '', claimed = NULL WHERE id = ?",
                (time.time(), account, json.dumps(records), json.dumps(changes), request_id),
            )

    def reject(self, request_id: str, account: str, reason: str) -> None:
        """Reject a pending request with a reason (kept in the state directory only)."""
        with self.database.transaction() as db:
            self._pending(db, request_id)
            claimed = db.execute(
                "SELECT claimed FROM requests WHERE id = ?", (request_id,)
            ).fetchone()[0]
            if claimed is not None and claimed >= time.time() - CLAIM_S:
                raise RequestDecided(f"request {request_id} is being accepted right now")
            db.execute(
                "UPDATE requests SET status = 'rejected', decided = ?, decided_by = ?, "
                "reason = ? WHERE id = ?",
                (time.time(), account, reason, request_id),
            )

    # -- retention ---------------------------------------------------------------------------

    def purge(self, now: float | None = None) -> tuple[int, int]:
        """Apply the retention period: (rejected requests deleted, contact details erased)."""
        with self.database.transaction() as db:
            return self._purge(db, time.time() if now is None else now)

    def _purge(self, db: Any, now: float) -> tuple[int, int]:
        limit = now - self.retention_s
        deleted = db.execute(
            "DELETE FROM requests WHERE status = 'rejected' AND decided < ?", (limit,)
        ).rowcount
        erased = db.execute(
            "UPDATE requests SET contact = NULL WHERE status != 'pending' AND decided < ? "
            "AND contact IS NOT NULL",
            (limit,),
        ).rowcount
        return deleted, erased

    def _pending(self, db: Any, request_id: str) -> None:
        row = db.execute("SELECT status FROM requests WHERE id = ?", (request_id,)).fetchone()
        if row is None:
            raise RequestNotFound(f"no request {request_id}")
        if row[0] != "pending":
            raise RequestDecided(f"request {request_id} is already {row[0]}")
