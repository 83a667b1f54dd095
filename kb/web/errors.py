"""Errors as JSON for API clients and as HTML for browsers, never a stack trace."""

from __future__ import annotations

import html
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("kb.web")


def wants_html(request: Request) -> bool:
    """True when the client prefers HTML to JSON (a browser), by its Accept header."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept.split("text/html")[0]


def error_response(
    request: Request,
    status: int,
    error: str,
    detail: str = "",
    headers: dict[str, str] | None = None,
) -> Response:
    if wants_html(request):
        try:  # the site's own error page (templates/), in the visitor's language
            from kb.web.pages import render_error_page

            page = render_error_page(request, status, error, detail)
            page.headers.update(headers or {})
            return page
        except Exception:  # a broken template must not hide the error: the plain page below
            log.exception("error page template failed")
        body = (
            f"<!doctype html><html lang=en><meta charset=utf-8><title>{status} {html.escape(error)}"
            f"</title><main><h1>{status} {html.escape(error)}</h1>"
            f'<p>{html.escape(detail)}</p><p><a href="/">Home</a></p></main></html>'
        )
        return HTMLResponse(body, status_code=status, headers=headers)
    return JSONResponse({"error": error, "detail": detail}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {
            404: "Not Found",
            405: "Method Not Allowed",
            406: "Not Acceptable",
            413: "Payload Too Large",
            414: "URI Too Long",
            400: "Bad Request",
            401: "Unauthorized",
            403: "Forbidden",
            409: "Conflict",
            429: "Too Many Requests",
            503: "Service Unavailable",
        }
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return error_response(
            request,
            exc.status_code,
            titles.get(exc.status_code, "Error"),
            detail,
            dict(exc.headers or {}),
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        return error_response(request, 400, "Bad Request", detail)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(
            request,
            500,
            "Internal Server Error",
            "The server could not answer this request; the error is logged.",
        )
