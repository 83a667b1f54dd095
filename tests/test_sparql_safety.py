"""The endpoint is safe by default: read-only, no federation, timeouts, caps, limits, logs."""

from __future__ import annotations

import concurrent.futures
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from sparql_helpers import dataset_of, live_server, make_app

from kb.config import Settings

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def triple_count(client: TestClient) -> int:
    r = client.get("/sparql", params={"query": COUNT}, headers={"accept": "application/json"})
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


# -- read-only ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("GET", {"params": {"update": "CLEAR ALL"}}),
        ("POST", {"data": {"update": "DROP ALL"}}),
        (
            "POST",
            {
                "content": b"INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                "headers": {"content-type": "application/sparql-update"},
            },
        ),
        ("GET", {"params": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}}),
        ("GET", {"params": {"query": "LOAD <http://127.0.0.1:9/x.ttl>"}}),
        ("POST", {"data": {"query": "CLEAR ALL"}}),
        ("POST", {"data": {"query": "PREFIX ex: <urn:x#> DELETE WHERE { ?s ?p ?o }"}}),
    ],
    ids=[
        "get-update",
        "form-update",
        "direct-update",
        "insert-as-query",
        "load",
        "clear",
        "delete",
    ],
)
def test_updates_are_refused_and_change_nothing(
    app_client: TestClient, method: str, kwargs: dict[str, object]
) -> None:
    before = triple_count(app_client)
    r = app_client.request(method, "/sparql", **kwargs)  # type: ignore[arg-type]
    assert 400 <= r.status_code < 500
    assert r.json()["error"]
    assert triple_count(app_client) == before > 0


# -- SERVICE -----------------------------------------------------------------------------


