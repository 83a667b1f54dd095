"""The public requests in a real headless browser (Debian's Chromium driven by Playwright).

People fill both forms, in English and in French, from the landing page and a record page
(one with mistakes, corrected); a curator logs in, edits one request's proposal and accepts
it, and rejects another with a reason; then every public output is searched for the
contact details. `alliance-kb serve` runs on a free loopback port, on a copy of `data/`
and a state directory of its own. The tests run in order: each builds on the one before.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from public_outputs import leaks, public_texts
from request_helpers import PASSWORD, SECRET_EMAIL, SECRET_NAME, SECRET_PHONE
from sparql_helpers import live_server
from test_browser import CHROMIUM, CHROMIUM_ARGS, shot

from kb.curation.accounts import AccountStore
from kb.curation.request_store import RequestStore

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parent.parent
#: Chromium reports a form answered with an error status (422) as a failed resource.
FORM_REFUSED = re.compile(r"Failed to load resource: the server responded with a status of 422")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`alliance-kb serve` on a copy of data/, with the curator `maria`: (base URL, its
    temp directory)."""
    tmp = tmp_path_factory.mktemp("requests-site")
    data = tmp / "data"
    shutil.copytree(ROOT / "data", data)
    AccountStore(tmp / "state").add("maria", "curator", PASSWORD)
    env = {
        "ALLIANCE_DATA_DIR": str(data),
        "ALLIANCE_STATE_DIR": str(tmp / "state"),
        "ALLIANCE_REQUEST_RATE_LIMIT": "50",
    }
    with live_server(env) as server:
        yield server.base, tmp


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def visitor(browser: Any, base: str, locale: str) -> Iterator[Any]:
    """A page of a fresh browser in `locale`; no console error, no request to another host."""
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale=locale)
    pg = context.new_page()
    errors: list[str] = []
    requested: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.on("request", lambda req: requested.append(req.url))
    pg.set_default_timeout(15_000)
    yield pg
    context.close()
    assert not [e for e in errors if not FORM_REFUSED.search(e)], errors
    assert not [u for u in requested if urlsplit(u).netloc != urlsplit(base).netloc]


@pytest.fixture
def english(browser: Any, site: tuple[str, Path]) -> Iterator[Any]:
    yield from visitor(browser, site[0], "en-GB")


@pytest.fixture
def french(browser: Any, site: tuple[str, Path]) -> Iterator[Any]:
    yield from visitor(browser, site[0], "fr-FR")


def field(scope: Any, label: str) -> Any:
    """The control of a form labelled `label` (a required one's label ends with "*")."""
    return scope.get_by_label(re.compile(rf"^\s*{re.escape(label)}(\s*\*)?\s*$"))


def pending(site: tuple[str, Path]) -> dict[str, Any]:
    items = RequestStore(site[1] / "state").of_status("pending")
    return {r.fields.get("authority_name") or r.fields["organisation_name"]: r for r in items}


def test_a_city_asks_in_english_corrects_its_mistakes_and_is_thanked(
    english: Any, site: tuple[str, Path]
) -> None:
    pg = english
    pg.goto(site[0] + "/")
    pg.get_by_role("link", name="Ask to take part").click()
    pg.wait_for_url("**/join?lang=en")
    form = pg.locator("#request-form")
    field(form, "Name of the city or region, as written locally").fill("Hódmezővásárhely")
    field(form, "a municipality (a city, town or village)").check()
    field(form, "Country").select_option(label="Hungary")
    field(form, "Why does your city or region want to take part?").fill(
        "We run a programme of Roma school mediators and want to share it."
    )
    field(form, "Title of the practice (optional)").fill("Roma school mediators")
    field(form, "Education").check()
    field(form, "Started in (year) (optional)").fill("2019")
    field(form, "Your name").fill(SECRET_NAME)
    field(form, "Your role").fill("Officer for Roma inclusion")
    email = field(form, "E-mail address")
    email.fill("ilona.titkos-at-contact-never-public.example")  # a mistake
    field(form, "Telephone (optional)").fill(SECRET_PHONE)
    # and the consent forgotten
    pg.locator("#send").click()
    pg.wait_for_selector("#error-summary")
    summary = pg.locator("#error-summary").inner_text()
    assert "The form was not sent" in summary and "E-mail address" in summary
    assert "Consent" in summary
    email = field(pg.locator("#request-form"), "E-mail address")
    assert email.get_attribute("aria-invalid") == "true"
    described = email.get_attribute("aria-describedby") or ""
    message = pg.locator(f"#{described.split()[-1]}").inner_text()
    assert message == "This does not look like an e-mail address (name@example.org)."
    # nothing typed was lost
    form = pg.locator("#request-form")
    assert field(form, "Name of the city or region, as written locally").input_value() == (
        "Hódmezővásárhely"
    )
    assert field(form, "Country").input_value() == "HUN"
    assert field(form, "Education").is_checked()
    assert field(form, "Telephone (optional)").input_value() == SECRET_PHONE
    practice = field(form, "Title of the practice (optional)")
    assert practice.input_value() == "Roma school mediators"
    shot(pg, "join-mistakes-en")
    # the summary's link takes the keyboard to the field
    pg.locator("#error-summary a", has_text="E-mail address").click()
    assert pg.evaluate("document.activeElement.id") == "f-contact_email"
    email.fill(SECRET_EMAIL)
    form.locator("#f-consent").check()
    pg.locator("#send").click()
    pg.wait_for_url("**/join/sent?lang=en")
    assert pg.locator("h1").inner_text() == "Thank you: your request was received"
    assert SECRET_EMAIL not in pg.content()
    assert "Hódmezővásárhely" in pending(site)


