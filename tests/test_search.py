"""Full-text search: the index (diacritics, ranking, updates, reuse on disk) and `/search`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from kb.store.changes import ChangeSet
from kb.store.embedded import EmbeddedStore
from kb.store.search_index import IndexNotReady, SearchIndex, fold, open_search_index

BASE = "https://w3id.org/roma-alliance/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SKOS = "http://www.w3.org/2004/02/skos/core#"
GRAPH = ox.NamedNode(BASE + "graph/test")

FIXTURE = """
@prefix alliance: <https://w3id.org/roma-alliance/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix id: <https://w3id.org/roma-alliance/id/> .
<https://w3id.org/roma-alliance/id/authority/ghent> a alliance:Municipality ;
    skos:prefLabel "Ghent"@en, "Gand"@fr .
<https://w3id.org/roma-alliance/id/authority/ghent-region> a alliance:Region ;
    skos:prefLabel "Ghent region"@en .
<https://w3id.org/roma-alliance/id/practice/ghent-school> a alliance:GoodPractice ;
    dcterms:title "School mediators"@en ;
    dcterms:description "Mediators in the schools of Ghent."@en .
<https://w3id.org/roma-alliance/id/award/5-ghent> a alliance:Award ;
    alliance:laureate <https://w3id.org/roma-alliance/id/authority/ghent> ;
    alliance:awardedFor "Housing for families"@en .
<https://w3id.org/roma-alliance/id/authority/lodz> a alliance:Municipality ;
    skos:prefLabel "Łódź"@en .
