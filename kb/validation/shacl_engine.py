"""The fast SHACL engine: shapes compiled to SPARQL queries evaluated by Oxigraph.

Each shape's constraints become set-based SPARQL queries over *all* its focus nodes at
once (rather than one evaluation per focus node, as pySHACL does), run by Oxigraph on the
union of the store's graphs. Shapes reached through `sh:node`, `sh:or`, `sh:and`, `sh:not`,
`sh:xone`, `sh:qualifiedValueShape` and `sh:property` are evaluated on the set of value
nodes, and their failing nodes combined in Python.

SHACL-SPARQL constraints (`sh:sparql` with `sh:select`) are joined with the focus nodes when
that is provably the same as pre-binding `$this` (every group `$this` appears in sees the
binding); otherwise, they are run once per focus node with `$this` substituted, which is
pre-binding exactly.

Only the constraint components listed in `SUPPORTED` are compiled: a shape using anything
else raises `UnsupportedShapeError` when the engine is built, and `kb.validation.validator` (engine
``auto``) then uses pySHACL. pySHACL is the reference; tests compare the two.

Ill-formed shapes raise `InvalidShapeError` (no engine may run them): a SPARQL query that
breaks the pre-binding restrictions of SHACL (sections 5.3.1 and 6.3: no MINUS, SERVICE or
VALUES, no `AS` assigning a pre-bound variable, every sub-query returns `$this`), checked on
the text as written, or that Oxigraph does not parse.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from kb.store.query_text import inspect_query, query_tokens
from kb.validation.rdf_terms import ox_to_rdflib, rdflib_to_ox
from kb.validation.report import ValidationResult, path_to_sparql


class ShapeError(Exception):
    """The fast engine cannot run the shapes graph."""


class UnsupportedShapeError(ShapeError):
    """A shape uses a SHACL feature the fast engine has not compiled (pySHACL may run it)."""


class InvalidShapeError(ShapeError):
    """The shapes graph is ill-formed per SHACL: no engine may validate with it."""


#: Parameters of the constraint components the engine compiles.
SUPPORTED = {
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.minCount,
    SH.maxCount,
    SH["in"],
    SH.hasValue,
    SH.pattern,
    SH.flags,
    SH.languageIn,
    SH.uniqueLang,
    SH.minInclusive,
    SH.maxInclusive,
    SH.minExclusive,
    SH.maxExclusive,
    SH.minLength,
    SH.maxLength,
    SH.node,
    SH["not"],
    SH["and"],
    SH["or"],
    SH.xone,
    SH.property,
    SH.qualifiedValueShape,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH.qualifiedValueShapesDisjoint,
    SH.closed,
    SH.ignoredProperties,
    SH.equals,
    SH.disjoint,
    SH.lessThan,
    SH.lessThanOrEquals,
    SH.sparql,
}

#: Predicates of a shape that are not constraints.
NON_CONSTRAINTS = {
    SH.path,
    SH.severity,
    SH.message,
    SH.deactivated,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.defaultValue,
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.declare,
    SH.prefixes,
    SH.labelTemplate,
    SH.select,  # a shape that is also its own sh:SPARQLConstraint
}

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
SHAPE_REFS = (SH.node, SH["not"], SH.qualifiedValueShape, SH.property)
SHAPE_LISTS = (SH["and"], SH["or"], SH.xone)

FOCUS_GRAPH = "urn:alliance-kb:focus"
#: Up to this many candidate focus nodes per shape, SPARQL constraints run once per node.
PER_FOCUS_LIMIT = 64
PH = "?__focus__"  # placeholder for the focus variable in a focus pattern
_fresh = itertools.count()


def _var(stem: str = "v") -> str:
    return f"?_{stem}{next(_fresh)}"


def _int(term: Node) -> int:
    try:
        return int(str(term))
    except ValueError as exc:
        raise UnsupportedShapeError(f"expected an integer, found {term.n3()}") from exc


def _sparql_term(term: Node) -> str:
    if isinstance(term, BNode):
        raise UnsupportedShapeError(f"a blank node {term.n3()} used as a value in a constraint")
    return term.n3()


_XSD = str(XSD)
_PY_TYPES: dict[str, Any] = {
    f"{_XSD}integer": int,
    f"{_XSD}float": float,
    f"{_XSD}decimal": Decimal,
    f"{_XSD}boolean": bool,
    f"{_XSD}date": date,
    f"{_XSD}time": time,
    f"{_XSD}dateTime": datetime,
}


def _well_formed(literal: Literal, datatype: str) -> bool:
    """pySHACL's test of a literal whose datatype is the expected one."""
    if getattr(literal, "ill_typed", None) is True:
        return False
    value = literal.value
    if datatype in (f"{_XSD}string", str(RDF.langString)):
        return isinstance(value, str | bytes)
    expected = _PY_TYPES.get(datatype)
    if expected is None:
        return True
    if expected is int:
        return isinstance(value, int)
    return isinstance(value, expected)


@dataclass
class _Raw:
    """A result before it is turned into a `ValidationResult`."""

    focus: Any
    value: Any
    component: URIRef
    shape: Node
    path: Node | None = None
    constraint_messages: list[Literal] = field(default_factory=list)
    bindings: dict[str, Any] | None = None
    constraint: Node | None = None


