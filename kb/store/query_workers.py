"""Queries run in worker processes, so that a slow one can really be stopped.

Oxigraph cannot interrupt a running query from another thread, so each
query of the endpoint runs in a worker process, and a query past its
deadline (or whose client went away) is stopped by killing its worker.

    main process (asyncio, HTTP) ──socket──▶ worker 1 ... worker N
            │ control socket                     ▲ forked by
            └──────────────▶ zygote ─────────────┘

The main process forks a *zygote* (`EmbeddedStore.fork`: with the store's gate
held alone, from one long-lived thread, see `kb.store.child_processes`); the
zygote stays single-threaded and forks every worker, so a worker is never
forked from the multi-threaded server. An in-memory store is shared with the
zygote and its workers copy-on-write; an on-disk store is opened read-only by
each worker. A worker's socket is handed to the main process with SCM_RIGHTS.

Live updates: a zygote is a snapshot of one *generation* of the store. After a
commit (`EmbeddedStore.commit` calls `WorkerPool.committed`), the pool forks a
fresh zygote; idle workers of the older generation are replaced at once, busy
ones when their query ends; the old zygote exits when its last worker has gone.

Supervision: the main process watches the zygote and every worker through a
pidfd in its event loop. A worker that dies is replaced; a zygote that dies
(its workers die with it, `PR_SET_PDEATHSIG`) is forked again from the main
process, which is safe for the reasons given in `kb.store.store_gate`. A query
whose worker died before the query's first byte was sent is run again on
another worker (queries are read-only). `WorkerPool.health()` says whether
queries can run.

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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kb.store.changes import ChangeSet
from kb.store.child_processes import die_with_parent
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


class WorkerLost(QueryFailed):
    """The worker running the query died (killed from outside, or out of memory)."""

    def __init__(self) -> None:
        super().__init__(500, "Query Error", "the query stopped unexpectedly")


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
    """Fork a worker per request on `ctrl`; when the main process retires this zygote
    (closes `ctrl`), wait for the workers still answering, then exit."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped automatically
    me = os.getpid()
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
            code = 0
            try:
                die_with_parent(me)
                ctrl.close()
                mine.close()
                _worker_main(theirs, open_store)
            except BaseException:
                code = 1
            os._exit(code)
        theirs.close()
        try:
            socket.send_fds(ctrl, [str(pid).encode()], [mine.fileno()])
        except OSError:  # retired while asked: the worker is nobody's
            os.kill(pid, signal.SIGKILL)
            break
        finally:
            mine.close()
    ctrl.close()
    # SIGCHLD ignored: waitpid returns (ECHILD) once every child has exited
    with contextlib.suppress(ChildProcessError):
        os.waitpid(-1, 0)


# -- main side (asyncio) ---------------------------------------------------------------


@dataclass(eq=False)
class _Zygote:
    """A zygote: a snapshot of the store at `generation`, forking workers on request."""

    pid: int
    ctrl: socket.socket
    generation: int
    lock: threading.Lock = field(default_factory=threading.Lock)  # one request at a time
    alive: bool = True

    def request_worker(self) -> tuple[int, int]:
        """A new worker's pid and socket descriptor (blocking: call it in a thread)."""
        with self.lock:
            self.ctrl.sendall(b"S")
            msg, fds, _, _ = socket.recv_fds(self.ctrl, 32, 1)
            if not fds:
                raise ConnectionError("the query worker zygote is gone")
            return int(msg.decode()), fds[0]

    def close(self) -> None:
        """Close the control socket once no request is under way (blocking: in a thread)."""
        self.alive = False
        with self.lock:
            self.ctrl.close()