"""


@pytest.fixture
def store() -> EmbeddedStore:
    triples = ox.parse(FIXTURE.encode(), format=ox.RdfFormat.TURTLE)
    return EmbeddedStore(ox.Quad(t.subject, t.predicate, t.object, GRAPH) for t in triples)


@pytest.fixture
def index(store: EmbeddedStore) -> Iterator[SearchIndex]:
    idx = open_search_index(store, BASE, None, "", background=False)
    store.subscribe(idx.apply_change)  # as server.py wires it
    yield idx
    idx.close()


def iris(index: SearchIndex, text: str, **kw: object) -> list[str]:
    return [h.iri.removeprefix(BASE + "id/") for h in index.search(text, **kw).hits]  # type: ignore[arg-type]


def test_fold_drops_case_and_diacritics_a_reader_would_not_type() -> None:
    assert fold("Şişli") == "sisli"
    assert fold("Jyväskylä") == "jyvaskyla"
    assert fold("Grèce") == "grece"
    assert fold("Łódź") == "lodz"
    assert fold("ŒUVRE") == "oeuvre"


def test_exact_name_ranks_before_names_starting_with_it_and_before_texts(
    index: SearchIndex,
) -> None:
    found = iris(index, "ghent")
    assert found[0] == "authority/ghent"
    assert found[1] == "authority/ghent-region"
    assert found.index("practice/ghent-school") > 1  # matched in its description only
    assert index.search("ghent").hits[0].exact


def test_diacritics_and_case_are_ignored_in_query_and_text(index: SearchIndex) -> None:
    assert iris(index, "LODZ") == ["authority/lodz"]
    assert iris(index, "łódź") == ["authority/lodz"]


def test_last_word_matches_as_a_prefix_and_every_word_must_match(index: SearchIndex) -> None:
    assert "authority/ghent-region" in iris(index, "ghent reg")
    assert iris(index, "ghent nowhere") == []


def test_french_name_is_searched_and_shown_in_french(index: SearchIndex) -> None:
    hit = index.search("gand").hits[0]
    assert hit.iri == BASE + "id/authority/ghent"
    assert hit.label("fr") == "Gand" and hit.label("en") == "Ghent"


def test_record_without_a_name_is_named_after_what_it_links_to(index: SearchIndex) -> None:
    hit = index.search("housing").hits[0]
    assert hit.kind == "award"
    assert hit.label("en") == "Ghent"


def test_kind_filter_and_counts_per_kind(index: SearchIndex) -> None:
    result = index.search("ghent", kind="practice")
    assert [h.kind for h in result.hits] == ["practice"]
    assert result.total == 1
    assert index.search("ghent").kinds == {"authority": 2, "practice": 1}


def test_a_committed_change_is_searchable_and_a_removed_name_is_not(
    store: EmbeddedStore, index: SearchIndex
) -> None:
    s = ox.NamedNode(BASE + "id/authority/jyvaskyla")
    added = (
        ox.Quad(s, ox.NamedNode(SKOS + "prefLabel"), ox.Literal("Jyväskylä", language="en"), GRAPH),
    )
    store.commit(ChangeSet(added=added))
    assert iris(index, "jyvaskyla") == ["authority/jyvaskyla"]

    old = ox.Quad(
        ox.NamedNode(BASE + "id/authority/ghent"),
        ox.NamedNode(SKOS + "prefLabel"),
        ox.Literal("Gand", language="fr"),
        GRAPH,
    )
    new = ox.Quad(old.subject, old.predicate, ox.Literal("Gent", language="fr"), GRAPH)
    store.commit(ChangeSet(removed=(old,), added=(new,)))
    assert iris(index, "gand") == []
    assert iris(index, "gent") == ["authority/ghent"]


def test_renaming_a_record_renames_the_records_named_after_it(
    store: EmbeddedStore, index: SearchIndex
) -> None:
    ghent = ox.NamedNode(BASE + "id/authority/ghent")
    label = ox.NamedNode(SKOS + "prefLabel")
    old = ox.Quad(ghent, label, ox.Literal("Ghent", language="en"), GRAPH)
    new = ox.Quad(ghent, old.predicate, ox.Literal("Gent", language="en"), GRAPH)
    store.commit(ChangeSet(removed=(old,), added=(new,)))
    assert index.search("housing").hits[0].label("en") == "Gent"


def test_index_on_disk_is_reused_while_the_content_hash_is_the_same(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    first = open_search_index(store, BASE, tmp_path, "hash-1", background=False)
    assert not first.reused and iris(first, "ghent")[0] == "authority/ghent"
    first.close()
    again = open_search_index(store, BASE, tmp_path, "hash-1", background=False)
    assert again.reused and iris(again, "ghent")[0] == "authority/ghent"
    again.close()
    changed = open_search_index(store, BASE, tmp_path, "hash-2", background=False)
    assert not changed.reused
    changed.close()


def test_background_build_answers_once_ready(store: EmbeddedStore) -> None:
    idx = open_search_index(store, BASE, None, "", background=True)
    try:
        assert idx.wait_ready(30)
        assert iris(idx, "ghent")[0] == "authority/ghent"
    finally:
        idx.close()


def test_an_index_not_built_yet_says_so_instead_of_answering_nothing(
    store: EmbeddedStore,
) -> None:
    idx = SearchIndex(store, BASE)  # not started: nothing built
    try:
        with pytest.raises(IndexNotReady, match="being built"):
            idx.search("ghent", wait_s=0)
    finally:
        idx.close()


# -- /search over HTTP on the shipped data ------------------------------------------------


def search_json(client: TestClient, q: str, **params: str) -> dict[str, object]:
    r = client.get("/search", params={"q": q, **params}, headers={"accept": "application/json"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    data: dict[str, object] = r.json()
    return data


@pytest.mark.parametrize(
    ("query", "iri"),
    [
        ("sisli", "id/authority/sisli"),
        ("jyvaskyla", "id/authority/jyvaskyla"),
        ("Grèce", "id/country/GRC"),
        ("GREECE", "id/country/GRC"),
        ("reggio nell'emilia", "id/authority/reggio-nell-emilia"),
        ("housing", "id/theme/housing"),
    ],
)
def test_search_finds_the_record_first_whatever_the_accents(
    client: TestClient, query: str, iri: str
) -> None:
    hits = search_json(client, query)["hits"]
    assert isinstance(hits, list) and hits
    assert hits[0]["iri"] == BASE + iri
    assert set(hits[0]) >= {"iri", "kind", "label"}


def test_search_json_labels_follow_the_language(client: TestClient) -> None:
    en = search_json(client, "Grèce")["hits"][0]  # type: ignore[index]
    fr = search_json(client, "Grèce", lang="fr")["hits"][0]  # type: ignore[index]
    assert en["label"] == "Greece" and fr["label"] == "Grèce"
    assert en["kind"] == "country"


def test_search_page_lists_hits_with_kind_facet_for_browsers(client: TestClient) -> None:
    r = client.get("/search", params={"q": "roma", "lang": "fr"}, headers={"accept": BROWSER})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in r.text
    assert 'class="hit"' in r.text and "Roms" in r.text
    assert 'data-kind="theme"' in r.text  # a facet link per kind, with its count
    assert r.headers["content-security-policy"]


def test_search_kind_filter_keeps_only_that_kind(client: TestClient) -> None:
    data = search_json(client, "roma", kind="theme")
    hits = data["hits"]
    assert isinstance(hits, list) and hits
    assert {h["kind"] for h in hits} == {"theme"}
    assert data["total"] == len(hits)


def test_search_as_csv(client: TestClient) -> None:
    r = client.get("/search", params={"q": "sisli"}, headers={"accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows[0]["iri"] == BASE + "id/authority/sisli" and rows[0]["label"] == "Şişli"


def test_search_without_words_is_a_400_for_scripts_and_a_form_for_people(
    client: TestClient,
) -> None:
    r = client.get("/search", headers={"accept": "application/json"})
    assert r.status_code == 400
    assert set(r.json()) == {"error", "detail"}
    r = client.get("/search", headers={"accept": BROWSER})
    assert r.status_code == 200 and 'name="q"' in r.text


def test_search_pages_through_the_hits(client: TestClient) -> None:
    everything = search_json(client, "roma", limit="200")
    first = search_json(client, "roma", limit="5", page="1")
    second = search_json(client, "roma", limit="5", page="2")
    assert first["total"] == second["total"] == everything["total"]
    iris = [h["iri"] for h in everything["hits"]]  # type: ignore[union-attr]
    paged = [h["iri"] for h in first["hits"] + second["hits"]]  # type: ignore[operator]
    assert paged == iris[:10]


def test_search_unacceptable_format_is_406(client: TestClient) -> None:
    r = client.get("/search?q=x", headers={"accept": "image/png"})
    assert r.status_code == 406


@pytest.mark.parametrize("path", ["/", "/id/authority/volos", "/ontology", "/validate", "/search"])
def test_every_page_has_the_search_box_in_its_header(client: TestClient, path: str) -> None:
    r = client.get(path, headers={"accept": BROWSER})
    assert r.status_code == 200
    header = r.text.split('<header class="site">', 1)[1].split("</header>", 1)[0]
    assert 'role="search"' in header and 'action="/search"' in header and 'name="q"' in header


def test_language_switch_keeps_the_search_words(client: TestClient) -> None:
    r = client.get("/search", params={"q": "sisli"}, headers={"accept": BROWSER})
    assert 'href="/search?q=sisli&amp;lang=fr"' in r.text
