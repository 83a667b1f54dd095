"""The pages in a real headless browser (Debian's Chromium driven by Playwright).

The app runs under uvicorn on a free loopback port; every request the browser makes is
recorded, and none may go to another host. Screenshots go to `screenshots/` (git-ignored).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from kb.config import Settings

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
BAD_RECORD = """@prefix alliance: <https://w3id.org/roma-alliance/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/roma-alliance/id/authority/testville> a alliance:Municipality ;
    skos:prefLabel "Testville"@de ;
    alliance:country <https://w3id.org/roma-alliance/id/country/GRC> .
"""

if not Path(CHROMIUM).exists():  # pragma: no cover - `make test` installs it
    pytest.skip("Debian's chromium is not installed (make system-deps)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The real app under uvicorn, on a free loopback port, in a thread."""
    import socket

    import uvicorn

    import server

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        server.create_app(Settings()), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the app did not start under uvicorn")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def requested() -> list[str]:
    """Every URL any page of these tests requested."""
    return []


@pytest.fixture
def page(browser: Any, requested: list[str]) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    pg = context.new_page()
    pg.on("request", lambda req: requested.append(req.url))
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    # console errors: a resource that failed to load, a Content-Security-Policy violation...
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.set_default_timeout(15_000)
    yield pg
    context.close()
    assert not errors, f"errors in the browser console: {errors}"


