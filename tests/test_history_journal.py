"""The history journal's write-ahead rule: a change interrupted at any point is, after
recovery, either wholly in the files and the history, or in neither."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from kb.config import Settings
from kb.curation import record_changes
from kb.curation.accounts import Account
from kb.curation.history import Journal
from kb.curation.record_changes import RecordWriter, apply_record_change

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/roma-alliance/"
AWARD = f"{BASE}id/award/5-ghent"
MARIA = Account("maria", "curator")


class Crash(BaseException):
    """Stands for the process dying (not an Exception: nothing catches it)."""


@pytest.fixture
def kb(tmp_path: Path) -> Any:
    import server

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    settings = Settings(state_dir=tmp_path / "state", data_dir=data, validate_on_start=False)
    return server.open_knowledge_base(settings)


def new_description(kb: Any) -> list[ox.Triple]:
    """The Ghent award with a project added (a valid change)."""
    current = record_changes.describe_record(kb.store.oxigraph, AWARD)
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in current]
    triples.append(
        ox.Triple(
            ox.NamedNode(AWARD),
            ox.NamedNode(f"{BASE}ontology#awardedFor"),
            ox.Literal("Roma mediators", language="en"),
        )
    )
    return triples


def etag(kb: Any) -> str:
    tag = record_changes.record_etag(kb.store, AWARD)
    assert tag is not None
    return tag


def crash_at(monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """Make the writer die at one point of a change."""
    if where == "before file":
        original = record_changes.write_durably

        def die(path: Path, content: bytes) -> None:
            raise Crash

        monkeypatch.setattr(record_changes, "write_durably", die)
        del original
    elif where == "before commit line":
        monkeypatch.setattr(Journal, "commit", lambda self, change_id: (_ for _ in ()).throw(Crash))


def restart(kb: Any) -> list[str]:
    """A new writer on the same state directory, as after a restart: recovery."""
    return RecordWriter(kb.settings).recover_files(kb.settings.data_dir)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("where", ["before file", "before commit line"])
def test_an_interrupted_change_is_completed_by_recovery(
    kb: Any, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    awards = kb.settings.data_dir / "awards.ttl"
    crash_at(monkeypatch, where)
    with pytest.raises(Crash):
        apply_record_change(kb, MARIA, AWARD, new_description(kb), "test", etag(kb))
    monkeypatch.undo()
    journal = kb.settings.state_dir / "history.jsonl"
    [entry] = lines(journal)
    assert entry["type"] == "change"  # written ahead, no commit line yet
    notes = restart(kb)
    assert notes and "completed" in notes[0]
    assert hashlib.sha256(awards.read_bytes()).hexdigest() == entry["files"]["awards.ttl"]["after"]
    assert "Roma mediators" in awards.read_text()
    assert lines(journal)[-1] == {"type": "commit", "id": entry["id"]}
    assert [c.id for c in Journal(kb.settings.state_dir).changes()] == [entry["id"]]
    assert restart(kb) == []  # nothing left to do


def test_a_file_edited_by_hand_after_a_crash_wins_and_the_change_is_aborted(
    kb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    awards = kb.settings.data_dir / "awards.ttl"
    crash_at(monkeypatch, "before file")
    with pytest.raises(Crash):
        apply_record_change(kb, MARIA, AWARD, new_description(kb), "test", etag(kb))
    monkeypatch.undo()
    awards.write_text(awards.read_text() + "\n# edited by hand\n")
    edited = awards.read_bytes()
    [note] = restart(kb)
    assert "changed outside" in note
    assert awards.read_bytes() == edited
    assert lines(kb.settings.state_dir / "history.jsonl")[-1]["type"] == "abort"
    assert Journal(kb.settings.state_dir).changes() == []


def test_a_line_cut_short_by_a_crash_is_dropped(kb: Any) -> None:
    journal = kb.settings.state_dir / "history.jsonl"
    apply_record_change(kb, MARIA, AWARD, new_description(kb), "first", etag(kb))
    with open(journal, "ab") as handle:
        handle.write(b'{"type":"change","id":2,"time":"2026-')
    restart(kb)
    assert journal.read_bytes().endswith(b"\n")
    assert [c.reason for c in Journal(kb.settings.state_dir).changes()] == ["first"]


def test_every_journal_line_is_json_with_who_when_why_and_the_triples(kb: Any) -> None:
    outcome = apply_record_change(kb, MARIA, AWARD, new_description(kb), "why not", etag(kb))
    entries = lines(kb.settings.state_dir / "history.jsonl")
    change, commit = entries
    assert commit == {"type": "commit", "id": outcome.change_id}
    assert change["account"] == "maria" and change["reason"] == "why not"
    assert change["record"] == AWARD and change["action"] == "update"
    assert change["added"] == {
        "awards.ttl": [f'<{AWARD}> <{BASE}ontology#awardedFor> "Roma mediators"@en .']
    }
