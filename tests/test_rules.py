"""The rule catalogue (docs/rules.md) as SHACL shapes (shapes/*.ttl), checked case by case.

Every file tests/fixtures/rules/<rule-id>/<case>.yaml is a minimal organisation in the section 3 format with two extra
top-level keys (orgdata ignores them): ``expect``, findings that must be present ({rule, severity, focus, value?}),
and ``forbid``, findings that must be absent ({rule, focus?, severity?, value?}). Each file is one test case,
validated with the reference engine (pySHACL); the fast engine must give the same findings. The examples in
data/examples/ are checked too: the conforming ones have no violation, the broken ones exactly the intended ones.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import rdflib
import yaml
from rdflib.namespace import DCTERMS, RDF, RDFS, SH

from hrkg.orgdata import OrgData, load_organisation_files, local_id, parse_organisation_text
from hrkg.resources import resources
from hrkg.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
CASES = sorted(FIXTURES.glob("*/*.yaml"))
EXAMPLES = resources().data / "examples"
SHAPES = resources().shapes
HRKG = rdflib.Namespace("https://w3id.org/hrkg#")
SHAPE_BASE = "https://w3id.org/hrkg/shapes/"

#: docs/rules.md: rule id -> severities (two for the rule whose severity depends on the impact's status)
CATALOGUE: dict[str, set[str]] = {
    "cause-requires-cease-or-prevent": {"violation"},
    "cause-requires-remedy": {"violation"},
    "contribute-requires-cease-or-prevent": {"violation"},
    "contribute-requires-leverage": {"violation"},
    "contribute-requires-remedy": {"violation", "warning"},
    "linked-requires-leverage": {"violation"},
    "impact-addressed": {"violation"},
    "no-risk-tolerance": {"violation"},
    "no-offsetting": {"violation"},
    "impact-names-right": {"violation"},
    "tension-names-rights": {"violation"},
    "unknown-reference": {"violation"},
    "organisation-tracks-effectiveness": {"violation"},
    "mitigation-has-indicator": {"warning"},
    "mitigation-has-owner": {"warning"},
    "stakeholder-feedback": {"warning"},
    "mitigation-risks-assessed": {"warning"},
    "leverage-assessed": {"warning"},
    "attribution-consistency": {"warning"},
    "tension-requires-counterbalancing": {"warning"},
    "counterbalancing-complete": {"warning"},
    "category-breadth": {"warning"},
    "counterbalancing-engagement": {"info"},
    "impact-has-attribution": {"info"},
    "impact-deferred": {"info"},
    "hrba-integration-steps": {"info"},
}
#: the rows marked A: suspended by a deferral
ACTION_RULES = {
    "cause-requires-cease-or-prevent",
    "cause-requires-remedy",
    "contribute-requires-cease-or-prevent",
    "contribute-requires-leverage",
    "contribute-requires-remedy",
    "linked-requires-leverage",
    "impact-addressed",
}
TARGETS = {
    HRKG.Organisation,
    HRKG.Impact,
    HRKG.Mitigation,
    HRKG.Remedy,
    HRKG.RiskAcceptance,
    HRKG.RightsTension,
    HRKG.AISystem,
}
_SEVERITY = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


@dataclass(frozen=True)
class Seen:
    rule: str
    severity: str
    focus: str
    value: str | None

    def key(self) -> tuple[str, str, str, str]:
        """One finding per rule and focus, per bad value for unknown-reference (docs/rules.md)."""
        return (self.rule, self.severity, self.focus, (self.value or "") if self.rule == "unknown-reference" else "")


# -- running the shapes -----------------------------------------------------------------------------------


def _shapes_graph() -> rdflib.Graph:
    g = rdflib.Graph()
    for path in sorted(SHAPES.glob("*.ttl")):
        g.parse(path)
    return g


def _direct_pyshacl(data: OrgData, store: Store) -> tuple[list[Seen], bool]:
    """pySHACL without hrkg.validation: the organisation's triples plus the knowledge graph."""
    from pyshacl import validate as pyshacl_validate

    shapes = _shapes_graph()
    graph = rdflib.Graph()
    graph += store.to_rdflib()
    graph += data.graph
    conforms, report, _text = pyshacl_validate(graph, shacl_graph=shapes, inference="none", allow_warnings=True)
    assert isinstance(report, rdflib.Graph)
    seen = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        shape = report.value(result, SH.sourceShape)
        value = report.value(result, SH.value)
        focus = report.value(result, SH.focusNode)
        seen.add(
            Seen(
                rule=str(shapes.value(shape, HRKG.ruleId)),
                severity=_SEVERITY[report.value(result, SH.resultSeverity)],  # type: ignore[index]
                focus=local_id(focus, data),  # type: ignore[arg-type]
                value=str(value) if value is not None and value != focus else None,
            )
        )
    return sorted(seen, key=Seen.key), bool(conforms)


