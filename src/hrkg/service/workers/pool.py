"""Queries and validations from the service run in worker processes, so that a runaway can be stopped.

Neither pyoxigraph nor rdflib can cancel a running query from Python; a process can be killed. The service keeps
small pools of workers, each worker holding an in-memory replica of the store. The embedded store is built in each
worker from the same files in the same way, so every answer, down to the order within a GROUP_CONCAT, is the one the
command line gives; a persistent store is copied through an N-Quads snapshot written when the service starts; after
an update every worker reloads from a new snapshot. A job gets an idle worker of its pool, runs there and comes back
already serialised in the negotiated format. When it runs longer than its timeout, needs more memory than the limit,
or crashes the worker, the worker is killed and replaced, the client gets 503 saying which of the three happened, and
the other workers go on serving. Results are serialised into a bounded buffer, so an oversized result is refused
without being held whole.

One client must not stall the others: ad-hoc SPARQL (and the trial run of an update), validation and the service's
own bounded lookups (the named queries) each have their own pool, so that none of them can occupy the workers of
another; each pool has a bounded wait queue (503 at once when it is full) and hands a freed worker to the waiting
client that has the fewest jobs running, and each client may have only a few requests running or waiting per pool
(429 beyond that). Answers to repeated identical queries come from a bounded cache in the service process, without
a worker, until the store changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import pickle
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from hrkg.binding import BindingValue, bind
from hrkg.errors import (
    ClientLimitError,
    HrkgError,
    QueryStoppedError,
    QueryTimeoutError,
    SandboxError,
    ServiceBusyError,
    StoreError,
    from_wire,
)
from hrkg.service.workers._frames import _frame, _read_frame, _recv_exactly
from hrkg.service.workers.jobs import (
    Answer,
    Job,
    PoolName,
    UpdateJob,
    ValidationJob,
    WorkerConfig,
    _out_of_memory,
)
from hrkg.service.workers.worker import _sandbox_thread, _thread_state
from hrkg.store import Store

log = logging.getLogger(__name__)


_STARTUP_TIMEOUT = 300.0


#: how much longer than a job may run a request may wait for a worker of its pool
_PATIENCE = 1.5


#: how many of a worker's last lines on stderr are kept, to tell why it died
_LAST_WORDS = 20


#: what a worker that ran out of memory says last: Python's MemoryError, or Rust's allocation failure (then abort)
_OUT_OF_MEMORY = ("memory allocation of", "MemoryError")


#: temporary directories of the services' replicas (one per service, holding a lock file while it runs)
REPLICA_PREFIX = "hrkg-replica-"


def _exit_status(code: int | None) -> str:
    """How a worker process ended, for the log: ``signal SIGSEGV``, ``exit code 1``."""
    if code is None:
        return "no exit status"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


class _Worker:
    """One worker process (``python -m hrkg.service.workers``), spoken to over a non-blocking socket pair.

    A plain subprocess rather than :mod:`multiprocessing`: that would re-import the parent's ``__main__`` in the
    child, which breaks when the service is embedded in a script, a notebook or ``python -`` from stdin. The service
    side reads and writes the socket from the event loop, so a query costs no thread hand-off. The worker's stderr
    comes through a pipe: a thread per worker passes it on to the service's stderr and keeps the last lines, which
    tell a worker that ran out of memory from one that crashed.
    """

    def __init__(self, config: WorkerConfig, pool: PoolName = "query"):
        self.pool = pool
        self.sock, child = socket.socketpair()
        package_root = str(Path(__file__).resolve().parents[3])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        try:
            self.process = subprocess.Popen(  # noqa: S603 - this interpreter and our module, no shell
                [sys.executable, "-m", "hrkg.service.workers", str(child.fileno())],
                pass_fds=[child.fileno()],
                stdin=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
            )
        finally:
            child.close()
        self._last_words: deque[bytes] = deque(maxlen=_LAST_WORDS)
        if self.process.stderr is None:  # pragma: no cover (Popen was given stderr=PIPE)
            raise StoreError("a worker started without its error stream", hint="report this as a bug")
        self._stderr = threading.Thread(
            target=self._pass_on,
            args=(self.process.stderr,),
            name=f"hrkg-worker-{self.process.pid}-stderr",
            daemon=True,
        )
        self._stderr.start()
        self.sock.sendall(_frame(config))
        self.sock.setblocking(False)
        self.ready = False

    def _pass_on(self, stream: IO[bytes]) -> None:
        with stream:
            while line := stream.readline(8192):
                self._last_words.append(line)
                with contextlib.suppress(OSError):
                    view = memoryview(line)
                    while view:
                        view = view[os.write(2, view) :]

    def last_words(self) -> str:
        """What the worker wrote last on stderr (call once it has exited: this waits for the pipe to close)."""
        self._stderr.join(2)
        return b"".join(self._last_words).decode("utf-8", "replace")

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready_blocking(self) -> None:
        """Wait for the worker's "ready" outside an event loop (when the pool starts)."""
        self.sock.settimeout(_STARTUP_TIMEOUT)
        try:
            (size,) = struct.unpack("!i", _recv_exactly(self.sock, 4))
            self._check_ready(pickle.loads(_recv_exactly(self.sock, size)))  # noqa: S301 - our own worker
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


