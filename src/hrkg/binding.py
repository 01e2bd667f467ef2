"""Bind values into a SPARQL query as RDF terms, through a ``VALUES`` block.

The block is built from each term's N-Triples form (which escapes quotes, backslashes and newlines), so a value can
never change the query's structure, and it is placed at the start of the query's outermost WHERE group, so filters
and joins in that group see the bound value. Unlike engine-specific substitutions this is plain SPARQL 1.1 and
works the same on the embedded store and on any remote endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

import pyoxigraph as ox
import rdflib

from hrkg.errors import QuerySyntaxError

_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_IRI = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_WORD = re.compile(r"[?$]?[A-Za-z_][A-Za-z0-9_\-]*(:[A-Za-z0-9_\-.]*)?|[A-Za-z0-9_\-]*:[A-Za-z0-9_\-.]*")
_FORMS = ("select", "construct", "ask", "describe")

BindingValue = rdflib.term.Identifier | ox.NamedNode | ox.BlankNode | ox.Literal


def term_to_sparql(term: BindingValue) -> str:
    """The term in N-Triples syntax (valid in SPARQL VALUES); blank nodes cannot be bound."""
    if isinstance(term, rdflib.BNode | ox.BlankNode):
        raise QuerySyntaxError("a blank node cannot be bound as a query value", hint="bind an IRI or a literal")
    if isinstance(term, rdflib.URIRef | rdflib.Literal):
        return term.n3()
    if isinstance(term, ox.NamedNode | ox.Literal):
        return str(term)
    raise TypeError(f"cannot bind {term!r}: not an RDF term")


def tokens(query: str) -> Iterator[tuple[int, str]]:
    """Keywords and brackets of a query with their positions, skipping comments, IRIs, strings and variables."""
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c == "#":
            end = query.find("\n", i)
            i = n if end < 0 else end + 1
        elif c == "<" and (m := _IRI.match(query, i)):
            i = m.end()
        elif c in "\"'":
            quote = query[i : i + 3] if query[i : i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and not query.startswith(quote, j):
                j += 2 if query[j] == "\\" else 1
            i = j + len(quote)
        elif m := _WORD.match(query, i):
            if c.isalpha():
                yield i, m.group(0).lower()
            i = m.end()
        else:
            if c in "{}()[]":
                yield i, c
            i += 1


def where_brace(query: str) -> int:
    """Index of the ``{`` that opens the outermost WHERE group; -1 if there is none."""
    form = ""
    after_where = False
    for i, word in tokens(query):
        if not form and word in _FORMS:
            form = word
        elif form and word == "where":
            after_where = True
        elif form and word == "{" and (after_where or form != "construct"):
            return i  # a CONSTRUCT's own template { ... } comes before WHERE and is skipped
    return -1


def bind(query: str, bindings: Mapping[str, BindingValue]) -> str:
    """``query`` with ``bindings`` joined in as a one-row VALUES block at the start of its WHERE group."""
    if not bindings:
        return query
    for name in bindings:
        if not _VARIABLE.match(name):
            raise QuerySyntaxError(f"{name!r} is not a SPARQL variable name", hint="use letters, digits and _")
    brace = where_brace(query)
    if brace < 0:
        raise QuerySyntaxError(
            "cannot bind values: the query has no WHERE group", hint="write the query with a WHERE { ... } clause"
        )
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(term_to_sparql(term) for term in bindings.values())
    block = f" VALUES ({names}) {{ ({values}) }} "
    return query[: brace + 1] + block + query[brace + 1 :]
