"""`alliance-kb import sources data/sources/`: the generated files of data/ from their tables.

The CSV tables of `data/sources/` record the import of the facts gathered from public
pages (`data/sources/mined/`, linked row by row in `mined/decisions.csv`). This module
turns them into the Turtle files of `data/` that are generated (`GENERATED`), each record
in the file of its kind, each statement node in the file of the record that owns it, all
in the canonical form of `kb.sources.canonical_turtle`. The same tables give the same
bytes.

Page slugs in `source` columns (`roma-alliance-en-171`) are written as the page's address
(`pages.csv`, `url`), so records cite the pages themselves; a slug of a record without an
address (`alliance-site`, `project-wording`) stays a link to that source record.

Before anything is written the tables are checked together: every row as its kind checks
it, then the statements (claims.csv) against the records: a statement is about a record
these tables make; one that is not a contested claim or deprecated describes a fact its
record states; a contested fact with a preferred claim has its record state that value,
and without one, none of the claimed values.

Files and web edits: a generated file carries, in its header, the SHA-256 of what the
import wrote. The curation write path rewrites a file (keeping its header) when a curator
edits one of its records on the web; the digest then no longer matches, and the import
refuses to overwrite the file (its edits would be lost) unless `force` is given: carry the
edits into the CSV tables first. `--check` compares without writing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kb.config import CANONICAL_BASE_IRI
from kb.namespaces import DCTERMS, RDF, WIKIBASE
from kb.sources.canonical_turtle import canonical_turtle, leading_comment
from kb.sources.csv_import import KINDS, PREFIXES, FileProblem, read_rows, row_order
from kb.sources.durable_files import write_durably

ID = f"{CANONICAL_BASE_IRI}id/"
ONTOLOGY = f"{CANONICAL_BASE_IRI}ontology#"

#: The tables of data/sources/, in the order they are read, and their kind.
TABLES: tuple[tuple[str, str], ...] = (
    ("pages.csv", "pages"),
    ("member-states.csv", "member-states"),
    ("authorities.csv", "authorities"),
    ("memberships.csv", "memberships"),
    ("people.csv", "people"),
    ("signatures.csv", "signatures"),
    ("awards.csv", "awards"),
    ("events.csv", "events"),
    ("practices.csv", "practices"),
    ("figures.csv", "figures"),
    ("claims.csv", "claims"),
)

#: The generated files of data/ and the kinds of record each holds (docs/model.md).
GENERATED: dict[str, tuple[str, ...]] = {
    "sources.ttl": ("source",),
    "countries.ttl": ("country",),
    "authorities.ttl": ("authority",),
    "memberships.ttl": ("membership",),
    "people.ttl": ("person",),
    "signatures.ttl": ("signature",),
    "awards.ttl": ("award",),
    "events.ttl": ("event",),
    "practices.ttl": ("practice",),
    "figures.ttl": ("figure",),
}
FILE_OF_KIND = {kind: name for name, kinds in GENERATED.items() for kind in kinds}

DIGEST_RE = re.compile(r"^# sha256 of the records below: ([0-9a-f]{64})$", re.MULTILINE)


@dataclass
class Generation:
    """The generated files (name → bytes) or the problems that prevent writing them."""

    files: dict[str, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _kind_of(iri: str) -> str | None:
    if not iri.startswith(ID):
        return None
    kind, sep, rest = iri[len(ID) :].partition("/")
    return kind if sep and rest else None


def _name(term: object) -> str:
    """The IRI of a named node (data files hold no blank nodes and no quoted triples)."""
    return term.value if isinstance(term, ox.NamedNode) else str(term)


def _owner(iri: str) -> str:
    return iri.partition("#")[0]


def _page_addresses(triples: list[ox.Triple]) -> dict[str, str]:
    """Source record IRI → page address, for the source records that have one."""
    url = ox.NamedNode("http://schema.org/url")
    return {
        _name(t.subject): t.object.value
        for t in triples
        if t.predicate == url and isinstance(t.object, ox.NamedNode)
    }


def _cite_addresses(triples: list[ox.Triple]) -> list[ox.Triple]:
    """dcterms:source → a source record with an address becomes that address (not in sources)."""
    addresses = _page_addresses(triples)
    source = ox.NamedNode(DCTERMS + "source")
    out = []
    for t in triples:
        if (
            t.predicate == source
            and isinstance(t.object, ox.NamedNode)
            and t.object.value in addresses
            and _kind_of(_name(t.subject)) != "source"
        ):
            t = ox.Triple(t.subject, t.predicate, ox.NamedNode(addresses[t.object.value]))
        out.append(t)
    return out


def _check_statements(triples: list[ox.Triple], where: dict[str, str]) -> list[str]:
    """Statements against the records they describe (see the module's docstring)."""
    problems = []
    by_subject: dict[str, dict[str, list[ox.NamedNode | ox.Literal]]] = {}
    for t in triples:
        by_subject.setdefault(_name(t.subject), {}).setdefault(t.predicate.value, []).append(
            t.object  # type: ignore[arg-type]
        )
    rdf_type = RDF + "type"
    contested_claims = {
        claim.value
        for props in by_subject.values()
        if ox.NamedNode(ONTOLOGY + "ContestedFact") in props.get(rdf_type, [])
        for claim in props.get(ONTOLOGY + "claim", [])
        if isinstance(claim, ox.NamedNode)
    }
    for iri, props in sorted(by_subject.items()):
        types = props.get(rdf_type, [])
        subject = props.get(RDF + "subject", [])
        predicate = props.get(RDF + "predicate", [])
        if not subject or not predicate:
            continue
        owner, prop = subject[0].value, predicate[0].value
        record = by_subject.get(owner)
        label = f"{where.get(iri, 'claims.csv')}: {iri.removeprefix(ID)}"
        if record is None:
            problems.append(f"{label}: {owner.removeprefix(ID)} is not a record of these tables")
            continue
        stated = record.get(prop, [])
        if ox.NamedNode(ONTOLOGY + "ContestedFact") in types:
            claims = [c.value for c in props.get(ONTOLOGY + "claim", [])]
            preferred = {
                str(by_subject[c].get(RDF + "object", [None])[0])
                for c in claims
                if ox.NamedNode(WIKIBASE + "PreferredRank")
                in by_subject.get(c, {}).get(WIKIBASE + "rank", [])
            }
            claimed = {
                str(o) for c in claims for o in by_subject.get(c, {}).get(RDF + "object", [])
            }
            values = {str(o) for o in stated}
            if len(preferred) > 1:
                problems.append(f"{label}: the preferred claims disagree ({', '.join(preferred)})")
            elif preferred and preferred != {"None"} and values & claimed != preferred:
                problems.append(
                    f"{label}: the record must state the preferred value {preferred.pop()}"
                )
            elif (not preferred or preferred == {"None"}) and values & claimed:
                problems.append(
                    f"{label}: no claim is preferred (or the preferred one states no value), so "
                    f"the record must state none of the claimed values, not "
                    f"{', '.join(sorted(values & claimed))}"
                )
            continue
        obj = props.get(RDF + "object", [])
        ranks = props.get(WIKIBASE + "rank", [])
        if iri in contested_claims or ox.NamedNode(WIKIBASE + "DeprecatedRank") in ranks:
            continue
        if not obj or obj[0] not in stated:
            shown = str(obj[0]) if obj else "(no value)"
            problems.append(
                f"{label}: the record does not state {prop} {shown}: state it on the record, "
                "or make this a claim of a contested fact"
            )
    return problems


#: Literal properties whose values may be the project's own words.
WORDED = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    DCTERMS + "title",
    DCTERMS + "description",
)
#: Kinds whose names and titles the project composes (from the pages' words).
NAMED_BY_PROJECT = ("event", "practice", "figure")
PROJECT_WORDING = f"{ID}source/project-wording"


