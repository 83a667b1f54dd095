"""Which focus nodes a change can affect, per shape: the input of incremental validation.

A SHACL result at a focus node depends only on the triples its shape reads, starting from
that node. This module works out, once per shapes graph, what each targeted shape reads
(`ShapeReads`), then, per change, which focus nodes read a changed triple:

* **Paths.** A property shape reads the triples of its path at its focus node (the value
  set: counts, datatypes, patterns, languages, ranges...); `sh:class` also reads the value
  nodes' `rdf:type`; `sh:equals` / `sh:disjoint` / `sh:lessThan(OrEquals)` read another
  property of the focus node; `sh:closed` reads every triple of the node; `sh:node`,
  `sh:property`, `sh:and` / `or` / `xone` / `not` and `sh:qualifiedValueShape` read, at each
  value node, what the nested shape reads. Each is an `Access`: a chain of steps from the
  focus node, then the predicate read at its end. A changed triple `s p o` matters to the
  focus nodes that reach `s` (or `o`, for an inverse step) by the chain: found by one
  SPARQL property-path query per chain, on the data before *and* after the change.
* **SPARQL constraints.** The query is read into its triple patterns (rdflib's SPARQL
  algebra), each with the patterns that must hold in any solution that uses it: those of
  its own group and of every enclosing group, OPTIONAL, UNION branch, (NOT) EXISTS or MINUS
  included as the place it is evaluated. A changed triple matching a pattern can change the
  results of the `$this` values that join with it: found by running those patterns with the
  triple's terms bound, again on the data before and after. Filters are left out (a
  superset), aggregates are grouped by `$this`, so the same reasoning holds.
* **Targets.** A changed `rdf:type`, or a triple of a `sh:targetSubjectsOf` /
  `sh:targetObjectsOf` predicate, puts its node in or out of a shape's focus nodes.

The answer is a superset of the nodes whose results can change, so the incremental verdict
is the full one (`tests/test_incremental_validation.py` checks it on random edits). What
the analysis does not model (a path other than a predicate or its inverse, a SPARQL query
with a sub-query, GRAPH, VALUES or SERVICE, a changed `rdfs:subClassOf`, a blank node
reached by the change) makes the shape concerned, or the whole validation, run in full:
slower, never wrong.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef, Variable
from rdflib.namespace import RDF, RDFS, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.algebra import translateGroupGraphPattern
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from kb.store.changes import ChangeSet
from kb.validation.rdf_terms import rdflib_to_ox
from kb.validation.shacl_engine import FOCUS_GRAPH, FastEngine

#: A path step: (inverse?, predicate IRI); the predicate "*" reads every triple of a node.
Step = tuple[bool, str]
ANY = "*"
#: Where the triples a change removed stay visible while the affected nodes are found.
REMOVED_GRAPH = "urn:alliance-kb:removed"
#: Deeper nesting than this is taken as "reads everything" (recursive shapes).
MAX_DEPTH = 8

RDF_TYPE = str(RDF.type)


class Unmodelled(Exception):
    """A shape or query feature the analysis does not follow: validate that shape in full."""


@dataclass(frozen=True)
class Access:
    """Reading the triples of `last` at the nodes `prefix` leads to from the focus node."""

    prefix: tuple[Step, ...]
    last: Step


@dataclass
class PatternScope:
    """A triple pattern of a SPARQL constraint and the patterns that hold with it."""

    pattern: tuple[Any, Any, Any]
    scope: list[tuple[Any, Any, Any]]


@dataclass
class SparqlReads:
    """A SPARQL constraint: its triple patterns, each with its scope (None: unmodelled)."""

    patterns: list[PatternScope] | None


@dataclass
class ShapeReads:
    """What a targeted shape's results depend on."""

    accesses: set[Access] = field(default_factory=set)
    #: SPARQL constraints, with the chain from the focus node to their `$this`.
    sparql: list[tuple[tuple[Step, ...], SparqlReads]] = field(default_factory=list)
    subjects_of: set[str] = field(default_factory=set)
    objects_of: set[str] = field(default_factory=set)
    #: True when the shape must be validated in full.
    whole: bool = False


