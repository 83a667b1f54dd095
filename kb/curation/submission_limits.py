"""How often one client may send the public request forms: a sliding window per client.

Every submission of `/join` or `/cooperate` counts, refused ones included (a robot trying
values is slowed as much as one sending spam). A client is its network address, kept only
as a keyed hash (`HMAC-SHA256` with the state directory's random secret): the table of
attempts holds no address. At most `limit` attempts per `window_s` seconds; the next one is
told how long to wait (`retry_after`, seconds until the oldest attempt leaves the window);
a limit of 0 turns it off. The counts live in the requests' database
(`{state_dir}/requests.sqlite3`), so several server processes share them.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from pathlib import Path

from kb.curation.accounts import AccountStore
from kb.curation.state_database import StateDatabase

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submission_attempts (client TEXT NOT NULL, time REAL NOT NULL);
CREATE INDEX IF NOT EXISTS attempts_by_client ON submission_attempts (client, time);
"""


class SubmissionLimit:
    """At most `limit` submissions per client in any `window_s` seconds."""

    def __init__(self, state_dir: Path, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self.state_dir = Path(state_dir)
        self.database = StateDatabase(self.state_dir / "requests.sqlite3", _SCHEMA)
        self._key: bytes | None = None

    def key(self) -> bytes:
        """The key the clients' addresses are hashed with: the state directory's secret
        (`AccountStore.secret`), used with a prefix of its own."""
        if self._key is None:
            self._key = b"submission-client:" + AccountStore(self.state_dir).secret()
        return self._key

    def client_key(self, client: str) -> str:
        return hmac.new(self.key(), client.encode("utf-8"), hashlib.sha256).hexdigest()

    def attempt(self, client: str, now: float | None = None) -> int | None:
        """Count one submission of `client`: None if allowed, else the seconds to wait.

        A `limit` of 0 or less turns the limit off."""
        if self.limit <= 0:
            return None
        now = time.time() if now is None else now
        who = self.client_key(client)
        with self.database.transaction() as db:
            db.execute("DELETE FROM submission_attempts WHERE time <= ?", (now - self.window_s,))
            count, oldest = db.execute(
                "SELECT COUNT(*), MIN(time) FROM submission_attempts WHERE client = ?", (who,)
            ).fetchone()
            if count >= self.limit:
                return max(1, int(oldest + self.window_s - now + 0.999))
            db.execute("INSERT INTO submission_attempts VALUES (?, ?)", (who, now))
        return None
