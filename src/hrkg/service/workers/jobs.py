"""What travels between the service and a worker: the jobs, the worker's configuration, and the serialised
answer; :func:`execute` runs a query job with a bounded result."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from hrkg.errors import HrkgError, QueryStoppedError, RemoteEndpointError, ResultTooLargeError
from hrkg.guard import read
from hrkg.results import fits, kind_of, write
from hrkg.store import Store

if TYPE_CHECKING:
    from typing_extensions import Buffer


#: the format used when the requested one does not fit the result's form
_FALLBACK = {"select": "json", "ask": "json", "graph": "turtle"}


#: the pools: ad-hoc SPARQL and update trials; the service's own named queries; POST /validate
PoolName = Literal["query", "express", "lookup", "validation"]


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
        from hrkg.validation.check import check_text

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
        with _service_errors(self.update, config.services):
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
    #: the service's process id: the worker dies with it
    parent: int = 0
    #: a validation worker: read the rules and run one validation before saying it is ready, so that a replaced
    #: worker does not spend its first job's time limit on that
    warm_validation: bool = False


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
    with _service_errors(job.query, services):
        return _execute(store, job, services=services, max_bytes=max_bytes)


@contextlib.contextmanager
def _service_errors(sparql: str, services: Collection[str]) -> Iterator[None]:
    """The engine's errors for a SERVICE endpoint that failed or answered garbage, as 502 naming the endpoint."""
    try:
        yield
    except (OSError, RuntimeError) as exc:
        # only allowlisted endpoints can have been called (the guard refused the others): those the parse tree names
        reason = " ".join(str(exc).split()) or type(exc).__name__
        try:
            named = sorted({e for e in read(sparql).services if e is not None and e in services})
        except HrkgError:
            raise exc from None
        if not named:
            raise
        which = "the SERVICE endpoint " + ", ".join(f"<{e}>" for e in named)
        raise RemoteEndpointError(
            f"{which} did not answer usefully: {reason}",
            hint="check that the endpoint is up and answers SPARQL results; SERVICE SILENT ignores a failing endpoint",
        ) from None


def _execute(store: Store, job: Job, *, services: Collection[str], max_bytes: int) -> Answer:
    raw = store.evaluate(job.query, default_graphs=job.default_graphs, named_graphs=job.named_graphs, services=services)
    kind = kind_of(raw)
    fmt = job.fmt if fits(kind, job.fmt) else _FALLBACK[kind]
    sink = _Bounded(max_bytes)
    try:
        write(raw, sink, fmt)
    except OSError:  # results are computed while they are written: errors surface here
        if sink.exceeded:
            raise _too_large(max_bytes) from None
        raise
    return Answer(sink.getvalue(), fmt, kind)


def _out_of_memory(memory_mb: int, what: str = "query") -> QueryStoppedError:
    worker = "a validation worker" if what == "validation" else "a query worker"
    limit = f"more memory than {worker} may use ({memory_mb:,} MiB)" if memory_mb else "more memory than there was"
    return QueryStoppedError(
        f"the {what} needed {limit} and was stopped",
        hint="narrow the query (fewer patterns without shared variables, a LIMIT, no ORDER BY over everything), "
        "or ask the operator for a larger HRKG_WORKER_MEMORY_MB",
    )
