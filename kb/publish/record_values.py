"""The values of the records' properties, read from the store without aggregates and grouped
in Python: what the CSV tables (`kb.publish.csv_tables`) show in their cells and declare in
their CSV on the Web metadata.

A value is a pair (text, kind): its text is SPARQL's `STR` of the term, its kind one of
"iri", "blank", "@{lang}" or the literal's datatype IRI (and "" for a term SPARQL gives no
kind, an RDF-star triple). Blank nodes and triples have no text (`STR` is an error).

Two reads, neither aggregating in SPARQL (Oxigraph evaluates an aggregated sub-query per
column far more slowly than it lists triples; bench/README.md, "CSV tables"):

- `read_record_values`: every triple about a record (subject `{base}id/...`), read from
  the store's index by subject (a SPARQL query on another store), grouped by kind of
  record, property, kind of value and record;
- `read_path_values`: the values a SPARQL property path reaches from a kind's records (a
  laureate's country name), one query per path, its results written as CSV by Oxigraph
  and parsed by `csv`: no Python object per term.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

import pyoxigraph as ox

from kb.store.embedded import KnowledgeStore

IRI_KIND = "iri"
BLANK_KIND = "blank"
#: Kinds whose values have no text: blank nodes and triples (no kind).
TEXTLESS = (BLANK_KIND, "")

#: The values of one property (or path) of a kind's records: by kind of value, then by
#: record IRI, the values' texts (each as often as the store holds it, in any order).
ByKind = dict[str, dict[str, list[str]]]
#: An RDF term in the object position.
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None


def kind_expression(variable: str) -> str:
    """A SPARQL expression giving the kind of the term in `variable`."""
    return (
        f'IF(isIRI({variable}), "{IRI_KIND}", IF(isBLANK({variable}), "{BLANK_KIND}", '
        f'IF(LANG({variable}) != "", CONCAT("@", LANG({variable})), STR(DATATYPE({variable})))))'
    )


@dataclass
class RecordValues:
    """The values of one kind's records, by property IRI."""

    by_property: dict[str, ByKind] = field(default_factory=dict)

    def of(self, prop: str) -> ByKind:
        """The values of the property `prop` (an IRI); records without one are absent."""
        return self.by_property.get(prop, {})

    def add(self, record: str, prop: str, text: str, kind: str) -> None:
        by_kind = self.by_property.get(prop)
        if by_kind is None:
            by_kind = self.by_property[prop] = {}
        by_record = by_kind.get(kind)
        if by_record is None:
            by_record = by_kind[kind] = {}
        texts = by_record.get(record)
        if texts is None:
            by_record[record] = [text]
        else:
            texts.append(text)

    def kinds(self) -> dict[str, set[str]]:
        """The kinds of value of each property (a property whose values have no kind, RDF-star
        triples only, is left out)."""
        kinds = {
            prop: {kind for kind in by_kind if kind} for prop, by_kind in self.by_property.items()
        }
        return {prop: found for prop, found in kinds.items() if found}


@dataclass
class ColumnValues:
    """What a column of a table holds: each record's texts, the records with a value that
    has no text (a blank node), and the kinds of the values."""

    texts: dict[str, list[str]]
    textless: set[str]
    kinds: set[str]


def column_values(by_kind: ByKind, keep: Callable[[str], bool] | None = None) -> ColumnValues:
    """The values of the kinds `keep` accepts (all by default), merged across kinds."""
    kept = [kind for kind in by_kind if keep is None or keep(kind)]
    textless = {record for kind in kept if kind in TEXTLESS for record in by_kind[kind]}
    with_text = [by_kind[kind] for kind in kept if kind not in TEXTLESS]
    texts = with_text[0] if len(with_text) == 1 else {}
    if len(with_text) > 1:
        for by_record in with_text:
            for record, record_texts in by_record.items():
                texts.setdefault(record, []).extend(record_texts)
    return ColumnValues(texts, textless, {kind for kind in kept if kind})


def read_record_values(
    store: KnowledgeStore, base_iri: str, records: dict[str, list[str]]
) -> dict[str, RecordValues]:
    """The values of every record in `records` (record IRIs by kind), by kind: one read of
    each record's triples."""
    found = {kind: RecordValues() for kind in records}
    in_kinds: dict[str, list[RecordValues]] = {}
    for kind, subjects in records.items():
        for subject in subjects:
            in_kinds.setdefault(subject, []).append(found[kind])
    for subject, prop, term in _triples_of(store, in_kinds, base_iri):
        targets = in_kinds.get(subject)
        if targets is None:
            continue
        text, kind = _text_and_kind(term)
        for values in targets:
            values.add(subject, prop, text, kind)
    return found


