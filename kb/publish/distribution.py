"""What the exports share: the files, their formats, the release, and where they are served.

Every distribution file is described once here (media type, EU file type,
title); the catalog, VoID, the Atom feed and the `/dumps/` index all read
this table. The release (version and date) comes from the data, never from
the clock.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from kb.config import Settings
from kb.store.embedded import KnowledgeStore

IANA = "https://www.iana.org/assignments/media-types/"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"

#: The licence of the data (stated once; the README says why).
LICENCE = "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
LICENCE_LABEL = "Creative Commons Attribution 4.0 International (CC BY 4.0)"


@dataclass(frozen=True)
class Format:
    media_type: str  # IANA
    file_type: str  # code in the EU file-type authority table
    label: str
    compress: str | None = None  # IANA media type of the compression, if any


FORMATS: dict[str, Format] = {
    ".ttl": Format("text/turtle", "RDF_TURTLE", "Turtle"),
    ".nt.gz": Format("application/n-triples", "RDF_N_TRIPLES", "N-Triples", "application/gzip"),
    ".jsonld": Format("application/ld+json", "JSON_LD", "JSON-LD"),
    ".rdf": Format("application/rdf+xml", "RDF_XML", "RDF/XML"),
    ".trig": Format("application/trig", "RDF_TRIG", "TriG"),
    ".csv": Format("text/csv", "CSV", "CSV"),
    ".json": Format("application/csvm+json", "JSON", "JSON (CSV on the Web metadata)"),
    ".atom": Format("application/atom+xml", "ATOM", "Atom feed"),
    "SHA256SUMS": Format("text/plain", "TXT", "Plain text"),
}

#: Title and description of each fixed file (CSV tables are described per kind).
FILES: dict[str, tuple[str, str]] = {
    "alliance.ttl": (
        "Knowledge base (Turtle)",
        "Every record, the ontology and the vocabularies, merged into one graph; "
        "prefixed and grouped by subject for reading.",
    ),
    "alliance.nt.gz": (
        "Knowledge base (N-Triples, gzip)",
        "The same graph as sorted canonical N-Triples, one triple per line, gzip-compressed.",
    ),
    "alliance.jsonld": (
        "Knowledge base (JSON-LD)",
        "The same graph as compact JSON-LD with the published context (context.jsonld).",
    ),
    "alliance.rdf": ("Knowledge base (RDF/XML)", "The same graph as RDF/XML."),
    "alliance.trig": (
        "Knowledge base with named graphs (TriG)",
        "The knowledge base with one named graph per source file, as the SPARQL endpoint has it.",
    ),
    "ontology.ttl": ("Alliance ontology (Turtle)", "The OWL ontology of the knowledge base."),
    "shapes.ttl": (
        "SHACL shapes (Turtle)",
        "The rules every record obeys, as validated before each export.",
    ),
    "context.jsonld": (
        "JSON-LD context",
        "The JSON-LD context of alliance.jsonld: the prefixes of the knowledge base.",
    ),
    "csv/statements.csv": (
        "Values with several IRIs or kinds (CSV)",
        "One row per value (record, property, value) that a record table holds but cannot map "
        "back to RDF: several sources or links in a cell, dates of mixed precision.",
    ),
    "csv/csv-metadata.json": (
        "CSV on the Web metadata",
        "W3C CSV on the Web description of the CSV tables, mapping them back to RDF.",
    ),
    "void.ttl": ("VoID description", "VoID description of the dataset, with its statistics."),
    "feed.atom": ("Releases (Atom feed)", "The releases of the dataset with their checksums."),
    "catalog.ttl": ("DCAT-AP catalog", "The DCAT-AP 3 catalog of these distributions."),
    "SHA256SUMS": ("SHA-256 checksums", "Checksums of every file, for `sha256sum -c`."),
}


def format_of(name: str) -> Format:
    for suffix, fmt in FORMATS.items():
        if name.endswith(suffix):
            return fmt
    return Format("application/octet-stream", "BIN", "Binary")


def describe_file(name: str) -> tuple[str, str]:
    """(title, description) of a distribution file."""
    if name in FILES:
        return FILES[name]
    if name.startswith("csv/") and name.endswith(".csv"):
        kind = name[4:-4]
        return (
            f"Table of {kind} records (CSV)",
            f"One row per {kind} record of the knowledge base, with its IRI, labels and "
            "the names of linked records; described by csv/csv-metadata.json.",
        )
    return (name, name)


@dataclass(frozen=True)
class FileInfo:
    """A written file: its path relative to the export directory, size and SHA-256."""

    name: str
    size: int
    sha256: str


def file_info(root: Path, name: str) -> FileInfo:
    digest = hashlib.sha256()
    path = root / name
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return FileInfo(name, path.stat().st_size, digest.hexdigest())


@dataclass(frozen=True)
class Release:
    iri: str
    version: str
    issued: str  # xsd:date lexical form
    comment: str = ""


class NoReleaseError(Exception):
    """The data has no release record (alliance:Release with dcat:version and dcterms:issued)."""


def releases(store: KnowledgeStore, settings: Settings) -> list[Release]:
    """Every release record, newest first (by date, then version)."""
    rows = store.select(
        f"""PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?r ?version ?issued (SAMPLE(?c) AS ?comment) WHERE {{
  ?r a <{settings.ontology_ns}Release> ; dcat:version ?version ; dcterms:issued ?issued .
  OPTIONAL {{ ?r rdfs:comment ?c FILTER(LANG(?c) = "" || LANGMATCHES(LANG(?c), "en")) }}
}} GROUP BY ?r ?version ?issued"""
    )
    found = [
        Release(
            str(r["r"].value),
            str(r["version"].value),
            str(r["issued"].value)[:10],
            str(r["comment"].value) if r["comment"] is not None else "",
        )
        for r in rows
        if r["r"] is not None and r["version"] is not None and r["issued"] is not None
    ]
    return sorted(found, key=lambda r: (r.issued, _version_key(r.version), r.iri), reverse=True)


def _version_key(version: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in version.split("."))


def current_release(store: KnowledgeStore, settings: Settings) -> Release:
    found = releases(store, settings)
    if not found:
        raise NoReleaseError(
            "the data has no release record: add an alliance:Release with dcat:version and "
            "dcterms:issued (data/release.ttl); exports take their version and date from it"
        )
    return found[0]


def public_base(settings: Settings) -> str:
    """The public URL of the server, without a trailing slash."""
    url = settings.public_url or f"http://{settings.host}:{settings.port}"
    return url.rstrip("/")


def dump_url(settings: Settings, name: str) -> str:
    return f"{public_base(settings)}/dumps/{name}"
