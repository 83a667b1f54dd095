"""`alliance-kb push URL`: load the knowledge base into an external store.

Uses the SPARQL 1.1 Graph Store Protocol: one `PUT URL?graph=IRI` per named
graph (one per source file, plus the ontology and the vocabularies), which
replaces the previous version of that graph. Exit 0 ok, 1 the store refused a
graph, 2 unreadable input or unreachable store.
"""

from __future__ import annotations

import httpx
import pyoxigraph as ox


def push_store(
    store: ox.Store,
    graphs: list[str],
    url: str,
    timeout_s: float = 60.0,
    auth: httpx.Auth | None = None,
) -> list[tuple[str, int, int]]:
    """PUT each of `graphs` as N-Triples, straight from the store's dump; returns (graph,
    triples, HTTP status) per graph."""
    results = []
    with httpx.Client(timeout=timeout_s, auth=auth) as client:
        for graph in graphs:
            body = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph)) or b""
            response = client.put(
                url,
                params={"graph": graph},
                content=body,
                headers={"Content-Type": "application/n-triples"},
            )
            results.append((graph, body.count(b"\n"), response.status_code))
    return results