class FastEngine:
    """A shapes graph compiled for Oxigraph. Build once, `validate(store)` many times."""

    def __init__(self, shapes: Graph) -> None:
        self.sg = shapes
        self._check_prebinding()
        for pred in (SH.parameter, SH.validator, SH.nodeValidator, SH.propertyValidator):
            if any(True for _ in shapes.subject_objects(pred)):
                raise UnsupportedShapeError(
                    f"SPARQL-based constraint components ({pred.n3(shapes.namespace_manager)})"
                )
        for pred in (SH.target, SH.rule, SH.expression, SH.entailment):
            if any(True for _ in shapes.subject_objects(pred)):
                raise UnsupportedShapeError(f"{pred.n3()} is not supported")
        self.shapes = self._all_shapes()
        for shape in self.shapes:
            self._check(shape)
        self.targeted = [s for s in self.shapes if self._targets(s)]
        self._info: dict[Node, tuple[Node | None, list[Literal]]] = {}
        self._lossy_predicates = {
            str(shapes.value(s, SH.path))
            for s in self.shapes
            if isinstance(shapes.value(s, SH.path), URIRef)
            and any(str(d) in LOSSY_DATATYPES for d in shapes.objects(s, SH.datatype))
        }
        #: The query dataset (`validate_graphs`: the data graphs and the focus graph).
        self._dataset: dict[str, Any] = {}
        #: Run SPARQL constraints once per focus node, `$this` substituted (few focus nodes:
        #: the constant binds every pattern, where a join would scan the whole data).
        self._per_focus = False
        #: constraint -> (query as joined with the focus nodes, whether that join is exact,
        #: query as written for substituting one focus node)
        self._sparql_cache: dict[Node, tuple[str, bool, str]] = {}
        for shape in self.shapes:
            for c in shapes.objects(shape, SH.sparql):
                self._sparql_cache[c] = self._prepare_sparql(shape, c)

    # -- compile-time checks ---------------------------------------------------------

    def _check_prebinding(self) -> None:
        """Refuse SPARQL queries that break SHACL's pre-binding restrictions (as written)."""
        sg = self.sg
        for shape, constraint in sorted(sg.subject_objects(SH.sparql), key=str):
            select = sg.value(constraint, SH.select)
            if select is None:
                continue
            why = prebinding_violation(str(select), PREBOUND)
            if why is not None:
                where = "" if isinstance(constraint, BNode) else f" {constraint.n3()}"
                raise InvalidShapeError(
                    f"shape {shape.n3()}: the sh:select of SPARQL constraint{where} "
                    f"breaks the SHACL pre-binding rules: {why}"
                )
        for component in sorted(set(sg.subjects(SH.parameter, None)), key=str):
            params = {
                _param_name(path)
                for p in sg.objects(component, SH.parameter)
                if (path := sg.value(p, SH.path)) is not None
            }
            for pred in (SH.validator, SH.nodeValidator, SH.propertyValidator):
                for validator in sg.objects(component, pred):
                    for kind, extra in ((SH.ask, {"value"}), (SH.select, set())):
                        text = sg.value(validator, kind)
                        if text is None:
                            continue
                        why = prebinding_violation(str(text), {*PREBOUND, *params, *extra})
                        if why is not None:
                            raise InvalidShapeError(
                                f"constraint component {component.n3()}: the {kind.n3()} of "
                                f"validator {validator.n3()} breaks the SHACL pre-binding "
                                f"rules: {why}"
                            )

    def _all_shapes(self) -> list[Node]:
        sg = self.sg
        found: set[Node] = set()
        for kind in (SH.NodeShape, SH.PropertyShape):
            found.update(sg.subjects(RDF.type, kind))
        for pred in TARGETS:
            found.update(sg.subjects(pred, None))
        for pred in SHAPE_REFS:
            found.update(o for o in sg.objects(None, pred))
        for pred in SHAPE_LISTS:
            for lst in sg.objects(None, pred):
                found.update(sg.items(lst))
        found.update(s for s in sg.subjects(SH.path, None) if (None, SH.property, s) in sg)
        return sorted(found, key=str)

    def _check(self, shape: Node) -> None:
        for pred in set(self.sg.predicates(shape)):
            if pred == RDF.type or not str(pred).startswith(str(SH)):
                continue
            if pred not in SUPPORTED and pred not in NON_CONSTRAINTS:
                raise UnsupportedShapeError(
                    f"shape {shape.n3()} uses {pred.n3()}, which the fast engine does not compile"
                )
        path = self.sg.value(shape, SH.path)
        if path is not None:
            path_to_sparql(self.sg, path)  # raises ValueError on a malformed path
        for c in self.sg.objects(shape, SH.sparql):
            if self.sg.value(c, SH.select) is None:
                raise UnsupportedShapeError(f"{shape.n3()}: sh:sparql without sh:select")

    def _targets(self, shape: Node) -> list[str]:
        sg, parts = self.sg, []
        classes = list(sg.objects(shape, SH.targetClass))
        if (shape, RDF.type, RDFS.Class) in sg or (
            shape,
            RDF.type,
            URIRef("http://www.w3.org/2002/07/owl#Class"),
        ) in sg:
            classes.append(shape)
        for c in classes:
            parts.append(f"{PH} <{RDF.type}>/<{RDFS.subClassOf}>* {_sparql_term(c)} .")
        for n in sg.objects(shape, SH.targetNode):
            parts.append(f"VALUES {PH} {{ {_sparql_term(n)} }}")
        for p in sg.objects(shape, SH.targetSubjectsOf):
            parts.append(f"{PH} {_sparql_term(p)} [] .")
        for p in sg.objects(shape, SH.targetObjectsOf):
            parts.append(f"[] {_sparql_term(p)} {PH} .")
        return parts

    # -- evaluation ------------------------------------------------------------------

    def validate(
        self,
        store: ox.Store,
        focus_filter: set[Node] | None = None,
        quads: Iterable[Any] | None = None,
    ) -> list[ValidationResult]:
        """Every result of every targeted shape (restricted to `focus_filter` if given).

        The data graph is the store's default graph (Oxigraph answers several times faster
        there than on the union of named graphs).

        `quads` are the data as parsed (before the store saw them): Oxigraph's store keeps
        literals by value ("2"^^xsd:positiveInteger comes back as "2"^^xsd:integer), so the
        original literals are needed to check sh:datatype and to report values as written.
        """
        self.store = store
        self._conv: dict[Any, Node] = {}
        self._restore_ctx: dict[tuple[Any, Any, Any], Any] = {}
        self._restore_any: dict[Any, Any] = {}
        self._originals: dict[str, list[tuple[Any, Any]]] | None = None
        if quads is not None:
            self._index_lossy(quads)
        results: list[ValidationResult] = []
        # Each shape's focus nodes are computed once, into a named graph of their own (the
        # data is in the default graph, so no query of the data sees them).
        graph = ox.NamedNode(FOCUS_GRAPH)
        try:
            for n, shape in enumerate(self.targeted):
                if self._deactivated(shape):
                    continue
                union = " UNION ".join(f"{{ {p} }}" for p in self._targets(shape))
                key = f"<{FOCUS_GRAPH}/{n}>"
                store.update(
                    f"INSERT {{ GRAPH <{FOCUS_GRAPH}> {{ ?this {key} {key} }} }} "
                    f"WHERE {{ {union.replace(PH, '?this')} FILTER(!isLiteral(?this)) }}"
                )
                focus = f"GRAPH <{FOCUS_GRAPH}> {{ {PH} {key} {key} }}"
                if bool(self._query(f"ASK {{ {union} FILTER(isLiteral({PH})) }}")):
                    focus = f"{{ SELECT DISTINCT {PH} WHERE {{ {union} }} }}"  # literal targets
                for raw in self._evaluate(shape, focus):
                    result = self._result(raw)
                    if focus_filter is None or result.focus_node in focus_filter:
                        results.append(result)
        finally:
            store.remove_graph(graph)
        return results

    def validate_graphs(
        self,
        store: ox.Store,
        graphs: list[ox.NamedNode],
        candidates: dict[Node, set[Any] | None] | None = None,
    ) -> list[ValidationResult]:
        """Like `validate`, with the data graph the union of `graphs` (named graphs of `store`).

        With `candidates`, a targeted shape is checked only on its focus nodes among
        `candidates[shape]` (Oxigraph terms; None: all of them), and a shape absent from it
        not at all: the incremental validation (`kb.validation.change_validation`) passes the
        nodes a change can affect. The store's literals are taken as they are (no `quads` to
        restore them from): the write path writes files with the store's literals.
        """
        by_shape = self.validate_graphs_by_shape(store, graphs, candidates)
        return [r for results in by_shape.values() for r in results]

    def validate_graphs_by_shape(
        self,
        store: ox.Store,
        graphs: list[ox.NamedNode],
        candidates: dict[Node, set[Any] | None] | None = None,
    ) -> dict[Node, list[ValidationResult]]:
        """`validate_graphs`, the results grouped by the targeted shape that found them."""
        self.store = store
        self._conv = {}
        self._restore_ctx = {}
        self._restore_any = {}
        self._originals = None
        focus_graph = ox.NamedNode(FOCUS_GRAPH)
        self._dataset = {"default_graph": list(graphs), "named_graphs": [focus_graph]}
        self._per_focus = candidates is not None and all(
            nodes is not None and len(nodes) <= PER_FOCUS_LIMIT for nodes in candidates.values()
        )
        using = " ".join(f"USING {g}" for g in graphs)
        results: dict[Node, list[ValidationResult]] = {}
        try:
            for n, shape in enumerate(self.targeted):
                if self._deactivated(shape):
                    continue
                values = ""
                wanted: set[Node] | None = None
                nodes: set[Any] | None = None
                if candidates is not None:
                    if shape not in candidates:
                        continue
                    nodes = candidates[shape]
                    if nodes is not None and not nodes:
                        continue
                    if nodes is None:
                        pass  # every focus node of the shape
                    elif any(isinstance(t, ox.BlankNode) for t in nodes):
                        wanted = {self._rdf(t) for t in nodes}  # no blank node in VALUES
                    else:
                        values = f"VALUES {PH} {{ {' '.join(str(t) for t in nodes)} }} "
                union = values + " UNION ".join(f"{{ {p} }}" for p in self._targets(shape))
                if values and self._per_focus:
                    # a few candidates: the focus nodes among them, inline (every query then
                    # starts from them, where a join with a focus graph may scan the data)
                    foci = [
                        row["this"]
                        for row in self._query(
                            f"SELECT DISTINCT ?this WHERE {{ {union.replace(PH, '?this')} }}"
                        )
                    ]
                    if not foci:
                        continue  # none of the candidates is a focus node of this shape
                    focus = f"VALUES {PH} {{ {' '.join(str(t) for t in foci)} }}"
                else:
                    key = f"<{FOCUS_GRAPH}/{n}>"
                    store.update(
                        f"INSERT {{ GRAPH <{FOCUS_GRAPH}> {{ ?this {key} {key} }} }} {using} "
                        f"WHERE {{ {union.replace(PH, '?this')} FILTER(!isLiteral(?this)) }}"
                    )
                    focus = f"GRAPH <{FOCUS_GRAPH}> {{ {PH} {key} {key} }}"
                    literal_candidates = not values or any(
                        isinstance(t, ox.Literal) for t in nodes or ()
                    )
                    if literal_candidates and bool(
                        self._query(f"ASK {{ {union} FILTER(isLiteral({PH})) }}")
                    ):
                        focus = f"{{ SELECT DISTINCT {PH} WHERE {{ {union} }} }}"  # literal targets
                    elif candidates is not None and not bool(self._query(f"ASK {{ {focus} }}")):
                        continue  # none of the candidates is a focus node of this shape
                found = results.setdefault(shape, [])
                for raw in self._evaluate(shape, focus):
                    result = self._result(raw)
                    if wanted is None or result.focus_node in wanted:
                        found.append(result)
        finally:
            store.remove_graph(focus_graph)
            self._dataset = {}
            self._per_focus = False
        return results

    def sparql_text(self, constraint: Node) -> str:
        """A SPARQL constraint's query as the engine runs it (prefixes, `$PATH` replaced)."""
        return self._sparql_cache[constraint][0]

    def _index_lossy(self, quads: Iterable[Any]) -> None:
        """Remember the literals the store does not keep verbatim, to restore them."""
        typed: dict[Any, list[tuple[Any, Any]]] = defaultdict(list)
        plain = (XSD_STRING, str(RDF.langString))
        wanted = self._lossy_predicates
        originals: dict[str, list[tuple[Any, Any]]] = {p: [] for p in wanted}
        self._originals = originals
        for q in quads:
            o = q.object
            if isinstance(o, ox.Literal) and o.datatype.value not in plain:
                typed[o].append((q.subject, q.predicate))
            if q.predicate.value in wanted:
                originals[q.predicate.value].append((q.subject, o))
        canonical = canonical_literals(typed)
        ambiguous: set[Any] = set()
        for original, canon in canonical.items():
            if canon == original:
                continue
            for subject, predicate in typed[original]:
                self._restore_ctx[(subject, predicate, canon)] = original
            if canon in self._restore_any and self._restore_any[canon] != original:
                ambiguous.add(canon)
            self._restore_any[canon] = original
        for canon in ambiguous:
            del self._restore_any[canon]

    def _restore(self, focus: Any, path: Node | None, value: Any) -> Any:
        """The literal as the data wrote it (see `validate`)."""
        if not self._restore_any and not self._restore_ctx:
            return value
        if isinstance(path, URIRef):
            original = self._restore_ctx.get((focus, ox.NamedNode(str(path)), value))
            if original is not None:
                return original
        return self._restore_any.get(value, value)

    def _term(self, term: Node) -> str:
        """A shapes-graph term in a query, literals as the store holds them."""
        if isinstance(term, Literal) and term.datatype is not None:
            lit = rdflib_to_ox(term)
            canon = canonical_literals([lit]).get(lit, lit)
            return str(canon)
        return _sparql_term(term)

    def _rdf(self, term: Any) -> Node:
        node = self._conv.get(term)
        if node is None:
            node = self._conv[term] = ox_to_rdflib(term)
        return node

    def _query(self, query: str) -> Any:
        return self.store.query(query, **self._dataset)

    def _list(self, node: Node | None) -> list[Node]:
        return [] if node is None else list(self.sg.items(node))

    def _deactivated(self, shape: Node) -> bool:
        return self.sg.value(shape, SH.deactivated) == Literal(True)

    def _path(self, shape: Node) -> str | None:
        path = self.sg.value(shape, SH.path)
        return None if path is None else path_to_sparql(self.sg, path)

    def _values(self, shape: Node, focus_var: str, value_var: str) -> str:
        path = self._path(shape)
        if path is None:
            return f"BIND({focus_var} AS {value_var})"
        return f"{focus_var} {path} {value_var} ."

    def _value_focus(self, shape: Node, focus: str) -> str:
        """A focus pattern for the value nodes of `shape` at the focus nodes of `focus`."""
        if self._path(shape) is None:
            return focus
        t, x = _var("t"), _var("x")
        inner = focus.replace(PH, t)
        return (
            f"{{ SELECT DISTINCT ({x} AS {PH}) WHERE {{ {inner} {self._values(shape, t, x)} }} }}"
        )

    def _pairs(self, shape: Node, focus: str, condition: str = "") -> list[tuple[Any, Any]]:
        f = focus.replace(PH, "?this")
        values = self._values(shape, "?this", "?value")
        q = f"SELECT DISTINCT ?this ?value WHERE {{ {f} {values} {condition} }}"
        return [(s["this"], s["value"]) for s in self._query(q)]

    def _foci(self, focus: str, condition: str = "") -> list[Any]:
        f = focus.replace(PH, "?this")
        return [
            s["this"] for s in self._query(f"SELECT DISTINCT ?this WHERE {{ {f} {condition} }}")
        ]

    def _failing(self, shape: Node, focus: str) -> set[Any]:
        """The focus nodes (of `focus`) that do not conform to `shape`."""
        if self._deactivated(shape):
            return set()
        return {r.focus for r in self._evaluate(shape, focus)}

    def _evaluate(self, shape: Node, focus: str) -> list[_Raw]:
        if self._deactivated(shape):
            return []
        sg = self.sg
        out: list[_Raw] = []
        is_property = sg.value(shape, SH.path) is not None
        path_node = sg.value(shape, SH.path)
        path = self._path(shape)

        def add_pairs(component: URIRef, pairs: Iterable[tuple[Any, Any]]) -> None:
            out.extend(_Raw(f, v, component, shape, path_node) for f, v in pairs)

        def add_foci(component: URIRef, foci: Iterable[Any]) -> None:
            out.extend(_Raw(f, None, component, shape, path_node) for f in foci)

        for cls in sg.objects(shape, SH["class"]):
            add_pairs(
                SH.ClassConstraintComponent,
                self._pairs(
                    shape,
                    focus,
                    f"FILTER NOT EXISTS {{ ?value <{RDF.type}>/<{RDFS.subClassOf}>* "
                    f"{_sparql_term(cls)} }}",
                ),
            )
        for dt in sg.objects(shape, SH.datatype):
            add_pairs(SH.DatatypeConstraintComponent, self._datatype(shape, focus, dt))
        for kind in sg.objects(shape, SH.nodeKind):
            tests: dict[Node, str] = {
                SH.IRI: "isIRI(?value)",
                SH.BlankNode: "isBlank(?value)",
                SH.Literal: "isLiteral(?value)",
                SH.BlankNodeOrIRI: "(isBlank(?value) || isIRI(?value))",
                SH.BlankNodeOrLiteral: "(isBlank(?value) || isLiteral(?value))",
                SH.IRIOrLiteral: "(isIRI(?value) || isLiteral(?value))",
            }
            if kind not in tests:
                raise UnsupportedShapeError(f"{shape.n3()}: sh:nodeKind {kind.n3()}")
            add_pairs(
                SH.NodeKindConstraintComponent,
                self._pairs(shape, focus, f"FILTER(!{tests[kind]})"),
            )
        if is_property:
            f = focus.replace(PH, "?this")
            for n in sg.objects(shape, SH.minCount):
                count = _int(n)
                if count <= 0:
                    continue
                if count == 1:
                    q = (
                        f"SELECT DISTINCT ?this WHERE {{ {f} "
                        f"FILTER NOT EXISTS {{ ?this {path} ?v }} }}"
                    )
                else:
                    q = (
                        f"SELECT ?this WHERE {{ {f} OPTIONAL {{ ?this {path} ?v }} }} "
                        f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {count})"
                    )
                add_foci(SH.MinCountConstraintComponent, (s["this"] for s in self._query(q)))
            for n in sg.objects(shape, SH.maxCount):
                q = (
                    f"SELECT ?this WHERE {{ {f} ?this {path} ?v }} "
                    f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {_int(n)})"
                )
                add_foci(SH.MaxCountConstraintComponent, (s["this"] for s in self._query(q)))
            for flag in sg.objects(shape, SH.uniqueLang):
                if flag != Literal(True):
                    continue
                q = (
                    f"SELECT ?this ?l WHERE {{ {f} ?this {path} ?v FILTER(lang(?v) != '') "
                    f"BIND(LCASE(lang(?v)) AS ?l) }} "
                    "GROUP BY ?this ?l HAVING (COUNT(DISTINCT ?v) > 1)"
                )
                add_foci(SH.UniqueLangConstraintComponent, (s["this"] for s in self._query(q)))
        elif any(True for _ in sg.objects(shape, SH.minCount)) or any(
            True for _ in sg.objects(shape, SH.maxCount)
        ):
            raise UnsupportedShapeError(f"{shape.n3()}: sh:minCount/maxCount on a node shape")
        for lst in sg.objects(shape, SH["in"]):
            members = [self._term(m) for m in sg.items(lst)]
            cond = " || ".join(f"sameTerm(?value, {m})" for m in members) or "false"
            add_pairs(SH.InConstraintComponent, self._pairs(shape, focus, f"FILTER(!({cond}))"))
        for hv in sg.objects(shape, SH.hasValue):
            f = focus.replace(PH, "?this")
            term = self._term(hv)
            if is_property:
                q = (
                    f"SELECT DISTINCT ?this WHERE {{ {f} "
                    f"FILTER NOT EXISTS {{ ?this {path} {term} }} }}"
                )
            else:
                q = f"SELECT DISTINCT ?this WHERE {{ {f} FILTER(!sameTerm(?this, {term})) }}"
            add_foci(SH.HasValueConstraintComponent, (s["this"] for s in self._query(q)))
        for pattern in sg.objects(shape, SH.pattern):
            flags = sg.value(shape, SH.flags)
            args = Literal(str(pattern)).n3()
            if flags is not None:
                args += ", " + Literal(str(flags)).n3()
            add_pairs(
                SH.PatternConstraintComponent,
                self._pairs(
                    shape, focus, f"FILTER(isBlank(?value) || !REGEX(STR(?value), {args}))"
                ),
            )
        for lst in sg.objects(shape, SH.languageIn):
            langs = sorted({str(x).lower() for x in sg.items(lst)})
            if "*" in langs:
                cond = "lang(?value) != ''"
            else:
                alternatives = ", ".join(Literal(x).n3() for x in langs) or "''"
                cond = (
                    f"lang(?value) != '' && (LCASE(lang(?value)) IN ({alternatives}) || "
                    f"LCASE(STRBEFORE(CONCAT(lang(?value), '-'), '-')) IN ({alternatives}))"
                )
            add_pairs(
                SH.LanguageInConstraintComponent,
                self._pairs(shape, focus, f"FILTER(!(isLiteral(?value) && {cond}))"),
            )
        for pred, op, comp in (
            (SH.minInclusive, ">=", SH.MinInclusiveConstraintComponent),
            (SH.maxInclusive, "<=", SH.MaxInclusiveConstraintComponent),
            (SH.minExclusive, ">", SH.MinExclusiveConstraintComponent),
            (SH.maxExclusive, "<", SH.MaxExclusiveConstraintComponent),
        ):
            for bound in sg.objects(shape, pred):
                test = f"isLiteral(?value) && ?value {op} {self._term(bound)}"
                cond = f"FILTER(!COALESCE({test}, false))"
                add_pairs(comp, self._pairs(shape, focus, cond))
        for pred, op, comp in (
            (SH.minLength, "<", SH.MinLengthConstraintComponent),
            (SH.maxLength, ">", SH.MaxLengthConstraintComponent),
        ):
            for n in sg.objects(shape, pred):
                if pred == SH.minLength and _int(n) == 0:
                    continue
                cond = f"FILTER(isBlank(?value) || STRLEN(STR(?value)) {op} {_int(n)})"
                add_pairs(comp, self._pairs(shape, focus, cond))
        self._pair_constraints(shape, focus, add_pairs)
        self._logical(shape, focus, add_pairs)
        for qshape in sg.objects(shape, SH.qualifiedValueShape):
            out.extend(self._qualified(shape, focus, qshape))
        if sg.value(shape, SH.closed) == Literal(True):
            allowed = {sg.value(p, SH.path) for p in sg.objects(shape, SH.property)} | set(
                self._list(sg.value(shape, SH.ignoredProperties))
            )
            allowed_terms = [_sparql_term(a) for a in allowed if isinstance(a, URIRef)]
            f = focus.replace(PH, "?this")
            cond = f"FILTER(?p NOT IN ({', '.join(allowed_terms)}))" if allowed_terms else ""
            q = f"SELECT DISTINCT ?this ?p ?value WHERE {{ {f} ?this ?p ?value {cond} }}"
            for s in self._query(q):
                out.append(
                    _Raw(
                        s["this"],
                        s["value"],
                        SH.ClosedConstraintComponent,
                        shape,
                        self._rdf(s["p"]),
                    )
                )
        for prop in sg.objects(shape, SH.property):
            out.extend(self._evaluate(prop, self._value_focus(shape, focus)))
        for c in sg.objects(shape, SH.sparql):
            out.extend(self._sparql(shape, c, focus))
        return out

    def _datatype(self, shape: Node, focus: str, dt: Node) -> list[tuple[Any, Any]]:
        dts = str(dt)
        if dt in (RDFS.Literal, RDFS.Datatype):
            return self._pairs(shape, focus, "FILTER(!isLiteral(?value))")
        path = self.sg.value(shape, SH.path)
        if dts in LOSSY_DATATYPES and self._originals is not None:
            # The store changed these literals: check the literals as parsed.
            if isinstance(path, URIRef):
                foci = set(self._foci(focus))
                candidates = [(s, o) for s, o in self._originals.get(str(path), ()) if s in foci]
            else:
                candidates = [(f, self._restore(f, path, v)) for f, v in self._pairs(shape, focus)]
            return [(f, v) for f, v in candidates if not self._has_datatype(v, dt)]
        term = _sparql_term(dt)
        bad = self._pairs(shape, focus, f"FILTER(!isLiteral(?value) || datatype(?value) != {term})")
        if dts in (XSD_STRING, str(RDF.langString)):
            return bad
        f = focus.replace(PH, "?this")
        values = self._values(shape, "?this", "?value")
        q = (
            f"SELECT DISTINCT ?value WHERE {{ {f} {values} "
            f"FILTER(isLiteral(?value) && datatype(?value) = {term}) }}"
        )
        ill_typed = [s["value"] for s in self._query(q) if not self._has_datatype(s["value"], dt)]
        if ill_typed:
            bad += self._pairs(shape, focus, _values_clause(ill_typed))
        return bad

    def _has_datatype(self, term: Any, dt: Node) -> bool:
        literal = self._rdf(term)
        if not isinstance(literal, Literal):
            return False
        if dt == RDF.langString:
            return bool(literal.language)
        return (
            not literal.language
            and str(literal.datatype or XSD.string) == str(dt)
            and _well_formed(literal, str(dt))
        )

    def _pair_constraints(
        self, shape: Node, focus: str, add: Callable[[URIRef, Iterable[tuple[Any, Any]]], None]
    ) -> None:
        sg = self.sg
        f = focus.replace(PH, "?this")
        values = self._values(shape, "?this", "?value")
        for p in sg.objects(shape, SH.equals):
            term = _sparql_term(p)
            q = (
                f"SELECT DISTINCT ?this ?value WHERE {{ {{ {f} {values} FILTER NOT EXISTS "
                f"{{ ?this {term} ?value }} }} UNION {{ {f} ?this {term} ?value FILTER NOT EXISTS "
                f"{{ {values.replace('?value', '?value2')} "
                "FILTER(sameTerm(?value2, ?value)) } } }"
            )
            add(SH.EqualsConstraintComponent, [(s["this"], s["value"]) for s in self._query(q)])
        for p in sg.objects(shape, SH.disjoint):
            add(
                SH.DisjointConstraintComponent,
                self._pairs(shape, focus, f"?this {_sparql_term(p)} ?value ."),
            )
        for pred, op, comp in (
            (SH.lessThan, "<", SH.LessThanConstraintComponent),
            (SH.lessThanOrEquals, "<=", SH.LessThanOrEqualsConstraintComponent),
        ):
            for p in sg.objects(shape, pred):
                q = (
                    f"SELECT DISTINCT ?this ?value WHERE {{ {f} {values} ?this {_sparql_term(p)} "
                    f"?other FILTER(!COALESCE(?value {op} ?other, false)) }}"
                )
                add(comp, [(s["this"], s["value"]) for s in self._query(q)])

    def _logical(
        self, shape: Node, focus: str, add: Callable[[URIRef, Iterable[tuple[Any, Any]]], None]
    ) -> None:
        sg = self.sg
        members: list[tuple[URIRef, Any, list[Node]]] = []
        for n in sg.objects(shape, SH.node):
            members.append((SH.NodeConstraintComponent, "node", [n]))
        for n in sg.objects(shape, SH["not"]):
            members.append((SH.NotConstraintComponent, "not", [n]))
        for pred, comp, kind in (
            (SH["and"], SH.AndConstraintComponent, "and"),
            (SH["or"], SH.OrConstraintComponent, "or"),
            (SH.xone, SH.XoneConstraintComponent, "xone"),
        ):
            for lst in sg.objects(shape, pred):
                members.append((comp, kind, list(sg.items(lst))))
        if not members:
            return
        value_focus = self._value_focus(shape, focus)
        all_pairs: list[list[tuple[Any, Any]]] = []

        def pairs() -> list[tuple[Any, Any]]:
            if not all_pairs:
                all_pairs.append(self._pairs(shape, focus))
            return all_pairs[0]

        for comp, kind, shapes in members:
            failing = [self._failing(s, value_focus) for s in shapes]
            if kind in ("node", "and", "or"):
                bad = set().union(*failing) if kind != "or" else set.intersection(*failing)
                if not bad:
                    continue
                if not any(isinstance(b, ox.BlankNode) for b in bad) and len(bad) < 10_000:
                    add(comp, self._pairs(shape, focus, _values_clause(bad)))
                else:
                    add(comp, [(f, v) for f, v in pairs() if v in bad])
            elif kind == "not":
                add(comp, [(f, v) for f, v in pairs() if v not in failing[0]])
            else:
                add(comp, [(f, v) for f, v in pairs() if sum(v not in fl for fl in failing) != 1])

    def _qualified(self, shape: Node, focus: str, qshape: Node) -> list[_Raw]:
        sg = self.sg
        value_focus = self._value_focus(shape, focus)
        failing = self._failing(qshape, value_focus)
        siblings: list[set[Any]] = []
        if sg.value(shape, SH.qualifiedValueShapesDisjoint) == Literal(True):
            for parent in sg.subjects(SH.property, shape):
                for prop in sg.objects(parent, SH.property):
                    for sibling in sg.objects(prop, SH.qualifiedValueShape):
                        if sibling != qshape:
                            siblings.append(self._failing(sibling, value_focus))
        counts: dict[Any, int] = defaultdict(int)
        for f in self._foci(focus):
            counts[f] += 0
        for f, v in self._pairs(shape, focus):
            if v not in failing and all(v in other for other in siblings):
                counts[f] += 1
        out = []
        path_node = sg.value(shape, SH.path)
        for n in sg.objects(shape, SH.qualifiedMinCount):
            out += [
                _Raw(f, None, SH.QualifiedMinCountConstraintComponent, shape, path_node)
                for f, c in counts.items()
                if c < _int(n)
            ]
        for n in sg.objects(shape, SH.qualifiedMaxCount):
            out += [
                _Raw(f, None, SH.QualifiedMaxCountConstraintComponent, shape, path_node)
                for f, c in counts.items()
                if c > _int(n)
            ]
        return out

    # -- SHACL-SPARQL ------------------------------------------------------------------

    def _prefixes(self, constraint: Node) -> str:
        lines = []
        todo = list(self.sg.objects(constraint, SH.prefixes))
        seen: set[Node] = set()
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            for decl in self.sg.objects(node, SH.declare):
                prefix = self.sg.value(decl, SH.prefix)
                ns = self.sg.value(decl, SH.namespace)
                if prefix is not None and ns is not None:
                    lines.append(f"PREFIX {prefix}: <{ns}>")
            todo.extend(self.sg.objects(node, URIRef("http://www.w3.org/2002/07/owl#imports")))
        return "\n".join(sorted(set(lines)))

    def _prepare_sparql(self, shape: Node, constraint: Node) -> tuple[str, bool, str]:
        """The constraint's query (prefixes added, $PATH substituted, NOT EXISTS as MINUS
        where that is the same once the focus nodes are joined), whether joining the focus
        nodes into its outer group is the same as pre-binding $this, and the query with only
        prefixes and $PATH, for substituting one focus node for $this (a MINUS sharing no
        variable with the outer group, once $this is a constant, would remove nothing)."""
        select = str(self.sg.value(constraint, SH.select))
        path = self._path(shape)
        masked = _mask(select)
        if "$PATH" in masked:
            if path is None:
                raise UnsupportedShapeError(f"{shape.n3()}: $PATH in a node shape's sh:sparql")
            select = _replace_masked(select, masked, r"\$PATH\b", path)
            masked = _mask(select)
        for var in ("$currentShape", "$shapesGraph"):
            if var in masked:
                raise UnsupportedShapeError(f"{shape.n3()}: {var} in sh:sparql")
        prefixes = self._prefixes(constraint)
        if inspect_query(select).keyword != "SELECT":
            raise InvalidShapeError(f"shape {shape.n3()}: sh:select is not a SELECT query")
        # Parsed as written or with $this substituted (an aggregate not grouped by $this is
        # only valid SPARQL once $this is pre-bound), and run on nothing.
        prebound = _substitute_this(select, _mask(select), "<urn:alliance-kb:this>")
        error: SyntaxError | None = None
        for text in (select, prebound):
            try:
                ox.Store().query(prefixes + "\n" + text)
                break
            except SyntaxError as exc:
                error = error or exc
        else:
            raise InvalidShapeError(
                f"shape {shape.n3()}: the sh:select of a SPARQL constraint is not valid "
                f"SPARQL: {error}"
            ) from error
        joined = not_exists_to_minus(select)
        return prefixes + "\n" + joined, _joinable(_mask(joined)), prefixes + "\n" + select

    def _sparql(self, shape: Node, constraint: Node, focus: str) -> list[_Raw]:
        if self._deactivated(constraint):
            return []
        query, joinable, exact = self._sparql_cache[constraint]
        messages = [m for m in self.sg.objects(constraint, SH.message) if isinstance(m, Literal)]
        path_node = self.sg.value(shape, SH.path)
        is_property = path_node is not None
        rows: list[tuple[Any, dict[str, Any]]] = []
        if joinable and not self._per_focus:
            masked = _mask(query)
            open_at = masked.index("{", _select_start(masked))
            f = focus.replace(PH, "?this")
            q = query[: open_at + 1] + f + query[open_at + 1 :]
            for row in _rows(self._query(q)):
                rows.append((row.get("this"), row))
        else:
            query, masked = exact, _mask(exact)
            open_at = masked.index("{", _select_start(masked))
            close_at = _matching(masked, open_at)
            for node in self._foci(focus):
                if isinstance(node, ox.BlankNode):
                    q = query[: open_at + 1] + f" VALUES ?this {{ {node} }} " + query[open_at + 1 :]
                else:
                    start = _select_start(masked)
                    body = _substitute_this(
                        query[start:close_at], masked[start:close_at], str(node)
                    )
                    q = query[:start] + body + query[close_at:]
                for row in _rows(self._query(q)):
                    rows.append((node, row))
        out: list[_Raw] = []
        seen: set[tuple[Any, ...]] = set()
        for this, row in rows:
            if this is None:
                continue
            value = row.get("value")
            if value is None and not is_property:
                value = this
            path = row.get("path")
            key = (this, path, value, tuple(sorted((k, str(v)) for k, v in row.items())))
            if key in seen:
                continue
            seen.add(key)
            out.append(
                _Raw(
                    this,
                    value,
                    SH.SPARQLConstraintComponent,
                    shape,
                    self._rdf(path) if path is not None else path_node,
                    messages,
                    row,
                    constraint,
                )
            )
        return out

    # -- results -------------------------------------------------------------------------

    def _shape_info(self, shape: Node) -> tuple[Node | None, list[Literal]]:
        info = self._info.get(shape)
        if info is None:
            texts = [m for m in self.sg.objects(shape, SH.message) if isinstance(m, Literal)]
            info = self._info[shape] = (self.sg.value(shape, SH.severity), texts)
        return info

    def _result(self, raw: _Raw) -> ValidationResult:
        severity, texts = self._shape_info(raw.shape)
        messages: dict[str, str] = {}
        for m in [*raw.constraint_messages, *texts]:  # the SPARQL constraint's own first
            text = str(m)
            if raw.bindings is not None:
                text = _substitute(text, raw.bindings, raw.focus, raw.value, self._rdf)
            messages.setdefault(m.language or "", text)
        if not messages:
            messages[""] = _default_message(raw.component)
        value = None
        if raw.value is not None:
            value = self._rdf(self._restore(raw.focus, raw.path, raw.value))
        return ValidationResult(
            focus_node=self._rdf(self._restore(None, None, raw.focus)),
            result_path=raw.path,
            value=value,
            severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            messages=messages,
            source_shape=raw.shape,
            constraint_component=raw.component,
            source_constraint=raw.constraint,
        )


