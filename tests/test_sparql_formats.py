"""Result formats survive a round trip: what /sparql writes, independent parsers read back.

Literals with commas, quotes, newlines and tabs, language tags, datatypes and
non-ASCII names (Şişli, Jyväskylä), on the embedded store and on a real
Oxigraph server behind `--store`. Content negotiation by Accept (with
q-values) and by the `format` parameter.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import BNode, Graph
from rdflib import Literal as RLiteral
from rdflib.compare import isomorphic
from rdflib.query import Result
from sparql_helpers import BACKENDS, dataset_of, make_app

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
G = EX + "graph/tricky"
TRICKY = 'comma, "quote" and\nnewline\tand tab\r\nand \\ backslash'


def n(local: str) -> ox.NamedNode:
    return ox.NamedNode(EX + local)


TRIPLES = [
    ox.Triple(n("sisli"), n("name"), ox.Literal("Şişli", language="tr")),
    ox.Triple(n("jyvaskyla"), n("name"), ox.Literal("Jyväskylä", language="fi")),
    ox.Triple(n("jyvaskyla"), n("note"), ox.Literal(TRICKY)),
    ox.Triple(n("jyvaskyla"), n("count"), ox.Literal("42", datatype=ox.NamedNode(XSD + "integer"))),
    ox.Triple(
        n("jyvaskyla"), n("date"), ox.Literal("2013-03-20", datatype=ox.NamedNode(XSD + "date"))
    ),
    ox.Triple(n("sisli"), n("partner"), n("jyvaskyla")),
    ox.Triple(n("sisli"), n("contact"), ox.BlankNode("c1")),
    ox.Triple(ox.BlankNode("c1"), n("name"), ox.Literal("Ayşe Çelik")),
]
SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
CONSTRUCT = "CONSTRUCT WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module", params=BACKENDS)
def client(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    server = request.getfixturevalue("oxigraph_server") if request.param != "embedded" else None
    app = make_app(dataset_of({G: TRIPLES}), request.param, oxigraph_server=server)
    with TestClient(app) as c:
        yield c


def expected_rows() -> list[tuple[Any, ...]]:
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(G)) for t in TRIPLES)
    result = store.query(SELECT, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    return [_norm(tuple(s)) for s in result]


def _norm(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Blank node labels are not preserved by result formats: compare them as '_:'."""
    return tuple("_:" if isinstance(t, ox.BlankNode) else t for t in row)


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
def test_select_round_trips_through_oxigraph_parser(client: TestClient, fmt: str) -> None:
    r = client.get("/sparql", params={"query": SELECT, "format": fmt})
    assert r.status_code == 200, r.text
    parsed = ox.parse_query_results(r.content, format=getattr(ox.QueryResultsFormat, fmt.upper()))
    assert isinstance(parsed, ox.QuerySolutions)
    assert [v.value for v in parsed.variables] == ["s", "p", "o"]
    assert [_norm(tuple(s)) for s in parsed] == expected_rows()


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("application/sparql-results+json", "json"),
        ("application/sparql-results+xml", "xml"),
        ("text/tab-separated-values", "tsv"),
    ],
)
def test_select_round_trips_through_rdflib_parser(
    client: TestClient, accept: str, rdflib_format: str
) -> None:
    r = client.get("/sparql", params={"query": SELECT}, headers={"accept": accept})
    assert r.headers["content-type"].split(";")[0] == accept
    result = Result.parse(io.BytesIO(r.content), format=rdflib_format)
    values = {
        (str(row[0]), str(row[1]), str(row[2]))
        for row in result
        if not isinstance(row[0], BNode) and not isinstance(row[2], BNode)
    }
    assert (EX + "jyvaskyla", EX + "note", TRICKY) in values
    assert (EX + "sisli", EX + "name", "Şişli") in values
    langs = {row[2].language for row in result if isinstance(row[2], RLiteral)}
    assert {"tr", "fi"} <= langs
    datatypes = {str(row[2].datatype) for row in result if isinstance(row[2], RLiteral)}
    assert {XSD + "integer", XSD + "date"} <= datatypes


def test_csv_escapes_commas_quotes_and_newlines(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": SELECT}, headers={"accept": "text/csv"})
    assert r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"s,p,o\r\n")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8"), newline="")))
    assert rows[0] == ["s", "p", "o"]
    assert [EX + "jyvaskyla", EX + "note", TRICKY] in rows[1:]
    assert [EX + "sisli", EX + "name", "Şişli"] in rows[1:]
    assert len(rows) == 1 + len(TRIPLES)


def test_tsv_writes_terms_in_turtle_syntax(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": SELECT, "format": "tsv"})
    lines = r.content.decode("utf-8").split("\n")
    assert lines[0] == "?s\t?p\t?o"
    assert f'<{EX}sisli>\t<{EX}name>\t"Şişli"@tr' in lines
    assert f'<{EX}jyvaskyla>\t<{EX}date>\t"2013-03-20"^^<{XSD}date>' in lines
    assert len(lines) == 1 + len(TRIPLES) + 1  # header, rows, final newline


@pytest.mark.parametrize(
    ("accept", "media", "rdflib_format"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
    ],
)
def test_construct_round_trips(
    client: TestClient, accept: str, media: str, rdflib_format: str
) -> None:
    r = client.get("/sparql", params={"query": CONSTRUCT}, headers={"accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media
    got = Graph().parse(data=r.content, format=rdflib_format)
    expected = Graph().parse(data=ox.serialize(TRIPLES, format=ox.RdfFormat.N_TRIPLES), format="nt")
    assert isomorphic(got, expected)


def test_ask_as_xml_and_json(client: TestClient) -> None:
    q = 'ASK { ?s ?p "Şişli"@tr }'
    r = client.get(
        "/sparql", params={"query": q}, headers={"accept": "application/sparql-results+xml"}
    )
    assert "<boolean>true</boolean>" in r.text
    r = client.get("/sparql", params={"query": q}, headers={"accept": "application/json"})
    assert r.json() == {"head": {}, "boolean": True}


def test_accept_q_values_choose_the_best_format(client: TestClient) -> None:
    accept = "application/sparql-results+xml;q=0.5, text/csv, application/json;q=0.9"
    r = client.get("/sparql", params={"query": SELECT}, headers={"accept": accept})
    assert r.headers["content-type"].startswith("text/csv")
    r = client.get(
        "/sparql",
        params={"query": SELECT},
        headers={"accept": "text/csv;q=0, */*;q=0.1"},
    )
    assert r.headers["content-type"].startswith("application/sparql-results+json")


def test_format_parameter_overrides_accept(client: TestClient) -> None:
    r = client.get(
        "/sparql",
        params={"query": CONSTRUCT, "format": "ntriples"},
        headers={"accept": "text/turtle"},
    )
    assert r.headers["content-type"].startswith("application/n-triples")


def test_unacceptable_accept_gets_406(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": SELECT}, headers={"accept": "image/png"})
    assert r.status_code == 406
    assert "text/csv" in r.json()["detail"]
    r = client.get("/sparql", params={"query": CONSTRUCT, "format": "csv"})
    assert r.status_code == 406


def test_no_accept_gets_documented_defaults(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": SELECT}, headers={"accept": ""})
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    r = client.get("/sparql", params={"query": CONSTRUCT}, headers={"accept": "*/*"})
    assert r.headers["content-type"].startswith("text/turtle")
