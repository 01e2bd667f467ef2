"""Check organisation data against the guide: the SHACL shapes in shapes/ are the single source of the rules.

Two engines evaluate the same shapes:

``pyshacl``
    the reference: pySHACL over the organisation's triples plus the knowledge graph, one focus node at a time.
``fast`` (default)
    each shape's SPARQL constraint evaluated once for all focus nodes on an in-memory Oxigraph store: ``$this``
    becomes a variable joined with the shape's target class, and ``FILTER NOT EXISTS`` becomes ``MINUS`` (the
    shapes are written so that the two are equivalent; tests require identical findings from both engines).

Validation never changes any stored graph: it works on a private copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH

from hrkg.binding import where_brace
from hrkg.errors import HrkgError
from hrkg.namespaces import HRKG, shorten
from hrkg.orgdata import OrgData
from hrkg.resources import resources, turtle_graph
from hrkg.store import Store

Severity = Literal["violation", "warning", "info"]
Engine = Literal["fast", "pyshacl"]
SEVERITY_ORDER: dict[str, int] = {"violation": 0, "warning": 1, "info": 2}
_SEVERITIES: dict[rdflib.URIRef, Severity] = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
_PLACEHOLDER = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")
_NOT_EXISTS = re.compile(r"FILTER\s+NOT\s+EXISTS", re.IGNORECASE)
_THIS = re.compile(r"\$this\b")


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


_TARGET = "hrkgTarget"


def setwise_query(group: Sequence[Rule]) -> str:
    """One set-wise query for rules that share their SELECT (and so differ only in target class): ``?this`` ranges
    over the instances of every target class, projected as ``?hrkgTarget`` to tell the rules apart."""
    first = group[0]
    text = _NOT_EXISTS.sub("MINUS", _THIS.sub("?this", first.select))
    brace = where_brace(text)
    if brace < 0:
        raise HrkgError(f"shape {first.shape}: its SELECT has no WHERE group", hint="fix the shape")
    targets = " ".join(f"<{r.target}>" for r in group)
    pattern = f" VALUES ?{_TARGET} {{ {targets} }} ?this <{RDF.type}> ?{_TARGET} . "
    head = re.sub(r"SELECT\s+DISTINCT\s+\?this", f"SELECT DISTINCT ?this ?{_TARGET}", text[: brace + 1], count=1)
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in first.prefixes)
    return prologue + head + pattern + text[brace + 1 :]


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    focus: str
    message: str
    source: tuple[str, ...]
    node: str
    value: str | None = None
    suggestions: tuple[str, ...] = ()

    def key(self) -> tuple[str, str, str, str]:
        """What identifies a finding (used to compare engines)."""
        return (self.rule, self.severity, self.node, self.value or "")


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    sources: tuple[str, ...] = ()

    @property
    def conforms(self) -> bool:
        return not any(f.severity == "violation" for f in self.findings)

    def at_least(self, severity: Severity) -> Report:
        """Only the findings at least as severe as ``severity``."""
        limit = SEVERITY_ORDER[severity]
        return Report([f for f in self.findings if SEVERITY_ORDER[f.severity] <= limit], self.sources)


# -- reading the rules ----------------------------------------------------------------------------------------


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
            raise HrkgError(f"shape {shape} needs one sh:targetClass and one sh:sparql", hint="fix the shape")
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


# -- engines --------------------------------------------------------------------------------------------------


def _lexical(term: object) -> str:
    if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode):
        return term.value
    return str(term)


def _display(value: str, data: OrgData) -> str:
    """A value as the user wrote it: a local id, or a catalogue IRI as ``scheme:id``."""
    local = data.local_id(value)
    if local != value:
        return local
    return shorten(value) if value.startswith(("http://", "https://")) else value


def _render(template: str, values: dict[str, str], data: OrgData) -> str:
    return _PLACEHOLDER.sub(
        lambda m: _display(values[m.group(1)], data) if m.group(1) in values else m.group(0), template
    )


def _kg_quads(store: Store) -> list[ox.Quad]:
    return store.memo("kg-quads", lambda: [ox.Quad(t.subject, t.predicate, t.object) for t in store.triples()])


def workspace(data: OrgData, store: Store) -> ox.Store:
    """A private in-memory store with the knowledge graph and the organisation's triples (nothing else changes)."""
    scratch = ox.Store()
    scratch.extend(_kg_quads(store))
    scratch.extend(data.quads)
    return scratch