XSD_STRING = f"{_XSD}string"
_SUBJECT = "urn:alliance-kb:literal:"


def canonical_literals(literals: Iterable[Any]) -> dict[Any, Any]:
    """Each (Oxigraph) literal → the literal an Oxigraph store gives back for it."""
    originals = list(dict.fromkeys(literals))
    scratch = ox.Store()
    predicate = ox.NamedNode(_SUBJECT + "value")
    scratch.bulk_extend(
        ox.Quad(ox.NamedNode(f"{_SUBJECT}{i}"), predicate, lit) for i, lit in enumerate(originals)
    )
    out = {}
    for q in scratch:
        out[originals[int(q.subject.value[len(_SUBJECT) :])]] = q.object
    return out


#: Datatypes whose literals an Oxigraph store does not keep as written (it keeps the value).
LOSSY_DATATYPES = {
    f"{_XSD}{name}"
    for name in [
        "integer",
        "nonPositiveInteger",
        "negativeInteger",
        "long",
        "int",
        "short",
        "byte",
        "nonNegativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
        "positiveInteger",
        "decimal",
        "float",
        "double",
        "boolean",
    ]
}


def _values_clause(terms: Iterable[Any]) -> str:
    return "VALUES ?value { " + " ".join(str(t) for t in terms) + " }"


