"""The records a request proposes, as a curator may edit them, and what the store says of them.

A request (`kb.curation.request_store.PublicRequest`) becomes records only when a curator
accepts it. Until then this module works out what would be created:

* the **draft**: the editable values the records are made from (`default_draft` fills it
  from the request: the English name, else the name as written locally; the slug proposed
  from it; an existing record of the same name in the same country chosen instead of a new
  one). A curator edits it on the review page (`draft_from_form`) or in the JSON API
  (`merge_draft`); `draft_errors` checks it (slugs, dates, numbers, choices);
* the **proposal** (`build_proposal`): the records, each a `ProposedRecord` with its IRI and
  triples, in the order they are created:

  - for `join`: the source record (`id:source/request-{date}-{slug}`, a
    `dcterms:BibliographicResource` of type `id:source-type/request`, "request from the
    authority", where the vocabulary of kinds of source has it: `request_source_type`;
    dated the day the request came in, naming no one: the contact details never leave
    the state directory); the city or region (unless the curator chose an
    existing record); its membership of the Alliance; the good practice, if any;
  - for `cooperate`: the source record and the organisation (`org:FormalOrganization`,
    `org:linkedTo` the Alliance, `schema:location` its country);

  every record cites the source record (`dcterms:source`);
* the **check** (`check_proposal`): the SHACL verdict of the whole proposal, tried in a
  snapshot of the store no reader sees (`EmbeddedStore.trial`, with the write path's own
  validator: the same rules as any write), and which of its records exist already (with
  the same description: created by an earlier, interrupted acceptance; or with another:
  a conflict to resolve by changing a slug or choosing the existing record);
* the **duplicates** (`duplicates_of`): records with the same or a similar name
  (`kb.curation.similar_names`) in the same country.

Nothing here writes: `kb.curation.request_decisions` does, through the write path.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kb.config import Settings
from kb.curation.record_changes import (
    ChangeRefused,
    describe_record,
    reading,
    trial,
    writer_for,
)
from kb.curation.request_choices import FormOptions, form_options
from kb.curation.request_fields import (
    AUTHORITY_TYPES,
    OTHER_COUNTRY,
    FieldError,
    clean_text,
    has_practice,
)
from kb.curation.request_store import PublicRequest
from kb.curation.similar_names import Candidate, Match, NameIndex, similar_records
from kb.namespaces import DCAT, DCTERMS, ORG, RDF, SCHEMA, SKOS, XSD
from kb.store.changes import ChangeSet
from kb.store.search_index import fold

if TYPE_CHECKING:  # kb.validation (rdflib) is imported on the first write
    from kb.validation.report import ValidationReport, ValidationResult

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DATE_FORMS = (
    (re.compile(r"^[0-9]{4}$"), "gYear"),
    (re.compile(r"^[0-9]{4}-[0-9]{2}$"), "gYearMonth"),
    (re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), "date"),
)

#: The editable values of a draft, by kind of request; flags are "yes" or "".
DRAFT_FIELDS: dict[str, tuple[str, ...]] = {
    "join": (
        "authority",
        "authority_slug",
        "authority_type",
        "name_en",
        "name_fr",
        "local_name",
        "country",
        "membership",
        "membership_start",
        "participant_number",
        "practice",
        "practice_slug",
        "practice_title_en",
        "practice_title_fr",
        "practice_description_en",
        "practice_description_fr",
        "practice_themes",
        "practice_start",
        "practice_end",
        "practice_in_database",
    ),
    "cooperate": (
        "organisation_slug",
        "name_en",
        "name_fr",
        "local_name",
        "country",
        "description_en",
        "description_fr",
    ),
}
FLAGS = frozenset({"membership", "practice", "practice_in_database"})
MULTIPLE = frozenset({"practice_themes"})
MULTILINE = frozenset(
    {"practice_description_en", "practice_description_fr", "description_en", "description_fr"}
)
MAX_DRAFT_TEXT = 5000


@dataclass(frozen=True)
class ProposedRecord:
    """One record a request would create: its IRI, kind and complete description."""

    iri: str
    kind: str
    triples: tuple[ox.Triple, ...]


@dataclass
class Proposal:
    """The records of a request's draft, in the order they are created (none while the
    draft has errors)."""

    request_id: str
    draft: dict[str, Any]
    records: list[ProposedRecord]
    errors: list[FieldError]

    @property
    def subject(self) -> str:
        """The IRI of the authority or organisation the request is about ("" if unknown)."""
        kinds = {"authority", "organisation"}
        found = [r.iri for r in self.records if r.kind in kinds]
        if found:
            return found[0]
        return next(
            (
                t.object.value
                for r in self.records
                if r.kind == "membership"
                for t in r.triples
                if t.predicate.value == ORG + "member" and isinstance(t.object, ox.NamedNode)
            ),
            "",
        )


@dataclass
class ProposalCheck:
    """What the store says of a proposal."""

    #: SHACL results about the proposed records, and new ones they cause elsewhere.
    results: list[ValidationResult]
    #: True when a violation would refuse the proposal.
    refused: bool
    #: Records of the proposal that exist with another description.
    conflicts: list[str]
    #: Records of the proposal that exist with exactly this description.
    done: list[str]
    #: False on a server with no write path (an external or read-only store).
    writable: bool = True
    report: ValidationReport | None = None
    #: Why the proposal could not be checked (a trial that did not finish), "" if it was.
    error: str = ""


# -- drafts ----------------------------------------------------------------------------------


def slug_of(text: str) -> str:
    """A slug from a name: lower-case ASCII words joined by hyphens ("Şişli" → "sisli")."""
    return "-".join(re.findall(r"[a-z0-9]+", fold(text)))[:80].strip("-")


def default_draft(kb: Any, request: PublicRequest) -> dict[str, Any]:
    """The draft a request starts with (what the requester wrote, as records)."""
    f = request.fields
    lang = request.lang if request.lang in ("en", "fr") else "en"
    other = "fr" if lang == "en" else "en"
    if request.kind == "cooperate":
        name_en = f.get("organisation_name_en") or f.get("organisation_name", "")
        country = f.get("organisation_country", "")
        return {
            "organisation_slug": slug_of(name_en),
            "name_en": name_en,
            "name_fr": f.get("organisation_name_fr", ""),
            "local_name": f.get("organisation_name", ""),
            "country": "" if country == OTHER_COUNTRY else country,
            f"description_{lang}": f.get("field_of_work", ""),
            f"description_{other}": "",
        }
    name_en = f.get("authority_name_en") or f.get("authority_name", "")
    draft: dict[str, Any] = {
        "authority": "",
        "authority_slug": slug_of(name_en),
        "authority_type": f.get("authority_type", ""),
        "name_en": name_en,
        "name_fr": f.get("authority_name_fr", ""),
        "local_name": f.get("authority_name", ""),
        "country": f.get("country", ""),
        "membership": "yes",
        "membership_start": "",
        "participant_number": "",
        "practice": "yes" if has_practice(f) else "",
        "practice_slug": slug_of(f.get("practice_title", "")),
        f"practice_title_{lang}": f.get("practice_title", ""),
        f"practice_title_{other}": "",
        f"practice_description_{lang}": f.get("practice_description", ""),
        f"practice_description_{other}": "",
        "practice_themes": list(f.get("practice_themes", [])),
        "practice_start": f.get("practice_start_year", ""),
        "practice_end": f.get("practice_end_year", ""),
        "practice_in_database": "",
    }
    same = [m for m in duplicates_of(kb, request) if m.how == "same" and not m.country_unknown]
    if len(same) == 1:  # the city is there already: propose its membership, not a new record
        draft["authority"] = same[0].iri.rsplit("/", 1)[1]
    return draft


def draft_from_form(kind: str, form: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """A complete draft from the review page's form (an unticked box is "")."""
    draft: dict[str, Any] = {}
    for name in DRAFT_FIELDS[kind]:
        values = [clean_text(v, name in MULTILINE) for v in form.get(name, [])]
        values = [v for v in values if v]
        if name in MULTIPLE:
            draft[name] = list(dict.fromkeys(values))
        elif name in FLAGS:
            draft[name] = "yes" if "yes" in values else ""
        else:
            draft[name] = values[0] if values else ""
    return draft


