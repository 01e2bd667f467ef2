"""`hrkg serve` for real: a server process on 127.0.0.1 answers curl, SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from live import hrkg_server

pytestmark = pytest.mark.slow  # a server process (make quick leaves it to make test)


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


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_script(server: str) -> None:
    script = Path(__file__).parent / "scripts" / "curl_protocol.sh"
    out = subprocess.run(["bash", str(script), server], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.count("ok - ") == 10


# -- SPARQLWrapper, as linked-data tools use it ---------------------------------------------------------------------

LEVELS = (
    "SELECT ?l ?n WHERE { ?l a <https://w3id.org/hrkg#AttributionLevel> ;"
    " <https://w3id.org/hrkg#spectrumPosition> ?n } ORDER BY ?n"
)
LEVEL_IRIS = [
    f"https://w3id.org/hrkg/attribution/{x}" for x in ("cause", "contribute", "directly-linked", "not-linked")
]
CONSTRUCT = "CONSTRUCT WHERE { ?l a <https://w3id.org/hrkg#AttributionLevel> }"


def _wrapper(server: str, query: str, fmt: str, method: str = "GET") -> Any:
    sparql = SPARQLWrapper(server + "/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setMethod(method)
    return sparql.query()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json_and_xml(server: str, method: str) -> None:
    data = _wrapper(server, LEVELS, JSON, method).convert()
    assert [b["l"]["value"] for b in data["results"]["bindings"]] == LEVEL_IRIS
    doc = _wrapper(server, LEVELS, XML, method).convert()
    uris = [node.firstChild.data for node in doc.getElementsByTagName("uri")]
    assert uris == LEVEL_IRIS


@pytest.mark.parametrize(("fmt", "sep"), [(CSV, ","), (TSV, "\t")])
def test_sparqlwrapper_select_csv_tsv(server: str, fmt: str, sep: str) -> None:
    text = _wrapper(server, LEVELS, fmt).convert().decode()
    lines = text.splitlines()
    assert lines[0].replace("?", "") == f"l{sep}n"
    assert [line.split(sep)[0].strip("<>") for line in lines[1:]] == LEVEL_IRIS


def test_sparqlwrapper_ask(server: str) -> None:
    assert _wrapper(server, "ASK { ?s ?p ?o }", JSON).convert()["boolean"] is True


@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, JSONLD])
def test_sparqlwrapper_construct(server: str, fmt: str) -> None:
    result = _wrapper(server, CONSTRUCT, fmt)
    graph = result.convert()
    if isinstance(graph, bytes):  # SPARQLWrapper hands Turtle/N3 back as bytes
        graph = rdflib.Graph().parse(data=graph, format="turtle")
    assert set(map(str, graph.subjects())) == set(LEVEL_IRIS)


def test_rdflib_sparqlstore(server: str) -> None:
    graph = rdflib.Graph(SPARQLStore(server + "/sparql", returnFormat="json"))
    rows = list(graph.query(LEVELS))
    assert [str(row[0]) for row in rows] == LEVEL_IRIS  # type: ignore[index]
    assert [int(row[1]) for row in rows] == [1, 2, 3, 4]  # type: ignore[index]
    cause = rdflib.URIRef(LEVEL_IRIS[0])
    labels = list(graph.objects(cause, rdflib.RDFS.label))
    assert labels
    assert all(isinstance(label, rdflib.Literal) for label in labels)
    assert (cause, rdflib.RDF.type, rdflib.URIRef("https://w3id.org/hrkg#AttributionLevel")) in graph