# -- what the shapes read (computed once per engine) ------------------------------------------

_READS: weakref.WeakKeyDictionary[FastEngine, dict[Node, ShapeReads]] = weakref.WeakKeyDictionary()


def shape_reads(engine: FastEngine) -> dict[Node, ShapeReads]:
    """What each targeted shape of the engine reads (cached per engine)."""
    known = _READS.get(engine)
    if known is None:
        known = {shape: _reads_of_target(engine, shape) for shape in engine.targeted}
        _READS[engine] = known
    return known


def _reads_of_target(engine: FastEngine, shape: Node) -> ShapeReads:
    sg = engine.sg
    reads = ShapeReads()
    reads.subjects_of = {str(p) for p in sg.objects(shape, SH.targetSubjectsOf)}
    reads.objects_of = {str(p) for p in sg.objects(shape, SH.targetObjectsOf)}
    try:
        _collect(engine, shape, (), reads, 0)
    except Unmodelled:
        reads.whole = True
    return reads


def _step(sg: Graph, path: Node) -> Step:
    if isinstance(path, URIRef):
        return (False, str(path))
    inverse = sg.value(path, SH.inversePath)
    if isinstance(inverse, URIRef) and len(list(sg.predicate_objects(path))) == 1:
        return (True, str(inverse))
    raise Unmodelled(f"path {path!r}")


def _members(sg: Graph, shape: Node) -> Iterator[Node]:
    """The shapes a shape applies to its value nodes."""
    for pred in (SH.node, SH["not"], SH.qualifiedValueShape):
        yield from sg.objects(shape, pred)
    for pred in (SH["and"], SH["or"], SH.xone):
        for lst in sg.objects(shape, pred):
            yield from sg.items(lst)


def _collect(
    engine: FastEngine, shape: Node, prefix: tuple[Step, ...], reads: ShapeReads, depth: int
) -> None:
    if depth > MAX_DEPTH:
        raise Unmodelled("nesting too deep")
    sg = engine.sg
    path = sg.value(shape, SH.path)
    values = prefix
    if path is not None:
        step = _step(sg, path)
        reads.accesses.add(Access(prefix, step))
        values = (*prefix, step)
    if any(True for _ in sg.objects(shape, SH["class"])):
        reads.accesses.add(Access(values, (False, RDF_TYPE)))
    for pred in (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals):
        for other in sg.objects(shape, pred):
            if not isinstance(other, URIRef):
                raise Unmodelled("a non-IRI property pair")
            reads.accesses.add(Access(prefix, (False, str(other))))
    if sg.value(shape, SH.closed) == Literal(True):
        reads.accesses.add(Access(values, (False, ANY)))
    for member in _members(sg, shape):
        _collect(engine, member, values, reads, depth + 1)
    if sg.value(shape, SH.qualifiedValueShapesDisjoint) == Literal(True):
        for parent in sg.subjects(SH.property, shape):  # the sibling shapes are read too
            for sibling in sg.objects(parent, SH.property):
                for qualified in sg.objects(sibling, SH.qualifiedValueShape):
                    _collect(engine, qualified, values, reads, depth + 1)
    for prop in sg.objects(shape, SH.property):
        _collect(engine, prop, values, reads, depth + 1)
    for constraint in sg.objects(shape, SH.sparql):
        reads.sparql.append((prefix, sparql_reads(engine.sparql_text(constraint))))


# -- reading a SPARQL constraint --------------------------------------------------------------


def sparql_reads(query: str) -> SparqlReads:
    """The triple patterns of a SPARQL query, each with its scope (see the module's doc)."""
    try:
        algebra = prepareQuery(query).algebra
        root = algebra["p"]
        found: list[PatternScope] = []
        _walk(root, _mandatory(root), found)
        return SparqlReads(found)
    except Unmodelled:
        return SparqlReads(None)


Pattern = tuple[Any, Any, Any]


def _triples(node: CompValue) -> list[Pattern]:
    out = []
    for t in node["triples"]:
        if not isinstance(t[1], URIRef | Variable):
            raise Unmodelled("a property path in a SPARQL constraint")
        out.append((t[0], t[1], t[2]))
    return out


