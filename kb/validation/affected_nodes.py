"""Which focus nodes a change can affect, per shape (the incremental validation's input).

`affected_focus_nodes(engine, store, change)` returns, for each targeted shape, the nodes
whose results may differ once the change is applied; `None` means every focus node of every
shape (a full validation).
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from rdflib.term import Node

from kb.store.changes import ChangeSet
from kb.validation.shacl_engine import FastEngine


def affected_focus_nodes(
    engine: FastEngine, store: ox.Store, change: ChangeSet
) -> dict[Node, set[Any]] | None:
    """The focus nodes per shape whose results the change can alter (None: all of them)."""
    return None
