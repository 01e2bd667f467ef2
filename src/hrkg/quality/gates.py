"""Quality gates for the knowledge graph: the meta shapes (shapes/meta/) and the *-violation queries (queries/qc/)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import rdflib
from rdflib.namespace import RDF, SH

from hrkg.errors import ResourceError
from hrkg.resources import turtle_graph
from hrkg.store import QueryResult, Store


@dataclass(frozen=True)
class MetaFinding:
    focus: str
    path: str
    message: str
    shape: str


@dataclass
class QualityReport:
    shape_findings: list[MetaFinding]
    query_findings: dict[str, QueryResult]
    #: OWL 2 DL profile violations; None when the check was not run
    profile_violations: list[str] | None = None

    @property
    def ok(self) -> bool:
        return (
            not self.shape_findings
            and not any(r.rows for r in self.query_findings.values())
            and not self.profile_violations
        )


def meta_shapes(shapes_dir: Path) -> rdflib.Graph:
    return turtle_graph(shapes_dir)


def check_shapes(graph: rdflib.Graph, shapes: rdflib.Graph) -> list[MetaFinding]:
    """Validate the knowledge graph against the meta shapes with pyshacl (the reference engine)."""
    from pyshacl import validate

    _conforms, report, _text = validate(graph, shacl_graph=shapes, advanced=True, inference="none", allow_warnings=True)
    if not isinstance(report, rdflib.Graph):
        raise ResourceError("pySHACL gave no report graph for the meta shapes", hint="check the pySHACL version")
    findings = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        findings.append(
            MetaFinding(
                focus=str(report.value(result, SH.focusNode)),
                path=str(report.value(result, SH.resultPath) or ""),
                message=str(report.value(result, SH.resultMessage) or ""),
                shape=str(report.value(result, SH.sourceShape) or ""),
            )
        )
    return sorted(findings, key=lambda f: (f.focus, f.path, f.message))


def check_queries(store: Store, qc_dir: Path) -> dict[str, QueryResult]:
    """Run every ``*-violation.rq``; each must return no rows."""
    return {p.stem: store.query(p.read_text(encoding="utf-8")) for p in sorted(qc_dir.glob("*-violation.rq"))}


def check(store: Store, *, profile: bool = True) -> QualityReport:
    """All gates; ``profile`` adds the OWL 2 DL profile check (needs a JDK)."""
    from hrkg.quality.profile import owl2_dl_violations

    res = store.resources
    graph = store.to_rdflib()
    return QualityReport(
        shape_findings=check_shapes(graph, meta_shapes(res.shapes / "meta")),
        query_findings=check_queries(store, res.queries / "qc"),
        profile_violations=owl2_dl_violations(graph) if profile else None,
    )
