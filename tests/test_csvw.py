"""The CSV tables of `alliance-kb export` hold for an independent CSV on the Web processor.

The processor is the `csvw` package (PyPI): `csvwvalidate` must accept `csv-metadata.json`
and its tables, and the tables read through their metadata must give back the records'
triples. The package writes JSON, not RDF (csv2json): the triples are assembled here from
what the processor reads, as the CSVW csv2rdf rules say: each row's `aboutUrl` and each
column's `propertyUrl`/`valueUrl` expanded by the processor, each cell parsed and
formatted by the processor with the column's datatype, tagged with the column's language.

What the tables must give back (README, "Open data"): for every column the metadata
maps, the triples of the store with that property, about the row's record (or the linked
record its `aboutUrl` names), with the column's language, datatype or IRI kind; exactly
those, computed here from the store and the metadata, independently of the exporter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from csvw import CSVW

from kb.cli.main import main
from kb.config import Settings
from kb.sources.rdf_files import dataset_files
from kb.store.embedded import EmbeddedStore

XSD = "http://www.w3.org/2001/XMLSchema#"
BASE = "https://w3id.org/roma-alliance/"
ALLIANCE = BASE + "ontology#"

#: Columns mapped in their own table (a documented promise, not read from the metadata).
MAPPED = {
    "authority": {"name_en", "type", "country", "country_code", "country_iri"},
    "award": {"rank", "shared_rank", "laureate", "laureate_iri", "edition_iri", "edition_number"},
    "country": {"code", "name_en", "name_fr", "accession_date", "eu_country_iri"},
    "membership": {"authority_iri", "participant_number"},
    "prize-edition": {"label_en", "edition_number", "label_year", "ceremony_date", "prize_iri"},
    "theme": {"skos_prefLabel_en", "skos_prefLabel_fr", "skos_inScheme", "rdf_type"},
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("csvw") / "dumps"
    assert main(["export", "--out", str(target), "--quiet"]) == 0
    return target / "csv"


@pytest.fixture(scope="module")
def metadata(exported: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((exported / "csv-metadata.json").read_bytes())
    return document


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    settings = Settings()
    return EmbeddedStore.from_files(dataset_files(settings), settings.base_iri)


def columns(table: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in table["tableSchema"]["columns"]}


def kind_of(table: dict[str, Any]) -> str:
    return str(table["url"]).removesuffix(".csv")


#: Tables of the nodes records own ({record}#name), by class (README, "Open data").
OWNED = {
    "fact": "http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement",
    "contested-fact": f"{BASE}ontology#ContestedFact",
}


def in_table(kind: str) -> str:
    """The pattern keeping ?s (typed) among the rows of a kind's table."""
    if kind in OWNED:
        return f'?s a <{OWNED[kind]}> . FILTER(CONTAINS(STR(?s), "#"))'
    return f'FILTER(STRSTARTS(STR(?s), "{BASE}id/{kind}/") && !CONTAINS(STR(?s), "#"))'


# -- the processor accepts the tables ---------------------------------------------------------


