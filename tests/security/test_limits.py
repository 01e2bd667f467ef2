"""The cases of limits.yaml: each limit's status and one-line message, nothing fetched, the service still answering,
the store unchanged."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
import yaml
from fastapi.testclient import TestClient

from hrkg.config import Settings
from hrkg.service import create_app
from live import Recorder
from security.security_support import COUNT, QUICK

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "limits.yaml").read_text(encoding="utf-8"))
JSON = {"Accept": "application/sparql-results+json"}


def _generate(name: str) -> str:
    if name == "long-query":
        return "ASK { ?s ?p ?o }" + " " * 3000
    if name == "big-register":
        return "organisation: {id: acme, roles: [deployer]}\n" + "# padding\n" * 25_000
    if name == "yaml-bomb":
        lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
        return "\n".join([*lines, "organisation: {id: acme, name: *a8}"]) + "\n"
    raise ValueError(name)


@pytest.fixture(scope="module")
def limited() -> Iterator[TestClient]:
    settings = Settings(
        store="memory:",
        workers=2,
        query_timeout=1.5,
        max_query_length=3000,
        max_upload_bytes=200_000,
        max_result_bytes=20_000,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _triples(client: TestClient) -> int:
    r = client.get("/sparql", params={"query": COUNT}, headers=JSON)
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_the_table_is_well_formed() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids)) >= 15
    for case in CASES:
        assert set(case) == {"id", "request", "status", "message"}, case["id"]
        assert set(case["request"]) <= {"method", "path", "type", "text", "generate"}, case["id"]


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_limit(limited: TestClient, recorder: Recorder, case: dict[str, Any]) -> None:
    request = case["request"]
    target = recorder.url + "/elsewhere"
    text = request["text"] if "text" in request else _generate(request["generate"])
    text = text.replace("{target}", target)
    path = request["path"].replace("{target}", target.replace(":", "%3A").replace("/", "%2F"))
    before = len(recorder.requests)
    triples = _triples(limited)
    if request["method"] == "GET":
        route, _, query_string = path.partition("?")
        params = [*parse_qsl(query_string), *([("query", text)] if text else [])]
        r = limited.get(route, params=params, headers={"Accept": "text/plain"})
    else:
        r = limited.post(path, content=text.encode(), headers={"Content-Type": request["type"], "Accept": "text/plain"})
    assert r.status_code == case["status"], r.text
    lines = r.text.strip().splitlines()
    if r.status_code >= 400:
        assert 1 <= len(lines) <= 2, r.text  # one message, and at most one hint
    assert case["message"] in lines[0]
    assert "Traceback" not in r.text
    assert recorder.requests[before:] == [], "the service sent a request it should not have"
    started = time.monotonic()
    assert limited.get("/sparql", params={"query": QUICK}, headers=JSON).json()["boolean"] is True
    assert time.monotonic() - started < 2
    assert _triples(limited) == triples, "the store changed"
