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

from collections.abc import Iterable

from hrkg.orgdata import OrgData
from hrkg.store import Store
from hrkg.validation.engines import pyshacl as reference
from hrkg.validation.engines import setwise
from hrkg.validation.engines.setwise import workspace
from hrkg.validation.model import SEVERITY_ORDER, Engine, Finding, RawResult, Report
from hrkg.validation.paths import as_written, format_key, full_path
from hrkg.validation.rules import Rule, rules


def validate(data: OrgData, *, store: Store, engine: Engine = "fast", suggest: bool = True) -> Report:
    """Every finding of the rule catalogue for ``data``; ``store`` holds the knowledge graph (it is not changed)."""
    all_rules = rules()
    # the private workspace serves the fast engine and the suggestions; pySHACL alone does not need it
    scratch = workspace(data, store) if engine == "fast" or suggest else None
    if engine == "fast" and scratch is not None:
        raw = setwise.evaluate(data, scratch, all_rules)
    else:
        raw = reference.evaluate(data, store, all_rules)
    by_shape = {r.shape: r for r in all_rules}
    findings = {}
    for result in raw:
        finding = _finding(by_shape[result.shape], result, data, store)
        findings[finding.key()] = finding
    ordered = sorted(
        findings.values(), key=lambda f: (SEVERITY_ORDER[f.severity], f.rule, f.focus, f.value or "", f.path or "")
    )
    report = Report(ordered, data.sources)
    if suggest and scratch is not None:
        from hrkg.validation.suggest import add_suggestions

        report = add_suggestions(report, data=data, store=store, workspace=scratch, rules=by_shape)
    return report


def _order(f: Finding) -> tuple[int, str, str, str, str]:
    return (SEVERITY_ORDER[f.severity], f.rule, f.focus, f.value or "", f.path or "")


def _finding(rule: Rule, result: RawResult, data: OrgData, store: Store) -> Finding:
    """The same finding whichever engine found it: the path is the shape's (hrkg:resultPath) or the projected one."""
    if result.path is not None:
        result_path = full_path(data, result.node, result.path, result.value)
    else:
        result_path = rule.result_path
    value = result.value
    return Finding(
        rule=rule.rule,
        severity=rule.severity,
        focus=data.local_id(result.node),
        message=result.message,
        source=tuple(_citations(store, rule.sources)),
        node=result.node,
        value=as_written(value, is_iri=result.value_is_iri, data=data) if value is not None else None,
        shape=rule.shape,
        value_node=value,
        value_is_iri=result.value_is_iri,
        path=format_key(result_path),
        result_path=result_path,
        source_iris=rule.sources,
    )


def _citations(store: Store, sources: Iterable[str]) -> list[str]:
    return [_citation(store, s) for s in sources]


def _citation(store: Store, iri: str) -> str:
    def table() -> dict[str, str]:
        result = store.query("SELECT ?s ?c WHERE { ?s <https://w3id.org/hrkg#citation> ?c }")
        return {r["s"]: r["c"] for r in result.text_rows()}

    return store.memo("citations", table).get(iri, iri)
