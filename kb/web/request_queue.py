"""The curators' queue of public requests: review, edit, accept or reject.

* `GET /requests`: the requests (`?status=pending` by default, `accepted`, `rejected`,
  `all`), each with its proposed records, their validation and the possible duplicates;
  HTML, or JSON by `Accept`;
* `GET /requests/{id}`: one request: what was sent (and the contact, for curators), the
  proposed records as a readable view and as Turtle, the SHACL report of the proposal tried
  in a snapshot of the store, the duplicates and like requests, the form to edit the
  proposal;
* `POST /requests/{id}/draft`: keep a curator's edits of the proposal and show it again
  (nothing is created);
* `POST /requests/{id}/accept`: create the records through the write path (the edits of
  the form, or `{"draft": {...}}` in JSON, are kept first);
* `POST /requests/{id}/reject`: reject with a `reason` (form field, or `{"reason": ...}`).

Curators only: pages send anyone else to `/login` (an account without the role gets a
403); the JSON routes and every POST answer 401 / 403. POSTs carry the CSRF token (forms) or
a bearer token (scripts). The work is `kb.curation.request_decisions`; what a proposal is,
`kb.curation.request_proposals`. A proposal's check runs in a forked snapshot of the store;
it is remembered per request, draft and store generation, so the queue stays quick.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from kb.curation.record_changes import ChangeRefused
from kb.curation.request_choices import FormOptions, form_options
from kb.curation.request_decisions import (
    DecisionRefused,
    DraftInvalid,
    accept_request,
    current_draft,
    reject_request,
    review,
)
from kb.curation.request_fields import AUTHORITY_TYPES, OTHER_COUNTRY, FieldError
from kb.curation.request_proposals import (
    DRAFT_FIELDS,
    FLAGS,
    MULTILINE,
    MULTIPLE,
    Proposal,
    ProposalCheck,
    draft_from_form,
    duplicates_of,
    merge_draft,
    similar_requests,
)
from kb.curation.request_store import (
    STATUSES,
    PublicRequest,
    RequestDecided,
    RequestNotFound,
    RequestStore,
)
from kb.curation.similar_names import Match
from kb.namespaces import DCTERMS, SKOS
from kb.sources.canonical_turtle import canonical_turtle
from kb.web.auth import CsrfChecked, Curator, current_account
from kb.web.errors import error_response, wants_html
from kb.web.i18n import SEVERITY_WORDS
from kb.web.pages import KB, Page, labels_of, property_label
from kb.web.record_forms import curators_only
from kb.web.record_view import local_name
from kb.web.request_pages import FieldView, error_message, request_store

router = APIRouter()

#: The name a request is known by in the queue, by kind.
NAME_FIELDS = {"join": "authority_name", "cooperate": "organisation_name"}
COUNTRY_FIELDS = {"join": "country", "cooperate": "organisation_country"}
CHECKS_KEPT = 256
#: Requests on one page of the queue (each is checked in a trial the first time it is shown).
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


# -- reviewing a request ---------------------------------------------------------------------


@dataclass
class Review:
    """Everything the queue shows of one request."""

    request: PublicRequest
    proposal: Proposal
    check: ProposalCheck | None
    duplicates: list[Match]
    similar: list[tuple[PublicRequest, Match]]
    turtle: dict[str, str] = field(default_factory=dict)

    @property
    def can_accept(self) -> bool:
        c = self.check
        return bool(
            self.request.status == "pending"
            and c is not None
            and c.writable
            and not c.refused
            and not c.conflicts
        )


class CheckCache:
    """Proposal checks by (request, draft, store generation): a trial is not repeated."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[tuple[str, str, int], tuple[Proposal, ProposalCheck | None]]
        self.entries = OrderedDict()

    def review(
        self, kb: Any, request: PublicRequest, draft: dict[str, Any]
    ) -> tuple[Proposal, ProposalCheck | None]:
        key = (request.id, json.dumps(draft, sort_keys=True), getattr(kb.store, "generation", 0))
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
                return found
        found = review(kb, request, draft)
        if found[1] is not None and found[1].error:
            return found  # a trial that did not finish is tried again next time
        with self.lock:
            self.entries[key] = found
            while len(self.entries) > CHECKS_KEPT:
                self.entries.popitem(last=False)
        return found


