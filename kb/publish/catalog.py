"""The DCAT-AP 3 catalog of the open-data distributions.

One `dcat:Catalog`, one `dcat:Dataset` (the knowledge base), one
`dcat:Distribution` per file, and the SPARQL endpoint as a `dcat:DataService`.
What can be read from the data is read from it: the publisher (the Congress
record), the contact point (the Alliance's contact post), the version and
dates (the release record), the spatial coverage (the EU country IRIs of the
authorities' countries), the temporal coverage (the dates of events, editions,
memberships, signatures, documents and figures). Sizes and checksums come from
the files written before the catalog.

Controlled values are IRIs of the EU authority tables (file types, data
themes, languages, licences, access rights, availability, frequency) and of
IANA; each is given its `skos:inScheme` (and label), as the DCAT-AP
controlled-vocabulary shapes expect, since a harvester does not load the
tables themselves. Every node has an IRI (no blank nodes: byte-stable output).
"""

from __future__ import annotations

import calendar

import pyoxigraph as ox

from kb.config import Settings
from kb.namespaces import DQV
from kb.publish.citation import dataset_citation
from kb.publish.coverage import coverage, measurement_triples
from kb.publish.distribution import (
    FILE_TYPE,
    IANA,
    LICENCE,
    LICENCE_LABEL,
    FileInfo,
    Release,
    describe_file,
    dump_url,
    format_of,
    public_base,
)
from kb.publish.void import TITLE, void_dataset_iri
from kb.store.embedded import KnowledgeStore

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
DCATAP = "http://data.europa.eu/r5r/"
FOAF = "http://xmlns.com/foaf/0.1/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SPDX = "http://spdx.org/rdf/terms#"
VCARD = "http://www.w3.org/2006/vcard/ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SCHEMA = "http://schema.org/"
ORG = "http://www.w3.org/ns/org#"
EU = "http://publications.europa.eu/resource/authority/"

CATALOG_PREFIXES = {
    "adms": "http://www.w3.org/ns/adms#",
    "dqv": DQV,
    "dcat": DCAT,
    "dcatap": DCATAP,
    "dcterms": DCT,
    "foaf": FOAF,
    "rdf": RDF,
    "rdfs": RDFS,
    "skos": SKOS,
    "spdx": SPDX,
    "vcard": VCARD,
    "xsd": XSD,
}

#: EU data themes: Population and society, Government and public sector, Regions and cities.
DATA_THEMES = {"SOCI": "Population and society", "GOVE": "Government and public sector",
               "REGI": "Regions and cities"}  # fmt: skip
LANGUAGES = {"ENG": "English", "FRA": "French"}
KEYWORDS = {
    "en": ["Roma", "Travellers", "Roma inclusion", "anti-Gypsyism", "local authorities",
           "regions", "cities", "Council of Europe", "Dosta! Prize", "good practices"],
    "fr": ["Roms", "Gens du voyage", "inclusion des Roms", "antitsiganisme",
           "collectivités locales", "régions", "villes", "Conseil de l'Europe"],
}  # fmt: skip

#: Properties whose dates make the temporal coverage (the life of the Alliance's records).
COVERAGE_PROPERTIES = [
    f"{SCHEMA}startDate",
    f"{SCHEMA}endDate",
    f"{SCHEMA}foundingDate",
    f"{DCT}date",
    "{ns}ceremonyDate",
    "{ns}labelYear",
]


