"""The canonical Turtle writer: one layout for every file of data/, whoever writes it."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from kb.config import PROJECT_ROOT
from kb.sources.canonical_turtle import (
    NotCanonical,
    canonical_turtle,
    leading_comment,
    write_data_file,
)
from kb.sources.rdf_files import data_files

ID = "https://w3id.org/roma-alliance/id/"
A = "https://w3id.org/roma-alliance/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCTERMS = "http://purl.org/dc/terms/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

FIXTURE = """
@prefix alliance: <https://w3id.org/roma-alliance/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/roma-alliance/id/> .
<https://w3id.org/roma-alliance/id/award/10-x> a alliance:Award ;
    alliance:rank 3 ; dcterms:source <http://example.org/b>, <http://example.org/a> .
<https://w3id.org/roma-alliance/id/award/2-lom#rank-a> a rdf:Statement ;
    rdf:object 3 ; rdf:subject <https://w3id.org/roma-alliance/id/award/2-lom> ;
    rdf:predicate alliance:rank ; dcterms:source <http://example.org/a> .
<https://w3id.org/roma-alliance/id/award/2-lom> a alliance:Award ;
    alliance:awardedFor "A \\"quoted\\" title\\nwith a line"@en ;
    dcterms:source <http://example.org/a> .
<https://w3id.org/roma-alliance/id/authority/lom> a alliance:Municipality ;
    dcterms:source <http://example.org/a> .
<https://w3id.org/roma-alliance/id/authority/lom#type> a rdf:Statement ;
    rdf:subject <https://w3id.org/roma-alliance/id/authority/lom> ; rdf:predicate rdf:type ;
    rdf:object alliance:Municipality ; dcterms:source <http://example.org/a> .
"""


def triples_of(text: str | bytes) -> set[str]:
    data = text.encode() if isinstance(text, str) else text
    return {str(t) for t in ox.parse(data, format=ox.RdfFormat.TURTLE)}


def test_output_holds_exactly_the_input_triples_for_two_parsers() -> None:
    out = canonical_turtle(ox.parse(FIXTURE.encode(), format=ox.RdfFormat.TURTLE))
    assert triples_of(out) == triples_of(FIXTURE)
    # an independent parser reads the same graph
    assert (
        rdflib.Graph()
        .parse(data=out, format="turtle")
        .isomorphic(rdflib.Graph().parse(data=FIXTURE, format="turtle"))
    )


def test_groups_by_kind_in_natural_order_with_owned_nodes_after_their_record() -> None:
    text = canonical_turtle(ox.parse(FIXTURE.encode(), format=ox.RdfFormat.TURTLE)).decode()
    order = [
        text.index("authority:lom a"),
        text.index("award:2-lom a"),
        text.index(f"<{ID}award/2-lom#rank-a> a"),
        text.index("award:10-x a"),
    ]
    assert order == sorted(order)
    assert "# -- Local and regional authorities (1) " in text
    assert "# -- Awards of the Dosta! Congress Prize (2) " in text
    assert "rdf:predicate rdf:type ;" in text  # `a` only as a predicate
    statement = text[text.index(f"<{ID}award/2-lom#rank-a>") :]
    assert statement.index("rdf:subject") < statement.index("rdf:predicate")
    assert statement.index("rdf:predicate") < statement.index("rdf:object")


def test_prefixes_are_only_those_used_in_a_fixed_order_and_literals_typed() -> None:
    text = canonical_turtle(ox.parse(FIXTURE.encode(), format=ox.RdfFormat.TURTLE)).decode()
    declared = [line.split()[1] for line in text.splitlines() if line.startswith("@prefix")]
    assert declared == ["alliance:", "dcterms:", "rdf:", "xsd:", "authority:", "award:"]
    assert 'alliance:rank "3"^^xsd:integer' in text
    assert "dcterms:source <http://example.org/a>, <http://example.org/b> ." in text


def test_same_triples_in_any_order_give_the_same_bytes() -> None:
    triples = list(ox.parse(FIXTURE.encode(), format=ox.RdfFormat.TURTLE))
    assert canonical_turtle(triples) == canonical_turtle(reversed(triples))
    once = canonical_turtle(triples, header="A header")
    again = canonical_turtle(
        ox.parse(once, format=ox.RdfFormat.TURTLE), header=leading_comment(once)
    )
    assert once == again
    assert once.startswith(b"# A header\n\n@prefix")


def test_blank_nodes_are_refused() -> None:
    blank = "<http://example.org/s> <http://example.org/p> [ <http://example.org/q> 1 ] ."
    with pytest.raises(NotCanonical, match="no blank nodes"):
        canonical_turtle(ox.parse(blank.encode(), format=ox.RdfFormat.TURTLE))


def test_triples_under_another_base_are_written_with_the_canonical_base() -> None:
    other = "http://localhost:8000/"
    triples = [
        ox.Triple(
            ox.NamedNode(f"{other}id/authority/lom"),
            ox.NamedNode(f"{other}ontology#country"),
            ox.NamedNode(f"{other}id/country/BGR"),
        ),
        ox.Triple(
            ox.NamedNode(f"{other}id/authority/lom"),
            ox.NamedNode("http://www.w3.org/2004/02/skos/core#note"),
            ox.Literal(f"See {other}id/award/2-lom", language="en"),
        ),
    ]
    text = canonical_turtle(triples, base_iri=other).decode()
    assert "authority:lom alliance:country country:BGR" in text
    assert f'"See {ID}award/2-lom"@en' in text
    assert other not in text


def test_write_data_file_keeps_the_header_and_writes_atomically(tmp_path: Path) -> None:
    path = tmp_path / "awards.ttl"
    path.write_text("# Awards, by hand.\n# Second line.\n\n" + FIXTURE, encoding="utf-8")
    triples = list(ox.parse(path.read_bytes(), format=ox.RdfFormat.TURTLE))
    written = write_data_file(path, triples[:-1])
    assert path.read_bytes() == written
    assert written.startswith(b"# Awards, by hand.\n# Second line.\n\n@prefix")
    assert len(triples_of(written)) == len(triples) - 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["awards.ttl"]


@pytest.mark.parametrize("path", data_files(PROJECT_ROOT / "data"), ids=lambda p: p.name)
def test_every_data_file_is_its_own_canonical_rewrite(path: Path) -> None:
    data = path.read_bytes()
    triples = ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())
    assert canonical_turtle(triples, header=leading_comment(data)) == data, (
        f"{path.name} is not in canonical form: rewrite it with "
        "kb.sources.canonical_turtle.write_data_file (see README, 'Curating records')"
    )


def test_format_command_checks_rewrites_and_reports_syntax_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kb.cli.main import main

    path = tmp_path / "people.ttl"
    path.write_text("# People.\n" + FIXTURE, encoding="utf-8")
    assert main(["format", "--check", str(path)]) == 1
    assert f"{path}: not in canonical form" in capsys.readouterr().err
    assert main(["format", str(path)]) == 0
    assert main(["format", "--check", str(path)]) == 0
    assert path.read_bytes().startswith(b"# People.\n\n@prefix")
    broken = tmp_path / "broken.ttl"
    broken.write_text("<http://example.org/s> <http://example.org/p> .\n", encoding="utf-8")
    assert main(["format", str(broken)]) == 2
    assert f"{broken}:1:" in capsys.readouterr().err
