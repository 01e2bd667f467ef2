"""The minimal service: /health and the SPARQL query operation (GET and POST), with content negotiation."""

from __future__ import annotations

import io
import json

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.query import Result

from hrkg.store import Store

ASK = "ASK { ?s ?p ?o }"
LEVELS = (
    "SELECT ?l WHERE { ?l a <https://w3id.org/hrkg#AttributionLevel> ;"
    " <https://w3id.org/hrkg#spectrumPosition> ?n } ORDER BY ?n"
)


@pytest.fixture(scope="module")
def client(service: TestClient) -> TestClient:
    return service


def test_health_reports_what_is_loaded(client: TestClient, store: Store) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["store"] == "memory:"
    assert body["graphs"] == len(store.graphs())
    assert body["triples"] == len(store)


def test_get_ask_json(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": ASK})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    assert r.json() == {"head": {}, "boolean": True}


@pytest.mark.parametrize(
    ("accept", "media", "parser"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", "json"),
        ("application/sparql-results+xml", "application/sparql-results+xml", "xml"),
        ("text/csv", "text/csv", "csv"),
        ("text/tab-separated-values", "text/tab-separated-values", "tsv"),
        ("image/png;q=0.9, text/csv;q=0.5", "text/csv", "csv"),
        ("*/*", "application/sparql-results+json", "json"),
    ],
)
def test_select_negotiation(client: TestClient, accept: str, media: str, parser: str) -> None:
    r = client.get("/sparql", params={"query": LEVELS}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    parsed = Result.parse(io.StringIO(r.text), format=parser)
    assert [str(row[0]).rsplit("/", 1)[-1] for row in parsed] == [  # type: ignore[index]
        "cause",
        "contribute",
        "directly-linked",
        "not-linked",
    ]


def test_construct_as_turtle(client: TestClient) -> None:
    q = "CONSTRUCT { ?l <https://w3id.org/hrkg#callsFor> ?a } WHERE { ?l <https://w3id.org/hrkg#callsFor> ?a }"
    r = client.get("/sparql", params={"query": q}, headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    cause = rdflib.URIRef("https://w3id.org/hrkg/attribution/cause")
    assert rdflib.URIRef("https://w3id.org/hrkg/action/remedy") in set(g.objects(cause, None))


def test_format_parameter_overrides_accept(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": LEVELS, "format": "csv"}, headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.text.splitlines()[0] == "l"


def test_not_acceptable(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": LEVELS}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "text/csv" in r.text
    as_json = client.get("/sparql", params={"query": LEVELS}, headers={"Accept": "application/json;q=0"})
    assert as_json.status_code == 406


def test_syntax_error_is_400_with_a_message(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELEC ?x"})
    assert r.status_code == 400
    assert "does not parse" in r.text


def test_post_form_and_direct(client: TestClient) -> None:
    form = client.post("/sparql", data={"query": ASK})
    assert form.status_code == 200
    assert form.json()["boolean"] is True
    direct = client.post("/sparql", content=ASK, headers={"Content-Type": "application/sparql-query"})
    assert direct.status_code == 200
    assert json.loads(direct.text)["boolean"] is True


def test_post_with_other_content_type_is_415(client: TestClient) -> None:
    r = client.post("/sparql", content=ASK, headers={"Content-Type": "text/plain"})
    assert r.status_code == 415


def test_named_graph_restriction(client: TestClient) -> None:
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    core = "https://w3id.org/hrkg/graph/ontology/core"
    all_n = int(client.get("/sparql", params={"query": q, "format": "csv"}).text.splitlines()[1])
    core_n = int(
        client.get("/sparql", params={"query": q, "format": "csv", "default-graph-uri": core}).text.splitlines()[1]
    )
    assert 0 < core_n < all_n


def test_service_to_an_arbitrary_host_is_refused(client: TestClient) -> None:
    q = "SELECT * WHERE { SERVICE <http://169.254.169.254/> { ?s ?p ?o } }"
    r = client.get("/sparql", params={"query": q})
    assert r.status_code == 400
    assert "SERVICE <http://169.254.169.254/> is refused" in r.text


def test_updates_are_not_queries(client: TestClient) -> None:
    r = client.post("/sparql", content="DROP ALL", headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400
    assert "this is a SPARQL Update" in r.text
    assert "read-only" in r.text
