"""What README's "SPARQL endpoint" section promises, asserted exactly: statuses, messages,
durations, DESCRIBE, and the response cache's switch and size limit.

Everything goes through HTTP (a TestClient on the app, or a real server for timing), so
these tests hold whatever the query workers look like inside.
"""

from __future__ import annotations

import concurrent.futures
import re
import time
from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from sparql_helpers import dataset_of, live_server, make_app

from kb.config import Settings

READ_ONLY = "this endpoint is read-only: updates are refused"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
VOLOS = "https://w3id.org/roma-alliance/id/authority/volos"

UPDATES = {
    "insert-data": "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "delete-data": "DELETE DATA { <urn:a> <urn:b> <urn:c> }",
    "delete-where": "DELETE WHERE { ?s ?p ?o }",
    "modify": "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "load": "LOAD <http://127.0.0.1:9/x.ttl>",
    "clear": "CLEAR ALL",
    "drop": "DROP GRAPH <urn:g>",
    "create": "CREATE GRAPH <urn:g>",
    "add": "ADD DEFAULT TO <urn:g>",
    "move": "MOVE <urn:a> TO <urn:b>",
    "copy": "COPY <urn:a> TO <urn:b>",
    "prefixed": "PREFIX ex: <urn:x#> # a comment\nclear silent default",
}


def count(client: TestClient) -> int:
    r = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"})
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


# -- read-only: 403 "this endpoint is read-only", whatever way the update comes ------------


@pytest.mark.parametrize("how", ["get", "form", "direct"])
@pytest.mark.parametrize("update", sorted(UPDATES))
def test_an_update_in_query_is_403_read_only(app_client: TestClient, update: str, how: str) -> None:
    before = count(app_client)
    text = UPDATES[update]
    if how == "get":
        r = app_client.get("/sparql", params={"query": text})
    elif how == "form":
        r = app_client.post("/sparql", data={"query": text})
    else:
        r = app_client.post(
            "/sparql", content=text, headers={"content-type": "application/sparql-query"}
        )
    assert r.status_code == 403, r.text
    assert r.json() == {"error": "Forbidden", "detail": READ_ONLY}
    assert count(app_client) == before


@pytest.mark.parametrize(
    "kwargs",
    [
        {"method": "GET", "url": "/sparql", "params": {"update": "CLEAR ALL"}},
        {"method": "POST", "url": "/sparql", "data": {"update": "CLEAR ALL"}},
        {"method": "POST", "url": "/sparql", "data": {"using-graph-uri": "urn:g"}},
        {
            "method": "POST",
            "url": "/sparql",
            "content": b"CLEAR ALL",
            "headers": {"content-type": "application/sparql-update"},
        },
    ],
    ids=["get-update", "form-update", "form-using-graph-uri", "sparql-update-body"],
)
def test_the_update_operation_is_403_read_only(app_client: TestClient, kwargs: dict) -> None:  # type: ignore[type-arg]
    r = app_client.request(**kwargs)
    assert r.status_code == 403
    assert r.json() == {"error": "Forbidden", "detail": READ_ONLY}


# -- the other documented refusals -------------------------------------------------------------


def test_service_is_403_naming_service(app_client: TestClient) -> None:
    r = app_client.get("/sparql", params={"query": "ASK { SERVICE <http://127.0.0.1:9/> {} }"})
    assert r.status_code == 403
    assert r.json() == {
        "error": "Forbidden",
        "detail": "SERVICE (federated query) is disabled on this endpoint",
    }


def test_a_malformed_query_is_400_with_the_position(app_client: TestClient) -> None:
    r = app_client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert r.status_code == 400
    detail = r.json()["detail"]
    assert re.search(r"line 1, column 25|1:25", detail), detail  # the place where it went wrong


def test_an_unacceptable_accept_is_406_listing_the_formats(app_client: TestClient) -> None:
    r = app_client.get("/sparql", params={"query": "ASK {}"}, headers={"accept": "image/png"})
    assert r.status_code == 406
    assert r.json()["detail"] == (
        "this result can be served as: application/sparql-results+json, "
        "application/sparql-results+xml"
    )
    r = app_client.get(
        "/sparql",
        params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
        headers={"accept": "text/csv"},
    )
    assert r.status_code == 406
    assert r.json()["detail"] == (
        "this result can be served as: text/turtle, application/n-triples, "
        "application/ld+json, application/rdf+xml"
    )


