"""CSV tables for spreadsheets, with W3C CSV on the Web metadata that maps them back to RDF.

One table per kind of record (`{base}id/{kind}/{slug}`), one row per record,
rows in IRI order. Columns are what a person expects: labels in English and
French, dates, the names of linked things (the country of a laureate...), and
the IRIs. A kind without its own column list gets the generic columns (IRI,
labels, type). Multi-valued cells join values, sorted, with ` | `.

`csv-metadata.json` describes every table (CSVW): `aboutUrl` is the record's
IRI, each column a `propertyUrl`; a column about a linked thing (a country
name) names that thing's IRI column as its `aboutUrl`, so a CSVW processor
rebuilds the triples. Everything is read from the store with SPARQL.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kb.namespaces import STANDARD_PREFIXES
from kb.store.embedded import KnowledgeStore

SEPARATOR = " | "

PREFIXES = STANDARD_PREFIXES

LABEL = "(skos:prefLabel|dcterms:title|foaf:name)"


@dataclass(frozen=True)
class Column:
    """One column: `path` is a SPARQL property path from the record (`?s`) to the value.

    `lang`: keep only literals in that language (or without one); `iri`: the values
    are IRIs; `about`: the column holding the IRI the last step of `path` starts
    from (for CSVW); `datatype`: the CSVW datatype of the cell.
    """

    name: str
    title: str
    path: str
    lang: str | None = None
    iri: bool = False
    about: str | None = None
    datatype: str = "string"

    @property
    def last_property(self) -> str | None:
        """The CURIE of the path's last step, when it is a plain property."""
        step = self.path.rsplit("/", 1)[-1]
        if step.startswith("(") or step.startswith("^") or step == "a":
            return "rdf:type" if step == "a" else None
        return step


def _label(name: str, lang: str, title: str) -> Column:
    return Column(name, title, LABEL, lang=lang)


IRI = Column("iri", "IRI", "", iri=True, datatype="anyURI")
NAME_EN = Column("label_en", "Name (English)", "skos:prefLabel", lang="en")
NAME_FR = Column("label_fr", "Name (French)", "skos:prefLabel", lang="fr")

