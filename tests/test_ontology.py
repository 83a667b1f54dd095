"""The ontology and the SKOS vocabularies: parseable, bilingual, complete.

Every class and property of `ontology/alliance.ttl` speaks English and French
and has a domain and a range; every concept and scheme of
`ontology/vocabularies/` has English and French labels and definitions; and
every `alliance:` term that any file of the project uses is defined, so a typo
in a shape, a record or a query is caught here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from kb.config import CANONICAL_BASE_IRI, PROJECT_ROOT, get_settings
from kb.sources.rdf_files import parse_file

ALLIANCE = Namespace(f"{CANONICAL_BASE_IRI}ontology#")
ONTOLOGY_IRI = URIRef(f"{CANONICAL_BASE_IRI}ontology")
ID = f"{CANONICAL_BASE_IRI}id/"
CPOV = Namespace("http://data.europa.eu/m8g/")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("http://schema.org/")
DCAT = Namespace("http://www.w3.org/ns/dcat#")

SETTINGS = get_settings()
ONTOLOGY_FILE = SETTINGS.ontology_dir / "alliance.ttl"
VOCABULARY_FILES = sorted(SETTINGS.vocabularies_dir.glob("*.ttl"))
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty)


def _parse(paths: Iterable[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


ONTOLOGY = _parse([ONTOLOGY_FILE])
VOCABULARIES = _parse(VOCABULARY_FILES)


def _defined_terms(graph: Graph) -> set[URIRef]:
    return {
        s
        for t in TERM_TYPES
        for s in graph.subjects(RDF.type, t)
        if isinstance(s, URIRef) and s.startswith(ALLIANCE)
    }


DEFINED = _defined_terms(ONTOLOGY)
PROPERTIES = sorted(
    s for t in PROPERTY_TYPES for s in ONTOLOGY.subjects(RDF.type, t) if s in DEFINED
)
CONCEPTS = sorted(s for s in VOCABULARIES.subjects(RDF.type, SKOS.Concept))
SCHEMES = sorted(s for s in VOCABULARIES.subjects(RDF.type, SKOS.ConceptScheme))


def _languages(graph: Graph, subject: URIRef, predicate: URIRef) -> list[str | None]:
    return [o.language for o in graph.objects(subject, predicate) if isinstance(o, Literal)]


def _local(term: URIRef) -> str:
    return term.removeprefix(str(ALLIANCE))


# --- (d) it parses ----------------------------------------------------------------------


def test_ontology_parses_with_rdflib_and_oxigraph_to_the_same_triples() -> None:
    quads = parse_file(ONTOLOGY_FILE, SETTINGS.graph_iri("ontology"))
    assert len(quads) == len(ONTOLOGY) > 300


@pytest.mark.parametrize("path", VOCABULARY_FILES, ids=lambda p: p.name)
def test_vocabulary_parses_with_rdflib_and_oxigraph_to_the_same_triples(path: Path) -> None:
    quads = parse_file(path, SETTINGS.graph_iri("vocabularies"))
    assert len(quads) == len(Graph().parse(path, format="turtle")) > 0


def test_every_scheme_of_the_data_model_has_its_own_vocabulary_file() -> None:
    expected = {
        "themes",
        "maturity-levels",
        "groups",
        "objectives",
        "lines-of-action",
        "roles",
        "measures",
        "source-types",
        "rank-reasons",
    }
    assert {p.stem for p in VOCABULARY_FILES} == expected
    assert {str(s).removeprefix(f"{ID}scheme/") for s in SCHEMES} == expected


# --- the ontology document --------------------------------------------------------------


def test_ontology_header_has_version_titles_licence_and_publisher() -> None:
    o = ONTOLOGY_IRI
    assert (o, RDF.type, OWL.Ontology) in ONTOLOGY
    assert ONTOLOGY.value(o, OWL.versionInfo) == Literal("0.2.0")
    assert ONTOLOGY.value(o, OWL.versionIRI) is not None
    for predicate in (DCTERMS.title, DCTERMS.description):
        assert sorted(map(str, _languages(ONTOLOGY, o, predicate))) == ["en", "fr"]
    assert ONTOLOGY.value(o, DCTERMS.license) is not None
    congress = URIRef(f"{ID}organisation/congress")
    assert ONTOLOGY.value(o, DCTERMS.creator) == congress
    assert ONTOLOGY.value(o, DCTERMS.publisher) == congress


def test_every_subject_in_the_alliance_namespace_is_a_typed_class_or_property() -> None:
    subjects = {s for s in ONTOLOGY.subjects() if isinstance(s, URIRef) and s.startswith(ALLIANCE)}
    assert subjects - DEFINED == set()
    assert len(DEFINED) > 40


# --- (a) every term speaks English and French ---------------------------------------------


@pytest.mark.parametrize("term", sorted(DEFINED), ids=_local)
def test_term_has_one_english_and_one_french_label_and_comment(term: URIRef) -> None:
    for predicate in (RDFS.label, RDFS.comment):
        languages = _languages(ONTOLOGY, term, predicate)
        assert sorted(map(str, languages)) == ["en", "fr"], f"{_local(term)} {predicate}"
    assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in ONTOLOGY


@pytest.mark.parametrize("prop", PROPERTIES, ids=_local)
def test_property_has_a_domain_and_a_range(prop: URIRef) -> None:
    assert ONTOLOGY.value(prop, RDFS.domain) is not None, f"{_local(prop)} has no rdfs:domain"
    assert ONTOLOGY.value(prop, RDFS.range) is not None, f"{_local(prop)} has no rdfs:range"


def test_datatype_properties_range_over_datatypes_and_object_properties_over_classes() -> None:
    for prop in ONTOLOGY.subjects(RDF.type, OWL.DatatypeProperty):
        rng = str(ONTOLOGY.value(prop, RDFS.range))
        # rdfs:Literal: a date as precise as its source (xsd:date, gYearMonth or gYear), as
        # dcterms:date; the shapes say which datatypes
        assert rng.startswith(("http://www.w3.org/2001/XMLSchema#", str(RDF))) or rng == str(
            RDFS.Literal
        ), prop
    for prop in ONTOLOGY.subjects(RDF.type, OWL.ObjectProperty):
        rng = str(ONTOLOGY.value(prop, RDFS.range))
        assert not rng.startswith("http://www.w3.org/2001/XMLSchema#"), prop


@pytest.mark.parametrize(
    ("term", "ancestor"),
    [
        (ALLIANCE.Municipality, CPOV.PublicOrganisation),
        (ALLIANCE.Region, ORG.Organization),
        (ALLIANCE.Alliance, ORG.FormalOrganization),
        (ALLIANCE.MemberState, SCHEMA.Country),
        (ALLIANCE.CongressSession, SCHEMA.Event),
        (ALLIANCE.Signature, PROV.Activity),
        (ALLIANCE.GoodPractice, PROV.Activity),
        (ALLIANCE.Declaration, SCHEMA.CreativeWork),
        (ALLIANCE.Declaration, PROV.Entity),
        (ALLIANCE.Secondment, ORG.Membership),
        (ALLIANCE.PracticeDatabase, DCAT.Dataset),
    ],
    ids=lambda t: _local(t) if t.startswith(ALLIANCE) else str(t).rsplit("/", 1)[-1],
)
def test_class_is_aligned_to_the_standard_vocabulary(term: URIRef, ancestor: URIRef) -> None:
    assert ancestor in set(ONTOLOGY.transitive_objects(term, RDFS.subClassOf))


@pytest.mark.parametrize(
    ("prop", "parent"),
    [
        (ALLIANCE.country, DCTERMS.spatial),
        (ALLIANCE.signatory, PROV.wasAssociatedWith),
        (ALLIANCE.implementedBy, PROV.wasAssociatedWith),
    ],
    ids=_local,
)
def test_property_is_aligned_to_the_standard_vocabulary(prop: URIRef, parent: URIRef) -> None:
    assert (prop, RDFS.subPropertyOf, parent) in ONTOLOGY


def test_reused_standard_terms_are_not_redefined() -> None:
    foreign = {
        s
        for t in (*TERM_TYPES, RDFS.Class, RDF.Property)
        for s in ONTOLOGY.subjects(RDF.type, t)
        if not str(s).startswith(str(ALLIANCE))
    }
    assert foreign == set()


# --- (b) every concept and scheme speaks English and French ----------------------------


@pytest.mark.parametrize("scheme", SCHEMES, ids=lambda s: s.removeprefix(ID))
def test_scheme_has_english_and_french_labels_top_concepts_and_source(scheme: URIRef) -> None:
    assert sorted(map(str, _languages(VOCABULARIES, scheme, SKOS.prefLabel))) == ["en", "fr"]
    assert VOCABULARIES.value(scheme, DCTERMS.source) is not None
    tops = set(VOCABULARIES.objects(scheme, SKOS.hasTopConcept))
    assert tops, "a scheme without top concepts"
    assert tops == set(VOCABULARIES.subjects(SKOS.topConceptOf, scheme))


@pytest.mark.parametrize("concept", CONCEPTS, ids=lambda c: c.removeprefix(ID))
def test_concept_has_english_and_french_label_and_definition_and_a_scheme(
    concept: URIRef,
) -> None:
    for predicate in (SKOS.prefLabel, SKOS.definition):
        languages = _languages(VOCABULARIES, concept, predicate)
        assert sorted(map(str, languages)) == ["en", "fr"], f"{concept} {predicate}"
    scheme = VOCABULARIES.value(concept, SKOS.inScheme)
    assert scheme in SCHEMES
    assert VOCABULARIES.value(concept, DCTERMS.source) is not None
    kind = str(concept).removeprefix(ID).split("/")[0]
    assert kind and str(concept) == f"{ID}{kind}/{concept.rsplit('/', 1)[-1]}"


def test_every_concept_is_top_or_has_a_broader_concept_in_its_scheme() -> None:
    for concept in CONCEPTS:
        scheme = VOCABULARIES.value(concept, SKOS.inScheme)
        broader = VOCABULARIES.value(concept, SKOS.broader)
        if (concept, SKOS.topConceptOf, scheme) not in VOCABULARIES:
            assert broader is not None, concept
            assert (broader, SKOS.inScheme, scheme) in VOCABULARIES
            assert (broader, SKOS.narrower, concept) in VOCABULARIES


def test_groups_hang_under_the_roma_and_travellers_umbrella() -> None:
    umbrella = URIRef(f"{ID}group/roma-and-travellers")
    narrower = set(VOCABULARIES.objects(umbrella, SKOS.narrower))
    assert URIRef(f"{ID}group/gens-du-voyage") in narrower
    assert len(narrower) == 12


def test_ordered_schemes_number_their_concepts_from_one() -> None:
    for scheme, size in (("objectives", 3), ("lines-of-action", 4), ("maturity-levels", 3)):
        members = VOCABULARIES.subjects(SKOS.inScheme, URIRef(f"{ID}scheme/{scheme}"))
        notations = sorted(str(VOCABULARIES.value(c, SKOS.notation)) for c in members)
        assert notations == [str(n) for n in range(1, size + 1)], scheme


def test_every_concept_named_in_the_data_model_exists() -> None:
    model = (PROJECT_ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    section = model.split("## SKOS vocabularies", 1)[1].split("\n## ", 1)[0]
    named = set(
        re.findall(
            r"`((?:scheme|theme|maturity|group|objective|line-of-action|role|measure)/[a-z0-9-]+)`",
            section,
        )
    )
    assert len(named) > 30
    present = {str(s).removeprefix(ID) for s in (*CONCEPTS, *SCHEMES)}
    assert named - present == set()


# --- (c) every alliance: term used anywhere is defined ------------------------------------

_PREFIXED = re.compile(r"(?<![\w-])alliance:([A-Za-z_][\w-]*)")
_FULL = re.compile(re.escape(str(ALLIANCE)) + r"([A-Za-z_][\w-]*)")
SCANNED_SUFFIXES = {".ttl", ".trig", ".nt", ".nq", ".jsonld", ".rdf", ".rq", ".sparql", ".md"}


def alliance_terms_used(paths: Iterable[Path]) -> dict[str, set[str]]:
    """Every `alliance:` local name written in the files (Turtle, SPARQL, Markdown), by file."""
    used: dict[str, set[str]] = {}
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        names = set(_PREFIXED.findall(text)) | set(_FULL.findall(text))
        if names:
            used[
                str(path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path)
            ] = names
    return used


def _project_files() -> list[Path]:
    roots = [
        SETTINGS.ontology_dir,
        SETTINGS.shapes_dir,
        SETTINGS.data_dir,
        SETTINGS.queries_dir,
    ]
    files = [
        p
        for root in roots
        if root.is_dir()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix in SCANNED_SUFFIXES
    ]
    return [*files, PROJECT_ROOT / "docs" / "model.md"]


def _undefined(used: dict[str, set[str]]) -> dict[str, list[str]]:
    defined = {_local(t) for t in DEFINED}
    return {f: sorted(names - defined) for f, names in used.items() if names - defined}


def test_every_alliance_term_used_in_ontology_shapes_data_queries_and_model_is_defined() -> None:
    used = alliance_terms_used(_project_files())
    assert any(f.endswith("alliance.ttl") for f in used)
    assert _undefined(used) == {}


def test_an_undefined_alliance_term_is_reported_with_its_file(tmp_path: Path) -> None:
    bad = tmp_path / "typo.ttl"
    bad.write_text(
        "@prefix alliance: <https://w3id.org/roma-alliance/ontology#> .\n"
        "<x> alliance:rank 1 ; alliance:Rnk 2 ; "
        "<https://w3id.org/roma-alliance/ontology#laureat> <y> .\n"
        "ASK { ?a alliance:sharedRank true }\n",
        encoding="utf-8",
    )
    assert _undefined(alliance_terms_used([bad])) == {str(bad): ["Rnk", "laureat"]}