def _text_and_kind(term: Term) -> tuple[str, str]:
    """SPARQL's `STR` ("" where it is an error) and `kind_expression` of a term, in Python."""
    if isinstance(term, ox.Literal):
        return term.value, "@" + term.language if term.language else term.datatype.value
    if isinstance(term, ox.NamedNode):
        return term.value, IRI_KIND
    return "", BLANK_KIND if isinstance(term, ox.BlankNode) else ""


def _triples_of(
    store: KnowledgeStore, records: Iterable[str], base_iri: str
) -> Iterator[tuple[str, str, Term]]:
    """(subject IRI, property IRI, object) of the triples about `records`, in every graph:
    on the embedded store, straight from its index by subject (the cost follows the
    records, not the store); on another, the triples of every subject under `{base}id/`."""
    with _oxigraph_of(store) as oxigraph:
        if oxigraph is not None:
            for record in records:
                for quad in oxigraph.quads_for_pattern(ox.NamedNode(record), None, None):
                    yield record, quad.predicate.value, quad.object
            return
    query = f'SELECT ?s ?p ?o WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{base_iri}id/")) }}'
    for row in store.select(query):
        subject, prop = row["s"], row["p"]
        if isinstance(subject, ox.NamedNode) and isinstance(prop, ox.NamedNode):
            yield subject.value, prop.value, row["o"]


def follow_path(store: KnowledgeStore, start: ByKind, steps: list[list[str]]) -> ByKind | None:
    """The values reached from each record's values in `start` through `steps` (each a list
    of alternative property IRIs), as a SPARQL sequence path reaches them; None where that
    is not read here: a blank node on the way, or another store than the embedded one.

    Each node on the way is read once, step by step (many records share a country)."""
    if any(kind in TEXTLESS for kind in start):
        return None
    starts = start.get(IRI_KIND, {})
    levels: list[dict[str, list[tuple[str, str]]]] = []  # per step: each node's objects
    with _oxigraph_of(store) as oxigraph:
        if oxigraph is None:
            return None
        nodes = {node for record_nodes in starts.values() for node in record_nodes}
        for props in steps:
            if levels:  # the nodes the previous step reached
                if any(kind in TEXTLESS for v in levels[-1].values() for _, kind in v):
                    return None
                nodes = {text for v in levels[-1].values() for text, kind in v if kind == IRI_KIND}
            levels.append({node: _objects(oxigraph, node, props) for node in nodes})
    reached = levels[-1]  # by node: the values at the path's end
    for level in reversed(levels[:-1]):
        reached = {
            node: [value for text, kind in v if kind == IRI_KIND for value in reached[text]]
            for node, v in level.items()
        }
    by_kind: ByKind = {}
    for record, record_nodes in starts.items():
        for node in record_nodes:
            for text, kind in reached[node]:
                by_kind.setdefault(kind, {}).setdefault(record, []).append(text)
    return by_kind


def _objects(oxigraph: ox.Store, node: str, props: list[str]) -> list[tuple[str, str]]:
    """The (text, kind) of the objects of `node`'s triples with one of `props`, in every graph."""
    subject = ox.NamedNode(node)
    return [
        _text_and_kind(quad.object)
        for prop in props
        for quad in oxigraph.quads_for_pattern(subject, ox.NamedNode(prop), None)
    ]


def read_path_values(store: KnowledgeStore, query: str) -> ByKind:
    """The values `query` gives, a SELECT of `?s` (the record), `?t` (the value's text) and
    `?k` (its kind, see `kind_expression`)."""
    by_kind: ByKind = {}
    for record, text, kind in result_rows(store, query, ["s", "t", "k"]):
        by_kind.setdefault(kind, {}).setdefault(record, []).append(text)
    return by_kind


@contextmanager
def _oxigraph_of(store: KnowledgeStore) -> Iterator[ox.Store | None]:
    """The embedded store's pyoxigraph Store (held for reading), or None for another store."""
    reading = getattr(store, "reading", None)
    with reading() if reading is not None else nullcontext(None) as oxigraph:
        yield oxigraph if isinstance(oxigraph, ox.Store) else None


def _csv_results(store: KnowledgeStore, query: str) -> str | None:
    """Oxigraph's SPARQL CSV results of a SELECT on the embedded store; None for another."""
    with _oxigraph_of(store) as oxigraph:
        if oxigraph is None:
            return None
        solutions = oxigraph.query(query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        return (solutions.serialize(format=ox.QueryResultsFormat.CSV) or b"").decode("utf-8")


def result_rows(store: KnowledgeStore, query: str, variables: list[str]) -> Iterator[list[str]]:
    """The rows of a SELECT as texts, its variables in the order of `variables` ("" where
    unbound). On the embedded store, Oxigraph writes the rows as CSV itself: no Python
    object per term."""
    text = _csv_results(store, query)
    if text is None:
        for row in store.select(query):
            yield [str(term.value) if (term := row[v]) is not None else "" for v in variables]
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    if next(reader, None) != variables:
        raise ValueError(f"the query selects other variables than {variables}: {query}")
    yield from reader
