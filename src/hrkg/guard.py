"""What a query may do here, decided on its parse tree before the engine sees it.

The guard parses every query and update with a SPARQL 1.1 parser of its own (:mod:`hrkg.sparql`: the
recommendation's grammar, longest-match tokens) and reads from the tree:

* every ``SERVICE`` clause, wherever it stands (subqueries, EXISTS / NOT EXISTS, OPTIONAL, UNION, MINUS, the WHERE
  of an update), with its endpoint resolved against the query's prefixes and base. A SERVICE makes the engine send
  a request to the endpoint it names, so only endpoints on an allowlist may be named; a variable endpoint
  (``SERVICE ?x``) is never allowed, since its value could be any host;
* every ``LOAD`` (it makes the engine fetch a URL; always refused);
* the graphs a query or update names for its dataset (``FROM``, ``FROM NAMED``, ``USING``, ``USING NAMED``,
  ``WITH``), which the engine looks up in the store and never fetches;
* how deeply the text nests (groups, brackets, parentheses), since the engine's own parser recurses per level.

It fails closed: text the guard cannot parse is refused, even where the engine would accept it (engine extensions
such as RDF-star are refused too). A second wall that does not depend on this one keeps the processes that run
queries from opening network connections when no endpoint is allowlisted (:mod:`hrkg.sandbox`).

:func:`outline` is a cheap pass over the keywords that the service uses to pick response formats and route
requests before a worker parses the query; it decides nothing about safety.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

from lark import Token, Tree

from hrkg.binding import tokens
from hrkg.errors import QueryRefusedError, QuerySyntaxError
from hrkg.sparql import SparqlParseError, parse

QUERY_FORMS = ("select", "construct", "ask", "describe")
UPDATE_KEYWORDS = frozenset({"insert", "delete", "load", "clear", "create", "drop", "copy", "move", "add", "with"})

#: deeper nesting than this is refused: no real query needs it, and the engine's parser recurses per level
MAX_DEPTH = 200

_OPENING = frozenset({"LPAR", "LBRACE", "LSQB"})
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_FORM_RULES = {
    "select_query": "select",
    "construct_query": "construct",
    "ask_query": "ask",
    "describe_query": "describe",
}


@dataclass(frozen=True)
class Reading:
    """What the parse tree of a query or update says it does."""

    #: ``select``, ``construct``, ``ask``, ``describe``, or ``update``
    form: str
    #: the endpoint of each SERVICE clause, in document order; ``None`` for a variable endpoint
    services: tuple[str | None, ...]
    #: the IRI of each LOAD
    loads: tuple[str, ...]
    #: the graphs named by FROM, FROM NAMED, USING, USING NAMED and WITH
    datasets: tuple[str, ...]
    #: how deeply groups, brackets and parentheses nest
    depth: int


class _Unresolvable(Exception):
    """An IRI the guard cannot resolve (undeclared prefix, bad escape)."""


def _iri_value(token: Token, prefixes: dict[str, str], base: str | None) -> str:
    if token.type == "IRIREF":
        try:
            text = _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), token.value[1:-1])
        except (ValueError, OverflowError):
            raise _Unresolvable(token.value) from None
        return urljoin(base, text) if base else text
    prefix, _, local = str(token.value).partition(":")
    if prefix not in prefixes:
        raise _Unresolvable(f"the prefix {prefix!r}: is not declared")
    return prefixes[prefix] + local.replace("\\", "")  # PN_LOCAL_ESC: the character without its backslash


def _token(node: Tree[Token], index: int) -> Token:
    child = node.children[index]
    if not isinstance(child, Token):
        raise _Unresolvable(f"{node.data} has no token at {index}")
    return child


def _read(tree: Tree[Token], form: str) -> Reading:
    prefixes: dict[str, str] = {}
    base: str | None = None
    services: list[str | None] = []
    loads: list[str] = []
    datasets: list[str] = []
    deepest = 0

    def iri_of(node: Tree[Token]) -> str:
        return _iri_value(_token(node, 0), prefixes, base)

    def first_iri(node: Tree[Token]) -> str:
        for child in node.children:
            if isinstance(child, Tree) and child.data == "iri":
                return iri_of(child)
        raise _Unresolvable(node.data)

    # pre-order, in document order, without recursion: prologues come before what they apply to
    stack: list[tuple[Tree[Token], int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if any(isinstance(c, Token) and c.type in _OPENING for c in node.children):
            depth += 1
            deepest = max(deepest, depth)
        rule = node.data
        if rule in _FORM_RULES:
            form = _FORM_RULES[rule]
        elif rule == "base_decl":
            base = _iri_value(_token(node, 1), prefixes, base)
        elif rule == "prefix_decl":
            prefixes[str(_token(node, 1).value)[:-1]] = _iri_value(_token(node, 2), prefixes, base)
        elif rule == "service_graph_pattern":
            target = next(c for c in node.children if isinstance(c, Tree) and c.data in ("var", "iri"))
            services.append(iri_of(target) if target.data == "iri" else None)
        elif rule == "load":
            loads.append(first_iri(node))
        elif rule in ("default_graph_clause", "named_graph_clause", "using_clause", "with_clause"):
            datasets.append(first_iri(node))
        stack.extend((c, depth) for c in reversed(node.children) if isinstance(c, Tree))
    return Reading(form, tuple(services), tuple(loads), tuple(datasets), deepest)


@lru_cache(maxsize=1024)
def read(sparql: str, *, update: bool = False) -> Reading:
    """The :class:`Reading` of a query (or, with ``update``, of an update request), from its parse tree.

    Raises :class:`QuerySyntaxError` for text that is not SPARQL 1.1, and :class:`QueryRefusedError` for one whose
    SERVICE or LOAD targets cannot be resolved. Cached: services see the same text again and again."""
    what = "update" if update else "query"
    try:
        tree = parse(sparql, update=update)
    except SparqlParseError as exc:
        other = "a query" if update else "an update"
        raise QuerySyntaxError(
            f"the SPARQL {what} does not parse (line {exc.line}, column {exc.column}): {exc}",
            hint=f"this server runs standard SPARQL 1.1 {what} text only (no engine extensions); "
            f"check the syntax near that point, and that this is not {other}",
        ) from None
    try:
        return _read(tree, "update" if update else "select")
    except _Unresolvable as exc:
        raise QueryRefusedError(
            f"the {what} names an IRI that cannot be resolved: {exc}",
            hint="declare every prefix you use, or write IRIs in full",
        ) from None


def _check(reading: Reading, allowlist: Collection[str], what: str) -> None:
    if reading.depth > MAX_DEPTH:
        raise QueryRefusedError(
            f"the {what} nests {reading.depth} levels deep; the limit is {MAX_DEPTH}",
            hint="flatten it: join patterns in one group, or use VALUES instead of nested alternatives",
        )
    if reading.loads:
        raise QueryRefusedError(
            f"LOAD is refused: this server does not fetch documents from the web (<{reading.loads[0]}>)",
            hint="parse the document locally and send its triples with INSERT DATA",
        )
    for target in reading.services:
        if target is None:
            raise QueryRefusedError(
                "SERVICE with a variable endpoint is refused: it could send a request to any host",
                hint="name the endpoint as an IRI; only endpoints on the service allowlist may be queried",
            )
        if target not in allowlist:
            allowed = ", ".join(sorted(allowlist)) or "none are configured (HRKG_SERVICE_ALLOWLIST)"
            raise QueryRefusedError(
                f"SERVICE <{target}> is refused: this server only sends requests to allowlisted endpoints",
                hint=f"allowed endpoints: {allowed}",
            )


def check_query(sparql: str, allowlist: Collection[str] = ()) -> Reading:
    """Parse a query and refuse it unless what it does is allowed; returns its :class:`Reading`."""
    reading = read(sparql)
    _check(reading, allowlist, "query")
    return reading


def check_update(sparql: str, allowlist: Collection[str] = ()) -> Reading:
    """Parse an update and refuse LOAD, SERVICE to endpoints not on the allowlist, and deep nesting."""
    reading = read(sparql, update=True)
    _check(reading, allowlist, "update")
    return reading


# -- hints for routing, not for safety -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outline:
    """What one pass over a query's keywords suggests: its form, and whether it looks like an update. Used to pick
    response formats and messages before a worker parses the query; never to decide what a query may do."""

    form: str | None
    update: bool


@lru_cache(maxsize=512)
def outline(sparql: str) -> Outline:
    """The :class:`Outline` of a query (cached: services see the same query text again and again)."""
    for _, token in tokens(sparql):
        if token in QUERY_FORMS:
            return Outline(token, False)
        if token in UPDATE_KEYWORDS:
            return Outline(None, True)
    return Outline(None, False)


def query_form(sparql: str) -> str | None:
    """``select``, ``construct``, ``ask`` or ``describe`` as the keywords suggest (a hint, see :class:`Outline`)."""
    return outline(sparql).form


def is_update(sparql: str) -> bool:
    """True when the first operation keyword is one of SPARQL Update's (a hint, see :class:`Outline`)."""
    return outline(sparql).update