def check_cache(request: Request) -> CheckCache:
    cache = getattr(request.app.state, "request_checks", None)
    if cache is None:
        cache = request.app.state.request_checks = CheckCache()
    return cache


def review_of(
    request: Request,
    kb: Any,
    item: PublicRequest,
    draft: dict[str, Any] | None = None,
    pending: list[PublicRequest] | None = None,
) -> Review:
    """A request's review (`pending`: the pending requests, when the caller has them)."""
    draft = draft if draft is not None else current_draft(kb, item)
    if item.status == "pending":
        proposal, check = check_cache(request).review(kb, item, draft)
    else:
        proposal, check = Proposal(item.id, draft, [], []), None
    if pending is None:
        pending = request_store(request).of_status("pending")
    base = kb.settings.base_iri
    return Review(
        item,
        proposal,
        check,
        duplicates_of(kb, item),
        similar_requests(item, pending),
        {r.iri: canonical_turtle(r.triples, base).decode("utf-8") for r in proposal.records},
    )


def review_json(page: Page, r: Review) -> dict[str, Any]:
    check = r.check
    return {
        "request": r.request.to_json(with_contact=True),
        "draft": r.proposal.draft,
        "draft_errors": {e.name: error_message(page, e) for e in r.proposal.errors},
        "records": [
            {
                "iri": rec.iri,
                "kind": rec.kind,
                "turtle": r.turtle[rec.iri],
                "exists": (
                    "same"
                    if check and rec.iri in check.done
                    else "other"
                    if check and rec.iri in check.conflicts
                    else None
                ),
            }
            for rec in r.proposal.records
        ],
        "validation": check.report.to_json(page.lang) if check and check.report else None,
        "writable": check.writable if check else None,
        "check_error": check.error or None if check else None,
        "can_accept": r.can_accept,
        "duplicates": [m.to_json() for m in r.duplicates],
        "similar_requests": [
            {"id": other.id, "status": other.status, **m.to_json()} for other, m in r.similar
        ],
    }


# -- the page's pieces ------------------------------------------------------------------------


def draft_fields(
    kb: Any, page: Page, r: Review, options: FormOptions, errors: dict[str, str]
) -> list[FieldView]:
    kind = r.request.kind
    draft = r.proposal.draft
    fields = []
    for name in DRAFT_FIELDS[kind]:
        value = draft.get(name, [] if name in MULTIPLE else "")
        control = (
            "checkbox"
            if name in FLAGS
            else "checkboxes"
            if name in MULTIPLE
            else "textarea"
            if name in MULTILINE
            else "text"
        )
        f = FieldView(
            name=name,
            label=page.t(f"rq_d_{name}"),
            control=control,
            value=value if isinstance(value, str) else "",
            values=list(value) if isinstance(value, list) else [],
            error=errors.get(name, ""),
        )
        if name == "authority":
            f.control = "radio"
            f.options = [("", page.t("rq_d_new_authority"))]
            found = [m.iri.rsplit("/", 1)[1] for m in r.duplicates]
            if f.value and f.value not in found:
                found.append(f.value)
            names = labels_of(
                kb.store,
                [ox.NamedNode(page.settings.record_iri("authority", s)) for s in found],
                page.lang,
            )
            f.options += [
                (s, f"{names.get(page.settings.record_iri('authority', s), s)} (id:authority/{s})")
                for s in found
            ]
        elif name == "authority_type":
            f.control = "radio"
            f.options = [(t, page.t(f"rq_o_{t}")) for t in AUTHORITY_TYPES]
        elif name == "country":
            f.control = "select"
            f.options = [("", page.t("rq_d_no_country"))] + [
                (o.value, o.name(page.lang)) for o in options.sorted_countries(page.lang)
            ]
        elif name == "practice_themes":
            f.options = [(o.value, o.name(page.lang)) for o in options.sorted_themes(page.lang)]
        elif name in ("membership_start", "practice_start", "practice_end"):
            f.hint = page.t("rq_h_date")
        fields.append(f)
    return fields