def test_a_city_asks_in_french_from_a_record_page(french: Any, site: tuple[str, Path]) -> None:
    pg = french
    pg.goto(site[0] + "/id/authority/ghent?lang=fr")
    assert pg.locator("#h-invite").inner_text() == "Votre ville n’est pas là ?"
    pg.get_by_role("link", name="Demander à participer").click()
    pg.wait_for_url("**/join?lang=fr")
    assert pg.locator("h1").inner_text() == (
        "Participer à l’Alliance : demande d’une ville ou d’une région"
    )
    form = pg.locator("#request-form")
    field(form, "Nom de la ville ou de la région, tel qu’il s’écrit localement").fill("Montreuil")
    field(form, "d’une commune (ville ou village)").check()
    field(form, "Pays").select_option(label="France")
    field(form, "Pourquoi votre ville ou région souhaite-t-elle participer ?").fill(
        "Pour échanger avec d’autres villes sur l’accueil des familles roms."
    )
    field(form, "Votre nom").fill("Camille Martin")
    field(form, "Votre fonction").fill("Adjointe au maire")
    field(form, "Adresse électronique").fill("camille.martin@mairie.example")
    form.locator("#f-consent").check()
    pg.locator("#send").click()
    pg.wait_for_url("**/join/sent?lang=fr")
    assert pg.locator("h1").inner_text() == "Merci : votre demande a été reçue"
    assert pending(site)["Montreuil"].lang == "fr"


def test_an_ngo_proposes_cooperation_in_english(english: Any, site: tuple[str, Path]) -> None:
    pg = english
    pg.goto(site[0] + "/cooperate?lang=en")
    form = pg.locator("#request-form")
    field(form, "Name of the organisation, as it writes it").fill("Romani Kafava Egyesület")
    field(form, "Its name in English, if different (optional)").fill("Romani Kafava Association")
    field(form, "Country where it is based").select_option(label="Hungary")
    field(form, "Field of work").fill("Education and youth work with Roma communities.")
    field(form, "Your proposal of cooperation").fill("Summer schools with the cities.")
    field(form, "Your name").fill(SECRET_NAME)
    field(form, "Your role").fill("Director")
    field(form, "E-mail address").fill(SECRET_EMAIL)
    form.locator("#f-consent").check()
    pg.locator("#send").click()
    pg.wait_for_url("**/cooperate/sent?lang=en")
    assert "Romani Kafava Egyesület" in pending(site)


def test_an_ngo_proposes_cooperation_in_french_from_the_landing_page(
    french: Any, site: tuple[str, Path]
) -> None:
    pg = french
    pg.goto(site[0] + "/?lang=fr")
    pg.get_by_role("link", name="Proposer une coopération (ONG)").click()
    pg.wait_for_url("**/cooperate?lang=fr")
    form = pg.locator("#request-form")
    field(form, "Nom de l’organisation, tel qu’elle l’écrit").fill("Association Rromani")
    field(form, "Pays où elle est établie").select_option(label="Ailleurs, ou internationale")
    field(form, "Domaine d’action").fill("Accès aux droits.")
    field(form, "Votre proposition de coopération").fill("Des formations communes.")
    field(form, "Votre nom").fill("Luc Durand")
    field(form, "Votre fonction").fill("Président")
    field(form, "Adresse électronique").fill("luc@association.example")
    form.locator("#f-consent").check()
    shot(pg, "cooperate-fr")
    pg.locator("#send").click()
    pg.wait_for_url("**/cooperate/sent?lang=fr")
    assert pending(site)["Association Rromani"].fields["organisation_country"] == "other"


