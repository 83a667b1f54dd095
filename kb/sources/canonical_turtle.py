"""The canonical Turtle form of a data file: the triples of one file → one byte string.

Every file of `data/` is in this form, whoever writes it: `alliance-kb import`
(the generated files), a person editing by hand (then running
`alliance-kb import sources --check`), the curation write path after a web edit.
So a file changes only where its triples change, and a diff shows a change of
facts, never of layout.

The form:

* the file's leading comment block (its header, kept as given), then the
  prefixes it uses, in a fixed order: the standard vocabularies of
  `kb.namespaces`, the Alliance ontology, then one prefix per kind of record
  (`authority:` for `{base}id/authority/`);
* the subjects grouped by kind of record (`id/{kind}/...`), the groups in
  alphabetical order of kind, each under a comment line naming it; in a
  group, records in natural order of IRI ("award/2-lom" before
  "award/10-x"), each followed by the nodes it owns (`{record IRI}#{name}`,
  e.g. its statements);
* one block per subject: `a` first, then the statement properties
  (`rdf:subject`, `rdf:predicate`, `rdf:object`), the names, the other
  properties by prefixed name, the notes, and `dcterms:source` last; values
  sorted; several values on one line when it fits in 100 characters, else one
  per line;
* typed literals always written `"lexical"^^xsd:type`; no blank nodes (a data
  file is diffable and every node can be cited); UTF-8, `\\n` line ends, one
  final newline.

Triples may use another base IRI than the canonical one (a store running with
`ALLIANCE_BASE_IRI`): `base_iri` names it, and the file is written with the
canonical base, as `kb.sources.rdf_files.parse_file` expects to read it.

API: `canonical_turtle(triples, base_iri, header) -> bytes`; `leading_comment(data)`
reads a file's header; `write_data_file(path, triples, base_iri)` rewrites a file
atomically in canonical form, keeping its header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from kb.config import CANONICAL_BASE_IRI
from kb.namespaces import (
    DCTERMS,
    FOAF,
    RDF,
    RDFS,
    SKOS,
    STANDARD_PREFIXES,
    XSD,
)
from kb.sources.durable_files import write_durably

ID = f"{CANONICAL_BASE_IRI}id/"
ONTOLOGY = f"{CANONICAL_BASE_IRI}ontology#"

#: The vocabularies a data file may use by prefix, in the order they are declared.
VOCABULARY_PREFIXES: dict[str, str] = {
    "alliance": ONTOLOGY,
    **{name: ns for name, ns in STANDARD_PREFIXES.items() if name not in ("sh", "vann")},
}

#: Properties written first (in this order), after `a`.
FIRST = (
    RDF + "subject",
    RDF + "predicate",
    RDF + "object",
    SKOS + "prefLabel",
    SKOS + "altLabel",
    DCTERMS + "title",
    FOAF + "name",
    RDFS + "label",
    DCTERMS + "description",
    SKOS + "definition",
)
#: Properties written last (in this order).
LAST = (
    SKOS + "note",
    SKOS + "editorialNote",
    RDFS + "comment",
    DCTERMS + "source",
)

#: The heading of each group of records, by kind; other kinds are named by their kind.
GROUP_HEADINGS: dict[str, str] = {
    "authority": "Local and regional authorities",
    "award": "Awards of the Dosta! Congress Prize",
    "country": "Council of Europe member states",
    "database": "Databases",
    "document": "Documents",
    "event": "Events",
    "figure": "Stated figures",
    "membership": "Memberships of the Alliance",
    "organisation": "Organisations",
    "person": "People",
    "post": "Posts",
    "practice": "Good practices",
    "prize": "Prizes",
    "prize-edition": "Prize editions",
    "release": "Releases",
    "secondment": "Secondments",
    "signature": "Signatures",
    "source": "Sources",
}

LINE_WIDTH = 100
_KIND = re.compile(r"[a-z][a-z0-9-]*")
_SAFE_LOCAL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")
_DIGITS = re.compile(r"(\d+)")


class NotCanonical(ValueError):
    """Triples that a data file cannot hold (a blank node, an RDF-star triple)."""


# -- terms ------------------------------------------------------------------------------


def _canonical_iri(value: str, base_iri: str) -> str:
    if base_iri != CANONICAL_BASE_IRI and value.startswith(base_iri):
        return CANONICAL_BASE_IRI + value[len(base_iri) :]
    return value


def _to_canonical_base(term: object, base_iri: str) -> ox.NamedNode | ox.Literal:
    """The term with `base_iri` moved back to the canonical base (IRIs and quoting literals)."""
    if isinstance(term, ox.NamedNode):
        return ox.NamedNode(_canonical_iri(term.value, base_iri))
    if isinstance(term, ox.Literal):
        if base_iri == CANONICAL_BASE_IRI or base_iri not in term.value:
            return term
        value = term.value.replace(base_iri, CANONICAL_BASE_IRI)
        if term.language:
            return ox.Literal(value, language=term.language)
        return ox.Literal(value, datatype=term.datatype)
    raise NotCanonical(f"{term} is not allowed in a data file (no blank nodes, no quoted triples)")


def turtle_string(text: str) -> str:
    """A Turtle string literal (without language or datatype), escaped."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