def readable(kb: Any, page: Page, r: Review) -> list[dict[str, Any]]:
    """The proposed records as a reader sees them: property names and values in words."""
    proposed = {rec.iri: rec for rec in r.proposal.records}
    linked = {
        t.object
        for rec in r.proposal.records
        for t in rec.triples
        if isinstance(t.object, ox.NamedNode)
    }
    names = labels_of(kb.store, linked, page.lang)
    names.update(proposed_names(r.proposal, page.lang))  # records not created yet
    for rec in r.proposal.records:
        if rec.kind == "membership":
            member = r.proposal.subject
            names[rec.iri] = f"{page.t('membership')} · {names.get(member, local_name(member))}"
    check = r.check
    out = []
    for rec in r.proposal.records:
        rows: dict[str, list[dict[str, str]]] = {}
        for t in sorted(rec.triples, key=lambda t: (t.predicate.value, str(t.object))):
            label = property_label(kb, t.predicate.value, page.lang)
            if isinstance(t.object, ox.NamedNode):
                iri = t.object.value
                value = {
                    "text": names.get(iri, iri),
                    "href": "" if iri in proposed else page.href(iri),
                }
            else:
                lit = t.object
                value = {
                    "text": str(getattr(lit, "value", lit)),
                    "lang": getattr(lit, "language", "") or "",
                }
            rows.setdefault(label, []).append(value)
        out.append(
            {
                "iri": rec.iri,
                "kind": rec.kind,
                "name": names.get(rec.iri, rec.iri.rsplit("/", 1)[1]),
                "rows": list(rows.items()),
                "turtle": r.turtle[rec.iri],
                "exists": (
                    "same"
                    if check and rec.iri in check.done
                    else "other"
                    if check and rec.iri in check.conflicts
                    else ""
                ),
            }
        )
    return out


def proposed_names(proposal: Proposal, lang: str) -> dict[str, str]:
    """The proposed records' own names (English name or title, in `lang` where given)."""
    names = {}
    for rec in proposal.records:
        given = {
            t.object.language: t.object.value
            for t in rec.triples
            if isinstance(t.object, ox.Literal)
            and t.predicate.value in (SKOS + "prefLabel", DCTERMS + "title")
        }
        best = given.get(lang) or given.get("en")
        if best:
            names[rec.iri] = best
    return names


def summary_of(page: Page, kb: Any, item: PublicRequest) -> dict[str, Any]:
    """What the queue's list shows of a request."""
    options = form_options(kb.store, kb.settings.base_iri)
    code = str(item.fields.get(COUNTRY_FIELDS[item.kind], ""))
    country = next((o.name(page.lang) for o in options.countries if o.value == code), code)
    if code == OTHER_COUNTRY:
        country = page.t("rq_o_other_country")
    return {
        "id": item.id,
        "kind": item.kind,
        "name": item.fields.get(NAME_FIELDS[item.kind], ""),
        "country": country,
        "received": item.received_iso,
        "status": item.status,
        "decided": item.decided_iso,
        "decided_by": item.decided_by,
        "records": [{"iri": iri, "href": page.href(iri)} for iri in item.records],
    }


def render_review(
    request: Request,
    kb: Any,
    r: Review,
    *,
    status: int = 200,
    banner: str = "",
    reject_error: str = "",
    extra_errors: list[FieldError] | None = None,
) -> Response:
    page = Page(request, kb.settings)
    if not wants_html(request):
        body = review_json(page, r)
        if status >= 400:
            body = {"error": _TITLES.get(status, "Error"), "detail": banner, **body}
        return JSONResponse(body, status_code=status, headers={"Vary": "Accept"})
    options = form_options(kb.store, kb.settings.base_iri)
    errors = {e.name: error_message(page, e) for e in [*r.proposal.errors, *(extra_errors or [])]}
    results = []
    if r.check is not None and r.check.report is not None:
        results = r.check.report.to_json(page.lang)["results"]
        for result in results:  # the severity in the page's language
            words = SEVERITY_WORDS.get(result["severity"], {})
            result["severity_word"] = words.get(page.lang, result["severity"])
    return page.render(
        "request_review.html",
        status=status,
        title=page.t("rq_request_title").format(id=r.request.id),
        item=r.request,
        summary=summary_of(page, kb, r.request),
        fields=sent_fields(kb, page, r.request),
        review=r,
        records=readable(kb, page, r),
        results=results,
        draft=draft_fields(kb, page, r, options, errors),
        draft_errors=bool(errors),
        banner=banner,
        reject_error=reject_error,
        headers={"Cache-Control": "no-store", "Vary": "Accept"},
    )


