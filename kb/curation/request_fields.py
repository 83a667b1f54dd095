"""What a public request says: the fields of `/join` and `/cooperate`, checked at once.

Two kinds of request come from the public forms:

* `join`: a city or region asks to take part in the Alliance (its name as written locally
  and in English / French where known, municipality or region, its country, who writes,
  why, and optionally a good practice with its themes and years);
* `cooperate`: an NGO proposes cooperation (the organisation, its country, its field of
  work, the proposal, who writes).

`check_submission(kind, form, choices)` turns the submitted form into clean values (text
trimmed and in Unicode NFC, control characters dropped, line breaks kept only where a field
is multi-line) and a list of `FieldError`s, each naming its field and a message code
(`required`, `too_long`, `email`, ...) that the web layer words in the form's language.
Nothing is stored by this module.

The contact person's fields (`CONTACT_FIELDS`: name, role, e-mail, telephone) are personal
data: kept apart from the rest of a request (`kb.curation.request_store`), shown to curators
only, never written to a record, and erased after the retention period.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

KINDS = ("join", "cooperate")
AUTHORITY_TYPES = ("municipality", "region")
#: The choice of `organisation_country` for an organisation not based in a member state.
OTHER_COUNTRY = "other"
#: The hidden field only robots fill (`kb.web.request_pages` hides it from people).
HONEYPOT = "website"
#: Fields that hold the contact person's details: personal data, never published.
CONTACT_FIELDS = ("contact_name", "contact_role", "contact_email", "contact_phone")

EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
PHONE = re.compile(r"^\+?[0-9 ()./-]{6,30}$")
YEAR = re.compile(r"^[0-9]{4}$")
#: Control characters (C0, DEL, C1) and other invisible format characters that no
#: field needs; a line break and a tab are kept in multi-line fields.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class RequestField:
    """One field of a request form: its name, whether it must be given, its longest value."""

    name: str
    required: bool = False
    max_length: int = 200
    multiline: bool = False
    #: Several values (check boxes).
    multiple: bool = False
    #: One of a fixed set of values (`choices[name]` at check time).
    choice: bool = False


JOIN_FIELDS: tuple[RequestField, ...] = (
    RequestField("authority_name", required=True),
    RequestField("authority_name_en"),
    RequestField("authority_name_fr"),
    RequestField("authority_type", required=True, choice=True),
    RequestField("country", required=True, choice=True),
    RequestField("contact_name", required=True),
    RequestField("contact_role", required=True),
    RequestField("contact_email", required=True, max_length=254),
    RequestField("contact_phone", max_length=30),
    RequestField("motivation", required=True, max_length=5000, multiline=True),
    RequestField("practice_title", max_length=300),
    RequestField("practice_description", max_length=5000, multiline=True),
    RequestField("practice_themes", multiple=True, choice=True),
    RequestField("practice_start_year", max_length=4),
    RequestField("practice_end_year", max_length=4),
    RequestField("consent", required=True, choice=True),
)

COOPERATE_FIELDS: tuple[RequestField, ...] = (
    RequestField("organisation_name", required=True, max_length=300),
    RequestField("organisation_name_en", max_length=300),
    RequestField("organisation_name_fr", max_length=300),
    RequestField("organisation_country", required=True, choice=True),
    RequestField("field_of_work", required=True, max_length=1000, multiline=True),
    RequestField("proposal", required=True, max_length=5000, multiline=True),
    RequestField("contact_name", required=True),
    RequestField("contact_role", required=True),
    RequestField("contact_email", required=True, max_length=254),
    RequestField("contact_phone", max_length=30),
    RequestField("consent", required=True, choice=True),
)

FIELDS: dict[str, tuple[RequestField, ...]] = {"join": JOIN_FIELDS, "cooperate": COOPERATE_FIELDS}
PRACTICE_FIELDS = (
    "practice_title",
    "practice_description",
    "practice_themes",
    "practice_start_year",
    "practice_end_year",
)


@dataclass(frozen=True)
class FieldError:
    """A field's value refused: `code` names the rule (worded by the web layer)."""

    name: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Choices:
    """The values the choice fields accept: country codes (alpha-3) and theme slugs."""

    countries: frozenset[str]
    themes: frozenset[str]
    #: The current year: a practice's years lie between 1900 and ten years from it.
    this_year: int


