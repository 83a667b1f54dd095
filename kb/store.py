"""Graphs → store: the SPARQL store the server and the exports read.

The embedded store is a pyoxigraph `Store` holding one named graph per source
file; the SPARQL default graph is the union of all graphs. Every reader of
the knowledge base (pages, exports, the endpoint) goes through
`KnowledgeStore`, so an external SPARQL endpoint can stand in for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import pyoxigraph as ox

Row = dict[str, ox.NamedNode | ox.BlankNode | ox.Literal | None]


class KnowledgeStore(Protocol):
    """What readers of the knowledge base may ask of a store."""

    def select(self, query: str) -> list[Row]:
        """Rows of a SELECT query, each a dict from variable name to term (None if unbound)."""
        ...

    def ask(self, query: str) -> bool: ...

    def construct(self, query: str) -> list[ox.Triple]:
        """Triples of a CONSTRUCT or DESCRIBE query."""
        ...

    def triple_count(self) -> int: ...


class EmbeddedStore:
    """An in-process Oxigraph store (in memory, or on disk at `location`)."""

    def __init__(self, quads: Iterable[ox.Quad] = (), location: str | None = None) -> None:
        self.oxigraph = ox.Store(location) if location else ox.Store()
        self.oxigraph.bulk_extend(quads)

    def select(self, query: str) -> list[Row]:
        solutions = self.oxigraph.query(query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions), "select() needs a SELECT query"
        names = [v.value for v in solutions.variables]
        return [{name: solution[name] for name in names} for solution in solutions]

    def ask(self, query: str) -> bool:
        result = self.oxigraph.query(query, use_default_graph_as_union=True)
        assert isinstance(result, ox.QueryBoolean), "ask() needs an ASK query"
        return bool(result)

    def construct(self, query: str) -> list[ox.Triple]:
        result = self.oxigraph.query(query, use_default_graph_as_union=True)
        assert isinstance(result, ox.QueryTriples), "construct() needs CONSTRUCT or DESCRIBE"
        return list(result)

    def triple_count(self) -> int:
        return len(self.oxigraph)
