"""The SHACL shapes of shapes/: each rule fires on its violating fixture, stays quiet on
its conforming one, with the focus node, path, severity and shape it promises.

Validation is run the way `alliance-kb validate` runs it: all of shapes/*.ttl as one
shapes graph; the data graph is the union of the ontology, the vocabularies and the
records; no RDFS inference; pyshacl is the reference engine. Results are compared on
the focus nodes that the fixture itself describes (the vocabularies and the ontology
are checked by the shipped-data test).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

import pyshacl
import pytest
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import SH

from kb.validation.validator import PreparedQueryGraph

ROOT = Path(__file__).resolve().parent.parent
SHAPES_DIR = ROOT / "shapes"
FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
ID = "https://w3id.org/roma-alliance/id/"
SHAPES_NS = "https://w3id.org/roma-alliance/shapes#"
SCHEMA = Namespace("http://schema.org/")
XSD_NS = "http://www.w3.org/2001/XMLSchema#"

#: Namespaces used to write result paths compactly in the expectations below.
PREFIXES = {
    "alliance": "https://w3id.org/roma-alliance/ontology#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": "http://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "oa": "http://www.w3.org/ns/oa#",
    "wikibase": "http://wikiba.se/ontology#",
}

#: (focus node relative to id/, result path as prefix:name or None, severity, shape name)
Row = tuple[str, str | None, str, str]

V, W, INFO = "Violation", "Warning", "Info"


@functools.cache
def shapes_graph() -> Graph:
    graph = Graph()
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@functools.cache
def context_graph() -> Graph:
    """The ontology and the vocabularies, as the validator loads them beside the records."""
    graph = Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        graph.parse(path, format="turtle")
    for path in sorted((ROOT / "ontology" / "vocabularies").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def validate(records: Graph) -> Graph:
    data = PreparedQueryGraph()  # each SPARQL constraint parsed once, not per focus node
    for triple in context_graph():
        data.add(triple)
    for triple in records:
        data.add(triple)
    _conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes_graph(), inference="none", advanced=False
    )
    assert isinstance(report, Graph)
    return report


def short(term: object) -> str | None:
    if term is None:
        return None
    text = str(term)
    for prefix, namespace in PREFIXES.items():
        if text.startswith(namespace):
            return f"{prefix}:{text[len(namespace) :]}"
    return text


def rows(report: Graph, focus_nodes: Iterable[object] | None = None) -> set[Row]:
    wanted = set(focus_nodes) if focus_nodes is not None else None
    found: set[Row] = set()
    for result in report.objects(None, SH.result):
        focus = report.value(result, SH.focusNode)
        if wanted is not None and focus not in wanted:
            continue
        path = report.value(result, SH.resultPath)
        shape = report.value(result, SH.sourceShape)
        severity = report.value(result, SH.resultSeverity)
        found.add(
            (
                str(focus).removeprefix(ID),
                short(path) if isinstance(path, URIRef) else None,
                str(severity).removeprefix(str(SH)),
                str(shape).removeprefix(SHAPES_NS) if isinstance(shape, URIRef) else "(blank)",
            )
        )
    return found


def load_fixture(name: str) -> Graph:
    graph = Graph()
    graph.parse(FIXTURES / name, format="turtle")
    return graph


@functools.cache
def fixture_report(name: str) -> Graph:
    return validate(load_fixture(name))


def fixture_rows(name: str) -> set[Row]:
    return rows(fixture_report(name), set(load_fixture(name).subjects()))


def describe(found: set[Row]) -> str:
    return "\n".join(repr(r) for r in sorted(found, key=repr)) or "(no results)"


# -----------------------------------------------------------------------------
# Each shape file: a conforming fixture reports nothing
# -----------------------------------------------------------------------------

OK_FIXTURES = sorted(p.name for p in FIXTURES.glob("*-ok.ttl"))


@pytest.mark.parametrize("name", OK_FIXTURES)
def test_conforming_fixture_reports_nothing(name: str) -> None:
    found = fixture_rows(name)
    assert found == set(), f"{name} should conform, got:\n{describe(found)}"


def test_every_shape_file_has_a_conforming_and_a_violating_fixture() -> None:
    stems = sorted(p.stem for p in SHAPES_DIR.glob("*.ttl"))
    assert stems, "shapes/ is empty"
    missing = [
        f"{stem}-{kind}.ttl"
        for stem in stems
        for kind in ("ok", "bad")
        if not (FIXTURES / f"{stem}-{kind}.ttl").exists()
    ]
    assert not missing, f"missing fixtures: {missing}"


# -----------------------------------------------------------------------------
# Each shape file: a violating fixture reports exactly what it breaks
# -----------------------------------------------------------------------------

EXPECTED: dict[str, set[Row]] = {
    "common-bad.ttl": {
        ("person/no-source", "dcterms:source", V, "RecordSourcePropertyShape"),
        ("person/text-source", "dcterms:source", V, "RecordSourcePropertyShape"),
    },
    "authority-bad.ttl": {
        ("authority/Bad_Slug", None, V, "AuthorityShape"),
        ("authority/both", None, V, "AuthorityKindShape"),
        ("authority/german", "skos:prefLabel", V, "AuthorityLabelShape"),
        ("authority/iri-altlabel", "skos:altLabel", V, "AuthorityAltLabelShape"),
        ("authority/no-english", "skos:prefLabel", V, "AuthorityEnglishLabelShape"),
        ("authority/no-french", "skos:prefLabel", INFO, "AuthorityFrenchLabelShape"),
        ("authority/text-country", "alliance:country", V, "AuthorityCountryShape"),
        ("authority/two-countries", "alliance:country", V, "AuthorityCountryShape"),
        ("authority/two-english", "skos:prefLabel", V, "AuthorityLabelShape"),
    },
    "membership-bad.ttl": {
        ("membership/dup-a", "alliance:participantNumber", V, "AllianceMembershipShape"),
        ("membership/dup-b", "alliance:participantNumber", V, "AllianceMembershipShape"),
        ("membership/no-member", "org:member", V, "MembershipMemberShape"),
        ("membership/person-member", "org:member", V, "AllianceMembershipShape"),
        ("membership/text-date", "schema:startDate", V, "MembershipStartDateShape"),
        ("membership/wrong-organisation", "org:organization", V, "AllianceMembershipShape"),
        ("membership/zero", "alliance:participantNumber", V, "MembershipParticipantNumberShape"),
        ("participation/tivat", None, V, "MembershipShape"),
    },
    "country-bad.ttl": {
        ("country/AUT", "alliance:accessionDate", V, "CountryAccessionDateShape"),
        ("country/DEU", "dcterms:identifier", V, "CountryCodeAgreementShape"),
        ("country/DEU", "skos:exactMatch", V, "CountryExactMatchShape"),
        ("country/ESP", "skos:prefLabel", W, "CountryFrenchLabelShape"),
        ("country/FRA", "dcterms:identifier", V, "CountryCodeAgreementShape"),
        ("country/FRA", "dcterms:identifier", V, "CountryIdentifierShape"),
        ("country/ITA", "skos:prefLabel", V, "CountryEnglishLabelShape"),
        ("country/NLD", "dcterms:identifier", V, "CountryCodeAgreementShape"),
        ("country/POL", "dcterms:identifier", V, "CountryIdentifierShape"),
        ("country/POL", "skos:exactMatch", V, "CountryExactMatchShape"),
        ("country/TUR", "alliance:accessionDate", V, "CountryAccessionDateShape"),
        ("country/gbr", "dcterms:identifier", V, "CountryCodeAgreementShape"),
        ("country/gbr", None, V, "CountryShape"),
    },
    "organisation-bad.ttl": {
        ("organisation/CoE", None, V, "OrganisationShape"),
        ("organisation/alliance", "alliance:objective", V, "OrganisationObjectiveShape"),
        ("organisation/alliance", "schema:foundingDate", V, "OrganisationFoundingDateShape"),
        ("organisation/congress", "skos:prefLabel", W, "OrganisationFrenchLabelShape"),
        ("organisation/service-abroad", "dcterms:description", V, "OrganisationDescriptionShape"),
        ("organisation/service-abroad", "skos:prefLabel", V, "OrganisationEnglishLabelShape"),
        ("organisation/srsg", "org:subOrganizationOf", V, "OrganisationSubOrganizationOfShape"),
    },
    "prize-bad.ttl": {
        ("prize-edition/10", "alliance:editionNumber", V, "PrizeEditionAwardsShape"),
        ("prize-edition/11", "alliance:editionNumber", V, "PrizeEditionAwardsShape"),
        ("prize-edition/12", "alliance:editionNumber", V, "PrizeEditionNumberShape"),
        ("prize-edition/13", "skos:prefLabel", V, "PrizeEditionEnglishLabelShape"),
        ("prize-edition/7", "alliance:prize", V, "PrizeEditionPrizeShape"),
        ("prize-edition/8", "alliance:labelYear", V, "PrizeEditionLabelYearShape"),
        ("prize-edition/9", "alliance:ceremonyDate", V, "PrizeEditionCeremonyDateShape"),
        ("prize/no-french", "skos:prefLabel", W, "PrizeFrenchLabelShape"),
        ("prize/other", "alliance:awardedBy", V, "PrizeAwardedByShape"),
    },
    "award-bad.ttl": {
        ("award/21-atlantis", "alliance:laureate", V, "AwardCrossRecordShape"),
        ("award/21-lom", "alliance:awardedFor", V, "AwardAwardedForShape"),
        ("award/21-mostar", "alliance:rank", V, "AwardRankShape"),
        ("award/22-lom", "alliance:sharedRank", V, "AwardCrossRecordShape"),
        ("award/22-volos", "alliance:sharedRank", V, "AwardCrossRecordShape"),
        ("award/23-mostar", "alliance:rank", V, "AwardCrossRecordShape"),
        ("award/23-prijedor", "alliance:rank", V, "AwardCrossRecordShape"),
        ("award/24-volos", "alliance:laureate", V, "AwardCrossRecordShape"),
        ("award/24-volos-again", "alliance:laureate", V, "AwardCrossRecordShape"),
        ("award/orphan", "alliance:edition", V, "AwardEditionShape"),
        ("award/orphan", "alliance:laureate", V, "AwardLaureateShape"),
    },
    "award-five.ttl": {("prize-edition/25", None, V, "PrizeEditionAwardsShape")},
    "award-four-unshared.ttl": {("prize-edition/26", None, V, "PrizeEditionAwardsShape")},
    "signature-bad.ttl": {
        ("signature/lviv", "alliance:signedDocument", V, "SignatureDocumentShape"),
        ("signature/lviv-2", "dcterms:date", V, "SignatureDateShape"),
        ("signature/minsk", "alliance:onBehalfOf", V, "SignatureMemberStateShape"),
        ("signature/person", "alliance:onBehalfOf", V, "SignatureOnBehalfOfShape"),
        ("signature/person", "alliance:onBehalfOf", W, "SignatureCountryKnownShape"),
    },
    "declaration-bad.ttl": {
        ("declaration/strasbourg", None, V, "DeclarationShape"),
        ("document/bad-values", "alliance:adoptedAt", V, "DeclarationAdoptedAtShape"),
        ("document/bad-values", "dcterms:creator", V, "DeclarationCreatorShape"),
        ("document/bad-values", "dcterms:issued", V, "DeclarationIssuedShape"),
        ("document/english-only", "dcterms:title", W, "DeclarationFrenchTitleShape"),
        ("document/french-only", "dcterms:title", V, "DeclarationEnglishTitleShape"),
    },
    "practice-bad.ttl": {
        ("database/other", "dcterms:publisher", V, "PracticeDatabasePublisherShape"),
        ("database/other", "dcterms:title", W, "PracticeDatabaseFrenchTitleShape"),
        ("practice/french-only", "dcterms:title", V, "PracticeEnglishTitleShape"),
        ("practice/mixed-up", "alliance:maturityLevel", V, "PracticeMaturityShape"),
        ("practice/mixed-up", "alliance:targetGroup", V, "PracticeTargetGroupShape"),
        ("practice/mixed-up", "dcat:theme", V, "PracticeThemeShape"),
        ("practice/orphan", "alliance:implementedBy", V, "PracticeImplementedByShape"),
        ("practice/orphan", "dcterms:isPartOf", V, "PracticeDatabaseLinkShape"),
        ("practice/orphan", "schema:endDate", V, "PracticeEndDateShape"),
    },
    "event-bad.ttl": {
        ("event/congress-session-99", "alliance:sessionNumber", V, "CongressSessionNumberShape"),
        ("event/consultation-2012", "alliance:sessionNumber", V, "EventSessionNumberShape"),
        ("event/consultation-2012", "schema:superEvent", V, "EventSuperEventShape"),
        ("event/launch_2013", None, V, "EventShape"),
        ("event/summit-of-mayors-2011", "schema:location", V, "EventLocationShape"),
        ("event/summit-of-mayors-2011", "schema:startDate", V, "EventStartDateShape"),
        ("event/summit-of-mayors-2011", "skos:prefLabel", INFO, "EventFrenchLabelShape"),
    },
    "person-bad.ttl": {
        ("person/Christoph-Stöger", None, V, "PersonShape"),
        ("person/nameless", "foaf:name", V, "PersonNameShape"),
        ("post/broken", "org:postIn", V, "PostInShape"),
        ("post/broken", "org:role", V, "PostRoleShape"),
        ("post/broken", "schema:telephone", V, "PostTelephoneShape"),
        ("secondment/wrong", "org:member", V, "SecondmentMemberShape"),
        ("secondment/wrong", "org:role", V, "SecondmentRoleShape"),
        ("secondment/wrong", "schema:position", V, "SecondmentPositionShape"),
    },
    "figure-bad.ttl": {
        ("figure/bad-flags", "alliance:approximate", V, "FigureApproximateShape"),
        ("figure/bad-flags", "alliance:lowerBound", V, "FigureLowerBoundShape"),
        ("figure/bad-flags", "alliance:measure", V, "FigureMeasureShape"),
        ("figure/bad-flags", "alliance:statedText", V, "FigureStatedTextShape"),
        ("figure/bad-flags", "rdf:value", V, "FigureValueShape"),
        ("figure/bad-flags", "skos:prefLabel", V, "FigureLabelShape"),
        ("figure/bad-value", "alliance:about", V, "FigureAboutShape"),
        ("figure/bad-value", "alliance:measure", V, "FigureMeasureShape"),
        ("figure/bad-value", "rdf:value", V, "FigureValueShape"),
        ("figure/bad-value", "skos:prefLabel", V, "FigureLabelShape"),
    },
    "concept-bad.ttl": {
        ("colour/red", "skos:notation", V, "ConceptNotationShape"),
        ("colour/red", None, V, "ConceptShape"),
        ("scheme/nameless", "skos:prefLabel", V, "ConceptEnglishLabelShape"),
        ("theme/sport", "skos:definition", V, "ConceptFrenchDefinitionShape"),
        ("theme/sport", "skos:inScheme", V, "ConceptInSchemeShape"),
        ("theme/sport", "skos:prefLabel", V, "ConceptFrenchLabelShape"),
    },
    "release-bad.ttl": {
        ("release/v1", "dcat:version", V, "ReleaseVersionShape"),
        ("release/v1", "dcterms:issued", V, "ReleaseIssuedShape"),
        ("release/v1", "rdfs:comment", V, "ReleaseCommentShape"),
    },
    "source-untitled.ttl": {("source/untitled", "dcterms:title", W, "SourceTitleShape")},
    "source-bad.ttl": {
        ("authority/lom", "skos:prefLabel", INFO, "AuthorityFrenchLabelShape"),
        ("source/Two_Addresses", "dcterms:publisher", V, "SourcePublisherShape"),
        ("source/Two_Addresses", "dcterms:type", V, "SourceTypeShape"),
        ("source/Two_Addresses", "schema:url", V, "SourceUrlShape"),
        ("source/Two_Addresses", None, V, "SourceShape"),
        ("source/retired", None, V, "CitedRetiredSourceShape"),
    },
    "statement-bad.ttl": {
        ("authority/lom", "skos:prefLabel", INFO, "AuthorityFrenchLabelShape"),
        ("authority/volos", "skos:prefLabel", INFO, "AuthorityFrenchLabelShape"),
        ("authority/lom#Bad_Name", "dcterms:source", V, "StatementSourceShape"),
        ("authority/lom#Bad_Name", "rdf:predicate", V, "StatementPredicateShape"),
        ("authority/lom#Bad_Name", "rdf:subject", V, "StatementSubjectShape"),
        ("authority/lom#Bad_Name", None, V, "StatementCrossRecordShape"),
        ("authority/lom#Bad_Name", None, V, "StatementShape"),
        ("authority/lom#about-volos", "rdf:subject", V, "StatementCrossRecordShape"),
        ("authority/lom#country-claims", "alliance:claim", V, "ContestedFactClaimsShape"),
        ("authority/lom#country-claims", "alliance:claim", V, "ContestedFactCrossRecordShape"),
        ("authority/lom#country-claims", "skos:note", W, "ContestedFactNoteShape"),
        ("authority/lom#country-claims", None, V, "ContestedFactShape"),
        ("authority/lom#country-unsourced", "dcterms:source", V, "StatementSourceShape"),
        ("authority/lom#no-value", None, V, "StatementCrossRecordShape"),
        ("authority/lom#pref-label-fr", "rdf:object", W, "StatementRecordAgreementShape"),
        ("authority/lom#preferred", "wikibase:rank", V, "StatementCrossRecordShape"),
        ("authority/lom#two-values", "alliance:rankReason", V, "StatementRankReasonShape"),
        ("authority/lom#two-values", "wikibase:rank", V, "StatementRankShape"),
        ("authority/lom#two-values", "oa:exact", V, "StatementQuoteShape"),
        ("authority/lom#two-values", "rdf:object", W, "StatementRecordAgreementShape"),
        ("authority/lom#two-values", "rdf:object", V, "StatementObjectShape"),
        (
            "authority/volos#pref-label-claims",
            "rdf:predicate",
            W,
            "ContestedFactRecordAgreementShape",
        ),
        ("authority/volos#type-claims", "alliance:claim", V, "ContestedFactCrossRecordShape"),
        ("authority/volos#type-claims", "rdf:predicate", W, "ContestedFactRecordAgreementShape"),
    },
    "signature-no-country.ttl": {
        ("signature/gliwice", "alliance:onBehalfOf", W, "SignatureCountryKnownShape")
    },
    "membership-before-launch.ttl": {
        ("membership/early", "schema:startDate", W, "MembershipBeforeLaunchShape")
    },
}


def test_every_violating_fixture_has_expectations() -> None:
    on_disk = {p.name for p in FIXTURES.glob("*.ttl")} - set(OK_FIXTURES)
    assert on_disk == set(EXPECTED), "a fixture without expectations, or the reverse"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_violating_fixture_reports_exact_focus_path_severity(name: str) -> None:
    found = fixture_rows(name)
    expected = EXPECTED[name]
    assert found == expected, (
        f"{name}\nmissing:\n{describe(expected - found)}\nunexpected:\n{describe(found - expected)}"
    )


# -----------------------------------------------------------------------------
# Warnings are warnings: no Violation beside them
# -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, focus",
    [
        ("membership-before-launch.ttl", "membership/early"),
        ("signature-no-country.ttl", "signature/gliwice"),
        ("source-untitled.ttl", "source/untitled"),
    ],
)
def test_warning_case_has_one_warning_and_no_violation(name: str, focus: str) -> None:
    found = fixture_rows(name)
    assert [r for r in found if r[2] == V] == []
    warnings = [r for r in found if r[2] == W]
    assert len(warnings) == 1 and warnings[0][0] == focus, describe(found)


@pytest.mark.parametrize(
    "value, before",
    [
        (Literal("2013-03-19", datatype=URIRef(XSD_NS + "date")), True),
        (Literal("2013-03-20", datatype=URIRef(XSD_NS + "date")), False),
        (Literal("2012-12-31", datatype=URIRef(XSD_NS + "date")), True),
        (Literal("2013-02", datatype=URIRef(XSD_NS + "gYearMonth")), True),
        (Literal("2013-03", datatype=URIRef(XSD_NS + "gYearMonth")), False),
        (Literal("2012", datatype=URIRef(XSD_NS + "gYear")), True),
        (Literal("2013", datatype=URIRef(XSD_NS + "gYear")), False),
        (Literal("2014-01-01", datatype=URIRef(XSD_NS + "date")), False),
    ],
    ids=lambda v: str(v),
)
def test_membership_before_launch_compares_date_month_and_year(
    value: Literal, before: bool
) -> None:
    records = load_fixture("membership-before-launch.ttl")
    early = URIRef(ID + "membership/early")
    records.set((early, SCHEMA.startDate, value))
    found = rows(validate(records), set(records.subjects()))
    expected = (
        {("membership/early", "schema:startDate", W, "MembershipBeforeLaunchShape")}
        if before
        else set()
    )
    assert found == expected, describe(found)


def integer(value: int | str) -> Literal:
    return Literal(str(value), datatype=URIRef(XSD_NS + "integer"))


ALLIANCE_NS = Namespace("https://w3id.org/roma-alliance/ontology#")

#: (fixture, focus relative to id/, property, value, the result expected on the focus or None)
BOUNDARIES = [
    # rank: 1 to 3 (award:4-volos is alone in its edition, so no cross-record rule applies)
    ("award-ok.ttl", "award/4-volos", ALLIANCE_NS.rank, integer(0), "AwardRankShape"),
    ("award-ok.ttl", "award/4-volos", ALLIANCE_NS.rank, integer(1), None),
    ("award-ok.ttl", "award/4-volos", ALLIANCE_NS.rank, integer(3), None),
    ("award-ok.ttl", "award/4-volos", ALLIANCE_NS.rank, integer(4), "AwardRankShape"),
    ("award-ok.ttl", "award/4-volos", ALLIANCE_NS.rank, Literal("1"), "AwardRankShape"),
    ("award-ok.ttl", "award/2-lom", ALLIANCE_NS.rank, integer(3), None),
    ("award-ok.ttl", "award/2-lom", ALLIANCE_NS.rank, integer(4), "AwardRankShape"),
    # participant number: from 1
    (
        "membership-ok.ttl",
        "membership/tivat",
        ALLIANCE_NS.participantNumber,
        integer(0),
        "MembershipParticipantNumberShape",
    ),
    ("membership-ok.ttl", "membership/tivat", ALLIANCE_NS.participantNumber, integer(1), None),
    # edition number: from 1
    (
        "award-ok.ttl",
        "prize-edition/2",
        ALLIANCE_NS.editionNumber,
        integer(0),
        "PrizeEditionNumberShape",
    ),
    ("award-ok.ttl", "prize-edition/2", ALLIANCE_NS.editionNumber, integer(1), None),
    # session number: from 1
    (
        "event-ok.ttl",
        "event/congress-session-24",
        ALLIANCE_NS.sessionNumber,
        integer(0),
        "EventSessionNumberShape",
    ),
    ("event-ok.ttl", "event/congress-session-24", ALLIANCE_NS.sessionNumber, integer(1), None),
    # a stated figure: from 0
    (
        "figure-ok.ttl",
        "figure/alliance-130-participants",
        RDF.value,
        integer(-1),
        "FigureValueShape",
    ),
    ("figure-ok.ttl", "figure/alliance-130-participants", RDF.value, integer(0), None),
]


@pytest.mark.parametrize(
    "fixture, focus, prop, value, shape",
    BOUNDARIES,
    ids=[f"{f}-{p.split('#')[-1].split('/')[-1]}-{v}" for _, f, p, v, _ in BOUNDARIES],
)
def test_boundary_values(
    fixture: str, focus: str, prop: URIRef, value: Literal, shape: str | None
) -> None:
    records = load_fixture(fixture)
    node = URIRef(ID + focus)
    assert (node, prop, None) in records or prop == ALLIANCE_NS.rank, "the fixture changed"
    records.set((node, prop, value))
    found = rows(validate(records), set(records.subjects()))
    expected = {(focus, short(prop), V, shape)} if shape else set()
    assert found == expected, describe(found)


# -----------------------------------------------------------------------------
# Messages and the shapes themselves
# -----------------------------------------------------------------------------


def bad_reports() -> list[Graph]:
    return [fixture_report(name) for name in sorted(EXPECTED)]


def test_every_result_message_is_in_english_and_french_with_placeholders_filled() -> None:
    # pyshacl 0.40 drops the language tag of a SPARQL-based constraint's message when it
    # fills in {$this}/{?var}: those results carry two untagged messages (the English and
    # the French template, filled in); Core results keep their @en and @fr tags.
    problems = []
    for report in bad_reports():
        for result in report.objects(None, SH.result):
            messages = [m for m in report.objects(result, SH.resultMessage)]
            focus = report.value(result, SH.focusNode)
            if report.value(result, SH.sourceConstraintComponent) == SH.SPARQLConstraintComponent:
                if len(messages) != 2:
                    problems.append(f"{focus}: {len(messages)} SPARQL messages, expected 2")
            else:
                langs = sorted(getattr(m, "language", None) or "" for m in messages)
                if langs != ["en", "fr"]:
                    problems.append(f"{focus}: messages in {langs}")
            for message in messages:
                if "{$" in message or "{?" in message:
                    problems.append(f"{focus}: unfilled placeholder in {message!r}")
    assert not problems, "\n".join(problems)


def test_every_sparql_constraint_fires_on_some_fixture() -> None:
    shapes = shapes_graph()
    declared = {
        str(shapes.value(c, SH.select)).strip()
        for c in shapes.subjects(RDF.type, SH.SPARQLConstraint)
    }
    assert declared, "no SPARQL-based constraint in shapes/"
    fired = set()
    for report in bad_reports():
        for result in report.objects(None, SH.result):
            constraint = report.value(result, SH.sourceConstraint)
            if constraint is not None and report.value(constraint, SH.select) is not None:
                fired.add(str(report.value(constraint, SH.select)).strip())
    never = declared - fired
    assert not never, "SPARQL constraints no fixture makes fire:\n" + "\n---\n".join(sorted(never))


def test_every_constraint_declares_its_severity_and_bilingual_message() -> None:
    shapes = shapes_graph()
    problems = []
    carriers = set(shapes.subjects(RDF.type, SH.PropertyShape))
    carriers |= set(shapes.subjects(RDF.type, SH.SPARQLConstraint))
    carriers |= {
        s for s in shapes.subjects(SH.pattern, None) if (s, SH.targetClass, None) in shapes
    }
    carriers |= {s for s in shapes.subjects(SH["not"], None)}
    for node in carriers:
        langs = sorted(
            m.language or "" for m in shapes.objects(node, SH.message) if isinstance(m, Literal)
        )
        if langs != ["en", "fr"]:
            problems.append(f"{node}: sh:message languages {langs}")
    for node in carriers - set(shapes.subjects(RDF.type, SH.SPARQLConstraint)):
        if shapes.value(node, SH.severity) is None:
            problems.append(f"{node}: no sh:severity")
    for shape in {s for s in shapes.subjects(SH.sparql, None)}:
        if shapes.value(shape, SH.severity) is None:
            problems.append(f"{shape}: SPARQL shape without sh:severity")
    assert not problems, "\n".join(sorted(problems))


def test_shapes_use_only_shacl_core_and_sparql_constraints() -> None:
    shapes = shapes_graph()
    banned = [
        SH.rule,
        SH.target,
        SH.condition,
        SH.validator,
        SH.nodeValidator,
        SH.propertyValidator,
    ]
    used = [p for p in banned if any(shapes.subjects(p, None))]
    assert not used, f"SHACL-AF or custom components used: {used}"
    named = {s for s in shapes.subjects(RDF.type, SH.NodeShape)} | {
        s for s in shapes.subjects(RDF.type, SH.PropertyShape)
    }
    outside = [s for s in named if not isinstance(s, BNode) and not str(s).startswith(SHAPES_NS)]
    assert not outside, f"shapes outside {SHAPES_NS}: {outside}"


def test_shapes_graph_is_valid_shacl() -> None:
    conforms, _report, text = pyshacl.validate(
        Graph(), shacl_graph=shapes_graph(), meta_shacl=True, inference="none"
    )
    assert conforms, text


# -----------------------------------------------------------------------------
# The shipped data
# -----------------------------------------------------------------------------


def test_shipped_data_has_no_violation() -> None:
    files = sorted((ROOT / "data").glob("*.ttl"))
    if not files:
        pytest.skip("no data/*.ttl yet")
    records = Graph()
    for path in files:
        records.parse(path, format="turtle")
    report = validate(records)
    violations = []
    for result in report.objects(None, SH.result):
        if report.value(result, SH.resultSeverity) != SH.Violation:
            continue
        message = next(
            (
                m
                for m in report.objects(result, SH.resultMessage)
                if getattr(m, "language", None) == "en"
            ),
            "",
        )
        violations.append(
            f"{report.value(result, SH.focusNode)} "
            f"{short(report.value(result, SH.resultPath)) or '-'} "
            f"value={report.value(result, SH.value)}: {message}"
        )
    assert not violations, f"{len(violations)} violation(s) in data/:\n" + "\n".join(
        sorted(violations)
    )
