"""Changes to the live store: what a curator's edit removes and adds.

A `ChangeSet` is the unit of the store's change API (`kb.store.embedded.EmbeddedStore`):
`trial(change, check)` runs a check on the committed state with the change applied, in a
forked process that no reader sees; `commit(change)` applies it to the live store and tells
every subscriber (`Listener`). The quads are in the named graphs of the data files
(`{base}graph/{stem}`), as loaded by `kb.sources.rdf_files`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class ChangeSet:
    """Quads to remove and to add, in the named graphs of the data files (graph/{stem})."""

    removed: tuple[ox.Quad, ...] = ()
    added: tuple[ox.Quad, ...] = ()

    @classmethod
    def of(cls, removed: Iterable[ox.Quad] = (), added: Iterable[ox.Quad] = ()) -> ChangeSet:
        """A change from any iterables; a quad both removed and added is left alone."""
        gone, new = tuple(dict.fromkeys(removed)), tuple(dict.fromkeys(added))
        both = set(gone) & set(new)
        if both:
            gone = tuple(q for q in gone if q not in both)
            new = tuple(q for q in new if q not in both)
        return cls(gone, new)

    def __bool__(self) -> bool:
        return bool(self.removed or self.added)

    def graphs(self) -> set[str]:
        """The names of the graphs the change touches."""
        return {
            q.graph_name.value
            for q in (*self.removed, *self.added)
            if isinstance(q.graph_name, ox.NamedNode)
        }

    def apply_to(self, store: ox.Store) -> None:
        """Remove, then add (the caller makes this atomic for readers: see `StoreGate`)."""
        for quad in self.removed:
            store.remove(quad)
        if self.added:
            store.extend(self.added)


#: Called after each commit, in the committing thread, with the change and the new generation.
Listener = Callable[[ChangeSet, int], None]


class ReadOnlyStoreError(RuntimeError):
    """This store has no write path (an external endpoint, or an on-disk read replica)."""


class TrialFailed(RuntimeError):
    """A trial's process died, timed out, or its check's outcome could not be sent back."""
