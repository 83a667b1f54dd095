"""SHACL validation reports: the results, and their text, Turtle and JSON renderings.

A `ValidationReport` is what every engine of `kb.validation.validator` returns. It is
independent of the engine: results carry rdflib terms, and the report keeps
the shapes graph so complex property paths can be written out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

SEVERITIES = ("Violation", "Warning", "Info")
_SEVERITY_RANK = {name: i for i, name in enumerate(SEVERITIES)}


_WORDS = {
    "en": {
        "violation": ("violation", "violations"),
        "warning": ("warning", "warnings"),
        "info": ("note", "notes"),
        "record": ("record", "records"),
        "in": "in",
        "conforms": "conforms: no violations, no warnings",
        "no_file": "(not in a data file)",
        "value": "value",
        "Violation": "Violation",
        "Warning": "Warning",
        "Info": "Info",
    },
    "fr": {
        "violation": ("violation", "violations"),
        "warning": ("avertissement", "avertissements"),
        "info": ("note", "notes"),
        "record": ("fiche", "fiches"),
        "in": "dans",
        "conforms": "conforme : aucune violation, aucun avertissement",
        "no_file": "(hors des fichiers de données)",
        "value": "valeur",
        "Violation": "Violation",
        "Warning": "Avertissement",
        "Info": "Info",
    },
}

_COLORS = {"Violation": "\x1b[31m", "Warning": "\x1b[33m", "Info": "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def _words(lang: str) -> dict[str, Any]:
    return _WORDS.get(lang, _WORDS["en"])


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL validation result (one sh:ValidationResult)."""

    focus_node: Node
    result_path: Node | None
    value: Node | None
    severity: str  # "Violation" | "Warning" | "Info"
    messages: dict[str, str] = field(hash=False, compare=False)
    source_shape: Node | None = None
    constraint_component: URIRef | None = None
    source_file: str | None = None
    #: For SPARQL-based constraints, the sh:sparql node (not part of equality).
    source_constraint: Node | None = field(default=None, compare=False)

    def message(self, lang: str = "en") -> str:
        """The shape's message in `lang`, else English, else any message there is."""
        for key in (lang, "en", ""):
            if key in self.messages:
                return self.messages[key]
        return next(iter(self.messages.values()), "")

    def key(self) -> tuple[str, str, str, str, str]:
        """What two engines must agree on: focus, path, value, severity, source shape.

        Blank nodes of the data are compared as `_:` (their labels are not stable across
        parsers); blank-node shapes are kept (both engines share one shapes graph).
        """
        return (
            _key_term(self.focus_node),
            _key_term(self.result_path),
            _key_term(self.value),
            self.severity,
            self.source_shape.n3() if self.source_shape is not None else "",
        )


