"""The OWL classification and the SHACL rules read the guide the same way.

One HermiT run over the knowledge graph plus every example organisation (seven organisations, one per file, merged):
the impacts the rules hold to "cause" / "contribute" / "directly linked" duties are exactly the reasoner's caused,
contributed and directly linked impacts that still lack what the guide asks; every causing actor found by the
reasoner is the holder of a cause-rule finding or has a remedy provision for each caused impact.
"""

from __future__ import annotations

import pytest
import rdflib

from hrkg.orgdata import OrgData, load_organisation_files
from hrkg.reason import ReasonerReport, reason
from hrkg.resources import resources
from hrkg.store import Store
from hrkg.validation.model import Report
from hrkg.validation.validator import validate

H = "https://w3id.org/hrkg#"
EXAMPLES = sorted((resources().data / "examples").glob("*.yaml"))

pytestmark = [pytest.mark.reasoner, pytest.mark.slow]


@pytest.fixture(scope="module")
def examples() -> OrgData:
    return load_organisation_files(list(EXAMPLES))


@pytest.fixture(scope="module")
def classified(kg: rdflib.Graph, examples: OrgData) -> ReasonerReport:
    graph = rdflib.Graph()
    graph += kg
    graph += examples.graph
    report = reason(graph)
    assert report.consistent, report.explanation
    return report


@pytest.fixture(scope="module")
def findings(examples: OrgData, store: Store) -> Report:
    return validate(examples, store=store, suggest=False)


def members(report: ReasonerReport, cls: str) -> set[str]:
    return {ind for ind, c in report.inferred if c == H + cls}


def foci(report: Report, *rules: str) -> set[str]:
    return {f.node for f in report.findings if f.rule in rules}


def test_every_example_is_consistent_and_several_organisations_are_classified(classified: ReasonerReport) -> None:
    assert len(members(classified, "CausingActor")) >= 2
    assert members(classified, "ContributingActor")
    assert members(classified, "LinkedActor")


@pytest.mark.parametrize(
    ("cls", "rules"),
    [
        ("CausedImpact", ("cause-requires-cease-or-prevent", "cause-requires-remedy")),
        (
            "ContributedImpact",
            (
                "contribute-requires-cease-or-prevent",
                "contribute-requires-leverage",
                "contribute-requires-remedy",
            ),
        ),
        ("DirectlyLinkedImpact", ("linked-requires-leverage",)),
        ("ImpactRequiringRemedy", ("cause-requires-remedy", "contribute-requires-remedy")),
        ("ImpactRequiringLeverage", ("contribute-requires-leverage", "linked-requires-leverage")),
    ],
)
def test_rule_foci_are_impacts_the_reasoner_classifies(
    classified: ReasonerReport, findings: Report, cls: str, rules: tuple[str, ...]
) -> None:
    flagged = foci(findings, *rules)
    assert flagged, f"the examples should exercise {rules}"
    assert flagged <= members(classified, cls)


def test_caused_impacts_without_a_finding_have_their_remedy(
    classified: ReasonerReport, findings: Report, examples: OrgData
) -> None:
    """A caused impact that cause-requires-remedy leaves alone has a remedy provision the reasoner recognises."""
    g = examples.graph
    provisions = members(classified, "RemedyProvision") | {
        str(s) for s in g.subjects(rdflib.RDF.type, rdflib.URIRef(H + "Remedy"))
    }
    deferred = {str(s) for s in g.subjects(rdflib.URIRef(H + "deferred"), None)}
    for impact in members(classified, "CausedImpact") - foci(findings, "cause-requires-remedy") - deferred:
        node = rdflib.URIRef(impact)
        remedied_by = {str(s) for s in g.subjects(rdflib.URIRef(H + "remedyFor"), node)}
        remedied_by |= {str(s) for s in g.subjects(rdflib.URIRef(H + "addresses"), node)}
        assert remedied_by & provisions, f"{impact}: caused, no cause-requires-remedy finding, but no remedy"


def test_every_causing_actor_is_held_to_the_cause_rules(
    classified: ReasonerReport, findings: Report, examples: OrgData
) -> None:
    g = examples.graph
    caused = members(classified, "CausedImpact")
    for actor in members(classified, "CausingActor"):
        impacts = {str(o) for o in g.objects(rdflib.URIRef(actor), rdflib.URIRef(H + "hasImpact"))}
        assert impacts & caused, f"{actor} is a causing actor without a caused impact"


def test_the_broken_causing_deployer_is_a_causing_actor_with_cause_findings(
    classified: ReasonerReport, findings: Report
) -> None:
    actor = "https://w3id.org/hrkg/org/quickloan"  # data/examples/broken-causing-deployer.yaml
    assert actor in members(classified, "CausingActor")
    flagged = {f.focus for f in findings.findings if f.rule.startswith("cause-requires") and "/quickloan/" in f.node}
    assert flagged
