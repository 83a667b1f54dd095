"""The public request forms over HTTP: languages, messages next to the fields with nothing
lost, pending requests kept out of every public output, and the abuse limits."""

from __future__ import annotations

import gzip
import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from request_helpers import (
    COOPERATE,
    HTML,
    JOIN,
    JSON,
    SECRET_EMAIL,
    field_value,
    form_token,
    request_site,
    send,
)

from kb.curation.request_store import RequestStore


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    tmp = tmp_path_factory.mktemp("request-forms")
    with request_site(tmp) as (client, _data, _token):
        yield client, tmp


def pending(tmp: Path) -> list[str]:
    return [
        r.fields.get("authority_name") or r.fields["organisation_name"]
        for r in RequestStore(tmp / "state").of_status("pending")
    ]


def test_the_forms_speak_english_and_french(site: tuple[TestClient, Path]) -> None:
    client, _ = site
    en = client.get("/join?lang=en", headers=HTML)
    fr = client.get("/join?lang=fr", headers=HTML)
    assert en.status_code == fr.status_code == 200
    assert "Take part in the Alliance: a request from a city or region" in en.text
    assert "Participer à l’Alliance : demande d’une ville ou d’une région" in fr.text
    assert fr.headers["content-language"] == "fr"
    assert 'action="/join?lang=fr"' in fr.text  # the answer comes back in the same language
    countries = re.findall(r'<option value="([A-Z]{3})"[^>]*>([^<]+)</option>', fr.text)
    assert len(countries) == 46  # the Council of Europe's member states in the store
    assert countries[:2] == [("ALB", "Albanie"), ("DEU", "Allemagne")]
    assert ("RUS", "Russie") not in countries
    themes = re.findall(r'name="practice_themes" value="([a-z-]+)"', en.text)
    assert sorted(themes) == [
        "education",
        "employment",
        "health",
        "housing",
        "political-participation",
    ]
    consent = "erased 180 days after the request has been decided"
    assert consent in en.text
    coop = client.get("/cooperate?lang=fr", headers=HTML)
    assert "Coopérer avec l’Alliance : proposition d’une ONG" in coop.text
    assert '<option value="other">Ailleurs, ou internationale</option>' in coop.text


def test_the_pages_keep_the_site_s_content_security_policy_and_have_no_script(
    site: tuple[TestClient, Path],
) -> None:
    client, _ = site
    for path in ("/join", "/cooperate", "/join/sent"):
        page = client.get(path, headers=HTML)
        assert page.headers["content-security-policy"].startswith("default-src 'self'")
        assert "<script" not in page.text


def test_the_landing_page_and_the_record_pages_lead_to_the_forms(
    site: tuple[TestClient, Path],
) -> None:
    client, _ = site
    for path in ("/", "/id/authority/ghent", "/id/award/5-ghent", "/id/country/HUN?lang=fr"):
        page = client.get(path, headers=HTML)
        assert page.status_code == 200
        assert 'href="/join?lang=' in page.text and 'href="/cooperate?lang=' in page.text, path
    assert "Votre ville n’est pas là ?" in client.get("/?lang=fr", headers=HTML).text
    assert "Is your city not here?" in client.get("/id/authority/ghent?lang=en", headers=HTML).text


