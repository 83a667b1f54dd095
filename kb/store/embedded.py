"""Graphs → store: the SPARQL store the server and the exports read.

The embedded store is a pyoxigraph `Store` holding one named graph per source
file; the SPARQL default graph is the union of all graphs. It lives in memory
by default; with a location it is kept on disk and reused across restarts
while the content hash of its inputs is unchanged (rebuilt otherwise). Every
reader of the knowledge base (pages, exports, the endpoint) goes through
`KnowledgeStore`, so an external SPARQL endpoint (`kb.store.external`) can stand in
for it.
"""

from __future__ import annotations

import fcntl
import gc
import logging
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from kb.store.query_text import inspect_query

log = logging.getLogger("kb.store.embedded")

Row = dict[str, ox.NamedNode | ox.BlankNode | ox.Literal | None]
QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


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


def dataset_options(
    query: str,
    default_graphs: Sequence[str] = (),
    named_graphs: Sequence[str] = (),
    has_dataset_clause: bool | None = None,
) -> dict[str, Any]:
    """Keyword arguments of `ox.Store.query` for a SPARQL Protocol dataset.

    With `default-graph-uri`/`named-graph-uri` the protocol's dataset wins over
    the query's FROM clauses; with neither, a query without FROM sees the union
    of all graphs as its default graph; a query with FROM gets what it asks.
    """
    if default_graphs or named_graphs:
        return {
            "default_graph": [ox.NamedNode(g) for g in default_graphs]
            if default_graphs
            else ox.DefaultGraph(),
            "named_graphs": [ox.NamedNode(g) for g in named_graphs],
        }
    if has_dataset_clause is None:
        has_dataset_clause = inspect_query(query).has_dataset_clause
    if has_dataset_clause:
        return {}
    return {"use_default_graph_as_union": True}


class EmbeddedStore:
    """An in-process Oxigraph store (in memory, or on disk at `location`).

    On disk, `location/oxigraph` holds the store and `location/content-hash`
    the hash of the inputs it was built from; the store is opened read-only.
    """

    def __init__(
        self,
        quads: Iterable[ox.Quad] = (),
        location: str | Path | None = None,
        content_hash: str = "",
    ) -> None:
        self.location = Path(location) if location else None
        self.reused = False
        if self.location is None:
            self.oxigraph = ox.Store()
            self.oxigraph.bulk_extend(quads)
        else:
            self.oxigraph = self._open_on_disk(self.location, quads, content_hash)

    @property
    def store_path(self) -> Path | None:
        return self.location / "oxigraph" if self.location else None

    def _open_on_disk(self, location: Path, quads: Iterable[ox.Quad], content_hash: str) -> Any:
        location.mkdir(parents=True, exist_ok=True)
        path = location / "oxigraph"
        hash_file = location / "content-hash"
        with open(location / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one builder at a time (several replicas)
            known = hash_file.read_text().strip() if hash_file.exists() else None
            if content_hash and known == content_hash and path.is_dir():
                self.reused = True
                log.info("reusing the on-disk store at %s (inputs unchanged)", path)
            else:
                log.info("building the on-disk store at %s", path)
                hash_file.unlink(missing_ok=True)
                shutil.rmtree(path, ignore_errors=True)
                writer = ox.Store(str(path))
                writer.bulk_extend(quads)
                writer.flush()
                del writer
                gc.collect()  # closes the read-write handle before read-only ones open
                hash_file.write_text(content_hash + "\n")
        return ox.Store.read_only(str(path))

    def open_for_worker(self) -> Any:
        """The store as a query worker process should use it (after fork)."""
        if self.store_path is not None:
            return ox.Store.read_only(str(self.store_path))
        return self.oxigraph

    def run(
        self, query: str, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = ()
    ) -> QueryResult:
        """Any query, with a SPARQL Protocol dataset (see `dataset_options`)."""
        result: QueryResult = self.oxigraph.query(
            query, **dataset_options(query, default_graphs, named_graphs)
        )
        return result

    def select(self, query: str) -> list[Row]:
        solutions = self.run(query)
        assert isinstance(solutions, ox.QuerySolutions), "select() needs a SELECT query"
        names = [v.value for v in solutions.variables]
        return [{name: solution[name] for name in names} for solution in solutions]

    def ask(self, query: str) -> bool:
        result = self.run(query)
        assert isinstance(result, ox.QueryBoolean), "ask() needs an ASK query"
        return bool(result)

    def construct(self, query: str) -> list[ox.Triple]:
        result = self.run(query)
        assert isinstance(result, ox.QueryTriples), "construct() needs CONSTRUCT or DESCRIBE"
        return list(result)

    def triple_count(self) -> int:
        return len(self.oxigraph)

    def graph_counts(self) -> dict[str, int]:
        """Triples per named graph (for the service description and /health)."""
        rows = self.oxigraph.query(
            "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        assert isinstance(rows, ox.QuerySolutions)
        return {
            row["g"].value: int(row["n"].value)
            for row in rows
            if isinstance(row["g"], ox.NamedNode)
        }
