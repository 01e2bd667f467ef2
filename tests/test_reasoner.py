"""HermiT over the ontology, guidance and catalogue: consistent, nothing unsatisfiable, and it classifies
organisation data into the defined classes the guide implies."""

from __future__ import annotations

import pytest
import rdflib
from rdflib.namespace import OWL, RDF

from hrkg.errors import JavaMissingError
from hrkg.reason import ReasonerReport, java_executable, reason

H = "https://w3id.org/hrkg#"
EX = "https://example.org/acme/"


@pytest.mark.slow
def test_graph_is_consistent_with_no_unsatisfiable_class(reasoner_report: ReasonerReport) -> None:
    assert reasoner_report.consistent, reasoner_report.explanation
    assert reasoner_report.unsatisfiable == []


def _members(report: ReasonerReport, cls: str) -> set[str]:
    return {ind.removeprefix(EX) for ind, c in report.inferred if c == H + cls and ind.startswith(EX)}


@pytest.mark.parametrize(
    ("cls", "expected"),
    [
        ("CausingActor", {"acme"}),
        ("ContributingActor", {"acme"}),
        ("LinkedActor", {"acme"}),
        ("CausedImpact", {"caused"}),
        ("ContributedImpact", {"contributed"}),
        ("DirectlyLinkedImpact", {"linked"}),
        ("ActualImpact", {"caused"}),
        ("PotentialImpact", {"linked"}),
        ("ImpactRequiringCessationOrPrevention", {"caused", "contributed"}),
        ("ImpactRequiringRemedy", {"caused", "contributed"}),
        ("ImpactRequiringLeverage", {"contributed", "linked"}),
        ("RemedyingMitigation", {"m-remedy"}),
        ("RemedyProvision", {"m-remedy"}),
        ("LeverageUsingMitigation", {"m-leverage"}),
        ("UnacceptableRiskAcceptance", {"a-offset"}),
    ],
)
@pytest.mark.slow
def test_defined_classes_classify_organisation_data(
    reasoner_report: ReasonerReport, cls: str, expected: set[str]
) -> None:
    assert _members(reasoner_report, cls) == expected


def test_inconsistency_is_reported_not_raised() -> None:
    g = rdflib.Graph()
    a, b = rdflib.URIRef(H + "TestA"), rdflib.URIRef(H + "TestB")
    x = rdflib.URIRef("https://example.org/x")
    for c in (a, b):
        g.add((c, RDF.type, OWL.Class))
    g.add((a, OWL.disjointWith, b))
    g.add((x, RDF.type, OWL.NamedIndividual))
    g.add((x, RDF.type, a))
    g.add((x, RDF.type, b))
    report = reason(g)
    assert report.consistent is False


def test_missing_java_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(JavaMissingError) as info:
        java_executable()
    assert "Java" in info.value.message
    assert "apt-get install" in info.value.hint
