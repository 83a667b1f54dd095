"""The namespaces the knowledge base writes and reads, declared once.

`STANDARD_PREFIXES` holds the well-known vocabularies; `kb_prefixes(base_iri)` the
knowledge base's own namespaces, which move with the configured base IRI.
"""

from __future__ import annotations

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
ORG = "http://www.w3.org/ns/org#"
CPOV = "http://data.europa.eu/m8g/"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "http://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
VANN = "http://purl.org/vocab/vann/"
SH = "http://www.w3.org/ns/shacl#"
VOID = "http://rdfs.org/ns/void#"
DQV = "http://www.w3.org/ns/dqv#"
OA = "http://www.w3.org/ns/oa#"
WIKIBASE = "http://wikiba.se/ontology#"
EU_COUNTRY = "http://publications.europa.eu/resource/authority/country/"

STANDARD_PREFIXES: dict[str, str] = {
    "cpov": CPOV,
    "dcat": DCAT,
    "dcterms": DCTERMS,
    "dqv": DQV,
    "euc": EU_COUNTRY,
    "foaf": FOAF,
    "oa": OA,
    "org": ORG,
    "owl": OWL,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "schema": SCHEMA,
    "sh": SH,
    "skos": SKOS,
    "vann": VANN,
    "wikibase": WIKIBASE,
    "xsd": XSD,
}


def kb_prefixes(base_iri: str) -> dict[str, str]:
    """The knowledge base's own namespaces under `base_iri`."""
    return {
        "alliance": f"{base_iri}ontology#",
        "id": f"{base_iri}id/",
        "graph": f"{base_iri}graph/",
        "shapes": f"{base_iri}shapes#",
    }
