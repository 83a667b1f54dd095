"""Incremental validation gives the full verdict: random edits of the shipped data, each
validated both ways (hypothesis draws the edits)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.config import Settings
from kb.sources.rdf_files import dataset_files
from kb.store.changes import ChangeSet
from kb.store.embedded import EmbeddedStore
from kb.validation.affected_nodes import affected_focus_nodes, sparql_reads
from kb.validation.change_validation import ChangeValidator, data_graphs
from kb.validation.rdf_terms import ox_to_rdflib
from kb.validation.report import ValidationResult

BASE = "https://w3id.org/roma-alliance/"
ONT = BASE + "ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"


class Shipped:
    """The shipped knowledge base in a store, its validator, and its full results by shape."""

    def __init__(self) -> None:
        settings = Settings()
        dataset = dataset_files(settings)
        self.store = EmbeddedStore.from_files(dataset, settings.base_iri).oxigraph
        self.validator = ChangeValidator(settings)
        self.engine = self.validator.engine
        self.graphs = data_graphs(self.store)
        self.baseline = self.engine.validate_graphs_by_shape(self.store, self.graphs)
        self.data_quads = [
            q
            for graph in dataset.graphs_of("data")
            for q in self.store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        ]
        self.records = sorted({q.subject for q in self.data_quads}, key=lambda n: n.value)


@pytest.fixture(scope="module")
def shipped() -> Shipped:
    return Shipped()


def result_keys(results: list[ValidationResult]) -> Counter[tuple[Any, ...]]:
    return Counter((r.key(), str(r.constraint_component)) for r in results)


def incremental_results(shipped: Shipped, change: ChangeSet) -> list[ValidationResult]:
    """The baseline, with the results of the affected focus nodes validated again."""
    candidates = affected_focus_nodes(shipped.engine, shipped.store, change)
    if candidates is None:
        return shipped.engine.validate_graphs(shipped.store, shipped.graphs)
    again = shipped.engine.validate_graphs_by_shape(shipped.store, shipped.graphs, candidates)
    merged: list[ValidationResult] = []
    for shape, results in shipped.baseline.items():
        if shape not in candidates:
            merged += results
            continue
        nodes = candidates[shape]
        if nodes is not None:
            redone = {ox_to_rdflib(n) for n in nodes}
            merged += [r for r in results if r.focus_node not in redone]
        merged += again.get(shape, [])
    return merged


def check(shipped: Shipped, change: ChangeSet) -> None:
    change.apply_to(shipped.store)
    try:
        incremental = incremental_results(shipped, change)
        full = shipped.engine.validate_graphs(shipped.store, shipped.graphs)
    finally:
        ChangeSet(change.added, change.removed).apply_to(shipped.store)
    assert result_keys(incremental) == result_keys(full)


# -- the edits ----------------------------------------------------------------------------------

PREDICATES = [
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
    ONT + "rank",
    ONT + "sharedRank",
    ONT + "edition",
    ONT + "laureate",
    ONT + "country",
    ONT + "participantNumber",
    ONT + "onBehalfOf",
    ONT + "editionNumber",
    "http://www.w3.org/ns/org#member",
    "http://www.w3.org/ns/org#organization",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://purl.org/dc/terms/source",
    "http://schema.org/startDate",
]


@st.composite
def edits(draw: st.DrawFn, shipped: Shipped) -> ChangeSet:
    """One edit of one record: triples removed, triples added (some borrowed elsewhere)."""
    quads = shipped.data_quads
    record = draw(st.sampled_from(shipped.records))
    own = [q for q in quads if q.subject == record]
    graph = own[0].graph_name
    removed = draw(st.lists(st.sampled_from(own), max_size=3, unique=True)) if own else []
    added = []
    for _ in range(draw(st.integers(0, 3))):
        predicate = ox.NamedNode(draw(st.sampled_from(PREDICATES)))
        kind = draw(st.sampled_from(["borrow", "integer", "boolean", "record"]))
        if kind == "borrow":
            obj = draw(
                st.sampled_from([q.object for q in quads if q.predicate == predicate] or [record])
            )
        elif kind == "integer":
            obj = ox.Literal(str(draw(st.integers(0, 8))), datatype=ox.NamedNode(XSD + "integer"))
        elif kind == "boolean":
            obj = ox.Literal(
                draw(st.sampled_from(["true", "false"])), datatype=ox.NamedNode(XSD + "boolean")
            )
        else:
            obj = draw(st.sampled_from(shipped.records))
        added.append(ox.Quad(record, predicate, obj, graph))
    if draw(st.booleans()) and own:  # sometimes: the whole record goes
        removed = own
    return ChangeSet.of(removed, [q for q in added if q not in shipped.store])


def test_incremental_verdict_equals_the_full_one_on_random_edits(shipped: Shipped) -> None:
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        derandomize=True,
    )
    @given(st.data())
    def run(data: st.DataObject) -> None:
        check(shipped, data.draw(edits(shipped)))

    run()


def test_a_cross_record_rule_brings_in_the_other_records(shipped: Shipped) -> None:
    """A rank 2 on Ghent's award affects the edition's other awards (the shared-rank rules)."""
    award = ox.NamedNode(BASE + "id/award/5-ghent")
    rank = ox.NamedNode(ONT + "rank")
    [old] = [q for q in shipped.store.quads_for_pattern(award, rank, None)]
    new = ox.Quad(
        award, rank, ox.Literal("2", datatype=ox.NamedNode(XSD + "integer")), old.graph_name
    )
    change = ChangeSet.of([old], [new])
    change.apply_to(shipped.store)
    try:
        candidates = affected_focus_nodes(shipped.engine, shipped.store, change)
    finally:
        ChangeSet(change.added, change.removed).apply_to(shipped.store)
    assert candidates is not None
    nodes = {n.value for found in candidates.values() if found for n in found}
    assert BASE + "id/award/5-kragujevac" in nodes  # same edition, rank 2
    assert BASE + "id/award/2-volos" not in nodes  # another edition: untouched
    assert len(nodes) < 12
    check(shipped, change)


def test_sparql_constraints_are_read_into_patterns_with_their_scope() -> None:
    reads = sparql_reads(
        "PREFIX a: <http://a/> SELECT $this WHERE { $this a:p ?x . "
        "FILTER NOT EXISTS { ?x a:q ?y . ?y a:r $this } OPTIONAL { ?x a:s ?z } }"
    )
    assert reads.patterns is not None
    by_predicate = {str(p.pattern[1]).rsplit("/", 1)[1]: p for p in reads.patterns}
    assert set(by_predicate) == {"p", "q", "r", "s"}
    inner = {str(t[1]).rsplit("/", 1)[1] for t in by_predicate["q"].scope}
    assert inner == {"p", "q", "r"}  # the outer pattern and its own group, not the OPTIONAL
    assert {str(t[1]).rsplit("/", 1)[1] for t in by_predicate["s"].scope} == {"p", "s"}
    unmodelled = sparql_reads("SELECT $this WHERE { { SELECT $this WHERE { $this ?p ?o } } }")
    assert unmodelled.patterns is None
