"""CSV tables for spreadsheets, with W3C CSV on the Web metadata that maps them back to RDF.

One table per kind of record (`{base}id/{kind}/{slug}`), one row per record, rows in
IRI order. A kind listed in `COLUMNS` gets the columns a person expects: labels in
English and French, dates, the names of linked things (the country of a laureate...)
and their IRIs. Any other kind (new kinds of record need no code here) gets one column
per property its records use, one per language for language-tagged text. Every table
ends with the records' sources. Multi-valued cells join their values, sorted, with
` | `.

`csv-metadata.json` describes every table (CSVW): `aboutUrl` is the record's IRI
(the primary key), each column a `propertyUrl`, with the datatype or language its
values have in the store; a column about a linked thing (a country's name) names that
thing's IRI column as its `aboutUrl`. A CSVW processor (`csvw` on PyPI) then rebuilds
these triples from the tables. What the metadata maps back, read from the values
themselves when the tables are built:

- a column whose values all have one datatype (or one language, or are all IRIs):
  its triples, a list (`separator`) only where some record has several values;
- not mapped (`suppressOutput`, with a note): a column whose path is not one property
  (a laureate's country name), values of mixed datatypes or languages (a date known
  to the day in one record, to the year in another), several IRIs in one cell (CSVW
  expands `valueUrl` once per cell), or a column about a linked thing whose IRI column
  is not mapped.

The values are read from the store by `kb.publish.record_values`: each record's triples
once, then the nodes a column's path goes through (a laureate's country, its name), each
once; a SPARQL query on the path only where a blank node is on the way. The cells are
assembled here; nothing is aggregated in SPARQL.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from kb.namespaces import STANDARD_PREFIXES, XSD
from kb.publish.record_values import (
    IRI_KIND,
    ByKind,
    ColumnValues,
    RecordValues,
    column_values,
    follow_path,
    kind_expression,
    read_path_values,
    read_record_values,
)
from kb.store.embedded import KnowledgeStore

SEPARATOR = " | "

PREFIXES = STANDARD_PREFIXES

LABEL = "(skos:prefLabel|dcterms:title|foaf:name)"

#: The CSVW datatypes a column can declare, by XSD datatype.
CSVW_DATATYPES = {
    f"{XSD}{name}": name
    for name in (
        "string",
        "integer",
        "decimal",
        "double",
        "boolean",
        "date",
        "dateTime",
        "gYear",
        "gYearMonth",
        "anyURI",
        "nonNegativeInteger",
        "positiveInteger",
    )
}


@dataclass(frozen=True)
class Column:
    """One column: `path` is a SPARQL property path from the record (`?s`) to the values.

    `lang`: keep only literals in that language; `about`: the column holding the IRI
    that the last step of `path` starts from (for CSVW).
    """

    name: str
    title: str
    path: str
    lang: str | None = None
    about: str | None = None

    @property
    def last_property(self) -> str | None:
        """The path's last step (a CURIE or an <IRI>), when it is a plain property."""
        step = self.path.rsplit("/", 1)[-1]
        if step.startswith("(") or step.startswith("^") or step == "a":
            return "rdf:type" if step == "a" else None
        return step

    @property
    def direct(self) -> bool:
        """The path is one property of the record itself."""
        return bool(self.path) and "/" not in self.path and "|" not in self.path


IRI = Column("iri", "IRI", "")
NAME_EN = Column("label_en", "Name (English)", "skos:prefLabel", lang="en")
NAME_FR = Column("label_fr", "Name (French)", "skos:prefLabel", lang="fr")
TYPE = Column("type", "Type", "a")
SOURCES = Column("sources", "Sources", "dcterms:source")

