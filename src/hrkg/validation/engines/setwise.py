"""The fast engine: each shape's SPARQL constraint evaluated once for all focus nodes on an in-memory Oxigraph
store. ``$this`` becomes a variable joined with the shape's target class, and ``FILTER NOT EXISTS`` becomes ``MINUS``
(see :func:`setwise_query`; tests require identical findings from both engines)."""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox
from rdflib.namespace import RDF

from hrkg.errors import ResourceError
from hrkg.orgdata import OrgData
from hrkg.sparql.lexer import LexError, tokenize
from hrkg.store import Store
from hrkg.validation._messages import lexical, render_message
from hrkg.validation.model import RawResult
from hrkg.validation.rules import Rule

_TARGET = "hrkgTarget"


def _shape_error(rule: Rule, what: str) -> ResourceError:
    return ResourceError(f"shape {rule.shape}: {what}", hint="fix the shape (shapes/ is part of hrkg)")


def setwise_query(group: Sequence[Rule]) -> str:
    """One set-wise query for rules that share their SELECT (and so differ only in target class): ``?this`` ranges
    over the instances of every target class, projected as ``?hrkgTarget`` to tell the rules apart.

    The rewrite works on the SPARQL tokens of the SELECT (comments, strings and IRIs are never touched): ``$this``
    becomes ``?this``; each ``FILTER NOT EXISTS`` becomes ``MINUS`` (equivalent under the conditions that
    tests/test_setwise_rewrite.py checks on every shape); the target class pattern opens the WHERE group."""
    first = group[0]
    text = first.select
    try:
        tokens = list(tokenize(text))
    except LexError as exc:
        raise _shape_error(first, f"its SELECT is not SPARQL at offset {exc.offset}: {exc}") from None
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in the original text
    for i, token in enumerate(tokens):
        end = token.start + len(token.value)
        if token.type == "VAR2" and token.value[1:] == "this":
            edits.append((token.start, end, "?this"))
        elif token.type == "FILTER" and [t.type for t in tokens[i + 1 : i + 3]] == ["NOT", "EXISTS"]:
            exists = tokens[i + 2]
            edits.append((token.start, exists.start + len(exists.value), "MINUS"))
    head = [t.type for t in tokens[:3]]
    if head != ["SELECT", "DISTINCT", tokens[2].type if len(tokens) > 2 else ""] or tokens[2].value[1:] != "this":
        raise _shape_error(first, "its SELECT must begin `SELECT DISTINCT $this`")
    this = tokens[2]
    edits.append((this.start + len(this.value), this.start + len(this.value), f" ?{_TARGET}"))
    brace = next((t for t in tokens if t.type == "LBRACE"), None)
    if brace is None:
        raise _shape_error(first, "its SELECT has no WHERE group")
    targets = " ".join(f"<{r.target}>" for r in group)
    pattern = f" VALUES ?{_TARGET} {{ {targets} }} ?this <{RDF.type}> ?{_TARGET} . "
    edits.append((brace.start + 1, brace.start + 1, pattern))
    out, at = [], 0
    for start, end, replacement in sorted(edits):
        out += [text[at:start], replacement]
        at = end
    out.append(text[at:])
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in first.prefixes)
    return prologue + "".join(out)


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
        if not isinstance(solutions, ox.QuerySolutions):
            raise _shape_error(group[0], "its query is not a SELECT")
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