def _mandatory(node: Any) -> list[Pattern]:
    """The patterns every solution of `node` matches."""
    if not isinstance(node, CompValue):
        return []
    name = node.name
    if name == "BGP":
        return _triples(node)
    if name == "Join":
        return _mandatory(node["p1"]) + _mandatory(node["p2"])
    if name in ("LeftJoin", "Minus"):
        return _mandatory(node["p1"])
    if name in ("Filter", "Extend", "Project", "Distinct", "Reduced", "Slice", "OrderBy", "Group"):
        return _mandatory(node["p"])
    if name == "AggregateJoin":
        return _mandatory(node["p"])
    if name == "Union":
        return []
    raise Unmodelled(f"SPARQL {name}")


def _walk(node: Any, scope: list[Pattern], found: list[PatternScope]) -> None:
    if not isinstance(node, CompValue):
        return
    name = node.name
    if name == "BGP":
        found.extend(PatternScope(t, scope) for t in _triples(node))
    elif name == "Join":
        _walk(node["p1"], scope, found)
        _walk(node["p2"], scope, found)
    elif name == "LeftJoin":
        _walk(node["p1"], scope, found)
        inner = scope + _mandatory(node["p2"])
        _walk(node["p2"], inner, found)
        _walk_expression(node.get("expr"), inner, found)
    elif name == "Minus":
        _walk(node["p1"], scope, found)
        _walk(node["p2"], scope + _mandatory(node["p2"]), found)
    elif name == "Union":
        for branch in (node["p1"], node["p2"]):
            _walk(branch, scope + _mandatory(branch), found)
    elif name in ("Filter", "Extend"):
        _walk(node["p"], scope, found)
        _walk_expression(node.get("expr"), scope, found)
    elif name in ("Project", "Distinct", "Reduced", "Slice", "OrderBy", "Group", "AggregateJoin"):
        _walk(node["p"], scope, found)
    else:
        raise Unmodelled(f"SPARQL {name}")


def _walk_expression(expr: Any, scope: list[Pattern], found: list[PatternScope]) -> None:
    """The (NOT) EXISTS groups inside a filter or bind expression."""
    if isinstance(expr, CompValue):
        if expr.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            graph = expr["graph"]
            if graph.name == "GroupGraphPatternSub":
                graph = translateGroupGraphPattern(graph)
            _walk(graph, scope + _mandatory(graph), found)
            return
        for value in expr.values():
            _walk_expression(value, scope, found)
    elif isinstance(expr, list | tuple):
        for value in expr:
            _walk_expression(value, scope, found)


# -- per change ----------------------------------------------------------------------------------


def affected_focus_nodes(
    engine: FastEngine, store: ox.Store, change: ChangeSet
) -> dict[Node, set[Any] | None] | None:
    """For each targeted shape, the nodes whose results the change can alter (`None` for a
    shape: all its focus nodes); `None` overall: validate everything.

    `store` holds the data with the change applied (a trial snapshot); the removed triples
    are put back in a scratch graph while the nodes are looked up, then taken out.
    """
    triples = [(q.subject, q.predicate, q.object) for q in (*change.removed, *change.added)]
    if any(p.value == str(RDFS.subClassOf) for _s, p, _o in triples):
        return None  # the class hierarchy changed: every sh:class and target may change
    removed = ox.NamedNode(REMOVED_GRAPH)
    store.extend(
        ox.Quad(s, p, o, removed)
        for s, p, o in ((q.subject, q.predicate, q.object) for q in change.removed)
    )
    graphs = [
        g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value != FOCUS_GRAPH
    ]
    try:
        finder = _Finder(store, graphs)
        out: dict[Node, set[Any] | None] = {}
        for shape, reads in shape_reads(engine).items():
            out[shape] = None if reads.whole else finder.affected(reads, triples)
            if out[shape] is not None and not out[shape]:
                del out[shape]
        return out
    finally:
        store.remove_graph(removed)