COLUMNS: dict[str, list[Column]] = {
    "authority": [
        IRI,
        Column("name_en", "Name (English)", "skos:prefLabel", lang="en"),
        Column("name_fr", "Name (French)", "skos:prefLabel", lang="fr"),
        Column("name_as_written", "Name as the source writes it", "skos:altLabel"),
        TYPE,
        Column("country", "Country", "alliance:country/skos:prefLabel", "en", about="country_iri"),
        Column(
            "country_code",
            "Country code",
            "alliance:country/dcterms:identifier",
            about="country_iri",
        ),
        Column("country_iri", "Country IRI", "alliance:country"),
    ],
    "membership": [
        IRI,
        Column("authority", "Authority", "org:member/skos:prefLabel", "en", about="authority_iri"),
        Column("authority_iri", "Authority IRI", "org:member"),
        Column("country", "Country", f"org:member/alliance:country/{LABEL}", "en"),
        Column("participant_number", "Participant number", "alliance:participantNumber"),
        Column("start_date", "Participant since", "schema:startDate"),
    ],
    "country": [
        IRI,
        Column("code", "ISO 3166-1 alpha-3", "dcterms:identifier"),
        Column("name_en", "Name (English)", "skos:prefLabel", lang="en"),
        Column("name_fr", "Name (French)", "skos:prefLabel", lang="fr"),
        Column("accession_date", "Council of Europe accession", "alliance:accessionDate"),
        Column("eu_country_iri", "EU Country authority IRI", "skos:exactMatch"),
    ],
    "award": [
        IRI,
        Column(
            "edition_number",
            "Edition",
            "alliance:edition/alliance:editionNumber",
            about="edition_iri",
        ),
        Column(
            "label_year", "Edition year", "alliance:edition/alliance:labelYear", about="edition_iri"
        ),
        Column(
            "ceremony_date",
            "Ceremony date",
            "alliance:edition/alliance:ceremonyDate",
            about="edition_iri",
        ),
        Column(
            "laureate", "Laureate", "alliance:laureate/skos:prefLabel", "en", about="laureate_iri"
        ),
        Column("country", "Country", f"alliance:laureate/alliance:country/{LABEL}", "en"),
        Column("rank", "Rank", "alliance:rank"),
        Column("shared_rank", "Shared rank", "alliance:sharedRank"),
        Column("awarded_for", "Awarded for", "alliance:awardedFor"),
        Column("laureate_iri", "Laureate IRI", "alliance:laureate"),
        Column("edition_iri", "Edition IRI", "alliance:edition"),
    ],
    "prize-edition": [
        IRI,
        NAME_EN,
        NAME_FR,
        Column("edition_number", "Edition", "alliance:editionNumber"),
        Column("label_year", "Edition year", "alliance:labelYear"),
        Column("ceremony_date", "Ceremony date", "alliance:ceremonyDate"),
        Column("ceremony_at", "Ceremony at", f"alliance:ceremonyAt/{LABEL}", "en"),
        Column("prize_iri", "Prize IRI", "alliance:prize"),
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
        Column("authority_iri", "Authority IRI", "alliance:onBehalfOf"),
        Column("document_iri", "Document IRI", "alliance:signedDocument"),
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
        Column("title_en", "Title (English)", "dcterms:title", "en"),
        Column("title_fr", "Title (French)", "dcterms:title", "fr"),
        Column("implemented_by", "Implemented by", f"alliance:implementedBy/{LABEL}", "en"),
        Column("country", "Country", f"alliance:implementedBy/alliance:country/{LABEL}", "en"),
        Column("theme", "Theme", f"dcat:theme/{LABEL}", "en"),
        Column("maturity", "Maturity", f"alliance:maturityLevel/{LABEL}", "en"),
        Column("start_date", "Start", "schema:startDate"),
        Column("end_date", "End", "schema:endDate"),
        Column("implemented_by_iri", "Authority IRI", "alliance:implementedBy"),
    ],
    "event": [
        IRI,
        NAME_EN,
        NAME_FR,
        Column("session_number", "Congress session", "alliance:sessionNumber"),
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
        Column("part_of_iri", "Part of", "org:subOrganizationOf|org:unitOf"),
    ],
    "person": [IRI, Column("name", "Name", "foaf:name")],
    "secondment": [
        IRI,
        Column("person", "Person", "org:member/foaf:name", about="person_iri"),
        Column("sending_organisation", "Sent by", f"alliance:sendingOrganisation/{LABEL}", "en"),
        Column("position", "Order", "schema:position"),
        Column("person_iri", "Person IRI", "org:member"),
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
        Column("value", "Value", "rdf:value"),
        Column("lower_bound", "At least (lower bound)", "alliance:lowerBound"),
        Column("measure", "Measure", f"alliance:measure/{LABEL}", "en"),
        Column("about", "About", f"alliance:about/{LABEL}", "en"),
        Column("stated_text", "Words of the source", "alliance:statedText"),
        Column("date", "Date", "dcterms:date"),
    ],
    "release": [
        IRI,
        Column("version", "Version", "dcat:version"),
        Column("issued", "Issued", "dcterms:issued"),
        Column("comment", "Comment", "rdfs:comment", "en"),
    ],
    # the provenance of single facts (docs/model.md, "Where a fact comes from")
    "fact": [
        IRI,
        Column("record", "Record", "rdf:subject"),
        Column("property", "Property", "rdf:predicate"),
        Column("value", "Value", "rdf:object"),
        Column("quote", "Words of the page", "oa:exact"),
        Column("rank", "Rank", "wikibase:rank"),
        Column("rank_reason", "Reason for the rank", "alliance:rankReason"),
    ],
    "contested-fact": [
        IRI,
        Column("record", "Record", "rdf:subject"),
        Column("property", "Property", "rdf:predicate"),
        Column("measure", "Measure", "alliance:measure"),
        Column("claims", "Claims", "alliance:claim"),
        Column("note", "How the sources differ", "skos:note", "en"),
    ],
}

