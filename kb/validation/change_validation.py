"""Validating a change: the whole knowledge base with the change applied, but only where the
change can make a difference.

The write path (`kb.curation.record_changes`) tries a change in a snapshot of the store
(`EmbeddedStore.trial`) and calls `ChangeValidator.verdict` there. The verdict is the one a
full validation would give: the results on every focus node the change can affect are
computed again (`kb.validation.affected_nodes` works out which: `affected_focus_nodes`),
and every other focus node keeps its results, since nothing it depends on changed.

A change is refused when it leaves a violation on the changed record itself, or a
violation elsewhere that was not there before it (a fifth award makes its edition break the
four-award rule). Violations that were already there and that the change does not touch do
not block it (as `alliance-kb validate PATH` does not repeat them). Warnings never block;
they are reported.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib.term import Node

from kb.config import Settings
from kb.store.changes import ChangeSet
from kb.validation.affected_nodes import affected_focus_nodes, shape_reads
from kb.validation.rdf_terms import ox_to_rdflib
from kb.validation.report import ValidationReport, ValidationResult
from kb.validation.shacl_engine import FOCUS_GRAPH, FastEngine
from kb.validation.validator import load_shapes, report_prefixes


@dataclass(frozen=True)
class ChangeVerdict:
    """What validating a change found (picklable: it comes back from the trial process)."""

    #: Results about the changed record's nodes, and new results elsewhere.
    results: list[ValidationResult]
    #: True when a violation blocks the change.
    refused: bool
    #: Focus nodes validated again (the size of the incremental work; -1: all of them).
    checked: int


def data_graphs(store: ox.Store) -> list[ox.NamedNode]:
    """The store's named graphs (ontology, vocabularies, data files): the data graph's parts."""
    return sorted(
        (g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value != FOCUS_GRAPH),
        key=lambda g: g.value,
    )


class ChangeValidator:
    """The shapes compiled once; `verdict(store, change, subjects)` per change."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.shapes = load_shapes(settings)
        self.engine = FastEngine(self.shapes)
        # what each shape reads, worked out here once: a trial runs in a forked process,
        # where anything computed is lost when it ends
        shape_reads(self.engine)

    def full(self, store: ox.Store) -> list[ValidationResult]:
        """Every result on the union of the store's graphs (what `alliance-kb validate` says)."""
        return self.engine.validate_graphs(store, data_graphs(store))

    def incremental(
        self, store: ox.Store, change: ChangeSet
    ) -> tuple[dict[Node, set[Any] | None] | None, list[ValidationResult]]:
        """(the focus nodes per shape the change can affect, their results now)."""
        candidates = affected_focus_nodes(self.engine, store, change)
        return candidates, self.engine.validate_graphs(store, data_graphs(store), candidates)

    def verdict(
        self, store: ox.Store, change: ChangeSet, subjects: Collection[ox.NamedNode]
    ) -> ChangeVerdict:
        """Validate `change`, already applied to `store` (a trial snapshot: it is modified
        and restored). `subjects` are the changed record's nodes."""
        candidates, after = self.incremental(store, change)
        own = {ox_to_rdflib(s) for s in subjects}
        elsewhere = [r for r in after if r.focus_node not in own]
        new_elsewhere = elsewhere
        if elsewhere:
            # what was already there: the same focus nodes before the change
            inverse = ChangeSet(change.added, change.removed)
            inverse.apply_to(store)
            try:
                before = set(self.engine.validate_graphs(store, data_graphs(store), candidates))
            finally:
                change.apply_to(store)
            new_elsewhere = [r for r in elsewhere if r not in before]
        reported = [r for r in after if r.focus_node in own] + new_elsewhere
        refused = any(r.severity == "Violation" for r in reported)
        checked = -1
        if candidates is not None and all(nodes is not None for nodes in candidates.values()):
            checked = len({n for nodes in candidates.values() if nodes for n in nodes})
        return ChangeVerdict(reported, refused, checked)

    def report(self, results: list[ValidationResult]) -> ValidationReport:
        return ValidationReport(results, self.shapes, "fast", report_prefixes(self.settings))
