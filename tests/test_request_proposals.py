"""The records a request proposes: slugs, dates as precise as given, the source's kind."""

from __future__ import annotations

from types import SimpleNamespace

import pyoxigraph as ox

from kb.config import Settings
from kb.curation.request_proposals import date_literal, request_source_type, slug_of
from kb.store.embedded import EmbeddedStore

BASE = "https://w3id.org/roma-alliance/"
CONCEPT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#Concept")
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
GRAPH = ox.NamedNode(BASE + "graph/vocabularies")


def kb_with_source_types(*names: str) -> SimpleNamespace:
    quads = [
        ox.Quad(ox.NamedNode(f"{BASE}id/source-type/{n}"), TYPE, CONCEPT, GRAPH) for n in names
    ]
    return SimpleNamespace(settings=Settings(), store=EmbeddedStore(quads))


def test_a_request_is_typed_with_the_best_kind_of_source_the_vocabulary_has() -> None:
    best = kb_with_source_types("official", "third-party", "project", "request")
    assert request_source_type(best) == BASE + "id/source-type/request"
    closest = kb_with_source_types("official", "third-party", "project")
    assert request_source_type(closest) == BASE + "id/source-type/third-party"
    assert request_source_type(kb_with_source_types()) == ""  # no vocabulary: no dangling link


def test_slugs_are_lower_case_ascii_words() -> None:
    assert slug_of("Hódmezővásárhely") == "hodmezovasarhely"
    assert slug_of("Reggio nell'Emilia") == "reggio-nell-emilia"
    assert slug_of("  Łódź — City of  ") == "lodz-city-of"
    assert slug_of("Şişli") == "sisli"
    assert slug_of("!!!") == ""


def test_dates_are_as_precise_as_given() -> None:
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert date_literal("2019") == ox.Literal("2019", datatype=ox.NamedNode(xsd + "gYear"))
    assert date_literal("2019-05") == ox.Literal(
        "2019-05", datatype=ox.NamedNode(xsd + "gYearMonth")
    )
    assert date_literal("2019-05-06") == ox.Literal(
        "2019-05-06", datatype=ox.NamedNode(xsd + "date")
    )
    for bad in ("2019-13", "2019-02-30", "19", "May 2019", "2019-5", ""):
        assert date_literal(bad) is None, bad
