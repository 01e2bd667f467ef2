"""The rule catalogue as read from the shapes in shapes/ (one :class:`Rule` per shape that carries a rule id)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import rdflib
from rdflib.namespace import SH

from hrkg.errors import ResourceError
from hrkg.namespaces import HRKG
from hrkg.resources import resources, turtle_graph
from hrkg.validation.model import Severity

_SEVERITIES: dict[rdflib.URIRef, Severity] = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


@dataclass(frozen=True)
class Rule:
    """One shape of the rule catalogue, as read from shapes/."""

    shape: str
    rule: str
    severity: Severity
    target: str
    select: str
    message: str
    sources: tuple[str, ...]
    label: str
    action_rule: bool
    prefixes: tuple[tuple[str, str], ...]


@cache
def shapes_graph(shapes_dir: Path | None = None) -> rdflib.Graph:
    """The rule shapes (shapes/*.ttl; the meta shapes in shapes/meta/ check the knowledge graph, not organisations)."""
    return turtle_graph(shapes_dir or resources().shapes)


def _prefixes(g: rdflib.Graph, node: rdflib.term.Node) -> tuple[tuple[str, str], ...]:
    out = []
    for holder in g.objects(node, SH.prefixes):
        for decl in g.objects(holder, SH.declare):
            out.append((str(g.value(decl, SH.prefix)), str(g.value(decl, SH.namespace))))
    return tuple(sorted(set(out)))


@cache
def rules(shapes_dir: Path | None = None) -> tuple[Rule, ...]:
    g = shapes_graph(shapes_dir)
    found = []
    for shape in sorted(set(g.subjects(HRKG.ruleId, None)), key=str):
        constraint = g.value(shape, SH.sparql)
        target = g.value(shape, SH.targetClass)
        if constraint is None or target is None:
            raise ResourceError(f"shape {shape} needs one sh:targetClass and one sh:sparql", hint="fix the shape")
        found.append(
            Rule(
                shape=str(shape),
                rule=str(g.value(shape, HRKG.ruleId)),
                severity=_SEVERITIES[g.value(shape, SH.severity, default=SH.Violation)],  # type: ignore[index]
                target=str(target),
                select=str(g.value(constraint, SH.select)),
                message=str(g.value(constraint, SH.message) or g.value(shape, SH.message) or ""),
                sources=tuple(sorted(str(s) for s in g.objects(shape, rdflib.DCTERMS.source))),
                label=str(g.value(shape, rdflib.RDFS.label) or ""),
                action_rule=bool(g.value(shape, HRKG.actionRule)),
                prefixes=_prefixes(g, constraint),
            )
        )
    return tuple(found)