class _Graph:
    def __init__(self) -> None:
        self.triples: list[ox.Triple] = []

    def add(self, s: str, p: str, o: ox.NamedNode | ox.Literal | str) -> None:
        obj = ox.NamedNode(o) if isinstance(o, str) else o
        self.triples.append(ox.Triple(ox.NamedNode(s), ox.NamedNode(p), obj))

    def text(self, s: str, p: str, value: str, lang: str | None = "en") -> None:
        self.add(s, p, ox.Literal(value, language=lang) if lang else ox.Literal(value))

    def typed(self, s: str, p: str, value: str, datatype: str) -> None:
        self.add(s, p, ox.Literal(value, datatype=ox.NamedNode(datatype)))

    def concept(self, iri: str, scheme: str, label: str, scheme_title: str) -> None:
        """An authority-table concept with what the DCAT-AP shapes check of it."""
        self.add(iri, RDF + "type", SKOS + "Concept")
        self.text(iri, SKOS + "prefLabel", label)
        self.add(iri, SKOS + "inScheme", scheme)
        self.add(scheme, RDF + "type", SKOS + "ConceptScheme")
        self.text(scheme, DCT + "title", scheme_title)


def _label(store: KnowledgeStore, iri: str, prop: str = f"{SKOS}prefLabel") -> dict[str, str]:
    rows = store.select(f"SELECT ?l WHERE {{ <{iri}> <{prop}> ?l }}")
    labels: dict[str, str] = {}
    for row in rows:
        term = row["l"]
        if isinstance(term, ox.Literal):
            labels.setdefault(term.language or "", term.value)
    return dict(sorted(labels.items()))


def spatial_coverage(store: KnowledgeStore, settings: Settings) -> list[str]:
    """EU Country authority IRIs of the countries of the authorities in the data."""
    rows = store.select(
        f"""SELECT DISTINCT ?eu WHERE {{
  ?authority <{settings.ontology_ns}country> ?country .
  ?country <{SKOS}exactMatch> ?eu .
  FILTER(STRSTARTS(STR(?eu), "{EU}country/"))
}}"""
    )
    return sorted(str(r["eu"].value) for r in rows if r["eu"] is not None)


def _as_date(value: str, end: bool) -> str | None:
    """An xsd:date for a date, gYearMonth or gYear lexical form (first or last day)."""
    parts = value[:10].split("-")
    try:
        year = int(parts[0])
        if len(parts) >= 3:
            return f"{year:04d}-{int(parts[1]):02d}-{int(parts[2][:2]):02d}"
        month = int(parts[1]) if len(parts) == 2 else (12 if end else 1)
        day = calendar.monthrange(year, month)[1] if end else 1
        return f"{year:04d}-{month:02d}-{day:02d}"
    except (ValueError, IndexError):
        return None


def temporal_coverage(store: KnowledgeStore, settings: Settings) -> tuple[str, str] | None:
    props = " ".join(f"<{p.format(ns=settings.ontology_ns)}>" for p in COVERAGE_PROPERTIES)
    rows = store.select(
        f"""SELECT DISTINCT ?d WHERE {{
  VALUES ?p {{ {props} }}
  ?s ?p ?d .
  FILTER(DATATYPE(?d) IN (<{XSD}date>, <{XSD}dateTime>, <{XSD}gYear>, <{XSD}gYearMonth>))
}}"""
    )
    values = [str(r["d"].value) for r in rows if r["d"] is not None]
    starts = [d for d in (_as_date(v, end=False) for v in values) if d]
    ends = [d for d in (_as_date(v, end=True) for v in values) if d]
    if not starts:
        return None
    return min(starts), max(ends)