_LABELS: dict[PoolName, str] = {"query": "query", "express": "express", "lookup": "lookup", "validation": "validation"}


def _decrement(counts: dict[str, int], client: str) -> None:
    """One less for ``client``; a count that reaches zero is dropped."""
    left = counts.get(client, 0) - 1
    if left > 0:
        counts[client] = left
    else:
        counts.pop(client, None)


class _Pool:
    """The workers of one kind of job, with a bounded wait queue and a limit per client.

    Only touched from the event loop. A freed worker goes to the waiting client with the fewest jobs running in this
    pool (the longest-waiting among equals), so that a client with many queued requests does not push everyone else
    to the back."""

    def __init__(self, name: PoolName, size: int, *, queue_limit: int, client_limit: int) -> None:
        self.name = name
        self.label = f"{_LABELS[name]} worker{'s' if size != 1 else ''}"
        self.size = size
        self.queue_limit = queue_limit
        self.client_limit = client_limit
        #: a pool whose idle workers this one's jobs may use when it has none idle (never the other way round)
        self.borrows_from: _Pool | None = None
        self.workers: set[_Worker] = set()
        self.idle: list[_Worker] = []
        #: by client: (arrival, future) of each waiting request, oldest first
        self.waiting: dict[str, deque[tuple[int, asyncio.Future[_Worker]]]] = {}
        self.waiters = 0
        #: by client: its requests running or waiting here; and those running
        self.load: dict[str, int] = {}
        self.running: dict[str, int] = {}
        self._arrivals = 0

    def take_idle(self, client: str) -> _Worker | None:
        """An idle worker for ``client`` if there is one and the client is within its limit here, else None."""
        load = self.load.get(client, 0)
        if not self.idle or (self.client_limit and load >= self.client_limit):
            return None
        self.load[client] = load + 1
        self.running[client] = self.running.get(client, 0) + 1
        return self.idle.pop()

    async def acquire(self, client: str, wait: float) -> _Worker:
        """A worker for ``client``: an idle one at once, or the next one freed, within ``wait`` seconds."""
        load = self.load.get(client, 0)
        if self.client_limit and load >= self.client_limit:
            raise ClientLimitError(
                f"this client already has {load} request{'s' if load != 1 else ''} running or waiting for the "
                f"{self.label}, the most one client may have; retry when an answer is in",
                hint="send these requests one after another, or ask the operator for a larger HRKG_CLIENT_CONCURRENCY",
            )
        if (worker := self.take_idle(client)) is not None:
            return worker
        if self.waiters >= self.queue_limit:
            waiting = f"{self.waiters} requests are" if self.waiters != 1 else "1 request is"
            raise ServiceBusyError(
                f"{self._all_workers} {'are' if self.size != 1 else 'is'} busy and {waiting} waiting; "
                "retry in a few seconds",
                hint="the service is under load; HRKG_QUEUE_LIMIT bounds how many requests may wait",
            )
        self._arrivals += 1
        future: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        entry = (self._arrivals, future)
        self.waiting.setdefault(client, deque()).append(entry)
        self.waiters += 1
        self.load[client] = load + 1
        try:
            async with asyncio.timeout(wait):
                return await future
        except BaseException as exc:
            if future.done() and not future.cancelled():  # handed a worker just as it gave up: pass it on
                self.finished(client)
                self.release(future.result())
            else:
                queue = self.waiting.get(client)
                if queue is not None and entry in queue:
                    queue.remove(entry)
                    self.waiters -= 1
                    if not queue:
                        del self.waiting[client]
                self._unload(client)
            if isinstance(exc, TimeoutError):
                raise ServiceBusyError(
                    f"{self._all_workers} stayed busy for {wait:g} s",
                    hint="retry later; long-running requests hold the workers",
                ) from None
            raise

    @property
    def _all_workers(self) -> str:
        return f"all {self.size} {self.label}" if self.size != 1 else f"the {self.label}"

    def release(self, worker: _Worker) -> None:
        """``worker`` is free (or new): to the fairest waiting request, else idle."""
        while self.waiting:
            client = min(self.waiting, key=lambda c: (self.running.get(c, 0), self.waiting[c][0][0]))
            queue = self.waiting[client]
            _, future = queue.popleft()
            self.waiters -= 1
            if not queue:
                del self.waiting[client]
            if future.done():  # cancelled: its request has yet to see it, and undoes its load then (in acquire)
                continue
            self.running[client] = self.running.get(client, 0) + 1
            future.set_result(worker)
            return
        self.idle.append(worker)

    def finished(self, client: str) -> None:
        """A job of ``client`` that had a worker is over."""
        _decrement(self.running, client)
        self._unload(client)

    def _unload(self, client: str) -> None:
        _decrement(self.load, client)

    def status(self) -> dict[str, int]:
        return {
            "workers": len(self.workers),
            "busy": sum(self.running.values()),
            "idle": len(self.idle),
            "waiting": self.waiters,
        }


