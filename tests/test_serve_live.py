"""`hrkg serve` for real: a server process on 127.0.0.1 answers the quick start's question, over HTTP and curl."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from live import hrkg_server


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with hrkg_server() as base:
        yield base


def test_quick_start_ask(server: str) -> None:
    url = server + "/sparql?" + urllib.parse.urlencode({"query": "ASK{?s ?p ?o}"})
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.headers["Content-Type"].startswith("application/sparql-results+json")
        assert json.load(r) == {"head": {}, "boolean": True}


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_as_in_the_readme(server: str) -> None:
    out = subprocess.run(
        ["curl", "-s", "-G", "--data-urlencode", "query=ASK { ?s ?p ?o }", server + "/sparql"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert json.loads(out.stdout) == {"head": {}, "boolean": True}
