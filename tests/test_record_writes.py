"""The write path over HTTP: PUT / DELETE a record, ETags, every refusal, history, revert."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from kb.config import Settings
from kb.curation.accounts import AccountStore

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
BASE = "https://w3id.org/roma-alliance/"
GHENT_AWARD = f"{BASE}id/award/5-ghent"

AWARD_TTL = """\
@prefix alliance: <https://w3id.org/roma-alliance/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<> a alliance:Award ;
    alliance:edition <https://w3id.org/roma-alliance/id/prize-edition/5> ;
    alliance:laureate <https://w3id.org/roma-alliance/id/authority/ghent> ;
    alliance:rank "RANK"^^xsd:integer ;
    alliance:sharedRank false ;EXTRA
    dcterms:source <SOURCE> .
"""
SOURCE = (
    "http://www.roma-alliance.org/en/page/"
    "181-5th-dosta--congress-prize-for-roma-inclusion-awarded.html"
)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[TestClient, Path, dict[str, str]]]:
    """The app on a copy of data/, its own state directory, a curator and her token."""
    import server

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    state = tmp_path / "state"
    store = AccountStore(state)
    store.add("maria", "curator", PASSWORD)
    token = store.create_token("maria")
    settings = Settings(state_dir=state, data_dir=data, validate_on_start=False)
    with TestClient(server.create_app(settings), follow_redirects=False) as client:
        yield client, data, {"Authorization": f"Bearer {token}"}


def award(rank: int, project: str = "") -> str:
    extra = f'\n    alliance:awardedFor "{project}"@en ;' if project else ""
    return AWARD_TTL.replace("RANK", str(rank)).replace("EXTRA", extra).replace("SOURCE", SOURCE)


EDIT = award(1, "Roma mediators in schools")


def etag_of(client: TestClient, path: str) -> str:
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    return response.headers["etag"]


def triples_of(path: Path) -> set[ox.Triple]:
    return {
        ox.Triple(q.subject, q.predicate, q.object)
        for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
    }


def test_a_record_carries_a_strong_etag_of_its_state(site: tuple) -> None:
    client, _data, _auth = site
    html = client.get("/id/award/5-ghent")
    turtle = client.get("/id/award/5-ghent.ttl")
    assert html.headers["etag"] == turtle.headers["etag"]
    assert html.headers["etag"].startswith('"') and not html.headers["etag"].startswith("W/")
    assert html.headers["etag"] != client.get("/id/award/5-vitez").headers.get("etag")


def test_put_needs_credentials(site: tuple) -> None:
    client, _data, _auth = site
    response = client.put(
        "/id/award/5-ghent", content=award(2), headers={"Content-Type": "text/turtle"}
    )
    assert response.status_code == 401
    bad = client.put(
        "/id/award/5-ghent",
        content=award(2),
        headers={"Content-Type": "text/turtle", "Authorization": "Bearer akb_x_y"},
    )
    assert bad.status_code == 401


def test_put_without_if_match_on_an_existing_record_is_428(site: tuple) -> None:
    client, _data, auth = site
    response = client.put(
        "/id/award/5-ghent", content=award(2), headers={**auth, "Content-Type": "text/turtle"}
    )
    assert response.status_code == 428 and "If-Match" in response.json()["detail"]


def test_put_with_a_stale_etag_is_412(site: tuple) -> None:
    client, _data, auth = site
    response = client.put(
        "/id/award/5-ghent",
        content=award(2),
        headers={**auth, "Content-Type": "text/turtle", "If-Match": '"0123"'},
    )
    assert response.status_code == 412


def test_unparsable_body_is_400_with_line_and_column(site: tuple) -> None:
    client, data, auth = site
    before = (data / "awards.ttl").read_bytes()
    response = client.put(
        "/id/award/5-ghent",
        content='<> a <x> ;\n  <p> "unterminated .\n',
        headers={
            **auth,
            "Content-Type": "text/turtle",
            "If-Match": etag_of(client, "/id/award/5-ghent"),
        },
    )
    assert response.status_code == 400
    assert "request body:2:" in response.json()["detail"]
    assert (data / "awards.ttl").read_bytes() == before


def test_a_body_over_the_limit_is_413(site: tuple) -> None:
    client, _data, auth = site
    response = client.put(
        "/id/award/5-ghent",
        content=b"#" * 1_000_001,
        headers={**auth, "Content-Type": "text/turtle"},
    )
    assert response.status_code == 413


def test_a_body_about_another_record_is_refused(site: tuple) -> None:
    client, _data, auth = site
    body = award(1) + '<../authority/ghent> <http://www.w3.org/2004/02/skos/core#note> "x" .\n'
    response = client.put(
        "/id/award/5-ghent",
        content=body,
        headers={
            **auth,
            "Content-Type": "text/turtle",
            "If-Match": etag_of(client, "/id/award/5-ghent"),
        },
    )
    assert response.status_code == 400 and "authority/ghent" in response.json()["detail"]


def test_a_violation_is_422_with_the_shacl_report_and_changes_nothing(site: tuple) -> None:
    client, data, auth = site
    before = (data / "awards.ttl").read_bytes()
    etag = etag_of(client, "/id/award/5-ghent")
    response = client.put(
        "/id/award/5-ghent?lang=fr",
        content=award(7),
        headers={**auth, "Content-Type": "text/turtle", "If-Match": etag},
    )
    assert response.status_code == 422
    report = response.json()
    assert report["conforms"] is False and report["violations"] >= 1
    rank = [r for r in report["results"] if r["path"] == f"{BASE}ontology#rank"]
    assert rank and rank[0]["focus_node"] == GHENT_AWARD and rank[0]["severity"] == "Violation"
    assert (data / "awards.ttl").read_bytes() == before
    assert etag_of(client, "/id/award/5-ghent") == etag
    rows = client.get(
        "/sparql",
        params={"query": f"SELECT ?r {{ <{GHENT_AWARD}> <{BASE}ontology#rank> ?r }}"},
        headers={"Accept": "application/sparql-results+json"},
    ).json()["results"]["bindings"]
    assert [r["r"]["value"] for r in rows] == ["1"]


def test_an_accepted_update_rewrites_the_file_and_the_store(site: tuple) -> None:
    client, data, auth = site
    etag = etag_of(client, "/id/award/5-ghent")
    response = client.put(
        "/id/award/5-ghent",
        content=EDIT,
        headers={
            **auth,
            "Content-Type": "text/turtle",
            "If-Match": etag,
            "X-Change-Reason": "typo",
        },
    )
    assert response.status_code == 200, response.text
    new_etag = response.headers["etag"]
    assert new_etag != etag and new_etag == etag_of(client, "/id/award/5-ghent")
    project = ox.Triple(
        ox.NamedNode(GHENT_AWARD),
        ox.NamedNode(f"{BASE}ontology#awardedFor"),
        ox.Literal("Roma mediators in schools", language="en"),
    )
    assert project in triples_of(data / "awards.ttl")
    assert "Roma mediators in schools" in client.get("/id/award/5-ghent.ttl").text
    # the files of the copy still validate, with the command line
    done = subprocess.run(
        [sys.executable, "-m", "kb", "validate", "--format", "json"],
        env={"ALLIANCE_DATA_DIR": str(data), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    # a second writer with the old ETag loses
    again = client.put(
        "/id/award/5-ghent",
        content=award(3),
        headers={**auth, "Content-Type": "text/turtle", "If-Match": etag},
    )
    assert again.status_code == 412


def test_create_with_if_none_match_then_delete(site: tuple) -> None:
    client, data, auth = site
    # edition 1 has a first and a second place: Volos takes the third
    body = (
        award(3)
        .replace("authority/ghent", "authority/volos")
        .replace("prize-edition/5", "prize-edition/1")
    )
    created = client.put(
        "/id/award/1-volos",
        content=body,
        headers={
            **auth,
            "Content-Type": "text/turtle",
            "If-None-Match": "*",
            "X-Change-Reason": "new laureate",
        },
    )
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/id/award/1-volos"
    assert "award:1-volos" in (data / "awards.ttl").read_text()
    twice = client.put(
        "/id/award/1-volos",
        content=body,
        headers={**auth, "Content-Type": "text/turtle", "If-None-Match": "*"},
    )
    assert twice.status_code == 412
    no_tag = client.delete("/id/award/1-volos", headers=auth)
    assert no_tag.status_code == 428
    gone = client.delete("/id/award/1-volos", headers={**auth, "If-Match": created.headers["etag"]})
    assert gone.status_code == 204
    assert client.get("/id/award/1-volos", headers={"Accept": "text/turtle"}).status_code == 404
    assert "award:1-volos" not in (data / "awards.ttl").read_text()


def test_deleting_a_record_others_link_to_is_422_naming_them(site: tuple) -> None:
    client, data, auth = site
    etag = etag_of(client, "/id/authority/ghent")
    response = client.delete("/id/authority/ghent", headers={**auth, "If-Match": etag})
    assert response.status_code == 422
    assert GHENT_AWARD in response.json()["linked_from"]
    assert "authority:ghent" in (data / "authorities.ttl").read_text()


def with_project(data: Path, iri: str, project: str) -> str:
    """The record as its file holds it (with the statements it owns), plus a project text:
    an edit that only adds."""
    kept = [
        t
        for t in triples_of(data / "awards.ttl")
        if isinstance(t.subject, ox.NamedNode) and t.subject.value.partition("#")[0] == iri
    ]
    added = ox.Triple(
        ox.NamedNode(iri),
        ox.NamedNode(f"{BASE}ontology#awardedFor"),
        ox.Literal(project, language="en"),
    )
    return ox.serialize([*kept, added], format=ox.RdfFormat.N_TRIPLES).decode()


def test_history_revert_and_the_atom_feed(site: tuple) -> None:
    client, data, auth = site
    original = triples_of(data / "awards.ttl")
    etag = etag_of(client, "/id/award/5-ghent")
    changed = client.put(
        "/id/award/5-ghent?reason=source%20says%202nd",
        content=with_project(data, GHENT_AWARD, "Roma mediators in schools"),
        headers={**auth, "Content-Type": "application/n-triples", "If-Match": etag},
    )
    assert changed.status_code == 200
    change_id = changed.json()["change"]
    history = client.get("/id/award/5-ghent/history", headers={"Accept": "application/json"}).json()
    [entry] = history["changes"]
    assert entry["id"] == change_id and entry["account"] == "maria"
    assert entry["reason"] == "source says 2nd" and entry["time"].endswith("Z")
    assert entry["removed"] == []
    assert any("Roma mediators" in line for line in entry["added"])
    reverted = client.post(f"/changes/{change_id}/revert", headers=auth)
    assert reverted.status_code == 200, reverted.text
    assert triples_of(data / "awards.ttl") == original
    assert etag_of(client, "/id/award/5-ghent") == etag
    changes = client.get("/changes", headers={"Accept": "application/json"}).json()["changes"]
    assert [c["id"] for c in changes] == [reverted.json()["change"], change_id]
    assert changes[0]["revert_of"] == change_id
    html = client.get("/id/award/5-ghent/history", headers={"Accept": "text/html"})
    assert html.status_code == 200 and "source says 2nd" in html.text
    feed = feedparser.parse(client.get("/changes.atom").content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert len(feed.entries) == 2 and feed.entries[1].author == "maria"
    assert feed.entries[0].id.endswith(f"/changes/{reverted.json()['change']}")


def test_a_browser_writes_with_its_session_and_the_csrf_header(site: tuple) -> None:
    import re

    client, _data, _auth = site
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert (
        client.post(
            "/login", data={"name": "maria", "password": PASSWORD, "csrf_token": token}
        ).status_code
        == 303
    )
    session_token = re.search(  # type: ignore[union-attr]
        r'name="csrf_token" value="([^"]+)"', client.get("/login").text
    ).group(1)
    etag = etag_of(client, "/id/award/5-ghent")
    headers = {"Content-Type": "text/turtle", "If-Match": etag}
    assert client.put("/id/award/5-ghent", content=EDIT, headers=headers).status_code == 403
    ok = client.put(
        "/id/award/5-ghent", content=EDIT, headers={**headers, "X-CSRF-Token": session_token}
    )
    assert ok.status_code == 200, ok.text


def test_an_external_store_has_no_write_path(tmp_path: Path, oxigraph_server: Any) -> None:
    import server

    state = tmp_path / "state"
    token = AccountStore(state)
    token.add("maria", "curator", PASSWORD)
    auth = {"Authorization": f"Bearer {token.create_token('maria')}"}
    settings = Settings(
        state_dir=state, store_url=oxigraph_server.query_url, validate_on_start=False
    )
    with TestClient(server.create_app(settings)) as client:
        response = client.put(
            "/id/award/5-ghent",
            content=EDIT,
            headers={**auth, "Content-Type": "text/turtle", "If-Match": '"x"'},
        )
        assert response.status_code == 503
        assert "external" in response.json()["detail"]
        deleted = client.delete("/id/award/5-ghent", headers={**auth, "If-Match": '"x"'})
        assert deleted.status_code == 503


def test_an_unsupported_body_type_is_415(site: tuple) -> None:
    client, _data, auth = site
    response = client.put(
        "/id/award/5-ghent",
        content=b"<award/>",
        headers={**auth, "Content-Type": "application/xml", "If-Match": '"x"'},
    )
    assert response.status_code == 415 and "text/turtle" in response.json()["detail"]


def test_a_curator_reverts_from_the_history_page_with_its_form(site: tuple) -> None:
    import re

    client, data, auth = site
    original = triples_of(data / "awards.ttl")
    etag = etag_of(client, "/id/award/5-ghent")
    changed = client.put(
        "/id/award/5-ghent",
        content=EDIT,
        headers={**auth, "Content-Type": "text/turtle", "If-Match": etag},
    )
    change_id = changed.json()["change"]
    anonymous = client.get("/id/award/5-ghent/history", headers={"Accept": "text/html"})
    assert "/revert" not in anonymous.text  # only curators see the button
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"name": "maria", "password": PASSWORD, "csrf_token": token})
    history = client.get("/id/award/5-ghent/history?lang=fr", headers={"Accept": "text/html"})
    assert f'action="/changes/{change_id}/revert"' in history.text
    assert "Annuler cette modification" in history.text
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', history.text).group(1)  # type: ignore[union-attr]
    assert client.post(f"/changes/{change_id}/revert", data={"reason": "x"}).status_code == 403
    done = client.post(
        f"/changes/{change_id}/revert", data={"reason": "wrong record", "csrf_token": form_token}
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/id/award/5-ghent/history"
    assert triples_of(data / "awards.ttl") == original
    latest = client.get("/changes", headers={"Accept": "application/json"}).json()["changes"][0]
    assert latest["reason"] == "wrong record" and latest["revert_of"] == change_id
