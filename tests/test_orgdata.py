"""Organisation data -> RDF (hrkg.orgdata): the section 3 format through the bundled JSON-LD context.

The complete example of docs/organisation-data.md is the main fixture (tests/fixtures/orgdata/example.*): its YAML,
JSON and hand-written Turtle must give the same graph, and the triples of each kind of node are asserted exactly.
"""

from __future__ import annotations

import json
import socket
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import rdflib
from rdflib import RDF, RDFS, BNode, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS

from hrkg import orgdata
from hrkg.errors import InputError
from hrkg.orgdata import (
    CONTEXT_URL,
    MEDIA_TYPES,
    OrgData,
    _jsonld,
    _rdf,
    _reshape,
    _yaml,
    context,
    load_organisation_files,
    local_id,
    model,
    parse_organisation_text,
    reader,
)
from hrkg.resources import resources

FIXTURES = Path(__file__).parent / "fixtures" / "orgdata"
EXAMPLE = FIXTURES / "example.yaml"

H = rdflib.Namespace("https://w3id.org/hrkg#")
ACME = rdflib.Namespace("https://w3id.org/hrkg/org/acme/")
ORG = URIRef("https://w3id.org/hrkg/org/acme")
B = "https://w3id.org/hrkg/"
XSD_BOOLEAN = URIRef("http://www.w3.org/2001/XMLSchema#boolean")


def enum(scheme: str, value: str) -> URIRef:
    return URIRef(f"{B}{scheme}/{value}")


def yaml_org(text: str, source: str = "org.yaml") -> OrgData:
    return parse_organisation_text(text, media_type="application/yaml", source=source)


def po(graph: rdflib.Graph, subject: rdflib.term.Node) -> set[tuple[rdflib.term.Node, rdflib.term.Node]]:
    """Every (predicate, object) of a subject."""
    return set(graph.predicate_objects(subject))


def only(graph: rdflib.Graph, subject: rdflib.term.Node, predicate: URIRef) -> rdflib.term.Node:
    values = list(graph.objects(subject, predicate))
    assert len(values) == 1, values
    return values[0]


@pytest.fixture(scope="module")
def example() -> OrgData:
    return load_organisation_files([EXAMPLE])


# -- the section 3 example, triple by triple ------------------------------------------------------------------


def test_example_organisation_and_its_links(example: OrgData) -> None:
    assert example.organisations == (ORG,)
    assert example.namespace == str(ACME)
    assert po(example.graph, ORG) == {
        (RDF.type, H.Organisation),
        (RDFS.label, Literal("ACME AI")),
        (DCTERMS.description, Literal("A deployer of genAI chatbots")),
        (H.hasRole, enum("role", "deployer")),
        (H.hasSystem, ACME.chat),
        (H.hasImpact, ACME.i1),
        (H.hasImpact, ACME.i2),
        (H.hasMitigation, ACME.m1),
        (H.hasRemedy, ACME.r1),
        (H.hasRiskAcceptance, ACME.a1),
        (H.hasTension, ACME.t1),
    }


def test_example_impact_enums_and_references(example: OrgData) -> None:
    g = example.graph
    leverage = only(g, ACME.i1, H.leverage)
    assert isinstance(leverage, BNode)
    assert po(g, ACME.i1) == {
        (RDF.type, H.Impact),
        (H.system, ACME.chat),
        (DCTERMS.description, Literal("Chatbot answers about elections may mislead voters")),
        (H.affectsRight, enum("right", "political-participation")),
        (H.affectsRight, enum("right", "access-to-information")),
        (H.impactStatus, enum("impact-status", "potential")),
        (H.severity, enum("severity", "high")),
        (H.attribution, enum("attribution", "contribute")),
        (H.contributionFactor, enum("contribution-factor", "facilitating-enabling")),
        (H.leverage, leverage),
    }
    assert po(g, leverage) == {
        (RDF.type, H.LeverageAssessment),
        (H.leverageLevel, enum("leverage-level", "medium")),
        (H.availableMechanism, enum("leverage-mechanism", "contractual-requirements")),
    }


def test_example_deferral(example: OrgData) -> None:
    deferral = only(example.graph, ACME.i2, H.deferred)
    assert po(example.graph, deferral) == {
        (RDF.type, H.Deferral),
        (H.rationale, Literal("low severity; handled after i1")),
    }
    assert (ACME.i2, H.impactStatus, enum("impact-status", "actual")) in example.graph
    assert (ACME.i2, RDFS.label, Literal("Over-blocking of political speech")) in example.graph


def test_example_mitigation_status_kind_and_indicator_are_scoped(example: OrgData) -> None:
    """`status` and `kind` mean different things on an impact, a mitigation and an indicator."""
    g = example.graph
    indicator = only(g, ACME.m1, H.indicator)
    assert po(g, ACME.m1) == {
        (RDF.type, H.Mitigation),
        (RDFS.label, Literal("Restrict election answers to official sources")),
        (DCTERMS.description, Literal("Election questions are answered with links to official sources only")),
        (H.kind, enum("mitigation", "content-policy")),
        (H.category, enum("category", "policy")),
        (H.addresses, ACME.i1),
        (H.action, enum("action", "prevent")),
        (H.mitigationStatus, enum("mitigation-status", "implemented")),
        (H.owner, Literal("Trust & Safety")),
        (H.indicator, indicator),
        (H.risksAssessed, Literal(True)),
        (H.introducesRisk, ACME.i2),
        (H.integrationStepDone, enum("integration-step", "human-oversight-1")),
    }
    assert po(g, indicator) == {
        (RDF.type, H.Indicator),
        (RDFS.label, Literal("share of answers citing official sources")),
        (H.indicatorKind, enum("indicator-kind", "quantitative")),
        (H.indicatorSource, enum("indicator-source", "internal")),
    }


