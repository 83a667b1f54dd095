"""The gate of the main process's store: readers share it; a commit or a fork is alone.

Two reasons to hold readers back for a moment:

* a commit removes and adds quads in several calls to Oxigraph; behind the gate, no reader
  of the main process (pages, exports, search) sees a change half applied;
* a fork copies the process as it is, locks included. Oxigraph's in-memory store takes
  internal locks while it reads (sharded maps); a fork while another thread reads would
  give the child a lock that nobody will ever release, and the child's first write would
  hang. Forking with the gate held alone means no thread is inside the store. (CPython
  re-creates its own locks in the child: the GIL, the import lock, `logging`'s and
  `threading`'s.)

Readers are cheap (a condition variable, a few microseconds) and may nest in one thread; a
waiting writer goes before new readers of other threads, so commits are not starved.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class StoreGate:
    """A readers-writer lock with writer preference and re-entrant readers."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer: int | None = None  # thread id of the writer inside
        self._writers_waiting = 0
        self._mine = threading.local()

    def _depth(self) -> int:
        depth: int = getattr(self._mine, "depth", 0)
        return depth

    @contextmanager
    def shared(self) -> Iterator[None]:
        """Read the store: any number of threads at once, never during a commit or fork."""
        depth = self._depth()
        if depth or self._writer == threading.get_ident():
            self._mine.depth = depth + 1  # nested in this thread's own read (or write)
            try:
                yield
            finally:
                self._mine.depth = depth
            return
        with self._cond:
            while self._writer is not None or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        self._mine.depth = 1
        try:
            yield
        finally:
            self._mine.depth = 0
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Write to the store or fork the process: no reader is inside meanwhile."""
        if self._depth():
            raise RuntimeError("cannot commit or fork the store from inside a read of it")
        with self._cond:
            self._writers_waiting += 1
            try:
                while self._writer is not None or self._readers:
                    self._cond.wait()
            finally:
                self._writers_waiting -= 1
            self._writer = threading.get_ident()
        try:
            yield
        finally:
            with self._cond:
                self._writer = None
                self._cond.notify_all()

    def reset_after_fork(self) -> None:
        """In a forked child: a fresh, open gate (the parent's state means nothing here)."""
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = None
        self._writers_waiting = 0
        self._mine = threading.local()
