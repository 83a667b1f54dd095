"""The shipped knowledge base, for tests that query it: every file of data/, the
ontology and the vocabularies, each in its graph, queried as their union."""

from __future__ import annotations

from functools import lru_cache

import pyoxigraph as ox

from kb.config import Settings
from kb.sources.rdf_files import discover_sources, parse_file

BASE = "https://w3id.org/roma-alliance/"
ID = f"{BASE}id/"
PREFIXES = f"""
PREFIX alliance: <{BASE}ontology#>
PREFIX id: <{ID}>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX wikibase: <http://wikiba.se/ontology#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


@lru_cache(maxsize=1)
def shipped_store() -> ox.Store:
    """The files as the server loads them."""
    s = ox.Store()
    for source in discover_sources(Settings()):
        s.extend(parse_file(source.path, source.graph))
    return s


def select(query: str) -> list[tuple[str, ...]]:
    """Rows of a SELECT (with the prefixes above) as strings; "" for an unbound variable."""
    solutions = shipped_store().query(PREFIXES + query, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    return [tuple(term.value if term is not None else "" for term in row) for row in solutions]


def ask(query: str) -> bool:
    result = shipped_store().query(PREFIXES + query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QueryBoolean)
    return bool(result)
