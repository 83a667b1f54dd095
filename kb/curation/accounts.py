"""Curators' accounts: passwords, API tokens, login sessions and the brake on guessing.

Everything lives in one SQLite database in the state directory
(`{ALLIANCE_STATE_DIR}/accounts.sqlite3`, default `var/`), never in `data/`, the dumps or
the store. SQLite rather than files: sessions and failure counters are small records that
the server's threads, its worker processes and the command line update concurrently, and
SQLite gives each update as one atomic, durable transaction (WAL journal,
`synchronous=FULL`, a busy timeout instead of lost updates) with no file-rewriting scheme
of our own.

* **Passwords** are hashed with Argon2id (argon2-cffi's defaults, a memory-hard hash);
  a login for an unknown name still verifies a dummy hash, so timing does not tell which
  names exist.
* **API tokens** (`akb_{id}_{secret}`, 256 random bits) are shown once and stored only as
  their SHA-256 (enough for a random secret of that size, and cheap on every request).
* **Sessions**: the cookie holds a random id, the database only its SHA-256 and the
  session's CSRF token; a session ends at logout or after `ALLIANCE_SESSION_HOURS`.
* **Guessing**: after `ALLIANCE_LOGIN_MAX_FAILURES` failed logins within 15 minutes, per
  account and per client address, each further attempt waits for a delay that doubles from
  5 s up to 15 min (`LoginThrottled` says how long); during the delay the password is not
  even checked. A success clears both counters.

Roles: `curator` edits records and handles requests; `admin` also manages accounts.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from kb.curation.state_database import StateDatabase

if TYPE_CHECKING:
    from argon2 import PasswordHasher

ROLES = ("curator", "admin")
#: Account names: what the history shows as the author of a change.
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
TOKEN_PREFIX = "akb_"
#: Failed logins older than this are forgotten.
FAILURE_WINDOW_S = 15 * 60
FIRST_DELAY_S = 5.0
MAX_DELAY_S = 15 * 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('curator', 'admin')),
    password_hash TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts (name) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    last_used TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts (name) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failures (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure REAL NOT NULL,
    locked_until REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class AccountError(ValueError):
    """A name, role or password that cannot be used (the CLI's exit 2)."""


class AccountExists(Exception):
    """`add` of a name that is taken (the CLI's exit 1)."""


class NoSuchAccount(Exception):
    """An operation on a name that has no account (the CLI's exit 1)."""


class LoginThrottled(Exception):
    """Too many failed logins: wait `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, int(retry_after + 0.999))
        super().__init__(f"too many failed logins; try again in {self.retry_after} s")


@dataclass(frozen=True)
class Account:
    """Who makes a request: a name and a role."""

    name: str
    role: str

    def has_role(self, role: str) -> bool:
        """True when the account may act as `role` (an admin is also a curator)."""
        return self.role == role or self.role == "admin"


@dataclass(frozen=True)
class Session:
    """A login session: whose it is and the CSRF token its forms carry."""

    account: Account
    csrf_token: str
    expires: float

    def expires_in(self) -> float:
        """Seconds left."""
        return max(0.0, self.expires - time.time())


@dataclass(frozen=True)
class TokenInfo:
    """An API token as listed (never the secret: only its id)."""

    id: str
    label: str
    created: str
    last_used: str | None


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise AccountError(
            f"account name {name!r}: use 2 to 64 characters: lower-case letters, digits, "
            "'.', '_' or '-', starting with a letter or digit"
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"role {role!r}: one of {', '.join(ROLES)}")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"the password has more than {MAX_PASSWORD_LENGTH} characters")
    return password


class AccountStore:
    """The accounts database of a state directory (created on first use, mode 0700)."""

    def __init__(self, state_dir: Path, max_failures: int = 5) -> None:
        self.state_dir = Path(state_dir)
        self.max_failures = max_failures
        self.path = self.state_dir / "accounts.sqlite3"
        self._dummy_hash: str | None = None
        self.database = StateDatabase(self.path, _SCHEMA)

    @cached_property
    def hasher(self) -> PasswordHasher:
        """Argon2id with argon2-cffi's defaults."""
        from argon2 import PasswordHasher  # on the first login or new password, not at start

        return PasswordHasher()

    def _db(self) -> AbstractContextManager[sqlite3.Connection]:
        """A connection in its own transaction: committed on success, rolled back on error."""
        return self.database.transaction()

    # -- accounts -----------------------------------------------------------------------

    def add(self, name: str, role: str, password: str) -> Account:
        check_name(name)
        check_role(role)
        check_password(password)
        digest = self.hasher.hash(password)
        with self._db() as db:
            if db.execute("SELECT 1 FROM accounts WHERE name = ?", (name,)).fetchone():
                raise AccountExists(f"account {name!r} exists")
            db.execute(
                "INSERT INTO accounts (name, role, password_hash, created) VALUES (?, ?, ?, ?)",
                (name, role, digest, _now_iso()),
            )
        return Account(name, role)

    def get(self, name: str) -> Account | None:
        with self._db() as db:
            row = db.execute("SELECT name, role FROM accounts WHERE name = ?", (name,)).fetchone()
        return Account(row[0], row[1]) if row else None

    def all_accounts(self) -> list[tuple[Account, str]]:
        """Every account with its creation time, by name."""
        with self._db() as db:
            rows = db.execute("SELECT name, role, created FROM accounts ORDER BY name").fetchall()
        return [(Account(n, r), c) for n, r, c in rows]

    def set_password(self, name: str, password: str) -> None:
        """A new password; the account's sessions end (its tokens stay)."""
        check_password(password)
        digest = self.hasher.hash(password)
        with self._db() as db:
            cur = db.execute("UPDATE accounts SET password_hash = ? WHERE name = ?", (digest, name))
            if cur.rowcount == 0:
                raise NoSuchAccount(f"no account {name!r}")
            db.execute("DELETE FROM sessions WHERE account = ?", (name,))

    def set_role(self, name: str, role: str) -> None:
        check_role(role)
        with self._db() as db:
            cur = db.execute("UPDATE accounts SET role = ? WHERE name = ?", (role, name))
            if cur.rowcount == 0:
                raise NoSuchAccount(f"no account {name!r}")

    def remove(self, name: str) -> None:
        """Delete an account with its tokens and sessions (its changes stay in the history)."""
        with self._db() as db:
            if db.execute("DELETE FROM accounts WHERE name = ?", (name,)).rowcount == 0:
                raise NoSuchAccount(f"no account {name!r}")

    # -- passwords and login throttling ---------------------------------------------------

    def login(self, name: str, password: str, client: str) -> Account | None:
        """The account if the password is right, else None; `LoginThrottled` while braked.

        `client` is the client's address: failures count per account and per client.
        """
        keys = [f"client:{client}", f"account:{name}"]
        now = time.time()
        wait = self._locked_for(keys, now)
        if wait > 0:
            raise LoginThrottled(wait)
        with self._db() as db:
            row = db.execute(
                "SELECT name, role, password_hash FROM accounts WHERE name = ?", (name,)
            ).fetchone()
        ok = False
        if row is None:
            self._verify(self._dummy(), password)  # same work as for a real account
        else:
            ok = self._verify(row[2], password)
        if ok and row is not None:
            self.clear_failures(keys)
            if self.hasher.check_needs_rehash(row[2]):
                with self._db() as db:
                    db.execute(
                        "UPDATE accounts SET password_hash = ? WHERE name = ?",
                        (self.hasher.hash(password), name),
                    )
            return Account(row[0], row[1])
        self._fail(keys, now)
        return None

    def _verify(self, digest: str, password: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError  # as `hasher`'s

        try:
            return bool(self.hasher.verify(digest, password))
        except (VerificationError, InvalidHashError):
            return False

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        return self._dummy_hash

    def _locked_for(self, keys: list[str], now: float) -> float:
        with self._db() as db:
            waits = [
                row[0] - now
                for key in keys
                if (
                    row := db.execute(
                        "SELECT locked_until FROM login_failures WHERE key = ?", (key,)
                    ).fetchone()
                )
            ]
        return max([0.0, *waits])

    def _fail(self, keys: list[str], now: float) -> None:
        with self._db() as db:
            for key in keys:
                row = db.execute(
                    "SELECT failures, last_failure FROM login_failures WHERE key = ?", (key,)
                ).fetchone()
                failures = 1 if row is None or now - row[1] > FAILURE_WINDOW_S else row[0] + 1
                locked_until = now + self.delay_after(failures)
                db.execute(
                    "INSERT INTO login_failures (key, failures, last_failure, locked_until) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET failures = excluded."
                    "failures, last_failure = excluded.last_failure, locked_until = excluded."
                    "locked_until",
                    (key, failures, now, locked_until),
                )

    def delay_after(self, failures: int) -> float:
        """Seconds to wait after `failures` failed logins in a row (0 below the threshold)."""
        if failures < self.max_failures:
            return 0.0
        return float(min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** (failures - self.max_failures)))

    def clear_failures(self, keys: list[str]) -> None:
        """Forget the failed logins of these keys (`client:ADDRESS`, `account:NAME`)."""
        with self._db() as db:
            db.executemany("DELETE FROM login_failures WHERE key = ?", [(k,) for k in keys])

    # -- sessions -------------------------------------------------------------------------

    def open_session(self, account: Account, hours: float) -> tuple[str, Session]:
        """A new session: (the cookie value, the session). Only its hash is stored."""
        session_id = secrets.token_urlsafe(32)
        session = Session(account, secrets.token_urlsafe(32), time.time() + hours * 3600)
        with self._db() as db:
            db.execute("DELETE FROM sessions WHERE expires < ?", (time.time(),))
            db.execute(
                "INSERT INTO sessions (id_hash, account, csrf, expires) VALUES (?, ?, ?, ?)",
                (_sha256(session_id), account.name, session.csrf_token, session.expires),
            )
        return session_id, session

    def session(self, session_id: str) -> Session | None:
        """The live session of a cookie value, or None (unknown, expired, account removed)."""
        if not session_id:
            return None
        with self._db() as db:
            row = db.execute(
                "SELECT a.name, a.role, s.csrf, s.expires FROM sessions s "
                "JOIN accounts a ON a.name = s.account WHERE s.id_hash = ?",
                (_sha256(session_id),),
            ).fetchone()
        if row is None or row[3] < time.time():
            return None
        return Session(Account(row[0], row[1]), row[2], row[3])

    def close_session(self, session_id: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM sessions WHERE id_hash = ?", (_sha256(session_id),))

    # -- API tokens -------------------------------------------------------------------------

    def create_token(self, name: str, label: str = "") -> str:
        """A new token for the account, returned once (only its hash is kept)."""
        token_id = secrets.token_hex(4)
        token = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
        with self._db() as db:
            if not db.execute("SELECT 1 FROM accounts WHERE name = ?", (name,)).fetchone():
                raise NoSuchAccount(f"no account {name!r}")
            db.execute(
                "INSERT INTO tokens (id, account, token_hash, label, created) "
                "VALUES (?, ?, ?, ?, ?)",
                (token_id, name, _sha256(token), label, _now_iso()),
            )
        return token

    def token_account(self, token: str) -> Account | None:
        """The account a bearer token belongs to, or None."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        with self._db() as db:
            row = db.execute(
                "SELECT a.name, a.role, t.id FROM tokens t JOIN accounts a ON a.name = t.account "
                "WHERE t.token_hash = ?",
                (_sha256(token),),
            ).fetchone()
            if row is None:
                return None
            db.execute("UPDATE tokens SET last_used = ? WHERE id = ?", (_now_iso(), row[2]))
        return Account(row[0], row[1])

    def tokens(self, name: str) -> list[TokenInfo]:
        with self._db() as db:
            if not db.execute("SELECT 1 FROM accounts WHERE name = ?", (name,)).fetchone():
                raise NoSuchAccount(f"no account {name!r}")
            rows = db.execute(
                "SELECT id, label, created, last_used FROM tokens WHERE account = ? "
                "ORDER BY created, id",
                (name,),
            ).fetchall()
        return [TokenInfo(*row) for row in rows]

    def revoke_token(self, name: str, token_id: str) -> bool:
        """Delete one token of the account; False if it has no such token."""
        with self._db() as db:
            cur = db.execute("DELETE FROM tokens WHERE account = ? AND id = ?", (name, token_id))
            return cur.rowcount > 0

    # -- the server's secret ------------------------------------------------------------------

    def secret(self) -> bytes:
        """A random key of this state directory (signs the CSRF tokens of anonymous forms)."""
        with self._db() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'secret'").fetchone()
            if row is None:
                value = secrets.token_hex(32)
                db.execute("INSERT INTO meta (key, value) VALUES ('secret', ?)", (value,))
            else:
                value = row[0]
        return bytes.fromhex(value)
