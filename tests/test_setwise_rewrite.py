"""The fast engine rewrites each shape's ``FILTER NOT EXISTS { P }`` into ``MINUS { P }``. The two differ in SPARQL
(section 8.3.3 of the recommendation): MINUS removes a solution only when P shares a variable with it and the shared
variables are bound on both sides, MINUS sees only the patterns before it in its group, and P under MINUS is
evaluated on its own (a filter inside P cannot see the outer solution). These tests read every shape's parse tree
and check the conditions under which the rewrite is equivalent, so that a new shape that breaks one fails here and
not silently in production. Planted shapes show that each condition is enforced."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from lark import Token, Tree

from hrkg.sparql import parse
from hrkg.validation.engines.setwise import setwise_query
from hrkg.validation.rules import Rule, rules

#: ``$this`` is bound before the group in both engines (pySHACL pre-binds it; the fast engine joins it first)
_PRE_BOUND = frozenset({"this"})
#: groups whose variables are certainly bound in every solution of the enclosing group
_REQUIRED_GROUP = "group_or_union_graph_pattern"


def _var_name(tree: Tree[Token]) -> str:
    token = tree.children[0]
    assert isinstance(token, Token)
    return str(token)[1:]


def _vars(node: Tree[Token] | Token) -> set[str]:
    if not isinstance(node, Tree):
        return set()
    return {_var_name(t) for t in node.iter_subtrees() if t.data == "var"}


def _subtrees(node: Tree[Token], name: str) -> Iterator[Tree[Token]]:
    return (t for t in node.iter_subtrees_topdown() if t.data == name)


def _group_sub(group: Tree[Token]) -> Tree[Token] | None:
    """The ``group_graph_pattern_sub`` of a ``group_graph_pattern`` (None for a sub-select)."""
    return next((c for c in group.children if isinstance(c, Tree) and c.data == "group_graph_pattern_sub"), None)


def _not_exists(child: Tree[Token]) -> Tree[Token] | None:
    """The group of ``FILTER NOT EXISTS { P }`` written as such (the token sequence the rewrite replaces)."""
    if child.data != "filter":
        return None
    call = child.children[1]
    if not (isinstance(call, Tree) and call.data == "built_in_call"):
        return None
    func = call.children[0]
    if not (isinstance(func, Tree) and func.data == "not_exists_func"):
        return None
    group = func.children[2]
    assert isinstance(group, Tree)
    return group


def _required(child: Tree[Token]) -> set[str]:
    """Variables a member of a group binds in every solution: triples, a plain nested group (not a UNION), BIND."""
    if child.data == "triples_block":
        return _vars(child)
    if child.data == _REQUIRED_GROUP and len(child.children) == 1:
        sub = _group_sub(child.children[0])  # type: ignore[arg-type]
        return set().union(*(_required(c) for c in sub.children if isinstance(c, Tree))) if sub else set()
    if child.data == "bind":
        return {_var_name(child.children[-2])}  # type: ignore[arg-type]
    return set()


def _parse(select: str, prefixes: tuple[tuple[str, str], ...] = ()) -> Tree[Token]:
    return parse("".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes) + select)


def problems(select: str, prefixes: tuple[tuple[str, str], ...] = ()) -> list[str]:
    """Why ``FILTER NOT EXISTS`` -> ``MINUS`` would change the answer of ``select`` (empty: it would not)."""
    tree = _parse(select, prefixes)
    where = next(_subtrees(tree, "group_graph_pattern_sub"))
    found = []
    for sub in _subtrees(tree, "group_graph_pattern_sub"):
        members = [c for c in sub.children if isinstance(c, Tree)]
        pre_bound = set(_PRE_BOUND) if sub is where else set()
        bound = set(pre_bound)
        for i, member in enumerate(members):
            group = _not_exists(member)
            if group is None:
                bound |= _required(member)
                continue
            inner = _group_sub(group)
            outer = pre_bound.union(*(_vars(m) for j, m in enumerate(members) if j != i))
            shared = _vars(group) & outer
            own = set().union(*(_required(c) for c in inner.children if isinstance(c, Tree))) if inner else set()
            expressions = set().union(*(_vars(t) for name in ("filter", "bind") for t in _subtrees(group, name)))
            if not shared:
                found.append("P shares no variable with its group, so MINUS would remove nothing")
            if shared - bound:
                found.append(f"?{', ?'.join(sorted(shared - bound))} not certainly bound before the FILTER")
            if shared - own:
                found.append(f"?{', ?'.join(sorted(shared - own))} not bound by P's own required patterns")
            if (expressions & outer) - own:
                found.append(f"a filter in P reads ?{', ?'.join(sorted((expressions & outer) - own))} from outside")
    return found


def _count_not_exists(tree: Tree[Token]) -> int:
    return sum(1 for t in tree.iter_subtrees() if _not_exists(t) is not None)


def _count_minus(tree: Tree[Token]) -> int:
    return sum(1 for _ in tree.find_data("minus_graph_pattern"))


SHAPES = rules()


@pytest.mark.parametrize("rule", SHAPES, ids=[r.shape.rsplit("/", 1)[-1] for r in SHAPES])
def test_each_not_exists_is_equivalent_to_minus(rule: Rule) -> None:
    """Every shape's FILTER NOT EXISTS meets the conditions under which MINUS gives the same solutions."""
    assert problems(rule.select, rule.prefixes) == []


