"""The rule catalogue as read from the shapes in shapes/ (one :class:`Rule` per shape that carries a rule id)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import rdflib
import rdflib.collection
from rdflib.namespace import SH

from hrkg.errors import ResourceError
from hrkg.namespaces import HRKG
from hrkg.resources import resources, turtle_graph
from hrkg.validation.model import Severity

FIX_HINT = "the product's rule shapes are broken: fix the shape in shapes/ (or reinstall hrkg)"
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
    #: what the shape checks, in our words (rdfs:comment)
    description: str = ""
    #: hrkg:resultPath: the property path from the focus node to the values the rule is about, as a sequence of
    #: property IRIs (empty: none, or the constraint projects ?path per finding)
    result_path: tuple[str, ...] = ()
    #: how a finding's suggestions are found (hrkg:suggestion* annotations; see :mod:`hrkg.validation.suggest`)
    suggestion: Suggestion | None = None


@dataclass(frozen=True)
class Suggestion:
    """Where the suggestions of a rule's findings come from, as the shape says."""

    #: hrkg:suggestionQuery: the named query whose answer rows are the suggestions
    query: str | None = None
    #: hrkg:suggestionPart: only the rows whose ``part`` column has this value
    part: str | None = None
    #: hrkg:suggestionTemplate: how one row reads (``{?column}``, ``[? optional ?]``)
    template: str = ""
    #: hrkg:suggestionSkip: a property by which the focus node records answers already given (not suggested again)
    skip: str | None = None
    #: hrkg:suggestsCloseIds: suggest the catalogue ids spelt like the refused value
    close_ids: bool = False


@cache
def shapes_graph(shapes_dir: Path | None = None) -> rdflib.Graph:
    """The rule shapes (shapes/*.ttl; the meta shapes in shapes/meta/ check the knowledge graph, not organisations)."""
    return turtle_graph(shapes_dir or resources().shapes)


def _path(g: rdflib.Graph, shape: rdflib.term.Node) -> tuple[str, ...]:
    """hrkg:resultPath as a sequence of property IRIs (a property IRI, or an RDF list of them)."""
    path = g.value(shape, HRKG.resultPath)
    if path is None:
        return ()
    if isinstance(path, rdflib.URIRef):
        return (str(path),)
    steps = list(rdflib.collection.Collection(g, path))
    if not steps or not all(isinstance(s, rdflib.URIRef) for s in steps):
        raise ResourceError(f"shape {shape}: hrkg:resultPath must be a property IRI or a list of them", hint=FIX_HINT)
    return tuple(str(s) for s in steps)


def _suggestion(g: rdflib.Graph, shape: rdflib.term.Node) -> Suggestion | None:
    query = g.value(shape, HRKG.suggestionQuery)
    close = bool(g.value(shape, HRKG.suggestsCloseIds))
    if query is None and not close:
        return None
    template = g.value(shape, HRKG.suggestionTemplate)
    if query is not None and template is None:
        raise ResourceError(f"shape {shape}: hrkg:suggestionQuery needs an hrkg:suggestionTemplate", hint=FIX_HINT)
    part, skip = g.value(shape, HRKG.suggestionPart), g.value(shape, HRKG.suggestionSkip)
    return Suggestion(
        query=str(query) if query is not None else None,
        part=str(part) if part is not None else None,
        template=str(template or ""),
        skip=str(skip) if skip is not None else None,
        close_ids=close,
    )


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
            raise ResourceError(f"shape {shape} needs one sh:targetClass and one sh:sparql", hint=FIX_HINT)
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
                description=str(g.value(shape, rdflib.RDFS.comment) or ""),
                result_path=_path(g, shape),
                suggestion=_suggestion(g, shape),
            )
        )
    return tuple(found)