def test_a_mistake_comes_back_in_the_form_s_language_with_everything_typed_kept(
    site: tuple[TestClient, Path],
) -> None:
    client, tmp = site
    before = pending(tmp)
    fields = {**JOIN, "contact_email": "ilona-at-example", "practice_themes": "education"}
    answer = send(client, "join", fields, lang="fr")
    assert answer.status_code == 422
    page = answer.text
    message = "Ceci ne ressemble pas à une adresse électronique (nom@exemple.fr)."
    assert f'<p class="field-error" id="e-contact_email">{message}</p>' in page
    tag = re.search(r'<input id="f-contact_email"[^>]*>', page)
    assert tag and 'aria-invalid="true"' in tag.group(0) and "e-contact_email" in tag.group(0)
    assert "Le formulaire n’a pas été envoyé" in page  # the summary, linking to the field
    assert '<a href="#f-contact_email">Adresse électronique</a>' in page
    # everything typed is there again
    assert field_value(page, "authority_name") == "Hódmezővásárhely"
    assert field_value(page, "contact_email") == "ilona-at-example"
    assert field_value(page, "practice_start_year") == "2019"
    assert html.escape(JOIN["motivation"], quote=False) in page
    assert '<option value="HUN" selected>Hongrie</option>' in page
    assert re.search(r'name="practice_themes" value="education" checked', page)
    assert re.search(r'name="authority_type" value="municipality" checked', page)
    assert re.search(r'name="consent" value="yes" checked', page)
    assert pending(tmp) == before  # nothing stored