COLUMNS: dict[str, list[Column]] = {
    "authority": [
        IRI,
        Column("name_en", "Name (English)", "skos:prefLabel", lang="en"),
        Column("name_fr", "Name (French)", "skos:prefLabel", lang="fr"),
        Column("name_as_written", "Name as the source writes it", "skos:altLabel"),
        Column("type", "Type", "a", iri=True, datatype="anyURI"),
        Column("country", "Country", "alliance:country/skos:prefLabel", "en", about="country_iri"),
        Column(
            "country_code",
            "Country code",
            "alliance:country/dcterms:identifier",
            about="country_iri",
        ),
        Column("country_iri", "Country IRI", "alliance:country", iri=True, datatype="anyURI"),
    ],
    "membership": [
        IRI,
        Column("authority", "Authority", "org:member/skos:prefLabel", "en", about="authority_iri"),
        Column("authority_iri", "Authority IRI", "org:member", iri=True, datatype="anyURI"),
        Column("country", "Country", f"org:member/alliance:country/{LABEL}", "en"),
        Column(
            "participant_number",
            "Participant number",
            "alliance:participantNumber",
            datatype="integer",
        ),
        Column("start_date", "Participant since", "schema:startDate"),
    ],
    "country": [
        IRI,
        Column("code", "ISO 3166-1 alpha-3", "dcterms:identifier"),
        Column("name_en", "Name (English)", "skos:prefLabel", lang="en"),
        Column("name_fr", "Name (French)", "skos:prefLabel", lang="fr"),
        Column(
            "accession_date",
            "Council of Europe accession",
            "alliance:accessionDate",
            datatype="date",
        ),
        Column(
            "eu_country_iri",
            "EU Country authority IRI",
            "skos:exactMatch",
            iri=True,
            datatype="anyURI",
        ),
    ],
    "award": [
        IRI,
        Column(
            "edition_number",
            "Edition",
            "alliance:edition/alliance:editionNumber",
            about="edition_iri",
            datatype="integer",
        ),
        Column(
            "label_year", "Edition year", "alliance:edition/alliance:labelYear", about="edition_iri"
        ),
        Column(
            "ceremony_date",
            "Ceremony date",
            "alliance:edition/alliance:ceremonyDate",
            about="edition_iri",
            datatype="date",
        ),
        Column(
            "laureate", "Laureate", "alliance:laureate/skos:prefLabel", "en", about="laureate_iri"
        ),
        Column("country", "Country", f"alliance:laureate/alliance:country/{LABEL}", "en"),
        Column("rank", "Rank", "alliance:rank", datatype="integer"),
        Column("shared_rank", "Shared rank", "alliance:sharedRank", datatype="boolean"),
        Column("awarded_for", "Awarded for", "alliance:awardedFor"),
        Column("laureate_iri", "Laureate IRI", "alliance:laureate", iri=True, datatype="anyURI"),
        Column("edition_iri", "Edition IRI", "alliance:edition", iri=True, datatype="anyURI"),
    ],
    "prize-edition": [
        IRI,
        NAME_EN,
        NAME_FR,
        Column("edition_number", "Edition", "alliance:editionNumber", datatype="integer"),
        Column("label_year", "Edition year", "alliance:labelYear"),
        Column("ceremony_date", "Ceremony date", "alliance:ceremonyDate", datatype="date"),
        Column("ceremony_at", "Ceremony at", f"alliance:ceremonyAt/{LABEL}", "en"),
        Column("prize_iri", "Prize IRI", "alliance:prize", iri=True, datatype="anyURI"),
    ],
    "signature": [
        IRI,
        Column(
            "authority",
            "On behalf of",
            "alliance:onBehalfOf/skos:prefLabel",
            "en",
            about="authority_iri",
        ),
        Column("country", "Country", f"alliance:onBehalfOf/alliance:country/{LABEL}", "en"),
        Column("signatory", "Signatory", "alliance:signatory/foaf:name"),
        Column("date", "Date", "dcterms:date"),
        Column("document", "Document", f"alliance:signedDocument/{LABEL}", "en"),
        Column(
            "authority_iri", "Authority IRI", "alliance:onBehalfOf", iri=True, datatype="anyURI"
        ),
        Column(
            "document_iri", "Document IRI", "alliance:signedDocument", iri=True, datatype="anyURI"
        ),
    ],
    "document": [
        IRI,
        Column("title_en", "Title (English)", "dcterms:title", "en"),
        Column("title_fr", "Title (French)", "dcterms:title", "fr"),
        Column("issued", "Issued", "dcterms:issued"),
        Column("creator", "Creator", f"dcterms:creator/{LABEL}", "en"),
        Column("adopted_at", "Adopted at", f"alliance:adoptedAt/{LABEL}", "en"),
    ],
    "practice": [
        IRI,
        Column("title", "Title", "dcterms:title"),
        Column("implemented_by", "Implemented by", f"alliance:implementedBy/{LABEL}", "en"),
        Column("country", "Country", f"alliance:implementedBy/alliance:country/{LABEL}", "en"),
        Column("theme", "Theme", f"dcat:theme/{LABEL}", "en"),
        Column("maturity", "Maturity", f"alliance:maturityLevel/{LABEL}", "en"),
        Column("start_date", "Start", "schema:startDate"),
        Column("end_date", "End", "schema:endDate"),
        Column(
            "implemented_by_iri",
            "Authority IRI",
            "alliance:implementedBy",
            iri=True,
            datatype="anyURI",
        ),
    ],
    "event": [
        IRI,
        NAME_EN,
        NAME_FR,
        Column("session_number", "Congress session", "alliance:sessionNumber", datatype="integer"),
        Column("start_date", "Start", "schema:startDate"),
        Column("end_date", "End", "schema:endDate"),
        Column("location", "Location", "schema:location"),
    ],
    "organisation": [
        IRI,
        NAME_EN,
        NAME_FR,
        Column("alt_label", "Other names", "skos:altLabel"),
        Column("founding_date", "Founded", "schema:foundingDate"),
        Column(
            "part_of_iri",
            "Part of",
            "org:subOrganizationOf|org:unitOf",
            iri=True,
            datatype="anyURI",
        ),
    ],
    "person": [IRI, Column("name", "Name", "foaf:name")],
    "secondment": [
        IRI,
        Column("person", "Person", "org:member/foaf:name", about="person_iri"),
        Column("sending_organisation", "Sent by", f"alliance:sendingOrganisation/{LABEL}", "en"),
        Column("position", "Order", "schema:position", datatype="integer"),
        Column("person_iri", "Person IRI", "org:member", iri=True, datatype="anyURI"),
    ],
    "post": [
        IRI,
        NAME_EN,
        Column("held_by", "Held by", "org:heldBy/foaf:name"),
        Column("telephone", "Telephone", "schema:telephone"),
        Column("address", "Address", "schema:address"),
    ],
    "figure": [
        IRI,
        Column("value", "Value", "rdf:value", datatype="integer"),
        Column("lower_bound", "At least (lower bound)", "alliance:lowerBound", datatype="boolean"),
        Column("measure", "Measure", f"alliance:measure/{LABEL}", "en"),
        Column("about", "About", f"alliance:about/{LABEL}", "en"),
        Column("stated_text", "Words of the source", "alliance:statedText"),
        Column("date", "Date", "dcterms:date"),
    ],
    "release": [
        IRI,
        Column("version", "Version", "dcat:version"),
        Column("issued", "Issued", "dcterms:issued", datatype="date"),
        Column("comment", "Comment", "rdfs:comment", "en"),
    ],
}

