"""`/search?q=`: full-text search over every record and concept, for people and scripts.

HTML for browsers (a form, hits with their kind, name in the page's language and
address, a filter by kind with counts, pages of 20); JSON by `Accept:
application/json` or `?format=json` (`{"query", "total", "kinds", "hits": [{"iri",
"kind", "label", ...}]}`); CSV by `Accept: text/csv`. The index is
`kb.store.search_index` (built at start-up, kept up to date on commit).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kb.store.search_index import IndexNotReady, SearchIndex, SearchResult
from kb.web.errors import error_response
from kb.web.pages import KB, Page, not_acceptable
from kb.web.table_formats import CSV, HTML, JSON, TABLE_FORMATS, choose_format, csv_response
from kb.web.table_formats import json_response as json_answer

router = APIRouter()

PAGE_SIZE = 20
MAX_PAGE_SIZE = 200
MAX_QUERY_CHARS = 200


def search_index(request: Request) -> SearchIndex | None:
    index: SearchIndex | None = getattr(request.app.state, "search", None)
    return index


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value))) if value else default
    except ValueError:
        return default


@router.api_route("/search", methods=["GET", "HEAD"])
def search(request: Request, kb: KB) -> Response:
    """Records and concepts whose names or descriptions hold every word of `q`."""
    fmt = choose_format(request)
    if fmt is None:
        return not_acceptable(TABLE_FORMATS)
    params = request.query_params
    q = params.get("q", "").strip()[:MAX_QUERY_CHARS]
    kind = params.get("kind", "")
    limit = _int(params.get("limit"), PAGE_SIZE, 1, MAX_PAGE_SIZE)
    page_number = _int(params.get("page"), 1, 1, 10_000)
    index = search_index(request)
    if index is None:
        return error_response(request, 503, "Service Unavailable", "search is not available")
    if not q and fmt is not HTML:
        return error_response(request, 400, "Bad Request", "give the words to search as ?q=")
    try:
        result = index.search(q, kind=kind, limit=limit, offset=(page_number - 1) * limit)
    except IndexNotReady as exc:
        return error_response(
            request, 503, "Service Unavailable", str(exc), headers={"Retry-After": "5"}
        )
    page = Page(request, kb.settings)
    if fmt is JSON:
        return json_answer(
            {
                "query": q,
                "total": result.total,
                "page": page_number,
                "limit": limit,
                "kinds": result.kinds,
                "hits": [hit_json(hit, page) for hit in result.hits],
            },
            headers={"Vary": "Accept"},
        )
    if fmt is CSV:
        return csv_response(
            ["iri", "kind", "label", "label_en", "label_fr"],
            (
                [h.iri, h.kind, h.label(page.lang), h.labels.get("en"), h.labels.get("fr")]
                for h in result.hits
            ),
            "search.csv",
            headers={"Vary": "Accept"},
        )
    return page.render(
        "search.html",
        title=f"{page.t('search_title')}: {q}" if q else page.t("search_title"),
        q=q,
        kind=kind,
        result=result,
        hits=[hit_json(hit, page) for hit in result.hits],
        kinds=kind_facet(result, page, q),
        pages=pagination(result, page_number, limit, q, kind),
        headers={"Vary": "Accept"},
    )


def hit_json(hit: Any, page: Page) -> dict[str, Any]:
    return {
        "iri": hit.iri,
        "kind": hit.kind,
        "label": hit.label(page.lang),
        "labels": hit.labels,
        "href": page.href(hit.iri),
        "exact": hit.exact,
    }


def kind_facet(result: SearchResult, page: Page, q: str) -> list[dict[str, Any]]:
    return sorted(
        (
            {
                "kind": k,
                "name": page.t("kind_" + k),
                "count": n,
                "href": "/search?" + urlencode({"q": q, "kind": k}),
            }
            for k, n in result.kinds.items()
        ),
        key=lambda x: (-int(x["count"]), str(x["name"])),
    )


def pagination(result: SearchResult, number: int, limit: int, q: str, kind: str) -> dict[str, Any]:
    last = max(1, -(-result.total // limit))

    def href(n: int) -> str:
        params = {"q": q, **({"kind": kind} if kind else {}), "page": str(n)}
        return "/search?" + urlencode(params)

    return {
        "number": number,
        "last": last,
        "first_hit": (number - 1) * limit + 1 if result.hits else 0,
        "last_hit": (number - 1) * limit + len(result.hits),
        "previous": href(number - 1) if number > 1 else "",
        "next": href(number + 1) if number < last else "",
    }
