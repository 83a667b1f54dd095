"""Queries run in worker processes, so that a slow one can really be stopped.

Oxigraph cannot interrupt a running query from another thread, so each
query of the endpoint runs in a worker process, and a query past its
deadline (or whose client went away) is stopped by killing its worker.

    main process (asyncio, HTTP) ──socket──▶ worker 1 ... worker N
            │ control socket                     ▲ forked by
            └──────────────▶ zygote ─────────────┘

At start-up the main process forks a *zygote* once, right after the store
is built; the zygote stays single-threaded and forks every worker (so a
replacement worker is never forked from the multi-threaded server). An
in-memory store is shared with the workers copy-on-write; an on-disk store
is opened read-only by each worker. A worker's socket is handed to the main
process with SCM_RIGHTS.

Worker → main frames: `H` header (JSON: kind, format), `D` data chunk,
`T` trailer (JSON: rows, truncated), `X` error (JSON: status, error, detail).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import os
import signal
import socket
import struct
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kb.store.embedded import EmbeddedStore, dataset_options
from kb.store.result_formats import (
    RowCap,
    serialize_boolean,
    serialize_solutions,
    serialize_triples,
)

log = logging.getLogger("kb.store.query_workers")

CHUNK_BYTES = 64 * 1024
_LEN = struct.Struct("!cI")


@dataclass
class QueryRequest:
    query: str
    formats: dict[str, str | None]  # kind → format name (see kb.store.query_text.negotiate)
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    max_rows: int | None = None
    prefixes: dict[str, str] = field(default_factory=dict)
    base_iri: str | None = None  # the service's base IRI for relative IRIs: the endpoint
    has_dataset_clause: bool | None = None  # FROM / FROM NAMED (None: look at the query)


class QueryFailed(Exception):
    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail


class QueryTimeout(Exception):
    pass


# -- worker side (blocking, in the forked process) ---------------------------------------


class _ChannelClosed(Exception):
    """The main process closed the worker's socket (its query was abandoned)."""


def _send(sock: socket.socket, tag: bytes, payload: bytes) -> None:
    try:
        sock.sendall(_LEN.pack(tag, len(payload)) + payload)
    except OSError as exc:
        raise _ChannelClosed() from exc


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        part = sock.recv(n - len(buf))
        if not part:
            return None
        buf += part
    return buf