def test_a_post_of_another_type_is_415(app_client: TestClient) -> None:
    r = app_client.post("/sparql", content=b"ASK {}", headers={"content-type": "text/plain"})
    assert r.status_code == 415
    assert r.json()["detail"] == (
        "POST a query as application/x-www-form-urlencoded or application/sparql-query"
    )


@pytest.fixture(scope="module")
def small() -> Iterator[TestClient]:
    settings = Settings(
        validate_on_start=False, query_workers=1, max_query_length=100, max_body_bytes=500
    )
    triple = ox.Triple(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o"))
    with TestClient(make_app(dataset_of({"urn:g": [triple]}), settings=settings)) as client:
        yield client


@pytest.mark.parametrize("length, status", [(100, 200), (101, 414)])
def test_the_query_length_limit_is_exact_on_get(
    small: TestClient, length: int, status: int
) -> None:
    query = "ASK {}".ljust(length)
    r = small.get("/sparql", params={"query": query})
    assert r.status_code == status
    if status != 200:
        assert r.json()["detail"] == "the query is longer than 100 characters"


@pytest.mark.parametrize("length, status", [(100, 200), (101, 413)])
def test_the_query_length_limit_is_exact_on_post(
    small: TestClient, length: int, status: int
) -> None:
    r = small.post("/sparql", data={"query": "ASK {}".ljust(length)})
    assert r.status_code == status


@pytest.mark.parametrize("size, status", [(500, 200), (501, 413)])
def test_the_body_limit_is_exact(small: TestClient, size: int, status: int) -> None:
    head = b"query=ASK+%7B%7D&pad="  # a short query, padded to the body size wanted
    body = head + b"x" * (size - len(head))
    r = small.post(
        "/sparql", content=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == status
    if status != 200:
        assert r.json()["detail"] == "the request body exceeds 500 bytes"


@pytest.mark.parametrize("name", ["default-graph-uri", "named-graph-uri"])
def test_a_dataset_iri_that_is_not_absolute_is_400(app_client: TestClient, name: str) -> None:
    r = app_client.get("/sparql", params={"query": "ASK { ?s ?p ?o }", name: "graph/data"})
    assert r.status_code == 400
    assert r.json() == {
        "error": "Bad Request",
        "detail": f"{name}: 'graph/data' is not an absolute IRI",
    }


def test_health_says_ok_and_the_triples(app_client: TestClient) -> None:
    r = app_client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["triples"] == count(app_client)


# -- DESCRIBE ------------------------------------------------------------------------------


def describe_graph(client: TestClient, query: str, accept: str, fmt: ox.RdfFormat) -> set[str]:
    r = client.get("/sparql", params={"query": query}, headers={"accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(accept)
    return {str(t) for t in ox.parse(r.content, format=fmt)}


def own_triples(client: TestClient, iri: str) -> set[str]:
    r = client.get(
        "/sparql",
        params={"query": f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}"},
        headers={"accept": "application/n-triples"},
    )
    return {str(t) for t in ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES)}


@pytest.mark.parametrize(
    "accept, fmt",
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ],
)
def test_describe_gives_the_records_triples(
    app_client: TestClient, accept: str, fmt: ox.RdfFormat
) -> None:
    expected = own_triples(app_client, VOLOS)
    assert len(expected) >= 4
    assert describe_graph(app_client, f"DESCRIBE <{VOLOS}>", accept, fmt) == expected


def test_describe_with_a_where_clause_describes_every_match(app_client: TestClient) -> None:
    query = (
        "PREFIX alliance: <https://w3id.org/roma-alliance/ontology#> "
        f"DESCRIBE ?award WHERE {{ ?award alliance:laureate <{VOLOS}> }}"
    )
    awards = app_client.get(
        "/sparql",
        params={
            "query": "PREFIX alliance: <https://w3id.org/roma-alliance/ontology#> "
            f"SELECT ?a WHERE {{ ?a alliance:laureate <{VOLOS}> }}"
        },
    ).json()["results"]["bindings"]
    assert awards
    expected: set[str] = set()
    for row in awards:
        expected |= own_triples(app_client, row["a"]["value"])
    assert (
        describe_graph(app_client, query, "application/n-triples", ox.RdfFormat.N_TRIPLES)
        == expected
    )


# -- the timeout: 503 "Query Timeout" when the configured time is up, not later --------------


def test_a_2_s_timeout_answers_503_between_1_5_and_4_s() -> None:
    env = {"ALLIANCE_QUERY_TIMEOUT_S": "2", "ALLIANCE_QUERY_WORKERS": "2"}
    with live_server(env) as server:
        httpx.get(server.sparql, params={"query": "ASK {}"}, timeout=30)  # workers are up
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            start = time.monotonic()
            slow = pool.submit(httpx.get, server.sparql, params={"query": SLOW}, timeout=60)
            response = slow.result()
            elapsed = time.monotonic() - start
        assert response.status_code == 503
        assert response.json() == {
            "error": "Query Timeout",
            "detail": "the query was stopped after 2 s",
        }
        assert 1.5 <= elapsed <= 4.0, f"answered after {elapsed:.2f} s"
        # and the endpoint still answers
        ok = httpx.get(server.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        assert ok.status_code == 200 and ok.json()["boolean"] is True


# -- the response cache: ALLIANCE_RESPONSE_CACHE_MB, 0 turns it off ---------------------------

BIG_LITERAL = "x" * 4000


@pytest.fixture
def cache_data() -> object:
    """64 subjects with a 4 kB literal each: a query's answer size is chosen by its LIMIT."""
    return dataset_of(
        {
            "urn:g": [
                ox.Triple(
                    ox.NamedNode(f"urn:s{i:03d}"), ox.NamedNode("urn:p"), ox.Literal(BIG_LITERAL)
                )
                for i in range(64)
            ]
        }
    )


def page_query(offset: int, limit: int) -> dict[str, str]:
    return {"query": f"SELECT ?s ?o {{ ?s ?p ?o }} ORDER BY ?s LIMIT {limit} OFFSET {offset}"}


def is_hit(client: TestClient, params: dict[str, str]) -> bool:
    r = client.get("/sparql", params=params)
    assert r.status_code == 200
    return r.headers.get("x-cache") == "hit"


def test_cache_mb_0_turns_the_cache_off(
    monkeypatch: pytest.MonkeyPatch, cache_data: object
) -> None:
    monkeypatch.setenv("ALLIANCE_RESPONSE_CACHE_MB", "0")
    settings = Settings(validate_on_start=False, query_workers=1)
    assert settings.response_cache_mb == 0
    with TestClient(make_app(cache_data, settings=settings)) as client:  # type: ignore[arg-type]
        assert [is_hit(client, page_query(0, 1)) for _ in range(3)] == [False, False, False]


def test_the_cache_keeps_each_format_and_dataset_apart(app_client: TestClient) -> None:
    query = {"query": "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"}
    as_json = app_client.get("/sparql", params=query, headers={"accept": "application/json"})
    as_csv = app_client.get("/sparql", params=query, headers={"accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text.startswith("g,n\r\n") and as_csv.content != as_json.content
    again = app_client.get("/sparql", params=query, headers={"accept": "text/csv"})
    assert again.headers.get("x-cache") == "hit" and again.content == as_csv.content
    one_graph = app_client.get(
        "/sparql",
        params={**query, "default-graph-uri": "https://w3id.org/roma-alliance/graph/countries"},
        headers={"accept": "text/csv"},
    )
    assert one_graph.headers.get("x-cache") != "hit" and one_graph.content != as_csv.content


def test_the_cache_keeps_answers_within_its_budget(
    monkeypatch: pytest.MonkeyPatch, cache_data: object
) -> None:
    monkeypatch.setenv("ALLIANCE_RESPONSE_CACHE_MB", "1")
    settings = Settings(validate_on_start=False, query_workers=1)
    with TestClient(make_app(cache_data, settings=settings)) as client:  # type: ignore[arg-type]
        # a small answer is kept
        assert [is_hit(client, page_query(0, 1)) for _ in range(2)] == [False, True]
        # an answer larger than the whole budget (64 rows x 5 cells x 4 kB = 1.3 MB) is not kept
        whole = {
            "query": "SELECT ?s ?o ?o2 ?o3 ?o4 ?o5 { ?s ?p ?o BIND(?o AS ?o2) "
            "BIND(?o AS ?o3) BIND(?o AS ?o4) BIND(?o AS ?o5) }"
        }
        assert [is_hit(client, whole) for _ in range(2)] == [False, False]
        assert is_hit(client, page_query(0, 1))  # and it did not empty the cache
        # answers of ~65 kB: 20 of them (1.3 MB) overflow the 1 MB budget; the oldest go first
        pages = [page_query(i, 16) for i in range(20)]
        for params in pages:
            assert not is_hit(client, params)
        assert is_hit(client, pages[-1])
        assert not is_hit(client, pages[1])
