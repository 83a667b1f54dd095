"""SPARQLWrapper, the common Python client, against the running server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rdflib import Graph
from sparql_helpers import LiveServer, live_server
from SPARQLWrapper import CSV, GET, JSON, POST, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

ALLIANCE = "https://w3id.org/roma-alliance/"
QUERY = f"""
PREFIX alliance: <{ALLIANCE}ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?city ?name WHERE {{ ?city a alliance:Municipality ; skos:prefLabel ?name .
  FILTER(lang(?name) = "en") }} ORDER BY ?name LIMIT 5
"""


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with live_server() as s:
        yield s


@pytest.mark.parametrize("method", [GET, POST])
def test_select_json(server: LiveServer, method: str) -> None:
    sw = SPARQLWrapper(server.sparql)
    sw.setMethod(method)
    sw.setQuery(QUERY)
    sw.setReturnFormat(JSON)
    result = sw.query().convert()
    rows = result["results"]["bindings"]  # type: ignore[index]
    assert len(rows) == 5
    assert all(r["city"]["value"].startswith(ALLIANCE + "id/authority/") for r in rows)
    assert all(r["name"]["xml:lang"] == "en" for r in rows)


def test_select_xml_and_csv(server: LiveServer) -> None:
    sw = SPARQLWrapper(server.sparql)
    sw.setQuery(QUERY)
    sw.setReturnFormat(XML)
    doc = sw.query().convert()
    assert len(doc.getElementsByTagName("result")) == 5  # type: ignore[union-attr]
    sw.setReturnFormat(CSV)
    text = sw.query().convert().decode()  # type: ignore[union-attr]
    assert text.splitlines()[0] == "city,name"


def test_ask_and_construct(server: LiveServer) -> None:
    sw = SPARQLWrapper(server.sparql)
    sw.setQuery("ASK { ?s ?p ?o }")
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["boolean"] is True  # type: ignore[index]
    sw.setQuery(f"CONSTRUCT WHERE {{ <{ALLIANCE}id/organisation/alliance> ?p ?o }}")
    sw.setReturnFormat(TURTLE)
    g = Graph().parse(data=sw.query().convert(), format="turtle")  # type: ignore[arg-type]
    assert len(g) > 3


def test_bad_query_raises_query_bad_formed(server: LiveServer) -> None:
    sw = SPARQLWrapper(server.sparql)
    sw.setQuery("SELECT * WHERE { ?s ?p }")
    sw.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed):
        sw.query()