def test_example_booleans_are_typed(example: OrgData) -> None:
    assessed = only(example.graph, ACME.m1, H.risksAssessed)
    assert assessed == Literal("true", datatype=XSD_BOOLEAN)
    counterbalancing = only(example.graph, ACME.t1, H.counterbalancing)
    engagement = only(example.graph, counterbalancing, H.stakeholderEngagement)
    assert engagement == Literal("false", datatype=XSD_BOOLEAN)


def test_example_remedy_acceptance_system(example: OrgData) -> None:
    g = example.graph
    assert po(g, ACME.r1) == {
        (RDF.type, H.Remedy),
        (H.remedyFor, ACME.i1),
        (H.mechanism, Literal("user grievance channel")),
    }
    assert po(g, ACME.a1) == {
        (RDF.type, H.RiskAcceptance),
        (H.acceptedImpact, ACME.i1),
        (H.acceptanceBasis, enum("acceptance-basis", "offsetting")),
        (H.rationale, Literal("benefits outweigh")),
    }
    assert po(g, ACME.chat) == {
        (RDF.type, H.AISystem),
        (RDFS.label, Literal("Support chatbot")),
        (DCTERMS.description, Literal("Answers customer questions")),
    }


def test_example_tension_and_counterbalancing_answers(example: OrgData) -> None:
    g = example.graph
    assessment = only(g, ACME.t1, H.counterbalancing)
    assert po(g, ACME.t1) == {
        (RDF.type, H.RightsTension),
        (H.rightInTension, enum("right", "access-to-information")),
        (H.rightInTension, enum("right", "political-participation")),
        (H.tensionMitigation, ACME.m1),
        (H.counterbalancing, assessment),
    }
    assert po(g, assessment) == {
        (RDF.type, H.CounterbalancingAssessment),
        (H.revertingToPrinciple, Literal("Both rights support free elections")),
        (H.legitimacy, Literal("Protecting the integrity of elections is a legitimate aim")),
        (H.necessity, Literal("Unrestricted answers were shown to mislead")),
        (H.proportionality, Literal("Only election questions are restricted")),
        (H.nonDiscrimination, Literal("The restriction applies to all users alike")),
        (H.outcome, enum("counterbalancing-outcome", "range")),
        (H.stakeholderEngagement, Literal(False)),
    }


def test_example_has_no_other_nodes(example: OrgData) -> None:
    """Nothing but the records and their four kinds of nested node (no stray triples from unmapped keys)."""
    assert len(example.graph) == 75
    named = {s for s in example.graph.subjects() if isinstance(s, URIRef)}
    assert named == {ORG, ACME.chat, ACME.i1, ACME.i2, ACME.m1, ACME.r1, ACME.a1, ACME.t1}


def test_example_enum_iris_exist_in_the_knowledge_graph(example: OrgData, kg: rdflib.Graph) -> None:
    """The context's scheme namespaces are the ones the ontology and catalogue mint (no typo in a @vocab)."""
    schemes = {p for p in example.graph.predicates() if p not in (RDF.type,)}
    enum_objects = {
        o
        for p in schemes
        for o in example.graph.objects(None, p)
        if isinstance(o, URIRef) and not str(o).startswith(str(ACME))
    }
    assert len(enum_objects) == 22
    missing = [o for o in enum_objects if (o, RDF.type, None) not in kg]
    assert missing == []


# -- every syntax gives the same graph ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["example.json", "example.ttl", "example-section3.jsonld"])
def test_same_graph_from_every_syntax(example: OrgData, name: str) -> None:
    other = load_organisation_files([FIXTURES / name])
    assert isomorphic(other.graph, example.graph)
    assert other.organisations == (ORG,)
    assert other.namespaces == {ORG: str(ACME)}


@pytest.mark.parametrize("fmt", ["nt", "xml", "json-ld"])
def test_rdf_serialisations_round_trip(example: OrgData, tmp_path: Path, fmt: str) -> None:
    suffix = {"nt": ".nt", "xml": ".rdf", "json-ld": ".jsonld"}[fmt]
    path = tmp_path / f"org{suffix}"
    path.write_text(example.graph.serialize(format=fmt), encoding="utf-8")
    assert isomorphic(load_organisation_files([path]).graph, example.graph)


@pytest.mark.parametrize(
    ("name", "media_type"),
    [("example.yaml", "application/yaml"), ("example.json", "application/json"), ("example.ttl", "text/turtle")],
)
def test_text_api_matches_files(example: OrgData, name: str, media_type: str) -> None:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    parsed = parse_organisation_text(text, media_type=f"{media_type}; charset=utf-8", source="request")
    assert isomorphic(parsed.graph, example.graph)
    assert parsed.organisation == ORG


