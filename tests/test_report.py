"""The validation report as a pipeline reads it: structured findings (shape, value, path), the JSON report against
its published JSON Schema, the Turtle report as a SHACL validation report that agrees with pySHACL's own, the rule
catalogue generated from the shapes, and errors that keep their class across the worker boundary."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from hrkg.errors import REGISTRY, HrkgError, InputError, ResourceError, from_wire, to_wire
from hrkg.orgdata import OrgData, load_organisation_files
from hrkg.resources import resources, turtle_graph
from hrkg.store import Store
from hrkg.validation import validate
from hrkg.validation.catalogue import rules_markdown
from hrkg.validation.render import to_json, turtle
from hrkg.validation.rules import rules, shapes_graph
from hrkg.validation.schema import SCHEMA_FILE, json_schema_text

ROOT = Path(__file__).parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "rules"
EXAMPLES = resources().data / "examples"
BAD_IDS = EXAMPLES / "broken-register-ids.yaml"
BAD_IMPACT = FIXTURES / "unknown-reference" / "bad-impact-values.yaml"
HRKG = rdflib.Namespace("https://w3id.org/hrkg#")
SHP = "https://w3id.org/hrkg/shapes/"
ALL_DATA = sorted(FIXTURES.glob("*/*.yaml")) + sorted(EXAMPLES.glob("*.yaml"))


def _load(path: Path) -> OrgData:
    return load_organisation_files([path])


# -- structured findings ------------------------------------------------------------------------------------------


def test_unknown_reference_names_the_value_as_written_and_the_key_that_held_it(store: Store) -> None:
    doc = json.loads(to_json(validate(_load(BAD_IMPACT), store=store)))
    refused = {(f["focus"], f["value"], f["path"]) for f in doc["findings"] if f["rule"] == "unknown-reference"}
    assert refused == {
        ("i1", "bot", "system"),
        ("i1", "free-speech", "rights"),
        ("i1", "ongoing", "status"),
        ("i1", "extreme", "severity"),
        ("i1", "caused", "attribution"),
        ("i1", "negligence", "contributionFactors"),
        ("i1", "huge", "leverage.level"),  # a nested record: the key path from the impact
        ("i1", "lobbying", "leverage.mechanisms"),
    }
    huge = next(f for f in doc["findings"] if f["value"] == "huge")
    assert huge["valueNode"] == "https://w3id.org/hrkg/leverage-level/huge"
    assert huge["resultPath"] == [str(HRKG.leverage), str(HRKG.leverageLevel)]
    assert huge["shape"] == SHP + "unknown-reference-impact"
    assert huge["node"] == "https://w3id.org/hrkg/org/acme/i1"
    assert "https://w3id.org/hrkg/guide/section/3" in huge["sourceIris"]


def test_a_literal_where_an_id_is_expected_is_refused_as_written(store: Store) -> None:
    from hrkg.orgdata import parse_organisation_text

    ttl = """@prefix hrkg: <https://w3id.org/hrkg#> .
        <https://w3id.org/hrkg/org/lit> a hrkg:Organisation ; hrkg:hasImpact <https://w3id.org/hrkg/org/lit/i1> .
        <https://w3id.org/hrkg/org/lit/i1> a hrkg:Impact ; hrkg:attribution "cause" ."""
    data = parse_organisation_text(ttl, media_type="text/turtle", source="lit.ttl")
    for engine in ("fast", "pyshacl"):
        found = [f for f in validate(data, store=store, engine=engine).findings if f.rule == "unknown-reference"]
        assert [(f.focus, f.value, f.value_is_iri, f.path) for f in found] == [("i1", "cause", False, "attribution")]


def test_shapes_state_the_key_their_findings_are_about(store: Store) -> None:
    report = validate(_load(BAD_IDS), store=store)
    by_rule = {f.rule: f for f in report.findings}
    assert by_rule["tension-names-rights"].path == "rights"
    assert by_rule["tension-names-rights"].result_path == (str(HRKG.rightInTension),)
    assert by_rule["tension-requires-counterbalancing"].path == "counterbalancing"
    assert by_rule["cause-requires-remedy"].path is None  # about a missing record, not one key
    assert by_rule["cause-requires-remedy"].value is None


# -- the JSON report and its schema -------------------------------------------------------------------------------


@functools.cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads((resources().data / SCHEMA_FILE).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)  # type: ignore[no-any-return]


