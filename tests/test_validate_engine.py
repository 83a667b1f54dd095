"""The validation engines: the fast engine (SPARQL on Oxigraph) gives pySHACL's results.

pySHACL is the reference. Results are compared as sets of (focus node, path, value,
severity, source shape) on the shipped data, on every fixture of tests/fixtures/shapes/ and
tests/fixtures/validate/, and on the W3C SHACL test suite (core and sparql; skipped when
/work/shared/conformance/shacl-test-suite is absent). Where the suite's expected result is
a failure (ill-formed shapes), the fast engine must raise `InvalidShapeError`; where pySHACL
cannot run a test, the fast engine is compared with the suite's expected report on (focus
node, path, value, severity); the SPARQL-based constraint components, which the fast engine
refuses, are validated by `auto` through pySHACL, compared with the expected report too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF, SH

from kb.config import Settings
from kb.sources.rdf_files import InputError, dataset_files, parse_file
from kb.validation.rdf_terms import triples_to_graph
from kb.validation.report import ValidationReport, ValidationResult, _key_term
from kb.validation.shacl_engine import (
    FastEngine,
    InvalidShapeError,
    UnsupportedShapeError,
    not_exists_to_minus,
    prebinding_violation,
)
from kb.validation.validator import (
    ReferenceEngineError,
    UnsupportedMediaTypeError,
    _engine_results,
    load_shapes,
    load_store,
    run_pyshacl,
    skolemize_shapes,
    validate_dataset,
    validate_upload,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
VALIDATE = FIXTURES / "validate"
SUITE = ROOT.parent / "shared" / "conformance" / "shacl-test-suite"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
EX = "http://example.org/test#"
CITY = "http://example.org/data/city/"


def fixture_settings() -> Settings:
    """The project's ontology and vocabularies, the test shapes of tests/fixtures/validate."""
    return Settings(shapes_dir=VALIDATE / "shapes")


def keys(report: ValidationReport) -> set[tuple[str, ...]]:
    return {r.key() for r in report.results}


def both_engines(settings: Settings, paths: list[Path] | None) -> tuple[set, set]:
    dataset = dataset_files(settings, paths)
    fast = validate_dataset(settings, dataset, engine="fast")
    reference = validate_dataset(settings, dataset, engine="pyshacl")
    assert fast.engine == "fast" and reference.engine == "pyshacl"
    return keys(fast), keys(reference)


def validate_fixtures() -> list[Path]:
    return sorted(p for p in VALIDATE.glob("*.ttl") if p.name != "syntax-error.ttl")


def shapes_fixtures() -> list[Path]:
    return sorted((FIXTURES / "shapes").glob("*.ttl"))


# -- the fast engine agrees with pySHACL ------------------------------------------------


def test_fast_engine_agrees_with_pyshacl_on_the_shipped_data() -> None:
    fast, reference = both_engines(Settings(), None)
    assert fast == reference


@pytest.mark.parametrize("fixture", validate_fixtures(), ids=lambda p: p.name)
def test_fast_engine_agrees_with_pyshacl_on_validate_fixture(fixture: Path) -> None:
    fast, reference = both_engines(fixture_settings(), [fixture])
    assert fast == reference


@pytest.mark.parametrize("fixture", shapes_fixtures(), ids=lambda p: p.name)
def test_fast_engine_agrees_with_pyshacl_on_shapes_fixture(fixture: Path) -> None:
    fast, reference = both_engines(Settings(), [fixture])
    assert fast == reference


def test_the_bad_fixture_trips_every_kind_of_constraint() -> None:
    """So the agreement above is not agreement on nothing."""
    settings = fixture_settings()
    report = validate_dataset(
        settings, dataset_files(settings, [VALIDATE / "engine-bad.ttl"]), engine="fast"
    )
    components = {str(r.constraint_component).rsplit("#", 1)[1] for r in report.results}
    assert components >= {
        "PatternConstraintComponent",
        "MinCountConstraintComponent",
        "MaxCountConstraintComponent",
        "DatatypeConstraintComponent",
        "MinInclusiveConstraintComponent",
        "MaxInclusiveConstraintComponent",
        "LessThanConstraintComponent",
        "LanguageInConstraintComponent",
        "UniqueLangConstraintComponent",
        "MaxLengthConstraintComponent",
        "InConstraintComponent",
        "ClassConstraintComponent",
        "NodeKindConstraintComponent",
        "NodeConstraintComponent",
        "NotConstraintComponent",
        "XoneConstraintComponent",
        "QualifiedMaxCountConstraintComponent",
        "ClosedConstraintComponent",
        "HasValueConstraintComponent",
        "EqualsConstraintComponent",
        "SPARQLConstraintComponent",
    }
    assert report.warnings, "the aggregate SPARQL constraint (run per focus node) fired"


