"""Accounts, tokens and sessions in the state directory, and the `user` / `token` commands."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kb.curation.accounts import (
    AccountError,
    AccountExists,
    AccountStore,
    LoginThrottled,
    NoSuchAccount,
)

PASSWORD = "correct horse battery"


@pytest.fixture
def store(tmp_path: Path) -> AccountStore:
    return AccountStore(tmp_path / "state", max_failures=3)


def test_password_is_stored_as_an_argon2id_hash_only(store: AccountStore) -> None:
    store.add("maria", "curator", PASSWORD)
    db = sqlite3.connect(store.path)
    (digest,) = db.execute("SELECT password_hash FROM accounts").fetchone()
    assert digest.startswith("$argon2id$")
    assert PASSWORD not in store.path.read_bytes().decode("latin-1")
    assert store.login("maria", PASSWORD, "1.2.3.4") is not None
    assert store.login("maria", PASSWORD + "x", "1.2.3.4") is None


def test_state_files_are_private_to_the_owner(store: AccountStore) -> None:
    store.add("maria", "curator", PASSWORD)
    assert store.path.stat().st_mode & 0o077 == 0
    assert store.state_dir.stat().st_mode & 0o077 == 0


def test_bad_names_roles_and_short_passwords_are_refused(store: AccountStore) -> None:
    for name in ("", "a", "Maria", "ma ria", "-x", "x" * 65, "maria/../x"):
        with pytest.raises(AccountError):
            store.add(name, "curator", PASSWORD)
    with pytest.raises(AccountError):
        store.add("maria", "owner", PASSWORD)
    with pytest.raises(AccountError):
        store.add("maria", "curator", "short")
    store.add("maria", "curator", PASSWORD)
    with pytest.raises(AccountExists):
        store.add("maria", "admin", PASSWORD)


def test_a_token_is_shown_once_and_stored_only_as_a_hash(store: AccountStore) -> None:
    store.add("maria", "curator", PASSWORD)
    token = store.create_token("maria", "nightly import")
    assert token.startswith("akb_")
    assert token not in store.path.read_bytes().decode("latin-1")
    account = store.token_account(token)
    assert account is not None and account.name == "maria"
    assert store.token_account(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    [info] = store.tokens("maria")
    assert info.label == "nightly import" and info.last_used is not None
    assert store.revoke_token("maria", info.id)
    assert store.token_account(token) is None
    with pytest.raises(NoSuchAccount):
        store.create_token("nobody")


def test_repeated_failures_brake_the_account_and_the_client(store: AccountStore) -> None:
    store.add("maria", "curator", PASSWORD)
    for _ in range(3):
        assert store.login("maria", "wrong password", "10.0.0.1") is None
    # the account is braked, even from another client and with the right password
    with pytest.raises(LoginThrottled) as exc:
        store.login("maria", PASSWORD, "10.0.0.2")
    assert 1 <= exc.value.retry_after <= 5
    # the client is braked too, for any account
    store.add("jonas", "curator", PASSWORD)
    with pytest.raises(LoginThrottled):
        store.login("jonas", PASSWORD, "10.0.0.1")
    assert store.login("jonas", PASSWORD, "10.0.0.3") is not None


def test_the_delay_grows_with_each_failure_up_to_a_cap(store: AccountStore) -> None:
    delays = [store.delay_after(n) for n in range(1, 15)]
    assert delays[:2] == [0.0, 0.0]
    assert delays[2] == 5.0 and delays[3] == 10.0 and delays[4] == 20.0
    assert max(delays) == 900.0


def test_unknown_accounts_fail_like_wrong_passwords(store: AccountStore) -> None:
    assert store.login("nobody", PASSWORD, "10.0.0.9") is None


def test_sessions_end_at_logout_and_on_a_new_password(store: AccountStore) -> None:
    account = store.add("maria", "curator", PASSWORD)
    cookie, session = store.open_session(account, hours=1)
    assert store.session(cookie) == session
    store.close_session(cookie)
    assert store.session(cookie) is None
    cookie, _ = store.open_session(account, hours=1)
    store.set_password("maria", PASSWORD + "!")
    assert store.session(cookie) is None
    cookie, _ = store.open_session(account, hours=-1)  # already expired
    assert store.session(cookie) is None


def test_admins_are_also_curators(store: AccountStore) -> None:
    admin = store.add("ada", "admin", PASSWORD)
    curator = store.add("maria", "curator", PASSWORD)
    assert admin.has_role("curator") and admin.has_role("admin")
    assert curator.has_role("curator") and not curator.has_role("admin")


def run_cli(state: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={"ALLIANCE_STATE_DIR": str(state), "PATH": "/usr/bin:/bin"},
        check=False,
    )


def test_user_add_and_token_create_commands_follow_the_contract(tmp_path: Path) -> None:
    state = tmp_path / "state"
    done = run_cli(state, "user", "add", "maria", "--role", "curator", stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    again = run_cli(state, "user", "add", "maria", "--role", "admin", stdin=PASSWORD + "\n")
    assert again.returncode == 1 and "exists" in again.stderr
    short = run_cli(state, "user", "add", "jonas", "--role", "curator", stdin="short\n")
    assert short.returncode == 2 and "at least" in short.stderr
    bad_role = run_cli(state, "user", "add", "jonas", "--role", "owner", stdin=PASSWORD)
    assert bad_role.returncode == 2
    token = run_cli(state, "token", "create", "maria")
    assert token.returncode == 0
    printed = token.stdout.strip()
    assert printed.startswith("akb_")
    store = AccountStore(state)
    account = store.token_account(printed)
    assert account is not None and account.name == "maria" and account.role == "curator"
    assert store.login("maria", PASSWORD, "127.0.0.1") is not None
    missing = run_cli(state, "token", "create", "nobody")
    assert missing.returncode == 1 and "no account" in missing.stderr
    listed = run_cli(state, "user", "list")
    assert listed.stdout.startswith("maria\tcurator\t")
