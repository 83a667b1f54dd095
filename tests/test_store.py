"""The embedded store: one named graph per file, union default graph, on-disk reuse."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kb.config import Settings
from kb.sources.rdf_files import load_dataset
from kb.store.embedded import EmbeddedStore


def quads(n: int, graph: str = "urn:g") -> list[ox.Quad]:
    return [
        ox.Quad(
            ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal(i), ox.NamedNode(graph)
        )
        for i in range(n)
    ]


def test_one_named_graph_per_source_file_and_union_default_graph() -> None:
    settings = Settings()
    dataset = load_dataset(settings)
    store = EmbeddedStore(dataset.quads)
    graphs = set(store.graph_counts())
    assert settings.graph_iri("authorities") in graphs
    assert settings.graph_iri("ontology") in graphs
    assert settings.graph_iri("vocabularies") in graphs
    assert graphs == set(dataset.graphs())
    rows = store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(rows[0]["n"].value) == len(dataset.quads)  # type: ignore[union-attr]


def test_protocol_dataset_overrides_union_and_from() -> None:
    store = EmbeddedStore(quads(3, "urn:a") + quads(2, "urn:b"))
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def n(result: object) -> int:
        assert isinstance(result, ox.QuerySolutions)
        return int(next(iter(result))["n"].value)  # type: ignore[union-attr]

    assert n(store.run(count)) == 5
    assert n(store.run(count, default_graphs=["urn:b"])) == 2
    assert n(store.run("SELECT (COUNT(*) AS ?n) FROM <urn:b> WHERE { ?s ?p ?o }")) == 2
    assert n(store.run("SELECT (COUNT(*) AS ?n) FROM <urn:b> WHERE { ?s ?p ?o }", ["urn:a"])) == 3
    assert n(store.run(count, named_graphs=["urn:a"])) == 0


def test_on_disk_store_is_reused_while_inputs_are_unchanged(tmp_path: Path) -> None:
    first = EmbeddedStore(quads(10), tmp_path, content_hash="h1")
    assert not first.reused and first.triple_count() == 10
    del first
    again = EmbeddedStore(quads(999), tmp_path, content_hash="h1")  # same hash: not rebuilt
    assert again.reused and again.triple_count() == 10
    del again
    rebuilt = EmbeddedStore(quads(4), tmp_path, content_hash="h2")
    assert not rebuilt.reused and rebuilt.triple_count() == 4
    assert (tmp_path / "content-hash").read_text().strip() == "h2"


def test_on_disk_store_is_read_only(tmp_path: Path) -> None:
    store = EmbeddedStore(quads(2), tmp_path, content_hash="h")
    with pytest.raises((OSError, RuntimeError)):
        store.oxigraph.update("INSERT DATA { <urn:x> <urn:y> <urn:z> }")
    assert store.triple_count() == 2
