"""Named queries over HTTP: the listing (JSON and an HTML page of forms), running one with parameters from the query
string, and the query text. Answers must be exactly the rows the library (and so the CLI) gives."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from rdflib.query import Result

from hrkg.cli import main
from hrkg.queries import QueryLibrary, parse_query_file
from hrkg.resources import resources
from hrkg.store import Store

JSON = {"Accept": "application/json"}
#: (query, parameters): a query without parameters, with required ones, with an optional one given and left out
CASES: list[tuple[str, dict[str, str]]] = [
    ("attribution-spectrum", {}),
    ("appropriate-actions", {"attribution": "contribute"}),
    ("recommend", {"role": "deployer", "right": "privacy", "attribution": "cause"}),
    ("integration-steps", {"kind": "human-oversight"}),
    ("integration-steps", {}),
    ("addressed-risks", {"role": "deployer"}),
    ("sources", {"term": "right/privacy"}),
]


@pytest.fixture(scope="module")
def client(service: TestClient) -> TestClient:
    return service


@pytest.fixture(scope="module")
def lib(store: Store) -> QueryLibrary:
    return QueryLibrary(store)


@pytest.fixture(scope="module")
def listing(client: TestClient) -> list[dict[str, Any]]:
    r = client.get("/queries")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    body: list[dict[str, Any]] = r.json()
    return body


def sparql_json_rows(body: dict[str, Any]) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in b.items()} for b in body["results"]["bindings"]]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# -- the listing ------------------------------------------------------------------------------------------------


def test_listing_names_every_query_file(listing: list[dict[str, Any]], lib: QueryLibrary) -> None:
    files = [p.stem for p in sorted(resources().queries.glob("*.rq"))]
    assert [q["name"] for q in listing] == files == list(lib.queries)
    assert len(listing) >= 30


def test_listing_matches_each_query_header(listing: list[dict[str, Any]], lib: QueryLibrary) -> None:
    for entry in listing:
        declared = parse_query_file(resources().queries / f"{entry['name']}.rq")
        assert (entry["title"], entry["description"]) == (declared.title, declared.description)
        assert [(p["name"], p["type"], p["optional"], p["description"]) for p in entry["parameters"]] == [
            (p.name, p.type, p.optional, p.description) for p in declared.parameters
        ]
        for p in entry["parameters"]:
            if p["type"] == "term":
                assert p["allowed"] is None
                assert "IRI" in p["accepts"]
            else:
                assert p["allowed"] == lib.allowed_values(p["type"])
                assert p["allowed"], f"{entry['name']}: no allowed values for {p['type']}"
        names = ",".join(p.name for p in declared.parameters)
        run = f"http://testserver/queries/{entry['name']}"
        assert entry["url"] == run + (f"{{?{names}}}" if names else "")
        assert entry["example"].startswith(run)
        assert entry["sparql"] == f"{run}/sparql"


def test_catalogue_values_are_listed(listing: list[dict[str, Any]]) -> None:
    actions = next(q for q in listing if q["name"] == "appropriate-actions")
    assert actions["parameters"][0]["allowed"] == ["cause", "contribute", "directly-linked", "not-linked"]


def test_every_example_url_runs(client: TestClient, listing: list[dict[str, Any]]) -> None:
    for entry in listing:
        r = client.get(path_of(entry["example"]))
        assert r.status_code == 200, (entry["name"], r.text)
        assert "results" in r.json()


def test_listing_as_html_has_a_working_form_per_query(
    client: TestClient, listing: list[dict[str, Any]], lib: QueryLibrary
) -> None:
    r = client.get("/queries", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "<script" not in r.text
    assert "http://" not in r.text.replace("http://testserver", "")
    assert "https://" not in r.text

    forms: list[dict[str, Any]] = []

    class Forms(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            if tag == "form":
                forms.append({"action": a["action"], "method": a["method"], "fields": {}})
            elif tag in ("select", "input") and forms:
                forms[-1]["fields"][a["name"]] = []
                self.field = a["name"]
            elif tag == "option" and forms:
                forms[-1]["fields"][self.field].append(a["value"])

    Forms().feed(r.text)
    assert [f["action"] for f in forms] == [f"/queries/{q['name']}" for q in listing]
    assert all(f["method"] == "get" for f in forms)
    by_name = {q["name"]: q for q in listing}
    for form in forms:
        entry = by_name[form["action"].removeprefix("/queries/")]
        assert set(form["fields"]) == {p["name"] for p in entry["parameters"]} | {"format"}
        assert form["fields"]["format"][0] == "html"
        for p in entry["parameters"]:
            if p["allowed"] is not None:
                assert form["fields"][p["name"]] == ([""] if p["optional"] else []) + p["allowed"]
    # what a browser submits for the first choices of the recommend form
    recommend = next(f for f in forms if f["action"] == "/queries/recommend")
    params = {k: v[0] for k, v in recommend["fields"].items()}
    answer = client.get("/queries/recommend", params=params, headers={"Accept": "text/html"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    rows = client.get("/queries/recommend", params={**params, "format": "json"}).json()["results"]["bindings"]
    assert answer.text.count("<tr>") == len(rows) + 1  # the header row and one per answer
    assert lib.get("recommend").title in answer.text
    assert "format=csv" in answer.text  # the same answer to download


def test_listing_is_escaped(client: TestClient, lib: QueryLibrary) -> None:
    page = client.get("/queries", params={"format": "html"}).text
    quoted = next(q for q in lib.queries.values() if '"' in q.description)
    assert quoted.description.replace('"', "&quot;") in page


def test_listing_format_and_406(client: TestClient) -> None:
    assert client.get("/queries", params={"format": "json"}, headers={"Accept": "text/html"}).json()
    assert client.get("/queries", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/queries", params={"format": "pdf"}).status_code == 400


# -- running a query --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "params"), CASES)
def test_rows_are_the_librarys(client: TestClient, lib: QueryLibrary, name: str, params: dict[str, str]) -> None:
    expected = lib.run(name, params)
    r = client.get(f"/queries/{name}", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    body = r.json()
    assert body["head"]["vars"] == expected.variables
    assert sparql_json_rows(body) == expected.text_rows()  # the same rows in the same order, cells and all
    assert expected.rows, "pick parameters that give rows"


def test_optional_parameter_left_empty_is_unbound(client: TestClient) -> None:
    omitted = client.get("/queries/integration-steps").json()
    empty = client.get("/queries/integration-steps", params={"kind": ""}).json()
    one = client.get("/queries/integration-steps", params={"kind": "human-oversight"}).json()
    assert sparql_json_rows(empty) == sparql_json_rows(omitted)
    assert 0 < len(sparql_json_rows(one)) < len(sparql_json_rows(omitted))


@pytest.mark.parametrize(
    ("accept", "media", "parser"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml", "xml"),
        ("text/csv", "text/csv", "csv"),
        ("text/tab-separated-values", "text/tab-separated-values", "tsv"),
        ("image/png;q=0.9, text/csv;q=0.5", "text/csv", "csv"),
    ],
)
def test_result_formats_by_accept(client: TestClient, lib: QueryLibrary, accept: str, media: str, parser: str) -> None:
    params = {"attribution": "contribute"}
    r = client.get("/queries/appropriate-actions", params=params, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    assert "Accept" in r.headers["vary"]
    parsed = Result.parse(io.StringIO(r.text), format=parser)
    got = [str(row[0]) for row in parsed]  # type: ignore[index]
    assert got == [row["action"] for row in lib.run("appropriate-actions", params).text_rows()]


def test_every_named_query_answers_exactly_what_the_library_answers(client: TestClient, lib: QueryLibrary) -> None:
    """The workers build their store as the command line does, so answers match to the order of GROUP_CONCAT parts."""
    for name, query in lib.queries.items():
        params = {
            p.name: "CausingActor" if p.type == "term" else lib.allowed_values(p.type)[0]
            for p in query.parameters
            if not p.optional
        }
        body = client.get(f"/queries/{name}", params=params).json()
        assert sparql_json_rows(body) == lib.run(name, params).text_rows(), name


def test_text_table_is_the_clis(client: TestClient) -> None:
    cli = CliRunner().invoke(main, ["query", "tension-rights", "--param", "tension=elections"])
    assert cli.exit_code == 0
    r = client.get("/queries/tension-rights", params={"tension": "elections"}, headers={"Accept": "text/plain"})
    assert r.status_code == 200
    assert r.text == cli.output
    assert r.text.endswith("(5 rows)\n")
    as_format = client.get("/queries/tension-rights", params={"tension": "elections", "format": "table"})
    assert as_format.text == cli.output


def test_format_parameter_and_406(client: TestClient) -> None:
    params = {"attribution": "cause"}
    r = client.get("/queries/appropriate-actions", params={**params, "format": "csv"}, headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.text.splitlines()[0].startswith("action,")
    assert client.get("/queries/appropriate-actions", params=params, headers={"Accept": "image/png"}).status_code == 406
    bad = client.get("/queries/appropriate-actions", params={**params, "format": "pdf"})
    assert bad.status_code == 400
    assert "csv" in bad.text


# -- errors -----------------------------------------------------------------------------------------------------


def test_unknown_query_is_404_naming_it(client: TestClient) -> None:
    r = client.get("/queries/appropriate-action", headers=JSON)
    assert r.status_code == 404
    body = r.json()
    assert "appropriate-action" in body["error"]
    assert "appropriate-actions" in body["hint"]  # the close name
    assert "/queries" in body["hint"]
    text = client.get("/queries/no-such-query")
    assert text.status_code == 404
    assert "no-such-query" in text.text
    assert client.get("/queries/no-such-query/sparql").status_code == 404


def test_missing_parameter_is_422_with_the_allowed_values(client: TestClient) -> None:
    r = client.get("/queries/appropriate-actions", headers=JSON)
    assert r.status_code == 422
    body = r.json()
    assert body["status"] == 422
    assert "attribution" in body["error"]
    assert "attribution=VALUE" in body["hint"]
    assert "--param" not in body["hint"]  # the hint speaks HTTP, not the command line
    assert "directly-linked" in body["hint"]


def test_bad_value_is_422_listing_allowed_values(client: TestClient, lib: QueryLibrary) -> None:
    r = client.get(
        "/queries/recommend", params={"role": "deployer", "right": "privacy", "attribution": "caus"}, headers=JSON
    )
    assert r.status_code == 422
    body = r.json()
    assert "'caus'" in body["error"]
    allowed = body["hint"].removeprefix("allowed: ").split(", ")
    assert allowed == lib.allowed_values("attribution")
    assert "contribute" in allowed
    right = client.get("/queries/mitigations-for-right", params={"right": "privcy"}, headers=JSON).json()
    assert "privacy" in right["hint"]
    plain = client.get("/queries/appropriate-actions", params={"attribution": "caus"})
    assert plain.status_code == 422
    assert plain.headers["content-type"].startswith("text/plain")
    assert "hint: allowed: cause, contribute" in plain.text


def test_unknown_and_repeated_parameters_are_422(client: TestClient) -> None:
    unknown = client.get(
        "/queries/appropriate-actions", params={"attribution": "cause", "role": "deployer"}, headers=JSON
    )
    assert unknown.status_code == 422
    assert "'role'" in unknown.json()["error"]
    assert "attribution" in unknown.json()["hint"]
    twice = client.get("/queries/appropriate-actions?attribution=cause&attribution=contribute", headers=JSON)
    assert twice.status_code == 422
    assert "more than once" in twice.json()["error"]


def test_term_parameter(client: TestClient, lib: QueryLibrary) -> None:
    r = client.get("/queries/sources", params={"term": "CausingActor"})
    assert r.status_code == 200
    assert sparql_json_rows(r.json()) == lib.run("sources", {"term": "CausingActor"}).text_rows()
    missing = client.get("/queries/sources", params={"term": "NoSuchTerm"}, headers=JSON)
    assert missing.status_code == 422
    assert "NoSuchTerm" in missing.json()["error"]
    assert "IRI" in missing.json()["hint"]


def test_a_value_never_reaches_the_query_text(client: TestClient) -> None:
    evil = 'cause> } ; DROP ALL ; SELECT * WHERE { ?s ?p "'
    r = client.get("/queries/appropriate-actions", params={"attribution": evil}, headers=JSON)
    assert r.status_code == 422
    for term in ("x> . ?s ?p ?o } #", "Causing Actor", 'right/"privacy"'):
        injected = client.get("/queries/sources", params={"term": term}, headers=JSON)
        assert injected.status_code == 422, term
        assert "IRI" in injected.json()["hint"]


# -- the query text ---------------------------------------------------------------------------------------------


def test_query_text(client: TestClient, lib: QueryLibrary) -> None:
    r = client.get("/queries/recommend/sparql")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-query")
    assert r.text == lib.get("recommend").text
    plain = client.get("/queries/recommend/sparql", params={"format": "text"})
    assert plain.headers["content-type"].startswith("text/plain")
    assert plain.text == r.text
    assert client.get("/queries/recommend/sparql", headers={"Accept": "image/png"}).status_code == 406


def test_openapi_documents_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/queries", "/queries/{name}", "/queries/{name}/sparql"):
        operation = paths[path]["get"]
        assert operation["tags"] == ["named queries"]
        assert len(operation["description"]) > 100
    assert "422" in paths["/queries/{name}"]["get"]["responses"]
