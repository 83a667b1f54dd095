"""Property-based tests of the HTTP API from its OpenAPI description (schemathesis).

A real server (`python -m kb serve`) on a copy of `data/`, with its own state directory
holding a curator account and an API token made with `alliance-kb user` and `token`,
so that the write routes (PUT and DELETE `/id/{kind}/{slug}`, `POST
/changes/{id}/revert`) are fuzzed as an authenticated client, whatever they write
staying in the copy. Every operation of `/api/openapi.json` (FastAPI's routes and the
hand-described `/sparql`) gets generated requests, valid and invalid; every answer must
be a documented one:

- never a 5xx (a 503 only as the endpoint's own "Query Timeout" refusal);
- never a stack trace in the body;
- every refusal (4xx) with a message: JSON `{"error", "detail"}` with text in both, or
  an HTML page with a title.

Bounded: a few dozen examples per operation, no deadline (about a minute in all).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from conftest import ROOT
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sparql_helpers import LiveServer, live_server

import server as server_module


def run_cli(env: dict[str, str], *args: str, stdin: str = "") -> str:
    result = subprocess.run(
        [sys.executable, "-m", "kb", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    """The server under fuzzing and a curator's API token."""
    work = tmp_path_factory.mktemp("api-fuzz")
    shutil.copytree(ROOT / "data", work / "data")
    env = {
        "ALLIANCE_DATA_DIR": str(work / "data"),
        "ALLIANCE_STATE_DIR": str(work / "state"),
        "ALLIANCE_DUMPS_DIR": str(work / "dumps"),
        "ALLIANCE_QUERY_TIMEOUT_S": "5",
        "ALLIANCE_QUERY_WORKERS": "2",
    }
    run_cli(env, "user", "add", "fuzzer", "--role", "curator", stdin="a long fuzzing password\n")
    token = run_cli(env, "token", "create", "fuzzer", "--label", "api fuzz").strip().split()[-1]
    with live_server(env) as server:
        yield server, token


@schemathesis.serializer("application/sparql-query", "text/turtle", "application/n-triples")
def text_body(_context: Any, value: Any) -> bytes:
    """Bodies that are text (a query, a Turtle or N-Triples document): sent as UTF-8."""
    return value.encode("utf-8") if isinstance(value, str) else json.dumps(value).encode()


#: The app's OpenAPI document, read at collection; the test checks the server serves it.
schema = schemathesis.openapi.from_dict(server_module.app.openapi())


