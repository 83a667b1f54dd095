"""Forking the main process safely, and running a function in the fork.

A fork of the main process holds a copy-on-write snapshot of its in-memory store: the
query workers' zygote is one (`kb.store.query_workers`), a store trial is another
(`EmbeddedStore.trial`). Each fork here:

* happens with the store's gate held alone (`kb.store.store_gate`), so that no other thread
  is inside Oxigraph and no store lock is copied locked;
* asks the kernel to kill the child when the thread that forked it ends
  (`PR_SET_PDEATHSIG`), so no child outlives the server, even one killed with SIGKILL;
* gives the child default signal handling (the server's SIGINT/SIGTERM handlers are the
  server's business) and leaves it with `os._exit`, never running the parent's clean-ups;
* freezes the inherited objects out of the garbage collector (`gc.freeze`): the child never
  frees what the parent owns (an inherited socket closed by a collection in the child
  could close a descriptor the child has since reused);
* closes the inherited descriptors the child has no use for (a long-lived zygote keeps
  only its control socket; a trial closes every socket): the server's client connections
  must close when the server closes them, not when its children exit.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import pickle
import select
import signal
import stat
import time
import traceback
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from kb.store.changes import TrialFailed
from kb.store.store_gate import StoreGate

T = TypeVar("T")

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int, sig: int = signal.SIGKILL) -> None:
    """Have the kernel send `sig` to this process when its parent (thread) ends."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent ended before the request took effect
        os._exit(1)


def reset_signals() -> None:
    """Default signal handling in a child; SIGINT ignored (the server stops its children)."""
    with contextlib.suppress(ValueError, OSError):
        signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)


def fork_under(
    gate: StoreGate,
    child_main: Callable[[], None],
    keep_fds: Collection[int] | None = None,
) -> int:
    """Fork with the gate held alone; the child runs `child_main` then exits. Returns its pid.

    With `keep_fds`, the child closes every inherited descriptor but those and 0, 1, 2;
    without, it closes the inherited sockets only.
    """
    parent = os.getpid()
    with gate.exclusive():
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                gc.freeze()
                gate.reset_after_fork()
                die_with_parent(parent)
                reset_signals()
                if keep_fds is None:
                    close_inherited_sockets()
                else:
                    close_fds_except(keep_fds)
                child_main()
            except BaseException:
                code = 1
            os._exit(code)
    return pid


def close_fds_except(keep: Collection[int]) -> None:
    """Close every descriptor from 3 up but those in `keep`."""
    low = 3
    for fd in sorted(k for k in keep if k >= 3):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, os.sysconf("SC_OPEN_MAX"))


def close_inherited_sockets() -> None:
    """Close every socket descriptor of this process (files and pipes stay open)."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        with contextlib.suppress(OSError):
            if fd > 2 and stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)


def call_in_child(gate: StoreGate, fn: Callable[[], T], timeout_s: float | None = None) -> T:
    """`fn()` in a forked child; its result (or exception) comes back pickled.

    An exception raised by `fn` is raised again here (with the child's traceback as a
    note) if it can be pickled, else `TrialFailed` with its text. A child that dies, or
    runs past `timeout_s` (then it is killed), raises `TrialFailed`.
    """
    read_fd, write_fd = os.pipe()

    def child() -> None:
        os.close(read_fd)
        with open(write_fd, "wb") as out:
            out.write(_outcome(fn))

    try:
        pid = fork_under(gate, child)
    except BaseException:
        os.close(read_fd)
        os.close(write_fd)
        raise
    os.close(write_fd)
    try:
        data = _read_until_eof(read_fd, pid, timeout_s)
    finally:
        os.close(read_fd)
        _, status = os.waitpid(pid, 0)
    if not data:
        raise TrialFailed(f"the trial process died ({_describe(status)})")
    kind, text, blob = pickle.loads(data)
    value: Any = None
    if blob is not None:
        try:
            value = pickle.loads(blob)
        except Exception as exc:
            raise TrialFailed(f"the trial's {kind} could not be read back: {exc}; {text}") from None
    if kind == "result":
        if blob is None:
            raise TrialFailed(f"the check's result cannot be pickled: {text}")
        result: T = value
        return result
    if isinstance(value, BaseException):
        value.add_note(f"raised in the trial process:\n{text}")
        raise value
    raise TrialFailed(f"the check raised an exception that cannot be pickled: {text}")


def _outcome(fn: Callable[[], Any]) -> bytes:
    """(kind, text, pickled object or None): the pickle of the outer tuple never fails."""
    try:
        kind, obj, text = "result", fn(), ""
    except BaseException as exc:
        kind, obj, text = "exception", exc, "".join(traceback.format_exception(exc))
    try:
        blob: bytes | None = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        blob, text = None, text or f"{type(exc).__name__}: {exc}"
    return pickle.dumps((kind, text, blob), protocol=pickle.HIGHEST_PROTOCOL)


def _read_until_eof(fd: int, pid: int, timeout_s: float | None) -> bytes:
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    parts: list[bytes] = []
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP)
    while True:
        wait_ms = None if deadline is None else max(0, int((deadline - time.monotonic()) * 1000))
        if not poller.poll(wait_ms):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            raise TrialFailed(f"the trial took longer than {timeout_s:g} s and was stopped")
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
