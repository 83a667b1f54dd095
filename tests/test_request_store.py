"""Pending requests in the state directory: retention, the cap, claims, and the rate limit."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from kb.curation.request_store import (
    CLAIM_S,
    RequestDecided,
    RequestNotFound,
    RequestStore,
    StoreFull,
)
from kb.curation.submission_limits import SubmissionLimit

DAY = 24 * 3600.0
CONTACT = {
    "contact_name": "Ilona Kiss",
    "contact_role": "Deputy mayor",
    "contact_email": "ilona@example.org",
    "contact_phone": "",
}


def submit(store: RequestStore, name: str, now: float) -> str:
    return store.submit("join", "en", {"authority_name": name}, CONTACT, now=now).id


def test_the_database_is_owner_only_and_holds_requests_apart_from_their_contact(
    tmp_path: Path,
) -> None:
    store = RequestStore(tmp_path / "state")
    rid = submit(store, "Szeged", 1000.0)
    database = tmp_path / "state" / "requests.sqlite3"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    item = store.get(rid)
    assert (item.status, item.fields, item.contact) == (
        "pending",
        {"authority_name": "Szeged"},
        CONTACT,
    )
    assert item.received_iso == "1970-01-01T00:16:40Z"
    assert "contact" not in item.to_json(with_contact=False)
    with pytest.raises(RequestNotFound):
        store.get("nope")


def test_rejected_requests_go_and_accepted_ones_lose_their_contact_after_the_retention(
    tmp_path: Path,
) -> None:
    store = RequestStore(tmp_path, retention_days=30)
    rejected, accepted, pending = (submit(store, n, 0.0) for n in ("A", "B", "C"))
    store.reject(rejected, "maria", "not a member state")
    store.accepted(accepted, "maria", ["https://w3id.org/roma-alliance/id/authority/b"], [7])
    decided = store.get(rejected).decided
    assert decided is not None
    assert store.purge(now=decided + 29 * DAY) == (0, 0)
    assert store.purge(now=decided + 31 * DAY) == (1, 1)
    with pytest.raises(RequestNotFound):
        store.get(rejected)
    kept = store.get(accepted)
    assert kept.contact is None and kept.fields == {"authority_name": "B"}
    assert kept.records and kept.changes == [7]
    assert store.get(pending).contact == CONTACT  # still being handled: kept


def test_a_full_store_drops_its_oldest_rejected_requests_first_then_refuses(
    tmp_path: Path,
) -> None:
    store = RequestStore(tmp_path, max_stored=3)
    first, second, third = (submit(store, n, float(i)) for i, n in enumerate("ABC"))
    store.reject(second, "maria", "spam")
    store.reject(first, "maria", "spam")  # decided later than the second
    fourth = submit(store, "D", 10.0)
    assert {r.id for r in store.of_status(None)} == {first, third, fourth}
    fifth = submit(store, "E", 11.0)
    assert {r.id for r in store.of_status(None)} == {third, fourth, fifth}
    with pytest.raises(StoreFull):
        submit(store, "F", 12.0)
    assert store.counts() == {"pending": 3, "accepted": 0, "rejected": 0}


def test_a_request_is_claimed_by_one_acceptance_at_a_time(tmp_path: Path) -> None:
    store = RequestStore(tmp_path)
    rid = submit(store, "Szeged", 0.0)
    store.claim(rid, now=100.0)
    with pytest.raises(RequestDecided, match="being accepted"):
        store.claim(rid, now=101.0)
    store.claim(rid, now=100.0 + CLAIM_S + 1)  # a claim left by a crash expires
    store.release(rid, ["https://w3id.org/roma-alliance/id/source/x"], "stopped")
    assert store.get(rid).note == "stopped" and store.get(rid).status == "pending"
    store.accepted(rid, "maria", [], [])
    with pytest.raises(RequestDecided, match="already accepted"):
        store.claim(rid)
    with pytest.raises(RequestDecided):
        store.reject(rid, "maria", "late")
    with pytest.raises(RequestDecided):
        store.save_draft(rid, {"name_en": "x"})


def test_pending_requests_are_listed_oldest_first_others_newest_first(tmp_path: Path) -> None:
    store = RequestStore(tmp_path)
    old, new = submit(store, "Old", 1.0), submit(store, "New", 2.0)
    assert [r.id for r in store.of_status("pending")] == [old, new]
    store.save_draft(old, {"name_en": "Old town"})
    assert store.get(old).draft == {"name_en": "Old town"}


def test_a_page_past_every_request_is_empty_however_far(tmp_path: Path) -> None:
    """Found by the API fuzzer: an offset beyond SQLite's integers was a 500."""
    store = RequestStore(tmp_path)
    submit(store, "Only", 1.0)
    assert store.of_status("pending", limit=10, offset=2**63) == []
    assert store.of_status(None, limit=2**70, offset=0) != []


def test_the_rate_limit_counts_per_client_in_a_sliding_window(tmp_path: Path) -> None:
    limit = SubmissionLimit(tmp_path, limit=2, window_s=60)
    assert limit.attempt("192.0.2.1", now=0.0) is None
    assert limit.attempt("192.0.2.1", now=10.0) is None
    assert limit.attempt("192.0.2.1", now=20.0) == 40  # until the first leaves the window
    assert limit.attempt("192.0.2.2", now=20.0) is None  # another client
    assert limit.attempt("192.0.2.1", now=61.0) is None
    # the table holds keyed hashes, never an address (in the database or its WAL journal)
    files = [p.read_bytes() for p in tmp_path.glob("requests.sqlite3*")]
    assert files and not any(b"192.0.2" in data for data in files)
    assert any(limit.client_key("192.0.2.1").encode() in data for data in files)
    assert SubmissionLimit(tmp_path, limit=0, window_s=60).attempt("192.0.2.1") is None


def test_the_command_line_lists_requests_without_contact_and_applies_the_retention(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    store = RequestStore(tmp_path)
    kept = submit(store, "Szeged", 0.0)
    old = submit(store, "Makó", 0.0)
    store.reject(old, "maria", "spam")
    root = Path(__file__).resolve().parent.parent

    def cli(*args: str, retention_days: str = "180") -> str:
        env = {
            "ALLIANCE_STATE_DIR": str(tmp_path),
            "ALLIANCE_REQUEST_RETENTION_DAYS": retention_days,
            "PATH": "/usr/bin:/bin",
        }
        done = subprocess.run(
            [sys.executable, "-m", "kb", "requests", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=root,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    listed = cli("list", "--status", "all")
    assert f"{kept}\tjoin\t1970-01-01T00:00:00Z\tpending\tSzeged" in listed
    assert old in listed and "ilona@example.org" not in listed
    purged = cli("purge", retention_days="0")
    assert purged.startswith("1 rejected request(s) deleted, contact details of 0")
    assert old not in cli("list", "--status", "all")