class _Channel(asyncio.Protocol):
    """The main process's end of a worker's socket: frames are cut as bytes arrive, so a
    small result (header, data and trailer in one write) costs one wake-up, not six."""

    #: Buffered frames above this pause reading (a slow client holds the worker back).
    HIGH_WATER = CHUNK_BYTES * 4

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.frames: collections.deque[tuple[bytes, bytes]] = collections.deque()
        self.pending = 0  # bytes in `frames`
        self.paused = False
        self.closed = False
        self.waiter: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # (uvloop's is no subclass)

    def data_received(self, data: bytes) -> None:
        buf = self.buffer
        buf += data
        pos, size = 0, len(buf)
        while size - pos >= _LEN.size:
            tag, length = _LEN.unpack_from(buf, pos)
            end = pos + _LEN.size + length
            if end > size:
                break
            self.frames.append((tag, bytes(buf[pos + _LEN.size : end])))
            self.pending += length
            pos = end
        if pos:
            del buf[:pos]
        if self.pending > self.HIGH_WATER and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.closed = True
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def write(self, data: bytes) -> None:
        if self.closed or self.transport is None:
            raise ConnectionError("the query worker is gone")
        self.transport.write(data)

    async def next_frame(self, deadline: float) -> tuple[bytes, bytes]:
        """The next frame; TimeoutError past `deadline` (time.monotonic), ConnectionError if
        the worker went away."""
        if not self.frames:
            loop = asyncio.get_running_loop()
            async with asyncio.timeout_at(loop.time() + max(deadline - time.monotonic(), 0)):
                while not self.frames:
                    if self.closed:
                        raise ConnectionError("the query worker is gone")
                    self.waiter = loop.create_future()
                    await self.waiter
        tag, payload = self.frames.popleft()
        self.pending -= len(payload)
        if self.paused and self.pending <= self.HIGH_WATER // 2 and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()
        return tag, payload

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()
        self._wake()


@dataclass(eq=False)
class _Worker:
    pid: int
    generation: int
    channel: _Channel
    alive: bool = True


class Execution:
    """A query running in a worker: its header is known; its body is read by `chunks()`."""

    def __init__(self, pool: WorkerPool, worker: _Worker, header: dict[str, Any], deadline: float):
        self._pool = pool
        self._worker: _Worker | None = worker
        self.generation = worker.generation  # the store state the answer comes from
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
            tag, payload = await worker.channel.next_frame(self.deadline)
        except TimeoutError:
            self.abort()
            raise QueryTimeout() from None
        except ConnectionError:
            self.abort()
            raise WorkerLost() from None
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


@dataclass
class PoolHealth:
    """Whether queries can run, and why not."""

    ok: bool
    workers: int
    size: int
    generation: int
    problems: list[str]


