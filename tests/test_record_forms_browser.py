"""The editing forms in a real headless browser (Debian's Chromium driven by Playwright).

The app runs under uvicorn on a free loopback port, on a copy of `data/` and a state
directory of its own with one curator; the browser logs in through `/login` like a person.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from test_browser import CHROMIUM, CHROMIUM_ARGS, shot

from kb.config import Settings
from kb.curation.accounts import AccountStore

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
RANK_MESSAGE_FR = "Le rang (alliance:rank) est un seul xsd:integer 1, 2 ou 3"


@contextmanager
def running_site(tmp: Path, **settings: Any) -> Iterator[tuple[str, Path]]:
    """The app on a copy of data/, with the curator `maria`: (base URL, data directory)."""
    import socket

    import uvicorn

    import server

    data = tmp / "data"
    shutil.copytree(ROOT / "data", data)
    AccountStore(tmp / "state").add("maria", "curator", PASSWORD)
    app = server.create_app(
        Settings(data_dir=data, state_dir=tmp / "state", validate_on_start=False, **settings)
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the app did not start under uvicorn")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", data
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    with running_site(tmp_path_factory.mktemp("forms-site")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@contextmanager
def logged_in(browser: Any, base: str) -> Iterator[Any]:
    """A page of a browser logged in as the curator; no console error, no other host."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    pg = context.new_page()
    errors: list[str] = []
    requested: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    # a refusal the test asks for (422, 412) is logged by Chromium as a failed resource
    expected = "Failed to load resource: the server responded with a status of 4"
    pg.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith(expected)
            else None
        ),
    )
    pg.on("request", lambda req: requested.append(req.url))
    pg.set_default_timeout(15_000)
    pg.goto(base + "/new/award")
    assert "/login" in pg.url  # sent to log in first, and back afterwards
    pg.locator("#name").fill("maria")
    pg.locator("#password").fill(PASSWORD)
    pg.locator("form.login button[type=submit]").click()
    pg.wait_for_url("**/new/award")
    yield pg
    context.close()
    assert not errors, f"errors in the browser console: {errors}"
    app = urlsplit(base).netloc
    assert not [u for u in requested if urlsplit(u).netloc != app]


@pytest.fixture
def curator(browser: Any, site: tuple[str, Path]) -> Iterator[Any]:
    with logged_in(browser, site[0]) as pg:
        yield pg


def messages(pg: Any, path: str) -> list[str]:
    """The messages shown next to the field of `path` (inside the form's shadow root)."""
    loc = pg.locator(f'#record-form .property-instance[data-path="{path}"] .validation-error')
    return [t.strip() for t in loc.all_inner_texts()]


def save_and_view(pg: Any, record_path: str, uncited_page: str) -> None:
    """Save a record citing a page that has no source record yet: saved, with a warning
    naming the page (warnings do not block), then on to the record's page."""
    pg.locator("#save").click()
    summary = pg.locator("#form-summary")
    summary.locator(f'a[href="{record_path}"]').wait_for()
    text = summary.inner_text()
    assert (
        text.startswith(("Saved", "Enregistré")) and uncited_page in text and "/new/source" in text
    )
    summary.locator(f'a[href="{record_path}"]').click()
    pg.wait_for_url("**" + record_path)


A = "https://w3id.org/roma-alliance/ontology#"