def test_jsonld_written_against_the_published_context() -> None:
    """A JSON-LD document naming the context URL (plus its own @base) gets the bundled copy."""
    doc = {
        "@context": [CONTEXT_URL, {"@base": str(ACME)}],
        "@id": str(ORG),
        "@type": "Organisation",
        "roles": ["deployer"],
        "impacts": [{"@id": "i1", "@type": "Impact", "rights": ["privacy"], "status": "actual"}],
        "mitigations": [
            {
                "@id": "m1",
                "@type": "Mitigation",
                "status": "planned",
                "kind": "human-oversight",
                "addresses": "i1",
                "indicators": [{"@type": "Indicator", "kind": "qualitative", "source": "external"}],
            }
        ],
    }
    jsonld = parse_organisation_text(json.dumps(doc), media_type="application/ld+json", source="doc.jsonld")
    same = yaml_org(
        "organisation: {id: acme, roles: [deployer]}\n"
        "impacts: [{id: i1, rights: [privacy], status: actual}]\n"
        "mitigations: [{id: m1, status: planned, kind: human-oversight, addresses: [i1],"
        " indicators: [{kind: qualitative, source: external}]}]\n"
    )
    assert isomorphic(jsonld.graph, same.graph)
    assert jsonld.organisations == (ORG,)


# -- several files --------------------------------------------------------------------------------------------


def test_several_files_merge_under_one_organisation(example: OrgData, tmp_path: Path) -> None:
    """Files without an `organisation` belong to the one the batch names; their ids meet in one namespace."""
    import yaml

    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    first = {k: data[k] for k in ("organisation", "systems", "impacts")}
    second = {k: data[k] for k in ("mitigations", "remedies", "riskAcceptances", "tensions")}
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(first), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(second), encoding="utf-8")
    merged = load_organisation_files([tmp_path / "b.json", tmp_path / "a.yaml"])
    assert isomorphic(merged.graph, example.graph)
    assert merged.organisations == (ORG,)
    assert merged.sources == (str(tmp_path / "b.json"), str(tmp_path / "a.yaml"))


