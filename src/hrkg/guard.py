"""What a query may do here, checked before it runs.

* The query form (SELECT, ASK, CONSTRUCT, DESCRIBE) decides which result formats fit; an update is not a query.
* A SERVICE clause makes the engine send a request to the endpoint it names. Only endpoints on an allowlist may be
  named; a variable endpoint (``SERVICE ?x``) is never allowed, since its value could be any host.
* ``LOAD`` makes the engine fetch a URL, so updates may not use it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

from hrkg.binding import tokens
from hrkg.errors import QueryRefusedError

QUERY_FORMS = ("select", "construct", "ask", "describe")
UPDATE_KEYWORDS = frozenset({"insert", "delete", "load", "clear", "create", "drop", "copy", "move", "add", "with"})


@dataclass(frozen=True)
class Outline:
    """What one pass over a query's keywords tells: its form, and whether it is an update, names a dataset or a
    SERVICE."""

    form: str | None
    update: bool
    dataset: bool
    service: bool
    #: how deeply groups, brackets and parentheses nest
    depth: int


@lru_cache(maxsize=512)
def outline(sparql: str) -> Outline:
    """The :class:`Outline` of a query (cached: services see the same query text again and again)."""
    form: str | None = None
    update = dataset = service = False
    depth = deepest = 0
    for _, token in tokens(sparql):
        if token in ("{", "(", "["):
            depth += 1
            deepest = max(deepest, depth)
            continue
        if token in ("}", ")", "]"):
            depth -= 1
            continue
        if form is None and not update:
            if token in QUERY_FORMS:
                form = token
            elif token in UPDATE_KEYWORDS:
                update = True
        if token == "from":
            dataset = True
        elif token == "service":
            service = True
    return Outline(form, update, dataset, service, deepest)


#: deeper nesting than this is refused: no real query needs it, and the engine's parser recurses per level
MAX_DEPTH = 200


def check_depth(sparql: str) -> None:
    """Refuse a query that nests deeper than :data:`MAX_DEPTH`."""
    depth = outline(sparql).depth
    if depth > MAX_DEPTH:
        raise QueryRefusedError(
            f"the query nests {depth} levels deep; the limit is {MAX_DEPTH}",
            hint="flatten it: join patterns in one group, or use VALUES instead of nested alternatives",
        )


def query_form(sparql: str) -> str | None:
    """``select``, ``construct``, ``ask`` or ``describe``; ``None`` for an update or text that starts with neither."""
    return outline(sparql).form


def is_update(sparql: str) -> bool:
    """True when the first operation keyword is one of SPARQL Update's."""
    return outline(sparql).update


def declares_dataset(sparql: str) -> bool:
    """True when the query names its own dataset with FROM or FROM NAMED."""
    return outline(sparql).dataset


def service_targets(sparql: str) -> list[str | None]:
    """The endpoints the query's SERVICE clauses name (``None`` for a variable), prefixes resolved.

    Only queries that contain the keyword are parsed (with rdflib's parser, which resolves prefixed names).
    """
    if not outline(sparql).service:
        return []
    from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate, traverse
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import URIRef

    try:
        algebra: object = (
            translateUpdate(parseUpdate(sparql)) if is_update(sparql) else translateQuery(parseQuery(sparql)).algebra
        )
    except Exception:  # any parser failure means the targets cannot be known
        raise QueryRefusedError(
            "the query names a SERVICE, and its endpoint could not be determined",
            hint="write the SERVICE endpoint as a full IRI, e.g. SERVICE <https://example.org/sparql> { ... }",
        ) from None
    found: list[str | None] = []

    def visit(node: object) -> None:
        if isinstance(node, CompValue) and node.name == "ServiceGraphPattern":
            term = node.get("term")
            found.append(str(term) if isinstance(term, URIRef) else None)

    traverse(algebra, visitPre=visit)
    return found


def check_services(sparql: str, allowlist: Collection[str]) -> None:
    """Refuse a query whose SERVICE clauses name anything but an allowlisted endpoint."""
    for target in service_targets(sparql):
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


def check_update(sparql: str, allowlist: Collection[str]) -> None:
    """Refuse LOAD (it fetches a URL), SERVICE to endpoints not on the allowlist and deep nesting in an update."""
    check_depth(sparql)
    if any(token == "load" for _, token in tokens(sparql)):
        raise QueryRefusedError(
            "LOAD is refused: this server does not fetch documents from the web",
            hint="parse the document locally and send its triples with INSERT DATA",
        )
    check_services(sparql, allowlist)