def test_a_rank_of_7_is_refused_in_french_next_to_the_rank_field_before_saving(
    curator: Any, site: tuple[str, Path]
) -> None:
    pg = curator
    pg.goto(site[0] + "/new/award?lang=fr")
    form = pg.locator("#record-form")
    form.get_by_label("lauréat", exact=True).select_option(label="Volos")
    form.get_by_label("édition", exact=True).select_option(
        label="Prix Dosta! du Congrès, 1re édition (2007)"
    )
    assert pg.locator("#slug").input_value() == "1-volos"  # {edition}-{laureate}
    rank = form.get_by_label("rang", exact=True)
    rank.fill("7")
    rank.press("Tab")
    pg.wait_for_function(
        "() => document.querySelector('#record-form').shadowRoot.querySelector('.validation-error')"
    )
    shown = messages(pg, A + "rank")
    assert len(shown) == 1 and shown[0].startswith(RANK_MESSAGE_FR)
    assert rank.get_attribute("aria-invalid") == "true"
    described = rank.get_attribute("aria-describedby")
    assert described and form.locator(f"#{described}").inner_text().startswith(RANK_MESSAGE_FR)
    shot(pg, "form-award-rank-7")
    # saving is refused in the browser: the missing source is marked too, nothing is sent
    puts: list[str] = []
    pg.on("request", lambda req: puts.append(req.url) if req.method == "PUT" else None)
    pg.locator("#save").click()
    pg.wait_for_selector("#form-summary:not([hidden])")
    assert "Corrigez les champs signalés" in pg.locator("#form-summary").inner_text()
    assert messages(pg, "http://purl.org/dc/terms/source")
    assert not puts
    rank.fill("3")
    rank.press("Tab")
    pg.wait_for_function(
        "() => !document.querySelector('#record-form').shadowRoot"
        ".querySelector('.property-instance[data-path$=\"#rank\"] .validation-error')"
    )


def test_the_slug_is_proposed_from_the_english_name_and_stays_editable(
    curator: Any, site: tuple[str, Path]
) -> None:
    pg = curator
    pg.goto(site[0] + "/new/authority?lang=en")
    form = pg.locator("#record-form")
    name = form.get_by_label("name", exact=True)
    name.fill("Şişli Reggio nell'Emilia")
    assert pg.locator("#slug").input_value() == "sisli-reggio-nell-emilia"
    pg.locator("#slug").fill("Bad Slug")
    assert "does not fit" in pg.locator("#slug-message").inner_text()
    name.fill("Another name")  # the curator's own slug is kept
    assert pg.locator("#slug").input_value() == "Bad Slug"
    shot(pg, "form-authority-new")


def test_the_form_is_usable_with_the_keyboard(curator: Any, site: tuple[str, Path]) -> None:
    pg = curator
    pg.goto(site[0] + "/id/authority/volos/edit?lang=en")
    form = pg.locator("#record-form")
    add = form.locator('shacl-property .add-button[aria-label="Add name"]')
    assert add.get_attribute("tabindex") == "0" and add.get_attribute("role") == "button"
    before = form.locator('.property-instance[data-path$="core#prefLabel"]').count()
    add.focus()
    pg.keyboard.press("Enter")
    names = form.locator('.property-instance[data-path$="core#prefLabel"]')
    assert names.count() == before + 1
    # the new name starts in the language the record has no name in yet
    assert names.last.locator(".lang-chooser").input_value() == "fr"
    # the type of the record is its current class, chosen among city and region
    kind = form.get_by_label("type", exact=True)
    assert kind.input_value() == A + "Municipality"
    assert sorted(kind.locator("option").all_inner_texts()) == ["", "municipality", "region"]
    shot(pg, "form-authority-edit")


def server_messages(pg: Any, path: str) -> list[str]:
    """The server's refusals shown next to the field of `path`."""
    loc = pg.locator(f'#record-form .property-instance[data-path="{path}"] .server-error')
    return [t.strip() for t in loc.all_inner_texts()]