@dataclass
class CheckedSubmission:
    """A submission's clean values (every field of its kind, "" or [] when not given)."""

    kind: str
    values: dict[str, Any]
    errors: list[FieldError]

    @property
    def ok(self) -> bool:
        return not self.errors

    def public_fields(self) -> dict[str, Any]:
        """The values without the contact person's details."""
        return {k: v for k, v in self.values.items() if k not in CONTACT_FIELDS}

    def contact(self) -> dict[str, str]:
        return {k: str(self.values.get(k, "")) for k in CONTACT_FIELDS}


def clean_text(value: str, multiline: bool) -> str:
    """A typed value as stored: NFC, no control characters, trimmed; one line unless
    `multiline` (then Windows and old Mac line ends become one `\\n`)."""
    text = unicodedata.normalize("NFC", value)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = [_CONTROL.sub("", line).rstrip() for line in text.split("\n")]
        return "\n".join(lines).strip()
    return _SPACES.sub(" ", _CONTROL.sub("", text)).strip()


def check_submission(
    kind: str, form: Mapping[str, Sequence[str]], choices: Choices
) -> CheckedSubmission:
    """Clean and check a submitted form (`form`: each field's submitted values)."""
    if kind not in FIELDS:
        raise ValueError(f"unknown kind of request {kind!r}")
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    allowed = {
        "authority_type": set(AUTHORITY_TYPES),
        "country": set(choices.countries),
        "organisation_country": set(choices.countries) | {OTHER_COUNTRY},
        "practice_themes": set(choices.themes),
        "consent": {"yes"},
    }
    for spec in FIELDS[kind]:
        given = [clean_text(v, spec.multiline) for v in form.get(spec.name, [])]
        given = [v for v in given if v]
        if spec.multiple:
            chosen = list(dict.fromkeys(given))
            values[spec.name] = chosen
            unknown = [v for v in chosen if v not in allowed[spec.name]]
            if unknown:
                errors.append(FieldError(spec.name, "choice"))
            continue
        value = given[0] if given else ""
        values[spec.name] = value
        if not value:
            if spec.required:
                errors.append(FieldError(spec.name, "required"))
            continue
        if len(value) > spec.max_length:
            errors.append(FieldError(spec.name, "too_long", {"max": spec.max_length}))
        elif spec.choice and value not in allowed[spec.name]:
            errors.append(FieldError(spec.name, "choice"))
    errors += _field_rules(values, choices)
    order = {spec.name: i for i, spec in enumerate(FIELDS[kind])}
    errors.sort(key=lambda e: order.get(e.name, len(order)))
    return CheckedSubmission(kind, values, _first_per_field(errors))


def _field_rules(values: dict[str, Any], choices: Choices) -> list[FieldError]:
    """The rules on a field's form, and across fields (a practice needs its title)."""
    errors = []
    email = values.get("contact_email", "")
    if email and not EMAIL.match(email):
        errors.append(FieldError("contact_email", "email"))
    phone = values.get("contact_phone", "")
    if phone and not (PHONE.match(phone) and sum(c.isdigit() for c in phone) >= 6):
        errors.append(FieldError("contact_phone", "phone"))
    years: dict[str, int] = {}
    for name in ("practice_start_year", "practice_end_year"):
        text = values.get(name, "")
        if not text:
            continue
        if not YEAR.match(text) or not 1900 <= int(text) <= choices.this_year + 10:
            errors.append(FieldError(name, "year", {"first": 1900, "last": choices.this_year + 10}))
        else:
            years[name] = int(text)
    start, end = years.get("practice_start_year"), years.get("practice_end_year")
    if start is not None and end is not None and end < start:
        errors.append(FieldError("practice_end_year", "years_order"))
    practice_given = any(values.get(name) for name in PRACTICE_FIELDS)
    if "practice_title" in values and not values["practice_title"] and practice_given:
        errors.append(FieldError("practice_title", "practice_title"))
    return errors


def _first_per_field(errors: list[FieldError]) -> list[FieldError]:
    """One error per field (the first found)."""
    seen: set[str] = set()
    kept = []
    for error in errors:
        if error.name not in seen:
            seen.add(error.name)
            kept.append(error)
    return kept


def has_practice(fields: Mapping[str, Any]) -> bool:
    """Whether a join request proposes a good practice."""
    return bool(fields.get("practice_title"))
