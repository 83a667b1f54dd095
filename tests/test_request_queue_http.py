"""The curators' queue over HTTP: who may see it, what a request proposes, how a decision is
taken (accept through the write path, edit then accept, reject with a reason)."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from request_helpers import (
    COOPERATE,
    HTML,
    JOIN,
    JSON,
    PASSWORD,
    SECRET_EMAIL,
    form_token,
    login,
    request_site,
    send,
)

from kb.config import Settings
from kb.curation.accounts import AccountStore
from kb.curation.request_proposals import request_source_type
from kb.curation.request_store import RequestStore

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/roma-alliance/"
ID = BASE + "id/"
TODAY_SOURCE = re.compile(r"^https://w3id.org/roma-alliance/id/source/request-\d{4}-\d\d-\d\d-")
#: A draft that conforms whatever the practice shapes ask of the database link.
CONFORMING = {"practice_in_database": "yes"}


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[TestClient, Path, dict[str, str]]]:
    with request_site(tmp_path) as (client, _data, token):
        yield client, tmp_path, {**JSON, "Authorization": f"Bearer {token}"}


def submitted(client: TestClient, tmp: Path, kind: str = "join", **fields: str) -> str:
    """Send a request through the public form; its id."""
    store = RequestStore(tmp / "state")
    before = {r.id for r in store.of_status("pending")}
    form = {**(JOIN if kind == "join" else COOPERATE), **fields}
    assert send(client, kind, form).status_code == 303
    (new,) = {r.id for r in store.of_status("pending")} - before
    return new


def review(client: TestClient, auth: dict[str, str], rid: str) -> dict[str, Any]:
    answer = client.get(f"/requests/{rid}", headers=auth)
    assert answer.status_code == 200, answer.text[:500]
    body: dict[str, Any] = answer.json()
    return body


def data_triples(data: Path) -> set[ox.Triple]:
    return {
        ox.Triple(q.subject, q.predicate, q.object)
        for path in data.glob("*.ttl")
        for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
    }


def test_the_queue_is_for_curators_only(site: tuple[TestClient, Path, dict[str, str]]) -> None:
    client, tmp, _auth = site
    rid = submitted(client, tmp)
    page = client.get("/requests", headers=HTML)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Frequests"
    assert client.get(f"/requests/{rid}", headers=HTML).status_code == 303
    for path in ("/requests", f"/requests/{rid}"):
        anonymous = client.get(path, headers=JSON)
        assert anonymous.status_code == 401 and anonymous.json()["error"] == "Unauthorized"
    for action in ("accept", "reject", "draft"):
        refused = client.post(f"/requests/{rid}/{action}", json={"reason": "x"}, headers=JSON)
        assert refused.status_code == 401
    wrong = client.get("/requests", headers={**JSON, "Authorization": "Bearer akb_x_y"})
    assert wrong.status_code == 401
    login(client)
    assert client.get("/requests", headers=HTML).status_code == 200
    # a logged-in browser without the form's token is refused
    no_token = client.post(f"/requests/{rid}/reject", data={"reason": "x"}, headers=HTML)
    assert no_token.status_code == 403
    assert RequestStore(tmp / "state").get(rid).status == "pending"


def test_a_request_shows_its_proposed_records_their_validation_and_the_contact(
    site: tuple[TestClient, Path, dict[str, str]],
) -> None:
    client, tmp, auth = site
    rid = submitted(client, tmp)
    body = review(client, auth, rid)
    assert body["request"]["contact"]["contact_email"] == SECRET_EMAIL  # curators see it
    assert body["request"]["fields"]["authority_name"] == "Hódmezővásárhely"
    records = {r["kind"]: r for r in body["records"]}
    assert list(records) == ["source", "authority", "membership", "practice"]
    assert TODAY_SOURCE.match(records["source"]["iri"])
    assert records["authority"]["iri"] == ID + "authority/hodmezovasarhely"
    authority = records["authority"]["turtle"]
    assert 'skos:prefLabel "Hódmezővásárhely"@en' in authority
    assert "alliance:Municipality" in authority and "country:HUN" in authority
    source = records["source"]["turtle"]
    assert "dcterms:BibliographicResource" in source
    kind = request_source_type(client.app.state.kb)  # type: ignore[attr-defined]
    if kind:
        assert f"dcterms:type source-type:{kind.rsplit('/', 1)[1]}" in source
    else:
        assert "dcterms:type" not in source
    assert 'dcterms:issued "' in source and SECRET_EMAIL not in source
    assert "Ilona" not in source
    practice = records["practice"]["turtle"]
    assert "theme:education" in practice and '"2019"^^xsd:gYear' in practice
    membership = records["membership"]["turtle"]
    assert "org:organization organisation:alliance" in membership
    assert "schema:startDate" not in membership  # unknown until a curator says
    validation = body["validation"]
    assert validation is not None and "summary" in validation
    assert isinstance(body["can_accept"], bool)
    page = client.get(f"/requests/{rid}", headers={**HTML, "Authorization": auth["Authorization"]})
    assert page.status_code == 200
    assert (
        "Proposed records" in page.text
        and "authority:hodmezovasarhely a alliance:Municipality" in page.text
    )
    assert f'href="mailto:{SECRET_EMAIL}"' in page.text
    assert "Validation (SHACL)" in page.text


def test_accepting_creates_the_records_through_the_write_path(
    site: tuple[TestClient, Path, dict[str, str]],
) -> None:
    client, tmp, auth = site
    data = tmp / "data"
    rid = submitted(client, tmp)
    answer = client.post(f"/requests/{rid}/accept", json={"draft": CONFORMING}, headers=auth)
    assert answer.status_code == 200, answer.text[:2000]
    done = answer.json()
    assert done["status"] == "accepted" and len(done["records"]) == len(done["changes"]) == 4
    authority = ID + "authority/hodmezovasarhely"
    assert done["records"][1] == authority
    # in data/, in canonical form, and valid for `alliance-kb validate`
    triples = data_triples(data)
    a = ox.NamedNode(authority)
    assert (
        ox.Triple(a, ox.NamedNode(BASE + "ontology#country"), ox.NamedNode(ID + "country/HUN"))
        in triples
    )
    source = ox.NamedNode(done["records"][0])
    assert ox.Triple(a, ox.NamedNode("http://purl.org/dc/terms/source"), source) in triples
    env = {"ALLIANCE_DATA_DIR": str(data), "PATH": "/usr/bin:/bin"}
    checked = subprocess.run(
        [sys.executable, "-m", "kb", "validate"], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr[-2000:]
    formatted = subprocess.run(
        [sys.executable, "-m", "kb", "format", "--check", *map(str, data.glob("*.ttl"))],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    # the history: the accepting account, the request as the reason, nothing of the contact
    changes = client.get("/changes", headers=JSON).json()["changes"]
    assert [c["record"] for c in changes][::-1] == done["records"]
    assert {c["account"] for c in changes} == {"maria"}
    assert {c["reason"] for c in changes} == {f"request {rid} (join) accepted"}
    # live on the pages and /sparql
    assert client.get("/id/authority/hodmezovasarhely", headers=HTML).status_code == 200
    member = "<http://www.w3.org/ns/org#member>"
    ask = f"ASK {{ <{ID}membership/hodmezovasarhely> {member} <{authority}> }}"
    assert client.get("/sparql", params={"query": ask}, headers=JSON).json()["boolean"] is True
    # decided once
    item = review(client, auth, rid)["request"]
    assert (item["status"], item["decided_by"], item["records"]) == (
        "accepted",
        "maria",
        done["records"],
    )
    again = client.post(f"/requests/{rid}/accept", json={}, headers=auth)
    assert again.status_code == 409 and "already accepted" in again.json()["detail"]


def test_a_curator_edits_the_proposal_then_accepts_it_in_the_browser_form(
    site: tuple[TestClient, Path, dict[str, str]],
) -> None:
    client, tmp, _auth = site
    rid = submitted(client, tmp, practice_title="Médiateurs scolaires roms")
    login(client)
    token = form_token(client, f"/requests/{rid}")
    form = {
        "csrf_token": token,
        "draft": "1",
        "authority": "",
        "authority_slug": "hodmezovasarhely-town",
        "authority_type": "municipality",
        "name_en": "Hódmezővásárhely",
        "name_fr": "Hodmezovasarhely",
        "local_name": "Hódmezővásárhely",
        "country": "HUN",
        "membership": "yes",
        "membership_start": "2026-11",
        "practice": "yes",
        "practice_slug": "school-mediators",
        "practice_title_en": "Roma school mediators",
        "practice_title_fr": "Médiateurs scolaires roms",
        "practice_themes": ["education", "housing"],
        "practice_start": "2019",
        "practice_in_database": "yes",
    }
    checked = client.post(f"/requests/{rid}/draft?lang=en", data=form, headers=HTML)
    assert checked.status_code == 303
    page = html.unescape(client.get(checked.headers["location"], headers=HTML).text)
    assert "authority:hodmezovasarhely-town a alliance:Municipality" in page
    assert '"Hodmezovasarhely"@fr' in page and '"2026-11"^^xsd:gYearMonth' in page
    assert "practice:school-mediators" in page and "theme:housing" in page
    assert 'class="verdict ok"' in page  # the edited proposal conforms
    accepted = client.post(f"/requests/{rid}/accept?lang=en", data=form, headers=HTML)
    assert accepted.status_code == 303
    done = client.get(accepted.headers["location"], headers=HTML).text
    assert "Accepted: these records were created." in done
    assert "/id/authority/hodmezovasarhely-town" in done
    assert client.get("/id/practice/school-mediators", headers=HTML).status_code == 200
    assert client.get("/id/authority/hodmezovasarhely", headers=HTML).status_code == 404


def test_a_proposal_with_violations_is_refused_with_its_report_and_nothing_written(
    site: tuple[TestClient, Path, dict[str, str]],
) -> None:
    client, tmp, auth = site
    data = tmp / "data"
    before = {p: p.read_bytes() for p in data.glob("*.ttl")}
    rid = submitted(client, tmp)
    # the practice's title in French only: the shapes want an English one
    draft = {**CONFORMING, "practice_title_en": "", "practice_title_fr": "Médiateurs"}
    answer = client.post(f"/requests/{rid}/accept", json={"draft": draft}, headers=auth)
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"] == "Unprocessable Content" and "violations" in body["detail"]
    violations = [r for r in body["validation"]["results"] if r["severity"] == "Violation"]
    assert any(
        r["focus_node"] == ID + "practice/roma-school-mediators"
        and r["path"] == "http://purl.org/dc/terms/title"
        for r in violations
    ), violations
    assert body["can_accept"] is False
    assert {p: p.read_bytes() for p in data.glob("*.ttl")} == before
    assert client.get("/changes", headers=JSON).json()["changes"] == []
    item = RequestStore(tmp / "state").get(rid)
    assert item.status == "pending" and item.draft["practice_title_fr"] == "Médiateurs"
    assert "violations" in item.note


def test_a_draft_that_cannot_become_records_is_refused_first(
    site: tuple[TestClient, Path, dict[str, str]],
) -> None:
    client, tmp, auth = site
    rid = submitted(client, tmp)
    bad = {
        "authority_slug": "Hódmező Town",
        "membership_start": "next year",
        "participant_number": "0",
    }
    saved = client.post(f"/requests/{rid}/draft", json={"draft": bad}, headers=auth)
    assert saved.status_code == 200
    errors = saved.json()["draft_errors"]
    assert set(errors) == {"authority_slug", "membership_start", "participant_number"}
    assert errors["membership_start"].startswith("A year (2019), a month")
    assert saved.json()["records"] == []
    refused = client.post(f"/requests/{rid}/accept", json={}, headers=auth)
    assert refused.status_code == 422 and "draft" in refused.json()["detail"]
    unknown = client.post(f"/requests/{rid}/draft", json={"draft": {"colour": "red"}}, headers=auth)
    assert unknown.status_code == 400 and "colour" in unknown.json()["detail"]


def test_a_city_already_recorded_is_proposed_as_itself_and_a_taken_slug_is_a_conflict(
    site: tuple[TestClient, Path, dict[str, str]],
) -> None:
    client, tmp, auth = site
    rid = submitted(client, tmp, authority_name="Gent", authority_name_en="Ghent", country="BEL")
    body = review(client, auth, rid)
    assert body["duplicates"][0]["iri"] == ID + "authority/ghent"
    assert body["duplicates"][0]["how"] == "same"
    assert body["draft"]["authority"] == "ghent"  # its membership, not a second Ghent
    kinds = [r["kind"] for r in body["records"]]
    assert kinds == ["source", "membership", "practice"]
    membership = next(r for r in body["records"] if r["kind"] == "membership")
    assert membership["iri"] == ID + "membership/ghent"
    assert "org:member authority:ghent" in membership["turtle"]
    # a new record under a slug that is taken: a conflict, nothing written
    draft = {
        **CONFORMING,
        "authority": "",
        "authority_slug": "ghent",
        "authority_type": "municipality",
    }
    answer = client.post(f"/requests/{rid}/accept", json={"draft": draft}, headers=auth)
    assert answer.status_code == 409
    assert ID + "authority/ghent" in answer.json()["detail"]
    assert any(r["exists"] == "other" for r in answer.json()["records"])
    assert client.get("/changes", headers=JSON).json()["changes"] == []


def test_accepting_again_finishes_an_interrupted_acceptance(
    site: tuple[TestClient, Path, dict[str, str]],
) -> None:
    client, tmp, auth = site
    rid = submitted(client, tmp)
    saved = client.post(f"/requests/{rid}/draft", json={"draft": CONFORMING}, headers=auth).json()
    # the first two records were created before the acceptance stopped
    for record in saved["records"][:2]:
        path = "/" + record["iri"][len(BASE) :]
        put = client.put(
            path,
            content=record["turtle"],
            headers={**auth, "Content-Type": "text/turtle", "If-None-Match": "*"},
        )
        assert put.status_code == 201, put.text
    again = review(client, auth, rid)
    assert [r["exists"] for r in again["records"]] == ["same", "same", None, None]
    answer = client.post(f"/requests/{rid}/accept", json={}, headers=auth)
    assert answer.status_code == 200, answer.text[:1000]
    assert len(answer.json()["records"]) == 4 and len(answer.json()["changes"]) == 2


def test_rejecting_needs_a_reason_which_stays_with_the_curators(
    site: tuple[TestClient, Path, dict[str, str]],
) -> None:
    client, tmp, auth = site
    rid = submitted(client, tmp)
    missing = client.post(f"/requests/{rid}/reject", json={"reason": "  "}, headers=auth)
    assert missing.status_code == 400
    done = client.post(
        f"/requests/{rid}/reject", json={"reason": "Not a member state's city"}, headers=auth
    )
    assert done.status_code == 200 and done.json()["status"] == "rejected"
    item = review(client, auth, rid)["request"]
    assert (item["status"], item["reason"], item["decided_by"]) == (
        "rejected",
        "Not a member state's city",
        "maria",
    )
    assert client.post(f"/requests/{rid}/accept", json={}, headers=auth).status_code == 409
    listed = client.get("/requests?status=rejected", headers=auth).json()
    assert [r["request"]["id"] for r in listed["requests"]] == [rid]
    assert listed["counts"] == {"pending": 0, "accepted": 0, "rejected": 1}
    assert "Not a member state" not in client.get("/changes.atom").text


def test_like_requests_are_shown_beside_each_other(
    site: tuple[TestClient, Path, dict[str, str]],
) -> None:
    client, tmp, auth = site
    first = submitted(client, tmp, authority_name="Szeged")
    second = submitted(client, tmp, authority_name="Szegedd", contact_email="other@example.org")
    third = submitted(client, tmp, authority_name="Szeged", country="BEL")
    similar = review(client, auth, first)["similar_requests"]
    assert [s["id"] for s in similar] == [second]  # not the one in another country
    assert third not in [s["id"] for s in review(client, auth, second)["similar_requests"]]
    queue = client.get("/requests", headers=auth).json()
    assert [r["request"]["id"] for r in queue["requests"]] == [first, second, third]


def test_an_ngo_s_proposal_becomes_an_organisation_linked_to_the_alliance(
    site: tuple[TestClient, Path, dict[str, str]],
) -> None:
    client, tmp, auth = site
    rid = submitted(client, tmp, kind="cooperate")
    body = review(client, auth, rid)
    kinds = [r["kind"] for r in body["records"]]
    assert kinds == ["source", "organisation"]
    organisation = body["records"][1]
    assert organisation["iri"] == ID + "organisation/romani-kafava-association"
    turtle = organisation["turtle"]
    assert (
        "org:linkedTo organisation:alliance" in turtle and "schema:location country:HUN" in turtle
    )
    assert '"Romani Kafava Egyesület"' in turtle  # the name as written, as skos:altLabel
    assert '"Education and youth work with Roma communities."@en' in turtle
    answer = client.post(f"/requests/{rid}/accept", json={}, headers=auth)
    assert answer.status_code == 200, answer.text[:2000]
    page = client.get("/id/organisation/romani-kafava-association", headers=HTML)
    assert page.status_code == 200 and "Romani Kafava Association" in page.text


def test_a_server_on_an_external_store_cannot_accept(tmp_path: Path, oxigraph_server: Any) -> None:
    import server

    state = tmp_path / "state"
    accounts = AccountStore(state)
    accounts.add("maria", "curator", PASSWORD)
    auth = {**JSON, "Authorization": f"Bearer {accounts.create_token('maria')}"}
    push = subprocess.run(
        [sys.executable, "-m", "kb", "push", oxigraph_server.store_url],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert push.returncode == 0, push.stderr
    settings = Settings(
        state_dir=state, store_url=oxigraph_server.query_url, validate_on_start=False
    )
    with TestClient(server.create_app(settings), follow_redirects=False) as client:
        rid = submitted(client, tmp_path)
        body = review(client, auth, rid)
        assert body["writable"] is False and body["can_accept"] is False
        answer = client.post(f"/requests/{rid}/accept", json={}, headers=auth)
        assert answer.status_code == 503 and "no write path" in answer.json()["detail"]
        assert RequestStore(state).get(rid).status == "pending"


def test_the_queue_is_shown_a_page_at_a_time(
    site: tuple[TestClient, Path, dict[str, str]],
) -> None:
    client, tmp, auth = site
    ids = [submitted(client, tmp, authority_name=name) for name in ("Makó", "Szentes", "Csongrád")]
    first = client.get("/requests?limit=2", headers=auth).json()
    assert (first["total"], first["limit"], first["offset"]) == (3, 2, 0)
    assert [r["request"]["id"] for r in first["requests"]] == ids[:2]
    rest = client.get("/requests?limit=2&offset=2", headers=auth).json()
    assert [r["request"]["id"] for r in rest["requests"]] == ids[2:]
    login(client)
    page = client.get("/requests?limit=2&lang=en", headers=HTML).text
    assert "Requests 1 to 2 of 3." in page
    assert 'href="/requests?status=pending&amp;offset=2&amp;limit=2" rel="next"' in page


def test_a_second_request_of_the_day_from_a_place_gets_a_source_of_its_own(
    site: tuple[TestClient, Path, dict[str, str]],
) -> None:
    client, tmp, auth = site
    first = submitted(client, tmp, kind="cooperate")
    accepted = client.post(f"/requests/{first}/accept", json={}, headers=auth)
    assert accepted.status_code == 200, accepted.text[:1000]
    store = RequestStore(tmp / "state")
    before = {r.id for r in store.of_status("pending")}
    assert send(client, "cooperate", COOPERATE, lang="fr").status_code == 303  # in French
    (second,) = {r.id for r in store.of_status("pending")} - before
    source = review(client, auth, second)["records"][0]
    assert source["iri"] == accepted.json()["records"][0] + "-2"
    assert source["exists"] is None
