"""`alliance-kb push URL`: load the knowledge base into an external store.

Uses the SPARQL 1.1 Graph Store Protocol: one `PUT URL?graph=IRI` per named
graph (one per source file, plus the ontology and the vocabularies), which
replaces the previous version of that graph. Exit 0 ok, 1 the store refused a
graph, 2 unreadable input or unreachable store.
"""

from __future__ import annotations

from collections import defaultdict

import httpx
import pyoxigraph as ox

from kb.sources.rdf_files import LoadedDataset


def push_dataset(
    dataset: LoadedDataset, url: str, timeout_s: float = 60.0, auth: httpx.Auth | None = None
) -> list[tuple[str, int, int]]:
    """PUT every graph; returns (graph, triples, HTTP status) per graph."""
    by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
    for q in dataset.quads:
        if isinstance(q.graph_name, ox.NamedNode):
            by_graph[q.graph_name.value].append(ox.Triple(q.subject, q.predicate, q.object))
    results = []
    with httpx.Client(timeout=timeout_s, auth=auth) as client:
        for graph in dataset.graphs():
            body = ox.serialize(by_graph.get(graph, []), format=ox.RdfFormat.N_TRIPLES)
            response = client.put(
                url,
                params={"graph": graph},
                content=body,
                headers={"Content-Type": "application/n-triples"},
            )
            results.append((graph, len(by_graph.get(graph, [])), response.status_code))
    return results