def test_a_curator_creates_an_authority_and_an_award_and_fixes_a_refused_rank(
    curator: Any, site: tuple[str, Path]
) -> None:
    pg = curator
    base, data = site
    puts: list[int] = []
    pg.on("response", lambda r: puts.append(r.status) if r.request.method == "PUT" else None)

    # a new city, through the form
    pg.goto(base + "/new/authority?lang=en")
    form = pg.locator("#record-form")
    form.get_by_label("type", exact=True).select_option(label="municipality")
    form.get_by_label("name", exact=True).fill("Testville")
    form.get_by_label("country", exact=True).select_option(label="Greece")
    form.get_by_label("source", exact=True).fill("https://example.org/testville")
    assert pg.locator("#slug").input_value() == "testville"
    pg.locator("#reason").fill("a city for the browser test")
    save_and_view(pg, "/id/authority/testville", "https://example.org/testville")
    assert pg.locator("h1").inner_text() == "Testville"
    assert "Greece" in pg.locator("main").inner_text()
    assert puts == [201]
    puts.clear()

    # its award, in French: the new city is offered as the laureate
    pg.goto(base + "/new/award?lang=fr")
    form.get_by_label("lauréat", exact=True).select_option(label="Testville")
    form.get_by_label("édition", exact=True).select_option(
        label="Prix Dosta! du Congrès, 1re édition (2007)"
    )
    form.get_by_label("source", exact=True).fill("https://example.org/dosta-2007")
    rank = form.get_by_label("rang", exact=True)
    rank.fill("7")
    rank.press("Tab")
    pg.locator("#save").click()
    pg.wait_for_selector("#form-summary:not([hidden])")
    assert messages(pg, A + "rank")[0].startswith(RANK_MESSAGE_FR)
    assert not puts  # refused in the browser, nothing sent

    # rank 2 is a rank, but edition 1 already has a rank 2 not marked shared: the server
    # (the whole knowledge base with the change) refuses, next to the rank field, in French
    rank.fill("2")
    rank.press("Tab")
    pg.locator("#save").click()
    pg.wait_for_selector("#record-form .server-error")
    assert puts == [422]
    refusal = server_messages(pg, A + "rank")
    assert refusal and refusal[0].startswith(
        "Les attributions id:award/1-testville et id:award/1-banja-luka de l'édition "
        "id:prize-edition/1 ont toutes deux le rang 2"
    )
    assert rank.get_attribute("aria-invalid") == "true"
    summary = pg.locator("#form-summary")
    assert "Non enregistré" in summary.inner_text()
    assert summary.locator('a[href="/id/award/1-banja-luka"]').count() == 1  # the other award
    shot(pg, "form-award-refused-by-the-server")

    # fixed: saved, and visible on the record page
    rank.fill("3")
    rank.press("Tab")
    save_and_view(pg, "/id/award/1-testville", "https://example.org/dosta-2007")
    assert puts == [422, 201]
    page = pg.locator("main").inner_text()
    assert "Testville" in page and "3" in page
    written = (data / "awards.ttl").read_text(encoding="utf-8")
    assert "award:1-testville" in written and "authority:testville" in written


def test_an_edit_made_meanwhile_is_never_overwritten(curator: Any, site: tuple[str, Path]) -> None:
    pg = curator
    base = site[0]
    other = pg.context.new_page()
    pg.goto(base + "/id/prize/dosta/edit?lang=en")
    other.goto(base + "/id/prize/dosta/edit?lang=en")
    for tab, text in ((other, "first"), (pg, "second")):
        tab.locator("#record-form").get_by_label("source", exact=True).first.fill(
            f"https://example.org/{text}"
        )
    save_and_view(other, "/id/prize/dosta", "https://example.org/first")
    pg.locator("#save").click()  # drawn from the version before the other tab's save
    pg.wait_for_selector("#form-summary:not([hidden])")
    assert "changed by someone else" in pg.locator("#form-summary").inner_text()
    other.close()


def test_a_record_others_link_to_is_not_deleted(curator: Any, site: tuple[str, Path]) -> None:
    pg = curator
    pg.on("dialog", lambda dialog: dialog.accept())
    pg.goto(site[0] + "/id/authority/volos/edit?lang=en")
    pg.locator("#delete").click()
    pg.wait_for_selector("#form-summary:not([hidden])")
    summary = pg.locator("#form-summary")
    assert "these records link to it" in summary.inner_text()
    assert summary.locator('a[href="/id/award/2-volos"]').count() == 1