def _rows(solutions: Any) -> list[dict[str, Any]]:
    """Each solution as a dict of its bound variables."""
    names = [v.value for v in solutions.variables]
    out = []
    for s in solutions:
        out.append({n: s[n] for n in names if s[n] is not None})
    return out


def _default_message(component: URIRef) -> str:
    name = str(component).rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
    return f"{name} constraint not satisfied"


def _substitute(
    text: str, bindings: dict[str, Any], focus: Any, value: Any, conv: Callable[[Any], Node]
) -> str:
    values = dict(bindings)
    values.setdefault("this", focus)
    if value is not None:
        values.setdefault("value", value)

    def repl(m: re.Match[str]) -> str:
        term = values.get(m.group(2))
        if term is None:
            return m.group(0)
        node = conv(term)
        return str(node) if not isinstance(node, BNode) else f"_:{node}"

    return re.sub(r"\{([?$])(\w+)\}", repl, text)


# -- reading SPARQL text -----------------------------------------------------------------

#: Variables pre-bound in every SHACL-SPARQL query (SHACL 1.0, section 5.3.1).
PREBOUND = frozenset({"this", "shapesGraph", "currentShape"})
#: Pre-bound variables a sub-query need not return.
OPTIONALLY_RETURNED = frozenset({"shapesGraph", "currentShape"})


