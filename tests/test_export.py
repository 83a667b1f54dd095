"""`alliance-kb export`: every distribution parses back to the data, CSVs count the records,
VoID counts what SPARQL counts, the same input gives the same bytes, and data that does not
conform leaves an earlier export intact."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from kb.cli.main import main
from kb.config import Settings
from kb.publish.csv_tables import COLUMNS, OWNED_NODE_TABLES, record_kinds
from kb.publish.dump_writers import SortedDump
from kb.publish.export import RDF_FILES, export
from kb.sources.rdf_files import DatasetFiles, dataset_files, parse_file
from kb.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/roma-alliance/"
VOID = "http://rdfs.org/ns/void#"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
BAD_RECORD = """
@prefix alliance: <https://w3id.org/roma-alliance/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/roma-alliance/id/authority/testville> a alliance:Municipality ;
    skos:prefLabel "Testville"@de .
"""


@dataclass
class ParsedFiles:
    """The shipped files parsed quad by quad (not through the store): what dumps must hold."""

    files: DatasetFiles
    quads: list[ox.Quad]

    def graphs(self) -> list[str]:
        return self.files.graphs()

    def quads_in(self, role: str) -> list[ox.Quad]:
        graphs = set(self.files.graphs_of(role))
        return [q for q in self.quads if q.graph_name.value in graphs]  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def dataset() -> ParsedFiles:
    files = dataset_files(Settings())
    return ParsedFiles(files, [q for s in files.sources for q in parse_file(s.path, s.graph)])


@pytest.fixture(scope="module")
def store(dataset: ParsedFiles) -> EmbeddedStore:
    return EmbeddedStore.from_files(dataset.files, Settings().base_iri)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One export of the shipped data through the command line (validation included)."""
    target = tmp_path_factory.mktemp("export") / "dumps"
    assert main(["export", "--out", str(target), "--quiet"]) == 0
    return target


def union_triples(dataset: ParsedFiles) -> set[ox.Triple]:
    return {q.triple for q in dataset.quads}


def parsed(path: Path, fmt: ox.RdfFormat) -> set[ox.Triple]:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return {t.triple if isinstance(t, ox.Quad) else t for t in ox.parse(data, format=fmt)}


FORMATS = {
    "alliance.ttl": ox.RdfFormat.TURTLE,
    "alliance.nt.gz": ox.RdfFormat.N_TRIPLES,
    "alliance.jsonld": ox.RdfFormat.JSON_LD,
    "alliance.rdf": ox.RdfFormat.RDF_XML,
}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_rdf_dump_parses_back_to_exactly_the_loaded_triples(
    out: Path, dataset: ParsedFiles, name: str
) -> None:
    # no blank nodes in the data: isomorphism is set equality
    assert parsed(out / name, FORMATS[name]) == union_triples(dataset)


def test_trig_keeps_every_named_graph(out: Path, dataset: ParsedFiles) -> None:
    quads = set(ox.parse((out / "alliance.trig").read_bytes(), format=ox.RdfFormat.TRIG))
    assert quads == set(dataset.quads)
    assert {q.graph_name.value for q in quads} == set(dataset.graphs())  # type: ignore[union-attr]


def test_dumps_hold_as_many_triples_as_sparql_counts(out: Path, store: EmbeddedStore) -> None:
    rows = store.select("SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }")
    lines = gzip.decompress((out / "alliance.nt.gz").read_bytes()).splitlines()
    assert len(lines) == int(rows[0]["n"].value)  # type: ignore[union-attr]
    assert lines == sorted(lines), "alliance.nt.gz is sorted N-Triples"


def test_trig_dump_holds_exactly_the_quads_the_store_answers(
    out: Path, store: EmbeddedStore
) -> None:
    # Same terms, datatypes included: what /dumps/ serves matches what /sparql answers.
    quads = set(ox.parse((out / "alliance.trig").read_bytes(), format=ox.RdfFormat.TRIG))
    assert quads == set(store.oxigraph)


