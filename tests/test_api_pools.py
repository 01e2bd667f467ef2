"""One client must not stall the others: separate worker pools for ad-hoc SPARQL, named queries and validation, a
bounded wait queue per pool (503 at once when full), a limit per client (429), an answer cache; errors that say
what happened (a malformed SERVICE answer is 502 naming the endpoint); no replica directories left behind by a
killed service. Against real servers: clients are told apart by their loopback source address (127.0.0.N)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from hrkg.errors import ServiceBusyError
from hrkg.resources import Resources
from hrkg.service.workers.jobs import Answer, Job
from hrkg.service.workers.pool import _AnswerCache, _Pool, _remove_if_stale, _replica_dir, _Worker
from live import Garbage, hrkg_process, hrkg_server

TIMEOUT = 2.0
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
JSON = {"Accept": "application/sparql-results+json"}
YAML = {"Content-Type": "application/yaml"}


def register(impacts: int) -> bytes:
    """A risk register with ``impacts`` impacts, each with a mitigation: pySHACL takes far longer than TIMEOUT."""
    lines = ["organisation: {id: bulk, roles: [deployer]}", "impacts:"]
    lines += [f"  - {{id: i{n}, rights: [privacy], attribution: contribute}}" for n in range(impacts)]
    lines.append("mitigations:")
    lines += [f"  - {{id: m{n}, addresses: [i{n}], actions: [prevent]}}" for n in range(impacts)]
    return "\n".join(lines).encode()


def quick(n: int) -> str:
    """A cheap query the cache has not seen (the comment makes each text new)."""
    return f"# {n} {time.monotonic()}\nASK {{ ?s a <https://w3id.org/hrkg#AttributionLevel> }}"


@pytest.fixture(scope="module")
def garbage() -> Iterator[Garbage]:
    with Garbage() as g:
        yield g


@pytest.fixture(scope="module")
def server(garbage: Garbage) -> Iterator[str]:
    env = {
        "HRKG_WORKERS": "2",
        "HRKG_QUERY_TIMEOUT": str(TIMEOUT),
        "HRKG_VALIDATE_TIMEOUT": str(TIMEOUT),
        "HRKG_QUEUE_LIMIT": "1",
        "HRKG_CLIENT_CONCURRENCY": "2",
        "HRKG_EXPRESS_WORKERS": "0",  # this server shows the queues; the express worker has a server of its own
        "HRKG_SERVICE_ALLOWLIST": f"{garbage.url}/html,{garbage.url}/truncated",
    }
    with hrkg_server(env) as base:
        yield base


def client(server: str, n: int) -> httpx.Client:
    """A client of its own: requests come from 127.0.0.``n``."""
    return httpx.Client(base_url=server, timeout=30, transport=httpx.HTTPTransport(local_address=f"127.0.0.{n}"))


class Background:
    """Requests sent from threads; their answers and how long each took."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.answers: dict[str, tuple[httpx.Response, float]] = {}

    def send(self, name: str, http: httpx.Client, method: str, url: str, **kwargs: Any) -> None:
        def go() -> None:
            started = time.monotonic()
            r = http.request(method, url, **kwargs)
            self.answers[name] = (r, time.monotonic() - started)

        thread = threading.Thread(target=go)
        thread.start()
        self.threads.append(thread)

    def join(self) -> None:
        for thread in self.threads:
            thread.join(60)


