"""The fast engine: each shape's SPARQL constraint evaluated once for all focus nodes on an in-memory Oxigraph
store. ``$this`` becomes a variable joined with the shape's target class, and ``FILTER NOT EXISTS`` becomes ``MINUS``
(the shapes are written so that the two are equivalent; tests require identical findings from both engines)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pyoxigraph as ox
from rdflib.namespace import RDF

from hrkg.binding import where_brace
from hrkg.errors import ResourceError
from hrkg.orgdata import OrgData
from hrkg.store import Store
from hrkg.validation._messages import lexical, render_message
from hrkg.validation.model import RawResult
from hrkg.validation.rules import Rule

_NOT_EXISTS = re.compile(r"FILTER\s+NOT\s+EXISTS", re.IGNORECASE)


_THIS = re.compile(r"\$this\b")


_TARGET = "hrkgTarget"


def setwise_query(group: Sequence[Rule]) -> str:
    """One set-wise query for rules that share their SELECT (and so differ only in target class): ``?this`` ranges
    over the instances of every target class, projected as ``?hrkgTarget`` to tell the rules apart."""
    first = group[0]
    text = _NOT_EXISTS.sub("MINUS", _THIS.sub("?this", first.select))
    brace = where_brace(text)
    if brace < 0:
        raise ResourceError(
            f"shape {first.shape}: its SELECT has no WHERE group",
            hint="the product's rule shapes are broken: fix the shape in shapes/ (or reinstall hrkg)",
        )
    targets = " ".join(f"<{r.target}>" for r in group)
    pattern = f" VALUES ?{_TARGET} {{ {targets} }} ?this <{RDF.type}> ?{_TARGET} . "
    head = re.sub(r"SELECT\s+DISTINCT\s+\?this", f"SELECT DISTINCT ?this ?{_TARGET}", text[: brace + 1], count=1)
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in first.prefixes)
    return prologue + head + pattern + text[brace + 1 :]


def _kg_quads(store: Store) -> list[ox.Quad]:
    return store.memo("kg-quads", lambda: [ox.Quad(t.subject, t.predicate, t.object) for t in store.triples()])


def workspace(data: OrgData, store: Store) -> ox.Store:
    """A private in-memory store with the knowledge graph and the organisation's triples (nothing else changes)."""
    scratch = ox.Store()
    scratch.extend(_kg_quads(store))
    scratch.extend(data.quads)
    return scratch


def evaluate(data: OrgData, scratch: ox.Store, all_rules: Sequence[Rule]) -> list[RawResult]:
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
            values = {n: lexical(solution[n]) for n in names if solution[n] is not None}
            rule = by_target[values.pop(_TARGET)]
            value = solution["value"] if "value" in names else None
            path = solution["path"] if "path" in names else None
            out.append(
                RawResult(
                    shape=rule.shape,
                    node=values["this"],
                    value=values.get("value"),
                    value_is_iri=isinstance(value, ox.NamedNode),
                    path=path.value if isinstance(path, ox.NamedNode) else None,
                    message=render_message(rule.message, values, data),
                )
            )
    return out
