"""Helpers of the endpoint tests: an app on given quads, on the embedded or an external store."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
from fastapi import FastAPI

from kb.config import Settings
from kb.sources.rdf_files import DatasetFiles, SourceFile
from kb.store.embedded import EmbeddedStore
from kb.web.context import KnowledgeBase

BACKENDS = ["embedded", "oxigraph-server"]


@dataclass
class GraphsFixture:
    """Quads in named graphs, as if each graph came from a file."""

    files: DatasetFiles
    quads: list[ox.Quad]

    def graphs(self) -> list[str]:
        return self.files.graphs()


def dataset_of(graphs: dict[str, Iterable[ox.Triple]]) -> GraphsFixture:
    """A dataset with one named graph per entry (as if each came from a file)."""
    sources, quads = [], []
    for graph, triples in graphs.items():
        sources.append(SourceFile(Path(f"{abs(hash(graph))}.nt"), graph, "data"))
        g = ox.NamedNode(graph)
        quads += [ox.Quad(t.subject, t.predicate, t.object, g) for t in triples]
    return GraphsFixture(DatasetFiles(sources, str(hash(tuple(quads)))), quads)


def make_app(
    dataset: GraphsFixture | DatasetFiles,
    backend: str = "embedded",
    settings: Settings | None = None,
    oxigraph_server: object | None = None,
) -> FastAPI:
    """The whole app on `dataset` (quads, or files to load); `oxigraph-server`: the dataset
    is pushed there first."""
    import server
    from kb.publish.graph_store_push import push_store
    from kb.store.external import ExternalStore

    settings = settings or Settings(validate_on_start=False, query_workers=2)
    if isinstance(dataset, GraphsFixture):
        files = dataset.files
        embedded = EmbeddedStore(dataset.quads, content_hash=files.content_hash)
    else:
        files = dataset
        embedded = EmbeddedStore.from_files(files, settings.base_iri)
    if backend == "embedded":
        store: EmbeddedStore | ExternalStore = embedded
    else:
        assert oxigraph_server is not None
        results = push_store(
            embedded.oxigraph,
            files.graphs(),
            oxigraph_server.store_url,  # type: ignore[attr-defined]
        )
        assert all(200 <= status < 300 for _, _, status in results), results
        store = ExternalStore(
            oxigraph_server.query_url,  # type: ignore[attr-defined]
            files.graphs(),
            settings.query_timeout_s,
        )
    kb = KnowledgeBase(settings=settings, dataset=files, store=store)
    return server.create_app(settings, knowledge_base=kb)


@contextlib.contextmanager
def live_server(env: dict[str, str] | None = None, *args: str) -> Iterator[LiveServer]:
    """`python -m kb serve` in a subprocess on a free loopback port (a real uvicorn)."""
    from conftest import ROOT, free_port, stop_process

    port = free_port()
    full_env = {**os.environ, "ALLIANCE_VALIDATE_ON_START": "false", **(env or {})}
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below)
    process = subprocess.Popen(
        [sys.executable, "-m", "kb", "serve", "--port", str(port), *args],
        cwd=ROOT,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError("server did not start:\n" + log.read().decode()[-3000:])
            time.sleep(0.1)
        yield LiveServer(base, process, log)
    finally:
        stop_process(process)
        log.close()


@dataclass
class LiveServer:
    base: str
    process: subprocess.Popen[bytes]
    log: Any

    @property
    def sparql(self) -> str:
        return self.base + "/sparql"

    def output(self) -> str:
        self.log.seek(0)
        text: str = self.log.read().decode("utf-8", "replace")
        return text

    def query_workers(self) -> set[int]:
        """The pids of the query workers: the server's grandchildren (server → zygote → worker)."""
        children = _children()
        return {w for z in children.get(self.process.pid, []) for w in children.get(z, [])}


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":  # a zombie is not a running worker
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree
