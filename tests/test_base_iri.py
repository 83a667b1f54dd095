"""ALLIANCE_BASE_IRI moves every IRI the knowledge base mints: records, shapes, examples.

The files are written with the canonical base; with another base configured, the loaded
data, the shapes (IRI patterns, SPARQL prefixes) and the example queries all follow, so
the data still conforms and the examples still answer.
"""

from __future__ import annotations

import pyoxigraph as ox

from kb.config import CANONICAL_BASE_IRI, Settings
from kb.sources.rdf_files import dataset_files
from kb.store.embedded import EmbeddedStore
from kb.validation.validator import validate_dataset
from kb.web.query_editor import example_queries

OTHER_BASE = "https://data.example.org/alliance/"


def test_records_are_minted_under_the_configured_base() -> None:
    settings = Settings(base_iri=OTHER_BASE)
    dataset = dataset_files(settings)
    store = EmbeddedStore.from_files(dataset, settings.base_iri)
    iris = {
        q.subject.value
        for q in store.oxigraph.quads_for_pattern(None, None, None)
        if isinstance(q.subject, ox.NamedNode)
    }
    assert f"{OTHER_BASE}id/authority/volos" in iris
    assert not any(iri.startswith(CANONICAL_BASE_IRI) for iri in iris)
    assert {g.removeprefix(OTHER_BASE) for g in dataset.graphs()} >= {"graph/awards"}


def test_the_shipped_data_conforms_under_another_base() -> None:
    settings = Settings(base_iri=OTHER_BASE)
    report = validate_dataset(settings, dataset_files(settings), engine="fast")
    assert report.violations == [], report.to_text("en", color=False)


def test_example_queries_answer_the_same_under_another_base() -> None:
    canonical = Settings()
    other = Settings(base_iri=OTHER_BASE)
    stores = {
        s.base_iri: EmbeddedStore.from_files(dataset_files(s), s.base_iri)
        for s in (canonical, other)
    }
    for base, store in stores.items():
        examples = {e.name: e for e in example_queries(canonical.queries_dir, base)}
        rows = store.select(examples["laureates-by-edition"].text)
        assert len(rows) == 23, base  # one row per award of data/awards.ttl