def _key_term(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return "_:"
    return term.n3()


@dataclass
class ValidationReport:
    """The outcome of validating a data graph against the shapes."""

    results: list[ValidationResult]
    shapes_graph: Graph | None = None
    engine: str = ""
    prefixes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.results = sorted(self.results, key=_sort_key)

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Warning"]

    @property
    def conforms(self) -> bool:
        """True when there is no sh:Violation (warnings and infos are allowed)."""
        return not self.violations

    def records(self) -> int:
        return len({_key_term(r.focus_node) + str(r.focus_node) for r in self.results})

    # -- renderings -------------------------------------------------------------

    def summary(self, lang: str = "en") -> str:
        """One line, e.g. "3 violations, 1 warning in 2 records"."""
        w = _words(lang)
        if not self.results:
            return str(w["conforms"])
        parts = [_count(len(self.violations), w["violation"])]
        parts.append(_count(len(self.warnings), w["warning"]))
        infos = len(self.results) - len(self.violations) - len(self.warnings)
        if infos:
            parts.append(_count(infos, w["info"]))
        return f"{', '.join(parts)} {w['in']} {_count(self.records(), w['record'])}"

    def shorten(self, term: Node | None) -> str:
        """A term as a reader wants it: prefixed name, `<iri>`, quoted literal, SPARQL path."""
        if term is None:
            return ""
        if isinstance(term, URIRef):
            iri = str(term)
            best = ""
            for prefix, ns in self.prefixes.items():
                if iri.startswith(ns) and len(ns) > len(best):
                    local = iri[len(ns) :]
                    if local and all(c.isalnum() or c in "-_./" for c in local):
                        best = ns
                        short = f"{prefix}:{local}"
            return short if best else f"<{iri}>"
        if isinstance(term, BNode):
            if self.shapes_graph is not None and (term, None, None) in self.shapes_graph:
                return path_to_sparql(self.shapes_graph, term, self.shorten)
            return f"_:{term}"
        if isinstance(term, Literal):
            if term.language:
                return f'"{term}"@{term.language}'
            if term.datatype and term.datatype != XSD.string:
                return f'"{term}"^^{self.shorten(term.datatype)}'
            return f'"{term}"'
        return str(term)

    def to_text(self, lang: str = "en", color: bool = False) -> str:
        """Grouped by data file, then by record; one block per result; a closing summary."""
        w = _words(lang)

        def paint(text: str, code: str) -> str:
            return f"{code}{text}{_RESET}" if color else text

        lines: list[str] = []
        last_file: object = object()
        last_focus: object = object()
        for r in self.results:
            if r.source_file != last_file:
                if lines:
                    lines.append("")
                lines.append(paint(r.source_file or str(w["no_file"]), _BOLD))
                last_file, last_focus = r.source_file, object()
            if r.focus_node != last_focus:
                lines.append(f"  {paint(self.shorten(r.focus_node), _BOLD)}")
                last_focus = r.focus_node
            label = paint(f"{w[r.severity]}", _COLORS.get(r.severity, ""))
            head = f"    {label}"
            if r.result_path is not None:
                head += f"  {self.shorten(r.result_path)}"
            if r.value is not None and r.value != r.focus_node:
                head += f"  {w['value']} {self.shorten(r.value)}"
            lines.append(head)
            message = r.message(lang)
            if message:
                lines.append(f"      {message}")
            if r.source_shape is not None:
                lines.append("      " + paint(f"[{self.shorten(r.source_shape)}]", _DIM))
        if lines:
            lines.append("")
        summary = self.summary(lang)
        if self.results:
            summary = paint(
                summary, _COLORS["Violation"] if self.violations else _COLORS["Warning"]
            )
        lines.append(summary)
        return "\n".join(lines) + "\n"

    def to_graph(self) -> Graph:
        """A standard sh:ValidationReport graph.

        `sh:conforms` follows the SHACL specification (false when there is any result, even a
        warning); the command line's exit code and `.conforms` only count violations.
        """
        g = Graph()
        for prefix, ns in self.prefixes.items():
            g.bind(prefix, Namespace(ns))
        g.bind("sh", SH)
        report = BNode()
        g.add((report, RDF.type, SH.ValidationReport))
        g.add((report, SH.conforms, Literal(not self.results)))
        copied: set[Node] = set()
        for r in self.results:
            node = BNode()
            g.add((report, SH.result, node))
            g.add((node, RDF.type, SH.ValidationResult))
            g.add((node, SH.focusNode, r.focus_node))
            g.add((node, SH.resultSeverity, SH[r.severity]))
            if r.result_path is not None:
                g.add((node, SH.resultPath, r.result_path))
                if isinstance(r.result_path, BNode) and r.result_path not in copied:
                    _copy_bnode_closure(self.shapes_graph, r.result_path, g)
                    copied.add(r.result_path)
            if r.value is not None:
                g.add((node, SH.value, r.value))
            if r.source_shape is not None:
                g.add((node, SH.sourceShape, r.source_shape))
            if r.constraint_component is not None:
                g.add((node, SH.sourceConstraintComponent, r.constraint_component))
            for lang, text in sorted(r.messages.items()):
                g.add((node, SH.resultMessage, Literal(text, lang=lang or None)))
        return g

    def to_turtle(self) -> str:
        return self.to_graph().serialize(format="turtle")

    def to_json(self, lang: str = "en") -> dict[str, Any]:
        return {
            "conforms": self.conforms,
            "summary": self.summary(lang),
            "violations": len(self.violations),
            "warnings": len(self.warnings),
            "records": self.records(),
            "engine": self.engine,
            "results": [self._result_json(r, lang) for r in self.results],
        }

    def _result_json(self, r: ValidationResult, lang: str) -> dict[str, Any]:
        path: str | None = None
        if isinstance(r.result_path, URIRef):
            path = str(r.result_path)
        elif r.result_path is not None and self.shapes_graph is not None:
            path = path_to_sparql(self.shapes_graph, r.result_path, lambda t: f"<{t}>")
        return {
            "file": r.source_file,
            "focus_node": _json_id(r.focus_node),
            "path": path,
            "value": _json_term(r.value),
            "severity": r.severity,
            "message": r.message(lang),
            "messages": dict(sorted(r.messages.items())),
            "source_shape": _json_id(r.source_shape),
            "constraint_component": str(r.constraint_component) if r.constraint_component else None,
        }


def _json_id(term: Node | None) -> str | None:
    if term is None:
        return None
    return f"_:{term}" if isinstance(term, BNode) else str(term)


def _json_term(term: Node | None) -> dict[str, str] | None:
    """A term in the style of SPARQL 1.1 JSON results."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype:
        out["datatype"] = str(term.datatype)
    return out


def _count(n: int, forms: tuple[str, str]) -> str:
    return f"{n} {forms[0] if n == 1 else forms[1]}"


def _sort_key(r: ValidationResult) -> tuple[Any, ...]:
    return (
        r.source_file is None,
        r.source_file or "",
        str(r.focus_node),
        _SEVERITY_RANK.get(r.severity, 9),
        str(r.result_path or ""),
        str(r.value or ""),
        str(r.source_shape or ""),
    )


def _copy_bnode_closure(source: Graph | None, node: Node, target: Graph) -> None:
    if source is None:
        return
    todo, seen = [node], set()
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for p, o in source.predicate_objects(n):
            target.add((n, p, o))
            if isinstance(o, BNode):
                todo.append(o)


def path_to_sparql(graph: Graph, path: Node, name: Any = None) -> str:
    """A SHACL property path (as found in `graph`) in SPARQL property-path syntax."""
    name = name or (lambda t: t.n3())
    if isinstance(path, URIRef):
        return str(name(path))
    if graph.value(path, RDF.first) is not None:
        return "(" + "/".join(path_to_sparql(graph, p, name) for p in graph.items(path)) + ")"
    for pred, fmt in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = graph.value(path, pred)
        if inner is not None:
            text = path_to_sparql(graph, inner, name)
            return fmt.format(text if isinstance(inner, URIRef) else f"({text})")
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return (
            "(" + "|".join(path_to_sparql(graph, p, name) for p in graph.items(alternatives)) + ")"
        )
    raise ValueError(f"not a SHACL property path: {path!r}")