def _param_name(path: Node) -> str:
    """The variable of a constraint component parameter: its path's local name."""
    return re.split(r"[#/:]", str(path))[-1]


def prebinding_violation(query: str, prebound: Iterable[str]) -> str | None:
    """Why `query` breaks SHACL's restrictions for pre-binding, or None if it does not.

    SHACL 1.0, sections 5.3.1 and 6.3: no MINUS, no SERVICE, no VALUES, no `AS ?var` for a
    pre-bound variable, and every sub-query returns every pre-bound variable (except
    `$shapesGraph` and `$currentShape`). Strings, IRIs and comments are skipped.
    """
    tokens = list(query_tokens(query))
    names = set(prebound)
    selects = []
    for i, (kind, text) in enumerate(tokens):
        if kind != "word" or ":" in text:
            continue
        upper = text.upper()
        if upper in ("MINUS", "SERVICE", "VALUES"):
            return f"{upper} is not allowed"
        if upper == "AS" and i + 1 < len(tokens):
            following = tokens[i + 1]
            if following[0] == "var" and following[1][1:] in names:
                return f"'AS {following[1]}' assigns a pre-bound variable"
        if upper == "SELECT":
            selects.append(i)
    required = names - OPTIONALLY_RETURNED
    for i in selects[1:]:
        missing = required - _returned(tokens, i)
        if missing:
            listed = ", ".join(f"${v}" for v in sorted(missing))
            return f"a sub-query does not return {listed}"
    return None