def test_one_bad_file_fails_the_batch(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("impacts:\n  - id: i1\n    rights: [privacy\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_organisation_files([EXAMPLE, bad])
    assert info.value.source == str(bad)


def test_a_file_without_organisation_among_several_organisations_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("organisation: {id: x}\n", encoding="utf-8")
    (tmp_path / "y.yaml").write_text("organisation: {id: y}\n", encoding="utf-8")
    (tmp_path / "z.yaml").write_text("impacts: [{id: i1}]\n", encoding="utf-8")
    with pytest.raises(InputError, match="names no organisation") as info:
        load_organisation_files([tmp_path / n for n in ("x.yaml", "y.yaml", "z.yaml")])
    assert info.value.source.endswith("z.yaml")
    assert "organisation:" in info.value.hint


def test_no_organisation_at_all_gets_the_default_one() -> None:
    org = yaml_org("impacts: [{id: i1}]\n")
    default = URIRef("https://w3id.org/hrkg/org/unnamed")
    assert org.organisations == (default,)
    assert (default, RDF.type, H.Organisation) in org.graph
    assert (default, H.hasImpact, URIRef("https://w3id.org/hrkg/org/unnamed/i1")) in org.graph


# -- bad values survive for SHACL to report -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "key", "value", "predicate", "scheme"),
    [
        ("organisation", "roles", "[regulator]", H.hasRole, "role"),
        ("impact", "rights", "[privcy]", H.affectsRight, "right"),
        ("impact", "status", "potentail", H.impactStatus, "impact-status"),
        ("impact", "severity", "extreme", H.severity, "severity"),
        ("impact", "attribution", "causes", H.attribution, "attribution"),
        ("impact", "contributionFactors", "[luck]", H.contributionFactor, "contribution-factor"),
        ("mitigation", "kind", "magic", H.kind, "mitigation"),
        ("mitigation", "category", "legal", H.category, "category"),
        ("mitigation", "actions", "[pray]", H.action, "action"),
        ("mitigation", "status", "done", H.mitigationStatus, "mitigation-status"),
        ("mitigation", "integrationSteps", "[step-9]", H.integrationStepDone, "integration-step"),
        ("acceptance", "basis", "faith", H.acceptanceBasis, "acceptance-basis"),
        ("tension", "rights", "[privcy]", H.rightInTension, "right"),
    ],
)
def test_unknown_enum_values_survive_under_their_scheme(
    record: str, key: str, value: str, predicate: URIRef, scheme: str
) -> None:
    text = {
        "organisation": f"organisation: {{id: acme, {key}: {value}}}\n",
        "impact": f"organisation: {{id: acme}}\nimpacts: [{{id: x, {key}: {value}}}]\n",
        "mitigation": f"organisation: {{id: acme}}\nmitigations: [{{id: x, {key}: {value}}}]\n",
        "acceptance": f"organisation: {{id: acme}}\nriskAcceptances: [{{id: x, {key}: {value}}}]\n",
        "tension": f"organisation: {{id: acme}}\ntensions: [{{id: x, {key}: {value}}}]\n",
    }[record]
    org = yaml_org(text)
    holder = ORG if record == "organisation" else ACME.x
    bad = value.strip("[]")
    assert list(org.graph.objects(holder, predicate)) == [enum(scheme, bad)]


def test_unknown_values_in_nested_nodes_survive() -> None:
    org = yaml_org(
        "organisation: {id: acme}\n"
        "impacts: [{id: i1, leverage: {level: huge, mechanisms: [bribes]}}]\n"
        "mitigations: [{id: m1, indicators: [{kind: vibes, source: rumour}]}]\n"
        "tensions: [{id: t1, counterbalancing: {outcome: many}}]\n"
    )
    g = org.graph
    leverage = only(g, ACME.i1, H.leverage)
    assert only(g, leverage, H.leverageLevel) == enum("leverage-level", "huge")
    assert only(g, leverage, H.availableMechanism) == enum("leverage-mechanism", "bribes")
    indicator = only(g, ACME.m1, H.indicator)
    assert only(g, indicator, H.indicatorKind) == enum("indicator-kind", "vibes")
    assert only(g, indicator, H.indicatorSource) == enum("indicator-source", "rumour")
    assert only(g, only(g, ACME.t1, H.counterbalancing), H.outcome) == enum("counterbalancing-outcome", "many")


def test_a_value_named_like_a_key_stays_a_value() -> None:
    """Enumeration values are never read as context terms (`impact` is a key, not a severity)."""
    org = yaml_org("organisation: {id: acme}\nimpacts: [{id: i1, severity: impact, rights: [Impact, status]}]\n")
    assert only(org.graph, ACME.i1, H.severity) == enum("severity", "impact")
    assert set(org.graph.objects(ACME.i1, H.affectsRight)) == {enum("right", "Impact"), enum("right", "status")}


def test_dangling_ids_survive_as_iris() -> None:
    org = yaml_org(
        "organisation: {id: acme}\n"
        "impacts: [{id: i1, system: nowhere}]\n"
        "mitigations: [{id: m1, addresses: [i1, i9], introducesRisks: [i8]}]\n"
        "remedies: [{id: r1, for: [i7]}]\n"
        "riskAcceptances: [{id: a1, impact: i6}]\n"
        "tensions: [{id: t1, mitigation: m5}]\n"
    )
    g = org.graph
    assert only(g, ACME.i1, H.system) == ACME.nowhere
    assert set(g.objects(ACME.m1, H.addresses)) == {ACME.i1, ACME.i9}
    assert only(g, ACME.m1, H.introducesRisk) == ACME.i8
    assert only(g, ACME.r1, H.remedyFor) == ACME.i7
    assert only(g, ACME.a1, H.acceptedImpact) == ACME.i6
    assert only(g, ACME.t1, H.tensionMitigation) == ACME.m5
    assert (ACME.i9, None, None) not in g


def test_wrong_json_types_do_not_crash() -> None:
    """Numbers, mappings and nested lists where ids or text are expected become text, then IRIs or literals."""
    doc = {
        "organisation": {"id": "acme", "roles": 3},
        "impacts": [{"id": 7, "rights": 5, "status": {"x": 1}, "severity": [["a"]], "system": 1.5}],
        "mitigations": [{"id": "m1", "addresses": 7, "name": {"a": 1}, "owner": 12, "risksAssessed": "yes"}],
    }
    org = parse_organisation_text(json.dumps(doc), media_type="application/json", source="org.json")
    g = org.graph
    assert only(g, ORG, H.hasRole) == enum("role", "3")
    assert only(g, ACME["7"], H.affectsRight) == enum("right", "5")
    assert only(g, ACME["7"], H.impactStatus) == enum("impact-status", "%7Bx%3A%201%7D")
    assert only(g, ACME["7"], H.severity) == enum("severity", "%5Ba%5D")
    assert only(g, ACME["7"], H.system) == ACME["1.5"]
    assert only(g, ACME.m1, H.addresses) == ACME["7"]
    assert only(g, ACME.m1, RDFS.label) == Literal("{a: 1}")
    assert only(g, ACME.m1, H.owner) == Literal("12")
    # not silently turned into false: kept as text, which is not a boolean
    assert only(g, ACME.m1, H.risksAssessed) == Literal("yes")


def test_empty_nested_mappings_make_no_node() -> None:
    """`counterbalancing: {}` is no assessment (docs/rules.md); likewise empty leverage, deferral, indicator."""
    org = yaml_org(
        "organisation: {id: acme}\n"
        "impacts: [{id: i1, leverage: {}, deferred: {rationale: null}}]\n"
        "mitigations: [{id: m1, indicators: [{}, {kind: qualitative}]}]\n"
        "tensions: [{id: t1, counterbalancing: {}}]\n"
    )
    g = org.graph
    assert list(g.objects(ACME.i1, H.leverage)) == []
    assert list(g.objects(ACME.i1, H.deferred)) == []
    assert list(g.objects(ACME.t1, H.counterbalancing)) == []
    assert len(list(g.objects(ACME.m1, H.indicator))) == 1


def test_jsonld_named_graphs_are_merged() -> None:
    doc = {
        "@context": CONTEXT_URL,
        "@id": "https://e/g",
        "@graph": [{"@id": str(ACME.i1), "@type": "Impact", "rights": "privacy"}],
    }
    org = parse_organisation_text(json.dumps(doc), media_type="application/ld+json", source="doc")
    assert set(org.graph) == {
        (ACME.i1, RDF.type, H.Impact),
        (ACME.i1, H.affectsRight, enum("right", "privacy")),
    }
    assert org.organisations == ()
    assert org.organisation is None


def test_top_level_scalar_is_refused() -> None:
    with pytest.raises(InputError, match="top level of the document is the text 'hello', not a mapping"):
        yaml_org("hello\n")


# -- YAML anchors and aliases: bounded while the file is read ---------------------------------------------------

#: a "billion laughs" document: a8 stands for 10^9 scalars, in 11 short lines
LAUGHS = (
    "\n".join(
        ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    )
    + "\norganisation: {id: acme}\nimpacts: [{id: i1, rights: [*a8], name: *a8}]\n"
)


@pytest.fixture(params=["fast", "reference"])
def yaml_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test of the YAML limits runs with libyaml's fast reader and with the reference reader (no libyaml)."""
    if request.param == "reference":
        monkeypatch.setattr(_yaml, "_CParser", None)
    return str(request.param)


@pytest.fixture
def nothing_built(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails a test if a refused document got as far as being reshaped into RDF."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the document was reshaped although it crosses a YAML limit")

    monkeypatch.setattr(_reshape._Shaper, "jsonld", refuse)


@pytest.mark.usefixtures("nothing_built")
def test_billion_laughs_is_refused_at_the_alias_that_crosses_the_limit(yaml_reader: str) -> None:
    started = time.perf_counter()
    with pytest.raises(InputError) as info:
        yaml_org(LAUGHS)
    elapsed = time.perf_counter() - started
    # a0 is 11 nodes, a1 111, a2 1,111, a3 11,111: lines 2-4 alias 12,330 nodes, and the 8th alias of line 5
    # (12,330 + 8 x 11,111) takes the total past 100,000
    assert (info.value.line, info.value.column) == (5, 45)
    assert str(info.value) == (
        "org.yaml:5:45: the YAML aliases up to here stand for more than 100,000 nodes "
        "(limit yaml-alias-nodes = 100,000)"
    )
    assert "instead of using aliases" in info.value.hint
    assert elapsed < 2.0, elapsed  # in practice a few milliseconds: nothing past line 5 is read


@pytest.mark.usefixtures("nothing_built")
def test_many_aliases_of_a_large_anchor_are_refused(yaml_reader: str) -> None:
    """The issue's case: one anchored list of 1,000 values, aliased on every impact (~800 KB of YAML)."""
    lines = ["organisation: {id: acme}", f"shared: &big [{', '.join(['privacy'] * 999)}]", "impacts:"]
    lines += [f"  - {{id: i{n}, rights: *big}}" for n in range(1, 20_000)]
    with pytest.raises(InputError, match=r"limit yaml-alias-nodes = 100,000") as info:
        yaml_org("\n".join(lines) + "\n")
    # each alias stands for 1,000 nodes: the 101st alias (impact i101, line 104) crosses the limit
    assert (info.value.line, info.value.column) == (104, 24)


@pytest.mark.parametrize(
    ("limit", "document", "line", "column", "message"),
    [
        (
            "yaml-aliases",
            "s: &s privacy\nr: [{}]\n",
            2,
            17,
            "more than 3 YAML aliases (*name) (limit yaml-aliases = 3)",
        ),
        ("yaml-anchors", "r: [{}]\n", 1, 23, "more than 3 YAML anchors (&name) (limit yaml-anchors = 3)"),
    ],
)
def test_alias_and_anchor_counts_are_limited(
    yaml_reader: str, monkeypatch: pytest.MonkeyPatch, limit: str, document: str, line: int, column: int, message: str
) -> None:
    monkeypatch.setitem(orgdata.YAML_LIMITS, limit, 3)
    three = "*s, *s, *s" if limit == "yaml-aliases" else "&a x, &b y, &c z"
    four = three + (", *s" if limit == "yaml-aliases" else ", &d w")
    assert yaml_org(document.replace("{}", three))  # at the limit: read
    with pytest.raises(InputError) as info:
        yaml_org(document.replace("{}", four))
    assert (info.value.line, info.value.column) == (line, column)
    assert str(info.value) == f"org.yaml:{line}:{column}: {message}"


def test_a_recursive_alias_is_refused(yaml_reader: str) -> None:
    with pytest.raises(InputError, match=r"alias \*a is used inside the node it names") as info:
        yaml_org("organisation: {id: acme}\nloop: &a [x, *a]\n")
    assert (info.value.line, info.value.column) == (2, 14)


def test_moderate_anchors_and_aliases_still_work(yaml_reader: str) -> None:
    """A register that shares a leverage assessment, a list of rights and a merged block between its records."""
    org = yaml_org(
        "organisation: {id: acme}\n"
        "impacts:\n"
        "  - &base {id: i1, rights: &rights [privacy, non-discrimination], attribution: contribute,\n"
        "           leverage: &lev {level: medium, mechanisms: [contractual-requirements]}}\n"
        "  - {id: i2, rights: *rights, attribution: directly-linked, leverage: *lev}\n"
        "  - <<: *base\n"
        "    id: i3\n"
        "mitigations: [{id: m1, addresses: [i1, i2, i3], actions: &acts [prevent, use-leverage]},\n"
        "              {id: m2, addresses: [i2], actions: *acts}]\n"
    )
    g = org.graph
    rights = {enum("right", "privacy"), enum("right", "non-discrimination")}
    for impact in (ACME.i1, ACME.i2, ACME.i3):
        assert set(g.objects(impact, H.affectsRight)) == rights
        leverage = only(g, impact, H.leverage)
        assert only(g, leverage, H.leverageLevel) == enum("leverage-level", "medium")
    assert only(g, ACME.i2, H.attribution) == enum("attribution", "directly-linked")
    assert only(g, ACME.i3, H.attribution) == enum("attribution", "contribute")
    actions = {enum("action", "prevent"), enum("action", "use-leverage")}
    assert set(g.objects(ACME.m1, H.action)) == actions
    assert set(g.objects(ACME.m2, H.action)) == actions


def _positions(data: Any, locator: Any) -> dict[tuple[Any, ...], Any]:
    """Every container's recorded positions, by its path in the document."""
    out: dict[tuple[Any, ...], Any] = {}
    todo: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while todo:
        value, path = todo.pop()
        if isinstance(value, dict | list) and len(path) < 12:
            out[(*path, "start")] = locator.starts.get(id(value))
            out[(*path, "at")] = (
                locator.keys.get(id(value)) if isinstance(value, dict) else locator.items.get(id(value))
            )
            todo += [(v, (*path, k)) for k, v in (value.items() if isinstance(value, dict) else enumerate(value))]
    return out


YAML_SAMPLES = [
    "a: &x {b: 1}\nc: *x\nd: [*x, *x]\n",
    "a: 1\nb: 2.5\nc: true\nd: ~\ne: 2020-01-02\nf: !!str 12\ng: !!binary aGVsbG8=\nh: 0x1F\ni: .inf\nj: Off\n",
    "? a\n: b\n1: x\nnull: y\na: again\n",
    "a: &s text\nb: *s\n*s : c\n",
    "a: 'quoted: x'\nb: \"esc\\u00e9\"\nc: |\n  block\n  text\nd: >-\n  folded\n  text\n",
    "- [a, b]\n- {c: d}\n- - nested\n  - - deeper\n",
    "name: caf\u00e9 \u00fc\nlist: [\u00f6, {\u00e4: 1}, \u4e2d\u6587]\n",
    "# only a comment\n",
    "",
]


@pytest.mark.parametrize(
    "text",
    [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.parent.rglob("*.yaml"))]
    + [p.read_text(encoding="utf-8") for p in sorted((resources().data / "examples").glob("*.yaml"))]
    + YAML_SAMPLES,
)
def test_fast_yaml_reader_gives_the_reference_data_and_positions(text: str) -> None:
    fast = _yaml._load_yaml_fast(text, "org.yaml")
    assert fast is not None
    loader = _yaml._Loader(text, "org.yaml")
    try:
        reference = loader.get_single_data(), loader.locator
    finally:
        loader.dispose()
    assert fast[0] == reference[0]
    assert _positions(*fast) == _positions(*reference)


