"""SPARQL result formats: negotiation and streaming serializers.

- `negotiate`: the result format from a `format` parameter or `Accept`;
- `serialize_solutions` / `serialize_boolean` / `serialize_triples`:
  streaming writers for SPARQL JSON, XML, CSV, TSV and the RDF formats,
  which stop at the configured row cap and report whether they did.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from json.encoder import encode_basestring as _quote
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


# -- formats ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Format:
    name: str  # short name, as accepted by the `format` parameter
    media_type: str  # what the response's Content-Type says
    kinds: frozenset[str]  # "solutions", "boolean", "graph"
    aliases: tuple[str, ...] = ()  # other media types and names that select it
    sd_iri: str = ""  # its IRI in http://www.w3.org/ns/formats/

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"


_TABULAR = frozenset({"solutions", "boolean"})
FORMATS: tuple[Format, ...] = (
    Format(
        "json",
        "application/sparql-results+json",
        _TABULAR,
        ("application/json", "srj"),
        "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    ),
    Format(
        "xml",
        "application/sparql-results+xml",
        _TABULAR,
        ("application/xml", "text/xml", "srx"),
        "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    ),
    Format(
        "csv",
        "text/csv",
        frozenset({"solutions"}),
        (),
        "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    ),
    Format(
        "tsv",
        "text/tab-separated-values",
        frozenset({"solutions"}),
        (),
        "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    ),
    Format(
        "turtle",
        "text/turtle",
        frozenset({"graph"}),
        ("application/x-turtle", "ttl"),
        "http://www.w3.org/ns/formats/Turtle",
    ),
    Format(
        "ntriples",
        "application/n-triples",
        frozenset({"graph"}),
        ("text/plain", "nt", "n-triples"),
        "http://www.w3.org/ns/formats/N-Triples",
    ),
    Format(
        "jsonld",
        "application/ld+json",
        frozenset({"graph"}),
        ("application/json", "json-ld"),
        "http://www.w3.org/ns/formats/JSON-LD",
    ),
    Format(
        "rdfxml",
        "application/rdf+xml",
        frozenset({"graph"}),
        ("application/xml", "text/xml", "rdf", "xml"),
        "http://www.w3.org/ns/formats/RDF_XML",
    ),
)
FORMATS_BY_NAME = {f.name: f for f in FORMATS}
#: The format used when the client accepts anything (`*/*`) or says nothing.
DEFAULT_FORMAT = {"solutions": "json", "boolean": "json", "graph": "turtle"}
KINDS = ("solutions", "boolean", "graph")
RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


class NotAcceptable(Exception):
    """No format the client accepts can carry this kind of result."""


def _formats_for(token: str, kind: str) -> list[Format]:
    token = token.strip().lower()
    return [
        f
        for f in FORMATS
        if kind in f.kinds and (token == f.name or token == f.media_type or token in f.aliases)
    ]


def parse_accept(accept: str) -> list[tuple[str, float]]:
    """`Accept` as (media range, q) pairs, best first (stable for equal q)."""
    ranges: list[tuple[str, float, int]] = []
    for i, part in enumerate(accept.split(",")):
        fields = [p.strip() for p in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        specificity = 0 if fields[0] == "*/*" else 1 if fields[0].endswith("/*") else 2
        ranges.append((fields[0].lower(), q, -specificity * 1000 + i))
    ranges.sort(key=lambda r: (-r[1], r[2]))
    return [(r, q) for r, q, _ in ranges]


def negotiate(accept: str | None, format_param: str | None) -> dict[str, str | None]:
    """The format name chosen for each kind of result (None: nothing acceptable).

    A `format` parameter (short name or media type) wins over `Accept`. With no
    `Accept`, or `*/*`, the defaults are SPARQL JSON and Turtle.
    """
    return dict(_negotiate(accept, format_param))


@lru_cache(maxsize=1024)
def _negotiate(accept: str | None, format_param: str | None) -> tuple[tuple[str, str | None], ...]:
    chosen: dict[str, str | None] = {}
    for kind in KINDS:
        if format_param:
            found = _formats_for(format_param, kind)
            chosen[kind] = found[0].name if found else None
            continue
        if not accept or not accept.strip():
            chosen[kind] = DEFAULT_FORMAT[kind]
            continue
        best: str | None = None
        refused: set[str] = set()
        for media_range, q in parse_accept(accept):
            if q <= 0:
                refused.update(f.name for f in _formats_for(media_range, kind))
                continue
            if media_range == "*/*":
                candidates = [FORMATS_BY_NAME[DEFAULT_FORMAT[kind]]] + [
                    f for f in FORMATS if kind in f.kinds
                ]
            elif media_range.endswith("/*"):
                major = media_range[:-1]
                candidates = [
                    f for f in FORMATS if kind in f.kinds and f.media_type.startswith(major)
                ]
            else:
                candidates = _formats_for(media_range, kind)
            candidates = [f for f in candidates if f.name not in refused]
            if candidates:
                best = candidates[0].name
                break
        chosen[kind] = best
    return tuple(chosen.items())


# -- serializers -------------------------------------------------------------------------

Writer = Callable[[bytes], Any]
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


class RowCap:
    """Counts rows and says when the cap is reached."""

    def __init__(self, max_rows: int | None) -> None:
        self.max_rows = max_rows
        self.rows = 0
        self.truncated = False

    def limit(self, items: Iterable[Any]) -> Iterator[Any]:
        for item in items:
            if self.max_rows is not None and self.rows >= self.max_rows:
                self.truncated = True
                return
            self.rows += 1
            yield item


def _json_term(term: Term) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def _json_term_text(term: Term) -> str:
    """`_json_term` written out directly (JSON-escaped by the json module's C escaper):
    several times faster than building a dict and dumping it, row after row."""
    if isinstance(term, ox.NamedNode):
        return '{"type":"uri","value":' + _quote(term.value) + "}"
    if isinstance(term, ox.Literal):
        value = _quote(term.value)
        if term.language:
            return (
                '{"type":"literal","value":' + value + ',"xml:lang":' + _quote(term.language) + "}"
            )
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return '{"type":"literal","value":' + value + "}"
        return '{"type":"literal","value":' + value + ',"datatype":' + _quote(datatype) + "}"
    if isinstance(term, ox.BlankNode):
        return '{"type":"bnode","value":' + _quote(term.value) + "}"
    return json.dumps(_json_term(term), ensure_ascii=False, separators=(",", ":"))


def _xml_text(text: str) -> str:
    # a literal carriage return would be normalised away by XML parsers
    return xml_escape(text, {"\r": "&#13;"})


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{_xml_text(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_xml_text(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{_xml_text(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return (
                f"<literal datatype={quoteattr(term.datatype.value)}>"
                f"{_xml_text(term.value)}</literal>"
            )
        return f"<literal>{_xml_text(term.value)}</literal>"
    return (
        f"<triple><subject>{_xml_term(term.subject)}</subject>"
        f"<predicate>{_xml_term(term.predicate)}</predicate>"
        f"<object>{_xml_term(term.object)}</object></triple>"
    )


def _csv_field(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        text = f"_:{term.value}"
    elif isinstance(term, ox.NamedNode | ox.Literal):
        text = term.value
    else:
        text = str(term)
    if any(c in text for c in '",\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _tsv_field(term: Term | None) -> str:
    if term is None:
        return ""
    # Oxigraph's term syntax is Turtle/N-Triples syntax, escapes included
    text = str(term)
    return text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _xml_head(variables: Sequence[str]) -> str:
    head = "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>{head}</head>'
    )


def serialize_solutions(
    variables: Sequence[str],
    rows: Iterable[Sequence[Term | None]],
    fmt: str,
    write: Writer,
    cap: RowCap,
) -> None:
    """Write solutions (each a sequence of terms in `variables` order) as they come."""
    rows = cap.limit(rows)
    if fmt == "json":
        write(
            b'{"head":{"vars":'
            + json.dumps(list(variables)).encode()
            + b'},"results":{"bindings":['
        )
        sep = "\n"
        names = [_quote(v) + ":" for v in variables]
        for row in rows:
            cells = ",".join(
                name + _json_term_text(t)
                for name, t in zip(names, row, strict=True)
                if t is not None
            )
            write((sep + "{" + cells + "}").encode())
            sep = ",\n"
        tail = b"\n]}"
        if cap.truncated:
            tail += b',"truncated":true,"maxRows":' + str(cap.max_rows).encode()
        write(tail + b"}\n")
    elif fmt == "xml":
        write((_xml_head(variables) + "<results>\n").encode())
        for row in rows:
            cells = "".join(
                f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                for v, t in zip(variables, row, strict=True)
                if t is not None
            )
            write(f"<result>{cells}</result>\n".encode())
        end = "</results>"
        if cap.truncated:
            end += f"<!-- truncated: more than {cap.max_rows} rows -->"
        write((end + "</sparql>\n").encode())
    elif fmt == "csv":
        write((",".join(variables) + "\r\n").encode())
        for row in rows:
            write((",".join(_csv_field(t) for t in row) + "\r\n").encode())
    elif fmt == "tsv":
        write(("\t".join("?" + v for v in variables) + "\n").encode())
        for row in rows:
            write(("\t".join(_tsv_field(t) for t in row) + "\n").encode())
    else:
        raise ValueError(f"{fmt} cannot carry query solutions")


def serialize_boolean(value: bool, fmt: str, write: Writer) -> None:
    if fmt == "json":
        write(b'{"head":{},"boolean":' + (b"true" if value else b"false") + b"}\n")
    elif fmt == "xml":
        write(
            (
                _xml_head([]) + f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n"
            ).encode()
        )
    else:
        raise ValueError(f"{fmt} cannot carry a boolean result")


class _WriterIO:
    """A minimal binary file object over a write callback (for Oxigraph's serializers)."""

    def __init__(self, write: Writer) -> None:
        self._write = write

    def write(self, data: bytes) -> int:
        self._write(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def serialize_triples(
    triples: Iterable[ox.Triple],
    fmt: str,
    write: Writer,
    cap: RowCap,
    prefixes: dict[str, str] | None = None,
) -> None:
    """Write triples in an RDF format through Oxigraph's streaming serializers."""
    rdf_format = RDF_FORMATS[fmt]
    if fmt == "rdfxml":
        # Oxigraph's RDF/XML writer leaves carriage returns raw, and XML parsers then
        # normalise them away; a raw CR can only be inside a value, so escape it.
        raw_write = write

        def write(data: bytes) -> Any:
            return raw_write(data.replace(b"\r", b"&#13;"))

    ox.serialize(
        cap.limit(triples),
        _WriterIO(write),  # type: ignore[arg-type]
        rdf_format,
        prefixes=prefixes if fmt in ("turtle", "rdfxml") else None,
    )
    if cap.truncated and fmt in ("turtle", "ntriples"):
        write(f"# truncated: more than {cap.max_rows} triples\n".encode())
