"""Shared fixtures: the app on the shipped data, and a real `oxigraph serve` on loopback.

Also how skips are handled. A test skips when something it needs is not on this
machine (`../shared` beside the checkout, the `oxigraph` binary, Debian's chromium);
at the end of the run a summary says what was skipped and why. CI sets
`ALLIANCE_TEST_NO_SKIPS=1` (`.ci/run`): there every such input is expected, so a skip
is an error and the run fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from kb.config import Settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CONFORMANCE = SHARED / "conformance"

#: What the suite reads from `../shared`, and which tests need it.
SHARED_INPUTS = {
    CONFORMANCE / "sparql11-protocol": "the W3C SPARQL 1.1 Protocol tests (test_sparql_protocol)",
    CONFORMANCE / "shacl-test-suite": "the W3C SHACL core and SPARQL suites (test_validate_engine)",
    CONFORMANCE / "dcat-ap-3.0.1": "the DCAT-AP 3.0.1 shapes for the catalog (test_catalog)",
    SHARED / "reference": "the reference lists the data is checked against (test_data_sources)",
}

#: Set by `.ci/run`: a skipped test (or test module) fails the run.
NO_SKIPS = os.environ.get("ALLIANCE_TEST_NO_SKIPS", "").lower() not in ("", "0", "false", "no")


# -- skips: errors in CI, a summary for everyone ---------------------------------------------


def skip_reason(report: pytest.CollectReport | pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def fail_if_no_skips(report: pytest.CollectReport | pytest.TestReport) -> None:
    if NO_SKIPS and report.skipped and not hasattr(report, "wasxfail"):
        reason = skip_reason(report)
        report.outcome = "failed"
        report.longrepr = f"skipped, but ALLIANCE_TEST_NO_SKIPS is set (CI): {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    fail_if_no_skips(outcome.get_result())  # type: ignore[attr-defined]


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    outcome = yield
    fail_if_no_skips(outcome.get_result())  # type: ignore[attr-defined]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """What did not run, grouped by reason, and what is missing from `../shared`."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = skip_reason(report)
        reasons[reason] = reasons.get(reason, 0) + 1
    missing = [f"{path}: {what}" for path, what in SHARED_INPUTS.items() if not path.is_dir()]
    if not reasons and not missing:
        return
    write = terminalreporter.write_line
    terminalreporter.section("what did not run, and why", sep="=", yellow=True)
    for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
        write(f"{count:5d} skipped: {reason}")
    if missing:
        write("Missing beside the checkout (their tests were skipped or not generated):")
        for line in missing:
            write(f"      {line}")
        write("Put the project's shared/ folder at ../shared (as CI does) to run them.")
    if not NO_SKIPS:
        write("CI (.ci/run sets ALLIANCE_TEST_NO_SKIPS=1) fails on every skip listed here.")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def oxigraph_binary() -> str | None:
    local = Path(sys.executable).parent / "oxigraph"
    return str(local) if local.exists() else shutil.which("oxigraph")


@dataclass
class OxigraphServer:
    """A running `oxigraph serve`: its query endpoint and Graph Store Protocol endpoint."""

    base: str
    process: subprocess.Popen[bytes]

    @property
    def query_url(self) -> str:
        return f"{self.base}/query"

    @property
    def store_url(self) -> str:
        return f"{self.base}/store"


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """A real Oxigraph server (PyPI `oxigraph`) on a free loopback port, stopped at the end."""
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the `oxigraph` server binary is not installed (pip install oxigraph)")
    location = tmp_path_factory.mktemp("oxigraph-server")
    port = free_port()
    process = subprocess.Popen(
        [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
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
        yield OxigraphServer(base, process)
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if the process has not exited after 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def app_client() -> Iterator[TestClient]:
    """The whole app on the shipped data (embedded store), started once per session."""
    import server

    app = server.create_app(Settings())
    with TestClient(app) as client:
        yield client


@pytest.fixture
def client(app_client: TestClient) -> Iterator[TestClient]:
    """The shared app, without the language cookie a test may leave behind (a module may
    define its own `client`)."""
    app_client.cookies.clear()
    yield app_client
    app_client.cookies.clear()