def test_a_curator_edits_and_accepts_one_request_and_rejects_another(
    english: Any, site: tuple[str, Path]
) -> None:
    pg = english
    pg.goto(site[0] + "/requests?lang=en")
    assert "/login" in pg.url  # sent to log in first, and back afterwards
    pg.locator("#name").fill("maria")
    pg.locator("#password").fill(PASSWORD)
    pg.locator("form.login button[type=submit]").click()
    pg.wait_for_url("**/requests?lang=en")
    assert pg.locator("article.request").count() == 4
    assert "Pending (4)" in pg.locator(".tabs").inner_text()
    shot(pg, "requests-queue")
    # the English city: its proposal, edited, then accepted
    pg.locator("article.request", has_text="Hódmezővásárhely").locator("a.review").click()
    pg.wait_for_selector("#proposal")
    assert pg.locator("#proposal .record-proposal").count() == 4
    assert SECRET_EMAIL in pg.locator("dl.contact").inner_text()  # curators see it
    draft = pg.locator("#draft-form")
    field(draft, "Name in French (skos:prefLabel @fr)").fill("Hodmezővásárhely")
    field(draft, "Participant since").fill("2026-12")
    field(draft, "It is in the Council of Europe’s database of good practices").check()
    pg.locator("#check").click()
    pg.wait_for_selector("#validation .verdict.ok")
    turtle = pg.locator('.record-proposal[data-record$="/membership/hodmezovasarhely"] pre')
    assert '"2026-12"^^xsd:gYearMonth' in (turtle.text_content() or "")
    shot(pg, "request-review")
    pg.locator("#accept").click()
    pg.wait_for_selector("#accepted")
    assert pg.locator("#status").inner_text() == "Accepted"
    pg.locator("#accepted a", has_text="/id/authority/hodmezovasarhely").click()
    pg.wait_for_url("**/id/authority/hodmezovasarhely")
    assert pg.locator("h1").inner_text() == "Hódmezővásárhely"
    membership = pg.locator("#membership").inner_text()
    assert "December 2026" in membership or "2026-12" in membership
    sources = pg.locator("section.sources").inner_text()
    assert "Request to take part in the Alliance from Hódmezővásárhely" in sources
    # the French city: rejected, with a reason
    pg.goto(site[0] + "/requests?lang=en")
    pg.locator("article.request", has_text="Montreuil").locator("a.review").click()
    pg.wait_for_selector("#reject-form")
    pg.locator("#reason").fill("Asked for a test only: no participation intended.")
    pg.locator("#reject").click()
    pg.wait_for_url("**/requests?lang=en")
    assert "Pending (2)" in pg.locator(".tabs").inner_text()
    pg.get_by_role("link", name=re.compile(r"^Rejected")).click()
    assert pg.locator("article.request", has_text="Montreuil").count() == 1
    state = RequestStore(site[1] / "state")
    (rejected,) = state.of_status("rejected")
    assert rejected.reason == "Asked for a test only: no participation intended."
    assert rejected.decided_by == "maria"


def test_the_contact_details_are_in_no_public_output(site: tuple[str, Path]) -> None:
    base, tmp = site
    (accepted,) = RequestStore(tmp / "state").of_status("accepted")
    assert accepted.records  # the test before accepted it
    secrets = [SECRET_EMAIL, SECRET_PHONE, SECRET_PHONE.replace(" ", ""), SECRET_NAME]
    with httpx.Client(base_url=base, timeout=30) as client:
        for secret in secrets:
            hits = client.get(
                "/search", params={"q": secret}, headers={"Accept": "application/json"}
            )
            assert hits.json()["hits"] == []
        found, searched = leaks(public_texts(client, tmp / "data"), secrets)
    assert not found, found
    assert "/id/authority/hodmezovasarhely" in searched and "/changes.atom" in searched
