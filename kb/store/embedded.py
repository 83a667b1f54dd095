"""Graphs → store: the SPARQL store the server and the exports read.

The embedded store is a pyoxigraph `Store` holding one named graph per source
file; the SPARQL default graph is the union of all graphs. It lives in memory
by default; with a location it is kept on disk and reused across restarts
while the content hash of its inputs is unchanged (rebuilt otherwise). Every
reader of the knowledge base (pages, exports, the endpoint) goes through
`KnowledgeStore`, so an external SPARQL endpoint (`kb.store.external`) can stand in
for it.

The change API (curation's write path builds on it; `kb.store.changes`):

* `trial(change, check)` runs `check(store)` on the committed state with the change
  applied, in a process forked for it (`kb.store.child_processes`): the fork holds a
  copy-on-write snapshot of the in-memory store, applies the change there and sends
  `check`'s result back pickled. No reader of the server ever sees a tried change, and
  the cost does not grow with the store (a fork copies page tables, not data: about 25 ms
  with a million triples).
* `commit(change)` applies the change to the live store behind the store's gate
  (`kb.store.store_gate`: readers of the main process wait for the apply, never see half
  of it), bumps `generation` and calls every subscriber in the committing thread: the
  query workers' pool forks a fresh zygote and retires the workers of the older
  snapshot as their queries end, the /sparql response cache drops its entries, the
  search index updates itself.
* Commits are serialised by their caller (curation's writer lock): one committer at a time.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import logging
import shutil
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pyoxigraph as ox

from kb.sources.rdf_files import DatasetFiles, load_into
from kb.store.changes import ChangeSet, Listener, ReadOnlyStoreError
from kb.store.child_processes import call_in_child, fork_under
from kb.store.query_text import inspect_query
from kb.store.store_gate import StoreGate

log = logging.getLogger("kb.store.embedded")

Row = dict[str, ox.NamedNode | ox.BlankNode | ox.Literal | None]
QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
T = TypeVar("T")


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

    Readers of the main process use `select`/`ask`/`construct` (or hold `reading()` while
    they use `oxigraph` directly): they then never meet a commit half applied, and a fork
    never copies a store lock held by another thread.
    """

    def __init__(
        self,
        quads: Iterable[ox.Quad] = (),
        location: str | Path | None = None,
        content_hash: str = "",
        *,
        fill: Callable[[ox.Store], None] | None = None,
    ) -> None:
        """A store holding `quads` (tests, small data), or what `fill` puts into a fresh
        one (`from_files`); on disk at `location`, reused while `content_hash` is the same."""
        self.location = Path(location) if location else None
        self.reused = False
        self.content_hash = content_hash
        self.gate = StoreGate()
        #: Bumped by every commit; the state a query worker or a cached response comes from.
        self.generation = 0
        self._listeners: list[Listener] = []
        self._quad_count: int | None = None
        self._graph_counts: dict[str, int] | None = None

        def fill_with_quads(store: ox.Store) -> None:
            store.bulk_extend(quads)

        fill = fill or fill_with_quads
        if self.location is None:
            self.oxigraph = ox.Store()
            fill(self.oxigraph)
        else:
            self.oxigraph = self._open_on_disk(self.location, fill, content_hash)

    @classmethod
    def from_files(
        cls, files: DatasetFiles, base_iri: str, location: str | Path | None = None
    ) -> EmbeddedStore:
        """The store of the knowledge base's files, each loaded straight into its graph.

        A syntax error raises `InputError` (file:line:col). On disk, a store built from
        files with the same content hash is reused without reading them.
        """

        def fill(store: ox.Store) -> None:
            for source in files.sources:
                load_into(store, source, base_iri)

        return cls(location=location, content_hash=files.content_hash, fill=fill)

    @property
    def state_key(self) -> str:
        """Names the store's content: the files' hash, and the commits since (caches of
        things made from the store, like the served dumps, are keyed by it)."""
        return f"{self.content_hash}.{self.generation}" if self.generation else self.content_hash

    @property
    def writable(self) -> bool:
        """Whether `commit` and `trial` work here (the in-memory store; on disk: read-only)."""
        return self.location is None

    @property
    def store_path(self) -> Path | None:
        return self.location / "oxigraph" if self.location else None

    def _open_on_disk(
        self, location: Path, fill: Callable[[ox.Store], None], content_hash: str
    ) -> Any:
        """Open the store at `location` read-only, building it first unless the one there
        was built from the same content hash. Beside it, `content-hash` and `counts.json`
        (the counts of `triple_count` and `graph_counts`, so a reused store starts without
        counting a million quads)."""
        location.mkdir(parents=True, exist_ok=True)
        path = location / "oxigraph"
        hash_file = location / "content-hash"
        counts_file = location / "counts.json"
        with open(location / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one builder at a time (several replicas)
            known = hash_file.read_text().strip() if hash_file.exists() else None
            if content_hash and known == content_hash and path.is_dir():
                self.reused = True
                log.info("reusing the on-disk store at %s (inputs unchanged)", path)
            else:
                log.info("building the on-disk store at %s", path)
                hash_file.unlink(missing_ok=True)
                counts_file.unlink(missing_ok=True)
                shutil.rmtree(path, ignore_errors=True)
                try:
                    writer = ox.Store(str(path))
                    fill(writer)
                    writer.flush()
                    del writer
                except BaseException:
                    shutil.rmtree(path, ignore_errors=True)
                    raise
                finally:
                    gc.collect()  # closes the read-write handle before read-only ones open
            store = ox.Store.read_only(str(path))
            try:
                counts = json.loads(counts_file.read_text())
                self._quad_count, self._graph_counts = counts["quads"], counts["graphs"]
            except (OSError, ValueError, KeyError):
                self.oxigraph = store
                counts = {"quads": self.triple_count(), "graphs": self.graph_counts()}
                counts_file.write_text(json.dumps(counts))
            if known != content_hash:
                hash_file.write_text(content_hash + "\n")
        return store

    def open_for_worker(self) -> Any:
        """The store as a query worker process should use it (after fork)."""
        if self.store_path is not None:
            return ox.Store.read_only(str(self.store_path))
        return self.oxigraph

    # -- reading ---------------------------------------------------------------------

    @contextlib.contextmanager
    def reading(self) -> Iterator[ox.Store]:
        """The Oxigraph store, for reads that need more than `select`/`ask`/`construct`.

        Finish with the store (and any lazy result) inside the block.
        """
        with self.gate.shared():
            yield self.oxigraph

    def run(
        self, query: str, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = ()
    ) -> QueryResult:
        """Any query, with a SPARQL Protocol dataset (see `dataset_options`).

        The result is lazy: a caller sharing the process with commits and forks (the
        server) iterates it inside `reading()`, or uses `select`/`ask`/`construct`.
        """
        with self.gate.shared():
            result: QueryResult = self.oxigraph.query(
                query, **dataset_options(query, default_graphs, named_graphs)
            )
        return result

    def select(self, query: str) -> list[Row]:
        with self.gate.shared():
            solutions = self.run(query)
            assert isinstance(solutions, ox.QuerySolutions), "select() needs a SELECT query"
            names = [v.value for v in solutions.variables]
            return [{name: solution[name] for name in names} for solution in solutions]

    def ask(self, query: str) -> bool:
        with self.gate.shared():
            result = self.run(query)
            assert isinstance(result, ox.QueryBoolean), "ask() needs an ASK query"
            return bool(result)

    def construct(self, query: str) -> list[ox.Triple]:
        with self.gate.shared():
            result = self.run(query)
            assert isinstance(result, ox.QueryTriples), "construct() needs CONSTRUCT or DESCRIBE"
            return list(result)

    def triple_count(self) -> int:
        """Quads in the store: counted once (0.4 s at a million), then kept up to date by
        commits; later calls take no lock (the event loop may call them)."""
        count = self._quad_count
        if count is None:
            with self.gate.shared():
                if self._graph_counts is not None:  # counted already: add the default graph's
                    default = self.oxigraph.quads_for_pattern(None, None, None, ox.DefaultGraph())
                    count = sum(self._graph_counts.values()) + sum(1 for _ in default)
                else:
                    count = len(self.oxigraph)
                self._quad_count = count
        return count

    def graph_counts(self) -> dict[str, int]:
        """Triples per named graph (for the service description), counted once, then kept
        up to date by commits; later calls take no lock."""
        counts = self._graph_counts
        if counts is None:
            rows = self.select("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
            counts = self._graph_counts = {
                row["g"].value: int(row["n"].value)  # type: ignore[union-attr]
                for row in rows
                if isinstance(row["g"], ox.NamedNode)
            }
        return dict(counts)

    # -- changing ----------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """Call `listener(change, generation)` after each commit, in the committing thread."""
        self._listeners.append(listener)

    def commit(self, change: ChangeSet) -> int:
        """Apply `change` to the live store, bump `generation`, tell the subscribers.

        Readers of this process wait while the change is applied (and only then); the query
        workers answer from the new state within about a second (see `kb.store.query_workers`).
        A subscriber that raises is logged and the others are still called: the change is
        committed whatever they do.
        """
        self._require_writable()
        with self.gate.exclusive():
            store = self.oxigraph
            # what really changes (a quad removed must be there, one added must not): the
            # counts follow without counting a million quads again
            effective = ChangeSet(
                tuple(q for q in change.removed if q in store),
                tuple(q for q in dict.fromkeys(change.added) if q not in store),
            )
            effective.apply_to(store)
            self._count_change(effective)
            self.generation += 1
            generation = self.generation
        log.info(
            "commit %d: %d quads removed, %d added",
            generation,
            len(change.removed),
            len(change.added),
        )
        for listener in list(self._listeners):
            try:
                listener(change, generation)
            except Exception:
                log.exception("a subscriber failed on commit %d", generation)
        return generation

    def trial(
        self,
        change: ChangeSet,
        check: Callable[[ox.Store], T],
        *,
        timeout_s: float | None = None,
    ) -> T:
        """`check(store)` on the committed state with `change` applied, seen by no reader.

        Runs in a forked process holding a copy-on-write snapshot (see the module's
        docstring). `check` gets the pyoxigraph store with the named graphs (query it with
        `use_default_graph_as_union=True` for the union); its result must be picklable. An
        exception `check` raises is raised here; `TrialFailed` if the process dies or runs
        past `timeout_s`.
        """
        self._require_writable()

        def tried() -> T:
            change.apply_to(self.oxigraph)
            return check(self.oxigraph)

        return call_in_child(self.gate, tried, timeout_s)

    def fork(self, child_main: Callable[[], None], keep_fds: Collection[int] = ()) -> int:
        """Fork a child holding a snapshot of the store as it is now (the query workers'
        zygote), keeping only the descriptors `keep_fds`; returns its pid. The child dies
        with the thread that forks it."""
        return fork_under(self.gate, child_main, keep_fds)

    def _count_change(self, change: ChangeSet) -> None:
        if self._quad_count is not None:
            self._quad_count += len(change.added) - len(change.removed)
        if self._graph_counts is not None:
            counts = dict(self._graph_counts)  # a new dict: lock-free readers see old or new
            for quads, step in ((change.removed, -1), (change.added, 1)):
                for q in quads:
                    if isinstance(q.graph_name, ox.NamedNode):
                        name = q.graph_name.value
                        counts[name] = counts.get(name, 0) + step
                        if not counts[name]:
                            del counts[name]
            self._graph_counts = counts

    def _require_writable(self) -> None:
        if not self.writable:
            raise ReadOnlyStoreError(
                "the on-disk store is read-only: changes need the in-memory store"
            )
