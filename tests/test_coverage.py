"""Coverage (W3C DQV): records counted live next to the figures the sources state."""

from __future__ import annotations

from functools import lru_cache

import pyoxigraph as ox

from kb.config import Settings
from kb.publish.coverage import METRICS, coverage, measurement_triples
from kb.sources.rdf_files import discover_sources, parse_file
from kb.store.embedded import EmbeddedStore

BASE = "https://w3id.org/roma-alliance/"
DQV = "http://www.w3.org/ns/dqv#"


@lru_cache(maxsize=1)
def store() -> EmbeddedStore:
    settings = Settings()
    quads = [q for src in discover_sources(settings) for q in parse_file(src.path, src.graph)]
    return EmbeddedStore(quads)


def count(query: str) -> int:
    [row] = store().select(query)
    value = row["n"]
    assert isinstance(value, ox.Literal)
    return int(value.value)


def test_every_metric_of_the_data_is_counted_by_the_code_and_the_reverse() -> None:
    in_data = {
        row["m"].value.rsplit("/", 1)[1]  # type: ignore[union-attr]
        for row in store().select(f"SELECT ?m WHERE {{ ?m a <{DQV}Metric> }}")
    }
    assert in_data == {m.slug for m in METRICS}


def test_counts_agree_with_independent_queries_and_track_the_records() -> None:
    items = {c.slug: c for c in coverage(store(), BASE)}
    a = f"{BASE}ontology#"
    assert items["participants"].recorded == count(
        "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?m <http://www.w3.org/ns/org#member> ?x ; "
        f"<http://www.w3.org/ns/org#organization> <{BASE}id/organisation/alliance> }}"
    )
    assert items["signatories"].recorded == count(
        f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?s <{a}onBehalfOf> ?x }}"
    )
    assert items["good-practices"].recorded == count(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ ?x a <{a}GoodPractice> }}"
    )
    assert items["participants"].kind == "membership"
    assert items["participants"].label("fr") == "participants enregistrés"


def test_participants_are_compared_with_the_130_the_alliance_states_with_its_page() -> None:
    items = {c.slug: c for c in coverage(store(), BASE)}
    stated = items["participants"].stated
    assert stated is not None
    assert stated.value == 130
    assert stated.measure == f"{BASE}id/measure/participants"
    assert stated.sources, "the compared figure names its page"
    assert items["good-practices"].stated is None  # no source states a total


def test_measurements_are_dqv_quality_measurements_of_the_dataset() -> None:
    items = coverage(store(), BASE)
    dataset = f"{BASE}catalog#dataset"
    triples = measurement_triples(items, dataset, f"{BASE}catalog#", "2026-12-02")
    graph = ox.Store()
    graph.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    rows = list(
        graph.query(
            f"SELECT ?m ?metric ?value WHERE {{ <{dataset}> <{DQV}hasQualityMeasurement> ?m . "
            f"?m a <{DQV}QualityMeasurement> ; <{DQV}computedOn> <{dataset}> ; "
            f"<{DQV}isMeasurementOf> ?metric ; <{DQV}value> ?value }}"
        )
    )
    assert len(rows) == len(items)
    participants = f"{BASE}catalog#coverage-participants"
    assert any(str(row["m"].value) == participants for row in rows)  # type: ignore[index]
    assert not any(isinstance(t.subject, ox.BlankNode) for t in triples)
