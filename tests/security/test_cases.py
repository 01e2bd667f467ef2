"""The cases of cases.yaml against both services: the right status and one-line message, nothing fetched, the service
still answering, the store unchanged."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient

from live import Recorder
from security.security_support import AUTH, COUNT, QUICK

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text(encoding="utf-8"))
DEEP = "{ " * 300 + "?a ?b ?c" + " }" * 300


def _escaped(iri: str) -> str:
    """The IRI with every digit written as a codepoint escape (``\\u0031`` for 1)."""
    return "".join(f"\\u{ord(c):04X}" if c.isdigit() else c for c in iri)


def _fill(text: str, recorder: Recorder) -> str:
    target = recorder.url + "/elsewhere"
    return (
        text.replace("{{deep}}", DEEP)
        .replace("{target_escaped}", _escaped(target))
        .replace("{target_base}", recorder.url + "/")
        .replace("{target}", target)
        .replace("{allowed}", recorder.url + "/allowed")
    )


def _send(client: TestClient, via: str, text: str) -> httpx.Response:
    if via == "get":
        return client.get("/sparql", params={"query": text}, headers={"Accept": "text/plain"})
    if via == "form":
        return client.post("/sparql", data={"query": text}, headers={"Accept": "text/plain"})
    if via == "direct":
        headers = {"Content-Type": "application/sparql-query", "Accept": "text/plain"}
        return client.post("/sparql", content=text.encode(), headers=headers)
    headers = {**AUTH, "Content-Type": "application/sparql-update"}
    return client.post("/update", content=text.encode(), headers=headers)


def _triples(client: TestClient) -> int:
    r = client.get("/sparql", params={"query": COUNT}, headers={"Accept": "application/sparql-results+json"})
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def _runs() -> list[Any]:
    runs = []
    for case in CASES:
        for via in ("get", "form", "direct") if case["via"] == "query" else ("update",):
            runs.append(pytest.param(case, via, id=f"{case['id']}-{via}"))
    return runs


def test_the_case_table_is_well_formed() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids)) >= 25
    for case in CASES:
        assert set(case) == {"id", "via", "text", "status", "message"}, case["id"]
        assert case["via"] in ("query", "update")


@pytest.mark.parametrize(("case", "via"), _runs())
def test_case(client: TestClient, recorder: Recorder, case: dict[str, Any], via: str) -> None:
    before = len(recorder.requests)
    triples = _triples(client)
    r = _send(client, via, _fill(case["text"], recorder))
    assert r.status_code == case["status"], r.text
    if case["status"] != 200:
        lines = r.text.strip().splitlines()
        assert 1 <= len(lines) <= 2, r.text  # one message, and at most one hint
        assert _fill(case["message"], recorder) in lines[0]
        if len(lines) == 2:
            assert lines[1].startswith("hint: ")
    else:
        assert "SERVICE" in r.text  # the string came back as data
    assert recorder.requests[before:] == [], "the service sent a request it should not have"
    started = time.monotonic()
    quick = client.get("/sparql", params={"query": QUICK}, headers={"Accept": "application/sparql-results+json"})
    assert quick.json()["boolean"] is True
    assert time.monotonic() - started < 2
    assert _triples(client) == triples, "the store changed"
