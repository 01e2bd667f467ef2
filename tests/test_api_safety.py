"""Safe by default: query timeouts, size limits, the SERVICE allowlist, no fetching, read-only unless a token is set,
and no internals in error bodies. Against a real server where timing and processes matter."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from hrkg.config import Settings
from hrkg.resources import Resources
from hrkg.service import create_app
from hrkg.store import Store
from live import Recorder, Redirector, hrkg_server

TIMEOUT = 1.5
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
QUICK = "ASK { ?s a <https://w3id.org/hrkg#AttributionLevel> }"
JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def remote() -> Iterator[Recorder]:
    with Recorder() as rec:
        yield rec


@pytest.fixture(scope="module")
def bouncer(remote: Recorder) -> Iterator[Redirector]:
    """An allowlisted endpoint that redirects to a path of the recorder that is not allowlisted."""
    with Redirector(remote.url + "/elsewhere") as redirector:
        yield redirector


@pytest.fixture(scope="module")
def server(remote: Recorder, bouncer: Redirector) -> Iterator[str]:
    env = {
        "HRKG_QUERY_TIMEOUT": str(TIMEOUT),
        "HRKG_WORKERS": "2",
        "HRKG_SERVICE_ALLOWLIST": f"{remote.url}/sparql,{bouncer.url}/sparql",
        "HRKG_MAX_RESULT_BYTES": "20000",
        "HRKG_MAX_QUERY_LENGTH": "3000",
        "HRKG_MAX_UPLOAD_BYTES": "50000",
    }
    with hrkg_server(env) as base:
        yield base


@pytest.fixture(scope="module")
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as c:
        yield c


# -- timeouts --------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_runaway_query_is_stopped_with_503_while_others_are_served(http: httpx.Client, server: str) -> None:
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        with httpx.Client(base_url=server, timeout=30) as own:
            r = own.get("/sparql", params={"query": RUNAWAY})
        outcome["status"], outcome["text"], outcome["retry"] = r.status_code, r.text, r.headers.get("retry-after")
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)  # the runaway holds one worker now
    quick = []
    while thread.is_alive():
        started = time.monotonic()
        r = http.get("/sparql", params={"query": QUICK}, headers=JSON)
        quick.append((r.status_code, r.json()["boolean"], time.monotonic() - started))
        time.sleep(0.1)
    thread.join()
    assert outcome["status"] == 503
    assert "ran longer than 1.5 s and was stopped" in str(outcome["text"])
    assert outcome["retry"] is not None
    assert TIMEOUT <= float(str(outcome["seconds"])) < TIMEOUT + 5
    assert len(quick) >= 5  # served the whole time the runaway ran
    assert all(status == 200 and answer is True for status, answer, _ in quick)
    assert max(seconds for *_, seconds in quick) < TIMEOUT
    # the stopped worker was replaced: the pool is whole and answers
    health = http.get("/health").json()
    assert health["workers"] == 2
    assert http.get("/sparql", params={"query": QUICK}, headers=JSON).json()["boolean"] is True


@pytest.mark.slow
def test_two_runaways_stop_and_the_service_recovers(http: httpx.Client, server: str) -> None:
    statuses: list[int] = []

    def runaway() -> None:
        with httpx.Client(base_url=server, timeout=30) as own:
            statuses.append(own.get("/sparql", params={"query": RUNAWAY}).status_code)

    threads = [threading.Thread(target=runaway) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [503, 503]
    assert http.get("/sparql", params={"query": QUICK}, headers=JSON).json()["boolean"] is True


# -- size limits -----------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_result_over_the_limit_is_refused_with_a_hint(http: httpx.Client) -> None:
    r = http.get("/sparql", params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"})
    assert r.status_code == 400
    assert "larger than the limit of 20,000 bytes" in r.text
    assert "LIMIT and OFFSET" in r.text
    small = http.get("/sparql", params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5"})
    assert small.status_code == 200
    assert small.headers["content-type"].startswith("text/turtle")


@pytest.mark.slow
def test_a_long_query_is_413(http: httpx.Client) -> None:
    long_query = "ASK { ?s ?p ?o }" + " " * 3000
    assert http.get("/sparql", params={"query": long_query}).status_code == 413
    r = http.post("/sparql", content=long_query, headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413
    assert "3,000 characters" in r.text


@pytest.mark.slow
def test_a_body_over_the_upload_limit_is_413_before_it_is_read(http: httpx.Client) -> None:
    r = http.post("/sparql", content=b"#" * 60_000, headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413
    assert "larger than" in r.text


# -- SERVICE, FROM, LOAD: no requests to hosts nobody allowed --------------------------------------------------


@pytest.mark.slow
def test_an_allowlisted_service_is_queried(http: httpx.Client, remote: Recorder) -> None:
    before = len(remote.requests)
    q = f"SELECT ?remote WHERE {{ SERVICE <{remote.url}/sparql> {{ ?x ?y ?remote }} }}"
    r = http.get("/sparql", params={"query": q}, headers=JSON)
    assert r.status_code == 200, r.text
    values = [b["remote"]["value"] for b in r.json()["results"]["bindings"]]
    assert values == [Recorder.ROW]
    assert len(remote.requests) == before + 1


@pytest.mark.slow
def test_an_allowlisted_endpoint_cannot_redirect_the_request_elsewhere(
    http: httpx.Client, remote: Recorder, bouncer: Redirector
) -> None:
    before, bounced = len(remote.requests), bouncer.requests
    q = f"SELECT * WHERE {{ SERVICE <{bouncer.url}/sparql> {{ ?s ?p ?o }} }}"
    r = http.get("/sparql", params={"query": q})
    assert r.status_code == 502
    assert "did not answer usefully" in r.text
    assert "redirect" in r.text
    assert bouncer.requests == bounced + 1
    assert len(remote.requests) == before  # the redirect was not followed


@pytest.mark.parametrize(
    "endpoint",
    [
        "<http://169.254.169.254/latest/meta-data/>",
        "<http://10.0.0.1/sparql>",
        "<{remote}/other>",  # the allowlisted host, another path: still not allowlisted
        "?endpoint",
        "ex:sparql",
    ],
)
@pytest.mark.slow
def test_other_services_are_refused_without_any_request(http: httpx.Client, remote: Recorder, endpoint: str) -> None:
    before = len(remote.requests)
    target = endpoint.format(remote=remote.url)
    q = f"PREFIX ex: <{remote.url}/x/>\nSELECT * WHERE {{ SERVICE SILENT {target} {{ ?s ?p ?o }} }}"
    r = http.get("/sparql", params={"query": q})
    assert r.status_code == 400
    assert "refused" in r.text
    assert len(remote.requests) == before


@pytest.mark.slow
def test_from_clauses_name_graphs_and_fetch_nothing(http: httpx.Client, remote: Recorder) -> None:
    before = len(remote.requests)
    q = f"SELECT (COUNT(*) AS ?n) FROM <{remote.url}/data.ttl> WHERE {{ ?s ?p ?o }}"
    r = http.get("/sparql", params={"query": q}, headers=JSON)
    assert r.status_code == 200
    assert r.json()["results"]["bindings"][0]["n"]["value"] == "0"
    assert len(remote.requests) == before


@pytest.mark.slow
def test_the_service_is_read_only_without_a_token(http: httpx.Client) -> None:
    r = http.post("/update", content="DROP ALL", headers={"Content-Type": "application/sparql-update"})
    assert r.status_code == 403
    assert "read-only" in r.text
    form = http.post("/sparql", data={"update": "DROP ALL"})
    assert form.status_code == 400
    assert "read-only" in form.text
    assert http.get("/health").json()["read_only"] is True


# -- updates with a token (in-process app: each test module gets its own store) ---------------------------------

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"}
GRAPH = "https://example.org/graph/org-a"


@pytest.fixture(scope="module")
def writable(remote: Recorder) -> Iterator[TestClient]:
    settings = Settings(store="memory:", update_token=TOKEN, workers=1)
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


def _count(client: TestClient, graph: str) -> int:
    q = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    r = client.get("/sparql", params={"query": q.replace("?g", f"<{graph}>"), "format": "csv"})
    return int(r.text.splitlines()[1])


def test_updates_need_the_token(writable: TestClient) -> None:
    update = f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <https://example.org/a> <https://example.org/b> "c" }} }}'
    missing = writable.post("/update", content=update, headers={"Content-Type": "application/sparql-update"})
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    wrong = writable.post("/update", content=update, headers={**AUTH, "Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert _count(writable, GRAPH) == 0


def test_an_update_with_the_token_is_seen_by_the_next_query(writable: TestClient) -> None:
    update = f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <https://example.org/a> <https://example.org/b> "c" }} }}'
    r = writable.post("/update", content=update, headers=AUTH)
    assert r.status_code == 204
    assert _count(writable, GRAPH) == 1
    form = writable.post(
        "/update",
        data={"update": 'INSERT DATA { <https://example.org/d> <https://example.org/e> "in the default graph" }'},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert form.status_code == 204
    q = 'ASK { <https://example.org/d> ?p "in the default graph" }'
    assert writable.get("/sparql", params={"query": q}).json()["boolean"] is True


def test_a_bad_update_changes_nothing(writable: TestClient, store: Store) -> None:
    before = writable.get("/health").json()["triples"]
    r = writable.post("/update", content="INSERT DATA { <a> <b> ", headers=AUTH)
    assert r.status_code == 400
    assert "does not parse" in r.text
    assert writable.get("/health").json()["triples"] == before


def test_load_is_refused_even_with_the_token(writable: TestClient, remote: Recorder) -> None:
    before = len(remote.requests)
    r = writable.post("/update", content=f"LOAD <{remote.url}/data.ttl>", headers=AUTH)
    assert r.status_code == 400
    assert "LOAD is refused" in r.text
    assert len(remote.requests) == before


# -- unexpected errors ------------------------------------------------------------------------------------------


def test_an_unexpected_error_is_500_with_an_id_and_no_internals(
    writable: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    pool = writable.app.state.pool  # type: ignore[attr-defined]

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("internal detail: /etc/hrkg/secret.key")

    monkeypatch.setattr(pool, "run", broken)
    with caplog.at_level(logging.ERROR, logger="hrkg.service"):
        r = writable.get("/sparql", params={"query": QUICK})
    assert r.status_code == 500
    body = r.json()
    assert set(body) == {"error", "id"}
    assert "secret" not in r.text
    assert any(body["id"] in record.getMessage() for record in caplog.records)


def test_a_worker_that_dies_is_replaced(writable: TestClient) -> None:
    pool = writable.app.state.pool  # type: ignore[attr-defined]
    for worker in list(pool._all):
        worker.process.kill()
        worker.process.wait(5)
    r = writable.get("/sparql", params={"query": QUICK})
    assert r.status_code == 200
    assert r.json()["boolean"] is True
    assert pool.workers == 1


@pytest.mark.slow
def test_updates_to_a_persistent_store_survive_a_restart(tmp_path: Path) -> None:
    url = f"oxigraph:{tmp_path / 'store'}"
    update = f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <https://example.org/a> <https://example.org/b> "kept" }} }}'
    with TestClient(create_app(Settings(store=url, update_token=TOKEN, workers=1))) as first:
        assert first.post("/update", content=update, headers=AUTH).status_code == 204
    with TestClient(create_app(Settings(store=url, workers=1))) as second:
        assert _count(second, GRAPH) == 1
        refused = second.post("/update", content="DROP ALL", headers=AUTH)
        assert refused.status_code == 403  # this run has no token: read-only
        assert _count(second, GRAPH) == 1


@pytest.mark.slow
def test_a_query_that_needs_too_much_memory_is_stopped_with_503(caplog: pytest.LogCaptureFixture) -> None:
    hungry = "SELECT ?a ?b ?c ?d WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f ?c LIMIT 1"  # sorts 30 million rows
    settings = Settings(store="memory:", workers=1, worker_memory_mb=300, query_timeout=30)
    with TestClient(create_app(settings)) as client:
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="hrkg.service.workers.pool"):
            r = client.get("/sparql", params={"query": hungry})
        assert r.status_code == 503
        assert "more memory than a query worker may use (300 MiB)" in r.text
        # told by what the worker said last (Rust's "memory allocation of N bytes failed", then abort)
        assert any("a query worker ran out of memory (signal SIGABRT" in m for m in caplog.messages), caplog.messages
        assert not any("crashed" in m for m in caplog.messages)
        assert time.monotonic() - started < 20  # stopped by the limit, not by the timeout
        # the worker was replaced and the service goes on
        assert client.get("/sparql", params={"query": QUICK}).json()["boolean"] is True
        assert client.get("/health").json()["workers"] == 1


@pytest.mark.slow
def test_every_worker_sees_an_update() -> None:
    update = f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <https://example.org/a> <https://example.org/b> "seen" }} }}'
    with TestClient(create_app(Settings(store="memory:", update_token=TOKEN, workers=2))) as client:
        assert [_count(client, GRAPH) for _ in range(4)] == [0, 0, 0, 0]  # both workers have answered
        assert client.post("/update", content=update, headers=AUTH).status_code == 204
        assert [_count(client, GRAPH) for _ in range(6)] == [1] * 6


@pytest.mark.slow
def test_a_long_validation_is_stopped_and_the_service_goes_on(res: Resources) -> None:
    """Validation runs in a worker too: pySHACL is pure Python and would hold the service's event loop."""
    example = (res.data / "examples" / "broken-causing-deployer.yaml").read_bytes()
    settings = Settings(store="memory:", workers=1, validate_timeout=0.2)
    with TestClient(create_app(settings)) as client:
        started = time.monotonic()
        r = client.post(
            "/validate",
            content=example,
            params={"engine": "pyshacl"},
            headers={"Content-Type": "application/yaml"},
        )
        assert r.status_code == 503
        assert "the validation ran longer than 0.2 s and was stopped" in r.text
        assert "HRKG_VALIDATE_TIMEOUT" in r.text
        assert time.monotonic() - started < 10
        assert client.get("/sparql", params={"query": QUICK}).json()["boolean"] is True