GENERIC = [
    IRI,
    _label("label_en", "en", "Name (English)"),
    _label("label_fr", "fr", "Name (French)"),
    Column("type", "Type", "a", iri=True, datatype="anyURI"),
]


@dataclass
class Table:
    kind: str
    columns: list[Column]
    rows: list[list[str]] = field(default_factory=list)

    @property
    def file_name(self) -> str:
        return f"{self.kind}.csv"

    def to_csv(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180
        writer.writerow([c.name for c in self.columns])
        writer.writerows(self.rows)
        return buffer.getvalue().encode("utf-8")


def _prologue(base_iri: str) -> str:
    prefixes = {**PREFIXES, "alliance": f"{base_iri}ontology#"}
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items())


def records_by_kind(store: KnowledgeStore, base_iri: str) -> dict[str, list[str]]:
    """The records (typed subjects under `{base}id/{kind}/`) of each kind, in IRI order."""
    records = f"{base_iri}id/"
    rows = store.select(
        f"""SELECT DISTINCT ?s WHERE {{
  ?s a ?type . FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{records}"))
}}"""
    )
    kinds: dict[str, list[str]] = {}
    for row in rows:
        subject = row["s"]
        if subject is None:
            continue
        kind, sep, slug = subject.value[len(records) :].partition("/")
        if sep and kind and slug:
            kinds.setdefault(kind, []).append(subject.value)
    return {kind: sorted(kinds[kind]) for kind in sorted(kinds)}


def record_kinds(store: KnowledgeStore, base_iri: str) -> dict[str, int]:
    """Kinds of record in the store and how many records each has."""
    return {kind: len(s) for kind, s in records_by_kind(store, base_iri).items()}


#: Up to this many records, a table's queries name them (VALUES): no scan of the store.
VALUES_MAX = 2000


def _cell(term: Any) -> str:
    return str(term.value)


def table_query(
    base_iri: str, kind: str, columns: list[Column], subjects: list[str] | None = None
) -> str:
    """One SELECT for the whole table: a row per record, a variable per column.

    Each column is an aggregated sub-query (values joined with SEPARATOR), so that
    multi-valued columns never multiply rows.
    """
    prefix = f"{base_iri}id/{kind}/"
    if subjects is not None and len(subjects) <= VALUES_MAX:
        # name the records first, so each pattern is an index lookup, not a scan
        values = "VALUES ?s { " + " ".join(f"<{s}>" for s in subjects) + " }"
        in_kind = ""
        parts = [values]
    else:
        values = ""
        in_kind = f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{prefix}"))'
        parts = [f"{{ SELECT DISTINCT ?s WHERE {{ ?s a ?type . {in_kind} }} }}"]
    names = []
    for column in columns:
        names.append(f"?{column.name}")
        if not column.path:
            parts.append(f"BIND(STR(?s) AS ?{column.name})")
            continue
        lang_filter = (
            f'FILTER(LANG(?v) = "" || LANGMATCHES(LANG(?v), "{column.lang}"))'
            if column.lang
            else ""
        )
        parts.append(
            f"OPTIONAL {{ SELECT ?s (GROUP_CONCAT(DISTINCT STR(?v); separator={SEPARATOR!r}) "
            f"AS ?{column.name}) WHERE {{ {values} ?s {column.path} ?v . {in_kind} "
            f"{lang_filter} }} "
            "GROUP BY ?s }"
        )
    body = "\n  ".join(parts)
    return f"{_prologue(base_iri)}SELECT {' '.join(names)} WHERE {{\n  {body}\n}}"


