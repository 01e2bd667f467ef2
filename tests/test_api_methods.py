"""OPTIONS and 405: every path says which methods it accepts (RFC 9110 Allow), read from the routes themselves.

A plain OPTIONS request is 204 with Allow; a CORS preflight (Origin + Access-Control-Request-Method) is answered by
the CORS middleware instead; any other method a path does not accept is 405 with Allow and one readable message.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hrkg.config import Settings
from hrkg.service import create_app

SPARQL = "GET, HEAD, POST, OPTIONS"
POST_ONLY = "POST, OPTIONS"
READ_ONLY = "GET, HEAD, OPTIONS"


@pytest.fixture(scope="module")
def client(service: TestClient) -> TestClient:
    return service


@pytest.fixture(scope="module")
def no_cors() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(store="memory:", workers=1, cors_origins=()))) as c:
        yield c


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/sparql", SPARQL),
        ("/update", POST_ONLY),
        ("/validate", POST_ONLY),
        ("/queries", READ_ONLY),
        ("/queries/appropriate-actions", READ_ONLY),
        ("/queries/appropriate-actions/sparql", READ_ONLY),
        ("/health", READ_ONLY),
        ("/", READ_ONLY),
        ("/ontology/core", READ_ONLY),
        ("/right/privacy", READ_ONLY),
        ("/.well-known/void", READ_ONLY),
        ("/openapi.json", READ_ONLY),
    ],
)
def test_options_lists_the_methods_of_the_path(client: TestClient, path: str, allow: str) -> None:
    r = client.options(path)
    assert r.status_code == 204
    assert r.headers["allow"] == allow
    assert r.content == b""
    assert r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/sparql", SPARQL),
        ("DELETE", "/sparql", SPARQL),
        ("PATCH", "/sparql", SPARQL),
        ("GET", "/update", POST_ONLY),  # not a 404 from the linked-data catch-all: the path exists, for POST
        ("HEAD", "/update", POST_ONLY),
        ("GET", "/validate", POST_ONLY),
        ("POST", "/queries", READ_ONLY),
        ("DELETE", "/right/privacy", READ_ONLY),
        ("POST", "/ontology", READ_ONLY),
    ],
)
def test_other_methods_are_405_with_allow(client: TestClient, method: str, path: str, allow: str) -> None:
    r = client.request(method, path)
    assert r.status_code == 405
    assert r.headers["allow"] == allow
    if method != "HEAD":
        assert r.headers["content-type"].startswith("text/plain")
        assert r.text == f"{method} is not allowed on {path}\nhint: this resource answers {allow}\n"


def test_405_as_json_for_json_clients(client: TestClient) -> None:
    r = client.delete("/sparql", headers={"Accept": "application/json"})
    assert r.status_code == 405
    assert r.headers["allow"] == SPARQL
    assert r.json() == {
        "error": "DELETE is not allowed on /sparql",
        "status": 405,
        "hint": f"this resource answers {SPARQL}",
    }


def test_cors_preflight_is_answered_by_cors(client: TestClient) -> None:
    r = client.options("/sparql", headers={"Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST"})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert set(r.headers["access-control-allow-methods"].split(", ")) >= {"GET", "POST"}


def test_plain_options_with_an_origin_gets_allow_and_cors_headers(client: TestClient) -> None:
    r = client.options("/sparql", headers={"Origin": "https://yasgui.example"})
    assert r.status_code == 204
    assert r.headers["allow"] == SPARQL
    assert r.headers["access-control-allow-origin"] == "*"


def test_without_cors_a_preflight_is_plain_options(no_cors: TestClient) -> None:
    r = no_cors.options(
        "/sparql", headers={"Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST"}
    )
    assert r.status_code == 204
    assert r.headers["allow"] == SPARQL
    assert "access-control-allow-origin" not in r.headers


def test_accepted_methods_still_reach_their_routes(client: TestClient) -> None:
    assert client.head("/sparql").status_code == 200
    assert client.post("/sparql", data={"query": "ASK {}"}).json() == {"head": {}, "boolean": True}
    assert client.get("/right/privacy", headers={"Accept": "text/turtle"}).status_code == 200
    assert client.post("/update", content="DROP ALL").status_code == 403  # read-only service: POST is still routed
