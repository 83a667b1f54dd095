"""Every example query of queries/*.rq runs on the shipped data and returns the expected rows.

The examples are what the query editor offers researchers; each is also run through the
SPARQL endpoint (`/sparql`), as the editor does.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from kb.config import Settings
from kb.store.embedded import KnowledgeStore
from kb.web.query_editor import ExampleQuery, example_queries

BASE = "https://w3id.org/roma-alliance/"
EXAMPLES = {e.name: e for e in example_queries(Settings().queries_dir)}


@pytest.fixture(scope="module")
def store(app_client: TestClient) -> KnowledgeStore:
    kb_store: KnowledgeStore = app_client.app.state.kb.store  # type: ignore[attr-defined]
    return kb_store


def run(store: KnowledgeStore, name: str) -> list[dict[str, Any]]:
    """Rows as plain values: IRIs and literals as their strings, unbound as None."""
    rows = store.select(EXAMPLES[name].text)
    return [{k: (v.value if v is not None else None) for k, v in row.items()} for row in rows]


def test_the_five_research_questions_are_in_the_library() -> None:
    assert set(EXAMPLES) >= {
        "participants-per-country",
        "laureates-by-edition",
        "signed-and-won",
        "practices-by-theme-and-maturity",
        "coverage",
    }


@pytest.mark.parametrize("example", list(EXAMPLES.values()), ids=list(EXAMPLES))
def test_every_example_has_a_header_and_runs_through_the_endpoint(
    app_client: TestClient, example: ExampleQuery
) -> None:
    assert example.text.startswith("# title: ")
    assert example.title and example.description
    r = app_client.post(
        "/sparql",
        data={"query": example.text},
        headers={"accept": "application/sparql-results+json"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"], f"{example.name} returns no rows"


def test_signed_and_won_names_volos_with_both_its_awards(store: KnowledgeStore) -> None:
    rows = {r["name"]: r for r in run(store, "signed-and-won")}
    assert {"Volos", "Şişli", "Gliwice"} <= set(rows)
    assert rows["Volos"]["awards"] == "2"
    assert set(rows["Volos"]["editionYears"].split(", ")) == {"2008", "2017"}
    assert rows["Gliwice"]["awards"] == "1"
    # Ghent won but signed nothing recorded: not a row
    assert "Ghent" not in rows


def test_laureates_by_edition_keeps_editions_years_and_ranks_apart(store: KnowledgeStore) -> None:
    rows = run(store, "laureates-by-edition")
    by_name = {(r["laureateName"], r["number"]): r for r in rows}
    mostar = by_name[("Mostar", "2")]
    assert mostar["labelYear"] == "2008" and mostar["ceremonyDate"] == "2009-03-04"
    assert mostar["rank"] == "1" and mostar["sharedRank"] == "true"
    # Volos won twice: one authority, two rows
    assert {r["number"] for r in rows if r["laureateName"] == "Volos"} == {"2", "6"}
    # the 4th edition's laureates have no rank
    assert {r["laureateName"] for r in rows if r["number"] == "4" and r["rank"] is None} == {
        "Obrnice",
        "Heraklion",
        "Kocaeli",
    }
    # the 41st session's edition has no number and comes last
    assert rows[-1]["number"] is None and rows[-1]["laureateName"] == "Salford"
    assert rows[0]["laureateName"] == "Vitez"


def test_participants_per_country_counts_named_participants(store: KnowledgeStore) -> None:
    rows = {r["countryName"]: r for r in run(store, "participants-per-country")}
    assert rows["Serbia"]["participants"] == "1"
    assert rows["Serbia"]["names"] == "Kragujevac"
    assert "Latvia" in rows and "Montenegro" in rows
    assert sum(int(r["participants"]) for r in rows.values()) >= 6


def test_practices_by_theme_and_maturity_counts_housing(store: KnowledgeStore) -> None:
    rows = run(store, "practices-by-theme-and-maturity")
    housing = [r for r in rows if r["theme"] == "Housing"]
    assert housing and "IRIS rehousing project" in housing[0]["titles"]
    assert sum(int(r["practices"]) for r in rows) >= 2


def test_coverage_puts_counts_next_to_stated_figures(store: KnowledgeStore) -> None:
    rows = run(store, "coverage")
    by_figure = {r["figure"].rsplit("/", 1)[1]: r for r in rows}
    participants = by_figure["alliance-130-from-29-participants"]
    assert participants["stated"] == "130"
    assert participants["measure"] == BASE + "id/measure/participants"
    assert 6 <= int(participants["counted"]) <= 130
    signatories = by_figure["declaration-74-from-30-signatories"]
    assert int(signatories["counted"]) >= 18
    assert {r["measure"].rsplit("/", 1)[1] for r in rows} == {
        "participants",
        "participant-countries",
        "signatories",
        "signatory-states",
    }
