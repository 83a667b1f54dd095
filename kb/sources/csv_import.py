"""`alliance-kb import KIND FILE.csv [--out FILE]`: a curator's spreadsheet → Turtle records.

Every CSV is UTF-8 (a byte-order mark is accepted), comma-separated, with a
header row naming its columns (in any order). Values are trimmed; an empty
cell means "not known" and writes nothing. Completely empty rows are skipped.
Rows are numbered as a spreadsheet shows them: the header is row 1.

Kinds and their columns. * = required: the column must be in the header and
every row needs a value. The awards' `rank` column must be in the header too
(an empty rank is a decision: "not stated"); every other column may be left
out of the header.

member-states (`data/sources/member-states.csv` → `data/countries.ttl`)
    code*            ISO 3166-1 alpha-3 code, upper case ("GBR", never the legacy "UK")
    name_en*         English name
    name_fr*         French name (from the EU Country authority table)
    name_fr_source   the page giving the French name, where it is not all the
                     record's pages (a statement `{country}#pref-label-fr`)
    accession_date*  date of accession to the Council of Europe, YYYY-MM-DD
    accession_date_source  the pages giving the date, likewise (`#accession-date`)
    editorial_note   note for readers (English), e.g. a conflict between sources
    source*          one or more sources, separated by spaces (see "Sources")

authorities (a city or region, with its participation in the Alliance)
    slug*               lower-case ASCII, hyphens: id/authority/{slug}
    type*               "municipality" or "region"
    name_en*            English name, with its diacritics ("Şişli")
    name_fr             French name, where known
    name_in_source      the name exactly as the source writes it (skos:altLabel)
    country             alpha-3 code of a Council of Europe member state; empty if
                        the source does not give it
    participant_number  the Alliance's participant number (positive integer)
    member_since        start of participation: YYYY, YYYY-MM or YYYY-MM-DD
    note                note for readers (English)
    source*             sources of the authority (and of its membership)
    A membership id/membership/{slug} is written when participant_number or
    member_since is given.

awards (`data/sources/awards.csv` → `data/awards.ttl`)
    edition*      the prize edition: its number ("5") or its slug ("session-41")
    authority*    slug of the laureate authority
    rank          1, 2 or 3; empty when the source does not state it
    shared_rank   "true" for a joint / ex aequo rank, "false" or empty otherwise
    awarded_for   the project as the source states it (English)
    note          note for readers (English)
    source*       sources
    The award is id/award/{edition}-{authority}.

signatures (of the Declaration against anti-Gypsyism, or another declaration)
    authority*      slug of the authority on whose behalf it was signed
    document        slug of the declaration (default declaration-against-anti-gypsyism)
    signatory_name  the person who signed; requires signatory_slug
    signatory_slug  id/person/{slug} of that person
    date            YYYY, YYYY-MM or YYYY-MM-DD; empty when not stated
    note            note for readers (English), e.g. "among the latest signatories, April 2018"
    source*         sources
    The signature is id/signature/{authority}; the person record is written too.

practices (good practices of the Council of Europe's database)
    slug*            id/practice/{slug}
    title_en*        title in English
    title_fr         title in French
    description_en   description in English
    description_fr   description in French
    implemented_by   slugs of the implementing authorities, separated by spaces
    themes           theme slugs (housing education health employment
                     political-participation), separated by spaces
    maturity         promising, demonstrated or replicated; empty if not stated
    target_groups    group slugs (roma, travellers, ...), separated by spaces
    start_date       YYYY, YYYY-MM or YYYY-MM-DD
    end_date         YYYY, YYYY-MM or YYYY-MM-DD
    note             note for readers (English)
    source*          sources

Sources: each is an absolute http(s) IRI, or the slug of a source record of
`data/sources.ttl` (for example `alliance-site` for id/source/alliance-site).

Exit codes: 0 written; 1 rows rejected, each reported on standard error as
`FILE:ROW: column: reason`, and nothing written; 2 unknown kind, unreadable
file, not UTF-8, or missing / unknown columns (the message names the file).
Output is deterministic: records in the order of the rows, predicates in a
fixed order, fixed prefixes, no blank nodes, no timestamps. With `--out` the
file is written to a temporary file beside it and renamed into place.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from kb.config import CANONICAL_BASE_IRI, PROJECT_ROOT
from kb.sources.canonical_turtle import canonical_turtle, turtle_string

ID = f"{CANONICAL_BASE_IRI}id/"

#: Every prefix a generated file may use; each file declares those it uses, in this order.
PREFIXES: dict[str, str] = {
    "alliance": f"{CANONICAL_BASE_IRI}ontology#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "euc": "http://publications.europa.eu/resource/authority/country/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "oa": "http://www.w3.org/ns/oa#",
    "org": "http://www.w3.org/ns/org#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "schema": "http://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "wikibase": "http://wikiba.se/ontology#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "authority": f"{ID}authority/",
    "award": f"{ID}award/",
    "country": f"{ID}country/",
    "database": f"{ID}database/",
    "document": f"{ID}document/",
    "event": f"{ID}event/",
    "figure": f"{ID}figure/",
    "group": f"{ID}group/",
    "maturity": f"{ID}maturity/",
    "measure": f"{ID}measure/",
    "membership": f"{ID}membership/",
    "organisation": f"{ID}organisation/",
    "person": f"{ID}person/",
    "practice": f"{ID}practice/",
    "prize-edition": f"{ID}prize-edition/",
    "rank-reason": f"{ID}rank-reason/",
    "role": f"{ID}role/",
    "signature": f"{ID}signature/",
    "source": f"{ID}source/",
    "source-type": f"{ID}source-type/",
    "theme": f"{ID}theme/",
}

#: The 46 Council of Europe member states (since 16 March 2022), ISO 3166-1 alpha-3.
# fmt: off
MEMBER_STATE_CODES = frozenset((
    "ALB", "AND", "ARM", "AUT", "AZE", "BEL", "BIH", "BGR", "HRV", "CYP", "CZE", "DNK", "EST",
    "FIN", "FRA", "GEO", "DEU", "GRC", "HUN", "ISL", "IRL", "ITA", "LVA", "LIE", "LTU", "LUX",
    "MLT", "MDA", "MCO", "MNE", "NLD", "MKD", "NOR", "POL", "PRT", "ROU", "SMR", "SRB", "SVK",
    "SVN", "ESP", "SWE", "CHE", "TUR", "UKR", "GBR",
))
# fmt: on
THEMES = ("housing", "education", "health", "employment", "political-participation")
MATURITY_LEVELS = ("promising", "demonstrated", "replicated")
GROUPS = (
    "roma-and-travellers",
    "roma",
    "sinti-manouches",
    "cale",
    "kaale",
    "romanichals",
    "boyash-rudari",
    "balkan-egyptians",
    "eastern-groups",
    "travellers",
    "yenish",
    "gens-du-voyage",
    "gypsies",
)
DEFAULT_DOCUMENT = "declaration-against-anti-gypsyism"

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
LANG_RE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]+)*")
EDITION_RE = re.compile(r"[1-9][0-9]*|session-[1-9][0-9]*")
ALPHA3_RE = re.compile(r"[A-Z]{3}")
IRI_RE = re.compile(r"https?://[^\s<>\"{}|\\^`]+")
DATE_RES = (
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "date"),
    (re.compile(r"\d{4}-\d{2}"), "gYearMonth"),
    (re.compile(r"\d{4}"), "gYear"),
)


# -- Turtle terms ---------------------------------------------------------------


def lang(text: str, tag: str) -> str:
    return f"{turtle_string(text)}@{tag}"


def typed(lexical: str, datatype: str) -> str:
    return f"{turtle_string(lexical)}^^xsd:{datatype}"


def as_uri(address: str) -> str:
    """An http(s) address as a URI: characters outside ASCII percent-encoded as UTF-8
    (RFC 3987, 3.1), so every consumer (a CSV on the Web processor, a browser) reads the
    same IRI back. The page is the same; only its writing is."""
    return quote(address, safe="".join(chr(c) for c in range(0x21, 0x7F)))


def iri(value: str) -> str:
    """An IRI as a prefixed name when a prefix covers it and the local part is safe."""
    for name, namespace in PREFIXES.items():
        if value.startswith(namespace):
            local = value[len(namespace) :]
            if re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?", local):
                return f"{name}:{local}"
    return f"<{value}>"


def record(kind: str, slug: str) -> str:
    return iri(f"{ID}{kind}/{slug}")


@dataclass
class Record:
    """One subject block: the subject, its classes and (predicate, objects) in order."""

    subject: str
    classes: list[str]
    properties: list[tuple[str, list[str]]] = field(default_factory=list)

    def add(self, predicate: str, *objects: str | None) -> None:
        values = [o for o in objects if o is not None]
        if values:
            self.properties.append((predicate, values))

    def turtle(self) -> str:
        lines = [f"{self.subject} a {', '.join(self.classes)}"]
        for predicate, objects in self.properties:
            line = f"    {predicate} {', '.join(objects)}"
            if len(objects) > 1 and len(line) > 100:
                line = f"    {predicate}\n        " + ",\n        ".join(objects)
            lines.append(line)
        return " ;\n".join(lines) + " .\n"


def render(kind: str, csv_name: str, records: list[Record]) -> bytes:
    """The Turtle document, in the canonical form of `kb.sources.canonical_turtle`."""
    body = "\n".join(r.turtle() for r in records)
    prefixes = "".join(f"@prefix {name}: <{namespace}> .\n" for name, namespace in PREFIXES.items())
    triples = ox.parse((prefixes + "\n" + body).encode("utf-8"), format=ox.RdfFormat.TURTLE)
    header = (
        f"Generated by alliance-kb import {kind} {csv_name} — edit the CSV, not this file.\n"
        f'{len(records)} record(s); see README.md, section "Curating records".'
    )
    return canonical_turtle(triples, header=header)


# -- Reading and checking rows ----------------------------------------------------


class FileProblem(Exception):
    """The file as a whole cannot be used (exit 2)."""


@dataclass
class Row:
    """One data row, with the checks that record its problems instead of raising."""

    path: str
    number: int
    values: dict[str, str]
    problems: list[str]

    def problem(self, column: str, reason: str) -> None:
        self.problems.append(f"{self.path}:{self.number}: {column}: {reason}")

    def text(self, column: str, required: bool = False) -> str | None:
        value = self.values.get(column, "") or ""
        if not value:
            if required:
                self.problem(column, "a value is required")
            return None
        return value

    def slug(self, column: str, required: bool = False) -> str | None:
        value = self.text(column, required)
        if value is not None and not SLUG_RE.fullmatch(value):
            self.problem(
                column,
                f"{value!r} is not a slug (lower-case ASCII letters and digits, "
                "separated by single hyphens)",
            )
            return None
        return value

    def slugs(self, column: str, allowed: Iterable[str] | None = None) -> list[str]:
        value = self.text(column) or ""
        out: list[str] = []
        choices = tuple(allowed) if allowed is not None else None
        for item in value.split():
            if not SLUG_RE.fullmatch(item):
                self.problem(column, f"{item!r} is not a slug")
            elif choices is not None and item not in choices:
                self.problem(column, f"{item!r} is not one of {', '.join(choices)}")
            elif item in out:
                self.problem(column, f"{item!r} is given twice")
            else:
                out.append(item)
        return out

    def choice(self, column: str, choices: Iterable[str], required: bool = False) -> str | None:
        value = self.text(column, required)
        options = tuple(choices)
        if value is not None and value not in options:
            self.problem(column, f"{value!r} is not one of {', '.join(options)}")
            return None
        return value

    def country(self, column: str, required: bool = False) -> str | None:
        value = self.text(column, required)
        if value is None:
            return None
        if not ALPHA3_RE.fullmatch(value):
            hint = " (a legacy two-letter code? use ISO alpha-3)" if len(value) == 2 else ""
            self.problem(column, f"{value!r} is not an upper-case ISO 3166-1 alpha-3 code{hint}")
            return None
        return value

    def member_state(self, column: str) -> str | None:
        value = self.country(column)
        if value is not None and value not in MEMBER_STATE_CODES:
            self.problem(column, f"unknown country code {value!r} (not a member state)")
            return None
        return value

    def positive_integer(self, column: str, required: bool = False) -> str | None:
        value = self.text(column, required)
        if value is not None and not re.fullmatch(r"[1-9][0-9]*", value):
            self.problem(column, f"{value!r} is not a positive integer")
            return None
        return value

    def date(self, column: str, required: bool = False, precise: bool = False) -> str | None:
        """A date term: xsd:date, or xsd:gYearMonth / xsd:gYear unless `precise`."""
        value = self.text(column, required)
        if value is None:
            return None
        for pattern, datatype in DATE_RES if not precise else DATE_RES[:1]:
            if pattern.fullmatch(value):
                probe = {"date": value, "gYearMonth": value + "-01", "gYear": value + "-01-01"}
                try:
                    date.fromisoformat(probe[datatype])
                except ValueError:
                    break
                return typed(value, datatype)
        expected = "YYYY-MM-DD" if precise else "YYYY, YYYY-MM or YYYY-MM-DD"
        self.problem(column, f"{value!r} is not a valid date ({expected})")
        return None

    def boolean(self, column: str) -> bool | None:
        value = self.text(column)
        if value is None:
            return None
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        self.problem(column, f"{value!r} is not true or false")
        return None

    def texts(self, column: str) -> list[str]:
        """Language-tagged texts `text@lang`, separated by ` | ` (the tag is required)."""
        out = []
        for item in (self.text(column) or "").split(" | "):
            item = item.strip()
            if not item:
                continue
            text, at, tag = item.rpartition("@")
            if not at or not text or not LANG_RE.fullmatch(tag):
                self.problem(column, f"{item!r} needs a language tag: text@en")
                continue
            out.append(lang(text, tag))
        return out

    def refs(self, column: str, kinds: Iterable[str] | None = None) -> list[str]:
        """Records named `kind/slug` (or `country/ABC`), separated by spaces."""
        allowed = tuple(kinds) if kinds is not None else None
        out = []
        for item in (self.text(column) or "").split():
            kind, slash, slug = item.partition("/")
            ok_slug = ALPHA3_RE.fullmatch(slug) if kind == "country" else SLUG_RE.fullmatch(slug)
            if not slash or not SLUG_RE.fullmatch(kind) or not ok_slug:
                self.problem(column, f"{item!r} is not a record kind/slug")
            elif allowed is not None and kind not in allowed:
                self.problem(column, f"{item!r} is not a record of kind {', '.join(allowed)}")
            else:
                out.append(record(kind, slug))
        return out

    def sources(self, column: str = "source", required: bool = True) -> list[str]:
        value = self.text(column, required=required) or ""
        out: list[str] = []
        for item in value.split():
            if IRI_RE.fullmatch(item):
                term = iri(as_uri(item))
            elif SLUG_RE.fullmatch(item):
                term = record("source", item)
            else:
                self.problem(column, f"{item!r} is neither an http(s) IRI nor a source slug")
                continue
            if term not in out:
                out.append(term)
        return out


@dataclass(frozen=True)
class Kind:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    build: Callable[[list[Row]], list[Record]]
    doc: str

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


def read_rows(path: Path, kind: Kind) -> list[Row]:
    """The data rows of the CSV; a `FileProblem` if it cannot be read as this kind."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FileProblem(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileProblem(f"{path}:{line}: not UTF-8 (byte {exc.start}); save it as UTF-8") from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        table = list(reader)
    except csv.Error as exc:
        raise FileProblem(f"{path}:{reader.line_num}: not a CSV file: {exc}") from exc
    if not table or not any(cell.strip() for cell in table[0]):
        raise FileProblem(f"{path}: empty file: a header row is required")
    header = [cell.strip() for cell in table[0]]
    missing = [c for c in kind.required if c not in header]
    unknown = [c for c in header if c not in kind.columns]
    duplicated = sorted({c for c in header if header.count(c) > 1})
    complaints = []
    if missing:
        complaints.append(f"missing column(s) {', '.join(missing)}")
    if unknown:
        complaints.append(f"unknown column(s) {', '.join(unknown)}")
    if duplicated:
        complaints.append(f"repeated column(s) {', '.join(duplicated)}")
    if complaints:
        raise FileProblem(
            f"{path}:1: {'; '.join(complaints)} (columns of {kind.name}: {', '.join(kind.columns)})"
        )
    rows: list[Row] = []
    problems: list[str] = []
    for index, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        row = Row(str(path), index, {}, problems)
        if len(cells) > len(header):
            row.problem("(row)", f"{len(cells)} cells, but the header has {len(header)} columns")
        row.values = {
            name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)
        }
        rows.append(row)
    return rows