#: Tables of the nodes records own (`{record IRI}#{name}`), by class: `fact.csv` has a
#: row per statement of a fact by a page, `contested-fact.csv` one per contested fact.
OWNED_NODE_TABLES = {
    "fact": "http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement",
    "contested-fact": "{ontology}ContestedFact",
}

#: Properties a derived table shows first, in this order (then the others by name).
FIRST_PROPERTIES = ["rdf:type", "skos:prefLabel", "dcterms:title", "foaf:name", "rdfs:label"]


@dataclass
class Table:
    """One kind's table: its columns, its rows, and what the values are (for CSVW)."""

    kind: str
    columns: list[Column]
    rows: list[list[str]] = field(default_factory=list)
    #: per column: the kinds of its values ("iri", "@en", a datatype IRI)
    kinds: dict[str, set[str]] = field(default_factory=dict)
    #: the columns where some record has more than one value
    multi_valued: set[str] = field(default_factory=set)
    #: the values of the records' own properties (statements.csv reads its values there)
    record_values: RecordValues = field(default_factory=RecordValues)

    @property
    def file_name(self) -> str:
        return f"{self.kind}.csv"

    def to_csv(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180
        writer.writerow([c.name for c in self.columns])
        writer.writerows(self.rows)
        return buffer.getvalue().encode("utf-8")


def _prefixes(base_iri: str) -> dict[str, str]:
    return {**PREFIXES, "alliance": f"{base_iri}ontology#"}


def _prologue(base_iri: str) -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in _prefixes(base_iri).items())


def records_by_kind(store: KnowledgeStore, base_iri: str) -> dict[str, list[str]]:
    """The records (typed subjects `{base}id/{kind}/{slug}`) of each kind, in IRI order;
    the nodes records own (`{slug}#name`) by their class (`OWNED_NODE_TABLES`)."""
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
        if sep and kind and slug and "#" not in slug:
            kinds.setdefault(kind, []).append(subject.value)
    for kind in OWNED_NODE_TABLES:
        _values, in_kind = _records_pattern(base_iri, kind, None)
        rows = store.select(f"SELECT DISTINCT ?s WHERE {{ {in_kind} }}")
        found = [r["s"].value for r in rows if r["s"] is not None]
        if found:
            kinds[kind] = found
    return {kind: sorted(kinds[kind]) for kind in sorted(kinds)}


def record_kinds(store: KnowledgeStore, base_iri: str) -> dict[str, int]:
    """Kinds of record in the store and how many records each has."""
    return {kind: len(s) for kind, s in records_by_kind(store, base_iri).items()}


#: Up to this many records, a table's queries name them (VALUES): no scan of the store.
VALUES_MAX = 2000


def _records_pattern(base_iri: str, kind: str, subjects: list[str] | None) -> tuple[str, str]:
    """(a VALUES block naming the records, or ""; the FILTER keeping ?s in the kind, or "")."""
    if subjects is not None and len(subjects) <= VALUES_MAX:
        return "VALUES ?s { " + " ".join(f"<{s}>" for s in subjects) + " }", ""
    records = f"{base_iri}id/"
    if kind in OWNED_NODE_TABLES:
        cls = OWNED_NODE_TABLES[kind].format(ontology=f"{base_iri}ontology#")
        return "", (
            f'?s a <{cls}> . FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{records}") '
            f'&& CONTAINS(STR(?s), "#"))'
        )
    prefix = f"{records}{kind}/"
    return "", f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{prefix}") && !CONTAINS(STR(?s), "#"))'


