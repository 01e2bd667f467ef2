"""Queries and validations from the service run in worker processes, so that a runaway can be stopped.

Neither pyoxigraph nor rdflib can cancel a running query from Python; a process can be killed. The service keeps a
small pool of workers, each holding an in-memory replica of the store. The embedded store is built in each worker
from the same files in the same way, so every answer, down to the order within a GROUP_CONCAT, is the one the command
line gives; a persistent store is copied through an N-Quads snapshot written when the service starts; after an
update every worker reloads from a new snapshot. A job gets an idle worker, runs there and comes back already
serialised in the negotiated format. When it runs longer than its timeout, needs more memory than the limit, or
crashes the worker, the worker is killed and replaced, the client gets 503, and the other workers go on serving.
Results are serialised into a bounded buffer, so an oversized result is refused without being held whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import pickle
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Collection, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from hrkg import sandbox
from hrkg.binding import BindingValue, bind
from hrkg.errors import HrkgError, StoreError
from hrkg.guard import read
from hrkg.namespaces import PREFIXES
from hrkg.results import RDF_FORMATS, serialize
from hrkg.sandbox import SandboxError
from hrkg.sparql import warm as warm_parser
from hrkg.store import QueryResult, Store

if TYPE_CHECKING:
    from typing_extensions import Buffer

log = logging.getLogger("hrkg.executor")

_RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
#: the format used when the requested one does not fit the result's form
_FALLBACK = {"select": "json", "ask": "json", "graph": "turtle"}
_STARTUP_TIMEOUT = 300.0


class QueryTimeoutError(HrkgError):
    """A query ran longer than the configured timeout and was stopped."""

    http_status = 503


class QueryStoppedError(HrkgError):
    """A query whose worker ran out of memory or crashed, and was replaced."""

    http_status = 503


class ServiceBusyError(HrkgError):
    """Every worker stayed busy for as long as a query may run."""

    http_status = 503


class RemoteEndpointError(HrkgError):
    """A SERVICE endpoint that failed (unreachable, an error, a redirect: redirects are not followed)."""

    http_status = 502


class ResultTooLargeError(HrkgError):
    """A result larger than the configured limit."""


class _RemoteError(HrkgError):
    """An :class:`HrkgError` raised in a worker, with its HTTP status."""

    def __init__(self, message: str, *, hint: str, status: int) -> None:
        super().__init__(message, hint=hint)
        self.http_status = status


@dataclass(frozen=True)
class Answer:
    """A serialised result: ``kind`` is ``select``, ``ask`` or ``graph``; ``fmt`` the format actually used."""

    body: bytes
    fmt: str
    kind: str


@dataclass(frozen=True)
class Job:
    """A SPARQL query to answer in the given format."""

    query: str
    fmt: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    generation: int
    snapshot: str | None

    what = "query"

    def run(self, store: Store, config: WorkerConfig) -> Answer:
        return execute(store, self, services=config.services, max_bytes=config.max_bytes)


@dataclass(frozen=True)
class ValidationJob:
    """Organisation data (a request body) to check against the rules, and the report format to answer in."""

    body: bytes
    media_type: str
    engine: str
    severity: str
    suggest: bool
    fmt: str
    generation: int
    snapshot: str | None

    what = "validation"

    def run(self, store: Store, config: WorkerConfig) -> Answer:
        from hrkg.check import check_text

        text = check_text(
            self.body,
            media_type=self.media_type,
            store=store,
            engine=self.engine,
            severity=self.severity,
            suggest=self.suggest,
            fmt=self.fmt,
        )
        return Answer(text.encode("utf-8"), self.fmt, "report")


@dataclass(frozen=True)
class UpdateJob:
    """A SPARQL Update tried on a worker's replica first, so that one that would run away is stopped there."""

    update: str
    generation: int
    snapshot: str | None

    what = "update"

    def run(self, store: Store, config: WorkerConfig) -> Answer:
        store.update(self.update, services=config.services)
        return Answer(b"", "none", "update")


@dataclass(frozen=True)
class WorkerConfig:
    """What a worker needs to start: where its replica comes from, and the limits it enforces."""

    #: the N-Quads file to load; None: open the store URL again (see :meth:`Store.fresh`)
    snapshot: str | None
    generation: int
    url: str
    services: tuple[str, ...]
    max_bytes: int
    #: address-space limit of the worker process in MiB (0: none); a query that needs more is stopped
    memory_mb: int = 0
    #: deny the worker every network connection (see :mod:`hrkg.sandbox`); only when no endpoint is allowlisted
    sandbox: bool = False


