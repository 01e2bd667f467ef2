"""POST /validate: the CLI's report over HTTP, for every input syntax; parse errors with their position; a store
that no validation changes; and nothing fetched, however the body asks for it."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rdflib
import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient
from rdflib.namespace import RDF, SH

from hrkg.cli import main
from hrkg.config import Settings
from hrkg.orgdata import parse_organisation_text
from hrkg.resources import resources
from hrkg.service import create_app
from hrkg.store import Store

EXAMPLES = sorted((resources().data / "examples").glob("*.yaml"))
BROKEN = resources().data / "examples" / "broken-causing-deployer.yaml"
FIXTURES = Path(__file__).parent / "fixtures" / "orgdata"
YAML = {"Content-Type": "application/yaml"}
JSON_ACCEPT = {"Accept": "application/json"}
#: the broken examples: (rule, focus) pairs each must report (a subset of their findings)
EXPECTED: dict[str, set[tuple[str, str]]] = {
    "broken-causing-deployer.yaml": {
        ("cause-requires-cease-or-prevent", "i2"),
        ("cause-requires-remedy", "i1"),
        ("cause-requires-remedy", "i2"),
        ("impact-addressed", "i2"),
        ("no-offsetting", "i1"),
        ("no-risk-tolerance", "i2"),
    },
    "broken-contributing-developer.yaml": {
        ("contribute-requires-leverage", "i1"),
        ("contribute-requires-remedy", "i1"),
        ("linked-requires-leverage", "i2"),
        ("organisation-tracks-effectiveness", "lexica"),
    },
    "broken-register-ids.yaml": {
        ("tension-names-rights", "t1"),
        ("unknown-reference", "northwind"),
        ("unknown-reference", "m1"),
    },
}


@pytest.fixture(scope="module")
def client(service: TestClient) -> TestClient:
    return service


@pytest.fixture(scope="module")
def small_client() -> Iterator[TestClient]:
    """A service that accepts bodies of at most 512 bytes."""
    app = create_app(Settings(store="memory:", max_upload_bytes=512, workers=1))
    with TestClient(app) as c:
        yield c


def post(client: TestClient, body: str | bytes, content_type: str, **params: str) -> Any:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return client.post("/validate", content=data, params=params, headers={"Content-Type": content_type})


def cli_json(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", str(path), "--format", "json"])
    return result.exit_code, result.output


def findings(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["rule"], f["focus"]) for f in doc["findings"]}


# -- the report -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_each_example_gives_the_clis_json(client: TestClient, path: Path) -> None:
    code, expected = cli_json(path)
    r = post(client, path.read_bytes(), "application/yaml")
    assert r.status_code == 200  # whether or not it conforms
    assert r.headers["content-type"].startswith("application/json")
    assert r.text == expected
    doc = r.json()
    assert doc["conforms"] is (code == 0)
    assert doc["conforms"] is not path.name.startswith("broken-")
    assert EXPECTED.get(path.name, set()) <= findings(doc)
    for f in doc["findings"]:
        assert {"rule", "severity", "focus", "message", "source", "suggestions"} <= set(f)
        assert {"shape", "node", "value", "valueNode", "path", "resultPath", "sourceIris"} <= set(f)


def _as_json(text: str) -> str:
    return json.dumps(yaml.safe_load(text), default=str)


def _as_rdf(fmt: str) -> Any:
    def convert(text: str) -> str:
        graph = parse_organisation_text(text, media_type="application/yaml", source="x").graph
        return str(graph.serialize(format=fmt))

    return convert


#: the same data in another syntax: (media type, converter from YAML text)
SYNTAXES = {
    "json": ("application/json", _as_json),
    "turtle": ("text/turtle", _as_rdf("turtle")),
    "ntriples": ("application/n-triples", _as_rdf("nt")),
    "jsonld": ("application/ld+json", _as_rdf("json-ld")),
    "rdfxml": ("application/rdf+xml", _as_rdf("xml")),
}


@pytest.mark.parametrize("syntax", SYNTAXES)
@pytest.mark.parametrize("path", [p for p in EXAMPLES if p.name in EXPECTED], ids=lambda p: p.name)
def test_every_syntax_gives_the_same_report(client: TestClient, path: Path, syntax: str) -> None:
    text = path.read_text(encoding="utf-8")
    media, convert = SYNTAXES[syntax]
    as_yaml = post(client, text, "application/yaml")
    other = post(client, convert(text), media)
    assert other.status_code == 200, other.text
    assert other.json() == as_yaml.json()


@pytest.mark.parametrize(
    ("name", "media"), [("example.json", "application/json"), ("example.ttl", "text/turtle; charset=utf-8")]
)
def test_hand_written_json_and_turtle_agree_with_yaml(client: TestClient, name: str, media: str) -> None:
    expected = post(client, (FIXTURES / "example.yaml").read_bytes(), "application/yaml").json()
    assert expected["findings"]
    assert post(client, (FIXTURES / name).read_bytes(), media).json() == expected


def test_turtle_report_is_a_shacl_report(client: TestClient) -> None:
    r = client.post("/validate", content=BROKEN.read_bytes(), headers={**YAML, "Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    report = next(g.subjects(RDF.type, SH.ValidationReport))
    assert g.value(report, SH.conforms) == rdflib.Literal(False)
    rules = {str(g.value(r, rdflib.URIRef("https://w3id.org/hrkg#ruleId"))) for r in g.objects(report, SH.result)}
    assert {"cause-requires-remedy", "no-offsetting", "no-risk-tolerance"} <= rules


@pytest.mark.parametrize(
    ("accept", "media", "marker"),
    [
        ("text/markdown", "text/markdown", "## Violation: `no-offsetting`"),
        ("text/html", "text/html", "<code>no-offsetting</code>"),
        ("text/plain", "text/plain", "VIOLATION  no-offsetting  (1)"),
        ("text/html;q=0.5, text/markdown", "text/markdown", "# hrkg validation report"),
    ],
)
def test_readable_reports(client: TestClient, accept: str, media: str, marker: str) -> None:
    r = client.post("/validate", content=BROKEN.read_bytes(), headers={**YAML, "Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    assert marker in r.text
    for rule in ("no-risk-tolerance", "cause-requires-remedy", "impact-addressed"):
        assert rule in r.text
    assert "request body" in r.text


def test_format_parameter_and_406(client: TestClient) -> None:
    r = client.post(
        "/validate", params={"format": "markdown"}, content=BROKEN.read_bytes(), headers={**YAML, "Accept": "image/png"}
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/markdown")
    refused = client.post("/validate", content=BROKEN.read_bytes(), headers={**YAML, "Accept": "image/png"})
    assert refused.status_code == 406
    assert "text/markdown" in refused.text
    bad = post(client, BROKEN.read_bytes(), "application/yaml", format="pdf")
    assert bad.status_code == 400
    assert "format=json or turtle" in bad.text


@pytest.mark.slow
def test_severity_suggestions_and_engine_options(client: TestClient) -> None:
    everything = post(client, BROKEN.read_bytes(), "application/yaml").json()
    violations = post(client, BROKEN.read_bytes(), "application/yaml", severity="violation").json()
    assert {f["severity"] for f in violations["findings"]} == {"violation"}
    assert violations["findings"] == [f for f in everything["findings"] if f["severity"] == "violation"]
    assert any(f["suggestions"] for f in everything["findings"])
    bare = post(client, BROKEN.read_bytes(), "application/yaml", suggestions="false").json()
    assert not any(f["suggestions"] for f in bare["findings"])
    reference = post(client, BROKEN.read_bytes(), "application/yaml", engine="pyshacl").json()
    assert reference == everything
    for name, value in (("engine", "fastest"), ("severity", "error")):
        r = client.post("/validate", params={name: value}, content=BROKEN.read_bytes(), headers={**YAML, **JSON_ACCEPT})
        assert r.status_code == 400
        assert name in r.json()["error"]
        assert "or" in r.json()["hint"]


# -- bodies that cannot be read ---------------------------------------------------------------------------------


def test_billion_laughs_body_is_400_naming_line_and_limit(client: TestClient) -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    body = "\n".join(levels) + "\norganisation: {id: acme}\nimpacts: [{id: i1, rights: [*a8]}]\n"
    r = client.post("/validate", content=body.encode(), headers={**YAML, **JSON_ACCEPT})
    assert r.status_code == 400
    assert r.json()["error"] == (
        "request body: line 5, column 45: the YAML aliases up to here stand for more than 100,000 nodes "
        "(limit yaml-alias-nodes = 100,000)"
    )


def test_yaml_syntax_error_gives_line_and_column(client: TestClient) -> None:
    r = client.post(
        "/validate",
        content=b"organisation: {id: acme\nimpacts: [\n",
        headers={**YAML, **JSON_ACCEPT},
    )
    assert r.status_code == 400
    body = r.json()
    assert body["error"].startswith("request body: line 2, column 8: cannot parse YAML")
    assert "fix the YAML at that position" in body["hint"]
    plain = post(client, "impacts:\n  - id: i1\n    rights: [privacy\n", "application/x-yaml")
    assert plain.status_code == 400
    assert plain.headers["content-type"].startswith("text/plain")
    assert "line 4, column 1" in plain.text
    assert "Traceback" not in plain.text


@pytest.mark.parametrize(
    ("body", "media", "where"),
    [
        ('{"organisation": {"id": "acme",}}', "application/json", "line 1, column 32: cannot parse JSON"),
        ("@prefix x: <https://e/> .\nx:a x:b x:c x:d .\n", "text/turtle", "line 2"),
        ("<https://e/a> <https://e/b> .\n", "application/n-triples", "line 1"),
    ],
)
def test_other_syntax_errors_give_their_position(client: TestClient, body: str, media: str, where: str) -> None:
    r = post(client, body, media)
    assert r.status_code == 400
    assert where in r.text


def test_invalid_utf8_is_400_with_position(client: TestClient) -> None:
    r = post(client, b"organisation: {id: acme}\nsystems: [{id: s\xff1}]\n", "application/yaml")
    assert r.status_code == 400
    assert "not UTF-8" in r.text
    assert "line 2, column 17" in r.text


def test_empty_body_is_400(client: TestClient) -> None:
    r = post(client, b"", "application/yaml")
    assert r.status_code == 400
    assert "empty" in r.text


@pytest.mark.parametrize("content_type", [None, "text/csv", "application/x-www-form-urlencoded"])
def test_other_content_types_are_415_listing_the_accepted_ones(client: TestClient, content_type: str | None) -> None:
    headers = {**JSON_ACCEPT} if content_type is None else {**JSON_ACCEPT, "Content-Type": content_type}
    r = client.post("/validate", content=BROKEN.read_bytes(), headers=headers)
    assert r.status_code == 415
    body = r.json()
    assert (content_type or "no Content-Type") in body["error"]
    for media in ("application/yaml", "application/json", "text/turtle", "application/ld+json"):
        assert media in body["hint"]


def test_charset_parameter_is_accepted(client: TestClient) -> None:
    r = post(client, BROKEN.read_bytes(), "application/yaml; charset=utf-8")
    assert r.status_code == 200


# -- nothing is stored ------------------------------------------------------------------------------------------


def _fingerprint(store: Store, tmp_path: Path) -> tuple[int, list[str], str]:
    dump = tmp_path / "store.nq"
    store.dump(dump)
    lines = sorted(dump.read_bytes().splitlines())
    return len(store), store.graphs(), hashlib.sha256(b"\n".join(lines)).hexdigest()


@pytest.mark.slow
def test_validation_never_changes_the_store(client: TestClient, tmp_path: Path) -> None:
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    before = _fingerprint(store, tmp_path)
    health = client.get("/health").json()
    for path in EXAMPLES:
        assert post(client, path.read_bytes(), "application/yaml").status_code == 200
    ttl = _as_rdf("turtle")(BROKEN.read_text(encoding="utf-8"))
    assert post(client, ttl, "text/turtle", engine="pyshacl").status_code == 200
    assert _fingerprint(store, tmp_path) == before
    assert client.get("/health").json() == health
    ask = "ASK { ?s ?p ?o FILTER(STRSTARTS(STR(?s), 'https://w3id.org/hrkg/org/')) }"
    assert client.get("/sparql", params={"query": ask}).json()["boolean"] is False


def test_one_validation_never_sees_another(client: TestClient) -> None:
    defines = (
        "organisation: {id: acme, roles: [deployer]}\nimpacts: [{id: i9, rights: [privacy], attribution: cause}]\n"
    )
    refers = (
        "organisation: {id: acme, roles: [deployer]}\nmitigations: [{id: m1, addresses: [i9], actions: [prevent]}]\n"
    )
    alone = post(client, refers, "application/yaml").json()
    assert ("unknown-reference", "m1") in findings(alone)
    first = post(client, defines, "application/yaml").json()
    assert ("cause-requires-cease-or-prevent", "i9") in findings(first)
    after = post(client, refers, "application/yaml").json()
    assert after == alone
    assert not any(f["focus"] == "i9" for f in after["findings"])
    assert post(client, defines, "application/yaml").json() == first  # m1 did not stay either


# -- nothing is fetched -----------------------------------------------------------------------------------------


class Listener:
    """A local TCP server that records every connection made to it (and closes it at once)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port: int = self.sock.getsockname()[1]
        self.connections: list[tuple[str, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, addr = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections.append(addr)
            conn.close()

    def seen(self) -> list[tuple[str, int]]:
        """The connections so far, after giving a pending one time to be accepted."""
        time.sleep(0.2)
        return list(self.connections)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def test_the_listener_sees_connections(listener: Listener) -> None:
    with socket.create_connection(("127.0.0.1", listener.port), timeout=2):
        pass
    assert len(listener.seen()) == 1


@pytest.mark.parametrize(
    ("doc", "media"),
    [
        ({"@context": "http://127.0.0.1:{port}/ctx", "@id": "https://e/x", "name": "y"}, "application/ld+json"),
        ({"@context": ["http://127.0.0.1:{port}/ctx"], "organisation": {"id": "acme"}}, "application/json"),
        ({"@context": {"@import": "http://127.0.0.1:{port}/ctx"}, "@id": "https://e/x"}, "application/ld+json"),
    ],
)
def test_remote_jsonld_context_is_refused_unfetched(
    client: TestClient, listener: Listener, doc: dict[str, Any], media: str
) -> None:
    body = json.dumps(doc).replace("{port}", str(listener.port))
    r = client.post("/validate", content=body, headers={"Content-Type": media, **JSON_ACCEPT})
    assert r.status_code == 400
    assert "not fetched" in r.json()["error"]
    assert "context.jsonld" in r.json()["hint"]
    assert listener.seen() == []


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_owl_imports_is_not_followed(client: TestClient, listener: Listener, engine: str) -> None:
    body = (
        "@prefix hrkg: <https://w3id.org/hrkg#> .\n"
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        f"<https://w3id.org/hrkg/org/acme> a hrkg:Organisation, owl:Ontology ;\n"
        f"  owl:imports <http://127.0.0.1:{listener.port}/x> .\n"
        f"<http://127.0.0.1:{listener.port}/x> a owl:Ontology .\n"
    )
    r = post(client, body, "text/turtle", engine=engine)
    assert r.status_code == 200, r.text
    assert r.json()["conforms"] is True
    assert listener.seen() == []


def test_rdfxml_entity_expansion_is_refused_quickly(client: TestClient, listener: Listener) -> None:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    body = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rdf:RDF [<!ENTITY l0 "lol">{entities}'
        f'<!ENTITY ext SYSTEM "http://127.0.0.1:{listener.port}/dtd">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="https://e/">\n'
        '  <rdf:Description rdf:about="https://e/x"><e:p>&l9;&ext;</e:p></rdf:Description>\n'
        "</rdf:RDF>\n"
    )
    started = time.monotonic()
    r = post(client, body, "application/rdf+xml")
    assert time.monotonic() - started < 2
    assert r.status_code == 400
    assert "refused" in r.text
    assert "line 2, column 1" in r.text
    assert listener.seen() == []


def test_yaml_alias_bomb_is_refused_quickly(client: TestClient) -> None:
    """A 9^9 alias bomb is refused while it is read (at the first alias that crosses yaml-alias-nodes), not built."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    lines.append("organisation: {id: acme, name: *a8}")
    started = time.monotonic()
    r = post(client, "\n".join(lines) + "\n", "application/yaml")
    assert time.monotonic() - started < 5
    assert r.status_code == 400
    # lines 2-5 alias 74,718 nodes; the first alias of line 6 (a4: 66,430 nodes) crosses 100,000
    error = r.text.splitlines()[0]
    assert "request body: line 6, column 10: the YAML aliases up to here stand for more than 100,000 nodes" in error
    assert error.endswith("(limit yaml-alias-nodes = 100,000)")


def test_body_over_the_upload_limit_is_413(small_client: TestClient) -> None:
    small = "organisation: {id: acme, roles: []}\n"
    assert post(small_client, small, "application/yaml").status_code == 200
    big = small + "# padding\n" * 60
    r = post(small_client, big, "application/yaml")
    assert r.status_code == 413
    assert "512" in r.text

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit applies while reading
        yield small.encode()
        for _ in range(60):
            yield b"# padding\n"

    streamed = small_client.post("/validate", content=chunks(), headers=YAML)
    assert streamed.status_code == 413


def test_openapi_documents_the_route(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/validate"]["post"]
    assert operation["tags"] == ["validation"]
    assert "Nothing is stored" in operation["description"]
    assert {"application/yaml", "application/json", "text/turtle", "application/ld+json"} <= set(
        operation["requestBody"]["content"]
    )
    assert {"400", "406", "413", "415"} <= set(operation["responses"])
    engine = next(p for p in operation["parameters"] if p["name"] == "engine")
    assert engine["schema"]["enum"] == ["fast", "pyshacl"]


def test_a_parameter_of_the_wrong_type_is_one_readable_400(client: TestClient) -> None:
    r = client.post("/validate", params={"suggestions": "maybe"}, content=BROKEN.read_bytes(), headers=YAML)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/plain")
    assert (
        r.text.splitlines()[0]
        == "query parameter suggestions='maybe': Input should be a valid boolean, unable to interpret input"
    )
    as_json = client.post(
        "/validate", params={"suggestions": "maybe"}, content=BROKEN.read_bytes(), headers={**YAML, **JSON_ACCEPT}
    )
    assert as_json.status_code == 400
    assert as_json.json()["error"].startswith("query parameter suggestions='maybe'")
    assert "detail" not in as_json.json()  # not FastAPI's list of validation errors


@pytest.mark.parametrize(
    ("alias", "media"),
    [
        ("application/x-yaml", "application/yaml"),
        ("text/yaml", "application/yaml"),
        ("text/x-yaml", "application/yaml"),
        ("application/x-turtle", "text/turtle"),
    ],
)
def test_each_alias_is_read_as_its_media_type(client: TestClient, alias: str, media: str) -> None:
    text = BROKEN.read_text(encoding="utf-8")
    body = text if media == "application/yaml" else SYNTAXES["turtle"][1](text)
    expected = post(client, body, media)
    r = post(client, body, alias)
    assert r.status_code == expected.status_code == 200
    assert r.json() == expected.json()
    assert r.json()["conforms"] is False


def test_json_ld_that_expands_to_an_invalid_iri_is_400_not_500(service: TestClient) -> None:
    """A key with control characters (found by schemathesis): rdflib lets it through, the store would not."""
    body = json.dumps({"@context": {"ex": "http://example.org/"}, "@id": "ex:a", "ex:b\u0001": "x"})
    r = service.post("/validate", content=body, headers={"Content-Type": "application/ld+json"})
    assert r.status_code == 400
    assert "the JSON-LD expands to a term that is not valid RDF: Invalid IRI code point" in r.text