def unique(rows: list[Row], column: str, key: Callable[[Row], str | None]) -> None:
    """Report every row whose key was already used by an earlier row."""
    seen: dict[str, int] = {}
    for row in rows:
        value = key(row)
        if value is None:
            continue
        if value in seen:
            row.problem(column, f"duplicate {value!r} (already in row {seen[value]})")
        else:
            seen[value] = row.number


def statement_subject(owner: str, name: str) -> str:
    """The IRI of a node `{owner IRI}#{name}` owned by a record (a statement)."""
    value = owner[1:-1] if owner.startswith("<") else expand(owner)
    return f"<{value}#{name}>"


def expand(term: str) -> str:
    """The full IRI of a prefixed name written by `iri`."""
    prefix, _, local = term.partition(":")
    return PREFIXES[prefix] + local


def sourced_fact(
    row: Row, owner: str, column: str, predicate: str, value: str | None, name: str = ""
) -> Record | None:
    """A statement giving the pages of one fact, when the row has a `{column}_source` cell.

    The fact is `owner predicate value` (as written on the record); the statement is
    `{owner}#{name}` (by default the column's name) with those pages as its
    dcterms:source.
    """
    pages = row.sources(f"{column}_source", required=False)
    if value is None or not pages:
        return None
    stated = Record(statement_subject(owner, name or column.replace("_", "-")), ["rdf:Statement"])
    stated.add("rdf:subject", owner)
    stated.add("rdf:predicate", predicate)
    stated.add("rdf:object", value)
    stated.add("dcterms:source", *pages)
    return stated