@pytest.mark.parametrize(
    "text", ["<<: {a: 1}\n", "a: !!set {x, y}\n", "a: 1\n---\nb: 2\n", "a: [\n", "a: *nowhere\n", "a: &x 1\nb: &x 2\n"]
)
def test_fast_yaml_reader_leaves_the_rest_to_the_reference(text: str) -> None:
    assert _yaml._load_yaml_fast(text, "org.yaml") is None


# -- local ids ------------------------------------------------------------------------------------------------


def test_local_ids_round_trip(example: OrgData) -> None:
    assert local_id(ACME.i1, example) == "i1"
    assert local_id(ORG, example) == "acme"
    assert example.local_id(str(ACME.m1)) == "m1"
    assert example.iri("i1") == ACME.i1
    assert local_id(enum("right", "privacy"), example) == f"{B}right/privacy"


@pytest.mark.parametrize(
    ("written", "iri"),
    [
        ("my impact/1", ACME["my%20impact%2F1"]),
        ("..", ACME["%2E%2E"]),
        ("50%", ACME["50%25"]),
        ("#frag?q", ACME["%23frag%3Fq"]),
        ("https://example.org/impact/1", URIRef("https://example.org/impact/1")),
    ],
)
def test_awkward_ids_become_one_path_segment(written: str, iri: URIRef) -> None:
    org = yaml_org(f"organisation: {{id: acme}}\nimpacts: [{{id: {json.dumps(written)}}}]\n")
    assert (ORG, H.hasImpact, iri) in org.graph
    assert local_id(iri, org) == written


