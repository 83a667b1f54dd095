"""`alliance-kb serve`, `query` and `push`, run as a user runs them."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import ROOT, OxigraphServer, free_port
from sparql_helpers import LiveServer, live_server

BAD_RECORD = """
@prefix alliance: <https://w3id.org/roma-alliance/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/roma-alliance/id/authority/Not_A_Slug> a alliance:Municipality ;
    skos:prefLabel "Nowhere" .
"""


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def bad_data(tmp_path: Path) -> Path:
    (tmp_path / "authorities.ttl").write_text(BAD_RECORD, encoding="utf-8")
    return tmp_path


def test_serve_strict_refuses_data_with_violations(bad_data: Path) -> None:
    result = run_cli("serve", "--strict", "--port", str(free_port()), "--data", str(bad_data))
    assert result.returncode != 0
    assert "violation" in (result.stdout + result.stderr)


def logged(server: LiveServer, text: str, timeout: float = 30) -> bool:
    """Whether the server logs `text` within `timeout` s (start-up validation runs in the
    background: the server answers before it ends)."""
    deadline = time.monotonic() + timeout
    while text not in server.output():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_serve_without_strict_serves_violations_with_a_warning(
    bad_data: Path, tmp_path: Path
) -> None:
    env = {"ALLIANCE_VALIDATE_ON_START": "true", "ALLIANCE_STATE_DIR": str(tmp_path)}
    with live_server(env, "--data", str(bad_data)) as server:
        r = httpx.get(server.sparql, params={"query": "ASK { ?s a ?t }"})
        assert r.json()["boolean"] is True
        assert logged(server, "serving anyway")
        assert "WARNING" in server.output() and "violation" in server.output()


def test_serve_logs_the_validation_summary_and_reuses_it_on_the_same_files(
    tmp_path: Path,
) -> None:
    env = {"ALLIANCE_VALIDATE_ON_START": "true", "ALLIANCE_STATE_DIR": str(tmp_path)}
    with live_server(env) as server:
        assert httpx.get(server.base + "/health").json()["triples"] > 1000
        assert logged(server, "validation:")
        assert "validated in" in server.output()
    assert len(list((tmp_path / "validation").glob("*.pickle"))) == 1
    with live_server(env) as server:
        assert logged(server, "validation:")
        assert "reused from the state directory" in server.output()
        assert "validated in" not in server.output()


def test_query_command_prints_results() -> None:
    result = run_cli(
        "query",
        "PREFIX alliance: <https://w3id.org/roma-alliance/ontology#> "
        "SELECT (COUNT(*) AS ?n) WHERE { ?s a alliance:Municipality }",
        "--format",
        "csv",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "n" and int(lines[1]) > 10


def test_query_command_reads_a_file_and_prints_a_table(tmp_path: Path) -> None:
    query = tmp_path / "q.rq"
    query.write_text("SELECT ?g WHERE { GRAPH ?g {} } ORDER BY ?g LIMIT 2", encoding="utf-8")
    result = run_cli("query", f"@{query}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("?g") and "(2 rows)" in result.stdout


def test_query_command_bad_query_exits_2_and_says_where() -> None:
    result = run_cli("query", "SELECT * WHERE { ?s ?p }")
    assert result.returncode == 2
    assert "line 1, column 25" in result.stderr


def test_push_then_serve_on_the_external_store(oxigraph_server: OxigraphServer) -> None:
    result = run_cli("push", oxigraph_server.store_url)
    assert result.returncode == 0, result.stderr
    assert "graph/authorities" in result.stdout
    count = (
        "SELECT (COUNT(*) AS ?n) WHERE "
        "{ GRAPH <https://w3id.org/roma-alliance/graph/authorities> { ?s ?p ?o } }"
    )

    def remote_count() -> int:
        r = httpx.get(
            oxigraph_server.query_url,
            params={"query": count},
            headers={"accept": "application/sparql-results+json"},
        )
        return int(r.json()["results"]["bindings"][0]["n"]["value"])

    first = remote_count()
    assert first > 0
    assert run_cli("push", oxigraph_server.store_url).returncode == 0
    assert remote_count() == first  # each graph replaced, not appended to
    with live_server({}, "--store", oxigraph_server.query_url) as server:
        embedded = httpx.get(server.base + "/health").json()["triples"]
        r = httpx.get(server.sparql, params={"query": count}, headers={"accept": "text/csv"})
        assert r.status_code == 200 and int(r.text.splitlines()[1]) == first
        assert embedded > first


def test_push_to_an_unreachable_store_exits_2() -> None:
    result = run_cli("push", f"http://127.0.0.1:{free_port()}/store")
    assert result.returncode == 2


@pytest.mark.parametrize("http_server", ["granian", "uvicorn"])
def test_serve_runs_on_either_http_server(http_server: str) -> None:
    with live_server({"ALLIANCE_HTTP_SERVER": http_server}) as server:
        r = httpx.get(server.sparql, params={"query": "ASK { ?s ?p ?o }"})
        assert r.status_code == 200 and r.json()["boolean"] is True
        assert r.headers["server"] == http_server
        assert r.headers["access-control-allow-origin"] == "*"
        streamed = httpx.get(server.sparql, params={"query": "SELECT * { ?s ?p ?o }"})
        assert streamed.headers.get("transfer-encoding") == "chunked"
        assert streamed.text.count('"s":') > 1000
        workers = server.query_workers()
        assert len(workers) >= 2
        server.process.terminate()  # SIGTERM: a graceful stop, the query workers with it
        # (uvicorn raises the signal again once it has stopped: -SIGTERM)
        assert server.process.wait(timeout=15) in (0, -signal.SIGTERM)
        assert "Application shutdown complete" in server.output() or http_server == "granian"
        deadline = time.monotonic() + 3
        while any(running(pid) for pid in workers):
            assert time.monotonic() < deadline, "query workers outlived the server"
            time.sleep(0.05)


def running(pid: int) -> bool:
    """Alive and not a zombie (an exited child not yet reaped counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
