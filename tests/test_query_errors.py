"""Query errors in plain words: an undeclared prefix names the line to add; other syntax
errors give line and column without the parser's lists of Unicode ranges."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from kb.namespaces import STANDARD_PREFIXES, kb_prefixes
from kb.store.query_text import explain_syntax_error, undeclared_prefixes

KNOWN = {**STANDARD_PREFIXES, **kb_prefixes("https://w3id.org/roma-alliance/")}
ALLIANCE_LINE = "PREFIX alliance: <https://w3id.org/roma-alliance/ontology#>"


def parser_message(query: str) -> str:
    try:
        ox.Store().query(query)
    except SyntaxError as exc:
        return str(exc)
    raise AssertionError("the query parsed")


def test_undeclared_known_prefix_is_named_with_the_line_to_add() -> None:
    query = "SELECT ?a WHERE {\n  ?a a alliance:Municipality .\n}"
    message = explain_syntax_error(query, parser_message(query), KNOWN)
    assert '"alliance:"' in message and "line 2" in message
    assert ALLIANCE_LINE in message.splitlines()


def test_declared_prefixes_strings_and_iris_are_not_mistaken_for_undeclared() -> None:
    query = (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nSELECT ?x WHERE { ?x skos:prefLabel "
        '"dcterms:title" . ?x ?p <http://example.org/a:b> . ?x ?q _:b }'
    )
    assert undeclared_prefixes(query, KNOWN) == []


def test_several_undeclared_prefixes_each_get_their_line() -> None:
    query = "SELECT * WHERE { ?s skos:prefLabel ?l ; org:member ?m ; foo:bar ?b }"
    message = explain_syntax_error(query, parser_message(query), KNOWN)
    assert "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>" in message
    assert "PREFIX org: <http://www.w3.org/ns/org#>" in message
    assert '"foo:"' in message and "does not know it" in message


@pytest.mark.parametrize(
    ("query", "line", "column"),
    [
        ("SELECT * WHERE {\n  ?s ?p ?o\n  FILTER(?o = ) }", 3, None),
        ("SELECT * WHERE { ?s ?p ?o ", 1, 27),
    ],
)
def test_other_syntax_errors_give_line_and_column_in_plain_words(
    query: str, line: int, column: int | None
) -> None:
    raw = parser_message(query)
    message = explain_syntax_error(query, raw, KNOWN)
    assert f"line {line}, column " in message
    if column is not None:
        assert f"column {column}" in message
    assert "\\u{" not in message and "..=" not in message


def test_a_misspelt_query_form_is_named() -> None:
    query = "SELEC * WHERE { ?s ?p ?o }"
    message = explain_syntax_error(query, parser_message(query), KNOWN)
    assert '"SELEC"' in message and "SELECT, ASK, CONSTRUCT or DESCRIBE" in message


def test_sparql_endpoint_answers_400_naming_the_prefix_and_line(app_client: TestClient) -> None:
    query = "SELECT ?a WHERE { ?a a alliance:Municipality }"
    r = app_client.get("/sparql", params={"query": query}, headers={"accept": "application/json"})
    assert r.status_code == 400
    body = r.json()
    assert set(body) == {"error", "detail"}
    assert ALLIANCE_LINE in body["detail"]


def test_sparql_endpoint_syntax_error_has_no_unicode_ranges(app_client: TestClient) -> None:
    query = "PREFIX alliance: <https://w3id.org/roma-alliance/ontology#>\nSELECT * { ?s alliance: }"
    r = app_client.post("/sparql", data={"query": query}, headers={"accept": "application/json"})
    assert r.status_code == 400
    detail = r.json()["detail"]
    assert "line 2, column" in detail and "\\u{" not in detail