def _path_and_stem(iri: str, prefixes: dict[str, str]) -> tuple[str, str]:
    """A property as a path step (a CURIE where a prefix fits, else <IRI>) and a column stem."""
    for prefix, namespace in sorted(prefixes.items(), key=lambda p: -len(p[1])):
        local = iri[len(namespace) :]
        if iri.startswith(namespace) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", local):
            return f"{prefix}:{local}", f"{prefix}_{local}"
    last = re.split(r"[/#]", iri.rstrip("/#"))[-1]
    return f"<{iri}>", "p_" + (re.sub(r"[^A-Za-z0-9]+", "_", last).strip("_") or "value")


def _in_language(kind: str, lang: str) -> bool:
    """LANGMATCHES: the value kind `@en-GB` is in language `en`."""
    tag = kind[1:].lower()
    return kind.startswith("@") and (tag == lang.lower() or tag.startswith(lang.lower() + "-"))


def derived_columns(
    base_iri: str, kinds: dict[str, set[str]], chosen: list[Column] | None = None
) -> list[Column]:
    """A column per property in `kinds` (see `property_kinds`), one per language for
    language-tagged text; those `chosen` columns (a kind's own list) already show are left out."""
    prefixes = _prefixes(base_iri)
    shown = {(_expand(c.last_property or "", prefixes), c.lang) for c in chosen or [] if c.direct}
    steps = {iri: _path_and_stem(iri, prefixes) for iri in kinds}
    first = {curie: i for i, curie in enumerate(FIRST_PROPERTIES)}
    columns: list[Column] = []
    taken = {c.name for c in chosen or [IRI]}
    for iri in sorted(kinds, key=lambda i: (first.get(steps[i][0], len(first)), steps[i][0])):
        path, stem = steps[iri]
        languages: list[str | None] = [None]
        if all(k.startswith("@") for k in kinds[iri]):  # only tagged text: one per language
            tags = {k[1:] for k in kinds[iri]}
            languages = sorted(tags, key=lambda t: (t not in ("en", "fr"), t))
        for lang in languages:
            if (iri, None) in shown or (iri, lang) in shown:
                continue
            name = f"{stem}_{lang.replace('-', '_')}" if lang else stem
            while name in taken:
                name += "_"
            taken.add(name)
            title = f"{path} ({lang})" if lang else path
            columns.append(Column(name, title, "a" if path == "rdf:type" else path, lang=lang))
    return columns


def columns_of(base_iri: str, kind: str, kinds: dict[str, set[str]]) -> list[Column]:
    """The kind's own columns and its sources, then a column for each other property."""
    own = COLUMNS.get(kind, [IRI])
    return [*own, *derived_columns(base_iri, kinds, [*own, SOURCES]), SOURCES]


def _single_property(path: str, prefixes: dict[str, str]) -> str | None:
    """The IRI of the property a path is (`a`, a CURIE, an <IRI>); None for longer paths."""
    if path == "a":
        return prefixes["rdf"] + "type"
    if re.fullmatch(r"<[^<>\"{}|^`\\\s]+>", path):
        return path[1:-1]
    curie = re.fullmatch(r"([A-Za-z][\w-]*):([A-Za-z][A-Za-z0-9_]*)", path)
    if curie and curie[1] in prefixes:
        return prefixes[curie[1]] + curie[2]
    return None


def _path_query(base_iri: str, kind: str, subjects: list[str], column: Column) -> str:
    """The values the column's path reaches from the kind's records: a row per value."""
    values, in_kind = _records_pattern(base_iri, kind, subjects)
    lang = f'FILTER(LANGMATCHES(LANG(?v), "{column.lang}"))' if column.lang else ""
    return (
        f"{_prologue(base_iri)}SELECT ?s ?t ?k WHERE {{ {values} ?s {column.path} ?v . "
        f"{in_kind} {lang} BIND(STR(?v) AS ?t) BIND({kind_expression('?v')} AS ?k) }}"
    )


