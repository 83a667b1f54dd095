"""`/guide`: what is in the knowledge base, the model drawn from the ontology, the prefixes
(also for the query editor), ten questions that run and return rows, tracing a source."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote
from xml.etree import ElementTree

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from kb.store.embedded import EmbeddedStore
from kb.web.model_diagram import read_model, render_svg
from kb.web.query_editor import example_queries

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/roma-alliance/"
ONTOLOGY_GRAPH = BASE + "graph/ontology"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
QUESTIONS = example_queries(ROOT / "queries" / "guide")

TINY_ONTOLOGY = """
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix a: <https://w3id.org/roma-alliance/ontology#> .
a:Garden a owl:Class .
a:Gardener a owl:Class ; rdfs:subClassOf a:Person .
a:Person a owl:Class .
a:tends a owl:ObjectProperty ; rdfs:domain a:Gardener ; rdfs:range a:Garden .
a:area a owl:DatatypeProperty ; rdfs:domain a:Garden ; rdfs:range xsd:integer .
"""


def tiny_store() -> EmbeddedStore:
    graph = ox.NamedNode(ONTOLOGY_GRAPH)
    triples = ox.parse(TINY_ONTOLOGY.encode(), format=ox.RdfFormat.TURTLE)
    return EmbeddedStore(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)


def test_diagram_is_drawn_from_whatever_the_ontology_says() -> None:
    boxes, arrows = read_model(tiny_store(), ONTOLOGY_GRAPH, BASE + "ontology#")
    assert {b.name for b in boxes.values()} == {
        "alliance:Garden",
        "alliance:Gardener",
        "alliance:Person",
    }
    assert boxes[BASE + "ontology#Garden"].fields == ["area: integer"]
    kinds = {(a[0].rsplit("#")[1], a[1].rsplit("#")[1], a[2], a[3]) for a in arrows}
    assert kinds == {
        ("Gardener", "Garden", "tends", "property"),
        ("Gardener", "Person", "", "subclass"),
    }
    svg = render_svg(tiny_store(), ONTOLOGY_GRAPH, BASE + "ontology#")
    root = ElementTree.fromstring(svg)  # a well-formed SVG document
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert ">tends<" in svg and "area: integer" in svg


def test_model_svg_names_every_class_of_the_ontology(client: TestClient) -> None:
    r = client.get("/guide/model.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    classes = {
        t.subject.value
        for t in ox.parse(
            (ROOT / "ontology" / "alliance.ttl").read_bytes(), format=ox.RdfFormat.TURTLE
        )
        if t.predicate.value == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
        and t.object.value == "http://www.w3.org/2002/07/owl#Class"
        and isinstance(t.subject, ox.NamedNode)
    }
    drawn = set(re.findall(r'<g class="class" data-iri="([^"]+)"', r.text))
    assert classes and classes <= drawn
    assert 'class="property"' in r.text and 'class="subclass"' in r.text


def test_guide_page_in_english_and_french(client: TestClient) -> None:
    en = client.get("/guide", headers={"accept": BROWSER})
    assert en.status_code == 200 and "How to query the knowledge base" in en.text
    assert "<svg" in en.text and 'href="/id/authority/"' in en.text
    fr = client.get("/guide?lang=fr", headers={"accept": BROWSER})
    assert '<html lang="fr">' in fr.text and "Dix questions" in fr.text
    assert "Qui a reçu le prix Dosta! du Congrès" in fr.text
    assert len(en.content) < 100_000


def test_guide_lists_the_prefixes_with_their_namespaces(client: TestClient) -> None:
    html = client.get("/guide", headers={"accept": BROWSER}).text
    assert "<code>alliance:</code>" in html and f"<code>{BASE}ontology#</code>" in html
    prefixes = client.get("/guide/prefixes.json").json()
    assert prefixes["alliance"] == BASE + "ontology#"
    assert prefixes["org"] == "http://www.w3.org/ns/org#"
    assert prefixes["authority"] == BASE + "id/authority/"


def test_there_are_ten_questions_in_both_languages() -> None:
    assert len(QUESTIONS) == 10
    for q in QUESTIONS:
        assert q.title and q.title_fr and q.description and q.description_fr, q.name


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.name)
def test_each_question_runs_and_returns_rows(client: TestClient, question: object) -> None:
    r = client.post(
        "/sparql",
        data={"query": question.text},  # type: ignore[attr-defined]
        headers={"accept": "application/sparql-results+json"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"], f"{question.name} returned no rows"  # type: ignore[attr-defined]


def test_each_question_opens_in_the_editor_with_its_query(client: TestClient) -> None:
    html = client.get("/guide", headers={"accept": BROWSER}).text
    links = re.findall(r'class="run" href="/sparql#query=([^"]+)"', html)
    assert len(links) >= 10
    assert "alliance:laureate" in unquote(links[2])


def test_guide_explains_how_to_trace_a_source(client: TestClient) -> None:
    html = client.get("/guide", headers={"accept": BROWSER}).text
    section = html.split('id="sources"', 1)[1]
    assert "dcterms:source" in section
