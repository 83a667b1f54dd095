"""Where each fact comes from: every mined row accounted for, every record and every
statement citing a page, contested facts with all their claims, the project's own words
(French ones included) marked and queryable, no generic source left."""

from __future__ import annotations

import csv
from collections import Counter

import pytest
from shipped_data import BASE, ID, ask, select

from kb.config import PROJECT_ROOT
from kb.sources.csv_import import as_uri

MINED = PROJECT_ROOT / "data" / "sources" / "mined"
REFERENCE_MINED = PROJECT_ROOT.parent / "shared" / "reference" / "mined"
PROJECT_WORDING = f"{ID}source/project-wording"


def mined_rows() -> dict[tuple[str, int], dict[str, str]]:
    rows = {}
    for path in sorted(MINED.glob("*.csv")):
        if path.name == "decisions.csv":
            continue
        with path.open(encoding="utf-8") as f:
            for number, row in enumerate(csv.DictReader(f), start=2):
                rows[(path.name, number)] = row
    return rows


def decisions() -> list[dict[str, str]]:
    with (MINED / "decisions.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


# -- every mined row ends up as a fact, or in the list of rows left out with a reason --------


def test_every_mined_row_has_exactly_one_decision() -> None:
    keys = Counter((d["file"], int(d["row"])) for d in decisions())
    assert [k for k, n in keys.items() if n > 1] == []
    assert set(keys) == set(mined_rows())


def test_left_out_rows_say_why_and_name_no_record() -> None:
    for d in decisions():
        assert d["outcome"] in ("record", "merged", "left-out"), d
        if d["outcome"] == "left-out":
            assert d["reason"] and not d["records"], d
        else:
            assert d["records"], d


def test_each_kept_row_is_cited_by_the_records_it_became() -> None:
    """The row's page is a source of each of its records, or of a statement about it."""
    rows = mined_rows()
    missing = []
    for d in decisions():
        if d["outcome"] == "left-out":
            continue
        url = as_uri(rows[(d["file"], int(d["row"]))]["url"])  # as the import writes it
        for record in d["records"].split():
            if not ask(
                f"""ASK {{ {{ <{ID}{record}> dcterms:source <{url}> }} UNION
                      {{ ?st rdf:subject <{ID}{record}> ; dcterms:source <{url}> }} }}"""
            ):
                missing.append((d["file"], d["row"], record))
    assert missing == []


@pytest.mark.skipif(not REFERENCE_MINED.is_dir(), reason="../shared is not beside the repository")
def test_the_mined_tables_are_copies_of_the_reference() -> None:
    for path in sorted(REFERENCE_MINED.iterdir()):
        assert (MINED / path.name).read_bytes() == path.read_bytes(), path.name


# -- every record and every sourced fact cites a page --------------------------------------


def test_every_record_and_statement_cites_a_page_or_a_source_record() -> None:
    unsourced = select(
        """SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s a ?type }
             FILTER(STRSTARTS(STR(?s), STR(id:)))
             FILTER NOT EXISTS { ?s dcterms:source ?page } }"""
    )
    assert unsourced == []


def test_a_fact_without_a_page_fails_validation(tmp_path: pytest.TempPathFactory) -> None:
    """The statement shape refuses a sourced fact that names no page."""
    from kb.cli.main import main

    path = tmp_path / "statement.ttl"  # type: ignore[operator]
    path.write_text(
        f"""<{ID}authority/lom#country> a <http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement> ;
  <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> <{ID}authority/lom> ;
  <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> <{BASE}ontology#country> ;
  <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> <{ID}country/BGR> .
""",
        encoding="utf-8",
    )
    assert main(["validate", "--engine", "fast", str(path)]) == 1


def test_every_cited_page_is_described_by_a_source_record() -> None:
    undescribed = select(
        """SELECT DISTINCT ?page WHERE { ?s dcterms:source ?page .
             FILTER(!STRSTARTS(STR(?page), STR(id:)))
             FILTER NOT EXISTS { ?record schema:url ?page } }"""
    )
    assert undescribed == []


def test_source_records_say_who_stands_behind_them() -> None:
    rows = select(
        """SELECT ?src ?type WHERE { ?src a dcterms:BibliographicResource .
             OPTIONAL { ?src dcterms:type ?type } }"""
    )
    types = Counter(t.rsplit("/", 1)[1] for _, t in rows)
    assert all(t for _, t in rows)
    assert types["official"] >= 70 and types["third-party"] >= 20


def test_no_fact_cites_only_a_generic_or_retired_source() -> None:
    assert not ask(
        """ASK { ?s dcterms:source ?src . ?src owl:deprecated true . FILTER(?s != ?src) }"""
    )
    assert not ask(f"ASK {{ ?s dcterms:source <{ID}source/reference-notes> }}")
    # a record citing only the home page (news items of several dates) quotes what it uses
    home = "<http://www.roma-alliance.org/>"
    assert (
        select(
            f"""SELECT ?s WHERE {{ ?s dcterms:source {home} .
                 FILTER(!CONTAINS(STR(?s), "#") && !STRSTARTS(STR(?s), STR(id:source\\/)))
                 FILTER NOT EXISTS {{ ?s dcterms:source ?other . FILTER(?other != {home}) }}
                 FILTER NOT EXISTS {{ ?st rdf:subject ?s ; dcterms:source {home} ; oa:exact ?q }}
                 FILTER NOT EXISTS {{ ?s alliance:statedText ?words }} }}"""
        )
        == []
    )


def test_statements_quote_the_page_in_its_language() -> None:
    rows = select("""SELECT ?st ?quote WHERE { ?st a rdf:Statement ; oa:exact ?quote }""")
    assert len(rows) >= 60
    assert ask(
        """ASK { ?st rdf:subject id:membership\\/innsbruck ; oa:exact ?q .
             FILTER(LANG(?q) = "fr") }"""
    )


# -- contested facts carry all their claims -----------------------------------------------

CONTESTED = {
    # record → (property local name or measure, number of claims, a preferred value or "")
    "country/TUR#accession-date-claims": 3,
    "award/4-obrnice#rank-claims": 4,
    "award/4-heraklion#rank-claims": 3,
    "award/4-kocaeli#rank-claims": 3,
    "authority/kocaeli#type-claims": 3,
    "authority/reggio-nell-emilia#type-claims": 2,
    "authority/surcin#pref-label-claims": 2,
    "document/declaration-against-anti-gypsyism#issued-claims": 2,
    "document/declaration-against-anti-gypsyism#signatory-states-claims": 5,
    "prize-edition/2#label-year-claims": 3,
}


@pytest.mark.parametrize(("fact", "claims"), sorted(CONTESTED.items()))
def test_contested_fact_keeps_every_claim_with_its_page(fact: str, claims: int) -> None:
    rows = select(
        f"""SELECT ?claim ?page WHERE {{ <{ID}{fact}> a alliance:ContestedFact ;
              alliance:claim ?claim . OPTIONAL {{ ?claim dcterms:source ?page }} }}"""
    )
    assert len({c for c, _ in rows}) == claims
    assert all(page for _, page in rows)


def test_every_contested_fact_is_listed_here() -> None:
    found = {
        row[0].removeprefix(ID) for row in select("SELECT ?f WHERE { ?f a alliance:ContestedFact }")
    }
    assert found == set(CONTESTED)


def test_records_state_only_preferred_values_of_contested_facts() -> None:
    # Kocaeli is a region by the official pages; the third-party "municipality" is kept
    assert ask("ASK { id:authority\\/kocaeli a alliance:Region }")
    assert not ask("ASK { id:authority\\/kocaeli a alliance:Municipality }")
    assert ask(
        """ASK { id:authority\\/kocaeli\\#type-claims alliance:claim ?c .
             ?c rdf:object alliance:Municipality ; wikibase:rank wikibase:NormalRank }"""
    )
    # Surčin keeps its diacritics; Surcin stays as an alternative name
    assert select("SELECT ?l WHERE { id:authority\\/surcin skos:prefLabel ?l }") == [("Surčin",)]
    assert ask('ASK { id:authority\\/surcin skos:altLabel "Surcin"@en }')
    # the Declaration's two dates from one page: no day chosen, the month both give
    assert select(
        "SELECT ?d WHERE { id:document\\/declaration-against-anti-gypsyism dcterms:issued ?d }"
    ) == [("2017-03",)]


def test_a_silent_claim_is_a_page_naming_the_record_without_the_value() -> None:
    rows = select(
        """SELECT ?c ?page WHERE { ?c a alliance:SilentClaim ; rdf:subject id:award\\/4-heraklion ;
             dcterms:source ?page . FILTER NOT EXISTS { ?c rdf:object ?v } }"""
    )
    assert len(rows) == 2


# -- the project's own words are marked; French provenance is queryable ---------------------

FRENCH_LITERALS = """
  ?s ?p ?o .
  VALUES ?p { skos:prefLabel skos:altLabel skos:definition dcterms:title dcterms:alternative
              dcterms:description alliance:awardedFor }
  FILTER(LANG(?o) = "fr" && STRSTARTS(STR(?s), STR(id:)) && !CONTAINS(STR(?s), "#"))
"""


def test_every_french_label_is_a_pages_or_marked_as_the_projects_own() -> None:
    """A French text has a statement citing a page or the project's wording, or its record
    cites a French page (its own pages then state it) or is wholly the project's."""
    unaccounted = select(
        f"""SELECT ?s ?p ?o WHERE {{ {FRENCH_LITERALS}
              FILTER NOT EXISTS {{ ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
                                   dcterms:source ?any }}
              FILTER NOT EXISTS {{ ?s dcterms:source ?page .
                                   {{ ?src schema:url ?page }} UNION {{ BIND(?page AS ?src) }}
                                   {{ ?src dcterms:language "fr" }}
                                   UNION {{ ?src dcterms:type id:source-type\\/project }} }} }}"""
    )
    assert unaccounted == []


def test_french_provenance_is_queryable() -> None:
    own = {
        (s.removeprefix(ID), o)
        for s, o in select(
            f"""SELECT ?s ?o WHERE {{ ?st rdf:subject ?s ; rdf:predicate skos:prefLabel ;
                  rdf:object ?o ; dcterms:source <{PROJECT_WORDING}> . FILTER(LANG(?o) = "fr") }}"""
        )
    }
    # the project's translations, marked as such
    assert ("theme/housing", "Logement") in own
    assert (
        "organisation/srsg-roma-issues",
        "Représentant spécial du Secrétaire Général pour les questions relatives aux Roms",
    ) in own
    # names a French page gives are cited to that page, with its words
    from_pages = {
        (s.removeprefix(ID), o)
        for s, o, _ in select(
            """SELECT ?s ?o ?page WHERE { ?st rdf:subject ?s ; rdf:predicate skos:prefLabel ;
                  rdf:object ?o ; dcterms:source ?page ; oa:exact ?q .
                  FILTER(LANG(?o) = "fr" && ?page != id:source\\/project-wording) }"""
        )
    }
    assert ("authority/ghent", "Gand") in from_pages
    assert (
        "organisation/alliance",
        "Alliance européenne des villes et des régions pour l'inclusion des Roms",
    ) in from_pages
    assert ("theme/housing", "Logement") not in from_pages


def test_member_states_french_names_cite_the_eu_country_table_not_the_project() -> None:
    """The French names of the member states are the EU Country authority table's."""
    sources = select(
        """SELECT ?country ?page WHERE { ?country a alliance:MemberState .
              ?st rdf:subject ?country ; rdf:predicate skos:prefLabel ; rdf:object ?name ;
                  dcterms:source ?page . FILTER(LANG(?name) = "fr") }"""
    )
    assert len(sources) == 46
    assert {page for _, page in sources} == {
        "http://publications.europa.eu/resource/authority/country"
    }


def test_descriptions_written_by_the_project_are_marked() -> None:
    unmarked = select(
        """SELECT ?s WHERE { ?s dcterms:description ?d .
             FILTER(STRSTARTS(STR(?s), STR(id:)) && !CONTAINS(STR(?s), "#"))
             FILTER NOT EXISTS { ?st rdf:subject ?s ; rdf:predicate dcterms:description ;
                                 rdf:object ?d } }"""
    )
    assert unmarked == []