def _report(data: OrgData, store: Store, engine: str) -> Any:
    from hrkg.validation.validator import validate

    return validate(data, store=store, engine=engine, suggest=False)  # type: ignore[arg-type]


def run(data: OrgData, store: Store, engine: str = "pyshacl") -> tuple[list[Seen], bool]:
    """Findings and ``conforms`` through hrkg.validation when it is importable, else through pySHACL directly."""
    try:
        report = _report(data, store, engine)
    except ImportError:
        if engine != "pyshacl":
            pytest.skip("hrkg.validation is not available")
        return _direct_pyshacl(data, store)
    return _seen(report), report.conforms


def _seen(report: Any) -> list[Seen]:
    return [Seen(f.rule, f.severity, f.focus, f.value_node) for f in report.findings]


@cache
def _spec(path: Path) -> dict[str, Any]:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(spec, dict), path
    return spec


def _matches(seen: Seen, want: dict[str, Any]) -> bool:
    return all(str(getattr(seen, k)) == str(v) for k, v in want.items() if k in ("rule", "severity", "focus", "value"))


def _case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


_reference: dict[Path, tuple[list[Seen], bool]] = {}
#: the reference engine's whole findings (shape, value, path, message...), for the fast engine to match
_reference_reports: dict[Path, tuple[Any, ...]] = {}


def _reference_findings(path: Path, store: Store) -> tuple[list[Seen], bool]:
    if path not in _reference:
        report = _report(load_organisation_files([path]), store, "pyshacl")
        _reference[path] = (_seen(report), report.conforms)
        _reference_reports[path] = tuple(report.findings)
    return _reference[path]


def _check_report(seen: list[Seen], conforms: bool) -> None:
    duplicates = [k for k, n in Counter(s.key() for s in seen).items() if n > 1]
    assert not duplicates, f"more than one finding per rule and focus: {duplicates}"
    per_focus = Counter((s.rule, s.focus, s.value if s.rule == "unknown-reference" else None) for s in seen)
    assert all(n == 1 for n in per_focus.values()), f"one rule gave two severities for one focus: {per_focus}"
    assert conforms == (not any(s.severity == "violation" for s in seen)), "conforms must be false iff a violation"


# -- the fixtures -----------------------------------------------------------------------------------------


def _check_fixture(path: Path, seen: list[Seen], conforms: bool) -> None:
    spec = _spec(path)
    listing = "\n".join(f"  {s}" for s in seen)
    for want in spec.get("expect") or []:
        assert any(_matches(s, want) for s in seen), f"missing {want}; found:\n{listing}"
    for unwanted in spec.get("forbid") or []:
        assert not any(_matches(s, unwanted) for s in seen), f"forbidden {unwanted} found:\n{listing}"
    _check_report(seen, conforms)


@pytest.mark.slow
@pytest.mark.parametrize("path", CASES, ids=_case_id)
def test_rule_fixture(path: Path, store: Store) -> None:
    """Each fixture's expected findings are present and its forbidden ones absent (reference engine)."""
    _check_fixture(path, *_reference_findings(path, store))


@pytest.mark.parametrize("path", CASES, ids=_case_id)
def test_rule_fixture_fast_engine(path: Path, store: Store) -> None:
    """The same with the fast engine (~50 ms a case, against pySHACL's ~2 s): the fixtures in `make quick`."""
    _check_fixture(path, *run(load_organisation_files([path]), store, engine="fast"))


@pytest.mark.slow
@pytest.mark.parametrize("path", CASES, ids=_case_id)
def test_fast_engine_agrees(path: Path, store: Store) -> None:
    """The shapes follow the set-wise conventions: the fast engine finds exactly what pySHACL finds."""
    reference, ref_conforms = _reference_findings(path, store)
    report = _report(load_organisation_files([path]), store, "fast")
    fast, fast_conforms = _seen(report), report.conforms
    assert sorted(s.key() for s in fast) == sorted(s.key() for s in reference)
    assert fast_conforms == ref_conforms
    # identical findings, the structured fields too: shape, value (as written and as a term), path, message
    assert tuple(report.findings) == _reference_reports[path]
    for f in report.findings:
        assert f.shape.startswith(SHAPE_BASE + f.rule), f
        if f.rule == "unknown-reference":
            assert f.value, f
            assert f.value_node, f
            assert f.path, f
            assert f.result_path, f


def test_fixtures_ignore_their_expectations() -> None:
    """`expect` and `forbid` are not section 3 keys: they add no triple."""
    path = FIXTURES / "impact-names-right" / "passes.yaml"
    text = path.read_text(encoding="utf-8")
    bare = text.split("\nforbid:")[0].split("\nexpect:")[0] + "\n"
    with_keys = parse_organisation_text(text, media_type="application/yaml", source="with.yaml")
    without = parse_organisation_text(bare, media_type="application/yaml", source="without.yaml")
    assert len(with_keys.graph) == len(without.graph) > 0
    assert not any("expect" in str(p) or "forbid" in str(p) for p in with_keys.graph.predicates())


