"""An external store (`--store URL`) that fails: the client gets the documented error.

A real `oxigraph serve` of its own per test (it is stopped or overloaded on purpose):
a store that no longer answers is a 502 "Bad Gateway" saying it is unreachable; a query
the store does not finish within `ALLIANCE_QUERY_TIMEOUT_S` is a 503 "Query Timeout",
answered when the time is up (2 s: between 1.5 and 4 s), not when the store gives up.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from conftest import free_port, oxigraph_binary, stop_process
from fastapi.testclient import TestClient
from sparql_helpers import dataset_of, make_app

from kb.config import Settings

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"

pytestmark = pytest.mark.oxigraph_server


@dataclass
class OwnOxigraph:
    """An `oxigraph serve` this module may stop: its endpoints and process."""

    base: str
    process: subprocess.Popen[bytes]

    @property
    def query_url(self) -> str:
        return f"{self.base}/query"

    @property
    def store_url(self) -> str:
        return f"{self.base}/store"


@pytest.fixture
def own_oxigraph(tmp_path: Path) -> Iterator[OwnOxigraph]:
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the `oxigraph` server binary is not installed (pip install oxigraph)")
    port = free_port()
    # the store's own timeout (10 s) is longer than ours (2 s): ours must answer first
    command = [binary, "serve", "--location", str(tmp_path), "--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        [*command, "--timeout-s", "10"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"{base}/query", params={"query": "ASK {}"}, timeout=1)
            break
        except httpx.HTTPError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("oxigraph serve did not start")
            time.sleep(0.05)
    try:
        yield OwnOxigraph(base, process)
    finally:
        stop_process(process)


def client_on(store: OwnOxigraph) -> TestClient:
    triples = [
        ox.Triple(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal(i))
        for i in range(300)
    ]
    settings = Settings(validate_on_start=False, query_timeout_s=2, response_cache_mb=0)
    app = make_app(
        dataset_of({"urn:g": triples}),
        backend="oxigraph-server",
        settings=settings,
        oxigraph_server=store,
    )
    return TestClient(app)


def test_an_unreachable_store_is_502(own_oxigraph: OwnOxigraph) -> None:
    with client_on(own_oxigraph) as client:
        r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
        assert r.status_code == 200 and r.json()["boolean"] is True
        stop_process(own_oxigraph.process)
        r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
        assert r.status_code == 502
        body = r.json()
        assert body["error"] == "Bad Gateway"
        assert body["detail"].startswith("the store is unreachable: "), body
        assert "Traceback" not in r.text


def test_a_store_past_the_timeout_is_503_after_the_configured_time(
    own_oxigraph: OwnOxigraph,
) -> None:
    with client_on(own_oxigraph) as client:
        start = time.monotonic()
        r = client.get("/sparql", params={"query": SLOW})
        elapsed = time.monotonic() - start
        assert r.status_code == 503, r.text
        assert r.json() == {"error": "Query Timeout", "detail": "the query was stopped after 2 s"}
        assert 1.5 <= elapsed <= 4.0, f"answered after {elapsed:.2f} s"


def test_a_malformed_query_is_400_from_the_store_too(own_oxigraph: OwnOxigraph) -> None:
    with client_on(own_oxigraph) as client:
        r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
        assert r.status_code == 400
        assert r.json()["error"] == "Bad Request"
        assert "expected" in r.json()["detail"]
