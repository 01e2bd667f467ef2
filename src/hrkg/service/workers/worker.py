"""The worker process: receives jobs over its socket, runs them on its replica of the store under the network
sandbox, and dies with the service."""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from hrkg import sandbox
from hrkg.errors import HrkgError, to_wire
from hrkg.service.workers.jobs import UpdateJob, WorkerConfig, _out_of_memory
from hrkg.sparql import warm as warm_parser
from hrkg.store import Store


def _serve(conn: Connection, config: WorkerConfig) -> None:
    """A worker's life: load the replica, say ready, then answer jobs until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the service's to handle; it stops the workers
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a worker that crashes leaves no core file behind
    _die_with_parent(config.parent)
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
    if config.warm_validation:
        from hrkg.validation.check import warm

        warm(store)
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
            reply = ("error", *to_wire(exc))  # the class travels by name, with plain attributes only
        except MemoryError:
            reply = ("error", *to_wire(_out_of_memory(config.memory_mb, job.what)))
        except Exception as exc:  # noqa: BLE001 - reported to the service, which logs it and answers 500
            reply = ("crash", f"{type(exc).__name__}: {exc}")
        conn.send(reply)


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this worker when the service dies (even by SIGKILL, mid-query), so that no runaway
    outlives it (Linux; the service starts its workers from its main thread, whose end is what the kernel sees)."""
    if not sys.platform.startswith("linux") or not parent:
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the service died before the request took effect
        os._exit(1)


_thread_state = threading.local()


def _sandbox_thread() -> None:
    sandbox.install(all_threads=False)
    _thread_state.sandboxed = True


def serve(conn: Connection) -> None:
    """The worker's entry point (``python -m hrkg.service.workers``): read the configuration, then :func:`_serve`."""
    _serve(conn, conn.recv())