# -- The kinds ------------------------------------------------------------------


def build_member_states(rows: list[Row]) -> list[Record]:
    out = []
    unique(rows, "code", lambda r: r.values.get("code") or None)
    for row in rows:
        code = row.country("code", required=True)
        name_en = row.text("name_en", required=True)
        name_fr = row.text("name_fr", required=True)
        accession = row.date("accession_date", required=True, precise=True)
        note = row.text("editorial_note")
        sources = row.sources()
        if code is None:
            continue
        rec = Record(record("country", code), ["alliance:MemberState"])
        rec.add(
            "skos:prefLabel",
            lang(name_en, "en") if name_en else None,
            lang(name_fr, "fr") if name_fr else None,
        )
        rec.add("dcterms:identifier", turtle_string(code))
        rec.add("skos:exactMatch", f"euc:{code}")
        rec.add("alliance:accessionDate", accession)
        rec.add("skos:editorialNote", lang(note, "en") if note else None)
        rec.add("dcterms:source", *sources)
        out.append(rec)
        french = lang(name_fr, "fr") if name_fr else None
        for fact in (
            sourced_fact(row, rec.subject, "name_fr", "skos:prefLabel", french, "pref-label-fr"),
            sourced_fact(row, rec.subject, "accession_date", "alliance:accessionDate", accession),
        ):
            if fact is not None:
                out.append(fact)
    return out