class _Writer:
    """Turns terms into Turtle with the prefixes of one file, remembering those used."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def iri(self, value: str) -> str:
        for name, namespace in VOCABULARY_PREFIXES.items():
            if value.startswith(namespace) and _SAFE_LOCAL.fullmatch(value[len(namespace) :]):
                self.used.add(name)
                return f"{name}:{value[len(namespace) :]}"
        kind = record_kind(value)
        if kind is not None and "#" not in value and kind not in VOCABULARY_PREFIXES:
            local = value[len(ID) + len(kind) + 1 :]
            if _SAFE_LOCAL.fullmatch(local):
                self.used.add(kind)
                return f"{kind}:{local}"
        return "<" + value + ">"

    def term(self, term: ox.NamedNode | ox.Literal) -> str:
        if isinstance(term, ox.NamedNode):
            return self.iri(term.value)
        if term.language:
            return f"{turtle_string(term.value)}@{term.language}"
        datatype = term.datatype.value
        if datatype == XSD + "string":
            return turtle_string(term.value)
        return f"{turtle_string(term.value)}^^{self.iri(datatype)}"


# -- order ------------------------------------------------------------------------------


def record_kind(iri: str) -> str | None:
    """The kind of a record IRI `{base}id/{kind}/...` (canonical base), else None."""
    if not iri.startswith(ID):
        return None
    kind, sep, rest = iri[len(ID) :].partition("/")
    return kind if sep and rest and _KIND.fullmatch(kind) else None


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Digits compare as numbers: "2-lom" < "10-x"."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(text) if part
    )


def _subject_key(iri: str) -> tuple[object, ...]:
    owner, _, fragment = iri.partition("#")
    return (natural_key(owner), fragment != "", natural_key(fragment))


def _predicate_key(iri: str, writer: _Writer) -> tuple[int, int, str]:
    if iri == RDF + "type":
        return (0, 0, "")
    if iri in FIRST:
        return (1, FIRST.index(iri), "")
    if iri in LAST:
        return (3, LAST.index(iri), "")
    return (2, 0, writer.iri(iri))


def _object_key(term: ox.NamedNode | ox.Literal) -> tuple[object, ...]:
    if isinstance(term, ox.NamedNode):
        return (0, natural_key(term.value), "")
    return (1, term.language or "", natural_key(term.value), term.datatype.value)


# -- the document -----------------------------------------------------------------------


def comment_block(text: str) -> str:
    """`text` as Turtle comment lines (lines already starting with '#' are kept)."""
    lines = []
    for line in text.strip("\n").splitlines():
        stripped = line.rstrip()
        if not stripped:
            lines.append("#")
        elif stripped.startswith("#"):
            lines.append(stripped)
        else:
            lines.append(f"# {stripped}")
    return "\n".join(lines) + "\n" if lines else ""


def leading_comment(data: bytes | str) -> str:
    """The comment lines at the top of a Turtle document (its header), as written."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    lines = []
    for line in text.splitlines():
        if line.startswith("#"):
            lines.append(line)
        elif line.strip() == "" and lines:
            break
        elif line.strip() == "":
            continue
        else:
            break
    return "\n".join(lines) + "\n" if lines else ""


