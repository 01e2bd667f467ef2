"""The reference engine: pySHACL over the organisation's triples plus the knowledge graph, one focus node at a
time."""

from __future__ import annotations

from collections.abc import Sequence

import rdflib
from rdflib.namespace import RDF, SH

from hrkg.errors import ResourceError
from hrkg.orgdata import OrgData
from hrkg.store import Store
from hrkg.validation._messages import render_message
from hrkg.validation.model import RawResult
from hrkg.validation.rules import Rule, shapes_graph


def evaluate(data: OrgData, store: Store, all_rules: Sequence[Rule]) -> list[RawResult]:
    from pyshacl import validate as pyshacl_validate

    by_shape = {r.shape: r for r in all_rules}
    graph = rdflib.Graph()
    graph += store.memo("kg-rdflib", store.to_rdflib)
    graph += data.graph
    _conforms, report, _text = pyshacl_validate(
        graph, shacl_graph=shapes_graph(), inference="none", allow_warnings=True, advanced=False
    )
    if not isinstance(report, rdflib.Graph):
        raise ResourceError("pySHACL gave no report graph", hint="check the pySHACL version")
    out = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        shape = str(report.value(result, SH.sourceShape))
        rule = by_shape.get(shape)
        if rule is None:
            continue
        node = str(report.value(result, SH.focusNode))
        term = report.value(result, SH.value)
        value = _projected_value(rule, node, term)
        path = report.value(result, SH.resultPath)
        values = {"this": node}
        if value is not None:
            values["value"] = value
        out.append(
            RawResult(
                shape=shape,
                node=node,
                value=value,
                value_is_iri=value is not None and isinstance(term, rdflib.URIRef),
                path=str(path) if isinstance(path, rdflib.URIRef) else None,
                message=render_message(rule.message, values, data),
            )
        )
    return out


def _projected_value(rule: Rule, node: str, value: object) -> str | None:
    """pySHACL reports the focus node as sh:value when the query projects no ?value (SHACL 5.3.2); drop that."""
    if value is None or ("?value" not in rule.select and str(value) == node):
        return None
    return str(value)
