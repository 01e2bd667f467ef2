"""The second wall: with no endpoint allowlisted, what evaluates queries cannot connect anywhere, even when the guard
is bypassed on purpose."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hrkg import sandbox
from hrkg.service.workers.pool import WorkerPool
from hrkg.store import Store
from live import Recorder
from security.bypass_job import RawServiceJob

HERE = Path(__file__).parent


@contextmanager
def _pool(store: Store, services: list[str]) -> Iterator[WorkerPool]:
    """A one-worker pool whose worker can import :mod:`bypass_job` (the job is pickled by reference)."""
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent), old]))
    try:
        pool = WorkerPool(store, size=1, timeout=10, sandbox=True, services=services)
    finally:
        if old is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = old
    try:
        yield pool
    finally:
        pool.close()


def test_the_workers_are_sandboxed_only_when_nothing_is_allowlisted(sandboxed: TestClient, guarded: TestClient) -> None:
    strict = {name: [w.process.pid for w in pool.workers] for name, pool in sandboxed.app.state.pool.pools.items()}  # type: ignore[attr-defined]
    open_ = [w.process.pid for w in guarded.app.state.pool._all]  # type: ignore[attr-defined]
    assert {name: len(pids) for name, pids in strict.items()} == {
        "query": 2,
        "express": 1,
        "lookup": 1,
        "validation": 1,
    }
    assert all(sandbox.active(pid) for pids in strict.values() for pid in pids)  # validation workers too
    assert len(open_) == 5
    assert not any(sandbox.active(pid) for pid in open_)


def test_the_update_thread_cannot_open_a_socket(sandboxed: TestClient, guarded: TestClient) -> None:
    with pytest.raises(PermissionError):
        sandboxed.app.state.pool._writer.submit(socket.socket).result()  # type: ignore[attr-defined]
    guarded.app.state.pool._writer.submit(lambda: socket.socket().close()).result()  # type: ignore[attr-defined]
    socket.socket().close()  # the filter binds that one thread, not the service's other threads


def test_a_worker_with_the_guard_bypassed_fetches_nothing(store: Store, recorder: Recorder) -> None:
    """A real worker of the pool, sent a job that skips the guard: the kernel refuses its connection."""
    before = len(recorder.requests)
    with _pool(store, []) as pool:
        answer = asyncio.run(
            pool._submit(RawServiceJob(recorder.url + "/bypassed"), 10, "bypass", pool.pools["query"], "")
        )  # type: ignore[arg-type]
    assert answer.body.startswith(b"refused: ")
    assert recorder.requests[before:] == []


@pytest.mark.slow
def test_without_the_sandbox_the_same_job_does_fetch(store: Store, recorder: Recorder) -> None:
    """The control for the test above: the same job in a worker that is not sandboxed (an endpoint is allowlisted)
    reaches the endpoint."""
    before = len(recorder.requests)
    with _pool(store, [recorder.url + "/allowed"]) as pool:
        answer = asyncio.run(
            pool._submit(RawServiceJob(recorder.url + "/bypassed"), 10, "control", pool.pools["query"], "")
        )  # type: ignore[arg-type]
    assert answer.body == b"fetched 1 rows"
    assert [r.split()[1] for r in recorder.requests[before:]] == ["/bypassed"]


SCRIPT = """
import socket, sys, urllib.request
import pyoxigraph as ox
from hrkg import sandbox
sandbox.install(all_threads=True)
target = sys.argv[1]
outcomes = []
try:
    list(ox.Store().query("SELECT * WHERE { SERVICE <" + target + "/raw> { ?a ?b ?c } }"))
    outcomes.append("engine fetched")
except OSError as exc:
    outcomes.append("engine refused")
for attempt in (lambda: urllib.request.urlopen(target + "/urllib", timeout=2),
                lambda: socket.create_connection(("127.0.0.1", int(target.rsplit(":", 1)[1])), timeout=2),
                lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM),
                lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)):
    try:
        attempt()
        outcomes.append("connected")
    except OSError:
        outcomes.append("refused")
print(" ".join(outcomes))
"""


def test_a_sandboxed_process_reaches_nothing_by_any_route(recorder: Recorder) -> None:
    before = len(recorder.requests)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, recorder.url], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["engine", "refused", "refused", "refused", "refused", "refused"]
    assert recorder.requests[before:] == []


def test_without_libseccomp_the_service_does_not_start_unless_told(tmp_path: Path) -> None:
    """Fail closed: a sandbox that cannot be installed is one line at start-up, not a service without it."""
    (tmp_path / "pyseccomp.py").write_text('raise RuntimeError("Unable to find libseccomp")\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))}
    env.pop("HRKG_SERVICE_ALLOWLIST", None)
    done = subprocess.run(
        [sys.executable, "-m", "hrkg", "serve", "--port", "1"], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[0] == "error: the network sandbox could not be installed: Unable to find libseccomp"
    assert "HRKG_NETWORK_SANDBOX=off" in lines[1]
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_the_sandbox_can_be_turned_off_explicitly(store: Store) -> None:
    pool = WorkerPool(store, size=1, timeout=10, sandbox=False)
    try:
        assert not any(sandbox.active(w.process.pid) for w in pool._all)
        assert not pool.sandbox
    finally:
        pool.close()