class _FrameWriter:
    """Frames to the main process, coalesced: a small result goes in one write."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.frames: list[bytes] = []  # frames ready to send
        self.parts: list[bytes] = []  # data of the D frame being filled
        self.size = 0

    def frame(self, tag: bytes, payload: bytes) -> None:
        self.frames.append(_LEN.pack(tag, len(payload)) + payload)

    def write(self, data: bytes) -> None:
        self.parts.append(data)
        self.size += len(data)
        if self.size >= CHUNK_BYTES:
            self.flush_data()
            self.send()

    def flush_data(self) -> None:
        if self.parts:
            self.frame(b"D", b"".join(self.parts))
            self.parts, self.size = [], 0

    def send(self) -> None:
        if self.frames:
            data, self.frames = b"".join(self.frames), []
            try:
                self.sock.sendall(data)
            except OSError as exc:
                raise _ChannelClosed() from exc


def execute_query(store: Any, req: QueryRequest, sock: socket.socket) -> None:
    """Run one query and stream its serialization as frames."""
    try:
        result = store.query(
            req.query,
            base_iri=req.base_iri,
            **dataset_options(
                req.query, req.default_graphs, req.named_graphs, req.has_dataset_clause
            ),
        )
    except SyntaxError as exc:
        _send_error(sock, 400, "Bad Request", f"Malformed query: {exc.msg or exc}")
        return
    if isinstance(result, ox.QuerySolutions):
        kind = "solutions"
    elif isinstance(result, ox.QueryBoolean):
        kind = "boolean"
    else:
        kind = "graph"
    fmt = req.formats.get(kind)
    if fmt is None:
        _send_error(sock, 406, "Not Acceptable", f"no acceptable format for a {kind} result")
        return
    out = _FrameWriter(sock)
    out.frame(b"H", json.dumps({"kind": kind, "format": fmt}).encode())
    cap = RowCap(req.max_rows)
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        serialize_solutions(variables, (tuple(s) for s in result), fmt, out.write, cap)
    elif isinstance(result, ox.QueryBoolean):
        serialize_boolean(bool(result), fmt, out.write)
    else:
        serialize_triples(result, fmt, out.write, cap, req.prefixes)
    out.flush_data()
    out.frame(b"T", json.dumps({"rows": cap.rows, "truncated": cap.truncated}).encode())
    out.send()


def _send_error(sock: socket.socket, status: int, error: str, detail: str) -> None:
    payload = {"status": status, "error": error, "detail": detail}
    _send(sock, b"X", json.dumps(payload).encode())


def _reset_signals() -> None:
    with contextlib.suppress(ValueError, OSError):
        signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides when workers stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _worker_main(sock: socket.socket, open_store: Callable[[], Any]) -> None:
    store = open_store()
    while True:
        head = _recv_exact(sock, _LEN.size)
        if head is None:
            return
        _, size = _LEN.unpack(head)
        payload = _recv_exact(sock, size)
        if payload is None:
            return
        req = QueryRequest(**json.loads(payload))
        try:
            execute_query(store, req, sock)
        except _ChannelClosed:
            return
        except Exception as exc:  # reported to the client without a stack trace
            log.warning("query failed in worker: %s", exc)
            _send_error(sock, 500, "Query Error", str(exc)[:2000])


def _zygote_main(ctrl: socket.socket, open_store: Callable[[], Any]) -> None:
    _reset_signals()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped automatically
    children: list[int] = []
    while True:
        try:
            data = ctrl.recv(1)
        except OSError:
            data = b""
        if not data:
            break
        mine, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            ctrl.close()
            mine.close()
            code = 0
            try:
                _worker_main(theirs, open_store)
            except BaseException:
                code = 1
            os._exit(code)
        theirs.close()
        socket.send_fds(ctrl, [str(pid).encode()], [mine.fileno()])
        mine.close()
        children = [c for c in children if _alive(c)] + [pid]
    for pid in children:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


# -- main side (asyncio) ---------------------------------------------------------------


@dataclass
class _Worker:
    pid: int
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter


class Execution:
    """A query running in a worker: its header is known; its body is read by `chunks()`."""

    def __init__(self, pool: WorkerPool, worker: _Worker, header: dict[str, Any], deadline: float):
        self._pool = pool
        self._worker: _Worker | None = worker
        self.header = header
        self.deadline = deadline
        self.trailer: dict[str, Any] = {}
        self.first: bytes | None = None  # the first chunk, read before the response starts
        self._aborted = False

    async def read_first(self) -> None:
        """Read the first chunk and, if the result is small, up to its end (complete)."""
        parts: list[bytes] = []
        size = 0
        while size < CHUNK_BYTES:
            frame = await self._next()
            if frame is None:
                break
            parts.append(frame)
            size += len(frame)
        self.first = b"".join(parts)

    async def _next(self) -> bytes | None:
        worker = self._worker
        if worker is None:
            return None
        try:
            async with asyncio.timeout_at(self._loop_deadline()):
                tag, payload = await _read_frame(worker.reader)
        except TimeoutError:
            self.abort()
            raise QueryTimeout() from None
        except (asyncio.IncompleteReadError, ConnectionError):
            self.abort()
            raise QueryFailed(500, "Query Error", "the query stopped unexpectedly") from None
        except BaseException:
            self.abort()
            raise
        if tag == b"D":
            return payload
        if tag == b"T":
            self.trailer = json.loads(payload)
            self._worker = None
            self._pool.release(worker)
            return None
        if tag == b"X":  # the query failed after its first results (e.g. a SERVICE call)
            self._worker = None
            self._pool.release(worker)
            err = json.loads(payload)
            raise QueryFailed(err["status"], err["error"], err["detail"])
        self.abort()
        raise QueryFailed(500, "Query Error", "unexpected frame from the query worker")

    def _loop_deadline(self) -> float:
        loop = asyncio.get_running_loop()
        return loop.time() + max(self.deadline - time.monotonic(), 0)

    @property
    def complete(self) -> bool:
        """The whole result has been read (it is in `first`)."""
        return self._worker is None and not self._aborted

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            if self.first is not None:
                first, self.first = self.first, None
                yield first
            while True:
                chunk = await self._next()
                if chunk is None:
                    return
                yield chunk
        finally:
            self.abort()  # a client gone mid-stream (or an error) stops the worker

    def abort(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            self._aborted = True
            self._pool.discard(worker)


async def _read_frame(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readexactly(_LEN.size)
    tag, size = _LEN.unpack(head)
    return tag, await reader.readexactly(size)


class WorkerPool:
    """N query workers; a query waits for an idle one; a stopped worker is replaced."""

    def __init__(self, store: EmbeddedStore, size: int) -> None:
        self.store = store
        self.size = max(1, size)
        self._ctrl: socket.socket | None = None
        self._zygote_pid = 0
        self._ctrl_lock = threading.Lock()
        self._idle: collections.deque[_Worker] = collections.deque()
        self._waiters: collections.deque[asyncio.Future[_Worker]] = collections.deque()
        self._tasks: set[asyncio.Task[None]] = set()
        self.killed = 0  # workers stopped (timeouts, disconnections), for tests and logs

    async def start(self) -> None:
        ctrl, theirs = socket.socketpair()
        open_store = self.store.open_for_worker
        pid = os.fork()
        if pid == 0:
            ctrl.close()
            code = 0
            try:
                _zygote_main(theirs, open_store)
            except BaseException:
                code = 1
            os._exit(code)
        theirs.close()
        self._ctrl, self._zygote_pid = ctrl, pid
        for _ in range(self.size):
            self.release(await self._spawn())

    def _request_worker(self) -> tuple[int, int]:
        with self._ctrl_lock:
            assert self._ctrl is not None, "the pool is not started"
            self._ctrl.sendall(b"S")
            msg, fds, _, _ = socket.recv_fds(self._ctrl, 32, 1)
            if not fds:
                raise RuntimeError("the query worker zygote is gone")
            return int(msg.decode()), fds[0]

    async def _spawn(self) -> _Worker:
        pid, fd = await asyncio.to_thread(self._request_worker)
        sock = socket.socket(fileno=fd)
        reader, writer = await asyncio.open_unix_connection(sock=sock, limit=CHUNK_BYTES * 4)
        return _Worker(pid, reader, writer)

    async def execute(self, req: QueryRequest, timeout_s: float) -> Execution:
        """Start a query; returns once its header is known. Raises QueryFailed/QueryTimeout."""
        deadline = time.monotonic() + timeout_s
        worker = await self._acquire(timeout_s)
        payload = json.dumps(vars(req)).encode()  # (asdict deep-copies: slow)
        try:
            worker.writer.write(_LEN.pack(b"Q", len(payload)) + payload)
            async with asyncio.timeout(max(deadline - time.monotonic(), 0)):
                await worker.writer.drain()
                tag, body = await _read_frame(worker.reader)
        except TimeoutError:
            self.discard(worker)
            raise QueryTimeout() from None
        except (asyncio.IncompleteReadError, ConnectionError):
            self.discard(worker)
            raise QueryFailed(500, "Query Error", "the query stopped unexpectedly") from None
        except BaseException:
            self.discard(worker)  # cancelled (client gone) or worker died
            raise
        if tag == b"X":
            self.release(worker)
            err = json.loads(body)
            raise QueryFailed(err["status"], err["error"], err["detail"])
        if tag != b"H":
            self.discard(worker)
            raise QueryFailed(500, "Query Error", "unexpected frame from the query worker")
        return Execution(self, worker, json.loads(body), deadline)

    async def _acquire(self, timeout_s: float) -> _Worker:
        """An idle worker; queries wait their turn in arrival order (FIFO, fair)."""
        if self._idle and not self._waiters:
            return self._idle.popleft()
        waiter: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout_s):
                return await waiter
        except BaseException as exc:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)
            if waiter.done() and not waiter.cancelled():
                self.release(waiter.result())  # handed over as we gave up: pass it on
            else:
                waiter.cancel()
            if isinstance(exc, TimeoutError):
                raise QueryTimeout() from None
            raise

    def release(self, worker: _Worker) -> None:
        """Hand the worker to the longest-waiting query, or put it back as idle."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    def discard(self, worker: _Worker) -> None:
        """Stop a worker (its query is abandoned) and start a replacement."""
        self.killed += 1
        with contextlib.suppress(OSError):
            os.kill(worker.pid, signal.SIGKILL)
        worker.writer.close()
        log.info("stopped query worker %d", worker.pid)
        task = asyncio.get_running_loop().create_task(self._replace())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _replace(self) -> None:
        try:
            self.release(await self._spawn())
        except Exception:
            log.exception("could not start a replacement query worker")

    async def close(self) -> None:
        while self._idle:
            w = self._idle.popleft()
            w.writer.close()
            with contextlib.suppress(OSError):
                os.kill(w.pid, signal.SIGKILL)
        if self._ctrl is not None:
            self._ctrl.close()
            self._ctrl = None
        if self._zygote_pid:
            with contextlib.suppress(ChildProcessError, OSError):
                await asyncio.to_thread(os.waitpid, self._zygote_pid, 0)
            self._zygote_pid = 0