def own_words(triples: list[ox.Triple]) -> list[ox.Triple]:
    """Statements marking the project's own words among the records' names and descriptions.

    A description (always a summary the project wrote), the name or title of an event, a
    practice or a figure (composed by the project), and a French name or title, are the
    project's words unless a statement already cites a page for that very value: each gets
    a statement `{record}#{property}-{lang}` whose source is id:source/project-wording.
    """
    cited = {
        (_name(s.subject), s.predicate.value, str(s.object))
        for s in _statements(triples)
        if not s.deprecated
    }
    out = []
    for t in triples:
        iri = _name(t.subject)
        if "#" in iri or t.predicate.value not in WORDED or not isinstance(t.object, ox.Literal):
            continue
        if (iri, t.predicate.value, str(t.object)) in cited:
            continue
        kind = _kind_of(iri)
        language = t.object.language or ""
        if not (
            t.predicate.value == DCTERMS + "description"
            or kind in NAMED_BY_PROJECT
            or language == "fr"
        ):
            continue
        local = re.sub(
            r"(?<!^)([A-Z])", r"-\1", t.predicate.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        ).lower()
        node = ox.NamedNode(f"{iri}#{local}-{language or 'none'}")
        out += [
            ox.Triple(node, ox.NamedNode(RDF + "type"), ox.NamedNode(RDF + "Statement")),
            ox.Triple(node, ox.NamedNode(RDF + "subject"), t.subject),
            ox.Triple(node, ox.NamedNode(RDF + "predicate"), t.predicate),
            ox.Triple(node, ox.NamedNode(RDF + "object"), t.object),
            ox.Triple(node, ox.NamedNode(DCTERMS + "source"), ox.NamedNode(PROJECT_WORDING)),
        ]
    return out