def test_ontology_and_shapes_dumps_hold_their_sources(out: Path, dataset: ParsedFiles) -> None:
    ontology = {q.triple for q in dataset.quads_in("ontology")}
    assert parsed(out / "ontology.ttl", ox.RdfFormat.TURTLE) == ontology
    shapes = parsed(out / "shapes.ttl", ox.RdfFormat.TURTLE)
    shacl = "http://www.w3.org/ns/shacl#"
    assert any(t.predicate.value == shacl + "property" for t in shapes)
    source_count = sum(
        len(list(ox.parse(p.read_bytes(), format=ox.RdfFormat.TURTLE)))
        for p in sorted((ROOT / "shapes").glob("*.ttl"))
    )
    assert len(shapes) == source_count


def test_turtle_dump_is_prefixed_and_grouped_by_subject(out: Path) -> None:
    text = (out / "alliance.ttl").read_text(encoding="utf-8")
    assert "@prefix authority: <https://w3id.org/roma-alliance/id/authority/> ." in text
    assert "\nauthority:volos a alliance:Municipality ;" in text
    assert text.count("\nauthority:volos ") == 1, "one block per subject"


def test_jsonld_is_compact_with_the_published_context(out: Path, dataset: ParsedFiles) -> None:
    document = json.loads((out / "alliance.jsonld").read_text(encoding="utf-8"))
    published = json.loads((out / "context.jsonld").read_text(encoding="utf-8"))
    assert document["@context"] == published["@context"]
    volos = next(n for n in document["@graph"] if n["@id"] == "id:authority/volos")
    assert "alliance:Municipality" in volos["@type"]
    assert {"@language": "en", "@value": "Volos"} in volos["skos:prefLabel"]
    # a second JSON-LD processor agrees (PyLD, offline: no remote context is fetched)
    from pyld import jsonld

    def no_remote(url: str, options: object = None) -> None:
        raise AssertionError(f"tried to fetch {url}")

    jsonld.set_document_loader(no_remote)
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    assert {
        t.triple if isinstance(t, ox.Quad) else t
        for t in ox.parse(nquads.encode(), format=ox.RdfFormat.N_QUADS)
    } == union_triples(dataset)


