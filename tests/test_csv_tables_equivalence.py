"""The CSV tables are, byte for byte, what the implementation that aggregated each column in
SPARQL wrote (commit REFERENCE, before the values were read in one pass and grouped in
Python): every table, statements.csv and csv-metadata.json.

The reference is that commit's `kb/publish/csv_tables.py`, read with `git show` and loaded
beside the current module, both run on the same store: the shipped data, a synthetic
knowledge base under the canonical base (kinds on both sides of VALUES_MAX, the number of
records a query names) and a small fixture of awkward values (blank nodes, a value holding
the separator, an empty text, language variants, mixed datatypes, a triple in two graphs).

When the tables' content changes on purpose, point REFERENCE at the commit whose output
must still be equal, or retire this test.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest

from kb.config import Settings
from kb.publish import csv_tables
from kb.sources.rdf_files import dataset_files
from kb.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = "6ee67cc"
CANONICAL = "https://w3id.org/roma-alliance/"
AWKWARD = Path(__file__).parent / "fixtures" / "csv_tables" / "awkward_values.trig"


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    source = subprocess.run(
        ["git", "show", f"{REFERENCE}:kb/publish/csv_tables.py"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    path = tmp_path_factory.mktemp("reference") / "csv_tables_reference.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("csv_tables_reference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def reference_files(module: ModuleType, store: EmbeddedStore, base_iri: str) -> dict[str, bytes]:
    """The files the reference writes: its own functions, called as its export called them."""
    records = module.records_by_kind(store, base_iri)
    tables = module.build_tables(store, base_iri, records=records)
    statements = module.build_statements(store, base_iri, tables, records)
    metadata = module.csvw_metadata(tables, base_iri, "csv/", statements)
    files = {table.file_name: table.to_csv() for table in tables}
    files[statements.file_name] = statements.to_csv()
    files["csv-metadata.json"] = module.metadata_bytes(metadata)
    return files


def current_files(store: EmbeddedStore, base_iri: str) -> dict[str, bytes]:
    records = csv_tables.records_by_kind(store, base_iri)
    tables = csv_tables.build_tables(store, base_iri, records=records)
    statements = csv_tables.build_statements(base_iri, tables)
    metadata = csv_tables.csvw_metadata(tables, base_iri, "csv/", statements)
    files = {table.file_name: table.to_csv() for table in tables}
    files[statements.file_name] = statements.to_csv()
    files["csv-metadata.json"] = csv_tables.metadata_bytes(metadata)
    return files


def assert_same_files(expected: dict[str, bytes], actual: dict[str, bytes]) -> None:
    assert sorted(actual) == sorted(expected)
    for name, content in expected.items():
        assert actual[name] == content, f"{name} differs from the reference's"


def test_the_shipped_data_gives_the_reference_tables(reference: ModuleType) -> None:
    settings = Settings()
    store = EmbeddedStore.from_files(dataset_files(settings), settings.base_iri)
    expected = reference_files(reference, store, settings.base_iri)
    assert len(expected) > 10  # every kind of record has its table
    assert_same_files(expected, current_files(store, settings.base_iri))


def synthetic_store(n_triples: int) -> EmbeddedStore:
    """The synthetic knowledge base of `bench/synthetic.py`, its records under CANONICAL."""
    command = ["-m", "bench.synthetic", str(n_triples), "--seed", "1", "--violations", "0"]
    done = subprocess.run(
        [sys.executable, *command, "--base", CANONICAL],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    path = Path(done.stdout.strip())
    try:
        triples = list(ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES))
    finally:
        shutil.rmtree(path.parent)
    graph = ox.NamedNode(CANONICAL + "graph/synthetic")
    return EmbeddedStore([ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples])


def test_a_synthetic_knowledge_base_gives_the_reference_tables(reference: ModuleType) -> None:
    store = synthetic_store(40_000)
    counts = csv_tables.record_kinds(store, CANONICAL)
    assert max(counts.values()) > csv_tables.VALUES_MAX > min(counts.values())
    assert_same_files(reference_files(reference, store, CANONICAL), current_files(store, CANONICAL))


def test_awkward_values_give_the_reference_tables(reference: ModuleType) -> None:
    store = EmbeddedStore(list(ox.parse(path=str(AWKWARD), format=ox.RdfFormat.TRIG)))
    expected = reference_files(reference, store, CANONICAL)
    assert {"thing.csv", "authority.csv", "award.csv", "fact.csv"} <= set(expected)
    assert b"One (GB)" in expected["thing.csv"]  # the fixture reaches the tables
    assert_same_files(expected, current_files(store, CANONICAL))
