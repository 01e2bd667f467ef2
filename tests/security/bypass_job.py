"""A job that skips the query guard, for tests/security/test_sandbox.py only (the service has no such job). In a
module of its own, so that a worker process can unpickle it without the test's imports."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from hrkg.service.workers.jobs import Answer, WorkerConfig
from hrkg.store import Store


@dataclass(frozen=True)
class RawServiceJob:
    """A job that skips the guard: it hands a SERVICE query straight to the engine in the worker (for this test
    only; the service has no such job)."""

    endpoint: str
    generation: int = 0
    snapshot: str | None = None
    what = "query"

    def run(self, store: Store, config: WorkerConfig) -> Answer:
        query = f"SELECT * WHERE {{ SERVICE <{self.endpoint}> {{ ?a ?b ?c }} }}"
        try:
            rows = list(ox.Store().query(query))  # type: ignore[arg-type]
        except OSError as exc:
            return Answer(f"refused: {exc}".encode(), "text", "select")
        return Answer(f"fetched {len(rows)} rows".encode(), "text", "select")