def test_every_rule_has_firing_and_passing_fixtures() -> None:
    firing: set[str] = set()
    passing: set[str] = set()
    for path in CASES:
        spec = _spec(path)
        firing |= {e["rule"] for e in spec.get("expect") or []}
        passing |= {f["rule"] for f in spec.get("forbid") or []}
        assert path.parent.name in CATALOGUE, f"{path}: the directory must be a rule id"
    assert set(CATALOGUE) <= firing, f"rules with no firing fixture: {set(CATALOGUE) - firing}"
    assert set(CATALOGUE) <= passing, f"rules with no non-firing fixture: {set(CATALOGUE) - passing}"
    for rule, severities in CATALOGUE.items():
        expected = {e["severity"] for p in CASES for e in _spec(p).get("expect") or [] if e["rule"] == rule}
        assert expected == severities, f"{rule}: fixtures expect {expected}, the catalogue says {severities}"


@pytest.mark.parametrize("engine", ["fast", pytest.param("pyshacl", marks=pytest.mark.slow)])
def test_literal_where_an_iri_is_expected(store: Store, engine: str) -> None:
    """RDF input can give a literal where an id is expected: a bad value like any other, counted as absent."""
    ttl = """
        @prefix hrkg: <https://w3id.org/hrkg#> .
        @prefix org: <https://w3id.org/hrkg/org/lit/> .
        <https://w3id.org/hrkg/org/lit> a hrkg:Organisation ; hrkg:hasImpact org:i1 ; hrkg:hasRole "deployer" .
        org:i1 a hrkg:Impact ; hrkg:attribution "cause" ; hrkg:affectsRight <https://w3id.org/hrkg/right/privacy> .
    """
    data = parse_organisation_text(ttl, media_type="text/turtle", source="lit.ttl")
    seen, conforms = run(data, store, engine)
    keys = {(s.rule, s.focus, s.value) for s in seen}
    assert ("unknown-reference", "i1", "cause") in keys
    assert ("unknown-reference", "lit", "deployer") in keys
    assert ("impact-has-attribution", "i1", None) in keys
    assert not any(s.rule.startswith("cause-") for s in seen)
    assert not conforms


# -- the shapes themselves --------------------------------------------------------------------------------


def _rule_shapes() -> list[tuple[rdflib.Graph, rdflib.term.Node]]:
    g = _shapes_graph()
    return [(g, s) for s in sorted(set(g.subjects(HRKG.ruleId, None)), key=str)]


def test_shapes_implement_the_catalogue() -> None:
    found: dict[str, set[str]] = {}
    for g, shape in _rule_shapes():
        rule = str(g.value(shape, HRKG.ruleId))
        found.setdefault(rule, set()).add(_SEVERITY[g.value(shape, SH.severity)])  # type: ignore[index]
        assert str(shape).startswith(SHAPE_BASE + rule), f"{shape}: the IRI must be {SHAPE_BASE}{rule}[-variant]"
        assert bool(g.value(shape, HRKG.actionRule)) == (rule in ACTION_RULES), f"{shape}: hrkg:actionRule"
    assert found == CATALOGUE


def test_every_shape_is_complete(kg: rdflib.Graph) -> None:
    """ruleId, severity, label, sources that are known source documents, one target class, one SPARQL constraint
    with a message, a SELECT and the shared prefixes."""
    for g, shape in _rule_shapes():
        assert g.value(shape, RDF.type) == SH.NodeShape, shape
        assert len(list(g.objects(shape, SH.targetClass))) == 1, shape
        assert g.value(shape, SH.targetClass) in TARGETS, shape
        assert g.value(shape, SH.severity) in _SEVERITY, shape
        assert str(g.value(shape, RDFS.label) or "").strip(), f"{shape}: no rdfs:label"
        sources = list(g.objects(shape, DCTERMS.source))
        assert sources, f"{shape}: no dcterms:source"
        for source in sources:
            assert (source, RDF.type, None) in kg, f"{shape}: source {source} is not in the knowledge graph"
        constraints = list(g.objects(shape, SH.sparql))
        assert len(constraints) == 1, shape
        (constraint,) = constraints
        assert len(str(g.value(constraint, SH.message) or "")) > 80, f"{shape}: the message must explain"
        assert g.value(constraint, SH.select) is not None, shape
        assert g.value(constraint, SH.prefixes) is not None, shape


_FORBIDDEN = re.compile(r"\b(MINUS|VALUES|SERVICE|GRAPH|COUNT|SUM|MIN|MAX|AVG|GROUP_CONCAT|SAMPLE|GROUP\s+BY)\b")