def test_a_zero_positive_integer_is_a_violation_though_the_store_keeps_it_as_integer_0() -> None:
    settings = fixture_settings()
    report = validate_dataset(
        settings, dataset_files(settings, [VALIDATE / "engine-bad.ttl"]), engine="fast"
    )
    datatype_values = {
        str(r.value)
        for r in report.results
        if r.constraint_component == SH.DatatypeConstraintComponent
        and str(r.focus_node).endswith("Bad_Slug")
    }
    assert datatype_values == {"0", "5"}
    reported = next(
        r.value
        for r in report.results
        if r.constraint_component == SH.DatatypeConstraintComponent and str(r.value) == "0"
    )
    assert str(reported.datatype).endswith("#positiveInteger"), "reported as written"


def test_every_sparql_constraint_of_the_shapes_fires_on_some_fixture() -> None:
    """Each sh:sparql constraint in shapes/ is proven to fire (on tests/fixtures/shapes/)."""
    settings = Settings()
    shapes = load_shapes(settings)
    constraints = set(shapes.objects(None, SH.sparql))
    engine = FastEngine(shapes)
    fired = set()
    for fixture in shapes_fixtures():
        files = dataset_files(settings, [fixture])
        quads = [q for s in files.sources for q in parse_file(s.path, s.graph)]
        store = ox.Store()
        store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
        fired |= {r.source_constraint for r in engine.validate(store, None, quads)}
    missing = [
        f"{shape}: {str(shapes.value(c, SH.select)).split('WHERE')[0].strip()}"
        for c in constraints - fired
        for shape in shapes.subjects(SH.sparql, c)
    ]
    assert not missing, "SPARQL constraints no fixture makes fire:\n" + "\n".join(missing)


# -- the W3C SHACL test suite -------------------------------------------------------------

#: Tests of the W3C suite neither engine runs, and why: each engine must refuse them.
NEITHER_ENGINE = {
    "sparql/pre-binding/shapesGraph-001": "$shapesGraph and $currentShape (optional in SHACL)",
}
#: SPARQL-based constraint components: the fast engine refuses them, `auto` uses pySHACL.
COMPONENTS = "sparql/component/"

Key = tuple[str, str, str, str]


class SuiteTest(NamedTuple):
    name: str  # e.g. sparql/pre-binding/pre-binding-006
    data: Path
    shapes: Path
    manifest: Path  # the file describing the test, with its expected result
    entry: str


def suite_tests(manifest: Path) -> list[SuiteTest]:
    g = Graph().parse(manifest, format="turtle")
    found: list[SuiteTest] = []
    for included in g.objects(None, MF.include):
        found += suite_tests(Path(str(included).removeprefix("file://")))
    for entries in g.objects(None, MF.entries):
        for entry in g.items(entries):
            action = g.value(entry, MF.action)
            data = Path(str(g.value(action, SHT.dataGraph)).removeprefix("file://"))
            shapes = Path(str(g.value(action, SHT.shapesGraph)).removeprefix("file://"))
            name = str(entry).split("shacl-test-suite/")[-1]
            found.append(SuiteTest(name, data, shapes, manifest, str(entry)))
    return found


def suite(name: str) -> list[SuiteTest]:
    manifest = SUITE / name / "manifest.ttl"
    return suite_tests(manifest) if manifest.exists() else []


def suite_params(name: str) -> list[object]:
    """The tests of one part of the suite as parameters; one skipped one if it is absent."""
    tests = suite(name)
    if tests:
        return [pytest.param(t, id=t.name) for t in tests]
    reason = f"the W3C SHACL test suite is not at {SUITE / name}"
    return [pytest.param(None, id=f"{name}-absent", marks=pytest.mark.skip(reason=reason))]