class Listener:
    """A TCP listener on loopback that counts the connections it gets."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def service_queries(url: str) -> list[str]:
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
        f"PREFIX remote: <{url[:-6]}> SELECT * WHERE {{ SERVICE remote:sparql {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        f"ASK {{ # a comment }}\n SERVICE <{url}> {{ ?s ?p ?o }} }}",
    ]


def test_service_is_off_by_default_and_makes_no_connection(
    app_client: TestClient, listener: Listener
) -> None:
    for query in service_queries(listener.url):
        r = app_client.get("/sparql", params={"query": query})
        assert r.status_code == 403, (query, r.text)
        assert "SERVICE" in r.json()["detail"]
    time.sleep(0.2)  # a connection, if any had been attempted, would have arrived by now
    assert listener.connections == 0


def test_service_keyword_inside_strings_and_iris_is_not_refused(app_client: TestClient) -> None:
    q = 'SELECT * WHERE { ?s ?p "SERVICE <http://x/>" } # SERVICE <http://y/>'
    assert app_client.get("/sparql", params={"query": q}).status_code == 200


def test_federation_only_reaches_allowlisted_endpoints(listener: Listener) -> None:
    other = Listener()
    try:
        settings = Settings(
            validate_on_start=False,
            query_workers=1,
            federation_enabled=True,
            service_allowlist=[listener.url],
            query_timeout_s=10,
        )
        data = dataset_of(
            {"urn:g": [ox.Triple(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o"))]}
        )
        with TestClient(make_app(data, settings=settings)) as client:
            r = client.get("/sparql", params={"query": service_queries(other.url)[0]})
            assert r.status_code == 403
            assert "allowlist" in r.json()["detail"]
            r = client.get("/sparql", params={"query": service_queries(listener.url)[0]})
            assert r.status_code >= 500  # the listener closes the connection: no answer
            sd = client.get("/sparql", headers={"accept": "text/turtle"}).text
            assert "BasicFederatedQuery" in sd
        assert listener.connections >= 1
        assert other.connections == 0
    finally:
        other.close()


# -- timeouts and cancellation (a real server) -------------------------------------------


def wait_for(predicate: object, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_slow_query_times_out_while_another_client_is_served() -> None:
    env = {"ALLIANCE_QUERY_TIMEOUT_S": "2", "ALLIANCE_QUERY_WORKERS": "2"}
    with live_server(env) as server:
        assert wait_for(lambda: len(server.query_workers()) == 2)
        workers_before = server.query_workers()
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            slow = pool.submit(httpx.get, server.sparql, params={"query": SLOW}, timeout=60)
            time.sleep(0.3)
            fast = httpx.get(server.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=60)
            assert fast.status_code == 200
            assert fast.json()["boolean"] is True
            assert not slow.done()  # the other client was answered while the slow query ran
            response = slow.result()
        assert response.status_code == 503
        assert "stopped" in response.json()["detail"]

        # the worker that ran it was stopped (killed) and replaced
        # (one look at the processes per poll: the replacement may start before the old
        # worker is gone, and two looks could see the two moments)
        def one_worker_replaced() -> bool:
            now = server.query_workers()
            return len(now) == 2 and len(workers_before - now) == 1

        assert wait_for(one_worker_replaced)


def test_client_disconnect_stops_its_query() -> None:
    env = {"ALLIANCE_QUERY_TIMEOUT_S": "300", "ALLIANCE_QUERY_WORKERS": "2"}
    with live_server(env) as server:
        assert wait_for(lambda: len(server.query_workers()) == 2)
        workers_before = server.query_workers()
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(server.sparql, params={"query": SLOW}, timeout=1)
        # the server timeout is 300 s: only the disconnection can have stopped the worker
        assert wait_for(lambda: bool(workers_before - server.query_workers()))
        assert wait_for(lambda: len(server.query_workers()) == 2)
        assert "client went away" in server.output()


def test_large_results_are_streamed_not_buffered() -> None:
    with live_server() as server:
        with httpx.stream(
            "GET", server.sparql, params={"query": "SELECT * { ?s ?p ?o }"}, timeout=30
        ) as r:
            assert r.status_code == 200
            assert r.headers.get("transfer-encoding") == "chunked"
            assert "content-length" not in r.headers
            body = b"".join(r.iter_bytes())
        rows = json.loads(body)["results"]["bindings"]
        assert len(rows) == int(httpx.get(server.base + "/health").json()["triples"])


# -- row cap -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def capped() -> Iterator[TestClient]:
    triples = [
        ox.Triple(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal(i))
        for i in range(10)
    ]
    settings = Settings(validate_on_start=False, query_workers=1, max_result_rows=3)
    with TestClient(make_app(dataset_of({"urn:g": triples}), settings=settings)) as client:
        yield client


def test_row_cap_truncates_and_says_so(capped: TestClient) -> None:
    r = capped.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }"})
    body = r.json()
    assert len(body["results"]["bindings"]) == 3
    assert body["truncated"] is True
    assert r.headers["x-query-truncated"] == "true"
    assert r.headers["x-query-max-rows"] == "3"
    r = capped.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }", "format": "csv"})
    assert r.text.count("\r\n") == 4 and r.headers["x-query-truncated"] == "true"
    r = capped.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "nt"})
    assert r.text.count(" .\n") == 3 and "# truncated" in r.text


def test_results_under_the_cap_are_not_marked(capped: TestClient) -> None:
    r = capped.get("/sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 3"})
    assert "truncated" not in r.json()
    assert "x-query-truncated" not in r.headers


# -- request limits, errors, logs, CORS --------------------------------------------------


@pytest.fixture(scope="module")
def limited() -> Iterator[TestClient]:
    settings = Settings(
        validate_on_start=False, query_workers=1, max_query_length=200, max_body_bytes=1000
    )
    data = dataset_of(
        {"urn:g": [ox.Triple(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o"))]}
    )
    with TestClient(make_app(data, settings=settings)) as client:
        yield client


def test_long_query_gets_414_on_get_and_413_on_post(limited: TestClient) -> None:
    long_query = "ASK { ?s ?p ?o }" + " " * 300
    assert limited.get("/sparql", params={"query": long_query}).status_code == 414
    assert limited.post("/sparql", data={"query": long_query}).status_code == 413
    big = b"ASK {} #" + b"x" * 2000
    r = limited.post("/sparql", content=big, headers={"content-type": "application/sparql-query"})
    assert r.status_code == 413
    assert limited.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200


def test_malformed_query_gets_400_with_parser_message_and_position(limited: TestClient) -> None:
    r = limited.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert r.status_code == 400
    detail = r.json()["detail"]
    assert "line 1, column 25" in detail
    assert "Traceback" not in r.text


def test_errors_are_html_for_browsers(limited: TestClient) -> None:
    r = limited.get(
        "/sparql",
        params={"query": "SELECT nonsense"},
        headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    )
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/html")
    assert "Traceback" not in r.text


def test_access_log_line_per_request(limited: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="kb.access"):
        limited.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "kb.access"]
    assert lines[-1]["method"] == "GET"
    assert lines[-1]["path"] == "/sparql"
    assert lines[-1]["status"] == 200
    assert lines[-1]["duration_ms"] >= 0
    assert len(lines[-1]["query_hash"]) == 16


def test_cors_on_sparql(limited: TestClient) -> None:
    r = limited.options(
        "/sparql",
        headers={"origin": "https://example.org", "access-control-request-method": "POST"},
    )
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert "POST" in r.headers["access-control-allow-methods"]
    r = limited.get(
        "/sparql", params={"query": "ASK {}"}, headers={"origin": "https://example.org"}
    )
    assert r.headers["access-control-allow-origin"] == "*"


def test_repeated_query_is_answered_from_the_cache(limited: TestClient) -> None:
    q = {"query": "SELECT * { ?s ?p ?o }"}
    first = limited.get("/sparql", params=q)
    second = limited.get("/sparql", params=q)
    assert "x-cache" not in first.headers
    assert second.headers["x-cache"] == "hit"
    assert first.content == second.content


def test_health_reports_the_triples(app_client: TestClient) -> None:
    r = app_client.get("/health")
    assert r.status_code == 200
    assert r.json()["triples"] == triple_count(app_client) > 1000


def test_queries_queued_behind_a_busy_worker_wait_their_turn_and_lose_no_worker() -> None:
    env = {"ALLIANCE_QUERY_TIMEOUT_S": "2", "ALLIANCE_QUERY_WORKERS": "1"}
    with live_server(env) as server:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            slow = pool.submit(httpx.get, server.sparql, params={"query": SLOW}, timeout=60)
            time.sleep(0.3)
            queued = [
                pool.submit(
                    httpx.get, server.sparql, params={"query": f"ASK {{ ?s ?p {i} }}"}, timeout=60
                )
                for i in range(3)
            ]
            assert slow.result().status_code == 503
            # queued behind the slow query: answered by the replacement worker, or timed out
            assert {f.result().status_code for f in queued} <= {200, 503}
        after = httpx.get(server.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=60)
        assert after.status_code == 200
        assert wait_for(lambda: len(server.query_workers()) == 1)