def test_records_without_id_get_one_from_their_place() -> None:
    org = yaml_org("organisation: {id: acme}\nimpacts: [{id: i1}, {description: no id}]\n", source="dir/reg.yaml")
    impacts = set(org.graph.objects(ORG, H.hasImpact))
    assert {local_id(i, org) for i in impacts} == {"i1", "reg.yaml:impacts[1]"}


def test_organisation_given_as_full_iri() -> None:
    org = yaml_org("organisation: {id: 'https://example.org/acme'}\nimpacts: [{id: i1}]\n")
    acme = URIRef("https://example.org/acme")
    assert org.organisations == (acme,)
    assert (acme, H.hasImpact, URIRef("https://example.org/acme/i1")) in org.graph
    assert local_id(acme, org) == "https://example.org/acme"
    assert local_id(URIRef("https://example.org/acme/i1"), org) == "i1"


def test_organisation_id_must_be_a_slug() -> None:
    with pytest.raises(InputError, match="neither a slug nor a full IRI") as info:
        yaml_org("organisation:\n  id: ../../etc\n")
    assert (info.value.line, info.value.column) == (2, 7)


# -- unusable input: exit 2 with file, line, column and a hint ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "line", "column"),
    [
        ("flow.yaml", "organisation: {id: acme\nimpacts:\n  - id: i1\n", 2, 8),
        ("indent.yaml", "impacts:\n  - id: i1\n   rights: [x]\n", 3, 4),
        ("tab.yaml", "impacts:\n\t- id: i1\n", 2, 1),
        # Python 3.13's JSON reader points at the trailing comma itself, earlier ones at what follows it
        ("comma.json", '{"organisation": {"id": "acme",}\n}', 1, 31 if sys.version_info >= (3, 13) else 32),
        ("lines.json", '{\n  "impacts": [\n    {"id": "i1"}\n    {"id": "i2"}\n  ]\n}\n', 4, 5),
        ("string.ttl", '@prefix h: <https://w3id.org/hrkg#> .\n<http://e/a> h:b "x ;\n', 2, 18),
        ("object.nt", "<http://e/a> <http://e/b> <http://e/c> .\n<http://e/a> <http://e/b> c .\n", 2, 27),
        ("broken.jsonld", '{"@context": {}, "@id": "x"\n "y": 1}', 2, 2),
    ],
)
def test_syntax_errors_point_at_file_line_and_column(
    tmp_path: Path, name: str, text: str, line: int, column: int
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_organisation_files([path])
    err = info.value
    assert (err.source, err.line, err.column) == (str(path), line, column)
    assert str(err).startswith(f"{path}:{line}:{column}: cannot parse")
    assert "position" in err.hint
    assert err.exit_code == 2


def test_not_utf8_points_at_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("organisation: {id: acme, name: caf\xe9}\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8") as info:
        load_organisation_files([path])
    assert (info.value.line, info.value.column) == (1, 35)


@pytest.mark.parametrize(
    ("text", "media_type"),
    [("- id: i1\n- id: i2\n", "application/yaml"), ('[{"id": "i1"}]', "application/json")],
)
def test_top_level_list_is_refused_with_a_hint(text: str, media_type: str) -> None:
    with pytest.raises(InputError, match="top level of the document is a list") as info:
        parse_organisation_text(text, media_type=media_type, source="list")
    assert "organisation" in info.value.hint
    assert "impacts" in info.value.hint
    assert (info.value.line, info.value.column) == (1, 1)


@pytest.mark.parametrize(
    ("text", "where", "line", "column"),
    [
        ("impacts:\n  - id: i1\n    leverage: medium\n", "impacts[0].leverage", 3, 15),
        ("impacts:\n  - id: i1\n    deferred: later\n", "impacts[0].deferred", 3, 15),
        ("mitigations:\n  - id: m1\n    indicators: [x]\n", "mitigations[0].indicators[0]", 3, 18),
        ("tensions: [{id: t1, counterbalancing: yes}]\n", "tensions[0].counterbalancing", 1, 39),
        ("impacts: [i1, i2]\n", "impacts[0]", 1, 11),
        ("organisation: acme\n", "organisation", 1, 15),
    ],
)
def test_unusable_structure_names_the_path(text: str, where: str, line: int, column: int) -> None:
    with pytest.raises(InputError, match=r"expected a mapping") as info:
        yaml_org(text)
    assert str(info.value).startswith(f"org.yaml:{line}:{column}: {where}:")
    assert info.value.hint.startswith("write it as")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("a: 1\n---\nb: 2\n", "single document"),
        ("a: !!python/object/apply:os.system [ls]\n", "constructor"),
    ],
)
def test_other_unreadable_yaml(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        yaml_org(text)


def test_unsupported_file_type_and_media_type(tmp_path: Path) -> None:
    path = tmp_path / "org.csv"
    path.write_text("id\n", encoding="utf-8")
    with pytest.raises(InputError, match="unsupported file type"):
        load_organisation_files([path])
    with pytest.raises(InputError, match="not found"):
        load_organisation_files([tmp_path / "missing.yaml"])
    with pytest.raises(InputError, match="unsupported media type"):
        parse_organisation_text("", media_type="text/csv", source="request")
    assert set(MEDIA_TYPES) >= {
        "application/yaml",
        "application/json",
        "application/ld+json",
        "text/turtle",
        "application/n-triples",
        "application/rdf+xml",
    }


# -- nothing is fetched ---------------------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record (and block) any attempt to open a connection; the test asserts the list stays empty."""
    attempts: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(repr(args))
        raise OSError("network access in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    return attempts


@pytest.mark.parametrize(
    ("doc", "media_type"),
    [
        ({"@context": "https://example.org/context.jsonld", "@id": "https://e/x"}, "application/ld+json"),
        ({"@context": ["https://example.org/context.jsonld"], "organisation": {"id": "a"}}, "application/json"),
        ({"@context": {"@import": "https://example.org/c.jsonld"}, "@id": "https://e/x"}, "application/ld+json"),
        (
            {"@context": {"p": {"@id": "https://e/p", "@context": "https://example.org/scoped"}}, "@id": "https://e/"},
            "application/ld+json",
        ),
        ({"@id": "https://e/x", "https://e/p": {"@context": "https://example.org/c", "@id": "https://e/y"}}, None),
    ],
)
def test_remote_contexts_are_refused_not_fetched(
    no_network: list[str], doc: dict[str, Any], media_type: str | None
) -> None:
    with pytest.raises(InputError, match="not fetched") as info:
        parse_organisation_text(json.dumps(doc), media_type=media_type or "application/ld+json", source="doc")
    assert CONTEXT_URL in info.value.hint
    assert no_network == []


def test_section3_yaml_with_a_foreign_context_is_refused(no_network: list[str]) -> None:
    with pytest.raises(InputError, match="no @context of its own"):
        yaml_org("'@context': https://example.org/c\norganisation: {id: acme}\n")
    assert no_network == []


def test_hrkg_context_url_uses_the_bundled_copy(no_network: list[str], example: OrgData) -> None:
    assert isomorphic(load_organisation_files([FIXTURES / "example-section3.jsonld"]).graph, example.graph)
    assert no_network == []


# -- RDF/XML never resolves entities --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        '<!doctype rdf:RDF SYSTEM "https://example.org/evil.dtd">',
        '<!ENTITY x "y">',
    ],
)
def test_rdfxml_with_entities_is_refused(tmp_path: Path, no_network: list[str], prolog: str) -> None:
    path = tmp_path / "evil.rdf"
    path.write_text(
        '<?xml version="1.0"?>\n'
        f"{prolog}\n"
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about="https://e/x"/>\n'
        "</rdf:RDF>\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="refused") as info:
        load_organisation_files([path])
    assert (info.value.source, info.value.line, info.value.column) == (str(path), 2, 1)
    assert no_network == []


# -- the context itself ---------------------------------------------------------------------------------------


def test_context_covers_every_section3_key() -> None:
    ctx = context()
    scoped = [ctx[cls]["@context"] for cls in ("Impact", "Mitigation", "Indicator", "RightsTension")]
    keys = set(ctx).union(*scoped)
    section3 = {
        "id", "name", "description", "roles", "systems", "impacts", "mitigations", "remedies", "riskAcceptances",
        "tensions", "system", "rights", "status", "severity", "attribution", "contributionFactors", "leverage",
        "level", "mechanisms", "deferred", "rationale", "kind", "category", "addresses", "actions", "owner",
        "indicators", "source", "risksAssessed", "introducesRisks", "integrationSteps", "for", "mechanism",
        "impact", "basis", "mitigation", "counterbalancing", "revertingToPrinciple", "legitimacy", "necessity",
        "proportionality", "nonDiscrimination", "outcome", "stakeholderEngagement",
    }  # fmt: skip
    assert section3 <= keys
    assert ctx["@version"] == 1.1
    text = json.dumps(ctx)
    assert "http://" not in text.replace("http://www.w3.org/", "").replace("http://purl.org/dc/terms/", "")


def test_context_properties_exist_in_the_ontology(kg: rdflib.Graph) -> None:
    """Every IRI the context maps a key or class to is declared by the ontology (no misspelt property)."""
    iris: set[str] = set()

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("@id"), str):
                iris.add(value["@id"])
            for v in value.values():
                collect(v)
        elif isinstance(value, list):
            for v in value:
                collect(v)

    collect(context())
    hrkg = {i for i in iris if i.startswith(str(H))}
    assert len(hrkg) > 40
    assert [i for i in sorted(hrkg) if (URIRef(i), RDF.type, None) not in kg] == []


