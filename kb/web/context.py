"""What every route can reach: the knowledge base as loaded at start-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pyoxigraph as ox
from fastapi import Request

from kb.config import Settings
from kb.sources.rdf_files import DatasetFiles
from kb.store.changes import ChangeSet
from kb.store.embedded import EmbeddedStore, KnowledgeStore

T = TypeVar("T")


@dataclass
class KnowledgeBase:
    """The settings, the store, and the files it was loaded from (graph → file: a record's
    file is the file of its graph, `dataset.file_of(graph)`). The quads are in the store."""

    settings: Settings
    dataset: DatasetFiles
    store: KnowledgeStore
    #: The start-up validation report (`kb.validation.report.ValidationReport`), or None
    #: while it is being made (in the background).
    validation: Any = None

    def state_key(self) -> str:
        """Names what the store holds now (the files' content hash, and commits since)."""
        if isinstance(self.store, EmbeddedStore):
            return self.store.state_key
        return self.dataset.content_hash

    def isolated(self, work: Callable[[ox.Store], T]) -> T:
        """`work(store)` on a pyoxigraph store holding the knowledge base as it is now,
        which `work` may change at will and no reader sees: a forked snapshot of the
        in-memory store (see `EmbeddedStore.trial`), the read-only on-disk store itself
        (then `work` must only read), or the files loaded afresh (an external store)."""
        store = self.store
        if isinstance(store, EmbeddedStore) and store.writable:
            return store.trial(ChangeSet(), work)
        if isinstance(store, EmbeddedStore):
            with store.reading() as oxigraph:
                return work(oxigraph)
        return work(EmbeddedStore.from_files(self.dataset, self.settings.base_iri).oxigraph)


def get_kb(request: Request) -> KnowledgeBase:
    """FastAPI dependency: the knowledge base of this app."""
    kb: KnowledgeBase = request.app.state.kb
    return kb