def test_csvwvalidate_accepts_the_metadata_and_every_table(exported: Path) -> None:
    command = Path(sys.executable).parent / "csvwvalidate"
    result = subprocess.run(
        [str(command), "--verbose", str(exported / "csv-metadata.json")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout


def test_the_processor_reads_every_table_without_a_warning(exported: Path) -> None:
    processor = CSVW(str(exported / "csv-metadata.json"), validate=True)
    assert processor.is_valid, [str(w.message) for w in processor.warnings]
    names = {Path(str(t.url)).name for t in processor.tables}
    assert names == {p.name for p in exported.glob("*.csv")}


# -- keys and single values are not lists -----------------------------------------------------


def record_tables(metadata: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in metadata["tables"] if t["url"] != "statements.csv"]


def test_the_iri_key_is_single_required_and_suppressed(metadata: dict[str, Any]) -> None:
    for table in record_tables(metadata):
        schema = table["tableSchema"]
        assert schema["primaryKey"] == "iri" and schema["aboutUrl"] == "{+iri}"
        iri = columns(table)["iri"]
        assert "separator" not in iri, table["url"]
        assert iri["required"] is True and iri["suppressOutput"] is True


def test_only_columns_with_several_values_for_some_record_are_lists(
    metadata: dict[str, Any], store: EmbeddedStore
) -> None:
    """Checked on the store: a record's number of values for each directly mapped column."""
    for table in record_tables(metadata):
        kind = kind_of(table)
        for name, column in columns(table).items():
            if "propertyUrl" not in column or "aboutUrl" in column:
                continue
            lang = f'FILTER(LANGMATCHES(LANG(?o), "{column["lang"]}"))' if "lang" in column else ""
            rows = store.select(
                f"""SELECT (MAX(?n) AS ?most) WHERE {{ SELECT ?s (COUNT(DISTINCT ?o) AS ?n) WHERE {{
                  ?s a ?t ; <{column["propertyUrl"]}> ?o . {lang}
                  {in_table(kind)} }} GROUP BY ?s }}"""
            )
            most = rows[0]["most"]
            several = most is not None and int(most.value) > 1
            assert ("separator" in column) == several, f"{kind}.{name}: most values {most}"


# -- back to RDF ------------------------------------------------------------------------------


def literal(value: Any, column: Any) -> ox.Literal:
    lexical = column.datatype.formatted(value)
    if column.datatype.base == "string" and column.lang and column.lang != "und":
        return ox.Literal(lexical, language=column.lang)
    return ox.Literal(lexical, datatype=ox.NamedNode(XSD + column.datatype.base))


def processor_triples(exported: Path) -> set[ox.Triple]:
    """The triples the tables give through their metadata, as the processor reads them."""
    processor = CSVW(str(exported / "csv-metadata.json"))
    triples = set()
    for table in processor.tables:
        schema = table.tableSchema
        for rownum, (_, _, row) in enumerate(
            table.iterdicts(with_metadata=True, strict=False), start=1
        ):
            record = table.expand(schema.aboutUrl, row, _row=rownum)
            for column in schema.columns:
                value = row.get(column.name)
                if column.suppressOutput or value in (None, "", []):
                    continue
                subject = (
                    table.expand(column.aboutUrl, row, _row=rownum, _name=column.name)
                    if column.aboutUrl
                    else record
                )
                prop = table.expand(column.propertyUrl, row, _row=rownum, _name=column.name)
                for item in value if isinstance(value, list) else [value]:
                    if column.valueUrl:
                        obj: ox.NamedNode | ox.Literal = ox.NamedNode(
                            table.expand(column.valueUrl, row, _row=rownum, _name=column.name)
                        )
                    else:
                        obj = literal(item, column)
                    triples.add(ox.Triple(ox.NamedNode(subject), ox.NamedNode(prop), obj))
    return triples


def in_statements(column: dict[str, Any]) -> bool:
    """A kind table's column whose values statements.csv maps back, one row per value."""
    return bool(column.get("suppressOutput")) and "statements.csv" in column.get(
        "dc:description", ""
    )


def matches(term: Any, column: dict[str, Any]) -> bool:
    if in_statements(column):  # every value: an IRI, or a literal of any language or XSD type
        return isinstance(term, ox.NamedNode) or (
            isinstance(term, ox.Literal) and (term.language or term.datatype.value.startswith(XSD))
        )
    if "valueUrl" in column:
        return isinstance(term, ox.NamedNode)
    if not isinstance(term, ox.Literal):
        return False
    if "lang" in column:
        return term.language == column["lang"]
    return term.language is None and term.datatype.value == XSD + column["datatype"]


def store_triples(metadata: dict[str, Any], store: EmbeddedStore) -> set[ox.Triple]:
    """What the mapped columns promise, read from the store: independent of the exporter."""
    expected: set[ox.Triple] = set()
    for table in record_tables(metadata):  # statements.csv: counted on the columns it serves
        kind = kind_of(table)
        records = [
            r["s"].value  # type: ignore[union-attr]
            for r in store.select(f"SELECT DISTINCT ?s {{ ?s a ?t . {in_table(kind)} }}")
        ]
        by_name = columns(table)
        for column in by_name.values():
            if column.get("suppressOutput") and not in_statements(column):
                continue
            subjects = records
            if "aboutUrl" in column:
                link = by_name[column["aboutUrl"].strip("{}+")]["propertyUrl"]
                subjects = sorted(
                    {
                        r["o"].value  # type: ignore[union-attr]
                        for r in store.select(
                            f"SELECT ?o {{ VALUES ?s {{ {' '.join(f'<{s}>' for s in records)} }} "
                            f"?s <{link}> ?o }}"
                        )
                    }
                )
            for r in store.select(
                f"SELECT ?s ?o {{ VALUES ?s {{ {' '.join(f'<{s}>' for s in subjects)} }} "
                f"?s <{column['propertyUrl']}> ?o }}"
            ):
                if matches(r["o"], column):
                    subject, obj = r["s"], r["o"]
                    assert isinstance(subject, ox.NamedNode)
                    expected.add(ox.Triple(subject, ox.NamedNode(column["propertyUrl"]), obj))  # type: ignore[arg-type]
    return expected


def test_the_tables_give_back_exactly_the_triples_their_metadata_maps(
    exported: Path, metadata: dict[str, Any], store: EmbeddedStore
) -> None:
    got = processor_triples(exported)
    expected = store_triples(metadata, store)
    missing = sorted(str(t) for t in expected - got)[:10]
    extra = sorted(str(t) for t in got - expected)[:10]
    assert got == expected, f"missing {missing}\nextra {extra}"


def test_the_tables_give_back_every_triple_of_every_record(
    exported: Path, store: EmbeddedStore
) -> None:
    """Every triple whose subject is a record (a typed IRI under id/{kind}/), and only those.

    Documented exceptions (README): objects that are blank nodes or literals of a datatype
    CSVW lacks; the shipped data has none, so here it is every triple.
    """
    rows = store.select(
        f"""SELECT DISTINCT ?s ?p ?o {{ ?s a ?t ; ?p ?o
        FILTER(isIRI(?s) && REGEX(STR(?s), "^{BASE}id/[^/]+/.")) }}"""
    )
    records = {ox.Triple(r["s"], r["p"], r["o"]) for r in rows}  # type: ignore[arg-type]
    got = processor_triples(exported)
    assert len(records) > 1500
    assert got == records, sorted(str(t) for t in records ^ got)[:10]


def test_the_mapped_columns_cover_what_readme_promises(metadata: dict[str, Any]) -> None:
    by_kind = {kind_of(t): columns(t) for t in metadata["tables"]}
    for kind, names in MAPPED.items():
        unmapped = {
            name: by_kind[kind][name].get("dc:description")
            for name in names
            if by_kind[kind][name].get("suppressOutput")
        }
        assert not unmapped, f"{kind}: {unmapped}"


def test_every_unmapped_column_says_why(metadata: dict[str, Any]) -> None:
    for table in record_tables(metadata):
        for name, column in columns(table).items():
            if column.get("suppressOutput") and name != "iri":
                assert column["dc:description"].startswith("not mapped back to RDF here: "), name
