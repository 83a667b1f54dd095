"""An external SPARQL 1.1 endpoint (Oxigraph server, Fuseki, Virtuoso, GraphDB) as the store.

Queries go through SPARQLWrapper (URL-encoded POST, which every one of these
accepts, with an explicit Accept). The knowledge base's default graph is the
union of its own graphs, so a query that names no dataset is sent with the
knowledge base's graphs as `default-graph-uri` and `named-graph-uri`: other
graphs of the store (system graphs, other projects) stay out of the answers.
"""

from __future__ import annotations

import socket
import urllib.error
from collections.abc import Sequence
from typing import Any

import pyoxigraph as ox
from SPARQLWrapper import JSON, POST, TURTLE, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
)

from kb.store.embedded import Row
from kb.store.query_text import inspect_query
from kb.store.query_workers import QueryFailed, QueryTimeout


class ExternalStore:
    """`KnowledgeStore` over a remote SPARQL endpoint."""

    def __init__(self, url: str, graphs: Sequence[str] = (), timeout_s: float = 30.0) -> None:
        self.url = url
        self.graphs = list(graphs)
        self.timeout_s = timeout_s

    def _wrapper(
        self, query: str, default_graphs: Sequence[str], named_graphs: Sequence[str]
    ) -> SPARQLWrapper:
        sw = SPARQLWrapper(self.url)
        sw.setMethod(POST)
        sw.setRequestMethod(URLENCODED)
        sw.setOnlyConneg(True)
        sw.setTimeout(max(1, round(self.timeout_s)))
        sw.setQuery(query)
        if not default_graphs and not named_graphs and not inspect_query(query).has_dataset_clause:
            default_graphs = named_graphs = self.graphs
        for g in default_graphs:
            sw.addDefaultGraph(g)
        for g in named_graphs:
            sw.addNamedGraph(g)
        return sw

    def run(
        self, query: str, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = ()
    ) -> tuple[str, Any]:
        """("solutions", (variables, rows)) | ("boolean", bool) | ("graph", triples)."""
        form = inspect_query(query).form
        sw = self._wrapper(query, default_graphs, named_graphs)
        sw.setReturnFormat(TURTLE if form == "graph" else JSON)
        raw = self._fetch(sw)
        if form == "graph":
            return "graph", list(ox.parse(raw, format=ox.RdfFormat.TURTLE))
        result = ox.parse_query_results(raw, format=ox.QueryResultsFormat.JSON)
        if isinstance(result, ox.QueryBoolean):
            return "boolean", bool(result)
        variables = [v.value for v in result.variables]
        return "solutions", (variables, [tuple(s) for s in result])

    def _fetch(self, sw: SPARQLWrapper) -> bytes:
        try:
            body: bytes = sw.query().response.read()
            return body
        except QueryBadFormed as exc:
            raise QueryFailed(400, "Bad Request", _message(exc)) from None
        except EndPointNotFound as exc:
            raise QueryFailed(
                502, "Bad Gateway", f"the store answered 404: {_message(exc)}"
            ) from None
        except EndPointInternalError as exc:
            raise QueryFailed(502, "Bad Gateway", f"the store failed: {_message(exc)}") from None
        except SPARQLWrapperException as exc:
            raise QueryFailed(502, "Bad Gateway", _message(exc)) from None
        except TimeoutError:
            raise QueryTimeout() from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                raise QueryTimeout() from None
            raise QueryFailed(
                502, "Bad Gateway", f"the store is unreachable: {exc.reason}"
            ) from None

    # -- KnowledgeStore ----------------------------------------------------------------

    def select(self, query: str) -> list[Row]:
        kind, payload = self.run(query)
        assert kind == "solutions", "select() needs a SELECT query"
        variables, rows = payload
        return [dict(zip(variables, row, strict=True)) for row in rows]

    def ask(self, query: str) -> bool:
        kind, payload = self.run(query)
        assert kind == "boolean", "ask() needs an ASK query"
        return bool(payload)

    def construct(self, query: str) -> list[ox.Triple]:
        kind, payload = self.run(query)
        assert kind == "graph", "construct() needs CONSTRUCT or DESCRIBE"
        return list(payload)

    def triple_count(self) -> int:
        return sum(self.graph_counts().values())

    def graph_counts(self) -> dict[str, int]:
        rows = self.select("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {
            str(r["g"].value): int(r["n"].value)  # type: ignore[union-attr]
            for r in rows
            if isinstance(r["g"], ox.NamedNode)
        }


def _message(exc: Exception) -> str:
    text = str(exc)
    return text.split("Response:\n", 1)[-1].strip()[:2000] if "Response:" in text else text
