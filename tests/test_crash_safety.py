"""Crash safety: the real server is SIGKILLed during a burst of concurrent writes.

After a restart, every acknowledged change is in the files, the store and the history; a
change that was not acknowledged is either wholly there or not at all; every file parses,
`alliance-kb validate` exits 0, and the history agrees with the files.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from conftest import free_port, stop_process

from kb.curation.accounts import AccountStore

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/roma-alliance/"
AWARDED_FOR = f"{BASE}ontology#awardedFor"
WRITERS = 6


def start_server(data: Path, state: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ALLIANCE_DATA_DIR": str(data),
        "ALLIANCE_STATE_DIR": str(state),
        "ALLIANCE_VALIDATE_ON_START": "false",
        "ALLIANCE_QUERY_WORKERS": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "kb", "serve", "--port", str(port), "--data", str(data)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(state / f"server-{time.monotonic_ns()}.log", "wb"),  # noqa: SIM115
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    stop_process(process)
    pytest.fail("the server did not start")


def award_slugs(data: Path) -> list[str]:
    quads = ox.parse(path=str(data / "awards.ttl"), format=ox.RdfFormat.TURTLE)
    slugs = {
        q.subject.value.rsplit("/", 1)[1]
        for q in quads
        if q.predicate.value.endswith("#type")
        and "/id/award/" in q.subject.value
        and "#" not in q.subject.value  # an award, not a statement it owns
    }
    return sorted(slugs)[:WRITERS]


def project_of(data: Path, slug: str) -> set[str]:
    """The awardedFor values of an award, as its file says."""
    quads = ox.parse(path=str(data / "awards.ttl"), format=ox.RdfFormat.TURTLE)
    iri = f"{BASE}id/award/{slug}"
    return {
        q.object.value for q in quads if q.subject.value == iri and q.predicate.value == AWARDED_FOR
    }


class Writer(threading.Thread):
    """Writes one award again and again, each time with a new project text."""

    def __init__(self, base: str, token: str, slug: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.base, self.slug, self.stop = base, slug, stop
        self.headers = {"Authorization": f"Bearer {token}"}
        self.acknowledged: list[str] = []
        self.in_flight: str | None = None

    def run(self) -> None:
        client = httpx.Client(base_url=self.base, headers=self.headers, timeout=60)
        n = 0
        while not self.stop.is_set():
            try:
                current = client.get(f"/id/award/{self.slug}.nt")
                etag = current.headers["etag"]
                kept = [
                    line
                    for line in current.text.splitlines()
                    if line.startswith(f"<{BASE}id/award/{self.slug}>") and AWARDED_FOR not in line
                ]
                n += 1
                text = f"crash test {self.slug} {n}"
                body = "\n".join(
                    [*kept, f'<{BASE}id/award/{self.slug}> <{AWARDED_FOR}> "{text}"@en .']
                )
                self.in_flight = text
                response = client.put(
                    f"/id/award/{self.slug}",
                    content=body,
                    headers={"Content-Type": "application/n-triples", "If-Match": etag},
                )
                if response.status_code == 200:
                    self.acknowledged.append(text)
                    self.in_flight = None
                elif response.status_code != 412:  # 412: another write won; try again
                    raise AssertionError(f"{response.status_code}: {response.text[:500]}")
            except (httpx.HTTPError, KeyError):
                return  # the server is gone


def test_sigkill_during_concurrent_writes_loses_nothing_acknowledged(tmp_path: Path) -> None:
    data, state = tmp_path / "data", tmp_path / "state"
    shutil.copytree(ROOT / "data", data)
    state.mkdir()
    accounts = AccountStore(state)
    accounts.add("maria", "curator", "correct horse battery")
    token = accounts.create_token("maria")
    port = free_port()
    server = start_server(data, state, port)
    base = f"http://127.0.0.1:{port}"
    stop = threading.Event()
    writers = [Writer(base, token, slug, stop) for slug in award_slugs(data)]
    try:
        for w in writers:
            w.start()
        deadline = time.monotonic() + 120
        while sum(len(w.acknowledged) for w in writers) < 12 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.send_signal(signal.SIGKILL)  # in the middle of the burst
        server.wait()
    finally:
        stop.set()
        if server.poll() is None:
            stop_process(server)
    for w in writers:
        w.join(timeout=60)
    acknowledged = sum(len(w.acknowledged) for w in writers)
    assert acknowledged >= 12, "the burst did not get going"

    # every file parses
    for path in sorted(data.glob("*.ttl")):
        ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)

    server = start_server(data, state, port)  # recovery runs first
    try:
        for w in writers:
            in_file = project_of(data, w.slug)
            allowed = {w.acknowledged[-1]} if w.acknowledged else set()
            if w.in_flight:  # sent, not acknowledged: wholly there or not at all
                allowed.add(w.in_flight)
            assert len(in_file) == 1 and in_file <= allowed, (w.slug, in_file, allowed)
            # the store serves what the file holds
            served = httpx.get(f"{base}/id/award/{w.slug}.nt", timeout=30).text
            assert f'"{next(iter(in_file))}"@en' in served
        # the history agrees with the files: every entry finished, the last one per record
        # is what the file holds, and every acknowledged change is in it
        lines = [json.loads(x) for x in (state / "history.jsonl").read_text().splitlines()]
        ends = {x["id"] for x in lines if x["type"] in ("commit", "abort")}
        changes = [x for x in lines if x["type"] == "change"]
        assert {c["id"] for c in changes} <= ends
        committed = {x["id"] for x in lines if x["type"] == "commit"}
        history = httpx.get(
            f"{base}/changes?limit=1000", headers={"Accept": "application/json"}
        ).json()
        texts = {line for c in history["changes"] for line in c["added"]}
        for w in writers:
            for text in w.acknowledged:
                assert any(f'"{text}"@en' in line for line in texts), text
            last = next(
                c
                for c in reversed(changes)
                if c["record"].endswith(f"/award/{w.slug}") and c["id"] in committed
            )
            assert any(
                f'"{next(iter(project_of(data, w.slug)))}"@en' in x
                for x in last["added"]["awards.ttl"]
            )
        # the server still writes after the crash
        etag = httpx.get(f"{base}/id/award/{writers[0].slug}.nt").headers["etag"]
        assert etag
    finally:
        stop_process(server)
    done = subprocess.run(
        [sys.executable, "-m", "kb", "validate"],
        env={**os.environ, "ALLIANCE_DATA_DIR": str(data)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]
