"""`hrkg validate`: exit codes, report formats a practitioner and a pipeline can read, suggestions from the graph,
and a store that validation never changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from rdflib.namespace import RDF, SH

from hrkg.cli import main
from hrkg.orgdata import load_organisation_files
from hrkg.resources import resources
from hrkg.store import Store
from hrkg.validation.validator import validate

EXAMPLES = resources().data / "examples"
CONFORMING = EXAMPLES / "deployer-support-chatbot.yaml"
BROKEN = EXAMPLES / "broken-causing-deployer.yaml"
BAD_IDS = EXAMPLES / "broken-register-ids.yaml"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", *args])
    return result.exit_code, result.output


def test_conforming_example_exits_0() -> None:
    code, out = run(str(CONFORMING))
    assert code == 0
    assert out.splitlines()[0].endswith("conforms to the guide (no violation)")


def test_violations_exit_1_and_text_groups_by_rule_most_severe_first() -> None:
    code, out = run(str(BROKEN))
    assert code == 1
    headings = [line for line in out.splitlines() if line.startswith(("VIOLATION", "WARNING", "NOTE"))]
    assert headings[0].startswith("VIOLATION  cause-requires-cease-or-prevent  (1)")
    assert any(h.startswith("VIOLATION  cause-requires-remedy  (2)") for h in headings)
    severities = [h.split()[0] for h in headings]
    assert severities == sorted(severities, key=["VIOLATION", "WARNING", "NOTE"].index)
    assert "does NOT conform" in out.splitlines()[0]


def test_json_report_contract() -> None:
    code, out = run(str(BROKEN), "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["conforms"] is False
    keys = {tuple(sorted(f)) for f in doc["findings"]}
    # the contract keys, and the structured ones a pipeline reads instead of the message
    contract = ("focus", "message", "rule", "severity", "source", "suggestions")
    structured = ("shape", "node", "value", "valueNode", "path", "resultPath", "sourceIris")
    assert keys == {tuple(sorted((*contract, *structured)))}
    remedy = [f for f in doc["findings"] if f["rule"] == "cause-requires-remedy"]
    assert sorted(f["focus"] for f in remedy) == ["i1", "i2"]
    assert all("guide §1.1" in f["source"] and f["severity"] == "violation" for f in remedy)


def test_severity_filter() -> None:
    _, out = run(str(BROKEN), "--format", "json", "--severity", "violation")
    assert {f["severity"] for f in json.loads(out)["findings"]} == {"violation"}


def test_turtle_report_is_a_shacl_report() -> None:
    _, out = run(str(BROKEN), "--format", "turtle")
    g = rdflib.Graph().parse(data=out, format="turtle")
    report = next(g.subjects(RDF.type, SH.ValidationReport))
    assert g.value(report, SH.conforms) == rdflib.Literal(False)
    rules = {str(g.value(r, rdflib.URIRef("https://w3id.org/hrkg#ruleId"))) for r in g.objects(report, SH.result)}
    assert {"cause-requires-remedy", "no-offsetting", "no-risk-tolerance"} <= rules


@pytest.mark.parametrize(("fmt", "marker"), [("markdown", "## Violation: `no-offsetting`"), ("html", "<h1>")])
def test_readable_formats(fmt: str, marker: str) -> None:
    code, out = run(str(BROKEN), "--format", fmt)
    assert code == 1
    assert marker in out
    assert "no-risk-tolerance" in out


def test_unparseable_file_exits_2_with_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "register.yaml"
    bad.write_text("organisation: {id: acme\nimpacts: [\n", encoding="utf-8")
    code, out = run(str(bad))
    assert code == 2
    first = out.splitlines()[0]
    assert first.startswith(f"error: {bad}:")
    line_col = first.removeprefix(f"error: {bad}:").split(":")[:2]
    assert all(part.isdigit() for part in line_col)
    assert "Traceback" not in out


def test_missing_file_exits_2(tmp_path: Path) -> None:
    code, out = run(str(tmp_path / "none.yaml"))
    assert code == 2
    assert "file not found" in out


def test_suggestions_come_from_the_graph(store: Store) -> None:
    report = validate(load_organisation_files([BROKEN]), store=store)
    cease = next(f for f in report.findings if f.rule == "cause-requires-cease-or-prevent")
    assert any("terms of service" in s for s in cease.suggestions)  # a deployer's policy mitigation (guide §3.4)
    ids = validate(load_organisation_files([BAD_IDS]), store=store)
    hints = [s for f in ids.findings if f.rule == "unknown-reference" for s in f.suggestions]
    assert any(s.startswith("did you mean") for s in hints)


def test_missing_integration_steps_are_named_from_the_graph(store: Store, tmp_path: Path) -> None:
    register = tmp_path / "r.yaml"
    register.write_text(
        "organisation: {id: acme, roles: [deployer]}\n"
        "impacts: [{id: i1, rights: [privacy], attribution: not-linked}]\n"
        "mitigations: [{id: m1, kind: human-oversight, addresses: [i1], risksAssessed: true,\n"
        "  integrationSteps: [human-oversight-1, human-oversight-3]}]\n",
        encoding="utf-8",
    )
    report = validate(load_organisation_files([register]), store=store)
    steps = next(f for f in report.findings if f.rule == "hrba-integration-steps")
    assert [s.split(":")[0] for s in steps.suggestions] == [
        "human-oversight-2",
        "human-oversight-4",
        "human-oversight-5",
    ]


@pytest.mark.slow
def test_validation_never_changes_the_store(store: Store) -> None:
    before = (len(store), store.graphs())
    for path in (BROKEN, BAD_IDS, CONFORMING):
        validate(load_organisation_files([path]), store=store)
        validate(load_organisation_files([path]), store=store, engine="pyshacl", suggest=False)
    assert (len(store), store.graphs()) == before


def test_several_files_are_validated_together(tmp_path: Path) -> None:
    register = tmp_path / "register.yaml"
    register.write_text(
        "organisation: {id: acme, roles: [deployer]}\nimpacts: [{id: i1, rights: [privacy], attribution: cause}]\n",
        encoding="utf-8",
    )
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "mitigations: [{id: m1, addresses: [i1], actions: [prevent, remedy], risksAssessed: true, owner: Privacy,\n"
        "  indicators: [{name: complaints, kind: quantitative, source: affected-stakeholders}]}]\n",
        encoding="utf-8",
    )
    code, out = run(str(register), "--format", "json")
    assert code == 1
    code, out = run(str(register), str(plan), "--format", "json")
    assert code == 0, out
    assert {f["rule"] for f in json.loads(out)["findings"]} <= {"category-breadth", "mitigation-has-indicator"}


def test_billion_laughs_file_exits_2_naming_line_and_limit(tmp_path: Path) -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    laughs = tmp_path / "laughs.yaml"
    laughs.write_text("\n".join(levels) + "\norganisation: {id: acme}\nimpacts: [{id: i1, rights: [*a8]}]\n")
    code, out = run(str(laughs))
    assert code == 2
    error, hint = out.splitlines()[:2]
    assert error == (
        f"error: {laughs}:5:45: the YAML aliases up to here stand for more than 100,000 nodes "
        "(limit yaml-alias-nodes = 100,000)"
    )
    assert hint.startswith("hint: write the repeated parts out instead of using aliases")