def build_authorities(rows: list[Row]) -> list[Record]:
    out = []
    unique(rows, "slug", lambda r: r.values.get("slug") or None)
    for row in rows:
        slug = row.slug("slug", required=True)
        kind = row.choice("type", ("municipality", "region"), required=True)
        name_en = row.text("name_en", required=True)
        name_fr = row.text("name_fr")
        in_source = row.text("name_in_source")
        other_names = row.texts("other_names")
        hidden_names = row.texts("hidden_names")
        country = row.member_state("country")
        number = row.positive_integer("participant_number")
        since = row.date("member_since")
        note = row.text("note")
        sources = row.sources()
        if slug is None or kind is None:
            continue
        cls = "alliance:Municipality" if kind == "municipality" else "alliance:Region"
        rec = Record(record("authority", slug), [cls])
        rec.add(
            "skos:prefLabel",
            lang(name_en, "en") if name_en else None,
            lang(name_fr, "fr") if name_fr else None,
        )
        rec.add(
            "skos:altLabel",
            lang(in_source, "en") if in_source and in_source != name_en else None,
            *other_names,
        )
        rec.add("skos:hiddenLabel", *hidden_names)
        country_term = record("country", country) if country else None
        rec.add("alliance:country", country_term)
        rec.add("skos:note", lang(note, "en") if note else None)
        rec.add("dcterms:source", *sources)
        out.append(rec)
        fact = sourced_fact(row, rec.subject, "country", "alliance:country", country_term)
        if fact is not None:
            out.append(fact)
        if row.values.get("participant_number") or row.values.get("member_since"):
            member = Record(record("membership", slug), ["org:Membership"])
            member.add("org:member", record("authority", slug))
            member.add("org:organization", record("organisation", "alliance"))
            member.add("alliance:participantNumber", typed(number, "integer") if number else None)
            member.add("schema:startDate", since)
            member.add("dcterms:source", *sources)
            out.append(member)
    return out