def _path_steps(path: str, prefixes: dict[str, str]) -> list[list[str]] | None:
    """A path of property steps (`p/q`, `p/(q|r)`, `p|q`) as its steps, each a list of
    alternative property IRIs; None for any other path (inverse, repeated...)."""
    parts = re.findall(r"(?:<[^<>]*>|\([^()]*\)|[^/()<>])+", path)
    if "/".join(parts) != path or (
        len(parts) > 1 and any(p.count("|") for p in parts if p[0] != "(")
    ):
        return None
    steps = []
    for part in parts:
        alternatives = part[1:-1] if part.startswith("(") else part
        props = [_single_property(p, prefixes) for p in alternatives.split("|")]
        if any(prop is None for prop in props):
            return None
        steps.append([prop for prop in props if prop is not None])
    return steps


def _merged(by_kinds: list[ByKind]) -> ByKind:
    """Values of several properties (alternatives) as the values of one."""
    if len(by_kinds) == 1:
        return by_kinds[0]
    merged: ByKind = {}
    for by_kind in by_kinds:
        for kind, by_record in by_kind.items():
            for record, texts in by_record.items():
                merged.setdefault(kind, {}).setdefault(record, []).extend(texts)
    return merged


def _column_values(
    store: KnowledgeStore,
    base_iri: str,
    kind: str,
    subjects: list[str],
    column: Column,
    values: RecordValues,
) -> ColumnValues:
    """What a column holds (in its language, for a column with one): its path's first step
    from `values`, the next ones from the nodes they reach; by a SPARQL query on the path
    where that cannot be (see `follow_path`)."""
    steps = _path_steps(column.path, _prefixes(base_iri))
    by_kind = None
    if steps is not None:
        by_kind = _merged([values.of(prop) for prop in steps[0]])
        if len(steps) > 1:
            by_kind = follow_path(store, by_kind, steps[1:])
    if by_kind is None:
        by_kind = read_path_values(store, _path_query(base_iri, kind, subjects, column))
    lang = column.lang
    return column_values(by_kind, None if lang is None else lambda k: _in_language(k, lang))


def _value_kinds(column: Column, values: ColumnValues) -> set[str]:
    """The kinds of a column's values, for its metadata; none for a derived column (a path
    that is not one property, never mapped)."""
    if column.direct or (column.about and column.last_property):
        return values.kinds
    return set()


def _cells(values: ColumnValues, subjects: list[str]) -> list[str]:
    """Each record's cell: the distinct texts of its values, sorted, joined with SEPARATOR;
    empty where a value has no text (a blank node).

    What SPARQL's GROUP_CONCAT(DISTINCT STR(?v)) gave, sorted (the tables were built so
    before; STR of a blank node is an error, which left the cell unbound)."""
    cells = {
        record: texts[0] if len(texts) == 1 and SEPARATOR not in texts[0] else _joined(texts)
        for record, texts in values.texts.items()
    }
    cells.update(dict.fromkeys(values.textless, ""))
    return [cells.get(record, "") for record in subjects]


def _joined(texts: list[str]) -> str:
    # several values, or one holding the separator: the parts, distinct and sorted
    return SEPARATOR.join(sorted(set(SEPARATOR.join(texts).split(SEPARATOR))))


def build_table(
    store: KnowledgeStore, base_iri: str, kind: str, subjects: list[str], values: RecordValues
) -> Table:
    """One kind's table, from the values of its records (see `read_record_values`) and a
    query per column whose path goes beyond them."""
    columns = columns_of(base_iri, kind, values.kinds())
    table = Table(kind, columns, record_values=values)
    by_column: list[list[str]] = []
    for column in columns:
        if not column.path:  # the record's IRI
            table.kinds[column.name] = {IRI_KIND}
            by_column.append(list(subjects))
            continue
        held = _column_values(store, base_iri, kind, subjects, column, values)
        table.kinds[column.name] = _value_kinds(column, held)
        by_column.append(_cells(held, subjects))
        # distinct values of one kind have distinct texts (Oxigraph keeps literals
        # canonical); a column of several kinds is not mapped from its cells anyway
        if any(SEPARATOR in cell for cell in by_column[-1]):
            table.multi_valued.add(column.name)
    rows = [list(row) for row in zip(*by_column, strict=True)]
    table.rows = sorted(rows, key=itemgetter(0))
    return table