def _closing(tokens: list[tuple[str, str]], at: int) -> int:
    """The index of the bracket closing the one at `at` (or the end)."""
    pairs = {"(": ")", "{": "}", "[": "]"}
    opener, closer = tokens[at][1], pairs[tokens[at][1]]
    depth = 0
    for j in range(at, len(tokens)):
        if tokens[j][0] != "other":
            continue
        if tokens[j][1] == opener:
            depth += 1
        elif tokens[j][1] == closer:
            depth -= 1
            if depth == 0:
                return j
    return len(tokens)


def _returned(tokens: list[tuple[str, str]], select: int) -> set[str]:
    """The variables the sub-query whose SELECT is at `select` returns.

    `SELECT *` returns the variables in scope in its group: approximated as those used there
    outside FILTER expressions.
    """
    returned: set[str] = set()
    star = False
    depth = 0
    j = select + 1
    while j < len(tokens):
        kind, text = tokens[j]
        if depth == 0 and (text == "{" or (kind == "word" and text.upper() == "WHERE")):
            break
        if kind == "other" and text == "(":
            depth += 1
        elif kind == "other" and text == ")":
            depth -= 1
        elif kind == "other" and text == "*" and depth == 0:
            star = True
        elif kind == "var" and (depth == 0 or tokens[j - 1][1].upper() == "AS"):
            returned.add(text[1:])
        j += 1
    if not star:
        return returned
    while j < len(tokens) and tokens[j][1] != "{":
        j += 1
    if j == len(tokens):
        return returned
    end = _closing(tokens, j)
    k = j
    while k < end:
        kind, text = tokens[k]
        if kind == "word" and text.upper() == "FILTER":
            k += 1
            while k < end and not (tokens[k][0] == "other" and tokens[k][1] in "({"):
                k += 1
            k = _closing(tokens, k) + 1 if k < end else end
            continue
        if kind == "var":
            returned.add(text[1:])
        k += 1
    return returned


