"""Strict input: a request whose text is not UTF-8 is refused with 400 before any route runs.

One pure ASGI middleware, so that every route, today's and those added later, gets
the same rule without reading it itself. Checked, in this order:

- the path, after percent-decoding (`/id/authority/%FF` is refused);
- the query string, after percent-decoding, parameter by parameter;
- every header's name and value (a `Cookie`, `Accept-Language`, `If-Match` ... with
  bytes that are not UTF-8);
- the body, when it is text: `application/x-www-form-urlencoded` (after
  percent-decoding, field by field), `multipart/form-data` (each part's headers, and
  each part's content unless the part declares a binary type), and every other body
  (SPARQL queries, Turtle, N-Triples, JSON-LD, JSON ...) unless it declares a binary
  type (`image/*`, `application/octet-stream`, ...) or a charset other than UTF-8 (the
  route then decides: `/sparql` answers 415). JSON bodies must not encode lone
  surrogates (`"\\ud800"`) either: they are no Unicode text.

The refusal is `400 Bad Request` with a detail naming what was wrong (JSON
`{"error", "detail"}` for API clients, the site's error page for browsers, as every
other error). A body is held (at most `max_body_bytes` plus 64 KB of form overhead)
until it is checked, then handed on unchanged; a larger body is handed on unchecked
for the route to refuse as too large.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote_to_bytes

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from kb.web.errors import error_response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Form encodings add this much to a body beside the content a route limits.
FORM_OVERHEAD_BYTES = 64 * 1024

#: Declared types whose bodies (or multipart parts) are not text and so are not checked.
BINARY_TYPES = (
    "image/",
    "audio/",
    "video/",
    "font/",
    "application/octet-stream",
    "application/gzip",
    "application/zip",
    "application/pdf",
    "application/x-tar",
)

UTF8_CHARSETS = {"utf-8", "utf8", "us-ascii", "ascii"}


class NotUtf8(Exception):
    """What part of the request is not UTF-8 (the message the client gets)."""


def check_utf8(data: bytes, what: str) -> None:
    """Raise NotUtf8 naming `what` and the offending byte if `data` is not UTF-8."""
    if data.isascii():
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        byte = f"byte {exc.start}: 0x{data[exc.start]:02x}"
        raise NotUtf8(f"{what} is not valid UTF-8 ({byte})") from None


def check_percent_encoded(data: bytes, what: str) -> None:
    """`data` and what its %XX escapes encode must be UTF-8, parameter by parameter."""
    if data.isascii() and b"%" not in data:
        return
    for field in data.split(b"&"):
        name, _, value = field.partition(b"=")
        name_bytes = unquote_to_bytes(name)
        check_utf8(name_bytes, f"{what}: a parameter name")
        label = name_bytes.decode("utf-8")
        check_utf8(unquote_to_bytes(value), f"{what}: the parameter '{label}'")


def check_headers(headers: list[tuple[bytes, bytes]]) -> None:
    for name, value in headers:
        check_utf8(name, "a header name")
        check_utf8(value, f"the header '{name.decode('utf-8')}'")


def media_type_of(headers: list[tuple[bytes, bytes]]) -> tuple[str, dict[bytes, bytes]]:
    for name, value in headers:
        if name.lower() == b"content-type":
            media, params = parse_options_header(value)
            return media.decode("latin-1").lower(), params
    return "", {}


def is_binary(media: str) -> bool:
    return media.startswith(BINARY_TYPES)


def check_json_text(text: str, what: str) -> None:
    """JSON escapes must encode Unicode text: a lone surrogate (`\\ud800`) is refused."""
    if "\\u" not in text:
        return
    try:
        document = json.loads(text)
    except ValueError:
        return  # not JSON at all: the route reports the syntax error

    def walk(node: Any) -> None:
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                raise NotUtf8(f"{what} encodes a lone surrogate (\\u escape)") from None
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(key)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)


def check_multipart(body: bytes, boundary: bytes) -> None:
    """Each part's headers, and the content of each part that is not declared binary."""
    parts: list[dict[str, Any]] = []
    header = {"field": b"", "value": b""}

    def on_part_begin() -> None:
        parts.append({"headers": [], "data": bytearray()})

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header["value"] += data[start:end]

    def on_header_end() -> None:
        parts[-1]["headers"].append((header["field"], header["value"]))
        header["field"] = header["value"] = b""

    def on_part_data(data: bytes, start: int, end: int) -> None:
        parts[-1]["data"] += data[start:end]

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except Exception:
        return  # a malformed form: the route's parser reports it
    for part in parts:
        headers: list[tuple[bytes, bytes]] = part["headers"]
        check_headers(headers)
        name = "a form field"
        for field, value in headers:
            if field.lower() == b"content-disposition":
                _, options = parse_options_header(value)
                if b"name" in options:
                    name = f"the form field '{options[b'name'].decode('utf-8')}'"
        media, params = media_type_of(headers)
        charset = params.get(b"charset", b"utf-8").decode("latin-1").lower()
        if is_binary(media) or charset not in UTF8_CHARSETS:
            continue
        check_utf8(bytes(part["data"]), name)


def check_body(body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    media, params = media_type_of(headers)
    charset = params.get(b"charset", b"utf-8").decode("latin-1").lower()
    if is_binary(media) or charset not in UTF8_CHARSETS:
        return
    if media == "application/x-www-form-urlencoded":
        check_percent_encoded(body, "the form")
    elif media == "multipart/form-data":
        boundary = params.get(b"boundary")
        if boundary:
            check_multipart(body, boundary)
    else:
        check_utf8(body, "the request body")
        if media == "application/json" or media.endswith("+json"):
            check_json_text(body.decode("utf-8"), "the request body")


def declares_body(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"transfer-encoding" or (lowered == b"content-length" and value != b"0"):
            return True
    return False


class StrictUtf8Middleware:
    """Refuses (400) any request whose path, query, headers or text body is not UTF-8."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.held_bytes = max_body_bytes + FORM_OVERHEAD_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope.get("headers") or []
        try:
            raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
            if not raw_path.isascii() or b"%" in raw_path:
                check_utf8(unquote_to_bytes(raw_path), "the request path")
            check_percent_encoded(scope.get("query_string") or b"", "the query string")
            check_headers(headers)
        except NotUtf8 as exc:
            await self.refuse(scope, receive, send, str(exc))
            return
        if not declares_body(headers):
            await self.app(scope, receive, send)
            return
        held: list[Message] = []
        size, complete = 0, False
        while size <= self.held_bytes:
            message = await receive()
            held.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if not message.get("more_body", False):
                complete = True
                break
        if complete:
            body = b"".join(m.get("body", b"") for m in held)
            try:
                check_body(body, headers)
            except NotUtf8 as exc:
                await self.refuse(scope, receive, send, str(exc))
                return
            held = [{"type": "http.request", "body": body, "more_body": False}]

        async def replay() -> Message:
            return held.pop(0) if held else await receive()

        await self.app(scope, replay, send)

    async def refuse(self, scope: Scope, receive: Receive, send: Send, detail: str) -> None:
        response = error_response(Request(scope, receive), 400, "Bad Request", detail)
        await response(scope, receive, send)