def build_awards(rows: list[Row]) -> list[Record]:
    out = []
    unique(
        rows,
        "authority",
        lambda r: (
            f"{r.values.get('edition')}-{r.values.get('authority')}"
            if r.values.get("edition") and r.values.get("authority")
            else None
        ),
    )
    for row in rows:
        edition = row.text("edition", required=True)
        if edition is not None and not EDITION_RE.fullmatch(edition):
            row.problem("edition", f"{edition!r} is not an edition number or session-N slug")
            edition = None
        authority = row.slug("authority", required=True)
        rank = row.text("rank")
        if rank is not None and rank not in ("1", "2", "3"):
            row.problem("rank", f"{rank!r} is not a rank 1, 2 or 3 (leave it empty if not stated)")
            rank = None
        shared = row.boolean("shared_rank")
        if shared and row.values.get("rank", "") == "":
            row.problem("shared_rank", "a shared rank needs a rank")
        project = row.text("awarded_for")
        project_fr = row.text("awarded_for_fr")
        note = row.text("note")
        sources = row.sources()
        if edition is None or authority is None:
            continue
        rec = Record(record("award", f"{edition}-{authority}"), ["alliance:Award"])
        rec.add("alliance:edition", record("prize-edition", edition))
        rec.add("alliance:laureate", record("authority", authority))
        rec.add("alliance:rank", typed(rank, "integer") if rank else None)
        if rank is not None and shared is not None:
            rec.add("alliance:sharedRank", typed("true" if shared else "false", "boolean"))
        rec.add(
            "alliance:awardedFor",
            lang(project, "en") if project else None,
            lang(project_fr, "fr") if project_fr else None,
        )
        rec.add("skos:note", lang(note, "en") if note else None)
        rec.add("dcterms:source", *sources)
        out.append(rec)
    return out


def build_signatures(rows: list[Row]) -> list[Record]:
    out = []
    people: dict[str, str] = {}
    unique(rows, "authority", lambda r: r.values.get("authority") or None)
    for row in rows:
        authority = row.slug("authority", required=True)
        document = row.slug("document") or DEFAULT_DOCUMENT
        name = row.text("signatory_name")
        person = row.slug("signatory_slug")
        if name and not row.values.get("signatory_slug"):
            row.problem("signatory_slug", "a signatory needs a slug for id/person/{slug}")
        if person and name and people.setdefault(person, name) != name:
            row.problem("signatory_slug", f"{person!r} is already used for {people[person]!r}")
        when = row.date("date")
        reported = row.date("reported_on")
        note = row.text("note")
        sources = row.sources()
        if authority is None:
            continue
        rec = Record(record("signature", authority), ["alliance:Signature"])
        rec.add("alliance:signedDocument", record("document", document))
        rec.add("alliance:onBehalfOf", record("authority", authority))
        rec.add("alliance:signatory", record("person", person) if person else None)
        rec.add("dcterms:date", when)
        rec.add("alliance:reportedOn", reported)
        rec.add("skos:note", lang(note, "en") if note else None)
        rec.add("dcterms:source", *sources)
        out.append(rec)
        if person and name and not any(r.subject == record("person", person) for r in out):
            who = Record(record("person", person), ["foaf:Person"])
            who.add("foaf:name", turtle_string(name))
            who.add("dcterms:source", *sources)
            out.append(who)
    return out


def build_practices(rows: list[Row]) -> list[Record]:
    out = []
    unique(rows, "slug", lambda r: r.values.get("slug") or None)
    for row in rows:
        slug = row.slug("slug", required=True)
        title_en = row.text("title_en", required=True)
        title_fr = row.text("title_fr")
        desc_en = row.text("description_en")
        desc_fr = row.text("description_fr")
        by = row.slugs("implemented_by")
        themes = row.slugs("themes", THEMES)
        maturity = row.choice("maturity", MATURITY_LEVELS)
        groups = row.slugs("target_groups", GROUPS)
        keywords = row.texts("keywords")
        database = row.slug("database") if "database" in row.values else "good-practices"
        start = row.date("start_date")
        end = row.date("end_date")
        s, e = row.values.get("start_date", ""), row.values.get("end_date", "")
        if start and end and e < s[: len(e)]:
            row.problem("end_date", f"{e!r} is before the start date {s!r}")
        note = row.text("note")
        sources = row.sources()
        if slug is None:
            continue
        rec = Record(record("practice", slug), ["alliance:GoodPractice"])
        rec.add(
            "dcterms:title",
            lang(title_en, "en") if title_en else None,
            lang(title_fr, "fr") if title_fr else None,
        )
        rec.add(
            "dcterms:description",
            lang(desc_en, "en") if desc_en else None,
            lang(desc_fr, "fr") if desc_fr else None,
        )
        rec.add("alliance:implementedBy", *(record("authority", a) for a in by))
        rec.add("dcat:theme", *(f"theme:{t}" for t in themes))
        rec.add("alliance:maturityLevel", f"maturity:{maturity}" if maturity else None)
        rec.add("alliance:targetGroup", *(f"group:{g}" for g in groups))
        rec.add("schema:startDate", start)
        rec.add("schema:endDate", end)
        rec.add("dcat:keyword", *keywords)
        rec.add("dcterms:isPartOf", record("database", database) if database else None)
        rec.add("skos:note", lang(note, "en") if note else None)
        rec.add("dcterms:source", *sources)
        out.append(rec)
    return out


SOURCE_TYPES = ("official", "third-party", "project")