class _Bounded(io.BytesIO):
    """A byte buffer that refuses to grow past ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.exceeded = False

    def write(self, data: Buffer, /) -> int:
        if self.tell() + memoryview(data).nbytes > self.limit:
            self.exceeded = True
            raise OSError("result size limit reached")
        return super().write(data)


def _too_large(limit: int) -> ResultTooLargeError:
    return ResultTooLargeError(
        f"the result is larger than the limit of {limit:,} bytes",
        hint="page through it with LIMIT and OFFSET, or select fewer variables",
    )


def execute(store: Store, job: Job, *, services: Collection[str], max_bytes: int) -> Answer:
    """Run ``job`` on ``store`` and serialise the result (in the worker; also usable in-process)."""
    raw = store.evaluate(job.query, default_graphs=job.default_graphs, named_graphs=job.named_graphs, services=services)
    kind = "ask" if isinstance(raw, ox.QueryBoolean) else "select" if isinstance(raw, ox.QuerySolutions) else "graph"
    fmt = job.fmt
    fits = RDF_FORMATS if kind == "graph" else _RESULT_FORMATS
    if fmt not in fits and fmt != "table":
        fmt = _FALLBACK[kind]
    sink = _Bounded(max_bytes)
    try:
        if fmt == "table":
            sink.write(serialize(QueryResult.of(raw), "table").encode("utf-8"))
        elif isinstance(raw, ox.QueryBoolean | ox.QuerySolutions):
            raw.serialize(sink, format=_RESULT_FORMATS[fmt])
        elif fmt == "turtle":
            ox.serialize(raw, sink, format=RDF_FORMATS[fmt], prefixes=PREFIXES)
        else:
            ox.serialize(raw, sink, format=RDF_FORMATS[fmt])
    except OSError as exc:  # results are computed while they are written: errors surface here
        if sink.exceeded:
            raise _too_large(max_bytes) from None
        if read(job.query).services:
            raise RemoteEndpointError(
                f"a SERVICE endpoint the query names did not answer usefully: {exc}",
                hint="check that the endpoint is up and answers SPARQL; SERVICE SILENT ignores a failing endpoint",
            ) from None
        raise
    return Answer(sink.getvalue(), fmt, kind)


# -- the worker process ------------------------------------------------------------------------------------------


def _serve(conn: Connection, config: WorkerConfig) -> None:
    """A worker's life: load the replica, say ready, then answer jobs until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the service's to handle; it stops the workers
    if config.memory_mb:
        limit = config.memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if config.sandbox:  # before anything reads a query: from here on this process cannot open a connection
        try:
            sandbox.install(all_threads=True)
        except HrkgError as exc:
            conn.send(("failed", exc.message, exc.hint))
            return
    generation = config.generation
    store = Store.replica(Path(config.snapshot), url=config.url) if config.snapshot else Store.fresh(config.url)
    warm_parser()
    conn.send(("ready", generation))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            if job.generation != generation:
                store = Store.replica(Path(job.snapshot), url=config.url) if job.snapshot else Store.fresh(config.url)
                generation = job.generation
            reply: tuple[Any, ...] = ("ok", job.run(store, config))
            if isinstance(job, UpdateJob):
                generation = -1  # the trial changed this replica: reload before the next job, whatever it is
        except HrkgError as exc:
            reply = ("error", exc.http_status, exc.message, exc.hint)
        except MemoryError:
            error = _out_of_memory(config.memory_mb, job.what)
            reply = ("error", error.http_status, error.message, error.hint)
        except Exception as exc:  # reported to the service, which logs it and answers 500
            reply = ("crash", f"{type(exc).__name__}: {exc}")
        conn.send(reply)


_thread_state = threading.local()


def _sandbox_thread() -> None:
    sandbox.install(all_threads=False)
    _thread_state.sandboxed = True


def _out_of_memory(memory_mb: int, what: str = "query") -> QueryStoppedError:
    return QueryStoppedError(
        f"the {what} needed more memory than a query worker may use ({memory_mb:,} MiB) and was stopped",
        hint="narrow the query (fewer patterns without shared variables, a LIMIT, no ORDER BY over everything), "
        "or ask the operator for a larger HRKG_WORKER_MEMORY_MB",
    )