def _group_heading(kind: str | None, count: int) -> str:
    name = GROUP_HEADINGS.get(kind, kind) if kind is not None else "Other resources"
    text = f"# -- {name} ({count}) "
    return text + "-" * max(3, 80 - len(text))


def canonical_turtle(
    triples: Iterable[ox.Triple | ox.Quad],
    base_iri: str = CANONICAL_BASE_IRI,
    header: str = "",
) -> bytes:
    """The canonical Turtle of `triples` (quads: their graph is ignored), headed by `header`.

    Raises `NotCanonical` for a blank node or a quoted triple.
    """
    by_subject: dict[str, dict[str, set[ox.NamedNode | ox.Literal]]] = {}
    for triple in triples:
        node = _to_canonical_base(triple.subject, base_iri)
        if not isinstance(node, ox.NamedNode):
            raise NotCanonical(f"{node} cannot be a subject")
        predicate = _to_canonical_base(triple.predicate, base_iri)
        obj = _to_canonical_base(triple.object, base_iri)
        by_subject.setdefault(node.value, {}).setdefault(predicate.value, set()).add(obj)

    writer = _Writer()
    groups: dict[str | None, list[str]] = {}
    for iri in by_subject:
        groups.setdefault(record_kind(iri.partition("#")[0]), []).append(iri)
    kinds = sorted(groups, key=lambda k: (k is None, k or ""))

    sections = []
    for kind in kinds:
        subjects = sorted(groups[kind], key=_subject_key)
        owners = sum(1 for s in subjects if "#" not in s)
        blocks = [_group_heading(kind, owners or len(subjects))]
        for iri in subjects:
            blocks.append(_block(writer, iri, by_subject[iri]))
        sections.append("\n\n".join(blocks))
    body = "\n\n".join(sections)

    prefixes = [
        f"@prefix {name}: <{namespace}> ."
        for name, namespace in VOCABULARY_PREFIXES.items()
        if name in writer.used
    ] + [
        f"@prefix {kind}: <{ID}{kind}/> ."
        for kind in sorted(writer.used - set(VOCABULARY_PREFIXES))
    ]
    parts = [comment_block(header).rstrip("\n")] if header.strip() else []
    if prefixes:
        parts.append("\n".join(prefixes))
    if body:
        parts.append(body)
    return ("\n\n".join(parts) + "\n").encode("utf-8")


def _block(
    writer: _Writer, subject: str, properties: dict[str, set[ox.NamedNode | ox.Literal]]
) -> str:
    lines = []
    for predicate in sorted(properties, key=lambda p: _predicate_key(p, writer)):
        values = [writer.term(v) for v in sorted(properties[predicate], key=_object_key)]
        name = "a" if predicate == RDF + "type" else writer.iri(predicate)
        line = f"{name} {', '.join(values)}"
        if len(values) > 1 and len(line) + 4 > LINE_WIDTH:
            line = f"{name}\n        " + ",\n        ".join(values)
        lines.append(line)
    head = writer.iri(subject)
    body = [f"{head} {lines[0]}"] + [f"    {line}" for line in lines[1:]]
    return " ;\n".join(body) + " ."


def write_data_file(
    path: Path, triples: Iterable[ox.Triple | ox.Quad], base_iri: str = CANONICAL_BASE_IRI
) -> bytes:
    """Rewrite `path` in canonical form with `triples`, keeping its header; atomically.

    A new file gets no header. Returns the bytes written.
    """
    header = leading_comment(path.read_bytes()) if path.exists() else ""
    content = canonical_turtle(triples, base_iri, header)
    write_durably(path, content)
    return content