def test_csv_tables_have_one_row_per_record(out: Path, store: EmbeddedStore) -> None:
    kinds = record_kinds(store, BASE)
    assert {"authority", "award", "country", "membership", "signature"} <= set(kinds)
    for kind, count in kinds.items():
        with open(out / "csv" / f"{kind}.csv", encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == count, kind
        assert len({r["iri"] for r in rows}) == count, f"{kind}: one row per record"
        if kind in OWNED_NODE_TABLES:  # statements, contested facts: {record}#name
            assert all(r["iri"].startswith(f"{BASE}id/") and "#" in r["iri"] for r in rows)
        else:
            assert all(r["iri"].startswith(f"{BASE}id/{kind}/") for r in rows)


def test_csv_columns_carry_labels_dates_and_country_names(out: Path) -> None:
    with open(out / "csv" / "award.csv", encoding="utf-8", newline="") as handle:
        awards = {r["iri"]: r for r in csv.DictReader(handle)}
    header = list(next(iter(awards.values())))
    assert header[: len(COLUMNS["award"])] == [c.name for c in COLUMNS["award"]]
    assert header[-1] == "sources"
    lom = awards[f"{BASE}id/award/2-lom"]
    assert (lom["laureate"], lom["country"], lom["label_year"]) == ("Lom", "Bulgaria", "2008")
    assert lom["ceremony_date"] == ""  # the pages give the day and month, not the year
    obrnice = awards[f"{BASE}id/award/4-obrnice"]
    assert (obrnice["rank"], obrnice["ceremony_date"]) == ("1", "2013-10-30")


def test_csvw_metadata_describes_every_table(out: Path) -> None:
    metadata = json.loads((out / "csv" / "csv-metadata.json").read_text(encoding="utf-8"))
    assert metadata["@context"] == "http://www.w3.org/ns/csvw"
    tables = {t["url"]: t for t in metadata["tables"]}
    assert set(tables) == {p.name for p in (out / "csv").glob("*.csv")}
    for url, table in tables.items():
        with open(out / "csv" / url, encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        assert [c["name"] for c in table["tableSchema"]["columns"]] == header
        key = "{+record}" if url == "statements.csv" else "{+iri}"
        assert table["tableSchema"]["aboutUrl"] == key
    country = next(
        c for c in tables["authority.csv"]["tableSchema"]["columns"] if c["name"] == "country"
    )
    assert country["aboutUrl"] == "{+country_iri}"
    assert country["propertyUrl"] == "http://www.w3.org/2004/02/skos/core#prefLabel"


def _void_value(void: set[ox.Triple], subject: ox.NamedNode, prop: str) -> int:
    values = [t.object for t in void if t.subject == subject and t.predicate.value == VOID + prop]
    assert len(values) == 1, prop
    return int(values[0].value)


def _partition(void: set[ox.Triple], key: str, iri: str) -> ox.NamedNode:
    """The partition whose `void:{key}` is `iri`."""
    subject = next(
        t.subject for t in void if t.predicate.value == VOID + key and t.object == ox.NamedNode(iri)
    )
    assert isinstance(subject, ox.NamedNode)
    return subject


def test_void_statistics_equal_sparql_counts(out: Path, store: EmbeddedStore) -> None:
    void = parsed(out / "void.ttl", ox.RdfFormat.TURTLE)
    ds = ox.NamedNode(f"{BASE}catalog#dataset")

    def count(query: str) -> int:
        return int(store.select(query)[0]["n"].value)  # type: ignore[union-attr]

    assert _void_value(void, ds, "triples") == count(
        "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }"
    )
    assert _void_value(void, ds, "distinctSubjects") == count(
        "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s ?p ?o }"
    )
    assert _void_value(void, ds, "distinctObjects") == count(
        "SELECT (COUNT(DISTINCT ?o) AS ?n) { ?s ?p ?o }"
    )
    assert _void_value(void, ds, "properties") == count(
        "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?s ?p ?o }"
    )
    assert _void_value(void, ds, "classes") == count(
        "SELECT (COUNT(DISTINCT ?c) AS ?n) { ?s a ?c }"
    )
    municipality = _partition(void, "class", f"{BASE}ontology#Municipality")
    assert _void_value(void, municipality, "entities") == count(
        f"SELECT (COUNT(DISTINCT ?s) AS ?n) {{ ?s a <{BASE}ontology#Municipality> }}"
    )
    laureate = _partition(void, "property", f"{BASE}ontology#laureate")
    assert _void_value(void, laureate, "triples") == count(
        f"SELECT (COUNT(*) AS ?n) {{ ?s <{BASE}ontology#laureate> ?o }}"
    )
    assert _void_value(void, laureate, "distinctObjects") == count(
        f"SELECT (COUNT(DISTINCT ?o) AS ?n) {{ ?s <{BASE}ontology#laureate> ?o }}"
    )
    links = {t.predicate.value.removeprefix(VOID) for t in void if t.subject == ds}
    assert {"sparqlEndpoint", "dataDump", "uriSpace", "vocabulary"} <= links


def test_sha256sums_lists_every_file_with_its_hash(out: Path) -> None:
    listed = {}
    for line in (out / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    files = {
        str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and p.name != "SHA256SUMS"
    }
    assert set(listed) == files
    for name, digest in listed.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
    assert {*RDF_FILES, "catalog.ttl", "void.ttl", "feed.atom", "context.jsonld"} <= files


def test_export_twice_gives_the_same_bytes(out: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    # another process, so that nothing (hash seeds, caches) is shared with the first export
    subprocess.run(
        [sys.executable, "-m", "kb", "export", "--out", str(again), "--quiet"],
        cwd=ROOT,
        check=True,
    )
    first = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    second = {str(p.relative_to(again)): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [n for n in first if first[n] != second[n]] == []


def test_version_and_dates_come_from_the_release_record(out: Path, store: EmbeddedStore) -> None:
    row = store.select(
        "SELECT ?v ?d { ?r a <https://w3id.org/roma-alliance/ontology#Release> ; "
        "<http://www.w3.org/ns/dcat#version> ?v ; <http://purl.org/dc/terms/issued> ?d }"
    )[0]
    version, issued = row["v"].value, row["d"].value  # type: ignore[union-attr]
    catalog = (out / "catalog.ttl").read_text(encoding="utf-8")
    assert f'dcat:version "{version}"' in catalog
    assert f'dcterms:modified "{issued}"^^xsd:date' in catalog
    feed = ET.fromstring((out / "feed.atom").read_bytes())
    atom = "{http://www.w3.org/2005/Atom}"
    assert feed.findtext(f"{atom}updated") == f"{issued}T00:00:00Z"
    import calendar
    import time

    stamp = calendar.timegm(time.strptime(str(issued), "%Y-%m-%d"))
    assert {int(p.stat().st_mtime) for p in out.rglob("*")} == {stamp}


def test_atom_feed_lists_releases_with_checksums(out: Path) -> None:
    feed = ET.fromstring((out / "feed.atom").read_bytes())
    atom = "{http://www.w3.org/2005/Atom}"
    entries = feed.findall(f"{atom}entry")
    assert entries and entries[0].findtext(f"{atom}title", "").startswith("Release ")
    enclosures = {
        link.get("href", "").rsplit("/dumps/", 1)[1]: link.get("title")
        for link in entries[0].findall(f"{atom}link")
        if link.get("rel") == "enclosure"
    }
    ttl_hash = hashlib.sha256((out / "alliance.ttl").read_bytes()).hexdigest()
    assert enclosures["alliance.ttl"] == f"sha256:{ttl_hash}"


def _data_copy(tmp_path: Path, extra: str | None = None, drop: str | None = None) -> Path:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("sources"))
    if extra:
        (data / "zz-extra.ttl").write_text(extra, encoding="utf-8")
    if drop:
        (data / drop).unlink()
    return data


def _cli(args: list[str], data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ALLIANCE_DATA_DIR": str(data)}
    return subprocess.run(
        [sys.executable, "-m", "kb", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_non_conforming_data_leaves_the_earlier_export_intact(out: Path, tmp_path: Path) -> None:
    earlier = tmp_path / "dumps"
    shutil.copytree(out, earlier)
    before = {
        str(p.relative_to(earlier)): p.read_bytes() for p in earlier.rglob("*") if p.is_file()
    }
    result = _cli(["export", "--out", str(earlier)], _data_copy(tmp_path, extra=BAD_RECORD))
    assert result.returncode == 1, result.stderr
    assert "nothing written" in result.stderr
    after = {str(p.relative_to(earlier)): p.read_bytes() for p in earlier.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "dumps"], "no leftovers"


def test_conforming_data_replaces_the_earlier_export(out: Path, tmp_path: Path) -> None:
    earlier = tmp_path / "dumps"
    shutil.copytree(out, earlier)
    (earlier / "stale.txt").write_text("from an older export")
    result = _cli(["export", "--out", str(earlier), "--quiet"], _data_copy(tmp_path))
    assert result.returncode == 0, result.stderr
    assert not (earlier / "stale.txt").exists()
    assert (earlier / "SHA256SUMS").read_bytes() == (out / "SHA256SUMS").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "dumps"], "no leftovers"


def test_data_without_a_release_record_is_not_exported(tmp_path: Path) -> None:
    result = _cli(
        ["export", "--out", str(tmp_path / "dumps")], _data_copy(tmp_path, drop="release.ttl")
    )
    assert result.returncode == 1
    assert "release" in result.stderr
    assert not (tmp_path / "dumps").exists()


def test_bad_out_arguments_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("not a directory")
    assert main(["export", "--out", str(a_file)]) == 2
    assert "is a file" in capsys.readouterr().err
    other = tmp_path / "photos"
    other.mkdir()
    (other / "holiday.jpg").write_bytes(b"...")
    assert main(["export", "--out", str(other)]) == 2
    assert (other / "holiday.jpg").exists()


def test_progress_is_shown_unless_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--out", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    assert "alliance.ttl" in err and "statistics" in err and "exported release" in err
    assert main(["export", "--out", str(tmp_path / "b"), "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_blank_nodes_get_stable_labels() -> None:
    """Blank nodes (none in the shipped data) are relabelled canonically: same bytes."""
    text = b"""<http://e/a> <http://e/p> _:x . _:x <http://e/q> "1" .
    <http://e/b> <http://e/p> _:y . _:y <http://e/q> "2" ."""

    def dump(data: bytes) -> bytes:
        quads = [
            ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode("http://e/g"))
            for t in ox.parse(data, format=ox.RdfFormat.TURTLE)
        ]
        return b"".join(SortedDump.from_quads(quads).lexical)

    swapped = text.replace(b"_:x", b"_:tmp").replace(b"_:y", b"_:x").replace(b"_:tmp", b"_:y")
    assert dump(text) == dump(swapped)
    assert b"_:x" not in dump(text)


def test_export_api_refuses_to_replace_a_foreign_directory(
    tmp_path: Path, store: EmbeddedStore
) -> None:
    foreign = tmp_path / "documents"
    foreign.mkdir()
    (foreign / "thesis.pdf").write_bytes(b"%PDF")
    with pytest.raises(FileExistsError):
        export(Settings(), store, foreign, check=False)
    assert (foreign / "thesis.pdf").exists()


def test_gzip_is_reproducible(out: Path) -> None:
    head = (out / "alliance.nt.gz").read_bytes()[:10]
    assert head[4:8] == b"\0\0\0\0", "mtime 0"
    assert not head[3] & 0x08, "no file name"
    assert io.BytesIO(head).read(2) == b"\x1f\x8b"


def test_fast_and_general_sorting_agree(dataset: ParsedFiles) -> None:
    """Cutting each graph out of the N-Quads text (contiguous graphs, as loaded) gives what
    the line-by-line path gives, also when the graphs' quads are interleaved."""
    general = SortedDump.from_quads(dataset.quads, default_graph=False)
    fast = SortedDump.from_quads(dataset.quads, default_graph=False, graphs=dataset.graphs())
    interleaved = dataset.quads[::2] + dataset.quads[1::2]
    mixed = SortedDump.from_quads(interleaved, default_graph=False, graphs=dataset.graphs())
    for dump in (fast, mixed):
        assert dump.union == general.union
        assert dump.graphs == general.graphs
        assert dump.lexical == general.lexical
    first = general.union[0].split(b" ", 1)[0]
    group = [line for line in general.union if line.startswith(first + b" ")]
    assert b"rdf-syntax-ns#type>" in group[0], "rdf:type first in its subject's group"


def test_jsonld_writer_round_trips_awkward_literals() -> None:
    """Canonical N-Triples escapes are copied into JSON as they are: quotes, backslashes,
    control characters, non-ASCII, language tags, datatypes, rdf:type with a literal."""
    from kb.publish.dump_writers import jsonld_context, write_jsonld

    e = "http://e/"
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    values = [
        ox.Literal('say "hi"\\ \n\r\t\b\f \x01 \x7f é 😀 \u2028'),
        ox.Literal("Ghent", language="en"),
        ox.Literal("2009-03-04", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")),
        ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#positiveInteger")),
        ox.NamedNode(f"{BASE}id/authority/ghent"),
        ox.NamedNode("http://schema.org//odd"),
    ]
    quads = [
        ox.Quad(ox.NamedNode(e + "s"), ox.NamedNode(e + "p"), v, ox.NamedNode(e + "g"))
        for v in values
    ]
    quads += [
        ox.Quad(
            ox.NamedNode(e + "s"),
            rdf_type,
            ox.NamedNode(f"{BASE}ontology#Region"),
            ox.NamedNode(e + "g"),
        ),
        ox.Quad(ox.NamedNode(e + "t"), rdf_type, ox.Literal("not a class"), ox.NamedNode(e + "g")),
    ]
    buffer = io.BytesIO()
    write_jsonld(SortedDump.from_quads(quads), buffer, jsonld_context(BASE))
    json.loads(buffer.getvalue())  # valid JSON
    back = {
        t.triple if isinstance(t, ox.Quad) else t
        for t in ox.parse(buffer.getvalue(), format=ox.RdfFormat.JSON_LD)
    }
    assert back == {q.triple for q in quads}