def build_tables(
    store: KnowledgeStore,
    base_iri: str,
    progress: Callable[[str], None] | None = None,
    records: dict[str, list[str]] | None = None,
) -> list[Table]:
    """Every kind's table (`records`: the records by kind, see `records_by_kind`)."""
    if records is None:
        records = records_by_kind(store, base_iri)
    values = read_record_values(store, base_iri, records)
    tables = []
    for kind, subjects in records.items():
        if progress:
            progress(f"csv/{kind}.csv")
        tables.append(build_table(store, base_iri, kind, subjects, values[kind]))
    return tables


@dataclass(frozen=True)
class Mapping:
    """How a column maps back to RDF: in its table, through statements.csv, or not at all."""

    in_table: bool
    in_statements: bool = False
    why_not: str = ""


def column_mapping(table: Table, column: Column, mapped: dict[str, bool]) -> Mapping:
    """`mapped`: which IRI columns of the table are mapped (for columns about them)."""
    kinds = table.kinds.get(column.name, set())
    if column.last_property is None or not (column.direct or column.about):
        return Mapping(False, why_not="derived: its path is not one property")
    if column.about and not mapped.get(column.about, False):
        return Mapping(False, why_not=f"about the records of {column.about}, which is not mapped")
    known = {k for k in kinds if k == IRI_KIND or k.startswith("@") or k in CSVW_DATATYPES}
    if column.direct and known and (len(kinds) > 1 or column.name in table.multi_valued):
        if len(kinds) > 1:
            why = "values of mixed datatypes or languages: " + ", ".join(sorted(kinds))
        elif kinds == {IRI_KIND}:
            why = "several IRIs in a cell (CSVW expands valueUrl once per cell)"
        else:
            return Mapping(True)  # a list of literals of one kind
        return Mapping(False, in_statements=True, why_not=why)
    if len(kinds) > 1:
        return Mapping(False, why_not="values of mixed kinds: " + ", ".join(sorted(kinds)))
    if kinds and not known:
        return Mapping(False, why_not="values CSVW cannot type: " + ", ".join(sorted(kinds)))
    return Mapping(True)


def _mappings(table: Table) -> dict[str, Mapping]:
    first = {  # columns about linked records name IRI columns: those are decided first
        c.name: column_mapping(table, c, {}) for c in table.columns if not c.about
    }
    mapped = {name: m.in_table and name not in table.multi_valued for name, m in first.items()}
    return {c.name: first.get(c.name) or column_mapping(table, c, mapped) for c in table.columns}


# -- values the kind tables cannot map back: statements.csv ------------------------------------

STATEMENTS_FILE = "statements.csv"


@dataclass
class Statements:
    """One row per value that a kind table holds but cannot map back to RDF (several IRIs
    in a cell, mixed datatypes or languages): record, property, and the value in the
    column of its kind (`value_iri`, `value_date`, `value_en` ...)."""

    rows: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # record, property, kind, value

    file_name = STATEMENTS_FILE

    @property
    def kinds(self) -> list[str]:
        return sorted({kind for _, _, kind, _ in self.rows}, key=lambda k: (k != IRI_KIND, k))

    @staticmethod
    def column_name(kind: str) -> str:
        if kind == IRI_KIND:
            return "value_iri"
        if kind.startswith("@"):
            return "value_" + kind[1:].replace("-", "_")
        return "value_" + CSVW_DATATYPES[kind]

    def to_csv(self) -> bytes:
        kinds = self.kinds
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(["record", "property", *(self.column_name(k) for k in kinds)])
        for record, prop, kind, value in sorted(self.rows):
            writer.writerow([record, prop, *(value if k == kind else "" for k in kinds)])
        return buffer.getvalue().encode("utf-8")


def build_statements(base_iri: str, tables: list[Table]) -> Statements:
    """The values of the columns that map back through statements.csv, from the values
    the tables were built from."""
    prefixes = _prefixes(base_iri)
    statements = Statements()
    for table in tables:
        mappings = _mappings(table)
        for column in table.columns:
            if not mappings[column.name].in_statements:
                continue
            prop = _expand(column.last_property or "", prefixes)
            for kind, by_record in table.record_values.of(prop).items():
                if _csvw_kind(kind):
                    statements.rows.extend(
                        (record, prop, kind, text)
                        for record, texts in by_record.items()
                        for text in texts
                    )
    statements.rows = sorted(set(statements.rows))
    return statements


