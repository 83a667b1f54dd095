"""Invalid UTF-8 anywhere in a request is a 400 with a message, on every route of the app.

The routes are read from the app's route table, so routes added later (write routes,
forms) are covered without touching this file. Each case sends one kind of bad text:
in the path, in the query string (after percent-decoding), in a header, in a body
(form fields after percent-decoding, multipart parts, SPARQL queries, Turtle,
JSON-LD). The answer must be exactly 400, name what was wrong, and be JSON for API
clients and an HTML page for browsers. Raw bytes that no HTTP client library sends are
sent over a socket to a real server.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from app_routes import RouteMethod, route_methods
from fastapi.testclient import TestClient
from sparql_helpers import live_server

import server

ROUTES = route_methods(server.app)
WITH_BODY = [r for r in ROUTES if r.method in {"POST", "PUT", "PATCH", "DELETE"}]
WITH_PARAMETERS = [r for r in ROUTES if r.has_parameters]

TURTLE_BAD = b'<urn:a> <urn:b> "caf\xe9" .\n'  # Latin-1 "café"
JSON_SURROGATE = b'{"@id": "urn:a", "urn:b": "\\ud800"}'


def assert_refused(response: Any, *, mentions: str) -> None:
    assert response.status_code == 400, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error"] == "Bad Request"
    assert "UTF-8" in body["detail"] or "surrogate" in body["detail"], body
    assert mentions in body["detail"], body
    assert "Traceback" not in response.text


def test_the_route_table_is_read() -> None:
    paths = {r.path for r in ROUTES}
    assert {"/sparql", "/validate", "/id/{kind}/{name}", "/dumps/{name:path}"} <= paths
    assert RouteMethod("/validate", "POST") in WITH_BODY


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_invalid_utf8_in_the_query_string_is_refused(
    app_client: TestClient, route: RouteMethod
) -> None:
    r = app_client.request(route.method, route.concrete() + "?lang=%FF")
    assert_refused(r, mentions="the parameter 'lang'")
    r = app_client.request(route.method, route.concrete() + "?%C3%28=1")
    assert_refused(r, mentions="a parameter name")


@pytest.mark.parametrize("route", WITH_PARAMETERS, ids=str)
def test_invalid_utf8_in_the_path_is_refused(app_client: TestClient, route: RouteMethod) -> None:
    r = app_client.request(route.method, route.concrete("caf%E9"))
    assert_refused(r, mentions="the request path")


BODIES = {
    "form-field": ({"content-type": "application/x-www-form-urlencoded"}, b"query=ASK%7B%7D%FF"),
    "form-field-raw": ({"content-type": "application/x-www-form-urlencoded"}, b"data=\xff"),
    "sparql-query": ({"content-type": "application/sparql-query"}, b"ASK { ?s ?p '\xff' }"),
    "turtle": ({"content-type": "text/turtle"}, TURTLE_BAD),
    "n-triples": ({"content-type": "application/n-triples"}, TURTLE_BAD),
    "json-ld-bytes": ({"content-type": "application/ld+json"}, b'{"@id": "urn:\xff"}'),
    "no-content-type": ({}, TURTLE_BAD),
}


@pytest.mark.parametrize("kind", sorted(BODIES))
@pytest.mark.parametrize("route", WITH_BODY, ids=str)
def test_invalid_utf8_in_a_body_is_refused(
    app_client: TestClient, route: RouteMethod, kind: str
) -> None:
    headers, body = BODIES[kind]
    r = app_client.request(route.method, route.concrete(), headers=headers, content=body)
    mentions = "the form: the parameter" if kind.startswith("form") else "the request body"
    assert_refused(r, mentions=mentions)


@pytest.mark.parametrize("route", WITH_BODY, ids=str)
def test_a_json_body_with_a_lone_surrogate_is_refused(
    app_client: TestClient, route: RouteMethod
) -> None:
    r = app_client.request(
        route.method,
        route.concrete(),
        headers={"content-type": "application/ld+json"},
        content=JSON_SURROGATE,
    )
    assert_refused(r, mentions="lone surrogate")


@pytest.mark.parametrize("route", WITH_BODY, ids=str)
def test_invalid_utf8_in_a_multipart_upload_is_refused(
    app_client: TestClient, route: RouteMethod
) -> None:
    r = app_client.request(
        route.method,
        route.concrete(),
        files={"file": ("record.ttl", TURTLE_BAD, "text/turtle")},
        data={"format": "text/turtle"},
    )
    assert_refused(r, mentions="the form field 'file'")
    r = app_client.request(route.method, route.concrete(), files={"data": (None, b"caf\xe9")})
    assert_refused(r, mentions="the form field 'data'")


def test_browsers_get_the_refusal_as_a_page(app_client: TestClient) -> None:
    r = app_client.get("/sparql?query=%FF", headers={"accept": "text/html"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/html")
    assert "the parameter &#39;query&#39; is not valid UTF-8" in r.text or (
        "the parameter 'query' is not valid UTF-8" in r.text
    )


def test_the_refusal_names_the_offending_byte(app_client: TestClient) -> None:
    r = app_client.post(
        "/validate", headers={"content-type": "text/turtle"}, content=b"# ok\n" + TURTLE_BAD
    )
    assert_refused(r, mentions="byte 25: 0xe9")


# -- what must still pass ---------------------------------------------------------------


def test_valid_utf8_everywhere_is_answered(app_client: TestClient) -> None:
    query = 'ASK { ?s ?p "Prix Dosta! du Congrès"@fr }'
    r = app_client.get("/sparql", params={"query": query}, headers={"x-note": "é".encode()})
    assert r.status_code == 200 and r.json()["boolean"] is True
    r = app_client.post("/sparql", data={"query": query})
    assert r.status_code == 200 and r.json()["boolean"] is True
    r = app_client.post(
        "/sparql", content=query.encode(), headers={"content-type": "application/sparql-query"}
    )
    assert r.status_code == 200 and r.json()["boolean"] is True


def test_a_declared_other_charset_is_left_to_the_route(app_client: TestClient) -> None:
    r = app_client.post(
        "/sparql",
        content="ASK { ?s ?p 'é' }".encode("latin-1"),
        headers={"content-type": "application/sparql-query; charset=iso-8859-1"},
    )
    assert r.status_code == 415
    assert r.json()["detail"] == "the request must be UTF-8"


def test_a_declared_binary_body_is_not_read_as_text(app_client: TestClient) -> None:
    r = app_client.post(
        "/validate", headers={"content-type": "application/octet-stream"}, content=b"\xff\xfe"
    )
    assert r.status_code == 415  # refused by the route for its type, not as bad text


# -- raw bytes, as no client library sends them, to a real server -------------------------


@pytest.fixture(scope="module")
def live() -> Iterator[Any]:
    with live_server() as running:
        yield running


def raw_request(base: str, request: bytes) -> tuple[int, bytes]:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.mark.parametrize(
    "request_bytes, mentions",
    [
        (b"GET /sparql?query=ASK%7B%7D%FF HTTP/1.1\r\n", b"the parameter 'query'"),
        (b"GET /id/authority/volos HTTP/1.1\r\nX-Note: caf\xe9\r\n", b"the header 'x-note'"),
        (
            b"POST /sparql HTTP/1.1\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 11\r\n\r\nASK { '\xff' }",
            b"the request body",
        ),
    ],
    ids=["query-string", "header", "body"],
)
def test_a_real_server_refuses_raw_invalid_bytes_in_every_part(
    live: Any, request_bytes: bytes, mentions: bytes
) -> None:
    head, _, body = request_bytes.partition(b"\r\n\r\n")
    request = head.rstrip(b"\r\n") + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" + body
    status, answer = raw_request(live.base, request)
    assert status == 400
    assert mentions in answer and b"UTF-8" in answer


@pytest.mark.parametrize(
    "target", [b"/sparql?query=ASK%7B%7D\xff", b"/id/authority/caf\xe9"], ids=["query", "path"]
)
def test_raw_non_ascii_bytes_in_the_request_line_are_refused(live: Any, target: bytes) -> None:
    """HTTP allows no raw non-ASCII byte in the request line: the HTTP server itself (uvicorn's
    parser) may refuse it before the app sees it; either way the answer is a 400 with a message."""
    request = b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    status, answer = raw_request(live.base, request)
    assert status == 400
    assert b"not valid UTF-8" in answer or answer == b"Invalid HTTP request received."


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_invalid_utf8_in_a_header_is_refused(live: Any, route: RouteMethod) -> None:
    request = (
        f"{route.method} {route.concrete()} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
        + b"Accept-Language: fr-\xe9\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    status, answer = raw_request(live.base, request)
    assert status == 400
    detail = json.loads(answer)["detail"]
    assert detail == "the header 'accept-language' is not valid UTF-8 (byte 3: 0xe9)"