def test_shapes_follow_the_setwise_conventions() -> None:
    """What the fast engine relies on (see shapes/README.md)."""
    for g, shape in _rule_shapes():
        rule = str(g.value(shape, HRKG.ruleId))
        constraint = g.value(shape, SH.sparql)
        select = str(g.value(constraint, SH.select))
        message = str(g.value(constraint, SH.message))
        head = re.search(r"SELECT\s+DISTINCT\s+(.*?)\s+WHERE", select, re.DOTALL)
        assert head, f"{shape}: SELECT DISTINCT ... WHERE"
        projected = head.group(1).split()
        assert projected == (["$this", "?value", "?path"] if rule == "unknown-reference" else ["$this"]), shape
        assert not _FORBIDDEN.search(select), f"{shape}: {_FORBIDDEN.search(select)}"
        for sub in re.findall(r"\{\s*SELECT\b(.*?)\}\s*\}", select, re.DOTALL):
            assert "$this" not in sub, f"{shape}: a sub-select must not use $this (it is computed once)"
        for name in re.findall(r"\{[?$](\w+)\}", message):
            assert f"?{name}" in projected or f"${name}" in projected, f"{shape}: {{{name}}} is not projected"


# -- the examples -----------------------------------------------------------------------------------------

#: examples/<file> -> the violations it must give, exactly: (rule, focus) or (rule, focus, value)
BROKEN_EXAMPLES: dict[str, set[tuple[str, ...]]] = {
    "broken-causing-deployer.yaml": {
        ("cause-requires-remedy", "i1"),
        ("no-offsetting", "i1"),
        ("cause-requires-cease-or-prevent", "i2"),
        ("cause-requires-remedy", "i2"),
        ("impact-addressed", "i2"),
        ("no-risk-tolerance", "i2"),
    },
    "broken-contributing-developer.yaml": {
        ("contribute-requires-leverage", "i1"),
        ("contribute-requires-remedy", "i1"),
        ("linked-requires-leverage", "i2"),
        ("organisation-tracks-effectiveness", "lexica"),
    },
    "broken-register-ids.yaml": {
        ("unknown-reference", "northwind", "https://w3id.org/hrkg/role/developer"),
        ("unknown-reference", "i1", "https://w3id.org/hrkg/right/privacy-rights"),
        ("unknown-reference", "i1", "https://w3id.org/hrkg/org/northwind/assistant"),
        ("unknown-reference", "m1", "https://w3id.org/hrkg/org/northwind/i3"),
        ("unknown-reference", "m1", "https://w3id.org/hrkg/action/prevents"),
        ("unknown-reference", "m2", "https://w3id.org/hrkg/mitigation/human-oversigth"),
        ("unknown-reference", "r1", "https://w3id.org/hrkg/org/northwind/i4"),
        ("unknown-reference", "t1", "https://w3id.org/hrkg/right/speech"),
        ("cause-requires-cease-or-prevent", "i1"),
        ("cause-requires-remedy", "i1"),
        ("tension-names-rights", "t1"),
    },
}
CONFORMING_EXAMPLES = sorted(p.name for p in EXAMPLES.glob("*.yaml") if p.name not in BROKEN_EXAMPLES)


def test_examples_cover_every_role() -> None:
    roles: set[str] = set()
    for name in CONFORMING_EXAMPLES:
        roles |= set(yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))["organisation"]["roles"])
    assert roles >= {"supplier", "foundation-model-developer", "downstream-developer", "deployer"}
    assert len(BROKEN_EXAMPLES) >= 3
    assert all((EXAMPLES / name).is_file() for name in BROKEN_EXAMPLES)


@pytest.mark.parametrize("engine", ["fast", pytest.param("pyshacl", marks=pytest.mark.slow)])
@pytest.mark.parametrize("name", CONFORMING_EXAMPLES)
def test_conforming_example(name: str, store: Store, engine: str) -> None:
    seen, conforms = run(load_organisation_files([EXAMPLES / name]), store, engine)
    assert [s for s in seen if s.severity == "violation"] == []
    assert conforms
    assert len(seen) <= 4, f"keep the notes of a good example few: {seen}"


@pytest.mark.parametrize("engine", ["fast", pytest.param("pyshacl", marks=pytest.mark.slow)])
@pytest.mark.parametrize("name", sorted(BROKEN_EXAMPLES))
def test_broken_example(name: str, store: Store, engine: str) -> None:
    seen, conforms = run(load_organisation_files([EXAMPLES / name]), store, engine)
    violations = {
        (s.rule, s.focus, s.value) if s.rule == "unknown-reference" else (s.rule, s.focus)
        for s in seen
        if s.severity == "violation"
    }
    assert violations == BROKEN_EXAMPLES[name]
    assert not conforms