def build_pages(rows: list[Row]) -> list[Record]:
    """Source records: the pages (and other documents) the records cite, with their standing."""
    out = []
    unique(rows, "slug", lambda r: r.values.get("slug") or None)
    unique(rows, "url", lambda r: r.values.get("url") or None)
    for row in rows:
        slug = row.slug("slug", required=True)
        url = row.text("url")
        if url is not None and not IRI_RE.fullmatch(url):
            row.problem("url", f"{url!r} is not an http(s) address")
            url = None
        url = as_uri(url) if url else None
        title = row.text("title", required=True)
        title_lang = row.text("title_lang", required=True)
        if title_lang is not None and not LANG_RE.fullmatch(title_lang):
            row.problem("title_lang", f"{title_lang!r} is not a language tag")
            title_lang = None
        publisher = row.slug("publisher")
        languages = (row.text("language") or "").split()
        for code in languages:
            if not LANG_RE.fullmatch(code):
                row.problem("language", f"{code!r} is not a language code")
        issued = row.date("date")
        standing = row.choice("type", SOURCE_TYPES, required=True)
        retired = row.boolean("retired")
        replaced_by = row.slugs("replaced_by")
        if replaced_by and not retired:
            row.problem("replaced_by", "only a retired source (retired = true) is replaced")
        note = row.text("note")
        if slug is None:
            continue
        rec = Record(record("source", slug), ["dcterms:BibliographicResource"])
        rec.add("dcterms:title", lang(title, title_lang) if title and title_lang else None)
        rec.add("schema:url", f"<{url}>" if url else None)
        rec.add("dcterms:publisher", record("organisation", publisher) if publisher else None)
        rec.add("dcterms:language", *(turtle_string(code) for code in languages))
        rec.add("dcterms:issued", issued)
        rec.add("dcterms:type", record("source-type", standing) if standing else None)
        if retired:
            rec.add("owl:deprecated", typed("true", "boolean"))
        if replaced_by:
            rec.add("dcterms:isReplacedBy", *(record("source", r) for r in replaced_by))
        rec.add("skos:note", lang(note, "en") if note else None)
        # a page is its own source; a record without an address is the project's
        # description of what it was (project-wording, the one source citing itself)
        wording = record("source", "project-wording")
        rec.add("dcterms:source", f"<{url}>" if url else wording)
        out.append(rec)
    return out


def build_memberships(rows: list[Row]) -> list[Record]:
    """Memberships of the Alliance: one per authority, with what its pages state."""
    out = []
    unique(rows, "authority", lambda r: r.values.get("authority") or None)
    for row in rows:
        authority = row.slug("authority", required=True)
        number = row.positive_integer("participant_number")
        since = row.date("start_date")
        reported = row.date("reported_on")
        roles = row.slugs("role")
        note = row.text("note")
        sources = row.sources()
        if authority is None:
            continue
        rec = Record(record("membership", authority), ["org:Membership"])
        rec.add("org:member", record("authority", authority))
        rec.add("org:organization", record("organisation", "alliance"))
        rec.add("alliance:participantNumber", typed(number, "integer") if number else None)
        rec.add("schema:startDate", since)
        rec.add("alliance:reportedOn", reported)
        rec.add("org:role", *(record("role", r) for r in roles))
        rec.add("skos:note", lang(note, "en") if note else None)
        rec.add("dcterms:source", *sources)
        out.append(rec)
    return out


def build_people(rows: list[Row]) -> list[Record]:
    out = []
    unique(rows, "slug", lambda r: r.values.get("slug") or None)
    for row in rows:
        slug = row.slug("slug", required=True)
        name = row.text("name", required=True)
        other_names = row.texts("other_names")
        note = row.text("note")
        sources = row.sources()
        if slug is None:
            continue
        rec = Record(record("person", slug), ["foaf:Person"])
        rec.add("foaf:name", turtle_string(name) if name else None)
        rec.add("skos:altLabel", *other_names)
        rec.add("skos:note", lang(note, "en") if note else None)
        rec.add("dcterms:source", *sources)
        out.append(rec)
    return out


def build_events(rows: list[Row]) -> list[Record]:
    out = []
    unique(rows, "slug", lambda r: r.values.get("slug") or None)
    for row in rows:
        slug = row.slug("slug", required=True)
        kind = row.choice("type", ("event", "session"), required=True)
        name_en = row.text("name_en", required=True)
        name_fr = row.text("name_fr")
        number = row.positive_integer("session_number")
        if kind == "session" and not row.values.get("session_number"):
            row.problem("session_number", "a Congress session needs its number")
        start = row.date("start_date")
        end = row.date("end_date")
        s, e = row.values.get("start_date", ""), row.values.get("end_date", "")
        if start and end and e < s[: len(e)]:
            row.problem("end_date", f"{e!r} is before the start date {s!r}")
        location = row.text("location")
        parent = row.slug("super_event")
        organizers = row.refs("organizers", ("organisation", "authority"))
        description = row.text("description_en")
        note = row.text("note")
        sources = row.sources()
        if slug is None or kind is None:
            continue
        cls = "alliance:CongressSession" if kind == "session" else "alliance:Event"
        rec = Record(record("event", slug), [cls])
        rec.add(
            "skos:prefLabel",
            lang(name_en, "en") if name_en else None,
            lang(name_fr, "fr") if name_fr else None,
        )
        rec.add("alliance:sessionNumber", typed(number, "integer") if number else None)
        rec.add("schema:startDate", start)
        rec.add("schema:endDate", end)
        rec.add("schema:location", turtle_string(location) if location else None)
        rec.add("schema:superEvent", record("event", parent) if parent else None)
        rec.add("schema:organizer", *organizers)
        rec.add("dcterms:description", lang(description, "en") if description else None)
        rec.add("skos:note", lang(note, "en") if note else None)
        rec.add("dcterms:source", *sources)
        out.append(rec)
    return out


