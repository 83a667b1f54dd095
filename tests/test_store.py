"""The embedded store: files loaded straight into one named graph each, union default
graph, on-disk reuse without reading the files again."""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
import pytest

from kb.config import Settings
from kb.sources.rdf_files import InputError, dataset_files, parse_file
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
    dataset = dataset_files(settings)
    store = EmbeddedStore.from_files(dataset, settings.base_iri)
    graphs = set(store.graph_counts())
    assert settings.graph_iri("authorities") in graphs
    assert settings.graph_iri("ontology") in graphs
    assert settings.graph_iri("vocabularies") in graphs
    assert graphs == set(dataset.graphs())
    # each graph holds what its file says (a second parser: pyoxigraph's, quad by quad)
    data = [s for s in dataset.sources if s.role == "data"]
    for source in data:
        parsed = set(parse_file(source.path, source.graph))
        graph = ox.NamedNode(source.graph)
        assert set(store.oxigraph.quads_for_pattern(None, None, None, graph)) == parsed
    rows = store.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert int(rows[0]["n"].value) == store.triple_count() == len(store.oxigraph)  # type: ignore[union-attr]
    assert sum(store.graph_counts().values()) == store.triple_count()


def test_a_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "good.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n")
    (tmp_path / "bad.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n<urn:a> <urn:b> .\n")
    settings = Settings()
    files = dataset_files(settings, [tmp_path])
    with pytest.raises(InputError) as caught:
        EmbeddedStore.from_files(files, settings.base_iri)
    assert caught.value.path.endswith("bad.ttl")
    assert caught.value.line == 2
    assert caught.value.located().startswith(f"{tmp_path / 'bad.ttl'}:2:")


def test_the_content_hash_follows_file_edits_without_reading_the_files(tmp_path: Path) -> None:
    path = tmp_path / "a.ttl"
    path.write_text("<urn:a> <urn:b> <urn:c> .\n")
    settings = Settings()
    first = dataset_files(settings, [tmp_path]).content_hash
    assert dataset_files(settings, [tmp_path]).content_hash == first
    path.write_text("<urn:a> <urn:b> <urn:d> .\n")
    assert dataset_files(settings, [tmp_path]).content_hash != first


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


def test_a_reused_on_disk_store_neither_reads_the_files_nor_counts_again(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    path = data / "things.ttl"
    path.write_text("".join(f"<urn:s{i}> <urn:p> {i} .\n" for i in range(7)))
    settings = Settings()
    files = dataset_files(settings, [data])
    built = EmbeddedStore.from_files(files, settings.base_iri, tmp_path / "store")
    assert not built.reused
    counts = (built.triple_count(), built.graph_counts())
    del built
    # the file is garbage now, with its size and time kept: a reuse that read it would fail
    stat = path.stat()
    path.write_bytes(b"!" * stat.st_size)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    reused = EmbeddedStore.from_files(
        dataset_files(settings, [data]), settings.base_iri, tmp_path / "store"
    )
    assert reused.reused
    assert reused._quad_count == counts[0]  # read from counts.json, not counted
    assert (reused.triple_count(), reused.graph_counts()) == counts
    assert counts[1][settings.graph_iri("things")] == 7
    assert len(reused.oxigraph) == counts[0]


def test_on_disk_store_is_read_only(tmp_path: Path) -> None:
    store = EmbeddedStore(quads(2), tmp_path, content_hash="h")
    with pytest.raises((OSError, RuntimeError)):
        store.oxigraph.update("INSERT DATA { <urn:x> <urn:y> <urn:z> }")
    assert store.triple_count() == 2