def _fast(data: OrgData, scratch: ox.Store, all_rules: Sequence[Rule]) -> list[tuple[Rule, str, str | None, str]]:
    groups: dict[tuple[str, tuple[tuple[str, str], ...], int], list[Rule]] = {}
    for rule in all_rules:
        n = 0  # rules that share a query are told apart by target class, so a group never repeats one
        while any(r.target == rule.target for r in groups.get((rule.select, rule.prefixes, n), [])):
            n += 1
        groups.setdefault((rule.select, rule.prefixes, n), []).append(rule)
    out = []
    for group in groups.values():
        by_target = {r.target: r for r in group}
        solutions = scratch.query(setwise_query(group))
        assert isinstance(solutions, ox.QuerySolutions)
        names = [v.value for v in solutions.variables]
        for solution in solutions:
            values = {n: _lexical(solution[n]) for n in names if solution[n] is not None}
            rule = by_target[values.pop(_TARGET)]
            node = values["this"]
            out.append((rule, node, values.get("value"), _render(rule.message, values, data)))
    return out


def _pyshacl(data: OrgData, store: Store, all_rules: Sequence[Rule]) -> list[tuple[Rule, str, str | None, str]]:
    from pyshacl import validate as pyshacl_validate

    by_shape = {r.shape: r for r in all_rules}
    graph = rdflib.Graph()
    graph += store.memo("kg-rdflib", store.to_rdflib)
    graph += data.graph
    _conforms, report, _text = pyshacl_validate(
        graph, shacl_graph=shapes_graph(), inference="none", allow_warnings=True, advanced=False
    )
    assert isinstance(report, rdflib.Graph)
    out = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        shape = str(report.value(result, SH.sourceShape))
        rule = by_shape.get(shape)
        if rule is None:
            continue
        node = str(report.value(result, SH.focusNode))
        value = _projected_value(rule, node, report.value(result, SH.value))
        values = {"this": node}
        if value is not None:
            values["value"] = value
        out.append((rule, node, values.get("value"), _render(rule.message, values, data)))
    return out


def _projected_value(rule: Rule, node: str, value: object) -> str | None:
    """pySHACL reports the focus node as sh:value when the query projects no ?value (SHACL 5.3.2); drop that."""
    if value is None or ("?value" not in rule.select and str(value) == node):
        return None
    return str(value)


def validate(data: OrgData, *, store: Store, engine: Engine = "fast", suggest: bool = True) -> Report:
    """Every finding of the rule catalogue for ``data``; ``store`` holds the knowledge graph (it is not changed)."""
    all_rules = rules()
    # the private workspace serves the fast engine and the suggestions; pySHACL alone does not need it
    scratch = workspace(data, store) if engine == "fast" or suggest else None
    if engine == "fast" and scratch is not None:
        raw = _fast(data, scratch, all_rules)
    else:
        raw = _pyshacl(data, store, all_rules)
    findings = {}
    for rule, node, value, message in raw:
        finding = Finding(
            rule=rule.rule,
            severity=rule.severity,
            focus=data.local_id(node),
            message=message,
            source=tuple(_citations(store, rule.sources)),
            node=node,
            value=value,
        )
        findings[finding.key()] = finding
    ordered = sorted(findings.values(), key=lambda f: (SEVERITY_ORDER[f.severity], f.rule, f.focus, f.value or ""))
    report = Report(ordered, data.sources)
    if suggest and scratch is not None:
        from hrkg.suggest import add_suggestions

        report = add_suggestions(
            report, data=data, store=store, workspace=scratch, rules={r.rule: r for r in all_rules}
        )
    return report


def _citations(store: Store, sources: Iterable[str]) -> list[str]:
    return [_citation(store, s) for s in sources]


def _citation(store: Store, iri: str) -> str:
    def table() -> dict[str, str]:
        result = store.query("SELECT ?s ?c WHERE { ?s <https://w3id.org/hrkg#citation> ?c }")
        return {r["s"]: r["c"] for r in result.text_rows()}

    return store.memo("citations", table).get(iri, iri)
