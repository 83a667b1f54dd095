"""Duplicates: names compared without case and diacritics, contained, or a few letters apart."""

from __future__ import annotations

from kb.curation.similar_names import (
    Candidate,
    edit_distance,
    name_key,
    similar_records,
    similarity,
)

HUN = "https://w3id.org/roma-alliance/id/country/HUN"
BEL = "https://w3id.org/roma-alliance/id/country/BEL"


def test_names_are_folded_for_comparison() -> None:
    assert name_key("Hódmezővásárhely") == "hodmezovasarhely"
    assert name_key("Łódź") == "lodz"
    assert name_key("  Reggio nell'Emilia ") == "reggio nell emilia"
    assert name_key("ŞİŞLİ") == "sisli"


def test_edit_distance_is_levenshtein_and_stops_past_its_bound() -> None:
    assert edit_distance("kitten", "sitting", 5) == 3
    assert edit_distance("szeged", "szeged", 1) == 0
    assert edit_distance("vitez", "vitesz", 2) == 1
    assert edit_distance("abcdef", "uvwxyz", 2) == 3  # bound + 1: stopped early
    assert edit_distance("a", "abcdefgh", 2) == 3


def test_how_two_names_compare() -> None:
    assert similarity("Łódź", "LODZ") == ("same", 0)
    assert similarity("Szeged", "City of Szeged") == ("contained", 0)
    assert similarity("Szegedd", "Szeged") == ("similar", 1)
    assert similarity("Gent", "Ghent") == ("similar", 1)
    assert similarity("Kragujevac", "Kraguevac") == ("similar", 1)
    assert similarity("Bar", "Bor") == ("similar", 1)
    assert similarity("Bar", "Barcelona") is None  # too short to count as contained
    assert similarity("Szeged", "Székesfehérvár") is None
    assert similarity("", "Szeged") is None


def test_records_in_another_country_are_not_duplicates_but_those_without_one_are_flagged() -> None:
    candidates = [
        Candidate("id:szeged", "Szeged", ("Szeged",), HUN),
        Candidate("id:szeged-be", "Szeged", ("Szeged",), BEL),
        Candidate("id:szegedd", "Szegedd", ("Szegedd",), ""),
        Candidate("id:pecs", "Pécs", ("Pécs", "Pecs"), HUN),
    ]
    found = similar_records(candidates, ["Szeged", "Szeged (HU)"], HUN)
    assert [(m.iri, m.how, m.country_unknown) for m in found] == [
        ("id:szeged", "same", False),
        ("id:szegedd", "similar", True),
    ]
    anywhere = similar_records(candidates, ["szeged"], None)
    assert {m.iri for m in anywhere} == {"id:szeged", "id:szeged-be", "id:szegedd"}
    assert not any(m.country_unknown for m in anywhere)


def test_the_best_match_of_a_record_is_kept() -> None:
    candidates = [Candidate("id:ghent", "Ghent", ("Ghent", "Gent", "Gand"), BEL)]
    (match,) = similar_records(candidates, ["Gentt", "Gent"], BEL)
    assert (match.how, match.matched_name, match.requested_name) == ("same", "Gent", "Gent")
