"""After a request is accepted, its contact details are in no public output: not a page the
site links, not /sparql, not the search, not an export, not data/, not the history."""

from __future__ import annotations

from pathlib import Path

from public_outputs import leaks, public_texts
from request_helpers import (
    COOPERATE,
    JOIN,
    JSON,
    SECRET_EMAIL,
    SECRET_NAME,
    SECRET_PHONE,
    request_site,
    send,
)

from kb.curation.request_store import RequestStore

SECRETS = [SECRET_EMAIL, SECRET_PHONE, SECRET_PHONE.replace(" ", ""), SECRET_NAME]


def test_contact_details_appear_in_no_public_output_after_acceptance(tmp_path: Path) -> None:
    with request_site(tmp_path) as (client, data, token):
        auth = {**JSON, "Authorization": f"Bearer {token}"}
        assert send(client, "join", JOIN).status_code == 303
        assert send(client, "cooperate", COOPERATE, lang="fr").status_code == 303
        store = RequestStore(tmp_path / "state")
        join, cooperate = sorted(store.of_status("pending"), key=lambda r: r.kind, reverse=True)
        draft = {"practice_in_database": "yes"}
        accepted = client.post(f"/requests/{join.id}/accept", json={"draft": draft}, headers=auth)
        assert accepted.status_code == 200, accepted.text[:2000]
        assert (
            client.post(f"/requests/{cooperate.id}/accept", json={}, headers=auth).status_code
            == 200
        )
        records = accepted.json()["records"]
        # what was published is there (so the search below looks at the right outputs) ...
        page = client.get("/id/authority/hodmezovasarhely", headers={"Accept": "text/html"})
        assert "Hódmezővásárhely" in page.text
        # ... and the contact details are nowhere
        for secret in SECRETS:
            assert client.get("/search", params={"q": secret}, headers=JSON).json()["hits"] == []
        found, searched = leaks(public_texts(client, data), SECRETS)
        assert not found, found
        assert len(searched) > 300  # every page and file, not just a few
        for must in ("/changes", "/changes.atom", "/dumps/alliance.nt.gz", "/sparql (every quad)"):
            assert must in searched, must
        assert any(s.startswith("export:") for s in searched)
        assert any(s == "data:sources.ttl" for s in searched)
        assert {"/" + iri.split("/roma-alliance/", 1)[1] for iri in records} <= set(searched)
        # the curators still have them, in the state directory only
        assert store.get(join.id).contact["contact_email"] == SECRET_EMAIL  # type: ignore[index]