def build_figures(rows: list[Row]) -> list[Record]:
    """Stated figures: a number as a page states it, with what it counts and its date."""
    out = []
    unique(rows, "slug", lambda r: r.values.get("slug") or None)
    for row in rows:
        slug = row.slug("slug", required=True)
        value = row.text("value", required=True)
        if value is not None and not re.fullmatch(r"0|[1-9][0-9]*", value):
            row.problem(
                "value", f"{value!r} is not a whole number (write the words in stated_text)"
            )
            value = None
        lower = row.boolean("lower_bound")
        approximate = row.boolean("approximate")
        measure = row.slug("measure")
        about = row.refs("about")
        label = row.text("label_en", required=True)
        stated = row.text("stated_text")
        stated_lang = row.text("stated_lang") or "en"
        if not LANG_RE.fullmatch(stated_lang):
            row.problem("stated_lang", f"{stated_lang!r} is not a language tag")
        when = row.date("date")
        note = row.text("note")
        sources = row.sources()
        if slug is None:
            continue
        rec = Record(record("figure", slug), ["alliance:StatedFigure"])
        rec.add("skos:prefLabel", lang(label, "en") if label else None)
        rec.add("rdf:value", typed(value, "integer") if value else None)
        rec.add("alliance:lowerBound", typed("true", "boolean") if lower else None)
        rec.add("alliance:approximate", typed("true", "boolean") if approximate else None)
        rec.add("alliance:measure", record("measure", measure) if measure else None)
        rec.add("alliance:about", *about)
        rec.add("alliance:statedText", lang(stated, stated_lang) if stated else None)
        rec.add("dcterms:date", when)
        rec.add("skos:note", lang(note, "en") if note else None)
        rec.add("dcterms:source", *sources)
        out.append(rec)
    return out


#: The properties a claim may be about, and how its value is written.
CLAIM_PROPERTIES: dict[str, str] = {
    "alliance:rank": "integer",
    "alliance:participantNumber": "integer",
    "alliance:editionNumber": "integer",
    "alliance:sessionNumber": "integer",
    "rdf:value": "integer",
    "alliance:sharedRank": "boolean",
    "alliance:accessionDate": "date",
    "alliance:ceremonyDate": "date",
    "alliance:labelYear": "date",
    "alliance:reportedOn": "date",
    "dcterms:date": "date",
    "dcterms:issued": "date",
    "schema:startDate": "date",
    "schema:endDate": "date",
    "rdf:type": "class",
    "alliance:country": "record",
    "alliance:signatory": "record",
    "alliance:implementedBy": "record",
    "alliance:laureate": "record",
    "alliance:onBehalfOf": "record",
    "alliance:ceremonyAt": "record",
    "schema:superEvent": "record",
    "schema:organizer": "record",
    "org:member": "record",
    "org:role": "record",
    "skos:prefLabel": "text",
    "skos:altLabel": "text",
    "skos:definition": "text",
    "dcterms:title": "text",
    "dcterms:alternative": "text",
    "dcterms:description": "text",
    "alliance:awardedFor": "text",
    "foaf:name": "plain",
    "schema:location": "plain",
}
CLASSES = (
    "alliance:Municipality",
    "alliance:Region",
    "alliance:Event",
    "alliance:CongressSession",
)
RANKS = ("preferred", "normal", "deprecated")


def claim_value(row: Row, prop: str) -> str | None:
    """The value of a claim's `value` cell, written as the property expects."""
    value = row.text("value")
    if value is None:
        return None
    how = CLAIM_PROPERTIES[prop]
    if how == "integer":
        return row.positive_integer("value") and typed(value, "integer")
    if how == "boolean":
        flag = row.boolean("value")
        return None if flag is None else typed("true" if flag else "false", "boolean")
    if how == "date":
        return row.date("value")
    if how == "class":
        if value not in CLASSES:
            row.problem("value", f"{value!r} is not one of {', '.join(CLASSES)}")
            return None
        return value
    if how == "record":
        found = row.refs("value")
        return found[0] if len(found) == 1 else None
    if how == "plain":
        return turtle_string(value)
    tag = row.text("lang")
    if tag is None or not LANG_RE.fullmatch(tag):
        row.problem("lang", f"a {prop} value needs its language tag (en, fr, ...)")
        return None
    return lang(value, tag)


def claim_group(prop: str) -> str:
    """`alliance:accessionDate` → `accession-date` (the name of a contested fact's node)."""
    local = prop.partition(":")[2]
    return re.sub(r"(?<!^)([A-Z])", r"-\1", local).lower()