# -- the direct conversion of section 3 documents ---------------------------------------------------------------

ODD_VALUES = """organisation:
  {id: ORG, roles: [deployer, 'urn:x:y', 'https://e.org/r/./x', Impact, 'a b', '..', '.', 'x:y']}
impacts:
  - {id: 'https://e.org/i/../j', rights: ['x/y', 'q?r#s', 'ü', status, '%41'], system: '..', status: 'https://h/./s'}
  - {id: '.', rights: [privacy], system: 'urn:a', leverage: [{level: high}, {}, null, {mechanisms: ['mailto:a@b']}]}
  - {id: '%2E', attribution: 'cause '}
  - {name: no id, description: 12, severity: 3, status: [[a]]}
mitigations:
  [{id: m1, risksAssessed: yes, addresses: ['i 1', 'https://e/x#frag'], indicators: [{name: x, kind: 'k k'}]},
  {id: m2, risksAssessed: '1', owner: true}, {id: m3, risksAssessed: false, name: {a: 1}}]
remedies: [{id: r1, for: [i1, ''], mechanism: '  spaced  '}]
tensions: [{id: t1, counterbalancing: {outcome: range, stakeholderEngagement: 'no', legitimacy: ''}}]
"""


@pytest.mark.parametrize(
    "text",
    [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*.yaml"))]
    + [p.read_text(encoding="utf-8") for p in sorted((resources().data / "examples").glob("*.yaml"))]
    + [ODD_VALUES.replace("ORG", org) for org in ("acme", "'https://example.org/acme'", "'http://e.org:8080/a/b/'")],
)
def test_direct_conversion_gives_the_json_ld_triples(text: str) -> None:
    """Section 3 documents are turned into triples directly; rdflib's JSON-LD processor, with the bundled context,
    gives the same graph for the reshaped document."""
    doc = reader._parse(text, "yaml", "org.yaml", base=None)
    assert isinstance(doc, model._Section3)
    org, namespace = doc.org or (URIRef(orgdata.ORG_BASE + "unnamed"), orgdata.ORG_BASE + "unnamed/")
    assert _reshape._plain_namespace(namespace)
    shaped = _reshape._Shaper(doc, _reshape._value_kinds()).jsonld(org, namespace)
    direct = _reshape._shaped_quads(shaped, namespace)
    reference = _rdf._to_quads(
        _jsonld._jsonld_to_graph(json.loads(json.dumps(shaped)), "org.yaml", base=namespace), "org.yaml"
    )
    assert isomorphic(OrgData(tuple(direct), (), {}).graph, OrgData(tuple(reference), (), {}).graph)


@pytest.mark.parametrize(
    "org_id", ["https://e.org/a/../b", "urn:x:y", "https://e.org/o#", "https://e.org/a/b?q=1/", "tag:e.org,2020:o"]
)
def test_other_namespaces_go_through_json_ld(org_id: str) -> None:
    """Organisation IRIs that JSON-LD resolves local ids against in other ways than appending them keep rdflib's
    resolution (``https://e.org/a/../b`` -> records under ``https://e.org/b/``)."""
    assert not _reshape._plain_namespace(_reshape._organisation_iri(org_id, "org.yaml", None)[1])