_MASK_RE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|#[^\n]*",
    re.S,
)


def _mask(text: str) -> str:
    """The query with strings, IRIs and comments blanked out (same length, same offsets)."""
    return _MASK_RE.sub(lambda m: " " * len(m.group(0)), text)


def _replace_masked(text: str, masked: str, pattern: str, replacement: str) -> str:
    out, last = [], 0
    for m in re.finditer(pattern, masked):
        out.append(text[last : m.start()])
        out.append(replacement)
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def _substitute_this(text: str, masked: str, term: str, outer: bool = True) -> str:
    """Pre-bind `$this` to `term` by substitution (SHACL 1.0, section 5.3.1).

    `bound($this)` becomes true; a sub-query projecting `$this` projects the term instead.
    """
    projections = [
        (m.start(), m.end())
        for m in re.finditer(r"\bSELECT\b.*?(?=\bWHERE\b|\{)", masked, re.I | re.S)
    ]
    out, last = [], 0
    for m in re.finditer(r"\bbound\s*\(\s*[?$]this\s*\)|[?$]this\b", masked, re.I):
        out.append(text[last : m.start()])
        if m.group(0).lower().startswith("bound"):
            out.append("(true)")
        elif projections and projections[0][0] <= m.start() < projections[0][1] and outer:
            out.append(f"({term} AS ?_prebound_this)")  # the caller knows the focus node
        elif any(a <= m.start() < b for a, b in projections):
            out.append(f"({term} AS ?this)")
        else:
            out.append(term)
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def _select_start(masked: str) -> int:
    m = re.search(r"\bSELECT\b", masked, re.I)
    if m is None:
        raise UnsupportedShapeError("sh:select is not a SELECT query")
    return m.start()