def catalog_triples(
    settings: Settings,
    store: KnowledgeStore,
    release: Release,
    first_release: Release,
    files: list[FileInfo],
) -> list[ox.Triple]:
    base = settings.base_iri
    public = public_base(settings)
    cat = f"{base}catalog"
    ds = void_dataset_iri(settings)
    service = f"{cat}#sparql"
    publisher = settings.record_iri("organisation", "congress")
    contact = f"{cat}#contact-point"
    g = _Graph()
    date = XSD + "date"

    # -- shared values --------------------------------------------------------------
    g.add(LICENCE, RDF + "type", DCT + "LicenseDocument")
    g.text(LICENCE, RDFS + "label", LICENCE_LABEL)
    g.add(LICENCE, DCT + "type", "http://purl.org/adms/licencetype/Attribution")
    g.concept(
        "http://purl.org/adms/licencetype/Attribution",
        "http://purl.org/adms/licencetype/1.0",
        "Attribution",
        "ADMS licence type",
    )
    public_access = f"{EU}access-right/PUBLIC"
    g.concept(public_access, f"{EU}access-right", "public", "Access right")
    g.add(public_access, RDF + "type", DCT + "RightsStatement")
    stable = f"{EU}planned-availability/STABLE"
    g.concept(stable, f"{EU}planned-availability", "stable", "Planned availability")
    for code, label in DATA_THEMES.items():
        g.concept(f"{EU}data-theme/{code}", f"{EU}data-theme", label, "Data theme")
    for code, label in LANGUAGES.items():
        g.concept(f"{EU}language/{code}", f"{EU}language", label, "Language")
        g.add(f"{EU}language/{code}", RDF + "type", DCT + "LinguisticSystem")
    frequency = f"{EU}frequency/IRREG"
    g.concept(frequency, f"{EU}frequency", "irregular", "Frequency")
    g.add(frequency, RDF + "type", DCT + "Frequency")
    spatial = spatial_coverage(store, settings)
    for country in spatial:
        g.add(country, SKOS + "inScheme", f"{EU}country")

    # -- publisher and contact point (from the data) -------------------------------
    g.add(publisher, RDF + "type", FOAF + "Agent")
    g.add(publisher, RDF + "type", FOAF + "Organization")
    for lang, name in _label(store, publisher).items():
        g.text(publisher, FOAF + "name", name, lang or None)
    supranational = "http://purl.org/adms/publishertype/SupraNationalAuthority"
    g.add(publisher, DCT + "type", supranational)
    g.concept(
        supranational,
        "http://purl.org/adms/publishertype/1.0",
        "Supra-national authority",
        "ADMS publisher type",
    )
    _contact_point(g, store, settings, contact)

    # -- catalog ----------------------------------------------------------------------
    homepage = f"{public}/"
    g.add(homepage, RDF + "type", FOAF + "Document")
    g.add(cat, RDF + "type", DCAT + "Catalog")
    g.text(cat, DCT + "title", f"{TITLE}: open data")
    g.text(
        cat,
        DCT + "title",
        "Alliance européenne des villes et régions pour l'inclusion des Roms : données ouvertes",
        "fr",
    )
    g.text(
        cat,
        DCT + "description",
        "Open data of the European Alliance of Cities and Regions for Roma Inclusion, a network "
        "of the Congress of Local and Regional Authorities of the Council of Europe: dumps in "
        "every standard RDF serialization, CSV tables and a SPARQL endpoint.",
    )
    g.add(cat, DCT + "publisher", publisher)
    g.add(cat, FOAF + "homepage", homepage)
    g.add(cat, DCT + "license", LICENCE)
    for code in LANGUAGES:
        g.add(cat, DCT + "language", f"{EU}language/{code}")
    g.typed(cat, DCT + "issued", first_release.issued, date)
    g.typed(cat, DCT + "modified", release.issued, date)
    for country in spatial:
        g.add(cat, DCT + "spatial", country)
    g.add(cat, DCAT + "themeTaxonomy", f"{EU}data-theme")
    g.add(cat, DCAT + "dataset", ds)
    g.add(cat, DCAT + "service", service)

    # -- dataset ----------------------------------------------------------------------
    g.add(ds, RDF + "type", DCAT + "Dataset")
    g.text(ds, DCT + "title", TITLE)
    g.text(
        ds,
        DCT + "description",
        "The Alliance, its participating cities and regions and their memberships, the "
        "signatures of the Declaration of Mayors against anti-Gypsyism, the Dosta! Congress "
        "Prize editions and awards, good practices, the stated participation figures, the "
        "Council of Europe member states, and the Alliance ontology and vocabularies.",
    )
    g.text(ds, DCT + "identifier", ds, None)
    g.typed(ds, DCAT + "version", release.version, XSD + "string")
    if release.comment:
        g.text(ds, "http://www.w3.org/ns/adms#versionNotes", release.comment)
    g.typed(ds, DCT + "issued", first_release.issued, date)
    g.typed(ds, DCT + "modified", release.issued, date)
    g.add(ds, DCT + "publisher", publisher)
    g.add(ds, DCAT + "contactPoint", contact)
    g.add(ds, DCAT + "landingPage", homepage)
    g.add(ds, DCT + "accessRights", public_access)
    g.add(ds, DCT + "accrualPeriodicity", frequency)
    g.add(ds, DCT + "conformsTo", f"{base}ontology")
    g.add(f"{base}ontology", RDF + "type", DCT + "Standard")
    for code in LANGUAGES:
        g.add(ds, DCT + "language", f"{EU}language/{code}")
    for code in DATA_THEMES:
        g.add(ds, DCAT + "theme", f"{EU}data-theme/{code}")
    for lang, words in KEYWORDS.items():
        for word in words:
            g.text(ds, DCAT + "keyword", word, lang)
    for country in spatial:
        g.add(ds, DCT + "spatial", country)
    period_covered = temporal_coverage(store, settings)
    if period_covered:
        period = f"{cat}#temporal-coverage"
        g.add(ds, DCT + "temporal", period)
        g.add(period, RDF + "type", DCT + "PeriodOfTime")
        g.typed(period, DCAT + "startDate", period_covered[0], date)
        g.typed(period, DCAT + "endDate", period_covered[1], date)
    g.add(ds, RDFS + "seeAlso", f"{public}/.well-known/void")
    # coverage: records counted next to stated figures, as DQV measurements of the dataset
    for t in measurement_triples(coverage(store, base), ds, f"{cat}#", release.issued):
        g.triples.append(t)
    citation = dataset_citation(store, settings, release)
    if citation is not None:
        g.text(ds, DCT + "bibliographicCitation", citation.text())

    # -- distributions ----------------------------------------------------------------
    g.add(SPDX + "checksumAlgorithm_sha256", RDF + "type", SPDX + "ChecksumAlgorithm")
    for info in files:
        dist = f"{cat}#distribution-{info.name}"
        fmt = format_of(info.name)
        title, description = describe_file(info.name)
        g.add(ds, DCAT + "distribution", dist)
        g.add(dist, RDF + "type", DCAT + "Distribution")
        g.text(dist, DCT + "title", title)
        g.text(dist, DCT + "description", description)
        g.add(dist, DCAT + "accessURL", f"{public}/dumps/")
        g.add(dist, DCAT + "downloadURL", dump_url(settings, info.name))
        media = IANA + fmt.media_type
        g.add(dist, DCAT + "mediaType", media)
        g.add(media, RDF + "type", DCT + "MediaType")
        if fmt.compress:
            g.add(dist, DCAT + "compressFormat", IANA + fmt.compress)
            g.add(IANA + fmt.compress, RDF + "type", DCT + "MediaType")
        file_type = FILE_TYPE + fmt.file_type
        g.add(dist, DCT + "format", file_type)
        g.add(file_type, RDF + "type", DCT + "MediaTypeOrExtent")
        g.concept(file_type, FILE_TYPE.rstrip("/"), fmt.label, "File type")
        g.typed(dist, DCAT + "byteSize", str(info.size), XSD + "nonNegativeInteger")
        checksum = f"{cat}#checksum-{info.name}"
        g.add(dist, SPDX + "checksum", checksum)
        g.add(checksum, RDF + "type", SPDX + "Checksum")
        g.add(checksum, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
        g.typed(checksum, SPDX + "checksumValue", info.sha256, XSD + "hexBinary")
        g.add(dist, DCT + "license", LICENCE)
        g.typed(dist, DCT + "issued", release.issued, date)
        g.typed(dist, DCT + "modified", release.issued, date)
        g.add(dist, DCATAP + "availability", stable)

    # -- the SPARQL endpoint ------------------------------------------------------------
    endpoint = f"{public}/sparql"
    g.add(service, RDF + "type", DCAT + "DataService")
    g.text(service, DCT + "title", "SPARQL endpoint of the knowledge base")
    g.text(
        service,
        DCT + "description",
        "SPARQL 1.1 query endpoint over the same data as the dumps (read-only); its "
        "SPARQL 1.1 Service Description is served at the endpoint URL to RDF clients.",
    )
    g.add(service, DCAT + "endpointURL", endpoint)
    g.add(service, DCAT + "endpointDescription", endpoint)
    sparql_protocol = "https://www.w3.org/TR/sparql11-protocol/"
    g.add(service, DCT + "conformsTo", sparql_protocol)
    g.add(sparql_protocol, RDF + "type", DCT + "Standard")
    g.add(service, DCAT + "servesDataset", ds)
    g.add(service, DCT + "publisher", publisher)
    g.add(service, DCAT + "contactPoint", contact)
    g.add(service, DCT + "license", LICENCE)
    g.add(service, DCT + "accessRights", public_access)
    for code in DATA_THEMES:
        g.add(service, DCAT + "theme", f"{EU}data-theme/{code}")
    for word in ("SPARQL", "linked data", "Roma inclusion"):
        g.text(service, DCAT + "keyword", word)
    for fmt_code in ("RDF_TURTLE", "JSON_LD", "RDF_XML", "RDF_N_TRIPLES", "CSV", "JSON"):
        g.add(service, DCT + "format", FILE_TYPE + fmt_code)
        g.concept(FILE_TYPE + fmt_code, FILE_TYPE.rstrip("/"), fmt_code, "File type")
        g.add(FILE_TYPE + fmt_code, RDF + "type", DCT + "MediaTypeOrExtent")
    return g.triples


def _contact_point(g: _Graph, store: KnowledgeStore, settings: Settings, contact: str) -> None:
    """A vCard built from the Alliance's contact post (`id/post/alliance-contact`)."""
    post = settings.record_iri("post", "alliance-contact")
    g.add(contact, RDF + "type", VCARD + "Kind")
    g.add(contact, RDF + "type", VCARD + "Organization")
    rows = store.select(
        f"""SELECT ?name ?unit ?phone ?address WHERE {{
  OPTIONAL {{ <{post}> <{ORG}heldBy>/<{FOAF}name> ?name }}
  OPTIONAL {{ <{post}> <{ORG}postIn>/<{SKOS}prefLabel> ?unit
             FILTER(LANGMATCHES(LANG(?unit), "en")) }}
  OPTIONAL {{ <{post}> <{SCHEMA}telephone> ?phone }}
  OPTIONAL {{ <{post}> <{SCHEMA}address> ?address }}
}} LIMIT 1"""
    )
    row = rows[0] if rows else {}
    unit = row.get("unit")
    name = row.get("name")
    fn = unit.value if unit is not None else "European Alliance of Cities and Regions"
    g.text(contact, VCARD + "fn", fn)
    g.text(contact, VCARD + "organization-name", fn)
    if name is not None:
        g.text(contact, VCARD + "note", f"Contact person: {name.value}")
    phone = row.get("phone")
    if phone is not None:
        digits = "".join(c for c in phone.value if c.isdigit() or c == "+")
        g.add(contact, VCARD + "hasTelephone", f"tel:{digits}")
    address = row.get("address")
    if address is not None:
        node = f"{contact}-address"
        g.add(contact, VCARD + "hasAddress", node)
        g.add(node, RDF + "type", VCARD + "Address")
        g.text(node, VCARD + "street-address", address.value, None)
    g.add(contact, RDFS + "seeAlso", post)