def shot(pg: Any, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_landing_page_renders_its_map_and_chart(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    assert page.locator("#europe-map path").count() > 30
    greece = page.locator('#europe-map path[data-code="GRC"]')
    box = greece.bounding_box()
    assert box and box["width"] > 10 and box["height"] > 10  # drawn, not just present
    assert page.locator("#awards-chart rect.bar").count() == 7
    bar = page.locator("#awards-chart rect.bar").first.bounding_box()
    assert bar and bar["height"] > 5
    shot(page, "landing")
    # switch the map to laureates: Greece (3 laureates) gets a colour of its own
    participants_class = greece.get_attribute("class")
    page.get_by_label("Prize laureates").check()
    assert page.locator("#europe-map").get_attribute("data-layer") == "laureates"
    assert greece.get_attribute("class") != participants_class or participants_class != "c0"
    assert greece.get_attribute("class") != "c0"


def test_authority_page_shows_awards_and_switches_to_french(page: Any, base_url: str) -> None:
    page.goto(base_url + "/id/authority/volos")
    awards = page.locator("#awards tr.award")
    assert awards.count() == 2
    assert "Dosta! Congress Prize" in page.locator("#awards").inner_text()
    shot(page, "authority")
    page.locator("#lang-switch").click()
    page.wait_for_url("**lang=fr")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Prix Dosta! du Congrès" in page.locator("#awards h2").inner_text()
    assert page.locator('a[href="/id/country/GRC"]').first.inner_text() == "Grèce"
    # the choice is remembered: the next page is French too
    page.goto(base_url + "/id/authority/ghent")
    assert page.locator("html").get_attribute("lang") == "fr"
    shot(page, "authority-fr")


def test_query_editor_runs_an_example_query_and_shows_rows(page: Any, base_url: str) -> None:
    page.goto(base_url + "/sparql")
    page.wait_for_selector("#yasgui .yasqe")
    page.locator('button[data-example="signed-and-won"]').click()
    results = page.locator("#yasgui .yasr")
    results.locator("table tbody tr").first.wait_for()
    text = results.inner_text()
    assert "Volos" in text and "Gliwice" in text
    shot(page, "query-editor")


def test_validation_page_shows_a_violation_for_a_bad_record(page: Any, base_url: str) -> None:
    page.goto(base_url + "/validate")
    page.locator("#data").fill(BAD_RECORD)
    page.locator("form.validate button[type=submit]").click()
    page.wait_for_selector("#report")
    assert page.locator("#report h2").inner_text() == "The records do not conform."
    violations = page.locator("#report tr.result.violation")
    assert violations.count() >= 1
    assert "id:authority/testville" in page.locator("#report article h3").first.inner_text()
    shot(page, "validate")


def _luminance(rgb: str) -> float:
    r, g, b = (int(x) / 255 for x in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_keyboard_reaches_a_skip_link_and_text_has_aa_contrast(page: Any, base_url: str) -> None:
    page.goto(base_url + "/id/authority/volos")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip"
    box = page.locator("a.skip").bounding_box()
    assert box and box["x"] >= 0  # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#content"
    # text against its background: WCAG AA asks for 4.5:1
    for selector in ("main h1", "main p.subtitle", "main td", "main a", "header.site a.brand"):
        colours = page.eval_on_selector(
            selector,
            """el => { let bg = null, n = el;
                 while (n) { const c = getComputedStyle(n).backgroundColor;
                   if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') { bg = c; break; }
                   n = n.parentElement; }
                 return [getComputedStyle(el).color, bg || 'rgb(255, 255, 255)']; }""",
        )
        fg, bg = (_luminance(c) for c in colours)
        ratio = (max(fg, bg) + 0.05) / (min(fg, bg) + 0.05)
        assert ratio >= 4.5, f"{selector}: contrast {ratio:.2f}"


# -- the researchers' front: search box, facets, guide, query editor, open-data pages ----------


def test_search_box_in_the_header_finds_a_city_without_its_accents(
    page: Any, base_url: str
) -> None:
    page.goto(base_url + "/id/authority/volos")
    box = page.locator("header.site input[name=q]")
    box.fill("sisli")
    box.press("Enter")
    page.wait_for_url("**/search?q=sisli*")
    first = page.locator("ol.hits li.hit").first
    assert first.locator("a").first.inner_text() == "Şişli"
    assert first.get_attribute("data-exact") == "true"
    shot(page, "search")
    first.locator("a").first.click()
    page.wait_for_url("**/id/authority/sisli")
    assert page.locator("main h1").inner_text() == "Şişli"


def test_search_page_in_french_filters_by_kind(page: Any, base_url: str) -> None:
    page.goto(base_url + "/search?q=roma&lang=fr")
    assert page.locator("html").get_attribute("lang") == "fr"
    before = page.locator("ol.hits li.hit").count()
    page.locator('nav.facets a[data-kind="theme"]').click()
    page.wait_for_url("**kind=theme*")
    kinds = page.locator("ol.hits li.hit").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert kinds and set(kinds) == {"theme"} and len(kinds) <= before
    shot(page, "search-fr")


def test_a_facet_filters_the_list_and_counts_agree(page: Any, base_url: str) -> None:
    page.goto(base_url + "/id/authority/")
    greece = page.locator('ul[data-facet="country"] a[data-value="GRC"]')
    count = int(greece.locator("xpath=following-sibling::span[@class='count']").inner_text())
    greece.click()
    page.wait_for_url("**country=GRC*")
    rows = page.locator("table.records tbody tr")
    assert rows.count() == count > 0
    assert set(rows.locator("td:nth-child(2)").all_inner_texts()) == {"Greece"}
    assert page.locator('ul[data-facet="country"] li.selected').count() == 1
    shot(page, "authorities-greece")
    # the table stays within the page
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280


def test_practice_database_by_theme_in_french(page: Any, base_url: str) -> None:
    page.goto(base_url + "/id/practice/?lang=fr")
    assert page.locator("h1").inner_text() == "Bonnes pratiques"
    page.locator('ul[data-facet="theme"] a[data-value="housing"]').click()
    page.wait_for_url("**theme=housing*")
    assert page.locator("table.records tbody tr").count() >= 1
    assert "Logement" in page.locator("table.records tbody").inner_text()
    shot(page, "practices-fr")


def test_guide_draws_the_model_and_opens_a_question_in_the_editor(page: Any, base_url: str) -> None:
    page.goto(base_url + "/guide")
    diagram = page.locator("#model svg g.class")
    assert diagram.count() >= 10
    box = page.locator('#model svg g.class[data-iri$="#Award"] rect').bounding_box()
    assert box and box["width"] > 50
    shot(page, "guide")
    page.locator("#questions a.run").nth(2).click()  # the laureates, edition by edition
    page.wait_for_url("**/sparql#query=*")
    results = page.locator("#yasgui .yasr")
    results.locator("table tbody tr").first.wait_for()
    assert "Ghent" in results.inner_text()


def test_guide_in_french(page: Any, base_url: str) -> None:
    page.goto(base_url + "/guide?lang=fr")
    assert page.locator("h1").inner_text() == "Comment interroger la base"
    assert "Dix questions" in page.locator("#questions h2").inner_text()
    shot(page, "guide-fr")


def test_query_editor_shows_simple_values_within_the_page(page: Any, base_url: str) -> None:
    page.goto(base_url + "/sparql")
    page.wait_for_selector("#yasgui .yasqe")
    page.locator('button[data-example="coverage"]').click()
    results = page.locator("#yasgui .yasr")
    results.locator("table tbody tr").first.wait_for()
    text = results.inner_text()
    assert "^^" not in text and "XMLSchema#integer" not in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_query_editor_adds_a_known_prefix_as_it_is_typed(page: Any, base_url: str) -> None:
    page.goto(base_url + "/sparql")
    page.wait_for_selector("#yasgui .yasqe")
    page.evaluate("window.allianceYasgui.getTab().getYasqe().setValue('')")
    page.locator("#yasgui .CodeMirror").click()
    page.keyboard.type("SELECT * WHERE { ?a a alliance:")
    page.wait_for_function(
        "window.allianceYasgui.getTab().getYasqe().getValue().includes("
        "'PREFIX alliance: <https://w3id.org/roma-alliance/ontology#>')"
    )


def test_query_editor_speaks_french_and_explains_an_undeclared_prefix(
    page: Any, base_url: str
) -> None:
    page.goto(base_url + "/sparql?lang=fr")
    page.wait_for_selector("#yasgui .yasqe")
    page.locator('button[data-example="signed-and-won"]').click()
    results = page.locator("#yasgui .yasr")
    results.locator("table tbody tr").first.wait_for()
    controls = page.locator("#yasgui").inner_text()
    assert "Valeurs simples" in controls and "Simple view" not in controls
    assert "Tableau" in controls
    shot(page, "query-editor-fr")


def test_catalog_and_dumps_pages_in_the_site_frame(page: Any, base_url: str) -> None:
    page.goto(base_url + "/catalog?lang=fr")
    assert page.locator("header.site form[role=search]").count() == 1
    assert page.locator("#distributions table.files tbody tr").count() > 10
    shot(page, "catalog-fr")
    page.goto(base_url + "/dumps/")
    assert page.locator("html").get_attribute("lang") == "fr"  # the choice is remembered
    assert page.locator("table.files tbody tr").count() > 10
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    shot(page, "dumps-fr")
    page.goto(base_url + "/catalog?lang=en")
    shot(page, "catalog")


def test_the_browser_requested_nothing_from_any_other_host(
    page: Any, base_url: str, requested: list[str]
) -> None:
    # this test runs last in the module: it sees the requests of every test above
    page.goto(base_url + "/ontology")
    page.goto(base_url + "/id/prize-edition/5")
    app = urlsplit(base_url).netloc
    assert requested, "no request was recorded"
    others = sorted({u for u in requested if urlsplit(u).netloc != app})
    assert not others, f"requests to other hosts: {others}"
    assert any(u.endswith("/static/vendor/yasgui/yasgui.min.js") for u in requested)