@dataclass(frozen=True)
class _Statement:
    subject: object
    predicate: ox.NamedNode
    object: object
    deprecated: bool


def _statements(triples: list[ox.Triple]) -> list[_Statement]:
    """The statement nodes among `triples`: what fact each describes."""
    parts: dict[str, dict[str, object]] = {}
    for t in triples:
        if t.predicate.value in (RDF + "subject", RDF + "predicate", RDF + "object"):
            parts.setdefault(_name(t.subject), {})[t.predicate.value] = t.object
        elif t.predicate.value == WIKIBASE + "rank" and t.object == ox.NamedNode(
            WIKIBASE + "DeprecatedRank"
        ):
            parts.setdefault(_name(t.subject), {})["deprecated"] = True
    out = []
    for found in parts.values():
        predicate = found.get(RDF + "predicate")
        if isinstance(predicate, ox.NamedNode) and RDF + "subject" in found:
            out.append(
                _Statement(
                    found[RDF + "subject"],
                    predicate,
                    found.get(RDF + "object"),
                    bool(found.get("deprecated")),
                )
            )
    return out


def _header(tables: Iterable[str], count: int, digest: str) -> str:
    names = ", ".join(sorted(set(tables)))
    return (
        f"Generated by `alliance-kb import sources data/sources/` from {names}:\n"
        'edit those tables, not this file (README.md, "Curating records").\n'
        f"{count} record(s).\n"
        f"sha256 of the records below: {digest}"
    )


def generate(directory: Path) -> Generation:
    """Read every table of `directory` and build the generated files of data/.

    Raises `FileProblem` when a table is missing or unreadable as its kind.
    """
    result = Generation()
    texts: list[str] = []
    table_of: dict[str, str] = {}
    for name, kind_name in TABLES:
        path = directory / name
        if not path.is_file():
            raise FileProblem(f"{path}: missing table ({kind_name})")
        rows = read_rows(path, KINDS[kind_name])
        built = KINDS[kind_name].build(rows)
        if rows:
            result.problems += sorted(rows[0].problems, key=row_order)
        for rec in built:
            texts.append(rec.turtle())
            subject = rec.subject.strip("<>")
            if ":" in subject and not subject.startswith("http"):
                prefix, _, local = subject.partition(":")
                subject = PREFIXES[prefix] + local
            table_of[subject] = name
    if result.problems:
        return result
    prefixes = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())
    triples = list(
        ox.parse((prefixes + "\n" + "\n".join(texts)).encode(), format=ox.RdfFormat.TURTLE)
    )
    triples = _cite_addresses(triples)
    result.problems += _check_statements(triples, table_of)
    triples += own_words(triples)
    files: dict[str, list[ox.Triple]] = {name: [] for name in GENERATED}
    for t in triples:
        kind = _kind_of(_owner(_name(t.subject)))
        target = FILE_OF_KIND.get(kind or "")
        if target is None:
            result.problems.append(
                f"{table_of.get(_name(t.subject), '?')}: {_name(t.subject)} is not a record of "
                "a generated file"
            )
            continue
        files[target].append(t)
    if result.problems:
        return result
    for name, file_triples in files.items():
        body = canonical_turtle(file_triples)
        digest = hashlib.sha256(body).hexdigest()
        subjects = {_name(t.subject) for t in file_triples}
        records = sum(1 for s in subjects if "#" not in s)
        tables = [table_of[s] for s in subjects if s in table_of]
        result.files[name] = canonical_turtle(file_triples, header=_header(tables, records, digest))
    return result


def body_digest(data: bytes) -> str:
    """The SHA-256 of a file's canonical body (what follows its header)."""
    header = leading_comment(data)
    body = data.decode("utf-8")[len(header) :].lstrip("\n").encode("utf-8")
    return hashlib.sha256(body).hexdigest()


def edited_since_import(data: bytes) -> bool:
    """True when the file no longer holds what the import wrote (its digest differs or is gone)."""
    match = DIGEST_RE.search(leading_comment(data))
    return match is None or match.group(1) != body_digest(data)


@dataclass
class Outcome:
    """What an import of the tables did (or would do) to each generated file."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # edited since the import, not forced


def write_generated(
    files: dict[str, bytes], data_dir: Path, force: bool = False, check: bool = False
) -> Outcome:
    """Write the generated files into `data_dir` (each atomically), or only compare them."""
    outcome = Outcome()
    for name, content in sorted(files.items()):
        target = data_dir / name
        current = target.read_bytes() if target.exists() else None
        if current == content:
            outcome.unchanged.append(name)
            continue
        if current is not None and edited_since_import(current) and not force:
            outcome.refused.append(name)
            continue
        outcome.written.append(name)
        if not check:
            write_durably(target, content)
    return outcome
