"""Record pages show where each fact comes from (kb/web/record_sources.py, record.html):
the pages stating a value next to it, "Sources differ" with every claim of a contested
fact, the project's own words marked; the record as data carries its statements."""

from __future__ import annotations

import re

import pyoxigraph as ox
from fastapi.testclient import TestClient

BROWSER = "text/html,application/xhtml+xml"
ID = "https://w3id.org/roma-alliance/id/"
HURRIYET = "https://www.hurriyetdailynews.com/"


def page(client: TestClient, path: str, lang: str = "en") -> str:
    r = client.get(path, params={"lang": lang}, headers={"accept": BROWSER})
    assert r.status_code == 200, r.text[:500]
    return r.text


def section(html: str, heading_id: str) -> str:
    return html.split(f'id="{heading_id}"')[1].split("</section>")[0]


def claim_rows(html: str) -> list[tuple[str, str]]:
    """(rank, row's HTML) of each claim under "Sources differ", in the page's order."""
    rows = re.findall(
        r'<tr class="claim claim-(\w+)">(.*?)</tr>', section(html, "h-disagreements"), re.S
    )
    return [(rank, body) for rank, body in rows]


def test_a_contested_rank_lists_every_claim_with_its_page_and_standing(client: TestClient) -> None:
    html = page(client, "/id/award/4-heraklion")
    rows = claim_rows(html)
    ranks = sorted(rank for rank, _ in rows)
    assert ranks == ["normal", "preferred", "preferred"]
    # the third-party page's rank is kept, not preferred; the official pages name no rank
    (third_party,) = [body for rank, body in rows if rank == "normal"]
    assert re.search(r"<td><span>2</span>", third_party)
    assert HURRIYET in third_party and "Third-party" in third_party
    for rank, body in rows:
        if rank == "preferred":
            assert "no value stated" in body
            assert 'href="/id/rank-reason/official-over-third-party"' in body
            assert "Official" in body
    # the quote of each page is shown
    assert "while second went to Heraklion, Greece" in section(html, "h-disagreements")


def test_a_contested_fact_s_preferred_value_shows_its_page_next_to_it(client: TestClient) -> None:
    html = page(client, "/id/country/TUR")
    details = section(html, "h-details")
    accession = details.split("9 August 1949", 1)[1].split("</dd>", 1)[0]
    assert 'class="fact-sources"' in accession and "factsheet FS40" in accession
    assert [rank for rank, _ in claim_rows(html)] == ["preferred", "normal", "normal"]
    assert "13 April 1950" in section(html, "h-disagreements")


def test_a_figure_claim_shows_the_figure_its_date_and_its_page(client: TestClient) -> None:
    html = page(client, "/id/document/declaration-against-anti-gypsyism")
    differ = section(html, "h-disagreements")
    assert differ.count('<tr class="claim') == 5 + 2  # five figures; two dates of adoption
    assert 'href="/id/figure/declaration-122-from-34-states"' in differ


def test_a_fact_from_another_page_shows_that_page_and_its_words(client: TestClient) -> None:
    html = page(client, "/id/event/congress-session-26")
    start = section(html, "h-details").split("25 March 2014", 1)[1].split("</dd>", 1)[0]
    assert "of the Council of Europe 25-27 March 2014" in start  # the page's words (oa:exact)
    assert 'rel="cite"' in start


def test_the_project_s_own_words_are_marked_in_both_languages(client: TestClient) -> None:
    html = page(client, "/id/theme/education")
    lead = html.split('class="lead"', 1)[1].split("</p>", 1)[0]
    assert 'class="own-words"' in lead and "our wording" in lead
    html = page(client, "/id/event/congress-session-26", lang="fr")
    assert "26e session du Congrès" in html
    heading = html.split("<h1>", 1)[1].split("</header>", 1)[0]
    assert "formulation du projet" in heading


def test_words_taken_from_a_page_are_not_marked_as_the_project_s(client: TestClient) -> None:
    html = page(client, "/id/prize/dosta", lang="fr")
    heading = html.split("<h1>", 1)[1].split("</header>", 1)[0]
    assert "Prix Dosta!-Congrès pour les Municipalités" in heading
    assert "own-words" not in heading


def test_statements_are_not_listed_as_records_linking_here(client: TestClient) -> None:
    html = page(client, "/id/award/4-heraklion")
    assert 'id="h-inbound"' not in html  # nothing but its own statements points to an award
    html = page(client, "/id/authority/heraklion")
    assert 'href="/id/authority/heraklion#' not in html and "#type-" not in html


def test_the_record_as_data_carries_its_statements(client: TestClient) -> None:
    r = client.get("/id/award/4-heraklion.nt")
    triples = list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))
    claim = ox.NamedNode(ID + "award/4-heraklion#rank-hurriyet")
    told = {(t.predicate.value, t.object) for t in triples if t.subject == claim}
    two = ox.Literal("2", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    assert ("http://www.w3.org/1999/02/22-rdf-syntax-ns#object", two) in told
    assert any(p == "http://purl.org/dc/terms/source" for p, _ in told)
    facts = [t for t in triples if t.subject == ox.NamedNode(ID + "award/4-heraklion#rank-claims")]
    assert len([t for t in facts if t.predicate.value.endswith("#claim")]) == 3