HOSTILE = {
    "deep groups": ("SELECT * WHERE " + "{" * 40000 + "}" * 40000, 400, "levels deep"),
    "deep expression": ("SELECT * WHERE { FILTER(" + "(" * 20000 + "1" + ")" * 20000 + ") }", 400, "levels deep"),
    "deep optionals": ("SELECT * WHERE { " + "OPTIONAL { " * 3000 + "?s ?p ?o" + " }" * 3000 + " }", 400, "deep"),
    "NUL in a literal": ('SELECT * WHERE { ?s ?p "\x00" }', 200, '"bindings":[]'),
    "a 90,000-character IRI": ("ASK { <http://e/" + "a" * 90000 + "> ?p ?o }", 200, '"boolean":false'),
    "catastrophic regex": ('SELECT * WHERE { BIND(REGEX("' + "a" * 5000 + '!", "^(a+)+$") AS ?x) }', 200, "false"),
    "15,000 VALUES": ("SELECT * WHERE { VALUES ?x { " + " ".join(map(str, range(15000))) + " } }", 200, '"14999"'),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_queries_get_a_clear_answer_and_leave_the_service_up(writable: TestClient, name: str) -> None:
    query, status, words = HOSTILE[name]
    r = writable.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == status, r.text[:300]
    assert words in r.text
    assert writable.get("/sparql", params={"query": QUICK}).json()["boolean"] is True


@pytest.mark.parametrize("sig", [signal.SIGSEGV, signal.SIGKILL])
def test_a_worker_crash_mid_query_is_503_and_the_worker_is_replaced(
    writable: TestClient, caplog: pytest.LogCaptureFixture, sig: signal.Signals
) -> None:
    """A worker that dies of anything but a memory error (it says so on its stderr) is a crash, never "out of
    memory" (a SIGKILL from outside was once reported as one); the log names the signal."""
    pool = writable.app.state.pool  # type: ignore[attr-defined]
    (worker,) = list(pool.pools["query"].workers)

    def crash() -> None:
        time.sleep(0.5)
        worker.process.send_signal(sig)

    thread = threading.Thread(target=crash)
    thread.start()
    with caplog.at_level(logging.WARNING, logger="hrkg.service.workers.pool"):
        r = writable.get("/sparql", params={"query": RUNAWAY})
    thread.join()
    assert r.status_code == 503
    assert "crashed the worker that ran it" in r.text
    assert "memory" not in r.text
    assert any(f"a query worker crashed (signal {sig.name}" in m for m in caplog.messages), caplog.messages
    assert writable.get("/sparql", params={"query": QUICK}).json()["boolean"] is True


@pytest.mark.slow
def test_a_runaway_update_is_stopped_on_a_replica_and_changes_nothing() -> None:
    runaway = (
        "INSERT { ?a <https://example.org/p> ?x } WHERE { GRAPH ?g1 { ?a ?b ?c } GRAPH ?g2 { ?d ?e ?f } "
        "GRAPH ?g3 { ?g ?h ?i } BIND(CONCAT(STR(?c), STR(?f), STR(?i)) AS ?x) FILTER(?x = 'never') }"
    )
    settings = Settings(store="memory:", update_token=TOKEN, workers=1, query_timeout=1)
    with TestClient(create_app(settings)) as client:
        before = client.get("/health").json()["triples"]
        started = time.monotonic()
        r = client.post("/update", content=runaway, headers=AUTH)
        assert r.status_code == 503
        assert "the update ran longer than 1 s and was stopped" in r.text
        assert "the store was not changed" in r.text
        assert time.monotonic() - started < 6
        assert client.get("/health").json()["triples"] == before
        update = f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <https://example.org/a> <https://example.org/b> "ok" }} }}'
        assert client.post("/update", content=update, headers=AUTH).status_code == 204
        assert _count(client, GRAPH) == 1
        assert client.get("/health").json()["triples"] == before + 1


@pytest.mark.slow
def test_read_only_services_share_a_persistent_store_without_copies(tmp_path: Path) -> None:
    url = f"oxigraph:{tmp_path / 'store'}"
    with (
        TestClient(create_app(Settings(store=url, workers=1))) as first,
        TestClient(create_app(Settings(store=url, workers=1))) as second,
    ):
        for client in (first, second):
            pool = client.app.state.pool  # type: ignore[attr-defined]
            assert pool._snapshot is None  # the workers open the store themselves: no replica, no snapshot
            assert client.app.state.store.read_only  # type: ignore[attr-defined]
            assert client.get("/sparql", params={"query": QUICK}).json()["boolean"] is True
            assert client.get("/health").json()["read_only"] is True
        q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        counts = {c.get("/sparql", params={"query": q, "format": "csv"}).text for c in (first, second)}
        assert len(counts) == 1