def _csvw_kind(kind: str) -> bool:
    """Values of this kind can be written in a CSVW cell: IRIs, text in a language, the
    datatypes of CSVW_DATATYPES."""
    return kind == IRI_KIND or kind.startswith("@") or kind in CSVW_DATATYPES


def _statements_metadata(statements: Statements) -> dict[str, Any]:
    columns: list[dict[str, Any]] = [
        {"name": "record", "titles": "Record IRI", "required": True, "suppressOutput": True},
        {"name": "property", "titles": "Property IRI", "required": True, "suppressOutput": True},
    ]
    for kind in statements.kinds:
        name = Statements.column_name(kind)
        spec: dict[str, Any] = {"name": name, "titles": name, "propertyUrl": "{+property}"}
        if kind == IRI_KIND:
            spec.update(datatype="string", valueUrl="{+" + name + "}")
        elif kind.startswith("@"):
            spec.update(datatype="string", lang=kind[1:])
        else:
            spec["datatype"] = CSVW_DATATYPES[kind]
        columns.append(spec)
    return {
        "url": STATEMENTS_FILE,
        "dc:title": "values the other tables cannot map back to RDF, one row per value",
        "tableSchema": {
            "columns": columns,
            "primaryKey": [c["name"] for c in columns],
            "aboutUrl": "{+record}",
        },
    }


# -- the metadata ------------------------------------------------------------------------------


def _expand(step: str, prefixes: dict[str, str]) -> str:
    if step.startswith("<"):
        return step[1:-1]
    prefix, _, local = step.partition(":")
    return prefixes[prefix] + local if prefix in prefixes else step


def _column_metadata(
    table: Table, column: Column, mapping: Mapping, prefixes: dict[str, str]
) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": column.name, "titles": column.title}
    kinds = table.kinds.get(column.name, set())
    kind = next(iter(kinds)) if len(kinds) == 1 else None
    if column.name == "iri":
        # IRI cells are declared as text: URI templates ({+iri}) expand the text as written
        spec.update(datatype="string", required=True, suppressOutput=True)
        return spec
    if column.last_property and (column.direct or column.about):
        spec["propertyUrl"] = _expand(column.last_property, prefixes)
    if not mapping.in_table:
        spec.update(datatype="string", suppressOutput=True)
        where = f"; its values are in {STATEMENTS_FILE}" if mapping.in_statements else ""
        spec["dc:description"] = f"not mapped back to RDF here: {mapping.why_not}{where}"
    else:
        if column.about and not column.direct:
            spec["aboutUrl"] = "{+" + column.about + "}"
        if kind == IRI_KIND:
            spec.update(datatype="string", valueUrl="{+" + column.name + "}")
        elif kind is not None and kind.startswith("@"):
            spec.update(datatype="string", lang=kind[1:])
        else:
            spec["datatype"] = CSVW_DATATYPES.get(kind or "", "string")
    if column.name in table.multi_valued:
        spec["separator"] = SEPARATOR
    return spec


def csvw_metadata(
    tables: list[Table],
    base_iri: str,
    csv_base_url: str,
    statements: Statements | None = None,
) -> dict[str, Any]:
    """The CSV on the Web metadata (`csv-metadata.json`) of the tables (and statements.csv)."""
    prefixes = _prefixes(base_iri)
    described = []
    for table in tables:
        mappings = _mappings(table)
        described.append(
            {
                "url": table.file_name,
                "dc:title": f"{table.kind} records",
                "tableSchema": {
                    "columns": [
                        _column_metadata(table, c, mappings[c.name], prefixes)
                        for c in table.columns
                    ],
                    "primaryKey": "iri",
                    "aboutUrl": "{+iri}",
                },
            }
        )
    if statements is not None and statements.rows:
        described.append(_statements_metadata(statements))
    return {
        "@context": "http://www.w3.org/ns/csvw",
        "@id": f"{csv_base_url}csv-metadata.json",
        "dialect": {"header": True, "encoding": "utf-8", "lineTerminators": ["\r\n"]},
        "tables": described,
    }


def metadata_bytes(metadata: dict[str, Any]) -> bytes:
    return (json.dumps(metadata, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()
