"""The store change API: `trial` is seen by no reader, `commit` by every reader within 2 s."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from sparql_helpers import dataset_of, make_app

from kb.config import Settings
from kb.store.changes import ChangeSet, ReadOnlyStoreError, TrialFailed
from kb.store.embedded import EmbeddedStore

G = "https://example.org/graph/things"
P = ox.NamedNode("urn:p")


def quad(i: int, graph: str = G) -> ox.Quad:
    return ox.Quad(ox.NamedNode(f"urn:s{i}"), P, ox.Literal(i), ox.NamedNode(graph))


def count(store: ox.Store | EmbeddedStore, where: str = "?s <urn:p> ?o") -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"
    if isinstance(store, EmbeddedStore):
        rows = store.select(query)
    else:
        solutions = store.query(query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        rows = list(solutions)  # type: ignore[arg-type]
    return int(rows[0]["n"].value)  # type: ignore[index, union-attr]


class TriedError(Exception):
    """Raised by a check (picklable: it comes back from the trial process)."""


# -- ChangeSet ----------------------------------------------------------------------------


def test_a_quad_both_removed_and_added_is_no_change() -> None:
    change = ChangeSet.of(removed=[quad(1), quad(2)], added=[quad(2), quad(3), quad(3)])
    assert change.removed == (quad(1),)
    assert change.added == (quad(3),)
    assert change.graphs() == {G}
    assert not ChangeSet.of([quad(1)], [quad(1)])


# -- commit -------------------------------------------------------------------------------


def test_commit_changes_the_store_bumps_the_generation_and_tells_subscribers() -> None:
    store = EmbeddedStore([quad(i) for i in range(5)])
    heard: list[tuple[ChangeSet, int, int]] = []
    store.subscribe(lambda change, gen: heard.append((change, gen, count(store))))
    change = ChangeSet.of(removed=[quad(0), quad(1)], added=[quad(10)])
    assert store.commit(change) == 1
    assert store.generation == 1
    assert count(store) == 4
    assert store.ask("ASK { <urn:s10> <urn:p> 10 }")
    assert not store.ask("ASK { <urn:s0> ?p ?o }")
    # subscribers run after the apply, and may read the store they are told about
    assert heard == [(change, 1, 4)]
    assert store.commit(ChangeSet.of(added=[quad(11)])) == 2


def test_counts_follow_commits_without_counting_again() -> None:
    store = EmbeddedStore([quad(i) for i in range(5)] + [quad(0, "urn:other")])
    assert store.triple_count() == 6
    assert store.graph_counts() == {G: 5, "urn:other": 1}
    # removing an absent quad and adding a present one change nothing
    store.commit(ChangeSet.of(removed=[quad(0, "urn:other"), quad(99)], added=[quad(1), quad(7)]))
    assert store.triple_count() == 6 == len(store.oxigraph)
    assert store.graph_counts() == {G: 6}


def test_a_failing_subscriber_does_not_undo_the_commit_nor_silence_the_others() -> None:
    store = EmbeddedStore([quad(1)])
    heard: list[int] = []

    def broken(change: ChangeSet, generation: int) -> None:
        raise RuntimeError("index unavailable")

    store.subscribe(broken)
    store.subscribe(lambda change, generation: heard.append(generation))
    assert store.commit(ChangeSet.of(added=[quad(2)])) == 1
    assert heard == [1]
    assert count(store) == 2


def test_the_on_disk_store_has_no_write_path(tmp_path: Path) -> None:
    store = EmbeddedStore([quad(1)], tmp_path, content_hash="h")
    with pytest.raises(ReadOnlyStoreError):
        store.commit(ChangeSet.of(added=[quad(2)]))
    with pytest.raises(ReadOnlyStoreError):
        store.trial(ChangeSet.of(added=[quad(2)]), count)


# -- trial --------------------------------------------------------------------------------


def test_trial_checks_the_changed_state_and_leaves_the_store_alone() -> None:
    store = EmbeddedStore([quad(i) for i in range(5)])
    change = ChangeSet.of(removed=[quad(0)], added=[quad(10), quad(11)])

    def check(tried: ox.Store) -> tuple[int, bool, bool]:
        return count(tried), quad(10) in tried, quad(0) in tried

    assert store.trial(change, check) == (6, True, False)
    assert count(store) == 5
    assert store.generation == 0
    assert quad(0) in store.oxigraph and quad(10) not in store.oxigraph


def test_trial_raises_what_the_check_raises() -> None:
    store = EmbeddedStore([quad(1)])

    def check(tried: ox.Store) -> None:
        raise TriedError(f"{count(tried)} quads")

    with pytest.raises(TriedError, match="2 quads") as caught:
        store.trial(ChangeSet.of(added=[quad(2)]), check)
    assert any("raised in the trial process" in note for note in caught.value.__notes__)


def test_trial_says_when_the_result_cannot_come_back() -> None:
    store = EmbeddedStore([quad(1)])
    with pytest.raises(TrialFailed, match="cannot be pickled"):
        store.trial(ChangeSet(), lambda tried: threading.Lock())


def test_trial_past_its_timeout_is_stopped() -> None:
    store = EmbeddedStore([quad(1)])
    started = time.monotonic()
    with pytest.raises(TrialFailed, match="longer than 1 s"):
        store.trial(ChangeSet(), lambda tried: time.sleep(60), timeout_s=1)
    assert 0.9 < time.monotonic() - started < 4


def test_trial_whose_process_dies_fails_cleanly() -> None:
    store = EmbeddedStore([quad(1)])
    with pytest.raises(TrialFailed, match="SIGKILL"):
        store.trial(ChangeSet(), lambda tried: os.kill(os.getpid(), signal.SIGKILL))
    assert count(store) == 1  # and the store goes on


def test_readers_never_see_a_tried_change_nor_half_a_commit() -> None:
    """Ten quads with <urn:p> at all times: each commit swaps one for another (remove +
    add), each trial adds five. Readers in other threads must always count ten."""
    store = EmbeddedStore([quad(i) for i in range(10)])
    seen: set[int] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.add(count(store))

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    try:
        tried = []
        for i in range(10, 40):
            change = ChangeSet.of(removed=[quad(i - 10)], added=[quad(i)])
            store.commit(change)
            if i % 5 == 0:
                extra = ChangeSet.of(added=[quad(1000 + k) for k in range(5)])
                tried.append(store.trial(extra, count))
    finally:
        stop.set()
        for t in readers:
            t.join()
    assert tried == [15] * 6
    assert seen == {10}
    assert store.generation == 30


# -- the server: /sparql, its cache, pages --------------------------------------------------


def sparql_count(client: TestClient, subject: str) -> int:
    r = client.get(
        "/sparql",
        params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ <{subject}> ?p ?o }}"},
        headers={"accept": "application/sparql-results+json"},
    )
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def workers_of(client: TestClient) -> set[int]:
    pool = client.app.state.sparql.pool  # type: ignore[attr-defined]
    return {w.pid for w in pool._live}


def test_a_commit_reaches_sparql_within_two_seconds_and_retires_old_workers() -> None:
    dataset = dataset_of({G: [quad(i).triple for i in range(3)]})
    settings = Settings(validate_on_start=False, query_workers=2, response_cache_mb=8)
    with TestClient(make_app(dataset, settings=settings)) as client:
        store: EmbeddedStore = client.app.state.kb.store  # type: ignore[attr-defined]
        assert sparql_count(client, "urn:s7") == 0
        assert sparql_count(client, "urn:s7") == 0  # now from the response cache
        before = workers_of(client)
        assert len(before) == 2
        committed = time.monotonic()
        store.commit(ChangeSet.of(added=[quad(7)]))
        while sparql_count(client, "urn:s7") == 0:
            assert time.monotonic() - committed < 2, "the commit did not reach /sparql in 2 s"
            time.sleep(0.02)
        # every worker now answers from the new state: the old ones were retired
        deadline = time.monotonic() + 2
        while workers_of(client) & before or len(workers_of(client)) != 2:
            assert time.monotonic() < deadline, "old query workers were not retired"
            time.sleep(0.02)
        assert all(sparql_count(client, "urn:s7") == 1 for _ in range(6))
        health = client.get("/health").json()
        assert health["generation"] == 1 and health["triples"] == 4


def test_pages_see_a_commit_at_once() -> None:
    with TestClient(make_app(dataset_of({G: [quad(1).triple]}))) as client:
        store: EmbeddedStore = client.app.state.kb.store  # type: ignore[attr-defined]
        label = ox.Quad(
            ox.NamedNode("urn:s1"),
            ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
            ox.Literal("Ghent", language="en"),
            ox.NamedNode(G),
        )
        store.commit(ChangeSet.of(added=[label]))
        rows = store.select("SELECT ?l WHERE { <urn:s1> ?p ?l FILTER(isLiteral(?l)) }")
        assert {str(r["l"].value) for r in rows} == {"1", "Ghent"}  # type: ignore[union-attr]


def test_a_live_server_answers_while_commits_arrive() -> None:
    """No request fails while the store changes under load (workers being retired)."""
    dataset = dataset_of({G: [quad(i).triple for i in range(50)]})
    settings = Settings(validate_on_start=False, query_workers=2, response_cache_mb=0)
    with TestClient(make_app(dataset, settings=settings)) as client:
        store: EmbeddedStore = client.app.state.kb.store  # type: ignore[attr-defined]
        statuses: list[int] = []
        stop = threading.Event()

        def load() -> None:
            while not stop.is_set():
                try:
                    statuses.append(
                        client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code
                    )
                except httpx.HTTPError:
                    statuses.append(0)

        threads = [threading.Thread(target=load) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            for i in range(100, 120):
                store.commit(ChangeSet.of(added=[quad(i)]))
                time.sleep(0.05)
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert statuses and set(statuses) == {200}
        assert sparql_count(client, "urn:s119") == 1