def build_claims(rows: list[Row]) -> list[Record]:
    """Statement nodes: one fact, one page, its quote; the claims of contested facts.

    A row without a value is a silent claim (the page names the record without stating a
    value for the property). Rows of one record and property with a `contested` note form a
    contested fact, `{record}#{property}-claims`, whose note is the first row's.
    """
    out = []
    unique(
        rows,
        "id",
        lambda r: (
            f"{r.values.get('record')}#{r.values.get('id')}"
            if r.values.get("record") and r.values.get("id")
            else None
        ),
    )
    contested: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for row in rows:
        owner = row.refs("record")
        name = row.slug("id", required=True)
        prop = row.choice("property", CLAIM_PROPERTIES, required=True)
        value = claim_value(row, prop) if prop else None
        pages = row.sources()
        if len(pages) > 1 and row.values.get("quote"):
            row.problem("source", "a quote comes from one page: give one source per row")
        quote = row.text("quote")
        quote_lang = row.text("quote_lang") or "en"
        rank = row.choice("rank", RANKS)
        reason = row.slug("reason")
        if rank in ("preferred", "deprecated") and reason is None:
            row.problem("reason", f"a {rank} claim needs the rule that ranks it (a rank-reason)")
        note = row.text("note")
        why = row.text("contested")
        if len(owner) != 1 or name is None or prop is None:
            if not row.values.get("record"):
                row.problem("record", "a value is required")
            continue
        classes = ["rdf:Statement"] + (["alliance:SilentClaim"] if value is None else [])
        if value is None and not why:
            row.problem("value", "a statement without a value is only allowed as a contested claim")
        rec = Record(statement_subject(owner[0], name), classes)
        rec.add("rdf:subject", owner[0])
        rec.add("rdf:predicate", prop)
        rec.add("rdf:object", value)
        rec.add("oa:exact", lang(quote, quote_lang) if quote else None)
        rec.add("wikibase:rank", f"wikibase:{rank.capitalize()}Rank" if rank else None)
        rec.add("alliance:rankReason", record("rank-reason", reason) if reason else None)
        rec.add("skos:note", lang(note, "en") if note else None)
        rec.add("dcterms:source", *pages)
        out.append(rec)
        if why:
            group = contested.setdefault((owner[0], prop), (why, []))
            group[1].append(rec.subject)
    for (owner_term, prop), (why, claims) in contested.items():
        node = Record(statement_subject(owner_term, f"{claim_group(prop)}-claims"), [])
        node.classes.append("alliance:ContestedFact")
        node.add("rdf:subject", owner_term)
        node.add("rdf:predicate", prop)
        node.add("alliance:claim", *claims)
        node.add("skos:note", lang(why, "en"))
        node.add("dcterms:source", f"<{CANONICAL_BASE_IRI}id/source/project-wording>")
        out.append(node)
    return out


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "member-states",
            ("code", "name_en", "name_fr", "accession_date", "source"),
            ("editorial_note", "name_fr_source", "accession_date_source"),
            build_member_states,
            "Council of Europe member states (id/country/{alpha-3})",
        ),
        Kind(
            "authorities",
            ("slug", "type", "name_en", "source"),
            (
                "name_fr",
                "name_in_source",
                "country",
                "participant_number",
                "member_since",
                "other_names",
                "hidden_names",
                "country_source",
                "note",
            ),
            build_authorities,
            "cities and regions, with their membership of the Alliance",
        ),
        Kind(
            "awards",
            ("edition", "authority", "rank", "source"),
            ("shared_rank", "awarded_for", "awarded_for_fr", "note"),
            build_awards,
            "Dosta! Prize awards (id/award/{edition}-{authority})",
        ),
        Kind(
            "signatures",
            ("authority", "source"),
            ("document", "signatory_name", "signatory_slug", "date", "reported_on", "note"),
            build_signatures,
            "signatures of a declaration (id/signature/{authority})",
        ),
        Kind(
            "practices",
            ("slug", "title_en", "source"),
            (
                "title_fr",
                "description_en",
                "description_fr",
                "implemented_by",
                "themes",
                "maturity",
                "target_groups",
                "start_date",
                "end_date",
                "keywords",
                "database",
                "note",
            ),
            build_practices,
            "good practices (id/practice/{slug})",
        ),
        Kind(
            "pages",
            ("slug", "title", "title_lang", "type"),
            ("url", "publisher", "language", "date", "retired", "replaced_by", "note"),
            build_pages,
            "source records: the pages the records cite (id/source/{slug})",
        ),
        Kind(
            "memberships",
            ("authority", "source"),
            ("participant_number", "start_date", "reported_on", "role", "note"),
            build_memberships,
            "memberships of the Alliance (id/membership/{authority})",
        ),
        Kind(
            "people",
            ("slug", "name", "source"),
            ("other_names", "note"),
            build_people,
            "people (id/person/{slug})",
        ),
        Kind(
            "events",
            ("slug", "type", "name_en", "source"),
            (
                "name_fr",
                "session_number",
                "start_date",
                "end_date",
                "location",
                "super_event",
                "organizers",
                "description_en",
                "note",
            ),
            build_events,
            "events and Congress sessions (id/event/{slug})",
        ),
        Kind(
            "figures",
            ("slug", "value", "label_en", "source"),
            (
                "lower_bound",
                "approximate",
                "measure",
                "about",
                "stated_text",
                "stated_lang",
                "date",
                "note",
            ),
            build_figures,
            "stated figures (id/figure/{slug})",
        ),
        Kind(
            "claims",
            ("record", "id", "property", "source"),
            ("value", "lang", "quote", "quote_lang", "rank", "reason", "contested", "note"),
            build_claims,
            "statements of single facts with their page ({record}#{id}), contested facts",
        ),
    )
}


# -- The command ----------------------------------------------------------------


def csv_display_name(path: Path) -> str:
    """How the header comment names the CSV: relative to the project if inside it."""
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return path.name


def convert(kind_name: str, path: Path) -> tuple[bytes | None, list[str]]:
    """The Turtle for a CSV file and the row problems (no Turtle when there are any).

    Raises `KeyError` for an unknown kind and `FileProblem` for an unusable file.
    """
    kind = KINDS[kind_name]
    rows = read_rows(path, kind)
    records = kind.build(rows)
    problems = rows[0].problems if rows else []
    if problems:
        return None, sorted(problems, key=row_order)
    return render(kind.name, csv_display_name(path), records), []


def row_order(problem: str) -> tuple[int, str]:
    match = re.search(r":(\d+): ", problem)
    return (int(match.group(1)) if match else 0, problem)