def test_the_committed_schema_is_the_one_the_model_gives() -> None:
    committed = (resources().data / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == json_schema_text(), "regenerate data/validation-report.schema.json from hrkg.validation.schema"


@pytest.mark.parametrize("path", ALL_DATA, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_json_report_meets_the_schema(path: Path, store: Store) -> None:
    doc = json.loads(to_json(validate(_load(path), store=store)))
    _validator().validate(doc)
    assert doc["conforms"] is not any(f["severity"] == "violation" for f in doc["findings"])


def test_the_schema_refuses_a_report_that_breaks_it() -> None:
    bad: dict[str, Any] = {"conforms": "no", "findings": [{"rule": "x", "severity": "fatal"}]}
    errors = {e.json_path for e in _validator().iter_errors(bad)}
    assert "$.conforms" in errors
    assert "$.findings[0].severity" in errors


def test_the_service_serves_the_schema_and_names_the_model_in_openapi(service: TestClient) -> None:
    r = service.get("/schema/validation-report.schema.json")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/schema+json")
    assert r.json() == json.loads(json_schema_text())
    spec = service.get("/openapi.json").json()
    content = spec["paths"]["/validate"]["post"]["responses"]["200"]["content"]["application/json"]
    assert content["schema"] == {"$ref": "#/components/schemas/ValidationReport"}
    finding = spec["components"]["schemas"]["ValidationFinding"]
    assert finding["properties"]["severity"]["enum"] == ["violation", "warning", "info"]
    assert {"shape", "value", "valueNode", "path", "resultPath"} <= set(finding["properties"])
    assert all(p.get("description") for p in finding["properties"].values())


def test_post_validate_answers_structured_findings(service: TestClient) -> None:
    r = service.post("/validate", content=BAD_IDS.read_bytes(), headers={"Content-Type": "application/yaml"})
    doc = r.json()
    _validator().validate(doc)
    refused = {(f["focus"], f["value"], f["path"]) for f in doc["findings"] if f["rule"] == "unknown-reference"}
    assert ("northwind", "developer", "roles") in refused
    assert ("m1", "prevents", "actions") in refused
    assert ("r1", "i4", "for") in refused


# -- the Turtle report: a SHACL validation report ----------------------------------------------------------------


def _one(g: rdflib.Graph, s: rdflib.term.Node, p: rdflib.URIRef) -> rdflib.term.Node:
    values = list(g.objects(s, p))
    assert len(values) == 1, f"{p}: {values}"
    return values[0]


def _at_most_one(g: rdflib.Graph, s: rdflib.term.Node, p: rdflib.URIRef) -> rdflib.term.Node | None:
    values = list(g.objects(s, p))
    assert len(values) <= 1, f"{p}: {values}"
    return values[0] if values else None


@pytest.mark.parametrize("path", [BAD_IDS, BAD_IMPACT, EXAMPLES / "broken-causing-deployer.yaml"], ids=lambda p: p.stem)
def test_turtle_report_is_a_shacl_validation_report(path: Path, store: Store) -> None:
    data = _load(path)
    report = validate(data, store=store)
    g = rdflib.Graph().parse(data=turtle(report), format="turtle")
    (root,) = g.subjects(RDF.type, SH.ValidationReport)
    conforms = _one(g, root, SH.conforms)
    assert isinstance(conforms, rdflib.Literal)
    assert conforms.datatype == rdflib.XSD.boolean
    assert conforms.toPython() is report.conforms
    results = list(g.objects(root, SH.result))
    assert len(results) == len(report.findings)
    ours = set()
    for r in results:
        assert (r, RDF.type, SH.ValidationResult) in g
        focus = _one(g, r, SH.focusNode)
        assert _one(g, r, SH.resultSeverity) in (SH.Violation, SH.Warning, SH.Info)
        shape = _one(g, r, SH.sourceShape)
        assert isinstance(shape, rdflib.URIRef)
        assert (shape, HRKG.ruleId, None) in shapes_graph()
        assert _one(g, r, SH.sourceConstraintComponent) == SH.SPARQLConstraintComponent
        messages = list(g.objects(r, SH.resultMessage))
        assert messages
        assert all(isinstance(m, rdflib.Literal) for m in messages)
        value = _at_most_one(g, r, SH.value)
        result_path = _at_most_one(g, r, SH.resultPath)
        if isinstance(result_path, rdflib.BNode):  # a sequence path: a well-formed list of property IRIs
            steps = list(Collection(g, result_path))
            assert len(steps) >= 2
            assert all(isinstance(s, rdflib.URIRef) for s in steps)
        elif result_path is not None:
            assert isinstance(result_path, rdflib.URIRef)
        assert isinstance(_one(g, r, HRKG.ruleId), rdflib.Literal)
        assert list(g.objects(r, rdflib.DCTERMS.source))
        ours.add((focus, shape, value))
    assert ours == _pyshacl_results(data, store)


def _pyshacl_results(data: OrgData, store: Store) -> set[tuple[Any, Any, Any]]:
    """pySHACL's own report for the same data: (focus, shape, value), with its sh:value = focus for a constraint
    that projects no ?value (SHACL 5.3.2) left out as ours leaves it out."""
    from pyshacl import validate as pyshacl_validate

    graph = rdflib.Graph()
    graph += store.to_rdflib()
    graph += data.graph
    _conforms, report, _text = pyshacl_validate(
        graph, shacl_graph=shapes_graph(), inference="none", allow_warnings=True
    )
    assert isinstance(report, rdflib.Graph)
    out = set()
    for r in report.subjects(RDF.type, SH.ValidationResult):
        focus, value = report.value(r, SH.focusNode), report.value(r, SH.value)
        out.add((focus, report.value(r, SH.sourceShape), None if value == focus else value))
    return out


# -- the rule catalogue -------------------------------------------------------------------------------------------


def test_docs_rules_md_is_generated_from_the_shapes(store: Store) -> None:
    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == rules_markdown(store), "regenerate it: hrkg export --rules docs/rules.md"
    for rule in {r.rule for r in rules()}:
        assert f"### `{rule}`" in committed
    assert "guide §1.1" in committed  # sources as citations, not IRIs
    assert "How the guide is read" in committed


def test_every_rule_shape_says_what_it_checks() -> None:
    for rule in rules():
        assert len(rule.description) > 40, rule.shape


def test_nothing_in_the_product_refers_to_the_design_document() -> None:
    for folder in ("src", "shapes", "data", "queries", "ontology"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in {".py", ".ttl", ".rq", ".md", ".yaml", ".json", ".jsonld"}:
                text = path.read_text(encoding="utf-8", errors="replace")
                assert "DESIGN.md" not in text, path
                assert "shared/" not in text, path


# -- errors across the worker boundary ----------------------------------------------------------------------------


def test_an_error_travels_as_plain_data_and_comes_back_as_its_class() -> None:
    exc = InputError("bad indentation", source="request body", line=3, column=7, hint="indent with spaces")
    wire = to_wire(exc)
    assert json.loads(json.dumps(wire)) == list(wire)  # only plain data crosses
    back = from_wire(*wire)
    assert type(back) is InputError
    assert (back.message, back.hint, back.line, back.column, back.source) == (
        exc.message,
        exc.hint,
        3,
        7,
        "request body",
    )
    assert back.http_status == 400


def test_only_registered_classes_come_back() -> None:
    assert set(REGISTRY.values()) >= {InputError, ResourceError, HrkgError}
    back = from_wire("SystemExit", "no", "", {"code": 1})
    assert type(back) is HrkgError
    assert type(from_wire("ResourceError", "broken", "", {})) is ResourceError

    class Local(InputError):
        pass

    assert to_wire(Local("x"))[0] == "InputError"  # an unregistered subclass travels as its registered base


def test_an_input_error_in_a_validation_worker_reaches_the_service_as_input_error(service: TestClient) -> None:
    pool = service.app.state.pool  # type: ignore[attr-defined]
    call = functools.partial(
        pool.validate,
        b"organisation:\n  id: acme\n   roles: [deployer]\n",
        media_type="application/yaml",
        engine="fast",
        severity="info",
        suggest=False,
        fmt="json",
    )
    with pytest.raises(InputError) as info:
        service.portal.call(call)  # type: ignore[union-attr]
    assert info.value.line == 3
    assert info.value.column is not None
    assert "line 3, column" in info.value.message
    r = service.post("/validate", content=call.args[0], headers={"Content-Type": "application/yaml"})
    assert r.status_code == 400


def test_a_broken_product_file_is_a_server_error(tmp_path: Path) -> None:
    (tmp_path / "broken.ttl").write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\nsh:x sh:y", encoding="utf-8")
    with pytest.raises(ResourceError) as info:
        turtle_graph(tmp_path)
    assert info.value.http_status == 500
    assert "broken.ttl" in info.value.message
    back = from_wire(*to_wire(info.value))
    assert type(back) is ResourceError
    assert back.http_status == 500
    (tmp_path / "broken.ttl").write_text(
        '@prefix hrkg: <https://w3id.org/hrkg#> .\n<https://w3id.org/hrkg/shapes/x> hrkg:ruleId "x" .\n',
        encoding="utf-8",
    )
    with pytest.raises(ResourceError):
        rules(tmp_path)