def test_a_link_to_thousands_of_records_is_searched_by_name(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # with drop-downs of at most 10 records, the 43 cities and regions are searched
    with (
        running_site(tmp_path_factory.mktemp("small-lists"), form_list_limit=10) as (base, _),
        logged_in(browser, base) as pg,
    ):
        pg.goto(base + "/new/award?lang=en")
        form = pg.locator("#record-form")
        laureate = form.get_by_label("laureate", exact=True)
        assert laureate.evaluate("e => e.tagName") == "INPUT"
        laureate.press_sequentially("vol")
        pg.wait_for_function(
            "() => document.querySelector('#record-form').shadowRoot"
            ".querySelector('datalist option[value=\"Volos\"]')"
        )
        laureate.fill("Volos")  # as when the suggestion is chosen
        form.get_by_label("edition", exact=True).select_option(index=1)
        assert pg.locator("#slug").input_value() == "1-volos"  # the IRI was taken
        laureate.fill("Nowhere at all")
        laureate.press("Tab")
        pg.locator("#save").click()
        shown = messages(pg, A + "laureate")
        assert shown and shown[0].startswith("An award has exactly one laureate")


def test_dates_keep_the_precision_typed_and_booleans_may_stay_unknown(
    curator: Any, site: tuple[str, Path]
) -> None:
    pg = curator
    pg.goto(site[0] + "/new/membership?lang=en")
    form = pg.locator("#record-form")
    start = form.get_by_label("start date", exact=True)
    xsd = "http://www.w3.org/2001/XMLSchema#"
    for typed, datatype in (("2018-06", "gYearMonth"), ("2013", "gYear"), ("2015-10-21", "date")):
        start.fill(typed)
        start.press("Tab")
        data = pg.evaluate(
            "document.getElementById('record-form').serialize('application/n-triples')"
        )
        assert f'"{typed}"^^<{xsd}{datatype}>' in data
    start.fill("June 2018")
    start.press("Tab")
    pg.wait_for_function(
        "() => document.querySelector('#record-form').shadowRoot"
        ".querySelector('.property-instance[data-path$=\"startDate\"] .validation-error')"
    )
    # a boolean: yes, no, or not stated (nothing written)
    pg.goto(site[0] + "/new/award?lang=en")
    shared = form.get_by_label("shared rank", exact=True)
    shared.wait_for()
    assert shared.locator("option").all_inner_texts() == ["", "yes", "no"]
    data = pg.evaluate("document.getElementById('record-form').serialize('application/n-triples')")
    assert "sharedRank" not in data
    shared.select_option(label="no")
    data = pg.evaluate("document.getElementById('record-form').serialize('application/n-triples')")
    assert f'sharedRank> "false"^^<{xsd}boolean>' in data


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(pg: Any) -> list[str]:
    """What axe-core (an independent accessibility checker, WCAG 2 A and AA plus best
    practices, open shadow roots included) finds wrong on the page."""
    pg.evaluate(AXE.read_text(encoding="utf-8"))  # evaluated by the browser's debugger: no CSP
    found = pg.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', "
        "'best-practice']})).violations.map(v => v.id + ': ' + v.nodes.map("
        "n => JSON.stringify(n.target)).join(', '))"
    )
    return list(found)


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (make web-assets)")
def test_axe_finds_nothing_wrong_with_the_forms(curator: Any, site: tuple[str, Path]) -> None:
    pg = curator
    pg.goto(site[0] + "/new/award?lang=fr")
    form = pg.locator("#record-form")
    form.get_by_label("lauréat", exact=True).wait_for()
    assert axe_violations(pg) == []
    rank = form.get_by_label("rang", exact=True)
    rank.fill("7")
    rank.press("Tab")
    pg.locator("#save").click()  # the messages shown, the summary focused
    pg.wait_for_selector("#form-summary:not([hidden])")
    assert axe_violations(pg) == []
    pg.goto(site[0] + "/id/organisation/alliance/edit?lang=en")  # the largest form
    form.get_by_label("type", exact=True).first.wait_for()
    assert axe_violations(pg) == []