def _sorted_cell(cell: str) -> str:
    # GROUP_CONCAT keeps no order: sort the values of multi-valued cells
    return SEPARATOR.join(sorted(set(cell.split(SEPARATOR)))) if SEPARATOR in cell else cell


def build_table(
    store: KnowledgeStore, base_iri: str, kind: str, subjects: list[str] | None = None
) -> Table:
    columns = COLUMNS.get(kind, GENERIC)
    query = table_query(base_iri, kind, columns, subjects)
    table = Table(kind, columns)
    oxigraph = getattr(store, "oxigraph", None)
    if isinstance(oxigraph, ox.Store):
        # Oxigraph writes the SPARQL CSV results itself: no Python object per value
        solutions = oxigraph.query(query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        text = (solutions.serialize(format=ox.QueryResultsFormat.CSV) or b"").decode("utf-8")
        reader = csv.reader(io.StringIO(text, newline=""))
        next(reader, None)  # the header: the variable names
        rows = [[_sorted_cell(cell) for cell in row] for row in reader]
    else:
        rows = [
            [_sorted_cell(str(r[c.name].value)) if r[c.name] is not None else "" for c in columns]  # type: ignore[union-attr]
            for r in store.select(query)
        ]
    table.rows = sorted(rows, key=lambda row: row[0])
    return table


def build_tables(
    store: KnowledgeStore,
    base_iri: str,
    progress: Callable[[str], None] | None = None,
    records: dict[str, list[str]] | None = None,
) -> list[Table]:
    tables = []
    if records is None:
        records = records_by_kind(store, base_iri)
    for kind, subjects in records.items():
        if progress:
            progress(f"csv/{kind}.csv")
        tables.append(build_table(store, base_iri, kind, subjects))
    return tables


def csvw_metadata(tables: list[Table], base_iri: str, csv_base_url: str) -> dict[str, Any]:
    """The CSV on the Web metadata (`csv-metadata.json`) of the tables."""
    prefixes = {**PREFIXES, "alliance": f"{base_iri}ontology#"}

    def expand(curie: str) -> str:
        prefix, _, local = curie.partition(":")
        return prefixes[prefix] + local if prefix in prefixes else curie

    described = []
    for table in tables:
        columns: list[dict[str, Any]] = []
        for column in table.columns:
            spec: dict[str, Any] = {
                "name": column.name,
                "titles": column.title,
                "datatype": column.datatype,
            }
            prop = column.last_property
            direct = "/" not in column.path and prop is not None and "|" not in column.path
            if column.name == "iri":
                spec["suppressOutput"] = True
            elif direct or (column.about and prop is not None):
                assert prop is not None
                spec["propertyUrl"] = expand(prop)
                if column.about and not direct:
                    spec["aboutUrl"] = "{+" + column.about + "}"
                if column.iri:
                    spec["valueUrl"] = "{+" + column.name + "}"
                    spec["datatype"] = "anyURI"
            else:
                spec["suppressOutput"] = True  # a derived column: the path has no single property
            if column.lang and "suppressOutput" not in spec:
                spec["lang"] = column.lang
            spec["separator"] = SEPARATOR
            columns.append(spec)
        described.append(
            {
                "url": table.file_name,
                "dc:title": f"{table.kind} records",
                "tableSchema": {
                    "columns": columns,
                    "primaryKey": "iri",
                    "aboutUrl": "{+iri}",
                },
            }
        )
    return {
        "@context": "http://www.w3.org/ns/csvw",
        "@id": f"{csv_base_url}csv-metadata.json",
        "dialect": {"header": True, "encoding": "utf-8", "lineTerminators": ["\r\n"]},
        "tables": described,
    }


def metadata_bytes(metadata: dict[str, Any]) -> bytes:
    return (json.dumps(metadata, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()
