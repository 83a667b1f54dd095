"""Writing records: `PUT` and `DELETE /id/{kind}/{slug}` (curators; the contract's table).

`PUT` takes the record's complete new description (Turtle, JSON-LD or N-Triples; relative
IRIs resolve against the record: `<>` is the record, `<#x>` a node it owns), `If-Match`
with the ETag of the version edited (or `If-None-Match: *` to create), and a reason
(`?reason=` or `X-Change-Reason`). Answers: 201 created / 200 updated, with the new `ETag`
and the warnings; 422 with the SHACL report (as `alliance-kb validate --format json`) when
the knowledge base with the change would have violations; 400 unparsable body (line:col);
401 / 403 / 412 / 428 / 413 / 415; 503 on a server without a write path (external store).
`DELETE` answers 204, or 422 naming the records that link to it. Browsers write with their
session cookie and the `X-CSRF-Token` header; scripts with `Authorization: Bearer TOKEN`.
All the work is `kb.curation.record_changes.apply_record_change`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from kb.curation.record_changes import (
    ChangeOutcome,
    ChangeRefused,
    InvalidChange,
    RecordInUse,
    apply_record_change,
    parse_record_body,
)
from kb.web import i18n
from kb.web.auth import CsrfChecked, Curator
from kb.web.pages import KB

router = APIRouter()


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing more than `limit` bytes without reading them all."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def change_reason(request: Request) -> str:
    """The reason given for a change (`?reason=` or the `X-Change-Reason` header)."""
    return (request.query_params.get("reason") or request.headers.get("x-change-reason") or "")[
        :2000
    ].strip()


def refusal(request: Request, exc: ChangeRefused) -> JSONResponse:
    """A refused change as JSON: `error`, `detail`, and the SHACL report or the links."""
    body: dict[str, Any] = {"error": exc.title, "detail": exc.detail}
    if isinstance(exc, InvalidChange):
        body.update(exc.report.to_json(i18n.choose_language(request)))
    if isinstance(exc, RecordInUse):
        body["linked_from"] = exc.linking
    return JSONResponse(body, status_code=exc.status)


def accepted(request: Request, outcome: ChangeOutcome) -> Response:
    headers = {"ETag": outcome.etag} if outcome.etag else {}
    if outcome.change_id is not None:
        headers["X-Change-Id"] = str(outcome.change_id)
    if outcome.status == 204:
        return Response(status_code=204, headers=headers)
    if outcome.status == 201:
        headers["Location"] = request.url.path
    lang = i18n.choose_language(request)
    report = outcome.report.to_json(lang) if outcome.report is not None else None
    return JSONResponse(
        {
            "record": outcome.record,
            "change": outcome.change_id,
            "etag": outcome.etag,
            "warnings": report["results"] if report else [],
        },
        status_code=outcome.status,
        headers=headers,
    )


#: What PUT reads, for the OpenAPI document (FastAPI cannot see a body read by hand).
RECORD_BODY: dict[str, Any] = {
    "parameters": [
        {"name": "If-Match", "in": "header", "schema": {"type": "string"}},
        {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}},
        {"name": "X-Change-Reason", "in": "header", "schema": {"type": "string"}},
    ],
    "requestBody": {
        "required": True,
        "content": {
            "text/turtle": {"schema": {"type": "string"}},
            "application/n-triples": {"schema": {"type": "string"}},
            "application/ld+json": {"schema": {"type": "object"}},
        },
    },
}


@router.put("/id/{kind}/{slug}", status_code=200, openapi_extra=RECORD_BODY)
async def put_record(
    kind: str, slug: str, request: Request, kb: KB, account: Curator, _csrf: CsrfChecked
) -> Response:
    """Create or replace a record (see the module's docstring)."""
    limit = kb.settings.max_body_bytes
    try:
        body = await read_body(request, limit)
    except BodyTooLarge:
        return JSONResponse(
            {"error": "Payload Too Large", "detail": f"the body is over {limit} bytes"},
            status_code=413,
        )
    iri = kb.settings.record_iri(kind, slug)
    try:
        triples = parse_record_body(kb.settings, iri, body, request.headers.get("content-type", ""))
        outcome = await run_in_threadpool(
            apply_record_change,
            kb,
            account,
            iri,
            triples,
            change_reason(request),
            request.headers.get("if-match"),
            request.headers.get("if-none-match"),
        )
    except ChangeRefused as exc:
        return refusal(request, exc)
    return accepted(request, outcome)


@router.delete(
    "/id/{kind}/{slug}", status_code=204, openapi_extra={"parameters": RECORD_BODY["parameters"]}
)
async def delete_record(
    kind: str, slug: str, request: Request, kb: KB, account: Curator, _csrf: CsrfChecked
) -> Response:
    """Delete a record (`If-Match` required); 422 while other records link to it."""
    iri = kb.settings.record_iri(kind, slug)
    try:
        outcome = await run_in_threadpool(
            apply_record_change,
            kb,
            account,
            iri,
            None,
            change_reason(request),
            request.headers.get("if-match"),
            request.headers.get("if-none-match"),
        )
    except ChangeRefused as exc:
        return refusal(request, exc)
    return accepted(request, outcome)
