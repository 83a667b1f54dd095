"""The history of changes: per record, across the knowledge base, as Atom, and revert.

| route | what |
| --- | --- |
| `GET /id/{kind}/{slug}/history` | the record's changes, newest first (HTML, or JSON by `Accept`) |
| `GET /changes` | recent changes (`?limit=`, default 50, at most 1000), HTML or JSON |
| `GET /changes/{id}` | one change: time, account, reason, triples removed and added |
| `GET /changes.atom` | the recent changes as an Atom feed |
| `POST /changes/{id}/revert` | undo a change, as a new change validated like any write (curators) |

The history is the journal of `kb.curation.history` (in the state directory); IRIs are
shown with the configured base.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from kb.config import CANONICAL_BASE_IRI, Settings
from kb.curation.history import Change
from kb.curation.record_changes import ChangeRefused, revert_change, writer_for
from kb.web.auth import CsrfChecked, Curator
from kb.web.errors import error_response, wants_html
from kb.web.pages import KB, Page
from kb.web.record_writes import accepted, change_reason, refusal

router = APIRouter()

MAX_LIMIT = 1000


def shown(settings: Settings, text: str) -> str:
    """An IRI or N-Triples line of the journal with the configured base."""
    if settings.base_iri == CANONICAL_BASE_IRI:
        return text
    return text.replace(CANONICAL_BASE_IRI, settings.base_iri)


def change_json(settings: Settings, change: Change) -> dict[str, Any]:
    return {
        "id": change.id,
        "time": change.time,
        "account": change.account,
        "reason": change.reason,
        "record": shown(settings, change.record),
        "action": change.action,
        "revert_of": change.revert_of,
        "removed": [shown(settings, line) for line in change.removed_lines()],
        "added": [shown(settings, line) for line in change.added_lines()],
    }


def record_path(settings: Settings, iri: str) -> str:
    base = settings.base_iri
    return "/" + iri[len(base) :] if iri.startswith(base) else iri


def wants_json(request: Request) -> bool:
    return not wants_html(request) or request.query_params.get("format") == "json"


def render_changes(
    request: Request, kb: Any, changes: list[Change], title: str, record: str | None = None
) -> Response:
    settings = kb.settings
    if wants_json(request):
        body: dict[str, Any] = {"changes": [change_json(settings, c) for c in changes]}
        if record is not None:
            body = {"record": record, **body}
        return JSONResponse(body, headers={"Vary": "Accept"})
    page = Page(request, settings)
    rows = [
        {**change_json(settings, c), "href": record_path(settings, shown(settings, c.record))}
        for c in changes
    ]
    return page.render(
        "history.html",
        title=title,
        changes=rows,
        record=record,
        record_href=record_path(settings, record) if record else "",
        can_revert=bool(page.account and page.account.has_role("curator")),
        headers={"Vary": "Accept"},
    )


@router.get("/id/{kind}/{slug}/history")
def record_history(kind: str, slug: str, request: Request, kb: KB) -> Response:
    """Every change to the record, newest first."""
    iri = kb.settings.record_iri(kind, slug)
    canonical = iri.replace(kb.settings.base_iri, CANONICAL_BASE_IRI, 1)
    changes = writer_for(kb.settings).journal.of_record(canonical)
    page = Page(request, kb.settings)
    return render_changes(request, kb, changes, f"{page.t('history_of')} /id/{kind}/{slug}", iri)


@router.get("/changes")
def recent_changes(request: Request, kb: KB, limit: int = 50) -> Response:
    """Recent changes across the knowledge base, newest first."""
    limit = max(1, min(limit, MAX_LIMIT))
    changes = writer_for(kb.settings).journal.changes()[:limit]
    page = Page(request, kb.settings)
    return render_changes(request, kb, changes, page.t("changes_title"))


@router.get("/changes.atom")
def changes_feed(request: Request, kb: KB, limit: int = 50) -> Response:
    """The recent changes as an Atom 1.0 feed (RFC 4287)."""
    settings = kb.settings
    limit = max(1, min(limit, MAX_LIMIT))
    changes = writer_for(settings).journal.changes()[:limit]
    base = (settings.public_url or str(request.base_url)).rstrip("/")
    updated = changes[0].time if changes else datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    entries = []
    for c in changes:
        record = shown(settings, c.record)
        lines = [f"- {line}" for line in c.removed_lines()] + [
            f"+ {line}" for line in c.added_lines()
        ]
        summary = f"{c.action} {record}" + (f": {c.reason}" if c.reason else "")
        entries.append(
            "<entry>"
            f"<id>{escape(base)}/changes/{c.id}</id>"
            f"<title>{escape(f'#{c.id} {c.action} {record_path(settings, record)}')}</title>"
            f"<updated>{c.time}</updated>"
            f"<author><name>{escape(c.account)}</name></author>"
            f'<link rel="alternate" href="{escape(base + record_path(settings, record))}"/>'
            f'<link rel="related" href="{escape(base)}/changes/{c.id}"/>'
            f"<summary>{escape(summary)}</summary>"
            f'<content type="text">{escape(chr(10).join(lines))}</content>'
            "</entry>"
        )
    feed = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{escape(base)}/changes</id>"
        "<title>Roma Inclusion Alliance knowledge base: recent changes</title>"
        f"<updated>{updated}</updated>"
        f'<link rel="self" href="{escape(base)}/changes.atom"/>'
        f'<link rel="alternate" href="{escape(base)}/changes"/>'
        "<generator>alliance-kb</generator>" + "".join(entries) + "</feed>\n"
    )
    return Response(feed, media_type="application/atom+xml")


@router.get("/changes/{change_id}")
def one_change(change_id: int, request: Request, kb: KB) -> Response:
    change = writer_for(kb.settings).journal.change(change_id)
    if change is None:
        return error_response(request, 404, "Not Found", f"no change {change_id}")
    page = Page(request, kb.settings)
    return render_changes(request, kb, [change], f"{page.t('change')} {change_id}")


@router.post("/changes/{change_id}/revert")
async def revert(
    change_id: int, request: Request, kb: KB, account: Curator, _csrf: CsrfChecked
) -> Response:
    """Undo a change as a new change (validated like any write)."""
    reason = change_reason(request)
    from_form = "form" in request.headers.get("content-type", "")
    if from_form:
        form = await request.form()
        reason = str(form.get("reason") or "").strip() or reason
    try:
        outcome = await run_in_threadpool(revert_change, kb, account, change_id, reason)
    except ChangeRefused as exc:
        if from_form or wants_html(request):
            return error_response(request, exc.status, exc.title, exc.detail)
        return refusal(request, exc)
    if from_form:
        target = record_path(kb.settings, outcome.record) + "/history"
        return RedirectResponse(target, status_code=303)
    return accepted(request, outcome)