#: text that might make two runs of the same query differ (non-deterministic functions; SERVICE, whose endpoint
#: may change; \u escapes, which could spell either), read loosely: a false alarm only means no caching
_UNCACHEABLE = re.compile(r"service|\\u|\b(?:rand|now|uuid|struuid|bnode)\b", re.IGNORECASE)


class _AnswerCache:
    """Serialised answers to queries, least recently used first out, bounded by entries and bytes. Only used
    from the event loop; emptied when the store changes."""

    def __init__(self, entries: int, size: int) -> None:
        self.max_entries = entries
        self.max_bytes = size
        self.bytes = 0
        self.generation = 0
        self._answers: OrderedDict[tuple[object, ...], Answer] = OrderedDict()

    def __len__(self) -> int:
        return len(self._answers)

    @staticmethod
    def _cost(key: tuple[object, ...], answer: Answer) -> int:
        return len(answer.body) + len(str(key[0])) + 200

    def key(self, job: Job) -> tuple[object, ...] | None:
        if not self.max_entries or _UNCACHEABLE.search(job.query):
            return None
        return (job.query, job.fmt, job.default_graphs, job.named_graphs, job.generation)

    def get(self, key: tuple[object, ...], generation: int) -> Answer | None:
        if generation != self.generation:
            self._answers.clear()
            self.bytes = 0
            self.generation = generation
            return None
        answer = self._answers.get(key)
        if answer is not None:
            self._answers.move_to_end(key)
        return answer

    def put(self, key: tuple[object, ...], answer: Answer) -> None:
        if key[-1] != self.generation or key in self._answers:
            return
        cost = self._cost(key, answer)
        if cost > self.max_bytes // 8:  # one answer never takes much of the cache
            return
        self._answers[key] = answer
        self.bytes += cost
        while len(self._answers) > self.max_entries or self.bytes > self.max_bytes:
            old, evicted = self._answers.popitem(last=False)
            self.bytes -= self._cost(old, evicted)