def expected_results(test: SuiteTest) -> set[Key] | None:
    """The suite's expected results as (focus, path, value, severity); None: a failure."""
    g = Graph().parse(test.manifest, format="turtle")
    result = g.value(URIRef(test.entry), MF.result)
    assert result is not None, f"{test.name}: no mf:result"
    if result == SHT.Failure:
        return None
    assert (result, RDF.type, SH.ValidationReport) in g
    return {
        (
            _key_term(g.value(r, SH.focusNode)),
            _key_term(g.value(r, SH.resultPath)),
            _key_term(g.value(r, SH.value)),
            str(g.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
        )
        for r in g.objects(result, SH.result)
    }


def short(results: list[ValidationResult]) -> set[Key]:
    return {r.key()[:4] for r in results}


def run_suite_test(test: SuiteTest) -> None:
    data_quads = list(
        ox.parse(path=str(test.data), format=ox.RdfFormat.TURTLE, base_iri=test.data.as_uri())
    )
    shapes = skolemize_shapes(
        triples_to_graph(
            ox.parse(
                path=str(test.shapes), format=ox.RdfFormat.TURTLE, base_iri=test.shapes.as_uri()
            )
        )
    )
    expected = expected_results(test)
    if expected is None:
        # Ill-formed shapes (SHACL 5.3.1 pre-binding rules...): the fast engine refuses them,
        # `auto` does not fall back, and pySHACL refuses them too (its ValidationFailure).
        with pytest.raises(InvalidShapeError):
            FastEngine(shapes)
        with pytest.raises(InvalidShapeError):
            _engine_results(Settings(), shapes, data_quads, "auto")
        with pytest.raises(ReferenceEngineError, match="pySHACL refuses the shapes"):
            run_pyshacl(triples_to_graph(data_quads), shapes)
        return
    if test.name.startswith(COMPONENTS):
        with pytest.raises(UnsupportedShapeError, match="SPARQL-based constraint components"):
            FastEngine(shapes)
        results, used = _engine_results(Settings(), shapes, data_quads, "auto")
        assert used == "pyshacl"
        assert short(results) == expected
        return
    if test.name in NEITHER_ENGINE:
        with pytest.raises(UnsupportedShapeError):
            FastEngine(shapes)
        with pytest.raises(ReferenceEngineError):
            _engine_results(Settings(), shapes, data_quads, "auto")
        return
    store = ox.Store()
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in data_quads)
    fast = FastEngine(shapes).validate(store, None, data_quads)
    try:
        reference = run_pyshacl(triples_to_graph(data_quads), shapes)
    except ReferenceEngineError:  # pySHACL cannot run it: the suite's report is the reference
        assert short(fast) == expected
        return
    assert {r.key() for r in fast} == {r.key() for r in reference}


@pytest.mark.parametrize("test", suite_params("core"))
def test_w3c_core_suite_fast_engine_agrees_with_pyshacl(test: SuiteTest) -> None:
    run_suite_test(test)


@pytest.mark.parametrize("test", suite_params("sparql"))
def test_w3c_sparql_suite_fast_engine_agrees_with_pyshacl_or_the_suite(test: SuiteTest) -> None:
    run_suite_test(test)


def test_the_w3c_core_suite_is_there() -> None:
    if not SUITE.exists():
        pytest.skip(f"the W3C SHACL test suite is not at {SUITE}")
    assert len(suite("core")) >= 90
    assert len(suite("sparql")) >= 20


# -- compiling ------------------------------------------------------------------------------


def test_an_unsupported_feature_is_refused_by_fast_and_auto_falls_back_to_pyshacl(
    tmp_path: Path,
) -> None:
    (tmp_path / "rule.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/test#> .\n"
        "ex:S a sh:NodeShape ; sh:targetClass ex:City ;\n"
        "  sh:rule [ a sh:TripleRule ; sh:subject sh:this ; sh:predicate ex:seen ;"
        " sh:object ex:S ] ;\n"
        "  sh:property [ sh:path ex:number ; sh:minCount 1 ] .\n"
    )
    settings = Settings(shapes_dir=tmp_path)
    with pytest.raises(UnsupportedShapeError):
        FastEngine(load_shapes(settings))
    dataset = dataset_files(settings, [VALIDATE / "engine-warning.ttl"])
    report = validate_dataset(settings, dataset, engine="auto")
    assert report.engine == "pyshacl"
    assert {str(r.focus_node) for r in report.violations} == {CITY + "paris"}
    with pytest.raises(UnsupportedShapeError):
        validate_dataset(settings, dataset, engine="fast")


MINUS_SHAPE = (
    "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/test#> .\n"
    "ex:S a sh:NodeShape ; sh:targetClass ex:City ;\n"
    '  sh:sparql [ sh:select """SELECT $this WHERE { $this ?p ?o . MINUS { $this ex:q ?o } }""" ;'
    " ] .\n"
)