def assert_documented_answer(response: Any, method: str, path: str, log: str = "") -> None:
    status = response.status_code
    text = response.text or ""
    request = getattr(response, "request", None)
    url = getattr(request, "url", path)
    where = f"{method} {url} -> {status}: {text[:300]}\nserver log:\n{log[-2000:]}"
    assert "Traceback" not in text, where
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    if status >= 500:
        assert status == 503 and path == "/sparql", where
        assert response.json()["error"] == "Query Timeout", where
    if status >= 400:
        if content_type.startswith("application/json"):
            body = response.json()
            assert isinstance(body.get("error"), str) and body["error"].strip(), where
            assert isinstance(body.get("detail"), str) and body["detail"].strip(), where
        elif method != "HEAD":
            assert content_type.startswith("text/html"), where
            assert "<title>" in text and "</title>" in text, where


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_only_documented_refusals(
    case: Any, fuzzed: tuple[LiveServer, str]
) -> None:
    _, token = fuzzed
    server, token = fuzzed
    response = case.call(
        base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    event(f"{case.method} {case.path} {response.status_code}")
    log = server.output() if response.status_code >= 500 else ""
    assert_documented_answer(response, case.method, case.path, log)


RECORDS = [
    "authority/volos",
    "award/2-lom",
    "country/FRA",
    "membership/volos",
    "source/alliance-site",
]
FRAGMENTS = ['"', "<", ">", "@fr", "@de", "^^xsd:date", " ;", " .", "\\u", "ü", "\n", "<>", "a "]


#: Edits drawn apart from the text they apply to (the records change as the test writes):
#: (where, as a fraction of the text; a span to delete, or a fragment to insert).
EDITS = st.lists(
    st.tuples(st.floats(0, 1), st.one_of(st.integers(1, 30), st.sampled_from(FRAGMENTS))),
    max_size=3,
)


def edited(text: str, edits: list[tuple[float, int | str]]) -> str:
    for where, edit in edits:
        at = int(where * len(text))
        text = (
            text[:at] + edit + text[at:] if isinstance(edit, str) else text[:at] + text[at + edit :]
        )
    return text


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(record=st.sampled_from(RECORDS), edits=EDITS, note=st.booleans(), revert=st.booleans())
def test_edited_records_are_written_or_refused_with_a_message(
    fuzzed: tuple[LiveServer, str],
    record: str,
    edits: list[tuple[float, int | str]],
    note: bool,
    revert: bool,
) -> None:
    """PUT a real record's description, damaged or not, with the right If-Match; then revert."""
    server, token = fuzzed
    auth = {"Authorization": f"Bearer {token}"}
    current = httpx.head(
        f"{server.base}/id/{record}", headers={"accept": "text/turtle"}, timeout=60
    )
    if current.status_code == 404:  # deleted by an earlier example
        return
    assert current.status_code == 200
    iri = f"https://w3id.org/roma-alliance/id/{record}"
    own = httpx.get(  # the record's own triples: what a PUT sends
        f"{server.base}/sparql",
        params={"query": f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}"},
        headers={"accept": "text/turtle"},
        timeout=60,
    )
    body = edited(own.text, edits)
    if note:  # a change that keeps the record valid
        body += f'\n<{iri}> <http://www.w3.org/2004/02/skos/core#note> "fuzz {len(edits)}"@en .\n'

    headers = {**auth, "content-type": "text/turtle", "if-match": current.headers["etag"]}
    r = httpx.put(
        f"{server.base}/id/{record}?reason=fuzz", content=body.encode(), headers=headers, timeout=60
    )
    event(f"PUT {r.status_code}{' change' if r.headers.get('x-change-id') else ''}")
    assert_documented_answer(
        r, "PUT", f"/id/{record}", server.output() if r.status_code >= 500 else ""
    )
    assert r.status_code in (200, 400, 412, 422), r.text[:300]
    change = r.headers.get("x-change-id")
    if r.status_code == 200 and change and revert:
        undo = httpx.post(f"{server.base}/changes/{change}/revert", headers=auth, timeout=60)
        event(f"revert {undo.status_code}")
        assert_documented_answer(undo, "POST", "/changes/{id}/revert")
        assert undo.status_code in (200, 201, 204, 409, 412, 422), undo.text[:300]


def test_the_openapi_document_describes_sparql_and_the_write_routes(
    fuzzed: tuple[LiveServer, str],
) -> None:
    server, _ = fuzzed
    document = httpx.get(server.base + "/api/openapi.json", timeout=30).json()
    assert document == json.loads(json.dumps(server_module.app.openapi()))  # what was fuzzed
    assert {"get", "post"} <= set(document["paths"]["/sparql"])
    post = document["paths"]["/sparql"]["post"]["requestBody"]["content"]
    assert {"application/x-www-form-urlencoded", "application/sparql-query"} <= set(post)
    writes = document["paths"].get("/id/{kind}/{slug}", {})
    if writes:  # the curation routes
        assert {"put", "delete"} <= set(writes)
        assert "text/turtle" in writes["put"]["requestBody"]["content"]
        assert "/changes/{change_id}/revert" in document["paths"]


def test_the_fuzzed_copy_of_the_data_is_not_the_repository(fuzzed: tuple[LiveServer, str]) -> None:
    """Whatever the write routes did went to the copy: data/ is as git has it."""
    result = subprocess.run(
        ["git", "status", "--porcelain", "--", "data"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.stdout == ""
    assert Path(ROOT / "data").is_dir()