def _replica_dir() -> tuple[Path, int]:
    """A new directory for this service's snapshots, locked while it runs, after removing those of services that
    are gone (killed, so that they could not clean up): a directory whose lock anyone can take is nobody's."""
    top = Path(tempfile.gettempdir())
    for stale in top.glob(REPLICA_PREFIX + "*"):
        _remove_if_stale(stale)
    # made under another name and renamed once locked, so that no other service ever sees it unlocked
    making = Path(tempfile.mkdtemp(prefix=f".hrkg-new-{os.getpid()}-", dir=top))
    fd = os.open(making / "lock", os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    path = top / f"{REPLICA_PREFIX}{os.getpid()}-{making.name.rsplit('-', 1)[-1]}"
    making.rename(path)
    return path, fd


def _remove_if_stale(path: Path) -> None:
    try:
        if path.is_symlink() or not path.is_dir() or path.stat().st_uid != os.getuid():
            return
        fd = os.open(path / "lock", os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:  # not ours, or made by a version without a lock file: leave it
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # a running service holds it
        return
    else:
        log.info("removing %s, left behind by a service that is gone", path)
        shutil.rmtree(path, ignore_errors=True)
    finally:
        os.close(fd)


class WorkerPool:
    """Runs the service's jobs against ``store`` in worker processes: ``size`` workers for ad-hoc queries (each
    within ``timeout`` seconds), ``lookup_size`` for the named queries (0: they share the query workers) and
    ``validate_size`` for validations (within ``validate_timeout``).

    Each pool lets at most ``queue_limit`` requests wait for a worker, and one client at most ``client_limit``
    requests running or waiting (0: no limit). Up to ``cache_entries`` answers (``cache_bytes`` in all) are kept
    for repeated identical queries (0: no cache).

    Made when the service starts (it waits until the query workers are ready; the others start meanwhile and are
    waited for by their first job); :meth:`run` is called from the event loop.
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
        validate_size: int = 1,
        lookup_size: int = 1,
        queue_limit: int = 16,
        client_limit: int = 0,
        cache_entries: int = 1024,
        cache_bytes: int = 32_000_000,
        express_size: int = 1,
        express_timeout: float = 1.0,
    ) -> None:
        if size < 1 or validate_size < 1 or lookup_size < 0 or express_size < 0:
            raise ValueError("a worker pool needs at least one worker")
        self.store = store
        self.size = size
        self.timeout = timeout
        self.services = sorted(services)
        self.max_bytes = max_bytes
        self.memory_mb = memory_mb
        self.validate_timeout = validate_timeout
        self.express_timeout = min(express_timeout, timeout)
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
        self._dir, self._dir_lock = _replica_dir()
        self._lock = threading.Lock()
        self._update_lock = threading.Lock()
        self.generation = 0
        self.cache = _AnswerCache(cache_entries, cache_bytes)
        self._tasks: set[asyncio.Task[None]] = set()
        # each worker rebuilds the embedded store from its files, or opens a read-only persistent store itself;
        # a persistent store that can change is copied through a snapshot
        fresh = store.url == "memory:" or store.read_only
        self._snapshot: Path | None = None if fresh else self._write_snapshot()
        limits = {"queue_limit": queue_limit, "client_limit": client_limit}
        query = _Pool("query", size, **limits)
        self.pools: dict[PoolName, _Pool] = {
            "query": query,
            "lookup": _Pool("lookup", lookup_size, **limits) if lookup_size else query,
            "validation": _Pool("validation", validate_size, **limits),
        }
        if lookup_size:  # the named queries are the service's own, bounded: they may use an idle query worker
            self.pools["lookup"].borrows_from = query
        if express_size:
            self.pools["express"] = _Pool("express", express_size, **limits)
        self._closed = False
        first = [query, *([self.pools["express"]] if express_size else [])]  # waited for: they answer queries
        for pool in first:
            for _ in range(pool.size):
                pool.release(self._spawn(pool))
        try:
            for pool in first:
                for worker in list(pool.workers):
                    worker.wait_ready_blocking()
        except BaseException:
            self.close()
            raise
        for pool in self._own_pools():
            if pool not in first:
                for _ in range(pool.size):
                    pool.release(self._spawn(pool))

    # -- bookkeeping ---------------------------------------------------------------------------------------------

    def _own_pools(self) -> list[_Pool]:
        """Each pool once (the lookups may share the query pool), the query pool first."""
        return list({id(p): p for p in self.pools.values()}.values())

    @property
    def _all(self) -> set[_Worker]:
        with self._lock:
            return {w for pool in self._own_pools() for w in pool.workers}

    def _write_snapshot(self) -> Path:
        path = self._dir / f"replica-{self.generation}.nq"
        self.store.dump(path)
        for old in self._dir.glob("replica-*.nq"):
            if old != path and int(old.stem.split("-")[1]) < self.generation - 1:
                old.unlink(missing_ok=True)
        return path

    def _spawn(self, pool: _Pool) -> _Worker:
        config = WorkerConfig(
            snapshot=None if self._snapshot is None else str(self._snapshot),
            generation=self.generation,
            url=self.store.url,
            services=tuple(self.services),
            max_bytes=self.max_bytes,
            memory_mb=self.memory_mb,
            sandbox=self.sandbox,
            parent=os.getpid(),
            warm_validation=pool.name == "validation",
        )
        worker = _Worker(config, pool.name)
        with self._lock:
            pool.workers.add(worker)
        return worker

    def _retire(self, pool: _Pool, worker: _Worker, *, kill: bool) -> None:
        with self._lock:
            pool.workers.discard(worker)
        worker.stop(kill=kill)

    def refresh(self) -> None:
        """The store changed: write a new snapshot; each worker reloads it before its next query."""
        with self._lock:
            self.generation += 1
            self._snapshot = self._write_snapshot()

    def close(self) -> None:
        """Stop every worker and remove the snapshots."""
        self._closed = True
        for pool in self._own_pools():
            with self._lock:
                workers = list(pool.workers)
            for worker in workers:
                self._retire(pool, worker, kill=False)
        self._writer.shutdown(wait=False)
        shutil.rmtree(self._dir, ignore_errors=True)
        if self._dir_lock >= 0:
            os.close(self._dir_lock)
            self._dir_lock = -1

    @property
    def workers(self) -> int:
        """How many query workers there are (the pool for ad-hoc SPARQL)."""
        with self._lock:
            return len(self.pools["query"].workers)

    def status(self) -> dict[str, dict[str, int]]:
        """Each pool's workers, busy workers and waiting requests, and the answer cache's size."""
        pools: dict[str, dict[str, int]] = {name: pool.status() for name, pool in self.pools.items()}
        pools["cache"] = {"entries": len(self.cache), "bytes": self.cache.bytes}
        return pools

    # -- running -------------------------------------------------------------------------------------------------

    def _job(
        self, query: str, fmt: str, default_graphs: Iterable[str] | None, named_graphs: Iterable[str] | None
    ) -> Job:
        return Job(
            query=query,
            fmt=fmt,
            default_graphs=None if default_graphs is None else tuple(default_graphs),
            named_graphs=None if named_graphs is None else tuple(named_graphs),
            generation=self.generation,
            snapshot=None if self._snapshot is None else str(self._snapshot),
        )

    async def run(
        self,
        query: str,
        *,
        fmt: str,
        bindings: Mapping[str, BindingValue] | None = None,
        default_graphs: Iterable[str] | None = None,
        named_graphs: Iterable[str] | None = None,
        pool: PoolName = "query",
        client: str = "",
    ) -> Answer:
        """Run one query in a worker of ``pool`` for ``client`` (its address) and return its serialised result; a
        repeated query is answered from the cache.

        Raises :class:`QueryTimeoutError` (the worker is replaced), :class:`ServiceBusyError` when no worker became
        free within the timeout or too many requests wait already, :class:`ClientLimitError`, or the query's own
        :class:`HrkgError` (syntax, refused SERVICE, size limit).
        """
        if bindings:
            query = bind(query, bindings)
        job = self._job(query, fmt, default_graphs, named_graphs)
        key = self.cache.key(job)
        if key is not None and (cached := self.cache.get(key, job.generation)) is not None:
            return cached
        answer = await self._express(job, query[:200], client) if pool == "query" else None
        if answer is None:
            answer = await self._submit(job, self.timeout, query[:200], self.pools[pool], client)
        if key is not None:
            self.cache.put(key, answer)
        return answer

    async def _express(self, job: Job, summary: str, client: str) -> Answer | None:
        """Run an ad-hoc query on the express worker when every query worker is busy, for a client that has none of
        them: a cheap query is answered at once while runaways hold the query workers. A query that takes longer
        than the express timeout is stopped there (None: the query workers run it then, under the full timeout),
        so the express worker is never held for long. A client with queries running may not use it, so that
        nobody can keep it busy with the runaways that hold the query workers."""
        express, query = self.pools.get("express"), self.pools["query"]
        if express is None or query.idle or query.load.get(client, 0) or self._closed:
            return None
        worker = express.take_idle(client)
        if worker is None:
            return None
        try:
            return await self._run_on(job, self.express_timeout, summary, express, client, worker)
        except QueryTimeoutError:
            log.info("query moved from the express worker to the query workers: %s", summary)
            return None

    async def validate(
        self, body: bytes, *, media_type: str, engine: str, severity: str, suggest: bool, fmt: str, client: str = ""
    ) -> Answer:
        """Check organisation data in a validation worker (parse, validate, render the report) within the validation
        timeout.

        pySHACL is pure Python: in the service's own process a large upload would hold the event loop for minutes;
        in a worker it is stopped like a runaway query, and in a pool of its own it holds up no query."""
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
        summary = f"{len(body):,} bytes of {media_type}, {engine}"
        return await self._submit(job, self.validate_timeout, summary, self.pools["validation"], client)

    async def update(self, update: str, *, client: str = "") -> None:
        """Apply a SPARQL Update to the store, within the query timeout and memory limit.

        The update runs first on a query worker's replica, where it can be stopped; only if it finishes there is it
        applied to the store (one update at a time), after which every worker reloads."""
        dry_run = UpdateJob(
            update=update,
            generation=self.generation,
            snapshot=None if self._snapshot is None else str(self._snapshot),
        )
        await self._submit(dry_run, self.timeout, update[:200], self.pools["query"], client)
        await asyncio.get_running_loop().run_in_executor(self._writer, self._apply, update)

    def _apply(self, update: str) -> None:
        if self.sandbox and not getattr(_thread_state, "sandboxed", False):  # fail closed: never unsandboxed
            raise SandboxError("updates must be applied in the sandboxed update thread", hint="restart the service")
        with self._update_lock:
            try:
                self.store.update(update, services=self.services)
            finally:
                self.refresh()

    async def _submit(
        self, job: Job | ValidationJob | UpdateJob, timeout: float, summary: str, pool: _Pool, client: str
    ) -> Answer:
        if self._closed:
            raise ServiceBusyError("the service is shutting down", hint="retry in a moment")
        lender = pool.borrows_from
        borrowed = lender.take_idle(client) if lender is not None and not pool.idle else None
        if lender is not None and borrowed is not None:
            pool, worker = lender, borrowed
        else:
            # long enough for a request that came just after the running jobs to be served once they are stopped
            worker = await pool.acquire(client, timeout * _PATIENCE)
        return await self._run_on(job, timeout, summary, pool, client, worker)

    async def _run_on(
        self,
        job: Job | ValidationJob | UpdateJob,
        timeout: float,
        summary: str,
        pool: _Pool,
        client: str,
        worker: _Worker,
    ) -> Answer:
        """Run ``job`` on ``worker`` (acquired from ``pool`` for ``client``); the worker goes back to the pool, or
        is replaced when the job stopped or killed it."""
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
                self._retire(pool, worker, kill=True)
                worker = self._spawn(pool)
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
            raise self._died(worker, job.what, summary) from None
        finally:  # also when the request is cancelled: a worker in the middle of a job is replaced
            pool.finished(client)
            if healthy:
                pool.release(worker)
            else:
                self._retire(pool, worker, kill=True)
                if not self._closed:
                    self._replace(pool)
        if reply[0] == "ok":
            answer: Answer = reply[1]
            return answer
        if reply[0] == "error":
            raise from_wire(*reply[1:])  # the class the worker raised, from the registry of allowed ones
        raise RuntimeError(f"a {job.what} failed in a worker: {reply[1]}")

    def _replace(self, pool: _Pool) -> None:
        """A new worker for ``pool``. The express worker joins once it has loaded its replica, so that a cheap query
        never waits for a store to load; the others take jobs at once (a job waits for its worker to be ready)."""
        fresh = self._spawn(pool)
        if pool.name != "express":
            pool.release(fresh)
            return

        async def join() -> None:
            try:
                await fresh.wait_ready()
            except Exception:  # noqa: BLE001 - whatever stopped it, the pool retires it and goes on
                log.warning("a new express worker failed to start")
                self._retire(pool, fresh, kill=True)
                return
            if not self._closed:
                pool.release(fresh)

        task = asyncio.get_running_loop().create_task(join())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _died(self, worker: _Worker, what: str, summary: str) -> QueryStoppedError:
        """Why a worker died in the middle of a job, from its exit status and its last words on stderr."""
        try:
            code: int | None = worker.process.wait(5)
        except subprocess.TimeoutExpired:  # its socket broke but it lives on: it is killed when it is retired
            code = None
        words = worker.last_words() if code is not None else ""
        status = _exit_status(code)
        lines = words.strip().splitlines() or ["nothing"]
        telling = [line for line in lines if any(sign in line for sign in _OUT_OF_MEMORY)]
        last = (telling or lines)[-1][:300]
        if telling:
            log.warning(
                "a %s worker ran out of memory (%s; last on stderr: %s) on: %s", worker.pool, status, last, summary
            )
            return _out_of_memory(self.memory_mb, what)
        log.warning("a %s worker crashed (%s; last on stderr: %s) on: %s", worker.pool, status, last, summary)
        return QueryStoppedError(
            f"the {what} crashed the worker that ran it and was stopped",
            hint="simplify it (less nesting, fewer alternatives); the service goes on",
        )


_TIMEOUT_HINTS = {
    "query": "narrow the query (fewer patterns without shared variables, a LIMIT), or ask the operator for a "
    "longer HRKG_QUERY_TIMEOUT",
    "validation": "send less data at a time, use engine=fast, or ask the operator for a longer HRKG_VALIDATE_TIMEOUT",
    "update": "the store was not changed; narrow the update's WHERE clause, or apply it in smaller parts",
}