def _frame(message: object) -> bytes:
    """A message as :class:`multiprocessing.connection.Connection` frames it (the worker reads it with one)."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    if len(data) > 0x7FFFFFFF:
        return struct.pack("!i", -1) + struct.pack("!Q", len(data)) + data
    return struct.pack("!i", len(data)) + data


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    buffer = bytearray()
    while len(buffer) < size:
        chunk = sock.recv(size - len(buffer))
        if not chunk:
            raise EOFError("the worker closed its end")
        buffer += chunk
    return bytes(buffer)


async def _read_exactly(loop: asyncio.AbstractEventLoop, sock: socket.socket, size: int) -> bytes:
    buffer = bytearray(size)
    view = memoryview(buffer)
    done = 0
    while done < size:
        got = await loop.sock_recv_into(sock, view[done:])
        if not got:
            raise EOFError("the worker closed its end")
        done += got
    return bytes(buffer)


async def _read_frame(sock: socket.socket) -> Any:
    loop = asyncio.get_running_loop()
    (size,) = struct.unpack("!i", await _read_exactly(loop, sock, 4))
    if size == -1:
        (size,) = struct.unpack("!Q", await _read_exactly(loop, sock, 8))
    return pickle.loads(await _read_exactly(loop, sock, size))


class _Worker:
    """One worker process (``python -m hrkg._worker``), spoken to over a non-blocking socket pair.

    A plain subprocess rather than :mod:`multiprocessing`: that would re-import the parent's ``__main__`` in the
    child, which breaks when the service is embedded in a script, a notebook or ``python -`` from stdin. The service
    side reads and writes the socket from the event loop, so a query costs no thread hand-off.
    """

    def __init__(self, config: WorkerConfig):
        self.sock, child = socket.socketpair()
        package_root = str(Path(__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hrkg._worker", str(child.fileno())],
                pass_fds=[child.fileno()],
                stdin=subprocess.DEVNULL,
                env=env,
            )
        finally:
            child.close()
        self.sock.sendall(_frame(config))
        self.sock.setblocking(False)
        self.ready = False

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready_blocking(self) -> None:
        """Wait for the worker's "ready" outside an event loop (when the pool starts)."""
        self.sock.settimeout(_STARTUP_TIMEOUT)
        try:
            (size,) = struct.unpack("!i", _recv_exactly(self.sock, 4))
            self._check_ready(pickle.loads(_recv_exactly(self.sock, size)))
        except (TimeoutError, EOFError, OSError) as exc:
            raise StoreError(
                f"a query worker could not load the store: {exc or type(exc).__name__}",
                hint="if the store is large, raise HRKG_WORKER_MEMORY_MB (each worker holds a replica of it)",
            ) from None
        finally:
            self.sock.setblocking(False)

    async def wait_ready(self) -> None:
        if not self.ready:
            self._check_ready(await asyncio.wait_for(_read_frame(self.sock), _STARTUP_TIMEOUT))

    def _check_ready(self, message: Any) -> None:
        if isinstance(message, tuple) and message[0] == "failed":
            raise SandboxError(message[1], hint=message[2])
        if not isinstance(message, tuple) or message[0] != "ready":
            raise RuntimeError(f"a query worker failed to start: {message!r}")
        self.ready = True

    def stop(self, *, kill: bool = False) -> None:
        if not kill:
            with contextlib.suppress(OSError):
                self.sock.setblocking(True)
                self.sock.settimeout(1)
                self.sock.sendall(_frame(None))
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(2)
        if self.alive:
            self.process.kill()
            self.process.wait(5)
        self.sock.close()


def serve(conn: Connection) -> None:
    """The worker's entry point (see :mod:`hrkg._worker`): read the configuration, then :func:`_serve`."""
    _serve(conn, conn.recv())


