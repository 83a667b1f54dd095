"""The public request forms' fields: what a submission must say, and how values are cleaned."""

from __future__ import annotations

from kb.curation.request_fields import CONTACT_FIELDS, Choices, check_submission, clean_text

CHOICES = Choices(frozenset({"HUN", "BEL"}), frozenset({"education", "housing"}), 2026)

JOIN = {
    "authority_name": ["Hódmezővásárhely"],
    "authority_type": ["municipality"],
    "country": ["HUN"],
    "contact_name": ["Ilona Kiss"],
    "contact_role": ["Deputy mayor"],
    "contact_email": ["ilona.kiss@example.org"],
    "motivation": ["We run a Roma mediators programme."],
    "consent": ["yes"],
}
COOPERATE = {
    "organisation_name": ["Romani Kafava"],
    "organisation_country": ["other"],
    "field_of_work": ["Education"],
    "proposal": ["Joint summer schools"],
    "contact_name": ["A. B."],
    "contact_role": ["Director"],
    "contact_email": ["ab@example.org"],
    "consent": ["yes"],
}


def codes(form: dict[str, list[str]], kind: str = "join") -> dict[str, str]:
    return {e.name: e.code for e in check_submission(kind, form, CHOICES).errors}


def test_a_complete_join_request_passes_and_keeps_the_contact_apart() -> None:
    checked = check_submission("join", JOIN, CHOICES)
    assert checked.ok
    assert not set(checked.public_fields()) & set(CONTACT_FIELDS)
    assert checked.contact()["contact_email"] == "ilona.kiss@example.org"
    assert checked.values["authority_name"] == "Hódmezővásárhely"
    assert checked.values["practice_themes"] == []


def test_a_complete_cooperation_proposal_passes_also_from_outside_the_member_states() -> None:
    assert check_submission("cooperate", COOPERATE, CHOICES).ok


def test_every_required_field_is_named_when_missing() -> None:
    assert codes({}) == {
        "authority_name": "required",
        "authority_type": "required",
        "country": "required",
        "contact_name": "required",
        "contact_role": "required",
        "contact_email": "required",
        "motivation": "required",
        "consent": "required",
    }
    assert set(codes({}, "cooperate")) == {
        "organisation_name",
        "organisation_country",
        "field_of_work",
        "proposal",
        "contact_name",
        "contact_role",
        "contact_email",
        "consent",
    }


def test_errors_come_in_the_order_of_the_form_one_per_field() -> None:
    form = {**JOIN, "contact_email": ["x" * 300], "country": ["XYZ"], "authority_name": [""]}
    errors = check_submission("join", form, CHOICES).errors
    assert [(e.name, e.code) for e in errors] == [
        ("authority_name", "required"),
        ("country", "choice"),
        ("contact_email", "too_long"),
    ]
    assert errors[2].params == {"max": 254}


def test_values_outside_the_choices_are_refused() -> None:
    assert codes({**JOIN, "authority_type": ["city"]}) == {"authority_type": "choice"}
    assert codes({**JOIN, "country": ["RUS"]}) == {"country": "choice"}
    assert codes({**JOIN, "consent": ["no"]}) == {"consent": "choice"}
    assert codes({**JOIN, "practice_title": ["T"], "practice_themes": ["sport"]}) == {
        "practice_themes": "choice"
    }
    assert codes({**COOPERATE, "organisation_country": ["XX"]}, "cooperate") == {
        "organisation_country": "choice"
    }


def test_e_mail_and_telephone_have_their_forms() -> None:
    for bad in ("ilona", "ilona@", "@example.org", "ilona@example", "a b@example.org", "<a@b.c>"):
        assert codes({**JOIN, "contact_email": [bad]}) == {"contact_email": "email"}, bad
    for bad in ("12345", "call me", "+36 62 abc 1234", "1" * 31):
        assert "contact_phone" in codes({**JOIN, "contact_phone": [bad]}), bad
    for good in ("+36 62 564 364", "(0)62-564.364", "0036625643640"):
        assert codes({**JOIN, "contact_phone": [good]}) == {}, good


def test_a_practice_needs_its_title_and_sensible_years() -> None:
    assert codes({**JOIN, "practice_description": ["Mediators"]}) == {
        "practice_title": "practice_title"
    }
    practice = {**JOIN, "practice_title": ["Mediators"]}
    assert codes({**practice, "practice_start_year": ["19"]}) == {"practice_start_year": "year"}
    assert codes({**practice, "practice_start_year": ["1850"]}) == {"practice_start_year": "year"}
    assert codes({**practice, "practice_end_year": ["2037"]}) == {"practice_end_year": "year"}
    assert codes({**practice, "practice_end_year": ["2036"]}) == {}
    assert codes({**practice, "practice_start_year": ["2020"], "practice_end_year": ["2019"]}) == {
        "practice_end_year": "years_order"
    }
    assert codes({**practice, "practice_themes": ["education", "housing", "education"]}) == {}
    values = check_submission(
        "join", {**practice, "practice_themes": ["education", "housing", "education"]}, CHOICES
    ).values
    assert values["practice_themes"] == ["education", "housing"]


def test_text_is_cleaned_but_kept() -> None:
    assert clean_text("  Hódmezo\u0308vásárhely \t ", False) == "Hódmezövásárhely"  # NFC
    assert clean_text("a\u0000b\u200bc\u202ed", False) == "abcd"
    assert clean_text("one\r\ntwo\rthree\n\n  ", True) == "one\ntwo\nthree"
    assert clean_text("one\ntwo", False) == "one two"
    checked = check_submission("join", {**JOIN, "authority_name": ["  Szeged  "]}, CHOICES)
    assert checked.values["authority_name"] == "Szeged"


def test_a_field_of_blanks_counts_as_empty() -> None:
    assert codes({**JOIN, "authority_name": ["   "]}) == {"authority_name": "required"}
