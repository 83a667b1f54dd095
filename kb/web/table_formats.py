"""Answers that are tables (search hits, lists of records): HTML, JSON or CSV.

The format is chosen by a suffix of the path (`/id/authority/.csv`), else a `format`
query parameter, else the `Accept` header (q-values honoured; HTML when absent).
CSV is RFC 4180 text in UTF-8 with a header row.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from kb.web.record_view import Format, negotiate

HTML = Format("html", "text/html", ".html", None)
JSON = Format("json", "application/json", ".json", None)
CSV = Format("csv", "text/csv", ".csv", None)
TABLE_FORMATS = (HTML, JSON, CSV)
BY_KEY = {f.key: f for f in TABLE_FORMATS}


def choose_format(
    request: Request, suffix: str = "", offered: Sequence[Format] = TABLE_FORMATS
) -> Format | None:
    """The format asked for (None: none of `offered` is acceptable)."""
    by_suffix = {f.suffix: f for f in offered}
    if suffix:
        return by_suffix.get(suffix)
    given = request.query_params.get("format")
    if given:
        fmt = BY_KEY.get(given.lower())
        return fmt if fmt in offered else None
    return negotiate(request.headers.get("accept"), offered)


def json_response(data: Any, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=1)
    return Response(body, media_type="application/json", headers=headers)


def csv_response(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    filename: str,
    headers: dict[str, str] | None = None,
) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return Response(
        out.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={**(headers or {}), "Content-Disposition": f'inline; filename="{filename}"'},
    )
