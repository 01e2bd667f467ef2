"""Two services for the security cases: one guarded by its query guard alone (an allowlist is set, so the workers may
connect), one with no allowlist (the guard, and the network sandbox behind it). Both accept updates with a token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hrkg.config import Settings
from hrkg.service import create_app
from live import Recorder
from security.security_support import TOKEN


@pytest.fixture(scope="session")
def recorder() -> Iterator[Recorder]:
    with Recorder() as rec:
        yield rec


def _service(**settings: object) -> Iterator[TestClient]:
    config = Settings(store="memory:", workers=2, query_timeout=5, update_token=TOKEN, **settings)  # type: ignore[arg-type]
    with TestClient(create_app(config)) as client:
        yield client


@pytest.fixture(scope="session")
def guarded(recorder: Recorder) -> Iterator[TestClient]:
    """Only the guard stands between a query and the network: one path of the recorder is allowlisted."""
    yield from _service(service_allowlist=(recorder.url + "/allowed",))


@pytest.fixture(scope="session")
def sandboxed() -> Iterator[TestClient]:
    """No allowlist: the guard, and workers that cannot open a connection."""
    yield from _service()


@pytest.fixture(params=["guarded", "sandboxed"])
def client(request: pytest.FixtureRequest) -> TestClient:
    service: TestClient = request.getfixturevalue(request.param)
    return service
