"""What every route can reach: the knowledge base as loaded at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request

from kb.config import Settings
from kb.sources.rdf_files import LoadedDataset
from kb.store.embedded import KnowledgeStore


@dataclass
class KnowledgeBase:
    settings: Settings
    dataset: LoadedDataset
    store: KnowledgeStore
    #: The start-up validation report (`kb.validation.report.ValidationReport`), or None.
    validation: Any = None


def get_kb(request: Request) -> KnowledgeBase:
    """FastAPI dependency: the knowledge base of this app."""
    kb: KnowledgeBase = request.app.state.kb
    return kb