@pytest.mark.parametrize("rule", SHAPES, ids=[r.shape.rsplit("/", 1)[-1] for r in SHAPES])
def test_the_rewrite_replaces_exactly_the_not_exists_filters(rule: Rule) -> None:
    """The set-wise query has one MINUS more per FILTER NOT EXISTS of the shape, parses, and runs on Oxigraph."""
    query = setwise_query([rule])
    original, rewritten = _parse(rule.select, rule.prefixes), parse(query)
    assert _count_minus(rewritten) - _count_minus(original) == _count_not_exists(original)
    assert _count_not_exists(rewritten) == 0
    assert "this" in _vars(next(_subtrees(rewritten, "select_clause")))
    assert isinstance(ox.Store().query(query), ox.QuerySolutions)


HEAD = "SELECT DISTINCT $this WHERE { "


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("$this <urn:p> ?x . FILTER NOT EXISTS { ?y <urn:q> ?z } }", "shares no variable"),
        ("FILTER NOT EXISTS { ?x <urn:q> ?z } $this <urn:p> ?x . }", "?x not certainly bound before the FILTER"),
        ("$this <urn:p> ?y . OPTIONAL { $this <urn:r> ?x } FILTER NOT EXISTS { ?x <urn:q> ?z } }", "?x not certainly"),
        ("$this <urn:p> ?x . FILTER NOT EXISTS { OPTIONAL { ?x <urn:q> ?z } } }", "not bound by P's own"),
        ("$this <urn:p> ?x . FILTER NOT EXISTS { $this <urn:q> ?z FILTER(?z = ?x) } }", "a filter in P reads ?x"),
    ],
    ids=["no-shared-variable", "bound-later", "bound-optionally", "optional-inside", "filter-reads-outside"],
)
def test_a_shape_that_breaks_a_condition_is_caught(body: str, why: str) -> None:
    """Each condition fires on a shape written to break it (so the check above can fail)."""
    found = problems(HEAD + body)
    assert any(why in p for p in found), found


def test_the_conditions_hold_for_the_way_shapes_are_written() -> None:
    """The usual shape: the focus, then a correlated NOT EXISTS over the focus (no problems)."""
    assert problems(HEAD + "$this <urn:p> ?x . FILTER NOT EXISTS { ?x <urn:q> ?z FILTER(?z != <urn:n>) } }") == []