def sent_fields(kb: Any, page: Page, item: PublicRequest) -> list[tuple[str, str]]:
    """The request's fields as sent (labels of the public form; choices in words), contact
    apart."""
    options = form_options(kb.store, kb.settings.base_iri)
    countries = {o.value: o.name(page.lang) for o in options.countries}
    countries[OTHER_COUNTRY] = page.t("rq_o_other_country")
    themes = {o.value: o.name(page.lang) for o in options.themes}
    rows = []
    for name, value in item.fields.items():
        if name == "consent" or not value:
            continue
        if name in ("country", "organisation_country"):
            text = countries.get(str(value), str(value))
        elif name == "authority_type":
            text = page.t(f"rq_o_{value}")
        elif name == "practice_themes":
            text = ", ".join(themes.get(v, v) for v in value)
        else:
            text = ", ".join(value) if isinstance(value, list) else str(value)
        rows.append((page.t(f"rq_f_{name}"), text))
    return rows


_TITLES = {
    400: "Bad Request",
    404: "Not Found",
    409: "Conflict",
    422: "Unprocessable Content",
    503: "Service Unavailable",
}


# -- the routes -------------------------------------------------------------------------------


def require_curator(request: Request) -> Response | None:
    """None for a curator; a page to log in (browsers) or a 401 / 403 otherwise."""
    if wants_html(request):
        return curators_only(request)
    account = current_account(request)
    if account is None:
        raise HTTPException(
            401,
            "log in (/login) or send an API token: Authorization: Bearer TOKEN",
            headers={"WWW-Authenticate": 'Bearer realm="alliance-kb"'},
        )
    if not account.has_role("curator"):
        raise HTTPException(403, f"account {account.name!r} is not a curator")
    return None


def find(request: Request, kb: Any, request_id: str) -> PublicRequest | Response:
    try:
        return request_store(request).get(request_id)
    except RequestNotFound:
        page = Page(request, kb.settings)
        return error_response(request, 404, "Not Found", page.t("rq_not_found"))


@router.get("/requests")
def request_queue(
    request: Request, kb: KB, status: str = "pending", limit: int = PAGE_SIZE, offset: int = 0
) -> Response:
    """The requests of a status (pending by default), oldest pending first, `limit` (at most
    100) from the `offset`-th: each shown with its proposal checked, a page stays quick."""
    if (refused := require_curator(request)) is not None:
        return refused
    if status not in (*STATUSES, "all"):
        return error_response(
            request, 400, "Bad Request", f"status: one of {', '.join(STATUSES)}, all"
        )
    limit, offset = max(1, min(limit, MAX_PAGE_SIZE)), max(0, offset)
    store = request_store(request)
    items = store.of_status(None if status == "all" else status, limit, offset)
    pending = store.of_status("pending")
    page = Page(request, kb.settings)
    reviews = [review_of(request, kb, item, pending=pending) for item in items]
    counts = store.counts()
    total = sum(counts.values()) if status == "all" else counts[status]
    if not wants_html(request):
        return JSONResponse(
            {
                "status": status,
                "counts": counts,
                "total": total,
                "limit": limit,
                "offset": offset,
                "requests": [review_json(page, r) for r in reviews],
            },
            headers={"Vary": "Accept"},
        )
    return page.render(
        "requests.html",
        title=page.t("rq_queue_title"),
        shown_status=status,
        counts=counts,
        items=[
            {
                **summary_of(page, kb, r.request),
                "duplicates": r.duplicates,
                "check": r.check,
                "records": readable(kb, page, r),
            }
            for r in reviews
        ],
        previous=f"/requests?status={status}&offset={max(0, offset - limit)}&limit={limit}"
        if offset > 0
        else "",
        next=f"/requests?status={status}&offset={offset + limit}&limit={limit}"
        if offset + limit < total
        else "",
        first=offset + 1,
        last=offset + len(items),
        total=total,
        headers={"Cache-Control": "no-store", "Vary": "Accept"},
    )


@router.get("/requests/{request_id}")
def request_review(request_id: str, request: Request, kb: KB) -> Response:
    """One request, its proposal, the check of it, and the form to edit and decide."""
    if (refused := require_curator(request)) is not None:
        return refused
    item = find(request, kb, request_id)
    if isinstance(item, Response):
        return item
    return render_review(request, kb, review_of(request, kb, item))