class _Finder:
    """Runs the look-ups of one change on the data before and after it."""

    def __init__(self, store: ox.Store, graphs: list[ox.NamedNode]) -> None:
        self.store = store
        self.dataset: dict[str, Any] = {"default_graph": graphs}
        self._back: dict[tuple[tuple[Step, ...], Any], set[Any]] = {}

    def affected(self, reads: ShapeReads, triples: list[tuple[Any, Any, Any]]) -> set[Any] | None:
        nodes: set[Any] = set()
        anchors: dict[tuple[Step, ...], set[Any]] = defaultdict(set)
        for s, p, o in triples:
            if p.value == RDF_TYPE:
                nodes.add(s)  # in or out of a class target
            if p.value in reads.subjects_of:
                nodes.add(s)
            if p.value in reads.objects_of and not isinstance(o, ox.Literal):
                nodes.add(o)
            for access in reads.accesses:
                inverse, predicate = access.last
                if predicate != ANY and predicate != p.value:
                    continue
                anchors[access.prefix].add(o if inverse else s)
        for prefix, sparql in reads.sparql:
            if sparql.patterns is None:
                return None
            thises = self._sparql(sparql.patterns, triples)
            if thises is None:
                return None
            anchors[prefix].update(thises)
        for prefix, found in anchors.items():
            reached = self._reach_back(prefix, found)
            if reached is None:
                return None
            nodes |= reached
        return nodes

    def _reach_back(self, prefix: tuple[Step, ...], anchors: set[Any]) -> set[Any] | None:
        """The nodes from which `prefix` leads to one of `anchors`."""
        if not prefix:
            return set(anchors)
        if any(isinstance(a, ox.BlankNode) for a in anchors):
            return None
        path = "/".join(f"{'^' if inverse else ''}<{p}>" for inverse, p in prefix)
        values = " ".join(str(a) for a in anchors)
        rows = self.store.query(
            f"SELECT DISTINCT ?f WHERE {{ VALUES ?a {{ {values} }} ?f {path} ?a }}",
            **self.dataset,
        )
        return {row["f"] for row in rows}  # type: ignore[union-attr]

    def _sparql(
        self, patterns: list[PatternScope], triples: list[tuple[Any, Any, Any]]
    ) -> set[Any] | None:
        """The `$this` values whose solutions a changed triple can join."""
        thises: set[Any] = set()
        for entry in patterns:
            rows: list[dict[str, Any]] = []
            for triple in triples:
                bound = _unify(entry.pattern, triple)
                if bound is None:
                    continue
                if "this" in bound:
                    thises.add(bound["this"])
                    continue
                if any(isinstance(v, ox.BlankNode) for v in bound.values()):
                    return None
                rows.append(bound)
            if not rows:
                continue
            scope_vars = {
                str(t)
                for pattern in [*entry.scope, entry.pattern]
                for t in pattern
                if isinstance(t, Variable)
            }
            if "this" not in scope_vars:
                return None  # $this does not join with the pattern: every focus node may change
            thises |= self._join(entry, rows)
        return thises

    def _join(self, entry: PatternScope, rows: list[dict[str, Any]]) -> set[Any]:
        names = sorted({name for row in rows for name in row})
        values = " ".join(
            "(" + " ".join(str(row[n]) if n in row else "UNDEF" for n in names) + ")"
            for row in rows
        )
        body = " . ".join(
            " ".join(_sparql_term(t) for t in pattern)
            for pattern in dict.fromkeys([entry.pattern, *entry.scope])
        )
        query = (
            f"SELECT DISTINCT ?this WHERE {{ VALUES ({' '.join('?' + n for n in names)}) "
            f"{{ {values} }} {body} }}"
        )
        return {row["this"] for row in self.store.query(query, **self.dataset)}  # type: ignore[union-attr]


def _sparql_term(term: Any) -> str:
    if isinstance(term, Variable):
        return f"?{term}"
    return str(term.n3())


def _unify(pattern: tuple[Any, Any, Any], triple: tuple[Any, Any, Any]) -> dict[str, Any] | None:
    """The variable bindings that make `pattern` match `triple`, or None."""
    bound: dict[str, Any] = {}
    for term, value in zip(pattern, triple, strict=True):
        if isinstance(term, Variable):
            name = str(term)
            if name in bound and bound[name] != value:
                return None
            bound[name] = value
        elif rdflib_to_ox(term) != value:
            return None
    return bound