def merge_draft(kind: str, base: dict[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with the values of `given` (the JSON API: fields left out keep their value).
    Unknown names are refused (`ValueError`)."""
    unknown = sorted(set(given) - set(DRAFT_FIELDS[kind]))
    if unknown:
        raise ValueError(
            f"unknown draft field(s): {', '.join(unknown)}; known: {', '.join(DRAFT_FIELDS[kind])}"
        )
    merged = dict(base)
    for name, value in given.items():
        if name in MULTIPLE:
            items = value if isinstance(value, list) else [value]
            merged[name] = [clean_text(str(v), False) for v in items if str(v).strip()]
        elif name in FLAGS:
            merged[name] = "yes" if value in (True, "yes", "true", "on", 1) else ""
        else:
            merged[name] = clean_text("" if value is None else str(value), name in MULTILINE)
    return merged


def draft_errors(kind: str, draft: Mapping[str, Any], options: FormOptions) -> list[FieldError]:
    """What in a draft cannot become records (SHACL says the rest)."""
    errors: list[FieldError] = []
    for name in DRAFT_FIELDS[kind]:
        value = draft.get(name, "")
        texts = value if isinstance(value, list) else [value]
        if any(len(str(v)) > MAX_DRAFT_TEXT for v in texts):
            errors.append(FieldError(name, "too_long", {"max": MAX_DRAFT_TEXT}))
    slugs = ["organisation_slug"] if kind == "cooperate" else []
    if kind == "join":
        slugs = ["authority" if draft.get("authority") else "authority_slug"]
        if draft.get("practice"):
            slugs.append("practice_slug")
    for name in slugs:
        if not SLUG.match(str(draft.get(name, ""))):
            errors.append(FieldError(name, "slug"))
    countries = {o.value for o in options.countries}
    country = draft.get("country", "")
    if (country or kind == "join") and country not in countries:
        errors.append(FieldError("country", "choice"))
    if kind == "join":
        if not draft.get("authority") and draft.get("authority_type") not in AUTHORITY_TYPES:
            errors.append(FieldError("authority_type", "choice"))
        dates = ["membership_start"] if draft.get("membership") else []
        if draft.get("practice"):
            dates += ["practice_start", "practice_end"]
        for name in dates:
            if draft.get(name) and date_literal(str(draft[name])) is None:
                errors.append(FieldError(name, "date"))
        number = str(draft.get("participant_number", ""))
        if draft.get("membership") and number and not (number.isdigit() and int(number) >= 1):
            errors.append(FieldError("participant_number", "number"))
        themes = {o.value for o in options.themes}
        if draft.get("practice") and any(t not in themes for t in draft.get("practice_themes", [])):
            errors.append(FieldError("practice_themes", "choice"))
    return errors


def date_literal(text: str) -> ox.Literal | None:
    """A date as precise as given: `2019` (xsd:gYear), `2019-05` (xsd:gYearMonth) or
    `2019-05-06` (xsd:date); None if it is none of these."""
    for pattern, datatype in DATE_FORMS:
        if pattern.match(text):
            try:
                date.fromisoformat((text + "-01-01")[:10])
            except ValueError:
                return None
            return ox.Literal(text, datatype=ox.NamedNode(XSD + datatype))
    return None


# -- the proposal ----------------------------------------------------------------------------


def record_base(kb: Any, kind: str) -> str:
    settings: Settings = kb.settings
    return f"{settings.base_iri}id/{kind}/" if kind else f"{settings.base_iri}id/"


class _Triples:
    """The triples of one record being built."""

    def __init__(self, iri: str) -> None:
        self.node = ox.NamedNode(iri)
        self.triples: list[ox.Triple] = []

    def add(self, predicate: str, value: ox.NamedNode | ox.Literal | None) -> None:
        if value is not None:
            self.triples.append(ox.Triple(self.node, ox.NamedNode(predicate), value))

    def text(self, predicate: str, text: str, lang: str | None = None) -> None:
        if text:
            self.add(predicate, ox.Literal(text, language=lang) if lang else ox.Literal(text))

    def link(self, predicate: str, iri: str) -> None:
        if iri:
            self.add(predicate, ox.NamedNode(iri))


def build_proposal(kb: Any, request: PublicRequest, draft: Mapping[str, Any]) -> Proposal:
    """The records of `draft` (see the module's docstring)."""
    options = form_options(kb.store, kb.settings.base_iri)
    errors = draft_errors(request.kind, draft, options)
    if errors:
        return Proposal(request.id, dict(draft), [], errors)
    build = _build_cooperation if request.kind == "cooperate" else _build_participation
    return Proposal(request.id, dict(draft), build(kb, options, request, draft), [])


#: The kinds of source a request may be typed with, best first (`request_source_type`).
SOURCE_TYPES = ("request", "third-party")


def request_source_type(kb: Any) -> str:
    """The kind of source of a request record (`dcterms:type`), as the store's vocabulary
    of kinds of source (`id:scheme/source-types`) has it: `id:source-type/request`,
    "request from the authority"; where the vocabulary has no such kind yet,
    `id:source-type/third-party` (the model's kind for "a municipality's own site"); ""
    when the store has no such vocabulary (then no type is stated rather than a dangling
    link)."""
    base = record_base(kb, "source-type")
    for name in SOURCE_TYPES:
        if kb.store.ask(f"ASK {{ <{base}{name}> a <{SKOS}Concept> }}"):
            return base + name
    return ""


def _source_record(
    kb: Any, request: PublicRequest, subject: str, slug: str, name: str
) -> ProposedRecord:
    """The request as a source: its kind, its date, who sent it (never the contact person).

    Its IRI is `id:source/request-{date}-{slug}`; if another request of that day about the
    same place is a source already, with other words, `-2`, `-3`... follow (the same record
    again, as an interrupted acceptance left it, keeps its IRI)."""
    day = request.received_date
    what = (
        "Proposal of cooperation with" if request.kind == "cooperate" else "Request to take part in"
    )
    quoi = (
        "Proposition de coopération avec"
        if request.kind == "cooperate"
        else "Demande de participation à"
    )
    kind = request_source_type(kb)
    for n in range(1, 100):
        iri = record_base(kb, "source") + f"request-{day}-{slug}" + (f"-{n}" if n > 1 else "")
        r = _Triples(iri)
        r.link(RDF + "type", DCTERMS + "BibliographicResource")
        r.text(DCTERMS + "title", f"{what} the Alliance from {name}, received {day}", "en")
        r.text(DCTERMS + "title", f"{quoi} l’Alliance de {name}, reçue le {day}", "fr")
        r.link(DCTERMS + "type", kind)
        r.add(DCTERMS + "issued", ox.Literal(day, datatype=ox.NamedNode(XSD + "date")))
        r.text(DCTERMS + "language", request.lang)
        r.link(DCTERMS + "creator", subject)
        current = set(
            kb.store.construct(f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}")
        )
        if not current or current == set(r.triples):
            break
    return ProposedRecord(iri, "source", tuple(r.triples))


def _build_participation(
    kb: Any, options: FormOptions, request: PublicRequest, d: Mapping[str, Any]
) -> list[ProposedRecord]:
    existing = str(d.get("authority", ""))
    slug = existing or str(d["authority_slug"])
    authority = record_base(kb, "authority") + slug
    source = _source_record(kb, request, authority, slug, str(d.get("name_en") or slug))
    records = [source]
    alliance = f"{kb.settings.ontology_ns}"
    if not existing:
        r = _Triples(authority)
        kind = "Municipality" if d["authority_type"] == "municipality" else "Region"
        r.link(RDF + "type", alliance + kind)
        r.text(SKOS + "prefLabel", str(d.get("name_en", "")), "en")
        r.text(SKOS + "prefLabel", str(d.get("name_fr", "")), "fr")
        local = str(d.get("local_name", ""))
        if local and local not in (d.get("name_en"), d.get("name_fr")):
            r.text(SKOS + "altLabel", local)
        r.link(alliance + "country", options.country_iri(str(d.get("country", ""))))
        r.link(DCTERMS + "source", source.iri)
        records.append(ProposedRecord(authority, "authority", tuple(r.triples)))
    if d.get("membership"):
        r = _Triples(record_base(kb, "membership") + slug)
        r.link(RDF + "type", ORG + "Membership")
        r.link(ORG + "member", authority)
        r.link(ORG + "organization", record_base(kb, "organisation") + "alliance")
        r.add(SCHEMA + "startDate", date_literal(str(d.get("membership_start", ""))))
        number = str(d.get("participant_number", ""))
        if number:
            r.add(
                alliance + "participantNumber",
                ox.Literal(str(int(number)), datatype=ox.NamedNode(XSD + "integer")),
            )
        r.link(DCTERMS + "source", source.iri)
        records.append(ProposedRecord(r.node.value, "membership", tuple(r.triples)))
    if d.get("practice"):
        r = _Triples(record_base(kb, "practice") + str(d["practice_slug"]))
        r.link(RDF + "type", alliance + "GoodPractice")
        for lang in ("en", "fr"):
            r.text(DCTERMS + "title", str(d.get(f"practice_title_{lang}", "")), lang)
            r.text(DCTERMS + "description", str(d.get(f"practice_description_{lang}", "")), lang)
        r.link(alliance + "implementedBy", authority)
        for theme in d.get("practice_themes", []):
            r.link(DCAT + "theme", options.theme_iri(theme))
        r.add(SCHEMA + "startDate", date_literal(str(d.get("practice_start", ""))))
        r.add(SCHEMA + "endDate", date_literal(str(d.get("practice_end", ""))))
        if d.get("practice_in_database"):
            r.link(DCTERMS + "isPartOf", record_base(kb, "database") + "good-practices")
        r.link(DCTERMS + "source", source.iri)
        records.append(ProposedRecord(r.node.value, "practice", tuple(r.triples)))
    return records


def _build_cooperation(
    kb: Any, options: FormOptions, request: PublicRequest, d: Mapping[str, Any]
) -> list[ProposedRecord]:
    slug = str(d["organisation_slug"])
    organisation = record_base(kb, "organisation") + slug
    source = _source_record(kb, request, organisation, slug, str(d.get("name_en") or slug))
    r = _Triples(organisation)
    r.link(RDF + "type", ORG + "FormalOrganization")
    r.text(SKOS + "prefLabel", str(d.get("name_en", "")), "en")
    r.text(SKOS + "prefLabel", str(d.get("name_fr", "")), "fr")
    local = str(d.get("local_name", ""))
    if local and local not in (d.get("name_en"), d.get("name_fr")):
        r.text(SKOS + "altLabel", local)
    for lang in ("en", "fr"):
        r.text(DCTERMS + "description", str(d.get(f"description_{lang}", "")), lang)
    r.link(SCHEMA + "location", options.country_iri(str(d.get("country", ""))))
    r.link(ORG + "linkedTo", record_base(kb, "organisation") + "alliance")
    r.link(DCTERMS + "source", source.iri)
    return [source, ProposedRecord(organisation, "organisation", tuple(r.triples))]


# -- what the store says ---------------------------------------------------------------------


def check_proposal(kb: Any, proposal: Proposal) -> ProposalCheck:
    """The SHACL verdict of the proposal's new records, tried together in a snapshot of the
    store, and which of its records exist already."""
    store = kb.store
    if not (hasattr(store, "trial") and getattr(store, "writable", False)):
        return ProposalCheck([], False, [], [], writable=False)
    writer = writer_for(kb.settings)
    files = writer.data_files(kb)
    conflicts, done, added = [], [], []
    with reading(store) as oxigraph:
        for record in proposal.records:
            current = {
                ox.Triple(q.subject, q.predicate, q.object)
                for q in describe_record(oxigraph, record.iri)
            }
            if current == set(record.triples):
                done.append(record.iri)
                continue
            if current:
                conflicts.append(record.iri)
                continue
            graph = ox.NamedNode(writer.graph_for_kind(oxigraph, record.kind, files))
            added += [ox.Quad(t.subject, t.predicate, t.object, graph) for t in record.triples]
    if not added:
        return ProposalCheck([], False, conflicts, done)
    change = ChangeSet.of((), added)
    subjects = {q.subject for q in added if isinstance(q.subject, ox.NamedNode)}
    validator = writer.validator
    try:
        verdict = trial(store, change, lambda st: validator.verdict(st, change, subjects))
    except ChangeRefused as exc:  # the trial did not finish: nothing can be said
        return ProposalCheck([], True, conflicts, done, error=exc.detail)
    report = validator.report(verdict.results)
    return ProposalCheck(verdict.results, verdict.refused, conflicts, done, True, report)


def duplicates_of(kb: Any, request: PublicRequest) -> list[Match]:
    """Records already in the store with a name like the request's (same country, or no
    country recorded; an NGO: any organisation)."""
    f = request.fields
    if request.kind == "cooperate":
        names = [
            f.get(k, "")
            for k in ("organisation_name", "organisation_name_en", "organisation_name_fr")
        ]
        return name_index(kb, "organisations").similar(names, None)
    names = [f.get(k, "") for k in ("authority_name", "authority_name_en", "authority_name_fr")]
    country = record_base(kb, "country") + f.get("country", "") if f.get("country") else None
    return name_index(kb, "authorities").similar(names, country)


_indexes: weakref.WeakKeyDictionary[Any, dict[str, tuple[int, NameIndex]]] = (
    weakref.WeakKeyDictionary()
)
_indexes_lock = threading.Lock()


def name_index(kb: Any, which: str) -> NameIndex:
    """The names of the cities and regions (`authorities`) or of the organisations, indexed
    for `similar`; made once per store generation."""
    store = kb.store
    generation = getattr(store, "generation", 0)
    with _indexes_lock:
        cached = _indexes.setdefault(store, {}).get(which)
        if cached is not None and cached[0] == generation:
            return cached[1]
    alliance = kb.settings.ontology_ns
    classes = (
        (ORG + "FormalOrganization",)
        if which == "organisations"
        else (alliance + "Municipality", alliance + "Region")
    )
    index = NameIndex(_candidates(kb, classes))
    with _indexes_lock:
        _indexes.setdefault(store, {})[which] = (generation, index)
    return index


def _candidates(kb: Any, classes: tuple[str, ...]) -> list[Candidate]:
    values = " ".join(f"<{c}>" for c in classes)
    rows = kb.store.select(
        f"SELECT ?x ?name ?country WHERE {{ VALUES ?class {{ {values} }} ?x a ?class . "
        f"?x <{SKOS}prefLabel>|<{SKOS}altLabel>|<{SKOS}hiddenLabel> ?name . "
        f"OPTIONAL {{ ?x <{kb.settings.ontology_ns}country> ?country }} }}"
    )
    names: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    countries: dict[str, str] = {}
    for row in rows:
        iri = row["x"].value
        name = row["name"]
        names.setdefault(iri, []).append(name.value)
        if isinstance(name, ox.Literal) and name.language == "en":
            labels.setdefault(iri, name.value)
        if row.get("country") is not None:
            countries[iri] = row["country"].value
    return [
        Candidate(
            iri, labels.get(iri, found[0]), tuple(dict.fromkeys(found)), countries.get(iri, "")
        )
        for iri, found in sorted(names.items())
    ]


def similar_requests(
    request: PublicRequest, others: Sequence[PublicRequest]
) -> list[tuple[PublicRequest, Match]]:
    """Other requests of the same kind naming a like authority (same country) or NGO."""
    keys = ("organisation_name", "organisation_name_en", "organisation_name_fr")
    if request.kind == "join":
        keys = ("authority_name", "authority_name_en", "authority_name_fr")
    country_key = "country" if request.kind == "join" else "organisation_country"

    def names(r: PublicRequest) -> tuple[str, ...]:
        return tuple(str(r.fields.get(k, "")) for k in keys if r.fields.get(k))

    by_id = {o.id: o for o in others if o.id != request.id and o.kind == request.kind}
    candidates = [
        Candidate(o.id, names(o)[0], names(o), str(o.fields.get(country_key, "")))
        for o in by_id.values()
        if names(o)
    ]
    country = str(request.fields.get(country_key, "")) if request.kind == "join" else None
    matches = similar_records(candidates, names(request), country or None)
    return [(by_id[m.iri], m) for m in matches]
