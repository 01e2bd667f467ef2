"""Linked data: every hrkg IRI dereferences on the service (RDF by content negotiation, HTML for browsers), the
ontology is served whole and by module, and the dataset describes itself (VoID, SPARQL Service Description)."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

from hrkg import __version__
from hrkg.resources import Resources
from hrkg.service.describe import local_href as href_for
from hrkg.service.describe import ontology_modules, resource_page, service_description, term_html, void_description
from hrkg.store import Store

HRKG = rdflib.Namespace("https://w3id.org/hrkg#")
HRKGO = rdflib.Namespace("https://w3id.org/hrkg/ontology/")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = rdflib.Namespace("http://www.w3.org/ns/formats/")
PRIVACY = rdflib.URIRef("https://w3id.org/hrkg/right/privacy")
SECTION = rdflib.URIRef("https://w3id.org/hrkg/guide/section/1.1")
MODULES = ("core", "hrkg", "mitigation", "organisation", "rights", "tensions", "valuechain")
#: Accept header -> (media type answered, rdflib parser)
SYNTAXES = {
    "text/turtle": ("text/turtle", "turtle"),
    "application/ld+json": ("application/ld+json", "json-ld"),
    "application/rdf+xml": ("application/rdf+xml", "xml"),
    "application/n-triples": ("application/n-triples", "nt"),
}


@pytest.fixture(scope="module")
def client(service: TestClient) -> TestClient:
    return service


def fetch(client: TestClient, path: str, accept: str = "text/turtle", **params: str) -> rdflib.Graph:
    """GET ``path`` as RDF and parse it; fails unless the answer is 200 in the syntax asked for."""
    r = client.get(path, headers={"Accept": accept}, params=params)
    assert r.status_code == 200, r.text
    media, parser = SYNTAXES[accept]
    assert r.headers["content-type"].startswith(media)
    return rdflib.Graph().parse(data=r.text, format=parser)


def to_rdflib(triples: list[ox.Triple]) -> rdflib.Graph:
    return rdflib.Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", format="nt")


def count(store: Store, query: str, **bindings: rdflib.term.Identifier) -> int:
    return int(store.query(query, bindings=bindings).rows[0]["n"].value)


# -- the ontology ------------------------------------------------------------------------------------------


def test_ontology_module_as_turtle_is_the_module(client: TestClient, res: Resources) -> None:
    """/ontology/core is the document behind hrkgo:core: exactly the triples of ontology/core.ttl."""
    g = fetch(client, "/ontology/core")
    assert (HRKGO.core, RDF.type, OWL.Ontology) in g
    source = rdflib.Graph().parse(res.ontology / "core.ttl")
    classes = {c for c in source.subjects(RDF.type, OWL.Class) if isinstance(c, rdflib.URIRef)}
    assert HRKG.AttributionLevel in classes
    assert {c for c in classes if (c, RDF.type, OWL.Class) in g} == classes
    assert len(g) == len(source)


@pytest.mark.parametrize("accept", ["application/ld+json", "application/rdf+xml", "application/n-triples"])
def test_every_rdf_syntax_carries_the_same_triples(client: TestClient, accept: str) -> None:
    turtle = fetch(client, "/ontology/core")
    other = fetch(client, "/ontology/core", accept)
    assert len(other) == len(turtle)
    assert (HRKGO.core, RDF.type, OWL.Ontology) in other


def test_whole_ontology_is_every_module(client: TestClient, store: Store) -> None:
    g = fetch(client, "/ontology")
    modules = ontology_modules(store)
    assert sorted(modules) == list(MODULES)
    assert len(g) == len(list(store.triples(graphs=modules.values())))
    for module in MODULES:
        assert (HRKGO[module], RDF.type, OWL.Ontology) in g


@pytest.mark.slow
def test_ontology_html_documents_the_terms(client: TestClient, store: Store) -> None:
    """Browsers get pyLODE documentation with the module's term labels."""
    r = client.get("/ontology/core", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    labels = [
        row["l"].value
        for row in store.query(
            "SELECT ?l WHERE { ?c a <http://www.w3.org/2002/07/owl#Class> ; "
            "<http://www.w3.org/2000/01/rdf-schema#isDefinedBy> ?m ; <http://www.w3.org/2000/01/rdf-schema#label> ?l }",
            bindings={"m": HRKGO.core},
        ).rows
    ]
    assert "attribution level" in labels
    for label in labels:
        assert label in r.text
    assert "hrkg core" in r.text


def test_unknown_module_is_404_and_lists_the_modules(client: TestClient) -> None:
    r = client.get("/ontology/nope")
    assert r.status_code == 404
    assert "nope" in r.text
    for module in MODULES:
        assert module in r.text


# -- the namespace document and single resources -----------------------------------------------------------


def test_namespace_document_as_rdf_describes_the_hash_terms(client: TestClient) -> None:
    g = fetch(client, "/")
    assert (HRKG.CausingActor, RDF.type, OWL.Class) in g
    assert (HRKG.callsFor, RDF.type, OWL.ObjectProperty) in g


def test_namespace_document_as_html_is_a_landing_page(client: TestClient) -> None:
    r = client.get("/", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    for path in ("/ontology", "/queries", "/sparql", "/docs", "/.well-known/void"):
        assert f'href="{path}"' in r.text
    assert 'id="CausingActor"' in r.text  # https://w3id.org/hrkg#CausingActor lands on its entry
    assert 'id="callsFor"' in r.text
    assert "<script" not in r.text


def test_a_right_dereferences_as_rdf(client: TestClient, store: Store) -> None:
    g = fetch(client, "/right/privacy")
    assert (PRIVACY, RDFS.label, rdflib.Literal("Right to privacy", lang="en")) in g
    assert (PRIVACY, RDF.type, HRKG.HumanRight) in g
    # a concise description: its own triples plus the labels of what it points at
    assert len(set(g.predicate_objects(PRIVACY))) == count(
        store, "SELECT (COUNT(*) AS ?n) WHERE { ?r ?p ?o }", r=PRIVACY
    )
    assert (SECTION, RDFS.label, None) in g
    assert not set(g.subjects(None, PRIVACY))


@pytest.mark.parametrize("accept", ["application/ld+json", "application/rdf+xml", "application/n-triples"])
def test_a_resource_in_every_syntax(client: TestClient, accept: str) -> None:
    assert len(fetch(client, "/right/privacy", accept)) == len(fetch(client, "/right/privacy"))


def test_a_right_as_html_links_to_related_resources(client: TestClient) -> None:
    r = client.get("/right/privacy", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert "<h1>Right to privacy</h1>" in r.text
    assert "arbitrary or unlawful interference" in r.text  # its definition
    assert 'href="/guide/section/1.1"' in r.text  # dcterms:source, browsable on this server
    assert 'href="/instrument/iccpr/article/17"' in r.text
    assert 'href="/#HumanRight"' in r.text  # its type, a hash term in the namespace document
    assert 'href="/mitigation/privacy-by-design"' in r.text  # an incoming link


def test_a_guide_section_dereferences(client: TestClient) -> None:
    g = fetch(client, "/guide/section/1.1")
    label = g.value(SECTION, RDFS.label)
    assert isinstance(label, rdflib.Literal)
    assert "attribution" in str(label)
    r = client.get("/guide/section/1.1", headers={"Accept": "text/html"})
    assert str(label) in r.text
    assert 'href="/right/privacy"' in r.text  # the right cites this section


def test_a_resource_only_ever_an_object_is_described_by_what_points_at_it(client: TestClient) -> None:
    version = rdflib.URIRef(f"https://w3id.org/hrkg/ontology/{__version__}/core")
    g = fetch(client, f"/ontology/{__version__}/core")
    assert (HRKGO.core, OWL.versionIRI, version) in g


def test_named_graph_dereferences_to_its_content(client: TestClient, store: Store) -> None:
    graph = "https://w3id.org/hrkg/graph/data/rights"
    g = fetch(client, "/graph/data/rights")
    assert len(g) == len(list(store.triples(graphs=[graph])))
    r = client.get("/graph/data/rights", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert f"{len(g)} triples" in r.text
    assert 'href="/right/privacy"' in r.text


def test_unknown_resource_is_404(client: TestClient) -> None:
    r = client.get("/right/no-such-right")
    assert r.status_code == 404
    assert "https://w3id.org/hrkg/right/no-such-right" in r.text
    page = client.get("/right/no-such-right", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")


def test_hostile_path_is_escaped(client: TestClient) -> None:
    r = client.get("/%3Cscript%3Ealert(1)%3C/script%3E", headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert "<script" not in r.text


def test_html_renderer_escapes_every_value() -> None:
    iri = "https://w3id.org/hrkg/test/x"
    node = ox.NamedNode(iri)
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    see = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso")
    triples = [
        ox.Triple(node, label, ox.Literal('<script>alert("x")</script>', language="en")),
        ox.Triple(node, see, ox.NamedNode("javascript:alert(1)")),
        ox.Triple(node, see, ox.NamedNode("https://example.org/a'onmouseover='x")),
    ]
    page = resource_page(iri, triples, labels={"https://example.org/a'onmouseover='x": "<b>bold</b>"})
    assert "<script" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert 'href="javascript:' not in page
    assert "'onmouseover" not in page
    assert "<b>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


def test_links_stay_on_this_server_for_hrkg_iris() -> None:
    assert href_for("https://w3id.org/hrkg/right/privacy") == "/right/privacy"
    assert href_for("https://w3id.org/hrkg#CausingActor") == "/#CausingActor"
    assert href_for("https://w3id.org/hrkg") == "/"
    assert href_for("http://purl.org/dc/terms/source") == "http://purl.org/dc/terms/source"
    assert href_for("urn:x:y") is None
    assert term_html(ox.Literal("a < b"), {}) == "a &lt; b"


# -- negotiation -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/right/privacy", "/ontology/core", "/.well-known/void", "/"])
def test_not_acceptable(client: TestClient, path: str) -> None:
    r = client.get(path, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "text/turtle" in r.text
    assert "format=" in r.text


def test_format_parameter_when_accept_cannot_be_set(client: TestClient) -> None:
    browser = "text/html,application/xhtml+xml,*/*;q=0.8"
    r = client.get("/right/privacy", params={"format": "rdfxml"}, headers={"Accept": browser})
    assert r.headers["content-type"].startswith("application/rdf+xml")
    assert (PRIVACY, RDF.type, HRKG.HumanRight) in rdflib.Graph().parse(data=r.text, format="xml")
    g = fetch(client, "/ontology/core", "application/ld+json", format="jsonld")
    assert (HRKGO.core, RDF.type, OWL.Ontology) in g


def test_any_type_gets_turtle_and_answers_vary(client: TestClient) -> None:
    r = client.get("/right/privacy", headers={"Accept": "*/*"})
    assert r.headers["content-type"].startswith("text/turtle")
    assert "accept" in r.headers["vary"].lower()


def test_other_routes_are_not_shadowed_by_the_catch_all(client: TestClient, store: Store) -> None:
    assert client.get("/health").json()["triples"] == len(store)
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/.well-known/void", "/ontology", "/ontology/{module}", "/context.jsonld", "/{path}"):
        assert paths[path]["get"]["tags"] == ["linked data"]
        assert paths[path]["get"]["description"]


# -- JSON-LD context ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/context.jsonld", "/context"])
def test_context_is_the_bundled_file(client: TestClient, res: Resources, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/ld+json")
    assert "max-age" in r.headers["cache-control"]
    assert r.json() == json.loads((res.data / "context.jsonld").read_text(encoding="utf-8"))


# -- VoID and the SPARQL service description ---------------------------------------------------------------


@pytest.fixture(scope="module")
def void(client: TestClient) -> rdflib.Graph:
    return fetch(client, "/.well-known/void")


def dataset(g: rdflib.Graph) -> rdflib.term.Node:
    datasets = list(g.subjects(VOID.sparqlEndpoint, None))
    assert len(datasets) == 1
    return datasets[0]


def test_void_describes_the_dataset(void: rdflib.Graph, store: Store) -> None:
    ds = dataset(void)
    assert (ds, RDF.type, VOID.Dataset) in void
    assert void.value(ds, VOID.sparqlEndpoint) == rdflib.URIRef("http://testserver/sparql")
    assert int(void.value(ds, VOID.triples)) == len(store)  # type: ignore[arg-type]
    assert void.value(ds, VOID.uriSpace) == rdflib.Literal("https://w3id.org/hrkg/")
    assert void.value(ds, DCTERMS.title) is not None
    classes = count(store, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }")
    assert int(void.value(ds, VOID.classes)) == classes  # type: ignore[arg-type]
    properties = count(store, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }")
    assert int(void.value(ds, VOID.properties)) == properties  # type: ignore[arg-type]
    vocabularies = set(void.objects(ds, VOID.vocabulary))
    assert {rdflib.URIRef(str(HRKG)), rdflib.URIRef(str(OWL)), rdflib.URIRef(str(DCTERMS))} <= vocabularies
    assert PRIVACY in set(void.objects(ds, VOID.exampleResource))


def test_void_has_one_subset_per_named_graph(void: rdflib.Graph, store: Store) -> None:
    ds = dataset(void)
    subsets = set(void.objects(ds, VOID.subset))
    assert {str(s) for s in subsets} == set(store.graphs())
    core = rdflib.URIRef("https://w3id.org/hrkg/graph/ontology/core")
    assert int(void.value(core, VOID.triples)) == len(list(store.triples(graphs=[str(core)])))  # type: ignore[arg-type]
    assert not set(void.subjects(RDF.type, VOID.Linkset))  # no link graphs yet


def test_void_class_partition_counts_instances(void: rdflib.Graph, store: Store) -> None:
    ds = dataset(void)
    partitions = {void.value(p, VOID["class"]): p for p in void.objects(ds, VOID.classPartition)}
    assert len(partitions) == int(void.value(ds, VOID.classes))  # type: ignore[arg-type]
    rights = count(store, "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a ?c }", c=HRKG.HumanRight)
    assert rights > 10
    assert int(void.value(partitions[HRKG.HumanRight], VOID.entities)) == rights  # type: ignore[arg-type]


def test_void_is_cached_per_store_load(store: Store) -> None:
    first = void_description(store, "http://a.example")
    assert void_description(store, "http://a.example") == first
    other = to_rdflib(void_description(store, "http://b.example/"))
    assert rdflib.URIRef("http://b.example/sparql") in set(other.objects(None, VOID.sparqlEndpoint))


def test_service_description(store: Store) -> None:
    g = to_rdflib(service_description(store, "http://example.org/sparql"))
    services = list(g.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    service = services[0]
    assert g.value(service, SD.endpoint) == rdflib.URIRef("http://example.org/sparql")
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert (service, SD.feature, SD.UnionDefaultGraph) in g
    formats = set(g.objects(service, SD.resultFormat))
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV"):
        assert FORMATS[name] in formats
    assert {FORMATS.Turtle, FORMATS["N-Triples"], FORMATS["JSON-LD"], FORMATS.RDF_XML} <= formats
    ds = g.value(service, SD.defaultDataset)
    default = g.value(ds, SD.defaultGraph)
    assert int(g.value(default, VOID.triples)) == len(store)  # type: ignore[arg-type]
    named = {str(g.value(n, SD.name)): g.value(n, SD.graph) for n in g.objects(ds, SD.namedGraph)}
    assert set(named) == set(store.graphs())
    for name, graph in named.items():
        assert int(g.value(graph, VOID.triples)) == len(list(store.triples(graphs=[name])))  # type: ignore[arg-type]


@pytest.mark.slow
def test_every_hrkg_iri_dereferences(client: TestClient, store: Store) -> None:
    """Every IRI minted under https://w3id.org/hrkg/ that the graph describes answers as RDF and as a page."""
    q = "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), 'https://w3id.org/hrkg/')) }"
    iris = sorted(row["s"] for row in store.query(q).text_rows())
    assert len(iris) > 300
    failures = []
    for iri in iris:
        path = "/" + iri.removeprefix("https://w3id.org/hrkg/")
        rdf = client.get(path, headers={"Accept": "application/n-triples"})
        page = client.get(path, headers={"Accept": "text/html"})
        if rdf.status_code != 200 or f"<{iri}> " not in rdf.text or page.status_code != 200:
            failures.append((iri, rdf.status_code, page.status_code))
    assert failures == []


def test_a_version_iri_serves_that_version_of_its_module(client: TestClient) -> None:
    from hrkg import __version__

    versioned = client.get(f"/ontology/{__version__}/core", headers={"Accept": "application/n-triples"})
    current = client.get("/ontology/core", headers={"Accept": "application/n-triples"})
    assert versioned.status_code == 200
    assert sorted(versioned.text.splitlines()) == sorted(current.text.splitlines())
    old = client.get("/ontology/0.0.1/core", headers={"Accept": "text/plain"})
    assert old.status_code == 404
    assert __version__ in old.text


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_api_documentation_needs_no_cdn(client: TestClient, page: str) -> None:
    html = client.get(page).text
    scripts = html.split('src="')[1:]
    assert scripts
    for src in scripts:
        url = src.split('"')[0]
        assert url.startswith("/"), url  # served here: the page works offline
        assert client.get(url).status_code == 200
    assert "cdn" not in html
    spec = client.get("/openapi.json").json()
    assert spec["info"]["description"].strip().startswith("hrkg makes")
    assert {"named queries", "validation", "sparql", "linked data"} <= {t["name"] for t in spec["tags"]}


@pytest.mark.parametrize("path", ["/ontology", "/right/privacy", "/queries", "/.well-known/void", "/health"])
def test_head_is_get_without_the_body(client: TestClient, path: str) -> None:
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.content == b""


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/ontology/", "/ontology"),
        ("/right/privacy/", "/right/privacy"),
        ("/ontology/core/?format=turtle", "/ontology/core?format=turtle"),
    ],
)
def test_a_trailing_slash_redirects_to_the_resource(client: TestClient, path: str, target: str) -> None:
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 308
    assert r.headers["location"] == target


def test_a_trailing_slash_on_nothing_is_still_404(client: TestClient) -> None:
    assert client.get("/no-such-thing/", follow_redirects=False).status_code == 404


@pytest.mark.parametrize("path", ["/", "/right/privacy", "/queries", "/sparql", "/ontology"])
def test_own_pages_forbid_scripts(client: TestClient, path: str) -> None:
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.headers["content-type"].startswith("text/html")
    policy = r.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy  # so no script may run
    assert r.headers["x-content-type-options"] == "nosniff"


def test_api_documentation_keeps_its_scripts(client: TestClient) -> None:
    r = client.get("/docs")
    assert "content-security-policy" not in r.headers
    assert client.get("/sparql", params={"query": "ASK {}"}).headers["x-content-type-options"] == "nosniff"