class WorkerPool:
    """N query workers from a zygote; a query waits for an idle one; the dead are replaced.

    Runs in one event loop; `committed` may be called from any thread.
    """

    #: Attempts at a query whose worker dies before answering.
    ATTEMPTS = 3

    def __init__(self, store: EmbeddedStore, size: int) -> None:
        self.store = store
        self.size = max(1, size)
        self._loop: asyncio.AbstractEventLoop | None = None
        # zygotes are forked from this one thread: they die with it (PR_SET_PDEATHSIG)
        self._forker = ThreadPoolExecutor(1, thread_name_prefix="zygote-forker")
        self._zygote: _Zygote | None = None
        self._zygote_ready = asyncio.Event()
        self._refreshing: asyncio.Task[None] | None = None
        self._refresh_again = False
        self._live: set[_Worker] = set()  # alive and serving the current or an older state
        self._spawning = 0
        self._idle: collections.deque[_Worker] = collections.deque()
        self._waiters: collections.deque[asyncio.Future[_Worker]] = collections.deque()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._watched: dict[int, int] = {}  # pid → pidfd
        self._zygote_pids: set[int] = set()  # our children, reaped at the end
        self._closing = False
        self.killed = 0  # workers stopped (timeouts, disconnections), for tests and logs
        self.replaced = 0  # workers and zygotes that died and were replaced

    # -- life cycle --------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._install(await self._fork_zygote())
        self._spawning += self.size
        spawned = await asyncio.gather(*(self._spawn_one() for _ in range(self.size)))
        assert all(spawned), "could not start the query workers"
        if self.store.writable:
            self.store.subscribe(self.committed)

    async def close(self) -> None:
        self._closing = True
        for task in list(self._tasks):
            task.cancel()
        for worker in list(self._live):
            self._kill(worker)
        for pid in list(self._watched):
            self._unwatch(pid)
        zygote, self._zygote = self._zygote, None
        if zygote is not None:
            await asyncio.to_thread(zygote.close)
        for pid in list(self._zygote_pids):
            # a zygote's workers die with it (even one forked for a spawn cut short here), and
            # a retired zygote whose retiring task was cancelled above would wait forever
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError, OSError):
                await asyncio.to_thread(os.waitpid, pid, 0)
        self._zygote_pids.clear()
        self._forker.shutdown(wait=False)

    # -- zygotes -------------------------------------------------------------------------

    def _make_zygote(self) -> _Zygote:
        """Fork a zygote from the store as it is now (in the forker thread)."""
        ctrl, theirs = socket.socketpair()
        open_store = self.store.open_for_worker
        generation = self.store.generation  # read before the fork: never newer than the snapshot
        try:
            pid = self.store.fork(
                lambda: _zygote_main(theirs, open_store), keep_fds=[theirs.fileno()]
            )
        except BaseException:
            ctrl.close()
            raise
        finally:
            theirs.close()
        return _Zygote(pid, ctrl, generation)

    async def _fork_zygote(self) -> _Zygote:
        assert self._loop is not None
        return await self._loop.run_in_executor(self._forker, self._make_zygote)

    def _install(self, zygote: _Zygote) -> None:
        """Make `zygote` the one new workers come from; retire the previous one."""
        old, self._zygote = self._zygote, zygote
        self._zygote_pids.add(zygote.pid)
        self._watch(zygote.pid, lambda: self._zygote_died(zygote))
        self._zygote_ready.set()
        if old is not None:
            self._retire(old)
        for worker in [w for w in self._idle if w.generation < zygote.generation]:
            self._idle.remove(worker)
            self._stop(worker)  # idle on an older state: replaced now
        log.info("query workers: zygote %d serves generation %d", zygote.pid, zygote.generation)

    def _retire(self, zygote: _Zygote) -> None:
        """The zygote forks no more; it exits when its last worker has gone."""
        zygote.alive = False
        self._task(asyncio.to_thread(zygote.close))

    def committed(self, change: ChangeSet, generation: int) -> None:
        """`EmbeddedStore.commit` listener: new workers will see `generation` (any thread)."""
        if self._loop is not None and not self._closing:
            self._loop.call_soon_threadsafe(self._want_new_zygote)

    def _want_new_zygote(self) -> None:
        if self._refreshing is not None and not self._refreshing.done():
            self._refresh_again = True
            return
        self._refreshing = self._task(self._renew_zygote())

    async def _renew_zygote(self) -> None:
        delay = 0.05
        while not self._closing:
            self._refresh_again = False
            try:
                zygote = await self._fork_zygote()
            except Exception:
                log.exception("could not fork a query worker zygote; trying again")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            self._install(zygote)
            self._ensure_workers()
            if not self._refresh_again:
                return

    def _zygote_died(self, zygote: _Zygote) -> None:
        if not zygote.alive or self._closing:
            return  # retired, or the server is stopping
        self._task(asyncio.to_thread(zygote.close))
        self.replaced += 1
        log.warning("the query worker zygote %d died; forking a new one", zygote.pid)
        if self._zygote is zygote:
            self._zygote = None
            self._zygote_ready.clear()
        self._want_new_zygote()

    # -- workers -------------------------------------------------------------------------

    async def _spawn(self, zygote: _Zygote) -> _Worker:
        pid, fd = await asyncio.to_thread(zygote.request_worker)
        sock = socket.socket(fileno=fd)
        loop = asyncio.get_running_loop()
        _, channel = await loop.create_unix_connection(_Channel, sock=sock)
        worker = _Worker(pid, zygote.generation, channel)
        self._live.add(worker)
        self._watch(pid, lambda: self._worker_died(worker))
        return worker

    async def _spawn_one(self) -> bool:
        """Start one worker from the current zygote (waiting for one); False if closing.

        The caller has counted it in `_spawning` (before the task runs: no double start).
        """
        try:
            while not self._closing:
                await self._zygote_ready.wait()
                zygote = self._zygote
                if zygote is None:
                    continue
                try:
                    worker = await self._spawn(zygote)
                except (OSError, ValueError):
                    if zygote.alive and zygote is self._zygote:
                        await asyncio.sleep(0.05)  # the zygote is busy dying: its pidfd will say
                    continue
                self.release(worker)
                return True
            return False
        finally:
            self._spawning -= 1

    def _ensure_workers(self) -> None:
        """Start workers until `size` are alive or starting."""
        missing = self.size - len(self._live) - self._spawning
        for _ in range(max(0, missing)):
            self._spawning += 1
            self._task(self._spawn_one())

    def _worker_died(self, worker: _Worker) -> None:
        if not worker.alive or self._closing:
            return
        self.replaced += 1
        log.warning("query worker %d died; starting another", worker.pid)
        self._drop(worker)
        worker.channel.close()
        self._ensure_workers()

    def _drop(self, worker: _Worker) -> None:
        worker.alive = False
        self._live.discard(worker)
        with contextlib.suppress(ValueError):
            self._idle.remove(worker)

    def _kill(self, worker: _Worker) -> None:
        self._drop(worker)
        with contextlib.suppress(OSError):
            os.kill(worker.pid, signal.SIGKILL)
        worker.channel.close()

    def _stop(self, worker: _Worker) -> None:
        """Stop a worker (abandoned query, or an older state) and start a replacement."""
        self._kill(worker)
        self._ensure_workers()

    def discard(self, worker: _Worker) -> None:
        """Stop a worker whose query is abandoned (timeout, client gone) and replace it."""
        if worker.alive:
            self.killed += 1
            log.info("stopped query worker %d", worker.pid)
        self._stop(worker)

    # -- watching processes ----------------------------------------------------------------

    def _watch(self, pid: int, on_exit: Callable[[], None]) -> None:
        """Call `on_exit` in the loop when process `pid` ends (a pidfd becomes readable)."""
        assert self._loop is not None
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            self._loop.call_soon(on_exit)
            return
        self._watched[pid] = fd

        def fired() -> None:
            self._unwatch(pid)
            if pid in self._zygote_pids:  # a zygote is our child: reap it
                self._zygote_pids.discard(pid)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)
            on_exit()

        self._loop.add_reader(fd, fired)

    def _unwatch(self, pid: int) -> None:
        fd = self._watched.pop(pid, None)
        if fd is not None:
            if self._loop is not None:
                self._loop.remove_reader(fd)
            os.close(fd)

    def _task(self, coro: Any) -> asyncio.Task[Any]:
        assert self._loop is not None
        task = self._loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- queries ---------------------------------------------------------------------------

    async def execute(self, req: QueryRequest, timeout_s: float) -> Execution:
        """Start a query; returns once its header is known. Raises QueryFailed/QueryTimeout.

        A query whose worker dies before answering is run again on another worker.
        """
        deadline = time.monotonic() + timeout_s
        payload = json.dumps(vars(req)).encode()  # (asdict deep-copies: slow)
        for attempt in range(1, self.ATTEMPTS + 1):
            try:
                return await self._execute_once(payload, deadline)
            except WorkerLost:
                if attempt == self.ATTEMPTS or time.monotonic() >= deadline:
                    raise
                log.info("query worker lost before answering; running the query again")
        raise AssertionError("unreachable")

    async def _execute_once(self, payload: bytes, deadline: float) -> Execution:
        worker = await self._acquire(max(deadline - time.monotonic(), 0))
        try:
            worker.channel.write(_LEN.pack(b"Q", len(payload)) + payload)
            tag, body = await worker.channel.next_frame(deadline)
        except TimeoutError:
            self.discard(worker)
            raise QueryTimeout() from None
        except ConnectionError:
            self.discard(worker)
            raise WorkerLost() from None
        except BaseException:
            self.discard(worker)  # cancelled (client gone)
            raise
        if tag == b"X":
            self.release(worker)
            err = json.loads(body)
            raise QueryFailed(err["status"], err["error"], err["detail"])
        if tag != b"H":
            self.discard(worker)
            raise QueryFailed(500, "Query Error", "unexpected frame from the query worker")
        return Execution(self, worker, json.loads(body), deadline)

    async def run_first(self, req: QueryRequest, timeout_s: float) -> Execution:
        """`execute` and read the first chunk; a worker lost before any byte is sent to the
        client (even after its header) means the query runs again."""
        deadline = time.monotonic() + timeout_s
        for attempt in range(1, self.ATTEMPTS + 1):
            execution = await self.execute(req, max(deadline - time.monotonic(), 0))
            try:
                await execution.read_first()
                return execution
            except WorkerLost:
                if attempt == self.ATTEMPTS or time.monotonic() >= deadline:
                    raise
        raise AssertionError("unreachable")

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
        """Hand the worker to the longest-waiting query, or put it back as idle.

        A worker of an older generation than the current zygote's is stopped and replaced.
        """
        if not worker.alive:
            return
        zygote = self._zygote
        if zygote is not None and worker.generation < zygote.generation:
            self._stop(worker)
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    # -- health ----------------------------------------------------------------------------

    def health(self) -> PoolHealth:
        problems = []
        zygote = self._zygote
        if zygote is None:
            problems.append("the query worker zygote is being replaced")
        workers = len(self._live)
        if not workers:
            problems.append("no query worker is running (replacements are starting)")
        return PoolHealth(
            ok=not problems,
            workers=workers,
            size=self.size,
            generation=zygote.generation if zygote else -1,
            problems=problems,
        )