async def given_draft(request: Request, kb: Any, item: PublicRequest) -> dict[str, Any] | None:
    """The draft a POST carries: the review form's fields, or JSON `{"draft": {...}}`
    (fields left out keep their value); None when it carries none."""
    mime = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if mime == "application/json":
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError as exc:
            raise HTTPException(400, f"the JSON body does not parse: {exc}") from exc
        given = body.get("draft") if isinstance(body, dict) else None
        if given is None:
            return None
        if not isinstance(given, dict):
            raise HTTPException(400, "draft: a JSON object of field names and values")
        try:
            return merge_draft(item.kind, current_draft(kb, item), given)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc
    form = await request.form()
    if "draft" not in form:
        return None
    values = {name: [str(v) for v in form.getlist(name)] for name in form}
    return draft_from_form(item.kind, values)


@router.post("/requests/{request_id}/draft")
async def save_draft(
    request_id: str, request: Request, kb: KB, account: Curator, _csrf: CsrfChecked
) -> Response:
    """Keep a curator's edits of the proposal, and show the request again."""
    item = find(request, kb, request_id)
    if isinstance(item, Response):
        return item
    draft = await given_draft(request, kb, item)
    store = request_store(request)
    if draft is not None:
        try:
            store.save_draft(request_id, draft)
        except RequestDecided as exc:
            return error_response(request, 409, "Conflict", str(exc))
        item = store.get(request_id)
    if wants_html(request):
        return RedirectResponse(
            f"/requests/{request_id}?lang={Page(request, kb.settings).lang}#proposal",
            status_code=303,
        )
    return render_review(request, kb, review_of(request, kb, item))


@router.post("/requests/{request_id}/accept")
async def accept(
    request_id: str, request: Request, kb: KB, account: Curator, _csrf: CsrfChecked
) -> Response:
    """Create the request's records through the write path."""
    item = find(request, kb, request_id)
    if isinstance(item, Response):
        return item
    draft = await given_draft(request, kb, item)
    store = request_store(request)
    try:
        done = await run_in_threadpool(accept_request, kb, store, account, request_id, draft)
    except (DecisionRefused, ChangeRefused, RequestDecided) as exc:
        return refused_decision(request, kb, store, request_id, exc)
    page = Page(request, kb.settings)
    if wants_html(request):
        return RedirectResponse(f"/requests/{request_id}?lang={page.lang}", status_code=303)
    return JSONResponse(
        {
            "request": done.request_id,
            "status": "accepted",
            "records": done.records,
            "changes": done.changes,
        }
    )


def refused_decision(
    request: Request, kb: Any, store: RequestStore, request_id: str, exc: Exception
) -> Response:
    """A refused acceptance: the review again with why (422 report, 409 records that
    exist or a request decided meanwhile, 503 no write path)."""
    status = 409 if isinstance(exc, RequestDecided) else getattr(exc, "status", 409)
    detail = getattr(exc, "detail", str(exc))
    extra = exc.errors if isinstance(exc, DraftInvalid) else None
    r = review_of(request, kb, store.get(request_id))
    return render_review(request, kb, r, status=status, banner=detail, extra_errors=extra)


@router.post("/requests/{request_id}/reject")
async def reject(
    request_id: str, request: Request, kb: KB, account: Curator, _csrf: CsrfChecked
) -> Response:
    """Reject a request with a reason."""
    item = find(request, kb, request_id)
    if isinstance(item, Response):
        return item
    reason = await given_reason(request)
    store = request_store(request)
    page = Page(request, kb.settings)
    try:
        reject_request(store, account, request_id, reason)
    except DecisionRefused as exc:
        r = review_of(request, kb, item)
        return render_review(
            request,
            kb,
            r,
            status=exc.status,
            banner=exc.detail,
            reject_error=page.t("rq_reject_needs_reason"),
        )
    except RequestDecided as exc:
        return render_review(
            request, kb, review_of(request, kb, store.get(request_id)), status=409, banner=str(exc)
        )
    if wants_html(request):
        return RedirectResponse(f"/requests?lang={page.lang}", status_code=303)
    return JSONResponse({"request": request_id, "status": "rejected"})


async def given_reason(request: Request) -> str:
    mime = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if mime == "application/json":
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError as exc:
            raise HTTPException(400, f"the JSON body does not parse: {exc}") from exc
        value = body.get("reason") if isinstance(body, dict) else None
        return value if isinstance(value, str) else ""
    form = await request.form()
    value = form.get("reason")
    return value if isinstance(value, str) else ""