def test_an_ill_formed_sparql_constraint_is_refused_by_fast_and_auto_alike(
    tmp_path: Path,
) -> None:
    (tmp_path / "minus.ttl").write_text(MINUS_SHAPE)
    settings = Settings(shapes_dir=tmp_path)
    dataset = dataset_files(settings, [VALIDATE / "engine-warning.ttl"])
    for engine in ("fast", "auto"):
        with pytest.raises(InvalidShapeError, match=r"ex:S|test#S>.*MINUS is not allowed"):
            validate_dataset(settings, dataset, engine=engine)


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ("SELECT $this WHERE { $this ?p ?o MINUS { ?o a ?c } }", "MINUS is not allowed"),
        ("SELECT $this WHERE { VALUES ?o { 1 } }", "VALUES is not allowed"),
        ("SELECT $this WHERE { SERVICE <http://x> { ?a ?b ?c } }", "SERVICE is not allowed"),
        ("SELECT $this WHERE { BIND(1 AS ?this) }", "'AS ?this' assigns a pre-bound variable"),
        ("SELECT ?x WHERE { { SELECT (1 AS $currentShape) {} } }", "'AS $currentShape'"),
        ("SELECT $this WHERE { { SELECT ?o WHERE { ?s ?p ?o } } }", "does not return $this"),
        ("SELECT $this WHERE { { SELECT * WHERE { FILTER($this) } } }", "does not return $this"),
    ],
)
def test_the_pre_binding_rules_are_enforced(query: str, why: str) -> None:
    found = prebinding_violation(query, {"this", "shapesGraph", "currentShape"})
    assert found is not None and why in found


@pytest.mark.parametrize(
    "query",
    [
        'SELECT $this WHERE { $this ex:values ?minus . FILTER(?minus != "MINUS VALUES") }',
        "SELECT $this WHERE { $this <http://x/VALUES> ?o } # MINUS, SERVICE, VALUES",
        "SELECT $this (COUNT(*) AS ?n) WHERE { $this ?p ?o } GROUP BY $this",
        "SELECT $this WHERE { { SELECT $this (MAX(?o) AS ?m) { $this ?p ?o } GROUP BY $this } }",
        "SELECT $this WHERE { { SELECT * WHERE { $this ?p ?o FILTER(?o != 1) } } }",
    ],
)
def test_strings_iris_comments_and_well_formed_sub_queries_pass_the_pre_binding_rules(
    query: str,
) -> None:
    assert prebinding_violation(query, {"this", "shapesGraph", "currentShape"}) is None


def test_a_sparql_constraint_oxigraph_does_not_parse_is_an_invalid_shape(tmp_path: Path) -> None:
    (tmp_path / "broken.ttl").write_text(MINUS_SHAPE.replace("MINUS { $this ex:q ?o }", "FILTER("))
    settings = Settings(shapes_dir=tmp_path)
    with pytest.raises(InvalidShapeError, match="not valid SPARQL"):
        FastEngine(load_shapes(settings))


def test_not_exists_becomes_minus_with_the_outer_triples() -> None:
    query = (
        "SELECT $this ?value WHERE { $this ex:p ?value . "
        "FILTER NOT EXISTS { ?value a ex:C . FILTER(?value != $this) } }"
    )
    rewritten = not_exists_to_minus(query)
    assert "NOT EXISTS" not in rewritten
    assert "MINUS { $this ex:p ?value . ?value a ex:C" in " ".join(rewritten.split())


def test_not_exists_is_kept_when_it_reads_a_variable_the_outer_triples_may_not_bind() -> None:
    query = (
        "SELECT $this WHERE { $this ex:p ?v . OPTIONAL { $this ex:q ?o } "
        "FILTER NOT EXISTS { ?o a ex:C } }"
    )
    assert not_exists_to_minus(query) == query


