"""Oxigraph terms ↔ rdflib terms: the bridge between the store and pySHACL's graphs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def ox_to_rdflib(term: Any) -> Node:
    """An Oxigraph term as the equal rdflib term (blank-node labels kept)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"unsupported RDF term {term!r}")


def rdflib_to_ox(term: Node) -> Any:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported RDF term {term!r}")


def triples_to_graph(quads: Iterable[Any], graph: Graph | None = None) -> Graph:
    """Quads (or triples) of Oxigraph as one rdflib Graph: the union, graph names dropped."""
    g = graph if graph is not None else Graph()
    cache: dict[Any, Node] = {}

    def conv(t: Any) -> Node:
        n = cache.get(t)
        if n is None:
            n = cache[t] = ox_to_rdflib(t)
        return n

    for q in quads:
        g.add((conv(q.subject), conv(q.predicate), conv(q.object)))
    return g
