"""SPARQL 1.1 Protocol conformance, as a table: method x content type x Accept x query form.

Every row asserts the status, the Content-Type and the parsed body; the negative rows assert the status and what
the message says. The protocol: https://www.w3.org/TR/sparql11-protocol/ (query operation)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
import rdflib
from fastapi.testclient import TestClient
from httpx import Response
from rdflib.query import Result

from hrkg.config import Settings
from hrkg.service import create_app

H = "https://w3id.org/hrkg#"
LEVELS = ["cause", "contribute", "directly-linked", "not-linked"]
CAUSE = "https://w3id.org/hrkg/attribution/cause"
QUERIES = {
    "select": f"SELECT ?l ?n WHERE {{ ?l a <{H}AttributionLevel> ; <{H}spectrumPosition> ?n }} ORDER BY ?n",
    "ask": f"ASK {{ <{CAUSE}> a <{H}AttributionLevel> }}",
    "construct": f"CONSTRUCT {{ ?l a <{H}AttributionLevel> }} WHERE {{ ?l a <{H}AttributionLevel> }}",
    "describe": f"DESCRIBE <{CAUSE}>",
}
TABULAR = {
    "application/sparql-results+json": "application/sparql-results+json",
    "application/json": "application/sparql-results+json",
    "application/sparql-results+xml": "application/sparql-results+xml",
    "application/xml": "application/sparql-results+xml",
    "text/csv": "text/csv",
    "text/tab-separated-values": "text/tab-separated-values",
    "*/*": "application/sparql-results+json",
    "": "application/sparql-results+json",
    "image/png;q=0.9, text/csv;q=0.8": "text/csv",
}
GRAPH = {
    "text/turtle": "text/turtle",
    "application/n-triples": "application/n-triples",
    "application/ld+json": "application/ld+json",
    "application/rdf+xml": "application/rdf+xml",
    "*/*": "text/turtle",
    "": "text/turtle",
    "application/rdf+xml;q=0.5, application/ld+json": "application/ld+json",
}
METHODS = ("GET", "POST form", "POST direct")


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(store="memory:", max_query_length=5000))) as c:
        yield c


def send(client: TestClient, method: str, query: str, accept: str = "", **params: Any) -> Response:
    headers = {"Accept": accept} if accept else {}
    if method == "GET":
        return client.get("/sparql", params={"query": query, **params}, headers=headers)
    if method == "POST form":
        return client.post("/sparql", data={"query": query, **params}, headers=headers)
    return client.post(
        "/sparql",
        content=query.encode(),
        params=params,
        headers={**headers, "Content-Type": "application/sparql-query"},
    )


def _select_values(body: bytes, media: str) -> list[tuple[str, str]]:
    """(level local name, position) pairs, parsed the way the media type says."""
    if media == "text/csv":
        rows = list(csv.DictReader(io.StringIO(body.decode())))
        return [(r["l"].rsplit("/", 1)[1], r["n"]) for r in rows]
    if media == "text/tab-separated-values":
        lines = body.decode().splitlines()
        assert lines[0].split("\t") == ["?l", "?n"]
        cells = [line.split("\t") for line in lines[1:]]
        return [(iri.strip("<>").rsplit("/", 1)[1], n.split("^^")[0].strip('"')) for iri, n in cells]
    fmt = "json" if "json" in media else "xml"
    result = Result.parse(io.BytesIO(body), format=fmt)
    return [(str(row[0]).rsplit("/", 1)[1], str(row[1])) for row in result]  # type: ignore[index]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("accept", "media"), TABULAR.items())
def test_select(client: TestClient, method: str, accept: str, media: str) -> None:
    r = send(client, method, QUERIES["select"], accept)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    assert _select_values(r.content, media) == [(level, str(i)) for i, level in enumerate(LEVELS, 1)]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("accept", "media"), TABULAR.items())
def test_ask(client: TestClient, method: str, accept: str, media: str) -> None:
    r = send(client, method, QUERIES["ask"], accept)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    if media in ("text/csv", "text/tab-separated-values"):
        assert r.text.strip().splitlines()[-1] == "true"
    else:
        assert Result.parse(io.BytesIO(r.content), format="json" if "json" in media else "xml").askAnswer is True


_RDF_PARSER = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("form", ["construct", "describe"])
@pytest.mark.parametrize(("accept", "media"), GRAPH.items())
def test_graph_results(client: TestClient, method: str, form: str, accept: str, media: str) -> None:
    r = send(client, method, QUERIES[form], accept)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    g = rdflib.Graph().parse(data=r.content, format=_RDF_PARSER[media])
    level = rdflib.URIRef(CAUSE)
    assert (level, rdflib.RDF.type, rdflib.URIRef(H + "AttributionLevel")) in g
    if form == "construct":
        assert len(g) == len(LEVELS)
    else:
        assert set(g.subjects()) == {level}
        assert (level, rdflib.URIRef(H + "spectrumPosition"), rdflib.Literal(1)) in g


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("fmt", "media"),
    [("json", "application/sparql-results+json"), ("xml", "application/sparql-results+xml"), ("csv", "text/csv")],
)
def test_format_parameter_is_the_browser_fallback(client: TestClient, method: str, fmt: str, media: str) -> None:
    r = send(client, method, QUERIES["select"], "text/html", format=fmt)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media


@pytest.mark.parametrize("method", METHODS)
def test_dataset_parameters(client: TestClient, method: str) -> None:
    core = "https://w3id.org/hrkg/graph/ontology/core"
    attribution = "https://w3id.org/hrkg/graph/guidance/attribution"
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?l a <{H}AttributionLevel> }}"
    assert json.loads(send(client, method, count, "application/json").text)["results"]["bindings"][0]["n"][
        "value"
    ] == str(len(LEVELS))
    only_guidance = send(client, method, count, "application/json", **{"default-graph-uri": attribution})
    assert only_guidance.json()["results"]["bindings"][0]["n"]["value"] == "0"
    graphs = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?l a <{H}AttributionLevel> }} }}"
    named = send(client, method, graphs, "application/json", **{"named-graph-uri": [core, attribution]})
    assert [b["g"]["value"] for b in named.json()["results"]["bindings"]] == [core]


def test_from_in_the_query_is_used_when_the_protocol_names_no_graphs(client: TestClient) -> None:
    core = "https://w3id.org/hrkg/graph/ontology/core"
    attribution = "https://w3id.org/hrkg/graph/guidance/attribution"
    q = f"SELECT (COUNT(*) AS ?n) FROM <{attribution}> WHERE {{ ?l a <{H}AttributionLevel> }}"
    assert send(client, "GET", q, "application/json").json()["results"]["bindings"][0]["n"]["value"] == "0"
    overridden = send(client, "GET", q, "application/json", **{"default-graph-uri": core})
    assert overridden.json()["results"]["bindings"][0]["n"]["value"] == str(len(LEVELS))


# -- negative cases ------------------------------------------------------------------------------------------------

NEGATIVE = [
    # (method, content type, accept, query, status, words in the message)
    ("GET", None, "", "SELEC ?x", 400, "does not parse"),
    ("POST direct", "application/sparql-query", "", "SELECT * WHERE { ?s ?p }", 400, "does not parse"),
    ("POST form", "application/x-www-form-urlencoded", "", "ASK { ?s ?p ?o ", 400, "does not parse"),
    ("GET", None, "", "   ", 400, "empty"),
    ("POST form", "application/x-www-form-urlencoded", "", "", 400, "missing query"),
    ("POST direct", "text/plain", "", QUERIES["ask"], 415, "application/sparql-query"),
    ("POST direct", "application/json", "", QUERIES["ask"], 415, "application/sparql-query"),
    ("GET", None, "image/png", QUERIES["select"], 406, "text/csv"),
    ("GET", None, "text/turtle", QUERIES["select"], 406, "application/sparql-results+json"),
    ("GET", None, "application/sparql-results+json", QUERIES["construct"], 406, "text/turtle"),
    ("GET", None, "", "INSERT DATA { <a:b> <a:c> <a:d> }", 400, "SPARQL Update"),
    ("POST direct", "application/sparql-query", "", "DROP ALL", 400, "SPARQL Update"),
    ("POST direct", "application/sparql-update", "", "DROP ALL", 400, "not accepted at /sparql"),
    ("GET", None, "", "ASK { ?s ?p ?o }" + " " * 5000, 413, "longer than 5,000"),
    ("GET", None, "", "SELECT * WHERE { SERVICE <http://10.1.2.3/sparql> { ?s ?p ?o } }", 400, "refused"),
]


@pytest.mark.parametrize(("method", "ctype", "accept", "query", "status", "words"), NEGATIVE)
def test_negative(
    client: TestClient, method: str, ctype: str | None, accept: str, query: str, status: int, words: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    if method == "GET":
        r = client.get("/sparql", params={"query": query}, headers=headers)
    elif ctype == "application/x-www-form-urlencoded":
        r = client.post("/sparql", data={"query": query} if query else {"format": "json"}, headers=headers)
    else:
        r = client.post("/sparql", content=query.encode(), headers={**headers, "Content-Type": ctype or ""})
    assert r.status_code == status
    assert words in r.text
    assert "Traceback" not in r.text


def test_errors_are_json_for_json_clients(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELEC ?x"}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 400
    body = r.json()
    assert body["status"] == 400
    assert "does not parse" in body["error"]
    assert "hint" in body


def test_update_parameter_on_the_query_endpoint(client: TestClient) -> None:
    r = client.post("/sparql", data={"update": "DROP ALL"})
    assert r.status_code == 400
    assert "read-only" in r.text


def test_body_that_is_not_utf8(client: TestClient) -> None:
    r = client.post("/sparql", content=b"ASK { \xff }", headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400
    assert "not UTF-8" in r.text


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(client: TestClient, method: str) -> None:
    r = client.request(method, "/sparql")
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, HEAD, POST, OPTIONS"


def test_vary_accept(client: TestClient) -> None:
    assert "Accept" in send(client, "GET", QUERIES["ask"]).headers["vary"]


def test_cors_lets_browser_tools_query(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": QUERIES["ask"]}, headers={"Origin": "https://yasgui.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    pre = client.options(
        "/sparql",
        headers={"Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST"},
    )
    assert pre.status_code == 200
    assert "POST" in pre.headers["access-control-allow-methods"]


SD = "http://www.w3.org/ns/sparql-service-description#"


@pytest.mark.parametrize(("accept", "parser"), [("text/turtle", "turtle"), ("application/ld+json", "json-ld")])
def test_get_without_a_query_is_the_service_description(client: TestClient, accept: str, parser: str) -> None:
    r = client.get("/sparql", headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == accept
    g = rdflib.Graph().parse(data=r.content, format=parser)
    service = next(g.subjects(rdflib.RDF.type, rdflib.URIRef(SD + "Service")))
    assert g.value(service, rdflib.URIRef(SD + "endpoint")) == rdflib.URIRef("http://testserver/sparql")
    assert (service, rdflib.URIRef(SD + "feature"), rdflib.URIRef(SD + "UnionDefaultGraph")) in g
    assert (service, rdflib.URIRef(SD + "supportedLanguage"), rdflib.URIRef(SD + "SPARQL11Query")) in g
    names = {str(n) for n in g.objects(None, rdflib.URIRef(SD + "name"))}
    assert "https://w3id.org/hrkg/graph/ontology/core" in names


# -- browsers get pages ------------------------------------------------------------------------------------------

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_browser_gets_select_results_as_a_page(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": QUERIES["select"]}, headers={"Accept": BROWSER})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "4 rows" in page
    for level in LEVELS:
        assert f'href="/attribution/{level}"' in page  # hrkg IRIs link to their pages here
    assert "<textarea" in page  # the query, ready to edit and run again
    assert "format=csv" in page  # and the same answer to download


def test_a_browser_gets_graph_results_and_ask_as_a_page(client: TestClient) -> None:
    graph = client.get("/sparql", params={"query": QUERIES["construct"]}, headers={"Accept": BROWSER})
    assert graph.headers["content-type"].startswith("text/html")
    assert f"{len(LEVELS)} triples" in graph.text
    ask = client.get("/sparql", params={"query": QUERIES["ask"], "format": "html"})
    assert "<strong>yes</strong>" in ask.text


def test_the_endpoint_page_has_a_form_and_working_examples(client: TestClient) -> None:
    r = client.get("/sparql", headers={"Accept": BROWSER})
    assert r.headers["content-type"].startswith("text/html")
    assert '<form method="get" action="/sparql">' in r.text
    links = [href.split('"')[0].replace("&amp;", "&") for href in r.text.split('href="/sparql?')[1:]]
    examples = [link for link in links if "format=html" in link]
    assert len(examples) == 3
    for link in examples:
        page = client.get("/sparql?" + link)
        assert page.status_code == 200
        assert "<table>" in page.text


def test_pages_escape_what_the_query_and_data_hold(client: TestClient) -> None:
    hostile = 'SELECT ?x WHERE { BIND("</textarea><script>alert(1)</script>" AS ?x) }'
    page = client.get("/sparql", params={"query": hostile, "format": "html"}).text
    assert "<script>" not in page
    assert "&lt;/textarea&gt;&lt;script&gt;" in page


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
@pytest.mark.parametrize("value", ["AAA", "", "0.5"])
def test_a_graph_that_is_not_an_iri_is_400(client: TestClient, method: str, param: str, value: str) -> None:
    r = send(client, method, QUERIES["ask"], **{param: value})
    assert r.status_code == 400
    assert r.text.splitlines()[0] == f"{param} {value!r} is not an absolute IRI"