def test_a_constraint_of_only_not_exists_agrees_on_one_focus_node_as_on_all() -> None:
    # `FILTER NOT EXISTS { $this ... }` with no outer triple: joined with every focus node it
    # may run as MINUS; with one focus node substituted for $this, MINUS would share no
    # variable and remove nothing, so the query as written is run
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/test#> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:sparql [ sh:select
                "SELECT $this WHERE { FILTER NOT EXISTS { $this <http://example.org/test#p> ?x } }"
            ] .
        """,
        format="turtle",
    )
    store = ox.Store()
    graph = ox.NamedNode("http://example.org/graph")
    ex = "http://example.org/test#"
    for s, p, o in (("a", "type", "C"), ("b", "type", "C"), ("a", "p", "x")):
        pred = ox.NamedNode(str(RDF.type) if p == "type" else ex + p)
        store.add(ox.Quad(ox.NamedNode(ex + s), pred, ox.NamedNode(ex + o), graph))
    engine = FastEngine(shapes)
    every = {r.focus_node for r in engine.validate_graphs(store, [graph])}
    shape = URIRef(ex + "S")
    for candidates in ({ox.NamedNode(ex + "a")}, {ox.NamedNode(ex + "b")}):
        one = engine.validate_graphs(store, [graph], {shape: set(candidates)})
        assert {r.focus_node for r in one} == every & {URIRef(c.value) for c in candidates}
    assert every == {URIRef(ex + "b")}


# -- uploads --------------------------------------------------------------------------------


def context() -> tuple[Settings, ox.Store]:
    settings = fixture_settings()
    files = dataset_files(settings, [VALIDATE / "engine-ok.ttl"])
    return settings, load_store(settings, files)


def test_an_upload_is_validated_in_context_and_only_its_records_are_reported() -> None:
    settings, kb = context()
    before = len(kb)
    body = (
        f"<{CITY}nice> a <{EX}City> ; <http://www.w3.org/2004/02/skos/core#prefLabel> "
        f'"Nice"@en ; <{EX}number> "1"^^<http://www.w3.org/2001/XMLSchema#positiveInteger> .'
    ).encode()
    report = validate_upload(settings, body, "text/turtle; charset=utf-8", kb)
    # number 1 is ghent's too: the SPARQL constraint sees the knowledge base
    assert {(str(r.focus_node), r.constraint_component) for r in report.violations} == {
        (CITY + "nice", SH.SPARQLConstraintComponent)
    }
    assert all(r.source_file == "request body" for r in report.results)
    assert len(kb) == before


def test_a_json_ld_upload_is_read() -> None:
    settings, kb = context()
    body = json.dumps({"@id": f"{CITY}Bad", "@type": f"{EX}City", f"{EX}code": "ZZZ"}).encode()
    report = validate_upload(settings, body, "application/ld+json", kb)
    assert not report.conforms
    assert {str(r.focus_node) for r in report.results} == {CITY + "Bad"}


def test_a_remote_json_ld_context_is_refused_without_network() -> None:
    settings, kb = context()
    body = b'{"@context": "http://schema.org/", "@id": "http://example.org/x", "name": "x"}'
    with pytest.raises(InputError):
        validate_upload(settings, body, "application/ld+json", kb)


def test_an_unparsable_upload_is_an_input_error_with_line_and_column() -> None:
    settings, kb = context()
    with pytest.raises(InputError) as caught:
        validate_upload(settings, b"<http://a> <http://b> .\n", "text/turtle", kb)
    assert caught.value.line == 1 and caught.value.column is not None
    assert caught.value.located().startswith("request body:1:")


def test_an_upload_in_another_format_is_refused() -> None:
    settings, kb = context()
    with pytest.raises(UnsupportedMediaTypeError):
        validate_upload(settings, b"<rdf:RDF/>", "application/rdf+xml", kb)


# -- the report -------------------------------------------------------------------------------


def sample_report() -> ValidationReport:
    settings = fixture_settings()
    dataset = dataset_files(
        settings, [VALIDATE / "engine-bad.ttl", VALIDATE / "engine-warning.ttl"]
    )
    return validate_dataset(settings, dataset)


def test_conforms_means_no_violation_warnings_allowed() -> None:
    settings = fixture_settings()
    report = validate_dataset(settings, dataset_files(settings, [VALIDATE / "engine-warning.ttl"]))
    assert report.conforms and len(report.warnings) == 1 and not report.violations
    assert report.summary() == "0 violations, 1 warning in 1 record"
    assert report.summary("fr") == "0 violations, 1 avertissement dans 1 fiche"


def test_the_turtle_report_is_a_standard_shacl_validation_report() -> None:
    report = sample_report()
    g = Graph().parse(data=report.to_turtle(), format="turtle")
    node = next(g.subjects(RDF.type, SH.ValidationReport))
    assert g.value(node, SH.conforms).toPython() is False
    assert len(list(g.objects(node, SH.result))) == len(report.results)
    paths = list(g.objects(None, SH.resultPath))
    assert any(g.value(p, RDF.first) is not None for p in paths), (
        "the sequence path ( ex:twin [ sh:inversePath ex:twin ] ) is written out"
    )


def test_the_json_report_carries_messages_in_the_chosen_language() -> None:
    report = sample_report()
    data = report.to_json("fr")
    assert data["conforms"] is False
    assert data["violations"] == len(report.violations)
    sparql = [
        r
        for r in data["results"]
        if r["constraint_component"].endswith("#SPARQLConstraintComponent")
    ]
    assert any(r["message"].startswith(f"Ville {CITY}lille : son numéro 7") for r in sparql)


def test_a_message_falls_back_to_english() -> None:
    r = ValidationResult(
        focus_node=Namespace(CITY)["x"],
        result_path=None,
        value=None,
        severity="Violation",
        messages={"en": "in English"},
    )
    assert r.message("fr") == "in English"
