"""`alliance-kb query --format F`: every format README lists, read back by another parser.

The expected answers are read from `data/countries.ttl` by rdflib (an independent
implementation), not from the store the command queries.
"""

from __future__ import annotations

import csv
import io
import json
from xml.etree import ElementTree

import pytest
import rdflib
from conftest import ROOT

from kb.cli.main import main

ALLIANCE = "https://w3id.org/roma-alliance/ontology#"
COUNTRY = "https://w3id.org/roma-alliance/id/country/"
SELECT = (
    "PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX skos: "
    "<http://www.w3.org/2004/02/skos/core#> SELECT ?code ?name WHERE { ?c dcterms:identifier "
    '?code ; skos:prefLabel ?name FILTER(LANG(?name) = "fr" && STRSTARTS(?code, "A")) } '
    "ORDER BY ?code"
)
CONSTRUCT = f"CONSTRUCT {{ <{COUNTRY}FRA> ?p ?o }} WHERE {{ <{COUNTRY}FRA> ?p ?o }}"
ASK = f"ASK {{ <{COUNTRY}FRA> ?p ?o }}"


@pytest.fixture(scope="module")
def countries() -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / "data" / "countries.ttl", format="turtle")


def expected_rows(countries: rdflib.Graph) -> list[tuple[str, str]]:
    rows = []
    for country in countries.subjects(rdflib.RDF.type, rdflib.URIRef(ALLIANCE + "MemberState")):
        code = str(countries.value(country, rdflib.DCTERMS.identifier))
        for name in countries.objects(country, rdflib.SKOS.prefLabel):
            if code.startswith("A") and name.language == "fr":  # type: ignore[attr-defined]
                rows.append((code, str(name)))
    return sorted(rows)


def run(capfdbinary: pytest.CaptureFixture[bytes], *args: str) -> tuple[int, bytes, str]:
    code = main(["query", *args])
    out, err = capfdbinary.readouterr()
    return code, out, err.decode()


def test_table_is_the_default(
    capfdbinary: pytest.CaptureFixture[bytes], countries: rdflib.Graph
) -> None:
    code, out, _ = run(capfdbinary, SELECT)
    assert code == 0
    lines = out.decode().splitlines()
    assert lines[0].split() == ["?code", "?name"]
    expected = expected_rows(countries)
    assert [line.split(None, 1) for line in lines[2:-1]] == [[c, f"{n}@fr"] for c, n in expected]
    assert lines[-1] == f"({len(expected)} rows)"


def test_json(capfdbinary: pytest.CaptureFixture[bytes], countries: rdflib.Graph) -> None:
    code, out, _ = run(capfdbinary, SELECT, "--format", "json")
    assert code == 0
    bindings = json.loads(out)["results"]["bindings"]
    assert [(b["code"]["value"], b["name"]["value"]) for b in bindings] == expected_rows(countries)
    assert {b["name"]["xml:lang"] for b in bindings} == {"fr"}


def test_xml(capfdbinary: pytest.CaptureFixture[bytes], countries: rdflib.Graph) -> None:
    code, out, _ = run(capfdbinary, SELECT, "--format", "xml")
    assert code == 0
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    results = ElementTree.fromstring(out).findall("r:results/r:result", ns)
    rows = [
        tuple(r.find(f"r:binding[@name='{v}']/r:literal", ns).text for v in ("code", "name"))  # type: ignore[union-attr]
        for r in results
    ]
    assert rows == expected_rows(countries)


@pytest.mark.parametrize("fmt, delimiter", [("csv", ","), ("tsv", "\t")])
def test_csv_and_tsv(
    capfdbinary: pytest.CaptureFixture[bytes], countries: rdflib.Graph, fmt: str, delimiter: str
) -> None:
    code, out, _ = run(capfdbinary, SELECT, "--format", fmt)
    assert code == 0
    quoting = csv.QUOTE_MINIMAL if fmt == "csv" else csv.QUOTE_NONE
    table = list(csv.reader(io.StringIO(out.decode()), delimiter=delimiter, quoting=quoting))
    expected = expected_rows(countries)
    if fmt == "csv":  # plain values
        assert table == [["code", "name"], *[list(r) for r in expected]]
    else:  # terms in Turtle syntax
        assert table == [["?code", "?name"], *[[f'"{c}"', f'"{n}"@fr'] for c, n in expected]]


@pytest.mark.parametrize(
    "fmt, rdflib_format",
    [("turtle", "turtle"), ("ntriples", "nt"), ("jsonld", "json-ld"), ("rdfxml", "xml")],
)
def test_rdf_formats_give_the_records_triples(
    capfdbinary: pytest.CaptureFixture[bytes], countries: rdflib.Graph, fmt: str, rdflib_format: str
) -> None:
    code, out, _ = run(capfdbinary, CONSTRUCT, "--format", fmt)
    assert code == 0
    got = set(rdflib.Graph().parse(data=out, format=rdflib_format))
    expected = set(countries.triples((rdflib.URIRef(COUNTRY + "FRA"), None, None)))
    assert got == expected and len(expected) >= 7


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_ask(capfdbinary: pytest.CaptureFixture[bytes], fmt: str) -> None:
    code, out, _ = run(capfdbinary, ASK, "--format", fmt)
    assert code == 0
    if fmt == "json":
        assert json.loads(out)["boolean"] is True
    else:
        assert b"<boolean>true</boolean>" in out


def test_a_format_that_cannot_show_the_result_exits_2(
    capfdbinary: pytest.CaptureFixture[bytes],
) -> None:
    code, out, err = run(capfdbinary, SELECT, "--format", "turtle")
    assert code == 2 and out == b""
    assert err == "alliance-kb query: turtle cannot show a solutions result\n"


def test_an_unknown_format_exits_2(capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    code, out, err = run(capfdbinary, ASK, "--format", "yaml")
    assert code == 2 and out == b""
    assert err == "alliance-kb query: unknown format 'yaml'\n"