def wait_for(http: httpx.Client, condition: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
    """Poll /health until ``condition`` holds of its ``pools`` (at most 5 s)."""
    deadline = time.monotonic() + 10
    while True:
        pools: dict[str, Any] = http.get("/health").json()["pools"]
        if condition(pools):
            return pools
        if time.monotonic() > deadline:
            raise AssertionError(f"never {what}: {pools}")
        time.sleep(0.05)


def timed(call: Callable[[], httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    r = call()
    return r, time.monotonic() - started


@pytest.mark.slow
def test_no_pool_stalls_another_and_full_queues_and_busy_clients_are_told_at_once(server: str, res: Resources) -> None:
    """The whole story on one server: a long validation and two runaway queries (as many as there are query
    workers) hold their pools; meanwhile queries, named queries and cached answers are served at once, a client
    over its limit gets 429, a full queue 503, each with Retry-After and a message naming the pool; afterwards
    every request that waited is answered."""
    example = (res.data / "examples" / "broken-causing-deployer.yaml").read_bytes()
    cached = "ASK { ?s a <https://w3id.org/hrkg#MitigationCategory> }"
    a, b, c, d, e, f, v = (client(server, n) for n in range(2, 9))
    background = Background()
    try:
        assert b.get("/sparql", params={"query": cached}, headers=JSON).json()["boolean"] is True
        # a validation that takes longer than its timeout (pySHACL) holds the only validation worker ...
        background.send("long validation", v, "POST", "/validate", params={"engine": "pyshacl"},
                        content=register(300), headers=YAML)  # fmt: skip
        wait_for(b, lambda p: p["validation"]["busy"] == 1, "a busy validation worker")
        # ... and holds up no query
        r, seconds = timed(lambda: b.get("/sparql", params={"query": quick(1)}, headers=JSON))
        assert r.status_code == 200
        assert r.json()["boolean"] is True
        assert seconds < 1
        # one more validation waits for it; the next finds the queue full: 503 at once, naming the pool
        background.send("waiting validation", e, "POST", "/validate", content=example, headers=YAML)
        wait_for(b, lambda p: p["validation"]["waiting"] == 1, "a waiting validation")
        r, seconds = timed(lambda: f.post("/validate", content=example, headers=YAML))
        assert r.status_code == 503
        assert r.text.startswith("the validation worker is busy and 1 request is waiting; retry in a few seconds")
        assert "HRKG_QUEUE_LIMIT" in r.text
        assert r.headers["retry-after"].isdigit()
        assert seconds < 1

        # client a's two runaways hold both query workers
        background.send("runaway 1", a, "GET", "/sparql", params={"query": RUNAWAY})
        background.send("runaway 2", a, "GET", "/sparql", params={"query": RUNAWAY + " # 2"})
        wait_for(b, lambda p: p["query"]["busy"] == 2, "two busy query workers")
        # a third from the same client is refused at once: 429
        r, seconds = timed(lambda: a.get("/sparql", params={"query": quick(2)}))
        assert r.status_code == 429
        assert r.text.startswith(
            "this client already has 2 requests running or waiting for the query workers, the most one client may "
            "have; retry when an answer is in"
        )
        assert "HRKG_CLIENT_CONCURRENCY" in r.text
        assert r.headers["retry-after"] == "2"
        assert seconds < 1
        # named queries have workers of their own, for client a too; a repeated query comes from the cache
        r, seconds = timed(lambda: a.get("/queries/attribution-spectrum", headers=JSON))
        assert r.status_code == 200
        assert len(r.json()["results"]["bindings"]) == 4
        assert seconds < 1
        r, seconds = timed(lambda: b.get("/sparql", params={"query": cached}, headers=JSON))
        assert r.status_code == 200
        assert r.json()["boolean"] is True
        assert seconds < 0.5
        # another client's new query waits for a query worker; the next finds the queue full
        background.send("waiting query", c, "GET", "/sparql", params={"query": quick(3)}, headers=JSON)
        pools = wait_for(b, lambda p: p["query"]["waiting"] == 1, "a waiting query")
        assert pools["query"]["busy"] == 2
        assert pools["validation"]["busy"] == 1
        r, seconds = timed(lambda: d.get("/sparql", params={"query": quick(4)}, headers=JSON))
        assert r.status_code == 503
        assert r.json()["error"] == "all 2 query workers are busy and 1 request is waiting; retry in a few seconds"
        assert seconds < 1
        assert r.headers["retry-after"].isdigit()
        background.join()
    finally:
        background.join()
        for http in (a, b, c, d, e, f, v):
            http.close()

    answers = background.answers
    for name in ("runaway 1", "runaway 2"):
        r, _ = answers[name]
        assert r.status_code == 503
        assert r.text.startswith(f"the query ran longer than {TIMEOUT:g} s and was stopped")
    r, _ = answers["long validation"]
    assert r.status_code == 503
    assert r.text.startswith(f"the validation ran longer than {TIMEOUT:g} s and was stopped")
    r, _ = answers["waiting query"]
    assert r.status_code == 200, (r.text, answers["waiting query"][1])
    assert r.status_code == 200
    assert r.json()["boolean"] is True
    r, _ = answers["waiting validation"]
    assert r.status_code == 200, r.text
    assert r.json()["conforms"] is False


EXPRESS_TIMEOUT = 0.5


@pytest.fixture(scope="module")
def express_server() -> Iterator[str]:
    env = {
        "HRKG_WORKERS": "2",
        "HRKG_QUERY_TIMEOUT": "3",
        "HRKG_EXPRESS_TIMEOUT": str(EXPRESS_TIMEOUT),
        "HRKG_CLIENT_CONCURRENCY": "2",
    }
    with hrkg_server(env) as base:
        yield base


@pytest.mark.slow
def test_while_runaways_hold_every_query_worker_new_cheap_queries_are_answered_at_once(express_server: str) -> None:
    """The express worker: with both query workers held by one client's runaways, other clients' new (uncached)
    queries are answered at once; the runaways' client cannot use it; a runaway sent to it is stopped there after
    the express timeout and run by the query workers instead, and the express worker is back soon after."""
    a, b, c = (client(express_server, n) for n in (2, 3, 4))
    background = Background()
    try:
        background.send("runaway 1", a, "GET", "/sparql", params={"query": RUNAWAY})
        background.send("runaway 2", a, "GET", "/sparql", params={"query": RUNAWAY + " # 2"})
        wait_for(b, lambda p: p["query"]["busy"] == 2, "two busy query workers")
        for n in range(5):
            r, seconds = timed(lambda n=n: b.get("/sparql", params={"query": quick(n)}, headers=JSON))
            assert r.status_code == 200
            assert r.json()["boolean"] is True
            assert seconds < EXPRESS_TIMEOUT
        assert a.get("/sparql", params={"query": quick(9)}).status_code == 429  # its runaways hold the workers
        # a runaway from another client: stopped on the express worker, then waits for a query worker
        background.send("third runaway", c, "GET", "/sparql", params={"query": RUNAWAY + " # 3"})
        wait_for(b, lambda p: p["query"]["waiting"] == 1, "the third runaway waiting for a query worker")
        wait_for(b, lambda p: p["express"]["idle"] == 1, "the express worker back, its replica loaded")
        r, seconds = timed(lambda: b.get("/sparql", params={"query": quick(10)}, headers=JSON))
        assert r.status_code == 200
        assert seconds < EXPRESS_TIMEOUT
    finally:
        background.join()
        for http in (a, b, c):
            http.close()
    for name in ("runaway 1", "runaway 2", "third runaway"):
        r, _ = background.answers[name]
        assert r.status_code == 503
        assert r.text.startswith("the query ran longer than 3 s and was stopped")


@pytest.mark.parametrize(("path", "words"), [("html", "text/html"), ("truncated", "end of file")])
@pytest.mark.slow
def test_a_malformed_answer_from_an_allowlisted_endpoint_is_502_naming_it(
    server: str, garbage: Garbage, path: str, words: str
) -> None:
    endpoint = f"{garbage.url}/{path}"
    before = garbage.requests
    with httpx.Client(base_url=server, timeout=30) as http:
        r = http.get("/sparql", params={"query": f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"})
        assert r.status_code == 502
        assert r.text.startswith(f"the SERVICE endpoint <{endpoint}> did not answer usefully: ")
        assert words in r.text.splitlines()[0]
        assert garbage.requests == before + 1
        # SERVICE answers are never cached: the endpoint is asked again
        assert (
            http.get("/sparql", params={"query": f"ASK {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"}).status_code == 502
        )
        assert garbage.requests == before + 2
        assert http.get("/sparql", params={"query": quick(5)}, headers=JSON).json()["boolean"] is True


def _quietly(base: str, query: str) -> None:
    with contextlib.suppress(httpx.HTTPError):
        httpx.get(base + "/sparql", params={"query": query}, timeout=30)


def _children(pid: int) -> list[int]:
    """The process ids of ``pid``'s children (its workers)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            lines = status.read_text(encoding="ascii").splitlines()
        except OSError:
            continue
        if f"PPid:\t{pid}" in lines:
            found.append(int(status.parent.name))
    return found


@pytest.mark.slow
def test_a_killed_service_leaves_no_replica_directory_behind(tmp_path: Path) -> None:
    """A service killed with SIGKILL cannot clean up; the next one to start removes what it left (its lock is
    free), and never the directory of a service that runs."""
    env = {
        "TMPDIR": str(tmp_path),
        "HRKG_STORE": f"oxigraph:{tmp_path / 'store'}",
        "HRKG_UPDATE_TOKEN": "token",  # a writable persistent store: the workers load a snapshot
        "HRKG_WORKERS": "1",
    }

    def replicas() -> list[Path]:
        return sorted(tmp_path.glob("hrkg-replica-*"))

    with hrkg_process(env) as (base, first):
        (left,) = replicas()
        assert left.name.startswith(f"hrkg-replica-{first.pid}-")
        assert (left / "replica-0.nq").stat().st_size > 0
        workers = _children(first.pid)
        assert workers
        # a runaway in the middle of its query when the service is killed: it must not run on
        runaway = threading.Thread(target=lambda: _quietly(base, RUNAWAY), daemon=True)
        runaway.start()
        with httpx.Client(base_url=base, timeout=10) as http:
            wait_for(http, lambda p: p["query"]["busy"] == 1, "a busy query worker")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert replicas() == [left]  # left behind
    deadline = time.monotonic() + 3  # far less than the 10 s the runaway could run
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], "workers outlived the killed service"
    with hrkg_process({**env, "HRKG_STORE": "memory:"}) as (base, second):  # any service cleans up at start
        assert not left.exists()
        (own,) = replicas()
        assert own.name.startswith(f"hrkg-replica-{second.pid}-")
        assert httpx.get(base + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=JSON).json()["boolean"]
    assert replicas() == []  # stopped normally (SIGTERM): it removed its own


@pytest.mark.slow
def test_the_replica_directory_of_a_running_service_is_never_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    path, lock = _replica_dir()
    assert path.name.startswith(f"hrkg-replica-{os.getpid()}-")
    _remove_if_stale(path)  # its lock is held (here, through another open file)
    assert path.is_dir()
    os.close(lock)  # as when the service is killed
    other, other_lock = _replica_dir()  # the next service to start removes it
    assert not path.exists()
    assert other.is_dir()
    os.close(other_lock)


# -- the pieces, without processes ------------------------------------------------------------------------------


def test_a_freed_worker_goes_to_the_waiting_client_with_the_fewest_jobs_running() -> None:
    async def scenario() -> list[str]:
        pool = _Pool("query", 2, queue_limit=10, client_limit=0)
        for _ in range(2):
            pool.release(cast(_Worker, object()))
        served: list[str] = []

        async def job(client: str) -> None:
            got = await pool.acquire(client, 5)
            served.append(client)
            await asyncio.sleep(0)
            pool.finished(client)
            pool.release(got)

        one, two = await pool.acquire("greedy", 5), await pool.acquire("greedy", 5)  # greedy holds both workers
        tasks = [asyncio.create_task(job("greedy")) for _ in range(2)]  # and queues two more
        await asyncio.sleep(0)
        tasks.append(asyncio.create_task(job("modest")))  # then modest asks for one
        await asyncio.sleep(0)
        assert pool.status() == {"workers": 0, "busy": 2, "idle": 0, "waiting": 3}
        pool.finished("greedy")
        pool.release(one)
        await asyncio.gather(*tasks)
        pool.finished("greedy")
        pool.release(two)
        assert pool.status() == {"workers": 0, "busy": 0, "idle": 2, "waiting": 0}
        assert len(pool.idle) == 2
        assert not pool.load
        assert not pool.running
        return served

    # modest came last, but greedy still had a job running: modest is served first
    assert asyncio.run(scenario()) == ["modest", "greedy", "greedy"]


def test_a_request_that_gives_up_waiting_leaves_the_pool_as_it_was() -> None:
    async def scenario() -> None:
        pool = _Pool("lookup", 1, queue_limit=1, client_limit=2)
        pool.release(cast(_Worker, object()))
        worker = await pool.acquire("a", 1)  # the only worker
        waiting = asyncio.create_task(pool.acquire("b", 5))
        await asyncio.sleep(0)
        assert pool.status()["waiting"] == 1
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert pool.status() == {"workers": 0, "busy": 1, "idle": 0, "waiting": 0}
        assert pool.load == {"a": 1}
        # cancelled, and the worker freed before the request has seen it: counted once, the worker stays idle
        waiting = asyncio.create_task(pool.acquire("b", 5))
        await asyncio.sleep(0)
        waiting.cancel()
        pool.finished("a")
        pool.release(worker)
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert pool.status() == {"workers": 0, "busy": 0, "idle": 1, "waiting": 0}
        assert pool.load == {}
        assert pool.idle == [worker]
        # a request that waits too long is told so
        await pool.acquire("a", 1)
        with pytest.raises(ServiceBusyError, match=r"^the lookup worker stayed busy for 0\.05 s$"):
            await pool.acquire("b", 0.05)
        assert pool.load == {"a": 1}

    asyncio.run(scenario())


def test_the_answer_cache_is_bounded_and_forgets_on_a_new_generation() -> None:
    cache = _AnswerCache(entries=2, size=10_000)

    def job(text: str, generation: int = 0) -> Job:
        return Job(text, "json", None, None, generation, None)

    def put(text: str, body: bytes = b"x", generation: int = 0) -> None:
        key = cache.key(job(text, generation))
        assert key is not None
        assert cache.get(key, generation) is None
        cache.put(key, Answer(body, "json", "ask"))

    def has(text: str, generation: int = 0) -> bool:
        key = cache.key(job(text, generation))
        return key is not None and cache.get(key, generation) is not None

    put("ASK { 1 }")
    put("ASK { 2 }")
    assert has("ASK { 1 }")  # now the most recently used
    put("ASK { 3 }")
    assert not has("ASK { 2 }")
    assert has("ASK { 1 }")
    assert has("ASK { 3 }")
    put("ASK { 4 }", body=b"x" * 2_000)  # more than an eighth of the bytes: not kept
    assert not has("ASK { 4 }")
    assert has("ASK { 1 }", generation=1) is False  # the store changed: everything is forgotten
    assert len(cache) == 0
    assert cache.bytes == 0
    for text in (
        "SELECT * WHERE { SERVICE <http://e/sparql> { ?s ?p ?o } }",
        "SELECT (RAND() AS ?r) {}",
        "SELECT (now() AS ?t) {}",
        "SELECT (STRUUID() AS ?u) {}",
        "SELECT * WHERE { ?s ?p '\\u0041' }",
    ):
        assert cache.key(job(text)) is None, text
    assert _AnswerCache(entries=0, size=10_000).key(job("ASK {}")) is None
