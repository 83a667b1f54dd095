"""The editing forms, generated from the SHACL shapes: one form per kind of record.

The form in the browser is `@ulb-darmstadt/shacl-form` (1.4.6): it draws a form from a root
`sh:NodeShape` (one field per `sh:property`) and validates what is typed against the
shapes graph it was given, showing each result next to its field. The shapes of
`shapes/*.ttl` are written for validation, not for drawing: several property shapes share
one path (a name in any language, an English name, a French name), links are checked by
`sh:node`, `sh:or` or SPARQL rather than by one `sh:class`, and they carry no names for
people. So for each kind of record this module derives, from the shapes and the store:

* the **kind**: the classes its records have (the choices of the "type" field), the pattern
  its IRIs follow (the `sh:pattern` of the node shape written for it), its name (that node
  shape's `rdfs:label`);
* one **field** per path of the property shapes of every node shape that targets those
  classes: the name of the property (ontology `rdfs:label` en/fr, or `sh:name` where a shape
  gives one), required or not, how many values, the datatype or the languages, the bounds,
  and for a link the records it may point to (`Choice`);
* the **form document** (`form_document`, Turtle for one language) that shacl-form loads:
  - a root node shape `{base}forms/{kind}` with the fields as property shapes. It has no
    target, so shacl-form only draws it; dates (a day, a month or a year, as the shapes'
    `sh:or` of datatypes allows) get the datatype `DATE_FIELD`, which the page's plugin
    draws as one text box; links get a `sh:class` of their own (`choice_iri`), whose
    records the page asks `/forms/{kind}/choices` for;
  - a copy of the original shapes that apply to the kind (targets, property shapes, value
    shapes) for the browser's validation, with the `sh:message`s of the page's language
    only (warnings and hints marked as such), and without what the browser cannot check:
    SPARQL-based constraints (cross-record rules), class checks (the drop-downs offer only
    records of the right class, and the records are not in the browser) and the pattern of
    the record's own IRI (the page checks the slug). The server's validation (the 422 of
    `PUT /id/{kind}/{slug}`) checks everything;
  - the names of the classes offered by the type field.

`choices_document` lists the records a link field may point to, with their names.
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF as RDF_NS
from rdflib.namespace import RDFS as RDFS_NS
from rdflib.namespace import SH as SH_NS
from rdflib.namespace import XSD as XSD_NS
from rdflib.term import Node

from kb.namespaces import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD
from kb.store.search_index import ChangeLike, IndexNotReady, SearchIndex, fold, query_words
from kb.validation.validator import load_shapes
from kb.web.context import KnowledgeBase
from kb.web.i18n import SEVERITY_WORDS
from kb.web.pages import property_label, sparql_iri, term_text
from kb.web.record_view import LABEL_PROPERTIES, best_literal, local_name

#: The datatype of a date field that takes a day, a month or a year (xsd:date, xsd:gYearMonth
#: or xsd:gYear, chosen by what is typed): the page's plugin draws it.
DATE_FIELD = "urn:alliance-kb:forms:date-month-or-year"
DATE_TYPES = (XSD + "date", XSD + "gYearMonth", XSD + "gYear")
#: Classes too general to list as the records a link may point to.
TOO_GENERAL = {OWL + "Thing", RDFS + "Resource", SKOS + "Concept", FOAF + "Agent"}
#: Links to anything on the web, never a drop-down: a source is a web address or a record
#: of `data/sources.ttl`, whatever the records of a kind happen to cite today.
FREE_IRI_PATHS = {DCTERMS + "source"}
#: How the slug of a new record is proposed (docs/model.md): from the English name by
#: default; these kinds are named after the records they link (award: edition and laureate).
SLUG_SOURCES: dict[str, tuple[str, ...]] = {
    "award": ("ontology#edition", "ontology#laureate"),
    "membership": ("http://www.w3.org/ns/org#member",),
    "signature": ("ontology#onBehalfOf",),
    "secondment": ("http://www.w3.org/ns/org#member",),
    "country": (DCTERMS + "identifier",),
}


@dataclass(frozen=True)
class Choice:
    """The records a link field may point to: instances of classes, or IRIs of a pattern."""

    classes: tuple[str, ...] = ()
    pattern: str = ""


@dataclass
class FormField:
    """One field of a form: a path and what the shapes say about its values."""

    path: str
    names: dict[str, str] = field(default_factory=dict)  # sh:name by language
    descriptions: dict[str, str] = field(default_factory=dict)  # sh:description by language
    order: float | None = None
    required: bool = False
    max_count: int | None = None
    datatype: str | None = None
    language_in: tuple[str, ...] = ()
    bounds: dict[str, Literal] = field(default_factory=dict)  # sh:minInclusive ... -> value
    allowed: tuple[Node, ...] = ()  # sh:in
    pattern: str | None = None  # for texts
    iri: bool = False  # the values are IRIs
    choice: Choice | None = None


@dataclass
class RecordKind:
    """A kind of record that can be edited through a form."""

    kind: str
    classes: tuple[str, ...]
    max_types: int
    node_shapes: tuple[URIRef, ...]
    iri_pattern: str
    labels: dict[str, str]
    fields: list[FormField]
    #: Paths of link fields with too many records for a drop-down (`searched_paths`).
    searched: frozenset[str] | None = None
    #: The form documents made so far, by language (`form_document`).
    documents: dict[str, str] = field(default_factory=dict)

    def field(self, path: str) -> FormField | None:
        return next((f for f in self.fields if f.path == path), None)


# -- kinds and fields -----------------------------------------------------------------------


def record_kinds(kb: KnowledgeBase) -> dict[str, RecordKind]:
    """Every kind of record of `data/` that some shape describes, by kind name.

    Worked out once (seconds at a million triples: every record's types) and kept while
    the shapes files are unchanged and no commit brings a kind or class of record the
    forms do not know yet (`_KindsWatcher`, a subscriber of the store's commits).
    """
    shapes = load_shapes(kb.settings)
    watcher = _watchers.get(id(kb.store))
    if watcher is None or watcher.store is not kb.store:
        watcher = _watchers[id(kb.store)] = _KindsWatcher(kb.store)
    return watcher.kinds(kb, shapes)


class _KindsWatcher:
    """The kinds of one store, and whether a commit has made them out of date."""

    def __init__(self, store: object) -> None:
        self.store = store
        self.lock = threading.Lock()
        self.shapes_id = 0
        self.records = ""  # {base}id/
        self.targeted: set[str] = set()  # classes some shape targets
        self.built: dict[str, RecordKind] | None = None
        self.stale = False
        subscribe = getattr(store, "subscribe", None)
        if subscribe is not None:  # an external store has no commits to follow
            subscribe(self.on_commit)

    def kinds(self, kb: KnowledgeBase, shapes: Graph) -> dict[str, RecordKind]:
        with self.lock:
            if self.built is None or self.shapes_id != id(shapes) or self.stale:
                self.stale = False
                self.shapes_id = id(shapes)
                self.records = kb.settings.base_iri + "id/"
                self.targeted = {str(c) for c in shapes.objects(None, SH_NS.targetClass)}
                self.built = _build_kinds(kb, shapes)
            return self.built

    def on_commit(self, change: ChangeLike, generation: int) -> None:
        """A record typed with a class that some shape targets but its kind's form does not
        offer yet: work the kinds out again at the next form. (Other commits change no
        form: the drop-downs are read from the store each time.)"""
        built = self.built
        if built is None:
            return
        for quad in change.added:
            subject, obj = quad.subject, quad.object
            if (
                quad.predicate.value != RDF + "type"
                or not isinstance(subject, ox.NamedNode)
                or not isinstance(obj, ox.NamedNode)
                or obj.value not in self.targeted
                or not subject.value.startswith(self.records)
                or "#" in subject.value  # a node a record owns (a statement), not a record
            ):
                continue
            kind = subject.value[len(self.records) :].split("/", 1)[0]
            known = built.get(kind)
            if known is None or obj.value not in known.classes:
                self.stale = True
                return


_watchers: dict[int, _KindsWatcher] = {}


def _record_types(kb: KnowledgeBase) -> dict[str, set[str]]:
    """The classes of the records of `data/` (not the ontology and vocabularies, nor the
    nodes records own, `{record}#name`: statements), by kind. One query: every record's
    types, read once."""
    records = json.dumps(kb.settings.base_iri + "id/")
    not_data = ", ".join(sparql_iri(kb.settings.graph_iri(g)) for g in ("ontology", "vocabularies"))
    rows = kb.store.select(
        f"SELECT DISTINCT ?kind ?t WHERE {{ GRAPH ?g {{ ?s a ?t }} "
        f'FILTER(?g NOT IN ({not_data}) && !CONTAINS(STR(?s), "#")) '
        f"BIND(STRAFTER(STR(?s), {records}) AS ?local) "
        f'FILTER(CONTAINS(?local, "/")) BIND(STRBEFORE(?local, "/") AS ?kind) }}'
    )
    out: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        out[term_text(row["kind"])].add(term_text(row["t"]))
    return out


def _most_types(kb: KnowledgeBase, kind: str, classes: list[str]) -> int:
    """How many of `classes` one record of `kind` may have: 1, unless two of them are found
    together on a record (the Alliance is an org:FormalOrganization and alliance:Alliance)."""
    prefix = json.dumps(kb.settings.record_iri(kind, ""))
    for i, first in enumerate(classes):
        for second in classes[i + 1 :]:
            if kb.store.ask(
                f"ASK {{ ?s a {sparql_iri(first)}, {sparql_iri(second)} "
                f"FILTER(STRSTARTS(STR(?s), {prefix})) }}"
            ):
                return len(classes)
    return 1


def _build_kinds(kb: KnowledgeBase, shapes: Graph) -> dict[str, RecordKind]:
    targets: dict[str, set[URIRef]] = defaultdict(set)  # class -> node shapes
    for shape, cls in shapes.subject_objects(SH_NS.targetClass):
        if isinstance(shape, URIRef):
            targets[str(cls)].add(shape)
    out: dict[str, RecordKind] = {}
    for kind, seen in sorted(_record_types(kb).items()):
        classes = sorted(t for t in seen if t in targets)
        if not classes:
            continue
        node_shapes = sorted({s for c in classes for s in targets[c]}, key=str)
        iri_pattern, labels = _kind_shape(shapes, node_shapes, kb.settings.base_iri, kind)
        rk = RecordKind(
            kind=kind,
            classes=tuple(classes),
            max_types=_most_types(kb, kind, classes),
            node_shapes=tuple(node_shapes),
            iri_pattern=iri_pattern,
            labels=labels,
            fields=[],
        )
        rk.fields = _fields(kb, shapes, rk)
        out[kind] = rk
    return out


def _kind_shape(
    shapes: Graph, node_shapes: list[URIRef], base: str, kind: str
) -> tuple[str, dict[str, str]]:
    """The IRI pattern and the name of a kind: from the node shape whose pattern names it."""
    prefix = f"{base}id/"
    for shape in node_shapes:
        for pattern in shapes.objects(shape, SH_NS.pattern):
            text = str(pattern)
            probe = f"{prefix}{kind}/"
            head = text.lstrip("^").replace("\\", "")
            if head.startswith(probe) or (
                head.startswith(prefix) and re.search(rf"[(|]{re.escape(kind)}[|)]", head)
            ):
                labels = {
                    lit.language or "": str(lit)
                    for lit in shapes.objects(shape, RDFS_NS.label)
                    if isinstance(lit, Literal)
                }
                return text, labels
    escaped = (prefix + kind).replace(".", "\\.")
    return f"^{escaped}/[a-z0-9]+(-[a-z0-9]+)*$", {}


def _closure_members(shapes: Graph, node: Node, pred: URIRef) -> list[Node]:
    out: list[Node] = []
    for lst in shapes.objects(node, pred):
        out.extend(Collection(shapes, lst))
    return out


def _classes_of(shapes: Graph, node: Node, depth: int = 0) -> list[str]:
    """Classes a value must have by `sh:class`, directly or through `sh:or` / `sh:node`."""
    if depth > 5:
        return []
    out = [str(c) for c in shapes.objects(node, SH_NS["class"])]
    for member in _closure_members(shapes, node, SH_NS["or"]):
        out.extend(_classes_of(shapes, member, depth + 1))
    for target in shapes.objects(node, SH_NS.node):
        out.extend(_classes_of(shapes, target, depth + 1))
    return list(dict.fromkeys(out))


def _datatypes_of(shapes: Graph, node: Node, depth: int = 0) -> list[str]:
    """Datatypes a value may have: `sh:datatype`, directly or through `sh:or` / `sh:node`."""
    if depth > 5:
        return []
    out = [str(d) for d in shapes.objects(node, SH_NS.datatype)]
    for member in _closure_members(shapes, node, SH_NS["or"]):
        out.extend(_datatypes_of(shapes, member, depth + 1))
    for target in shapes.objects(node, SH_NS.node):
        out.extend(_datatypes_of(shapes, target, depth + 1))
    return list(dict.fromkeys(out))


def _texts(shapes: Graph, nodes: Iterable[Node], pred: URIRef) -> dict[str, str]:
    out: dict[str, str] = {}
    for node in nodes:
        for lit in shapes.objects(node, pred):
            if isinstance(lit, Literal):
                out.setdefault(lit.language or "", str(lit))
    return out


def _int(shapes: Graph, node: Node, pred: URIRef) -> int | None:
    value = shapes.value(node, pred)
    try:
        return int(str(value)) if isinstance(value, Literal) else None
    except ValueError:
        return None


def _fields(kb: KnowledgeBase, shapes: Graph, rk: RecordKind) -> list[FormField]:
    by_path: dict[str, list[Node]] = defaultdict(list)
    for shape in rk.node_shapes:
        for prop in shapes.objects(shape, SH_NS.property):
            path = shapes.value(prop, SH_NS.path)
            if isinstance(path, URIRef):
                by_path[str(path)].append(prop)
    type_field = FormField(
        path=RDF + "type",
        names={"en": "type", "fr": "type"},
        order=0,
        required=True,
        max_count=rk.max_types,
        iri=True,
        allowed=tuple(URIRef(c) for c in rk.classes),
    )
    fields = [type_field]
    for path_iri, props in by_path.items():
        fields.append(_field(kb, shapes, rk, path_iri, props))
    return fields


def _field(
    kb: KnowledgeBase, shapes: Graph, rk: RecordKind, path: str, props: list[Node]
) -> FormField:
    f = FormField(path=path)
    f.names = _texts(shapes, props, SH_NS.name)
    f.descriptions = _texts(shapes, props, SH_NS.description)
    orders = [o for p in props if (o := shapes.value(p, SH_NS.order)) is not None]
    if orders:
        f.order = float(orders[0])  # type: ignore[arg-type]
    max_counts: list[int] = []
    for prop in props:
        severity = shapes.value(prop, SH_NS.severity)
        blocking = severity is None or severity == SH_NS.Violation
        min_count = _int(shapes, prop, SH_NS.minCount) or 0
        qualified = _int(shapes, prop, SH_NS.qualifiedMinCount) or 0
        if min_count > 0 or (qualified > 0 and blocking):
            f.required = True
        if (n := _int(shapes, prop, SH_NS.maxCount)) is not None:
            max_counts.append(n)
        languages = _closure_members(shapes, prop, SH_NS.languageIn)
        if languages and not f.language_in:
            f.language_in = tuple(str(x) for x in languages)
            if shapes.value(prop, SH_NS.uniqueLang) == Literal(True):
                max_counts.append(len(languages))
        for bound in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
            value = shapes.value(prop, SH_NS[bound])
            if isinstance(value, Literal):
                f.bounds.setdefault(bound, value)
        allowed = _closure_members(shapes, prop, SH_NS["in"])
        if allowed and not f.allowed:
            f.allowed = tuple(allowed)
        if shapes.value(prop, SH_NS.nodeKind) == SH_NS.IRI:
            f.iri = True
    f.max_count = min(max_counts) if max_counts else None
    datatypes = [d for p in props for d in _datatypes_of(shapes, p)]
    if f.language_in:
        f.datatype = RDF + "langString"
    elif datatypes and set(datatypes) <= set(DATE_TYPES) and len(set(datatypes)) > 1:
        f.datatype = DATE_FIELD
    elif datatypes:
        f.datatype = datatypes[0]
    classes = [c for p in props for c in _classes_of(shapes, p)]
    patterns = [str(x) for p in props for x in shapes.objects(p, SH_NS.pattern)]
    records = kb.settings.base_iri + "id/"
    if any(p.lstrip("^").replace("\\", "").startswith(records) for p in patterns):
        f.iri = True  # a pattern of record IRIs: a link
    if classes or f.iri:
        f.iri = True
        f.choice = _choice(kb, rk, path, classes, patterns)
    elif patterns:
        f.pattern = patterns[0]
    return f


def _choice(
    kb: KnowledgeBase, rk: RecordKind, path: str, classes: list[str], patterns: list[str]
) -> Choice | None:
    """Where the records a link may point to come from, most precise first: the shapes'
    classes, the shapes' IRI pattern of records, the ontology's range, the classes of what
    the records of the kind already link to. None: any IRI (typed in a text box)."""
    precise = [c for c in classes if c not in TOO_GENERAL]
    if precise:
        return Choice(classes=tuple(precise))
    records = kb.settings.base_iri + "id/"
    for pattern in patterns:
        if pattern.lstrip("^").replace("\\", "").startswith(records):
            return Choice(pattern=pattern)
    if classes:
        return Choice(classes=tuple(classes))
    ranges = [
        term_text(r["r"])
        for r in kb.store.select(f"SELECT ?r WHERE {{ {sparql_iri(path)} <{RDFS}range> ?r }}")
    ]
    useful = [r for r in ranges if r not in TOO_GENERAL]
    if useful:
        return Choice(classes=tuple(useful))
    if path in FREE_IRI_PATHS:
        return None
    # what the records of this kind link to through this path, when every one is a record
    kind_classes = " ".join(sparql_iri(c) for c in rk.classes)
    rows = kb.store.select(
        f"SELECT ?o ?c WHERE {{ VALUES ?k {{ {kind_classes} }} ?s a ?k ; "
        f"{sparql_iri(path)} ?o . OPTIONAL {{ ?o a ?c }} }}"
    )
    if rows and all(r["c"] is not None for r in rows):
        return Choice(classes=tuple(sorted({term_text(r["c"]) for r in rows})))
    return None


# -- the document shacl-form loads ----------------------------------------------------------


def form_iri(kb: KnowledgeBase, kind: str) -> str:
    """The IRI of a kind's root form shape (it names the form; nothing dereferences it)."""
    return f"{kb.settings.base_iri}forms/{kind}"


def choice_iri(kb: KnowledgeBase, kind: str, path: str, lang: str) -> str:
    """The class a link field's drop-down lists: the page asks `/forms/{kind}/choices`."""
    query = urlencode({"path": path, "lang": lang})
    return f"{kb.settings.base_iri}forms/{kind}/choices?{query}"


def kind_label(kb: KnowledgeBase, rk: RecordKind, lang: str) -> str:
    """The name of a kind: its shape's `rdfs:label`, else its first class's."""
    return rk.labels.get(lang) or property_label(kb, rk.classes[0], lang)


def field_name(kb: KnowledgeBase, f: FormField, lang: str) -> str:
    return f.names.get(lang) or f.names.get("") or property_label(kb, f.path, lang)


def field_order(kb: KnowledgeBase, rk: RecordKind, lang: str) -> list[FormField]:
    """The fields in the order of the form: type, names, the rest by name, sources last."""

    def key(f: FormField) -> tuple[float, str]:
        if f.order is not None:
            return (f.order, "")
        if f.path == RDF + "type":
            return (0, "")
        if f.path in LABEL_PROPERTIES:
            return (10 + LABEL_PROPERTIES.index(f.path), "")
        if f.path == DCTERMS + "source":
            return (1000, "")
        return (100 if f.required else 200, field_name(kb, f, lang).casefold())

    return sorted(rk.fields, key=key)


def form_document(kb: KnowledgeBase, rk: RecordKind, lang: str) -> str:
    """The Turtle shacl-form loads for a kind: the form shape and the shapes it validates.

    Made once per kind and language (while the kinds stand, see `record_kinds`)."""
    if lang not in rk.documents:
        rk.documents[lang] = _form_document(kb, rk, lang)
    return rk.documents[lang]


def _form_document(kb: KnowledgeBase, rk: RecordKind, lang: str) -> str:
    shapes = load_shapes(kb.settings)
    g = Graph()
    g.bind("sh", SH_NS)
    g.bind("xsd", XSD_NS)
    g.bind("rdfs", RDFS_NS)
    root = URIRef(form_iri(kb, rk.kind))
    g.add((root, RDF_NS.type, SH_NS.NodeShape))
    g.add((root, RDFS_NS.label, Literal(kind_label(kb, rk, lang), lang=lang)))
    for i, f in enumerate(field_order(kb, rk, lang)):
        prop = URIRef(f"{root}#{i}-{local_name(f.path)}")
        g.add((root, SH_NS.property, prop))
        _add_field(kb, g, rk, prop, f, lang, i)
    for cls in rk.classes:
        name = option_text(property_label(kb, cls, lang))
        g.add((URIRef(cls), RDFS_NS.label, Literal(name, lang=lang)))
    _add_validation_shapes(g, shapes, rk, lang)
    return g.serialize(format="turtle")


def _add_field(
    kb: KnowledgeBase, g: Graph, rk: RecordKind, prop: URIRef, f: FormField, lang: str, i: int
) -> None:
    g.add((prop, RDF_NS.type, SH_NS.PropertyShape))
    g.add((prop, SH_NS.path, URIRef(f.path)))
    g.add((prop, SH_NS.name, Literal(field_name(kb, f, lang), lang=lang)))
    description = f.descriptions.get(lang) or f.descriptions.get("")
    if description:
        g.add((prop, SH_NS.description, Literal(description, lang=lang)))
    g.add((prop, SH_NS.order, Literal(i)))
    if f.required:
        g.add((prop, SH_NS.minCount, Literal(1)))
    if f.max_count is not None:
        g.add((prop, SH_NS.maxCount, Literal(f.max_count)))
    if f.allowed:
        g.add((prop, SH_NS["in"], _list(g, f.allowed)))
    if f.iri:
        g.add((prop, SH_NS.nodeKind, SH_NS.IRI))
    if f.choice is not None and f.path not in searched_paths(kb, rk):
        g.add((prop, SH_NS["class"], URIRef(choice_iri(kb, rk.kind, f.path, lang))))
    if f.language_in:
        g.add((prop, SH_NS.languageIn, _list(g, [Literal(x) for x in f.language_in])))
    if f.datatype and not f.iri:
        g.add((prop, SH_NS.datatype, URIRef(f.datatype)))
    for bound, value in f.bounds.items():
        g.add((prop, SH_NS[bound], value))
    if f.pattern:
        g.add((prop, SH_NS.pattern, Literal(f.pattern)))


def _list(g: Graph, items: Iterable[Node]) -> BNode:
    head = BNode()
    Collection(g, head, list(items))
    return head


#: Constraints the browser does not check (the server does): cross-record SPARQL rules and
#: class checks (the records linked to are not in the browser).
_NOT_IN_BROWSER = {SH_NS.sparql, SH_NS["class"]}
_FOLLOW = (
    SH_NS.property,
    SH_NS.node,
    SH_NS.qualifiedValueShape,
    SH_NS["not"],
    SH_NS["or"],
    SH_NS["and"],
    SH_NS.xone,
)


#: Where a shape that accepts more than it should (a class check left out) makes the parent
#: refuse more than it should: such constraints are left to the server too.
_NEGATING = {SH_NS["not"], SH_NS.xone}


def _weakened(shapes: Graph, node: Node | None, depth: int = 0) -> bool:
    """True when the browser's copy of shape `node` lacks a constraint (`_NOT_IN_BROWSER`)."""
    if node is None or depth > 20:
        return False
    if any(True for p in _NOT_IN_BROWSER for _ in shapes.objects(node, p)):
        return True
    for p in (SH_NS.property, SH_NS.node, SH_NS.qualifiedValueShape, SH_NS["not"]):
        if any(_weakened(shapes, o, depth + 1) for o in shapes.objects(node, p)):
            return True
    for p in (SH_NS["or"], SH_NS["and"], SH_NS.xone):
        if any(_weakened(shapes, m, depth + 1) for m in _closure_members(shapes, node, p)):
            return True
    if (node, RDF_NS.first, None) in shapes:  # an rdf:List (the object of sh:xone)
        return any(_weakened(shapes, m, depth + 1) for m in Collection(shapes, node))
    return False


def _add_validation_shapes(g: Graph, shapes: Graph, rk: RecordKind, lang: str) -> None:
    """Copy the shapes that apply to the kind, for the browser's validation (module doc)."""
    seen: set[Node] = set()
    todo: list[Node] = list(rk.node_shapes)
    roots = set(rk.node_shapes)
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        severity = shapes.value(node, SH_NS.severity)
        for p, o in shapes.predicate_objects(node):
            if p in _NOT_IN_BROWSER:
                continue
            if p in _NEGATING and _weakened(shapes, o):
                continue  # a weakened shape under sh:not (or sh:xone) would refuse too much
            if p == SH_NS.qualifiedMaxCount and _weakened(
                shapes, shapes.value(node, SH_NS.qualifiedValueShape)
            ):
                continue
            if node in roots and p == SH_NS.pattern:
                continue  # the record's own IRI: the page checks the slug
            if p == SH_NS.targetClass and str(o) not in rk.classes:
                continue
            if p == SH_NS.message:
                if not isinstance(o, Literal) or (o.language or lang) != lang:
                    continue
                words = SEVERITY_WORDS.get(local_name(str(severity)) if severity else "")
                if words:
                    o = Literal(f"{words[lang]}: {o}", lang=lang)
            g.add((node, p, o))
            if p in _FOLLOW or p == RDF_NS.first or p == RDF_NS.rest:
                todo.append(o)
            if p in (SH_NS["in"], SH_NS.languageIn):
                todo.append(o)


def option_text(name: str) -> str:
    """A name as shacl-form 1.4.6 needs it for a drop-down's option: it sets the option's
    `innerHTML`, so the markup characters of a name are escaped (shown as typed, never
    parsed)."""
    return html.escape(name, quote=False)


# -- the records a link may point to --------------------------------------------------------


def choices_document(kb: KnowledgeBase, rk: RecordKind, path: str, lang: str) -> str | None:
    """Turtle: the records a link field may point to, typed with the field's choice class,
    named in `lang` and sorted by name. None when the kind has no such link field."""
    f = rk.field(path)
    if f is None or f.choice is None:
        return None
    named = choice_records(kb, f.choice, lang)
    counts: dict[str, int] = defaultdict(int)
    for _, name in named:
        counts[name] += 1
    entries = []
    for iri, name in named:
        if counts[name] > 1:  # two records of one name: say which is which
            name = f"{name} ({iri.rsplit('/', 1)[-1]})"
        entries.append((name.casefold(), name, iri))
    cls = ox.NamedNode(choice_iri(kb, rk.kind, path, lang))
    lines = []
    for _, name, iri in sorted(entries):
        label = ox.Literal(option_text(name), language=lang)
        lines.append(f"{ox.NamedNode(iri)} a {cls} ; <{SKOS}prefLabel> {label} .")
    return "\n".join(lines) + "\n"


def _choice_pattern(choice: Choice) -> str:
    """The SPARQL pattern binding ?s to each record a link may point to."""
    if choice.classes:
        values = " ".join(sparql_iri(c) for c in choice.classes)
        return f"VALUES ?c {{ {values} }} ?s a/<{RDFS}subClassOf>* ?c . FILTER(isIRI(?s))"
    return f"?s a ?t . FILTER(isIRI(?s) && REGEX(STR(?s), {json.dumps(choice.pattern)}))"


def searched_paths(kb: KnowledgeBase, rk: RecordKind) -> frozenset[str]:
    """The link fields of a kind with more records than `form_list_limit`: a search box
    (names typed, records suggested by `search_choices`) instead of a drop-down listing
    thousands. Worked out once per store state (with the kinds)."""
    if rk.searched is None:
        limit = kb.settings.form_list_limit
        found = set()
        for f in rk.fields:
            if f.choice is None:
                continue
            # more than the limit? stop reading at limit + 1 records
            rows = kb.store.select(
                f"SELECT DISTINCT ?s WHERE {{ {_choice_pattern(f.choice)} }} LIMIT {limit + 1}"
            )
            if len(rows) > limit:
                found.add(f.path)
        rk.searched = frozenset(found)
    return rk.searched


def choice_records(
    kb: KnowledgeBase, choice: Choice, lang: str, among: Iterable[str] | None = None
) -> list[tuple[str, str]]:
    """(IRI, name in `lang`) of the records a link may point to: instances of the classes or
    their subclasses, or typed records whose IRI matches the pattern; only those `among`
    these IRIs when given. One query."""
    which = _choice_pattern(choice)
    if among is not None:
        # a few candidates: their types first (a join Oxigraph would start from the classes)
        values = " ".join(sparql_iri(i) for i in among)
        rows = kb.store.select(f"SELECT ?s ?t WHERE {{ VALUES ?s {{ {values} }} ?s a ?t }}")
        if choice.classes:
            closure = _subclasses(kb, choice.classes)
            keep = {term_text(r["s"]) for r in rows if term_text(r["t"]) in closure}
        else:
            keep = {term_text(r["s"]) for r in rows if re.search(choice.pattern, term_text(r["s"]))}
        which = f"VALUES ?s {{ {' '.join(sparql_iri(i) for i in sorted(keep))} }}"
    names = ", ".join(sparql_iri(p) for p in LABEL_PROPERTIES)
    rows = kb.store.select(
        f"SELECT DISTINCT ?s ?p ?l WHERE {{ {which} "
        f"OPTIONAL {{ ?s ?p ?l . FILTER(?p IN ({names}) && isLiteral(?l)) }} }}"
    )
    found: dict[str, dict[str, list[ox.Literal]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        by_property = found[term_text(row["s"])]
        if isinstance(row["l"], ox.Literal):
            by_property[term_text(row["p"])].append(row["l"])
    out = []
    for iri, by_property in found.items():
        name = next(
            (best.value for p in LABEL_PROPERTIES if (best := best_literal(by_property[p], lang))),
            local_name(iri),
        )
        out.append((iri, name))
    return sorted(out)


def search_choices(
    kb: KnowledgeBase,
    rk: RecordKind,
    path: str,
    text: str,
    lang: str,
    index: SearchIndex | None,
    limit: int = 20,
) -> list[tuple[str, str]] | None:
    """(IRI, name) of at most `limit` records a link field may point to whose name matches
    `text` (case and diacritics ignored, the last word as a prefix: the site's search
    index), best first. None when the kind has no such link field."""
    f = rk.field(path)
    if f is None or f.choice is None:
        return None
    if not query_words(text):
        return []
    candidates: list[str] | None = None
    if index is not None:
        candidates = []
        for kind in _kinds_of(kb, f.choice):
            try:
                found = index.search(text, kind=kind, limit=limit * 2, wait_s=1.0)
            except IndexNotReady:
                candidates = None
                break
            candidates += [hit.iri for hit in found.hits]
    if candidates is not None:
        # the index ranks; the store says which of them the link may point to
        allowed = dict(choice_records(kb, f.choice, lang, among=candidates)) if candidates else {}
        return [(iri, allowed[iri]) for iri in candidates if iri in allowed][:limit]
    # no index (or not built yet): names containing the words, from the store
    folded = query_words(text)
    return [
        (iri, name)
        for iri, name in choice_records(kb, f.choice, lang)
        if all(word in fold(name) for word in folded)
    ][:limit]


def _kinds_of(kb: KnowledgeBase, choice: Choice) -> list[str]:
    """The kinds of record among which a link's records are (for the search index)."""
    kinds = record_kinds(kb)
    if choice.classes:
        closure = _subclasses(kb, choice.classes)
        return sorted(k for k, other in kinds.items() if closure & set(other.classes))
    records = kb.settings.base_iri + "id/"
    return sorted(k for k in kinds if re.match(choice.pattern, f"{records}{k}/x"))


def _subclasses(kb: KnowledgeBase, classes: Iterable[str]) -> set[str]:
    """The classes and their subclasses (`rdfs:subClassOf*`, from the ontology)."""
    values = " ".join(sparql_iri(c) for c in classes)
    rows = kb.store.select(
        f"SELECT DISTINCT ?sub WHERE {{ VALUES ?c {{ {values} }} ?sub <{RDFS}subClassOf>* ?c }}"
    )
    return {term_text(r["sub"]) for r in rows} | set(classes)
