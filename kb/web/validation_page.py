"""Validation: the `/validate` page, and `POST /validate` for forms and API clients."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from kb.store.embedded import KnowledgeStore
from kb.web.errors import wants_html
from kb.web.pages import KB, Page, not_acceptable, sparql_iri
from kb.web.record_view import FORMAT_BY_KEY, Format, negotiate

router = APIRouter()


@router.get("/validate", include_in_schema=False)
def validate_page(request: Request, kb: KB) -> Response:
    page = Page(request, kb.settings)
    return page.render("validate.html", title=page.t("validate_title"), data="", fmt="text/turtle")


UPLOAD_FORMATS = {
    "text/turtle": "Turtle",
    "application/ld+json": "JSON-LD",
    "application/n-triples": "N-Triples",
}


class TooLargeError(Exception):
    pass


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLargeError
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLargeError
        chunks.append(chunk)
    return b"".join(chunks)


UPLOAD_BODY = {  # what POST /validate reads, for the OpenAPI document
    "requestBody": {
        "required": True,
        "content": {
            "text/turtle": {"schema": {"type": "string"}},
            "application/n-triples": {"schema": {"type": "string"}},
            "application/ld+json": {"schema": {"type": "object"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "data": {"type": "string"},
                        "format": {
                            "type": "string",
                            "enum": ["text/turtle", "application/ld+json", "application/n-triples"],
                        },
                    },
                }
            },
        },
    }
}


@router.post("/validate", openapi_extra=UPLOAD_BODY)
async def validate(request: Request, kb: KB) -> Response:
    """SHACL-validate a Turtle, JSON-LD or N-Triples body; the report as JSON or Turtle.

    A browser's form (the /validate page) gets the report as an HTML page. Nothing is stored.
    """
    limit = kb.settings.max_body_bytes
    content_type = request.headers.get("content-type", "")
    mime = content_type.split(";", 1)[0].strip().lower()
    from_form = mime in ("multipart/form-data", "application/x-www-form-urlencoded")
    page = Page(request, kb.settings)
    try:
        if from_form:
            declared = request.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limit + 64_000:
                raise TooLargeError
            try:
                form = await request.form(max_part_size=limit + 1)
            except StarletteHTTPException as exc:
                if "exceeded" in str(exc.detail).lower() or "size" in str(exc.detail).lower():
                    raise TooLargeError from exc
                raise
            upload = form.get("file")
            data = b""
            if upload is not None and not isinstance(upload, str):
                data = await upload.read(limit + 1)
            if not data:
                text = form.get("data")
                data = text.encode("utf-8") if isinstance(text, str) else b""
            if len(data) > limit:
                raise TooLargeError
            fmt_field = form.get("format")
            media_type = fmt_field if isinstance(fmt_field, str) else "text/turtle"
        else:
            data = await _read_limited(request, limit)
            media_type = mime
    except TooLargeError:
        return _validate_error(
            request, page, 413, "Payload Too Large", f"the body is over {limit} bytes", from_form
        )
    if from_form and media_type not in UPLOAD_FORMATS:
        media_type = "text/turtle"
    if not from_form and mime not in (
        *UPLOAD_FORMATS,
        "application/x-turtle",
        "application/json",
        "text/plain",
    ):
        return _validate_error(
            request,
            page,
            415,
            "Unsupported Media Type",
            "send Turtle (text/turtle), JSON-LD (application/ld+json) or N-Triples "
            "(application/n-triples)",
            from_form,
        )
    refused = _remote_context(data, media_type)
    if refused:
        return _validate_error(request, page, 400, "Bad Request", refused, from_form, data)
    try:
        from kb.validation.validator import validate_upload
    except ImportError:  # pragma: no cover - the validator lands with its own issue
        return _validate_error(
            request, page, 503, "Service Unavailable", page.t("validator_missing"), from_form
        )
    from kb.sources.rdf_files import InputError

    try:
        # SHACL is CPU-bound: off the event loop, so other requests are still answered.
        report = await run_in_threadpool(
            kb.isolated, lambda store: validate_upload(kb.settings, data, media_type, store)
        )
    except InputError as exc:
        status = 415 if type(exc).__name__ == "UnsupportedMediaTypeError" else 400
        return _validate_error(
            request, page, status, "Bad Request", exc.located(), from_form, data, media_type
        )
    accept = request.headers.get("accept", "")
    if from_form or (wants_html(request) and "text/turtle" not in accept):
        return page.render(
            "validate.html",
            title=page.t("validate_title"),
            data=data.decode("utf-8", "replace"),
            fmt=media_type,
            report=report,
            groups=_grouped(report, page, kb.store),
            headers={"Vary": "Accept"},
        )
    report_formats = [
        Format("json", "application/json", ".json", None),
        FORMAT_BY_KEY["turtle"],
    ]
    chosen = negotiate(accept, report_formats)
    if chosen is None:
        return not_acceptable(report_formats)
    if chosen.key == "turtle":
        return Response(report.to_turtle(), media_type="text/turtle", headers={"Vary": "Accept"})
    return JSONResponse(report.to_json(page.lang), headers={"Vary": "Accept"})


def _remote_context(data: bytes, media_type: str) -> str:
    """Why a JSON-LD upload is refused (it names a remote @context), or ""."""
    if "json" not in media_type:
        return ""
    try:
        doc = json.loads(data)
    except ValueError:
        return ""  # the parser reports the syntax error with its position

    def remote(node: Any) -> bool:
        if isinstance(node, dict):
            ctx = node.get("@context")
            if ctx is not None and _names_remote(ctx):
                return True
            return any(remote(v) for v in node.values())
        if isinstance(node, list):
            return any(remote(v) for v in node)
        return False

    if remote(doc):
        return "remote JSON-LD contexts are not fetched: give the @context inline"
    return ""


def _names_remote(ctx: Any) -> bool:
    if isinstance(ctx, str):
        return True
    if isinstance(ctx, list):
        return any(_names_remote(c) for c in ctx)
    if isinstance(ctx, dict):
        return "@import" in ctx
    return False


def _validate_error(
    request: Request,
    page: Page,
    status: int,
    error: str,
    detail: str,
    from_form: bool,
    data: bytes = b"",
    media_type: str = "text/turtle",
) -> Response:
    if from_form or wants_html(request):
        return page.render(
            "validate.html",
            status=status,
            title=page.t("validate_title"),
            data=data.decode("utf-8", "replace")[:200_000],
            fmt=media_type if media_type in UPLOAD_FORMATS else "text/turtle",
            error=detail,
        )
    return JSONResponse({"error": error, "detail": detail}, status_code=status)


def _grouped(report: Any, page: Page, store: KnowledgeStore) -> list[dict[str, Any]]:
    """The results by record (focus node); records already in the knowledge base are linked."""
    groups: dict[str, dict[str, Any]] = {}
    for r in report.results:
        key = str(r.focus_node)
        group = groups.setdefault(
            key, {"node": report.shorten(r.focus_node), "href": "", "results": []}
        )
        if (
            not group["href"]
            and key.startswith(page.settings.base_iri + "id/")
            and store.ask(f"ASK {{ {sparql_iri(key)} ?p ?o }}")
        ):
            group["href"] = page.href(key)
        group["results"].append(
            {
                "severity": r.severity,
                "severity_text": page.t("severity_" + r.severity.lower()),
                "path": report.shorten(r.result_path) if r.result_path is not None else "",
                "value": report.shorten(r.value) if r.value is not None else "",
                "message": r.message(page.lang),
            }
        )
    return list(groups.values())
