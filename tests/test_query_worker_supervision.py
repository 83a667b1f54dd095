"""Supervision of the query workers: whatever dies is replaced, nothing outlives the server.

The fault test kills random children with SIGKILL under load, then every child at once: the
endpoint recovers by itself and fewer than 2 % of requests fail meanwhile.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time

import httpx
import pyoxigraph as ox
from fastapi.testclient import TestClient
from sparql_helpers import LiveServer, _children, dataset_of, live_server, make_app

from kb.config import Settings

G = "https://example.org/graph/things"
QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def wait_for(predicate: object, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def descendants(pid: int) -> set[int]:
    tree = _children()
    found, todo = set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def zygotes(server: LiveServer) -> set[int]:
    return set(_children().get(server.process.pid, []))


def healthy(server: LiveServer, workers: int) -> bool:
    try:
        r = httpx.get(server.base + "/health", timeout=5)
    except httpx.HTTPError:
        return False
    return r.status_code == 200 and len(server.query_workers()) == workers


# -- in process: /health while the zygote cannot be replaced -------------------------------


def test_health_is_degraded_while_queries_cannot_run_and_ok_once_they_can() -> None:
    triples = [
        ox.Triple(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal(i)) for i in range(5)
    ]
    settings = Settings(validate_on_start=False, query_workers=2, response_cache_mb=0)
    with TestClient(make_app(dataset_of({G: triples}), settings=settings)) as client:
        pool = client.app.state.sparql.pool  # type: ignore[attr-defined]
        assert client.get("/health").status_code == 200
        # hold the next zygote back, then kill the current one (its workers die with it)
        release = threading.Event()
        make_zygote = pool._make_zygote

        def held_back() -> object:
            release.wait(30)
            return make_zygote()

        pool._make_zygote = held_back
        os.kill(pool._zygote.pid, signal.SIGKILL)
        assert wait_for(lambda: client.get("/health").status_code == 503)
        body = client.get("/health").json()
        assert body["status"] == "degraded"
        assert "zygote" in body["detail"] and body["error"] == "Service Unavailable"
        release.set()
        assert wait_for(lambda: client.get("/health").status_code == 200, timeout=5)
        assert wait_for(lambda: client.get("/health").json()["workers"] == 2, timeout=5)
        r = client.get("/sparql", params={"query": QUERY}, headers={"accept": "text/csv"})
        assert r.status_code == 200 and r.text.split()[1] == "5"
        assert pool.replaced >= 3  # the zygote and its two workers


# -- a real server --------------------------------------------------------------------------


def test_a_killed_zygote_is_replaced_within_a_second() -> None:
    with live_server({"ALLIANCE_QUERY_WORKERS": "2"}) as server:
        assert wait_for(lambda: healthy(server, 2))
        (zygote,) = zygotes(server)
        workers = server.query_workers()
        os.kill(zygote, signal.SIGKILL)
        killed = time.monotonic()
        assert wait_for(lambda: zygotes(server) - {zygote} and healthy(server, 2), timeout=5)
        assert time.monotonic() - killed < 1.5
        assert not server.query_workers() & workers  # its workers died with it, replaced
        r = httpx.get(server.sparql, params={"query": "ASK { ?s ?p ?o }"})
        assert r.json()["boolean"] is True
        assert "zygote" in server.output() and "died" in server.output()


def test_no_child_outlives_a_killed_server() -> None:
    with live_server({"ALLIANCE_QUERY_WORKERS": "3"}) as server:
        assert wait_for(lambda: healthy(server, 3))
        children = descendants(server.process.pid)
        assert len(children) == 4  # a zygote and three workers
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
        assert wait_for(lambda: not any(alive(pid) for pid in children), timeout=2)


def test_killing_children_under_load_fails_fewer_than_two_percent_of_requests() -> None:
    """SIGKILL to random children (zygote or workers) for 6 s under load, then to every
    child at once: fewer than 2 % of requests fail, and the endpoint recovers by itself."""
    env = {"ALLIANCE_QUERY_WORKERS": "3", "ALLIANCE_RESPONSE_CACHE_MB": "0"}
    with live_server(env) as server:
        assert wait_for(lambda: healthy(server, 3))
        statuses: list[int] = []
        stop = threading.Event()

        def load(i: int) -> None:
            with httpx.Client(timeout=30) as client:
                while not stop.is_set():
                    try:
                        r = client.get(server.sparql, params={"query": f"ASK {{ ?s ?p {i} }}"})
                        statuses.append(r.status_code)
                    except httpx.HTTPError:
                        statuses.append(0)

        clients = [threading.Thread(target=load, args=(i,)) for i in range(6)]
        for t in clients:
            t.start()
        rng = random.Random(7)
        kills = 0
        try:
            storm_end = time.monotonic() + 6
            while time.monotonic() < storm_end:
                victims = sorted(descendants(server.process.pid))
                if victims:
                    os.kill(rng.choice(victims), signal.SIGKILL)
                    kills += 1
                time.sleep(rng.uniform(0.05, 0.3))
            for pid in descendants(server.process.pid):  # every child at once
                os.kill(pid, signal.SIGKILL)
            kills += 1
            assert wait_for(lambda: healthy(server, 3), timeout=10), "did not recover"
            time.sleep(1)  # a little load after recovery
        finally:
            stop.set()
            for t in clients:
                t.join()
        failed = sum(1 for s in statuses if s != 200)
        print(f"storm: {kills} kills, {failed} of {len(statuses)} requests failed")
        assert kills >= 10 and len(statuses) > 200
        assert failed / len(statuses) < 0.02, f"{failed} of {len(statuses)} requests failed"
        r = httpx.get(server.sparql, params={"query": "ASK { ?s ?p ?o }"})
        assert r.json()["boolean"] is True