def test_nothing_typed_comes_back_unescaped(site: tuple[TestClient, Path]) -> None:
    client, _ = site
    attack = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    fields = {**JOIN, "authority_name": attack, "motivation": "</textarea>" + attack}
    fields["contact_email"] = "x"
    answer = send(client, "join", fields)
    assert answer.status_code == 422
    assert "<script>alert(1)" not in answer.text and "<img src=x" not in answer.text
    assert "</textarea><" not in answer.text.replace("</textarea>\n", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text
    assert answer.headers["content-security-policy"].startswith("default-src 'self'")


def test_a_request_is_pending_in_the_state_directory_and_nowhere_public(
    site: tuple[TestClient, Path],
) -> None:
    client, tmp = site
    data = tmp / "data"
    files = {p: p.read_bytes() for p in data.rglob("*") if p.is_file()}
    answer = send(client, "join", {**JOIN, "authority_name": "Szentes"})
    assert answer.status_code == 303 and answer.headers["location"] == "/join/sent?lang=en"
    thanks = client.get(answer.headers["location"], headers=HTML)
    assert "Thank you: your request was received" in thanks.text
    assert SECRET_EMAIL not in thanks.text
    (stored,) = [
        r
        for r in RequestStore(tmp / "state").of_status("pending")
        if r.fields["authority_name"] == "Szentes"
    ]
    assert stored.contact and stored.contact["contact_email"] == SECRET_EMAIL
    assert "contact_email" not in stored.fields and stored.lang == "en"
    # not a record: not in data/, on /sparql, in the search, on a page or in the dumps
    assert {p: p.read_bytes() for p in data.rglob("*") if p.is_file()} == files
    ask = client.get(
        "/sparql",
        params={"query": 'ASK { ?s ?p ?o FILTER(CONTAINS(STR(?o), "Szentes")) }'},
        headers=JSON,
    )
    assert ask.json()["boolean"] is False
    assert client.get("/search", params={"q": "Szentes"}, headers=JSON).json()["hits"] == []
    assert client.get("/id/authority/szentes", headers=HTML).status_code == 404
    dump = client.get("/dumps/alliance.nt.gz")
    assert dump.status_code == 200 and b"Szentes" not in gzip.decompress(dump.content)


def test_an_ngo_s_proposal_is_received_in_french(site: tuple[TestClient, Path]) -> None:
    client, tmp = site
    answer = send(client, "cooperate", COOPERATE, lang="fr")
    assert answer.status_code == 303 and answer.headers["location"] == "/cooperate/sent?lang=fr"
    assert (
        "Merci : votre demande a été reçue"
        in client.get(answer.headers["location"], headers=HTML).text
    )
    assert "Romani Kafava Egyesület" in pending(tmp)


def test_the_csrf_token_is_checked_and_a_refusal_keeps_the_form(
    site: tuple[TestClient, Path],
) -> None:
    client, tmp = site
    before = pending(tmp)
    answer = client.post("/join?lang=en", data={**JOIN, "csrf_token": "forged"}, headers=HTML)
    assert answer.status_code == 403
    assert "security token was out of date" in answer.text
    assert field_value(answer.text, "authority_name") == "Hódmezővásárhely"
    assert pending(tmp) == before
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', answer.text)
    assert fresh
    again = client.post("/join?lang=en", data={**JOIN, "csrf_token": fresh.group(1)}, headers=HTML)
    assert again.status_code == 303


def test_a_robot_filling_the_honeypot_is_thanked_and_nothing_is_stored(
    site: tuple[TestClient, Path],
) -> None:
    client, tmp = site
    before = pending(tmp)
    answer = send(
        client, "join", {**JOIN, "authority_name": "Robotville", "website": "http://spam.example"}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/join/sent?lang=en"
    assert pending(tmp) == before
    page = client.get("/join?lang=en", headers=HTML).text
    assert re.search(r'<div class="hp" aria-hidden="true">', page)
    assert re.search(r'<input id="f-website" name="website" type="text" tabindex="-1"', page)


def test_api_clients_get_json(site: tuple[TestClient, Path]) -> None:
    client, _ = site
    token = form_token(client, "/join?lang=en")
    refused = client.post(
        "/join?lang=en", data={"csrf_token": token, "contact_email": "x"}, headers=JSON
    )
    assert refused.status_code == 422
    body = refused.json()
    assert body["error"] == "Unprocessable Content"
    assert body["fields"]["contact_email"].startswith("This does not look like an e-mail")
    assert body["fields"]["consent"].startswith("We can handle the request only with")
    done = client.post("/cooperate", data={**COOPERATE, "csrf_token": token}, headers=JSON)
    assert done.status_code == 202 and done.json() == {"received": True}


def test_bodies_are_limited_before_they_are_read(tmp_path: Path) -> None:
    with request_site(tmp_path, request_max_bytes=2000) as (client, _data, _token):
        token = form_token(client, "/join")
        big = client.post(
            "/join", data={**JOIN, "motivation": "x" * 3000, "csrf_token": token}, headers=HTML
        )
        assert big.status_code == 413
        assert "larger than the server accepts (2000 bytes)" in big.text
        chunked = client.post(
            "/join",
            content=iter([b"authority_name=x"]),
            headers={**JSON, "content-type": "application/x-www-form-urlencoded"},
        )
        assert chunked.status_code == 411
        assert send(client, "join", JOIN).status_code == 303  # a normal form fits


def test_the_rate_limit_answers_429_with_retry_after_and_keeps_the_form(tmp_path: Path) -> None:
    with request_site(tmp_path, request_rate_limit=2, request_rate_window_s=600) as (
        client,
        _d,
        _t,
    ):
        token = form_token(client, "/join?lang=fr")
        first = send(client, "join", JOIN, lang="fr", token=token)
        second = send(client, "join", {**JOIN, "contact_email": "x"}, lang="fr", token=token)
        assert (first.status_code, second.status_code) == (303, 422)  # mistakes count too
        third = send(client, "join", JOIN, lang="fr", token=token)
        assert third.status_code == 429
        assert 590 <= int(third.headers["retry-after"]) <= 600
        assert "Veuillez patienter 10 minutes" in third.text
        assert field_value(third.text, "authority_name") == "Hódmezővásárhely"
        json_answer = client.post("/join", data={**JOIN, "csrf_token": token}, headers=JSON)
        assert json_answer.status_code == 429 and "retry-after" in json_answer.headers
        assert json_answer.json()["error"] == "Too Many Requests"
        assert len(RequestStore(tmp_path / "state").of_status("pending")) == 1


def test_a_full_store_answers_503_and_keeps_the_form(tmp_path: Path) -> None:
    with request_site(tmp_path, requests_max_stored=1) as (client, _data, _token):
        assert send(client, "join", JOIN).status_code == 303
        full = send(client, "join", {**JOIN, "authority_name": "Makó"})
        assert full.status_code == 503
        assert "The queue of requests is full just now" in full.text
        assert field_value(full.text, "authority_name") == "Makó"