def _matching(masked: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(masked)):
        if masked[i] == "{":
            depth += 1
        elif masked[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    raise UnsupportedShapeError("unbalanced braces in sh:select")


_VAR = re.compile(r"[?$]([A-Za-z_][\w]*)")


def _call_spans(masked: str, keyword: str) -> list[tuple[int, int]]:
    """Spans of `KEYWORD ( ... )` calls (balanced parentheses)."""
    spans: list[tuple[int, int]] = []
    for m in re.finditer(rf"\b{keyword}\s*(?=\()", masked, re.I):
        if spans and m.start() < spans[-1][1]:
            continue
        depth, j = 0, m.end()
        for j in range(m.end(), len(masked)):
            if masked[j] == "(":
                depth += 1
            elif masked[j] == ")":
                depth -= 1
                if depth == 0:
                    break
        spans.append((m.start(), j + 1))
    return spans


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def not_exists_to_minus(query: str) -> str:
    """Rewrite `FILTER NOT EXISTS { P }` of the outer group as `MINUS { T . P }`.

    Oxigraph evaluates a NOT EXISTS with several triple patterns without using the outer
    bindings (quadratic on large data), a MINUS with a hash join. T is the outer group's own
    triple patterns. The two agree when P is a plain group (triples and filters), every
    variable P shares with the outer group is bound by T (or is `$this`, bound by the focus
    nodes), and P's filters use only variables of P or T: then an outer solution has a
    compatible solution of T ⋈ P exactly when P, with the outer bindings substituted, has one.
    """
    masked = _mask(query)
    open_at = masked.index("{", _select_start(masked))
    close_at = _matching(masked, open_at)
    blocks: list[tuple[int, int, int, str]] = []  # (keyword start, open, close, keyword)
    i = open_at + 1
    while i < close_at:
        if masked[i] == "{":
            end = _matching(masked, i)
            kw = re.search(r"(FILTER\s+NOT\s+EXISTS|\w+)?\s*$", masked[open_at + 1 : i], re.I)
            start = open_at + 1 + kw.start(1) if kw and kw.group(1) else i
            keyword = re.sub(r"\s+", " ", kw.group(1).upper()) if kw and kw.group(1) else ""
            blocks.append((start, i, end, keyword))
            i = end + 1
        else:
            i += 1
    if not any(b[3] == "FILTER NOT EXISTS" for b in blocks):
        return query
    body = slice(open_at + 1, close_at)
    spans = [(start, end + 1) for start, _o, end, _k in blocks]
    top_masked = _blank(masked, spans)
    spans += _call_spans(top_masked[body], "FILTER") and [
        (open_at + 1 + a, open_at + 1 + b) for a, b in _call_spans(top_masked[body], "FILTER")
    ]
    spans += [(open_at + 1 + a, open_at + 1 + b) for a, b in _call_spans(top_masked[body], "BIND")]
    outer_triples = _blank(query, spans)[body]
    outer_masked = _blank(masked, spans)[body]
    if re.search(r"\b(VALUES|GRAPH|SERVICE)\b", outer_masked, re.I):
        return query
    t_vars = set(_VAR.findall(outer_masked))
    t_text = re.sub(r"\.(\s*\.)+", ".", outer_triples).strip().rstrip(".").strip()
    edits = []
    for start, o, end, keyword in blocks:
        inner = masked[o + 1 : end]
        if keyword != "FILTER NOT EXISTS" or "{" in inner:
            continue
        filters = "".join(inner[a:b] for a, b in _call_spans(inner, "FILTER"))
        triples = _blank(inner, _call_spans(inner, "FILTER"))
        if re.search(r"\b(BIND|VALUES|OPTIONAL|MINUS|UNION|GRAPH|SERVICE)\b", triples, re.I):
            continue
        p_vars = set(_VAR.findall(triples))
        outside = masked[open_at + 1 : start] + masked[end + 1 : close_at]
        shared = p_vars & (set(_VAR.findall(outside)) | {"this"})
        if not shared or not shared <= t_vars | {"this"}:
            continue
        if not set(_VAR.findall(filters)) <= p_vars | t_vars:
            continue
        edits.append((start, o, end))
    for start, o, _end in reversed(edits):
        prefix = f"MINUS {{ {t_text} . " if t_text else "MINUS { "
        query = query[:start] + prefix + query[o + 1 :]
    return query


def _joinable(masked: str) -> bool:
    """Whether joining the focus nodes first in the outer group equals pre-binding `$this`.

    True when there is no sub-query, no aggregate unless grouped by `$this`, and every nested
    group is an OPTIONAL, MINUS or (NOT) EXISTS (evaluated with the outer bindings), so every
    place `$this` is used sees it bound.
    """
    start = _select_start(masked)
    if len(re.findall(r"\bSELECT\b", masked, re.I)) > 1:
        return False
    if re.search(
        r"\b(COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT|HAVING)\b", masked, re.I
    ) or re.search(r"\bGROUP\s+BY\b", masked, re.I):
        group = re.search(r"\bGROUP\s+BY\b([^{}]*)$", masked, re.I)
        if group is None or not re.search(r"[?$]this\b", group.group(1)):
            return False
    if re.search(r"\b(VALUES|SERVICE|GRAPH)\b", masked, re.I):
        return False
    open_at = masked.index("{", start)
    close_at = _matching(masked, open_at)
    depth_exists: list[bool] = []  # per open brace: inside an EXISTS?
    i = open_at + 1
    while i < close_at:
        ch = masked[i]
        if ch == "{":
            before = masked[open_at:i].rstrip()
            keyword = re.search(r"(\w+)$", before)
            inside_exists = any(depth_exists)
            word = keyword.group(1).upper() if keyword else ""
            if not inside_exists and word not in ("EXISTS", "OPTIONAL", "MINUS"):
                return False
            depth_exists.append(inside_exists or word == "EXISTS")
        elif ch == "}":
            depth_exists.pop()
        i += 1
    return True