class WorkerPool:
    """Runs queries against ``store`` in ``size`` worker processes, each query within ``timeout`` seconds.

    Made when the service starts (it waits until every worker is ready); :meth:`run` is called from the event loop.
    """

    def __init__(
        self,
        store: Store,
        *,
        size: int = 2,
        timeout: float = 10.0,
        services: Iterable[str] = (),
        max_bytes: int = 50_000_000,
        memory_mb: int = 0,
        validate_timeout: float = 60.0,
        sandbox: bool = False,
    ) -> None:
        if size < 1:
            raise ValueError("a worker pool needs at least one worker")
        self.store = store
        self.size = size
        self.timeout = timeout
        self.services = sorted(services)
        self.max_bytes = max_bytes
        self.memory_mb = memory_mb
        self.validate_timeout = validate_timeout
        # with no endpoint allowlisted, nothing that evaluates a query may open a connection: the workers install
        # the network sandbox themselves; updates are applied to the store in one thread of this process that
        # installs it for itself (a seccomp filter without TSYNC binds only the thread that loads it)
        self.sandbox = sandbox and not self.services
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hrkg-update")
        if self.sandbox:  # now, in the writer's one thread, so that a sandbox that cannot be had is known at start
            try:
                self._writer.submit(_sandbox_thread).result()
            except HrkgError:
                self._writer.shutdown()
                raise
        self._dir = Path(tempfile.mkdtemp(prefix="hrkg-replica-"))
        self._lock = threading.Lock()
        self._update_lock = threading.Lock()
        self.generation = 0
        # each worker rebuilds the embedded store from its files, or opens a read-only persistent store itself;
        # a persistent store that can change is copied through a snapshot
        fresh = store.url == "memory:" or store.read_only
        self._snapshot: Path | None = None if fresh else self._write_snapshot()
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._all: set[_Worker] = set()
        self._closed = False
        for _ in range(size):
            self._idle.put_nowait(self._spawn())
        for worker in list(self._all):
            worker.wait_ready_blocking()

    # -- bookkeeping ---------------------------------------------------------------------------------------------

    def _write_snapshot(self) -> Path:
        path = self._dir / f"replica-{self.generation}.nq"
        self.store.dump(path)
        for old in self._dir.glob("replica-*.nq"):
            if old != path and int(old.stem.split("-")[1]) < self.generation - 1:
                old.unlink(missing_ok=True)
        return path

    def _spawn(self) -> _Worker:
        config = WorkerConfig(
            snapshot=None if self._snapshot is None else str(self._snapshot),
            generation=self.generation,
            url=self.store.url,
            services=tuple(self.services),
            max_bytes=self.max_bytes,
            memory_mb=self.memory_mb,
            sandbox=self.sandbox,
        )
        worker = _Worker(config)
        with self._lock:
            self._all.add(worker)
        return worker

    def _retire(self, worker: _Worker, *, kill: bool) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.stop(kill=kill)

    def refresh(self) -> None:
        """The store changed: write a new snapshot; each worker reloads it before its next query."""
        with self._lock:
            self.generation += 1
            self._snapshot = self._write_snapshot()

    def close(self) -> None:
        """Stop every worker and remove the snapshots."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            self._retire(worker, kill=False)
        self._writer.shutdown(wait=False)
        shutil.rmtree(self._dir, ignore_errors=True)

    @property
    def workers(self) -> int:
        with self._lock:
            return len(self._all)

    # -- running -------------------------------------------------------------------------------------------------

    async def run(
        self,
        query: str,
        *,
        fmt: str,
        bindings: Mapping[str, BindingValue] | None = None,
        default_graphs: Iterable[str] | None = None,
        named_graphs: Iterable[str] | None = None,
    ) -> Answer:
        """Run one query in a worker and return its serialised result.

        Raises :class:`QueryTimeoutError` (the worker is replaced), :class:`ServiceBusyError` when no worker became
        free within the timeout, or the query's own :class:`HrkgError` (syntax, refused SERVICE, size limit).
        """
        if bindings:
            query = bind(query, bindings)
        job = Job(
            query=query,
            fmt=fmt,
            default_graphs=None if default_graphs is None else tuple(default_graphs),
            named_graphs=None if named_graphs is None else tuple(named_graphs),
            generation=self.generation,
            snapshot=None if self._snapshot is None else str(self._snapshot),
        )
        return await self._submit(job, self.timeout, query[:200])

    async def validate(
        self, body: bytes, *, media_type: str, engine: str, severity: str, suggest: bool, fmt: str
    ) -> Answer:
        """Check organisation data in a worker (parse, validate, render the report) within the validation timeout.

        pySHACL is pure Python: in the service's own process a large upload would hold the event loop for minutes;
        in a worker it is stopped like a runaway query."""
        job = ValidationJob(
            body=body,
            media_type=media_type,
            engine=engine,
            severity=severity,
            suggest=suggest,
            fmt=fmt,
            generation=self.generation,
            snapshot=None if self._snapshot is None else str(self._snapshot),
        )
        return await self._submit(job, self.validate_timeout, f"{len(body):,} bytes of {media_type}, {engine}")

    async def update(self, update: str) -> None:
        """Apply a SPARQL Update to the store, within the query timeout and memory limit.

        The update runs first on a worker's replica, where it can be stopped; only if it finishes there is it
        applied to the store (one update at a time), after which every worker reloads."""
        dry_run = UpdateJob(
            update=update,
            generation=self.generation,
            snapshot=None if self._snapshot is None else str(self._snapshot),
        )
        await self._submit(dry_run, self.timeout, update[:200])
        await asyncio.get_running_loop().run_in_executor(self._writer, self._apply, update)

    def _apply(self, update: str) -> None:
        if self.sandbox and not getattr(_thread_state, "sandboxed", False):  # fail closed: never unsandboxed
            raise SandboxError("updates must be applied in the sandboxed update thread", hint="restart the service")
        with self._update_lock:
            try:
                self.store.update(update, services=self.services)
            finally:
                self.refresh()

    async def _submit(self, job: Job | ValidationJob | UpdateJob, timeout: float, summary: str) -> Answer:
        if self._closed:
            raise ServiceBusyError("the service is shutting down", hint="retry in a moment")
        try:
            worker = self._idle.get_nowait()
        except asyncio.QueueEmpty:
            try:
                async with asyncio.timeout(timeout):
                    worker = await self._idle.get()
            except TimeoutError:
                raise ServiceBusyError(
                    f"all {self.size} query workers stayed busy for {timeout:g} s",
                    hint="retry later; long-running queries hold the workers",
                ) from None
        healthy = False
        try:
            await worker.wait_ready()
            started = time.monotonic()
            try:
                await asyncio.get_running_loop().sock_sendall(worker.sock, _frame(job))
            except OSError:
                if worker.alive:
                    raise
                # it died while idle (killed from outside): replace it rather than fail the job
                self._retire(worker, kill=True)
                worker = self._spawn()
                await worker.wait_ready()
                await asyncio.get_running_loop().sock_sendall(worker.sock, _frame(job))
            try:
                async with asyncio.timeout(timeout):
                    reply = await _read_frame(worker.sock)
            except TimeoutError:
                log.warning("%s stopped after %.1f s: %s", job.what, time.monotonic() - started, summary)
                raise QueryTimeoutError(
                    f"the {job.what} ran longer than {timeout:g} s and was stopped", hint=_TIMEOUT_HINTS[job.what]
                ) from None
            healthy = True
        except (EOFError, OSError):
            code = worker.process.wait(5)
            if code == -signal.SIGSEGV:
                log.warning("worker crashed (code %s) on: %s", code, summary)
                raise QueryStoppedError(
                    f"the {job.what} crashed the worker that ran it and was stopped",
                    hint="simplify it (less nesting, fewer alternatives); the service goes on",
                ) from None
            if self.memory_mb and code in (-signal.SIGABRT, -signal.SIGKILL):
                log.warning("worker died (code %s), probably out of memory: %s", code, summary)
                raise _out_of_memory(self.memory_mb, job.what) from None
            raise RuntimeError(f"a query worker exited (code {code}) while running a {job.what}") from None
        finally:  # also when the request is cancelled: a worker in the middle of a job is replaced
            if healthy:
                self._idle.put_nowait(worker)
            else:
                self._retire(worker, kill=True)
                if not self._closed:
                    self._idle.put_nowait(self._spawn())
        if reply[0] == "ok":
            answer: Answer = reply[1]
            return answer
        if reply[0] == "error":
            raise _RemoteError(reply[2], hint=reply[3], status=reply[1])
        raise RuntimeError(f"a {job.what} failed in a worker: {reply[1]}")


_TIMEOUT_HINTS = {
    "query": "narrow the query (fewer patterns without shared variables, a LIMIT), or ask the operator for a "
    "longer HRKG_QUERY_TIMEOUT",
    "validation": "send less data at a time, use engine=fast, or ask the operator for a longer HRKG_VALIDATE_TIMEOUT",
    "update": "the store was not changed; narrow the update's WHERE clause, or apply it in smaller parts",
}
