"""The public request forms: `GET|POST /join` (a city or region asks to take part in the
Alliance) and `GET|POST /cooperate` (an NGO proposes cooperation), in English and French.

A submission is checked at once (`kb.curation.request_fields`): on a mistake the form comes
back with every value typed and a message next to each field to correct, in the form's
language (the `lang` of the page, carried by the form's address), plus a summary at the top
linking to those fields. A correct one becomes a pending request in the state directory
(`kb.curation.request_store`), never a record; the browser is sent to `/{kind}/sent`.

Abuse, in the order it is checked:

1. the body: `Content-Length` required (411) and at most `ALLIANCE_REQUEST_MAX_BYTES` (413),
   refused before it is read; each field has its own length limit besides;
2. the rate: `ALLIANCE_REQUEST_RATE_LIMIT` submissions per client address per
   `ALLIANCE_REQUEST_RATE_WINDOW_S` (`kb.curation.submission_limits`): 429 with
   `Retry-After`, the form kept;
3. the CSRF token (`kb.web.auth`, double submit for anonymous forms): a 403 with the form
   kept and a fresh token, so sending it again works;
4. the honeypot (a field `website` that people never see): a robot that fills it gets the
   same "thank you" as anyone, and nothing is stored;
5. the store's cap (`ALLIANCE_REQUESTS_MAX_STORED`): 503 with the form kept.

Nothing typed is ever put into a page unescaped (Jinja's autoescape), and the pages keep the
site's `Content-Security-Policy` (`default-src 'self'`, no inline script: the forms need
none). API clients (no `text/html` in `Accept`) get JSON: 202 `{"received": true}`, or
`{"error", "detail", "fields": {name: message}}`.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from kb.config import Settings
from kb.curation.request_choices import FormOptions, form_options
from kb.curation.request_fields import (
    AUTHORITY_TYPES,
    FIELDS,
    HONEYPOT,
    OTHER_COUNTRY,
    FieldError,
    check_submission,
)
from kb.curation.request_store import RequestStore, StoreFull
from kb.curation.submission_limits import SubmissionLimit
from kb.web.auth import check_csrf
from kb.web.errors import error_response, wants_html
from kb.web.pages import KB, Page

log = logging.getLogger("kb.requests")
router = APIRouter()

#: The form's sections: their heading, and their fields in order.
SECTIONS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "join": (
        (
            "rq_section_authority",
            (
                "authority_name",
                "authority_name_en",
                "authority_name_fr",
                "authority_type",
                "country",
            ),
        ),
        ("rq_section_request", ("motivation",)),
        (
            "rq_section_practice",
            (
                "practice_title",
                "practice_description",
                "practice_themes",
                "practice_start_year",
                "practice_end_year",
            ),
        ),
        ("rq_section_contact", ("contact_name", "contact_role", "contact_email", "contact_phone")),
        ("rq_section_consent", ("consent",)),
    ),
    "cooperate": (
        (
            "rq_section_organisation",
            (
                "organisation_name",
                "organisation_name_en",
                "organisation_name_fr",
                "organisation_country",
                "field_of_work",
            ),
        ),
        ("rq_section_request", ("proposal",)),
        ("rq_section_contact", ("contact_name", "contact_role", "contact_email", "contact_phone")),
        ("rq_section_consent", ("consent",)),
    ),
}
#: How each field is entered, where it is not a one-line text.
CONTROLS = {
    "authority_type": "radio",
    "country": "select",
    "organisation_country": "select",
    "practice_themes": "checkboxes",
    "consent": "consent",
    "contact_email": "email",
    "contact_phone": "tel",
    "practice_start_year": "year",
    "practice_end_year": "year",
}
AUTOCOMPLETE = {
    "contact_name": "name",
    "contact_role": "organization-title",
    "contact_email": "email",
    "contact_phone": "tel",
    "organisation_name": "organization",
}
HINTS = {
    "authority_name": "rq_h_authority_name",
    "contact_role": "rq_h_contact_role",
    "contact_phone": "rq_h_contact_phone",
    "practice_end_year": "rq_h_practice_end_year",
    "field_of_work": "rq_h_field_of_work",
}


@dataclass
class FieldView:
    """One field as a template draws it (the public forms, and the curators' form that
    edits a request's proposal)."""

    name: str
    label: str
    control: str
    required: bool = False
    max_length: int = 0
    value: str = ""
    values: list[str] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""
    hint: str = ""
    autocomplete: str = ""


# -- the state the routes share ---------------------------------------------------------------


def open_requests(app: Any) -> RequestStore:
    """The requests of the app's state directory, opened (and the retention period applied)
    on first use."""
    store = getattr(app.state, "requests", None)
    if store is None:
        settings: Settings = app.state.kb.settings
        store = RequestStore(
            settings.state_dir, settings.request_retention_days, settings.requests_max_stored
        )
        store.purge()
        app.state.requests = store
    return store


def request_store(request: Request) -> RequestStore:
    return open_requests(request.app)


def purge_at_start(app: Any) -> None:
    """Apply the retention period when the server starts (a state directory that cannot be
    written is logged, not fatal: a read replica serves no forms anyway)."""
    try:
        open_requests(app)
    except (OSError, sqlite3.Error) as exc:
        log.warning("public requests: cannot open the state directory's requests: %s", exc)


def submission_limit(request: Request) -> SubmissionLimit:
    limit = getattr(request.app.state, "submission_limit", None)
    if limit is None:
        settings: Settings = request.app.state.kb.settings
        limit = SubmissionLimit(
            settings.state_dir, settings.request_rate_limit, settings.request_rate_window_s
        )
        request.app.state.submission_limit = limit
    return limit


def error_message(page: Page, error: FieldError) -> str:
    """A field's error in the page's language."""
    code = error.code
    if code == "required" and error.name == "consent":
        code = "consent"
    elif code == "required" and error.name in ("authority_type", "country", "organisation_country"):
        code = "required_choice"
    return page.t(f"rq_err_{code}").format(**error.params)


# -- drawing the form --------------------------------------------------------------------------


def field_views(
    page: Page,
    kind: str,
    options: FormOptions,
    values: dict[str, Any],
    errors: dict[str, str],
) -> list[tuple[str, list[FieldView]]]:
    specs = {spec.name: spec for spec in FIELDS[kind]}
    days = page.settings.request_retention_days
    sections = []
    for heading, names in SECTIONS[kind]:
        views = []
        for name in names:
            spec = specs[name]
            control = CONTROLS.get(name, "textarea" if spec.multiline else "text")
            value = values.get(name, [] if spec.multiple else "")
            view = FieldView(
                name=name,
                label=page.t(f"rq_f_{name}"),
                control=control,
                required=spec.required,
                max_length=spec.max_length,
                value=value if isinstance(value, str) else "",
                values=list(value) if isinstance(value, list) else [],
                error=errors.get(name, ""),
                hint=page.t(HINTS[name]) if name in HINTS else "",
                autocomplete=AUTOCOMPLETE.get(name, ""),
            )
            if name == "authority_type":
                view.options = [(t, page.t(f"rq_o_{t}")) for t in AUTHORITY_TYPES]
            elif name in ("country", "organisation_country"):
                view.options = [
                    (o.value, o.name(page.lang)) for o in options.sorted_countries(page.lang)
                ]
                if name == "organisation_country":
                    view.options.append((OTHER_COUNTRY, page.t("rq_o_other_country")))
            elif name == "practice_themes":
                view.options = [
                    (o.value, o.name(page.lang)) for o in options.sorted_themes(page.lang)
                ]
            elif name == "consent":
                view.hint = page.t("rq_consent_text").format(days=days)
            views.append(view)
        sections.append((page.t(heading), views))
    return sections


def render_form(
    request: Request,
    kb: Any,
    kind: str,
    *,
    status: int = 200,
    values: dict[str, Any] | None = None,
    errors: list[FieldError] | None = None,
    banner: str = "",
    headers: dict[str, str] | None = None,
) -> Response:
    """The form (HTML), or for API clients its refusal as JSON."""
    page = Page(request, kb.settings)
    messages = {e.name: error_message(page, e) for e in errors or []}
    if not wants_html(request) and status >= 400:
        detail = banner or page.t("rq_errors_summary").format(n=len(messages))
        body = {"error": _TITLES.get(status, "Error"), "detail": detail, "fields": messages}
        return JSONResponse(body, status_code=status, headers=headers)
    options = form_options(kb.store, kb.settings.base_iri)
    sections = field_views(page, kind, options, values or {}, messages)
    labels = {v.name: v.label for _, views in sections for v in views}
    return page.render(
        "request_form.html",
        status=status,
        headers=headers,
        title=page.t(f"rq_{kind}_title"),
        kind=kind,
        sections=sections,
        errors=[(name, labels.get(name, name), message) for name, message in messages.items()],
        banner=banner,
        honeypot=HONEYPOT,
    )


_TITLES = {
    403: "Forbidden",
    411: "Length Required",
    413: "Payload Too Large",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    503: "Service Unavailable",
}


# -- the routes ---------------------------------------------------------------------------------


@router.get("/join", include_in_schema=False)
def join_form(request: Request, kb: KB) -> Response:
    """The form of a city or region asking to take part in the Alliance."""
    return render_form(request, kb, "join")


@router.get("/cooperate", include_in_schema=False)
def cooperate_form(request: Request, kb: KB) -> Response:
    """The form of an NGO proposing cooperation."""
    return render_form(request, kb, "cooperate")


@router.post("/join", include_in_schema=False)
async def join(request: Request, kb: KB) -> Response:
    return await submit(request, kb, "join")


@router.post("/cooperate", include_in_schema=False)
async def cooperate(request: Request, kb: KB) -> Response:
    return await submit(request, kb, "cooperate")


@router.get("/join/sent", include_in_schema=False)
@router.get("/cooperate/sent", include_in_schema=False)
def sent(request: Request, kb: KB) -> Response:
    """The thanks after a request was received (it shows nothing of what was sent)."""
    page = Page(request, kb.settings)
    text = page.t("rq_sent_text").format(days=kb.settings.request_retention_days)
    return page.render("request_sent.html", title=page.t("rq_sent_title"), text=text)


async def submit(request: Request, kb: Any, kind: str) -> Response:
    """A submission of the `kind` form (see the module's docstring for the order)."""
    settings: Settings = kb.settings
    page = Page(request, settings)
    limit = settings.request_max_bytes
    declared = request.headers.get("content-length")
    if declared is None:
        return error_response(request, 411, "Length Required", page.t("rq_length_required"))
    if not declared.isdigit() or int(declared) > limit:
        return error_response(
            request, 413, "Payload Too Large", page.t("rq_too_large").format(max=limit)
        )
    token_refused = False
    try:
        await check_csrf(request)
    except HTTPException:
        token_refused = True
    form = await request.form()
    values = {
        name: [v for v in form.getlist(name) if not isinstance(v, UploadFile)] for name in form
    }
    typed = {
        spec.name: values.get(spec.name, []) if spec.multiple else _first(values.get(spec.name))
        for spec in FIELDS[kind]
    }
    client = request.client.host if request.client else "unknown"
    retry_after = submission_limit(request).attempt(client)
    if retry_after is not None:
        log.info("request form %s: rate limit for a client (retry in %d s)", kind, retry_after)
        minutes = max(1, (retry_after + 59) // 60)
        return render_form(
            request,
            kb,
            kind,
            status=429,
            values=typed,
            banner=page.t("rq_too_many").format(minutes=minutes),
            headers={"Retry-After": str(retry_after)},
        )
    if token_refused:
        return render_form(
            request, kb, kind, status=403, values=typed, banner=page.t("rq_token_expired")
        )
    if any(v.strip() for v in values.get(HONEYPOT, [])):
        log.info("request form %s: honeypot filled, nothing stored", kind)
        return received(request, kind, page.lang)
    options = form_options(kb.store, settings.base_iri)
    checked = check_submission(kind, values, options.choices(datetime.now(UTC).year))
    if not checked.ok:
        return render_form(
            request, kb, kind, status=422, values=checked.values, errors=checked.errors
        )
    try:
        stored = request_store(request).submit(
            kind, page.lang, checked.public_fields(), checked.contact()
        )
    except StoreFull as exc:
        log.warning("request form %s refused: %s", kind, exc)
        return render_form(
            request, kb, kind, status=503, values=checked.values, banner=page.t("rq_store_full")
        )
    log.info("request %s (%s) received", stored.id, kind)
    return received(request, kind, page.lang)


def received(request: Request, kind: str, lang: str) -> Response:
    if wants_html(request):
        return RedirectResponse(f"/{kind}/sent?lang={lang}", status_code=303)
    return JSONResponse({"received": True}, status_code=202)


def _first(values: list[Any] | None) -> str:
    return str(values[0]) if values else ""
