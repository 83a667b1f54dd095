"""`/id/{kind}/`: lists filtered by facets, with counts, sorting, pages, CSV and JSON, and
the coverage next to the published figure; the good-practice database by theme and country."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

BASE = "https://w3id.org/roma-alliance/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def listing(client: TestClient, path: str, **params: Any) -> dict[str, Any]:
    r = client.get(path, params=params, headers={"accept": "application/json"})
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


def count_where(client: TestClient, where: str) -> int:
    """The same count asked of /sparql: the lists must agree with the store."""
    query = (
        "PREFIX alliance: <https://w3id.org/roma-alliance/ontology#> "
        "PREFIX org: <http://www.w3.org/ns/org#> PREFIX dcat: <http://www.w3.org/ns/dcat#> "
        "PREFIX dcterms: <http://purl.org/dc/terms/> "
        f"SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{ {where} }}"
    )
    r = client.get("/sparql", params={"query": query}, headers={"accept": "application/json"})
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize(
    ("path", "params", "where"),
    [
        ("/id/authority/", {"country": "GRC"}, "?r alliance:country <{b}id/country/GRC>"),
        ("/id/authority/", {"type": "Region"}, "?r a alliance:Region"),
        (
            "/id/authority/",
            {"member": "yes"},
            "?m org:member ?r ; org:organization <{b}id/organisation/alliance>",
        ),
        (
            "/id/authority/",
            {"signed": "yes"},
            "?s alliance:onBehalfOf ?r ; alliance:signedDocument "
            "<{b}id/document/declaration-against-anti-gypsyism>",
        ),
        ("/id/award/", {"edition": "5"}, "?r alliance:edition <{b}id/prize-edition/5>"),
        (
            "/id/award/",
            {"year": "2013"},
            "?r alliance:edition/alliance:labelYear ?y FILTER(STR(?y) = '2013')",
        ),
        ("/id/practice/", {"theme": "housing"}, "?r dcat:theme <{b}id/theme/housing>"),
        (
            "/id/practice/",
            {"country": "ESP"},
            "?r alliance:implementedBy/alliance:country <{b}id/country/ESP>",
        ),
        (
            "/id/signature/",
            {"country": "ALB"},
            "?r alliance:onBehalfOf/alliance:country <{b}id/country/ALB>",
        ),
    ],
)
def test_each_facet_filters_as_the_store_answers(
    client: TestClient, path: str, params: dict[str, str], where: str
) -> None:
    data = listing(client, path, **params)
    expected = count_where(client, where.replace("{b}", BASE))
    assert expected > 0
    assert data["total"] == expected == len(data["records"])
    key, value = next(iter(params.items()))
    assert data["facets"][key][value] == expected


def test_facet_counts_count_the_other_filters_only(client: TestClient) -> None:
    everything = listing(client, "/id/authority/")
    greek = listing(client, "/id/authority/", country="GRC")
    # the country facet still offers every country (counted under the other filters)...
    assert greek["facets"]["country"] == everything["facets"]["country"]
    # ...while the other facets count within Greece
    assert sum(greek["facets"]["type"].values()) == greek["total"]
    assert greek["facets"]["type"] != everything["facets"]["type"]


def test_two_values_of_one_facet_keep_either_and_two_facets_keep_both(
    client: TestClient,
) -> None:
    grc = listing(client, "/id/authority/", country="GRC")["total"]
    alb = listing(client, "/id/authority/", country="ALB")["total"]
    r = client.get("/id/authority/?country=GRC&country=ALB", headers={"accept": "application/json"})
    assert r.json()["total"] == grc + alb
    both = listing(client, "/id/authority/", country="ALB", signed="yes")
    assert both["total"] <= alb
    assert all(r["signed"] == ["yes"] for r in both["records"])


def test_none_keeps_records_without_a_value(client: TestClient) -> None:
    data = listing(client, "/id/authority/", country="none")
    assert data["total"] >= 1
    assert all(r["country"] == [] for r in data["records"])


def test_sorting_by_a_column_both_ways(client: TestClient) -> None:
    up = [r["label"] for r in listing(client, "/id/authority/", sort="name", size=100)["records"]]
    assert up == sorted(up, key=str.casefold)
    down = [
        r["label"] for r in listing(client, "/id/authority/", sort="-name", size=100)["records"]
    ]
    assert down == list(reversed(up))
    awards = listing(client, "/id/award/", sort="year", size=100)["records"]
    years = [r["year"][0] for r in awards if r["year"]]
    assert years == sorted(years)


def test_pages_split_the_list(client: TestClient) -> None:
    first = listing(client, "/id/authority/", size=10, page=1)
    second = listing(client, "/id/authority/", size=10, page=2)
    assert first["pages"] == -(-first["total"] // 10)
    assert len(first["records"]) == 10
    assert not {r["iri"] for r in first["records"]} & {r["iri"] for r in second["records"]}


def test_csv_by_suffix_and_by_accept_with_the_same_filters(client: TestClient) -> None:
    by_suffix = client.get("/id/authority.csv?country=GRC")
    by_accept = client.get("/id/authority/?country=GRC", headers={"accept": "text/csv"})
    assert by_suffix.status_code == by_accept.status_code == 200
    assert by_suffix.headers["content-type"].startswith("text/csv")
    assert by_suffix.text == by_accept.text
    rows = list(csv.DictReader(io.StringIO(by_suffix.text)))
    assert len(rows) == listing(client, "/id/authority/", country="GRC")["total"]
    assert {r["country_iri"] for r in rows} == {BASE + "id/country/GRC"}
    assert {r["country"] for r in rows} == {"Greece"}


def test_json_by_suffix(client: TestClient) -> None:
    r = client.get("/id/practice.json?theme=housing")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.json()["filters"] == {"theme": ["housing"]}


def test_unknown_filter_is_a_400_naming_the_known_ones(client: TestClient) -> None:
    r = client.get("/id/authority/?colour=red", headers={"accept": "application/json"})
    assert r.status_code == 400
    assert "colour" in r.json()["detail"] and "country" in r.json()["detail"]


def test_unknown_kind_is_404(client: TestClient) -> None:
    assert client.get("/id/unicorn/", headers={"accept": "application/json"}).status_code == 404
    assert client.get("/id/unicorn.csv").status_code == 404


def test_list_page_shows_facets_with_counts_and_coverage(client: TestClient) -> None:
    r = client.get("/id/authority/", headers={"accept": BROWSER})
    assert r.status_code == 200
    html = r.text
    assert 'data-facet="country"' in html and 'data-value="GRC"' in html
    assert 'id="coverage"' in html
    participants = count_where(
        client, f"?m org:member ?r ; org:organization <{BASE}id/organisation/alliance>"
    )
    assert 'id="coverage"' in html
    members = client.get("/id/membership/", headers={"accept": BROWSER}).text
    assert f"<strong>{participants}</strong> participants recorded" in members


def test_the_cities_list_says_how_many_participants_and_signatories_of_the_stated_are_recorded(
    client: TestClient,
) -> None:
    html = client.get("/id/authority/", headers={"accept": BROWSER}).text
    coverage = html[html.index('id="coverage"') : html.index("</div>", html.index('id="coverage"'))]
    participants = count_where(
        client, f"?m org:member ?r ; org:organization <{BASE}id/organisation/alliance>"
    )
    signatories = count_where(client, "?s a alliance:Signature ; alliance:onBehalfOf ?r")
    assert f"<strong>{participants}</strong> participants recorded" in coverage
    assert f"<strong>{signatories}</strong> signatories recorded" in coverage
    # each next to the figure a page states, linked to that figure's record
    assert coverage.count('href="/id/figure/') >= 2


def test_list_page_in_french(client: TestClient) -> None:
    r = client.get("/id/practice/?lang=fr", headers={"accept": BROWSER})
    assert '<html lang="fr">' in r.text
    assert "Bonnes pratiques" in r.text and "Thème" in r.text


def test_practice_database_gives_authority_years_maturity_and_sources(
    client: TestClient,
) -> None:
    data = listing(client, "/id/practice/")
    assert set(data["facets"]) >= {"theme", "country", "maturity"}
    for record in data["records"]:
        assert {"authority", "start", "end", "maturity", "source"} <= set(record)
        assert record["source"], record["iri"]  # every practice says where it comes from


def test_words_filter_the_list_through_the_search_index(client: TestClient) -> None:
    data = listing(client, "/id/authority/", q="jyvaskyla")
    assert [r["iri"] for r in data["records"]] == [BASE + "id/authority/jyvaskyla"]


def test_a_commit_shows_in_the_list_at_once() -> None:
    """The rows are cached per state of the store: a commit (new generation) is seen."""
    import pyoxigraph as ox
    from starlette.requests import Request

    import server
    from kb.config import Settings
    from kb.store.changes import ChangeSet
    from kb.web.pages import Page
    from kb.web.record_lists import cached_rows, current_coverage

    settings = Settings(validate_on_start=False)
    kb = server.open_knowledge_base(settings)
    scope = {"type": "http", "method": "GET", "path": "/id/authority/", "headers": []}
    request = Request({**scope, "query_string": b""})
    page = Page(request, settings)
    before = {r.iri for r in cached_rows(kb, page, "authority")}
    counted = {c.slug: c.recorded for c in current_coverage(kb)}
    new = ox.NamedNode(BASE + "id/authority/testville")
    graph = ox.NamedNode(BASE + "graph/authorities")
    kb.store.commit(  # type: ignore[attr-defined]
        ChangeSet(
            added=(
                ox.Quad(
                    new,
                    ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                    ox.NamedNode(BASE + "ontology#Municipality"),
                    graph,
                ),
                ox.Quad(
                    new,
                    ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                    ox.Literal("Testville", language="en"),
                    graph,
                ),
            )
        )
    )
    after = {r.iri: r for r in cached_rows(kb, page, "authority")}
    assert set(after) == before | {new.value}
    assert after[new.value].name == "Testville"
    # the coverage, counted once per state of the store too
    assert {c.slug: c.recorded for c in current_coverage(kb)}["authorities"] == (
        counted["authorities"] + 1
    )


def test_records_without_a_name_are_listed_by_the_records_they_link(client: TestClient) -> None:
    awards = listing(client, "/id/award/", size="100")
    names = {row["iri"].rsplit("/", 1)[-1]: row["label"] for row in awards["records"]}
    assert names["5-ghent"].startswith("Ghent · Dosta!")
    memberships = listing(client, "/id/membership/")
    assert "Daugavpils" in {row["label"] for row in memberships["records"]}
    html = client.get("/id/signature/", headers={"accept": BROWSER}).text
    assert "Lviv · " in html
