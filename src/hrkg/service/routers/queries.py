"""Named queries over HTTP: list them (JSON, or an HTML page with a form per query), run one, show its SPARQL.

Parameter values are checked against the knowledge graph in the service process (:meth:`QueryLibrary.resolve`) and
bound as IRIs through a ``VALUES`` block (:mod:`hrkg.binding`); the bound query runs in the worker pool like any
query sent to ``/sparql``, so the same timeout, size limit and result formats apply.
"""

from __future__ import annotations

import difflib
import html
import re
from typing import Annotated, Any
from urllib.parse import urlencode

import rdflib
from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from hrkg.errors import ParameterError, UnknownQueryError
from hrkg.queries import NamedQuery, Parameter, QueryLibrary
from hrkg.service.deps import PoolDep, StoreDep
from hrkg.service.describe import html_page
from hrkg.service.negotiation import TABULAR, choose, negotiate
from hrkg.service.openapi import POOLED, TABULAR_TYPES, errors, ok
from hrkg.service.pages import respond
from hrkg.store import Store

router = APIRouter(tags=["named queries"])

#: what a ``term`` parameter accepts
TERM_ACCEPTS = (
    "any hrkg term or catalogue entry: a term name (e.g. CausingActor), a catalogue id with its scheme "
    "(e.g. right/privacy) or a full IRI"
)
#: the example value used for ``term`` parameters in the listing
TERM_EXAMPLE = "CausingActor"
_LISTING = {"application/json": "json", "text/html": "html"}
_TEXT = {"application/sparql-query": "sparql", "text/plain": "text"}
_FORMAT_DOC = "Result format when the Accept header cannot be set: json, xml, csv, tsv, table (or html, a page)."
_NAME_DOC = "The name of a named query, as listed by GET /queries (e.g. appropriate-actions)."
_CLI_HINT = re.compile(r"add --param (\S+)=VALUE")
#: one entry of GET /queries
_ENTRY = {
    "type": "object",
    "required": ["name", "title", "description", "parameters", "url", "example", "sparql"],
    "properties": {
        "name": {"type": "string"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "parameters": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "type", "optional", "description", "accepts", "allowed"],
                "properties": {
                    "name": {"type": "string"},
                    "type": {"type": "string"},
                    "optional": {"type": "boolean"},
                    "description": {"type": "string"},
                    "accepts": {"type": "string"},
                    "allowed": {"type": ["array", "null"], "items": {"type": "string"}},
                },
            },
        },
        "url": {"type": "string"},
        "example": {"type": "string"},
        "sparql": {"type": "string"},
    },
}
_NOT_FOUND: dict[int, str | None] = {404: "There is no named query of that name (the message suggests close names)"}
_FORM_FORMATS = (
    ("html", "a table (web page)"),
    ("table", "text table"),
    ("csv", "CSV"),
    ("tsv", "TSV"),
    ("json", "SPARQL JSON"),
    ("xml", "XML"),
)


def library(store: Store) -> QueryLibrary:
    """The store's query library, built once per store content (the allowed values it caches come from the graph)."""
    return store.memo("query-library", lambda: QueryLibrary(store))


def _named(lib: QueryLibrary, name: str) -> NamedQuery:
    if name in lib.queries:
        return lib.queries[name]
    close = difflib.get_close_matches(name, list(lib.queries), n=3)
    hint = "GET /queries lists the named queries"
    if close:
        hint = "did you mean " + " or ".join(close) + "? " + hint
    raise UnknownQueryError(f"no named query {name!r}", hint=hint)


def _accepts(param: Parameter) -> str:
    return TERM_ACCEPTS if param.type == "term" else f"one of the {param.type} ids listed in `allowed`"


def _example_value(lib: QueryLibrary, param: Parameter) -> str:
    if param.type == "term":
        return TERM_EXAMPLE
    allowed = lib.allowed_values(param.type)
    return allowed[0] if allowed else ""


def _describe(lib: QueryLibrary, query: NamedQuery, run_url: str, sparql_url: str) -> dict[str, Any]:
    parameters = [
        {
            "name": p.name,
            "type": p.type,
            "optional": p.optional,
            "description": p.description,
            "accepts": _accepts(p),
            "allowed": None if p.type == "term" else lib.allowed_values(p.type),
        }
        for p in query.parameters
    ]
    names = [p.name for p in query.parameters]
    example = urlencode([(p.name, _example_value(lib, p)) for p in query.parameters if not p.optional])
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "parameters": parameters,
        "url": run_url + ("{?" + ",".join(names) + "}" if names else ""),
        "example": run_url + (f"?{example}" if example else ""),
        "sparql": sparql_url,
    }


def _listing(lib: QueryLibrary, request: Request) -> list[dict[str, Any]]:
    return [
        _describe(
            lib,
            q,
            str(request.url_for("run_named_query", name=q.name)),
            str(request.url_for("named_query_text", name=q.name)),
        )
        for q in lib.queries.values()
    ]


def _page(entries: list[dict[str, Any]], request: Request) -> str:
    e = html.escape
    parts = [
        "<h1>Named queries</h1>",
        "<p>Questions a practitioner can ask the knowledge graph of BSR's human rights-based guide to genAI risk "
        "mitigation, without writing SPARQL. Choose the values and run a query; every answer says where in the "
        "guide (or the UNGPs, or which article) it comes from. The same list as JSON: "
        f'<a href="{e(request.url_for("list_named_queries").path)}?format=json">?format=json</a>.</p>',
        "<ul>",
    ]
    parts += [f'<li><a href="#{e(q["name"])}">{e(q["name"])}</a>: {e(q["title"])}</li>' for q in entries]
    parts.append("</ul>")
    for q in entries:
        name = q["name"]
        action = request.url_for("run_named_query", name=name).path
        sparql = request.url_for("named_query_text", name=name).path
        parts += [
            f'<section id="{e(name)}"><h2>{e(q["title"])}</h2>',
            f"<p><code>{e(name)}</code>: {e(q['description'])}</p>",
            f'<form method="get" action="{e(action)}">',
        ]
        for p in q["parameters"]:
            field = f"p-{name}-{p['name']}"
            optional = ", optional" if p["optional"] else ""
            parts.append(
                f'<label for="{e(field)}"><code>{e(p["name"])}</code> '
                f'<span class="param">({e(p["type"])}{optional}) {e(p["description"])}</span></label>'
            )
            if p["allowed"] is None:
                required = "" if p["optional"] else " required"
                parts.append(
                    f'<input id="{e(field)}" name="{e(p["name"])}" placeholder="{e(TERM_EXAMPLE)}"'
                    f' title="{e(p["accepts"])}"{required}>'
                )
            else:
                parts.append(f'<select id="{e(field)}" name="{e(p["name"])}">')
                if p["optional"]:
                    parts.append('<option value="">(any)</option>')
                parts += [f'<option value="{e(v)}">{e(v)}</option>' for v in p["allowed"]]
                parts.append("</select>")
        parts.append(f'<label for="f-{e(name)}">result format</label><select id="f-{e(name)}" name="format">')
        parts += [f'<option value="{e(v)}">{e(label)}</option>' for v, label in _FORM_FORMATS]
        parts += [
            "</select>",
            '<p><button type="submit">Run</button> '
            f'<a href="{e(sparql)}?format=text">see the SPARQL</a></p></form></section>',
        ]
    return html_page("Named queries - hrkg", "\n".join(parts))


@router.get(
    "/queries",
    summary="List the named queries",
    response_class=Response,
    responses={
        200: ok(
            "Every named query with its parameters (JSON), or an HTML page with a form per query",
            _LISTING,
            {"application/json": {"type": "array", "items": _ENTRY}},
        ),
        **errors({400: "`format` is neither json nor html", 406: "Neither JSON nor HTML is acceptable"}),
    },
)
async def list_named_queries(
    store: StoreDep,
    request: Request,
    format: Annotated[
        str | None,
        Query(
            description="`json` or `html` when the Accept header cannot be set.",
            json_schema_extra={"enum": list(_LISTING.values())},
        ),
    ] = None,
) -> Response:
    """The named queries: questions a practitioner can ask the guide without writing SPARQL.

    Each entry has the query's `name`, `title` and `description`, its `parameters` (name, type, whether it is
    optional, what it means, and `allowed`: the catalogue ids it accepts, or null for a `term` parameter, which takes
    any hrkg term name, catalogue id with its scheme or IRI), a `url` template (RFC 6570) to run it, a working
    `example` URL and the `sparql` URL that shows its text.

    JSON by default; `text/html` (a browser) gets a page with a form per query that runs it."""
    if format is not None and format not in _LISTING.values():
        raise HTTPException(status_code=400, detail=f"unknown format {format!r}; use json or html")
    chosen = choose(request.headers.get("accept", ""), _LISTING, format)
    if chosen is None:
        raise HTTPException(
            status_code=406, detail="the list of named queries is offered as application/json or text/html"
        )
    lib = library(store)
    entries = await run_in_threadpool(_listing, lib, request)
    headers = {"Vary": "Accept"}
    if chosen == "html":
        return HTMLResponse(_page(entries, request), headers=headers)
    return JSONResponse(entries, headers=headers)


def _parameters(request: Request) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key == "format":
            continue
        if key in params:
            raise ParameterError(
                f"the parameter {key!r} is given more than once", hint=f"give {key}=VALUE once; a query takes one value"
            )
        params[key] = value
    return params


def _resolve(lib: QueryLibrary, query: NamedQuery, params: dict[str, str]) -> dict[str, rdflib.URIRef]:
    try:
        return lib.resolve(query, params)
    except ParameterError as exc:  # the library words its hints for the command line
        hint = _CLI_HINT.sub(r"add \1=VALUE to the query string", exc.hint)
        raise ParameterError(exc.message, hint=hint) from None


@router.get(
    "/queries/{name}",
    summary="Run a named query",
    response_class=Response,
    responses={
        200: ok("The query's answer: SPARQL JSON, XML, CSV, TSV or a text table; a page for browsers", TABULAR_TYPES),
        **errors(
            {
                400: "`format` is not one of json, xml, csv, tsv, table, html",
                **_NOT_FOUND,
                406: "No result format fits the Accept header (the message lists the media types on offer)",
                422: "A parameter is missing, unknown, given twice, or has a value that is not allowed (the message "
                "lists the allowed values)",
                **POOLED,
            }
        ),
    },
)
async def run_named_query(
    name: Annotated[str, Path(description=_NAME_DOC)],
    store: StoreDep,
    pool: PoolDep,
    request: Request,
    format: Annotated[
        str | None,
        Query(description=_FORMAT_DOC, json_schema_extra={"enum": list(dict.fromkeys(TABULAR.values()))}),
    ] = None,
) -> Response:
    """Run a named query with its parameters taken from the query string, e.g.
    `/queries/appropriate-actions?attribution=contribute`.

    Every query-string key other than `format` is a parameter of the query (GET /queries lists them with their
    allowed values). Values are checked against the knowledge graph: a missing required parameter, an unknown one,
    or a value outside the allowed catalogue ids is refused with 422 and a hint that lists the allowed values; an
    optional parameter that is left out or empty stays unbound. An unknown query name is 404.

    The answer is negotiated as for /sparql: SPARQL JSON (default), XML, CSV, TSV, or a text table
    (`text/plain`), or chosen with `format=`; 406 when nothing offered fits the Accept header."""
    if format is not None and format not in TABULAR.values():
        raise HTTPException(status_code=400, detail=f"unknown format {format!r}; use json, xml, csv, tsv or table")
    lib = library(store)
    query = _named(lib, name)
    params = _parameters(request)
    bound = _resolve(lib, query, params)  # dictionary lookups and at most one ASK per `term` parameter
    return await respond(
        pool,
        request,
        query.text,
        offers=TABULAR,
        fmt=format,
        bindings=bound,
        title=query.title,
        editable=False,
        download=params,
        lane="lookup",
    )


@router.get(
    "/queries/{name}/sparql",
    summary="Show a named query's SPARQL",
    response_class=Response,
    responses={
        200: ok("The query text, documentation header included", _TEXT),
        **errors({**_NOT_FOUND, 406: "Neither application/sparql-query nor text/plain is acceptable"}),
    },
)
async def named_query_text(
    name: Annotated[str, Path(description=_NAME_DOC)],
    store: StoreDep,
    request: Request,
    format: Annotated[str | None, Query(description="`text` to read the query in a browser (text/plain).")] = None,
) -> Response:
    """The SPARQL text that GET /queries/{name} runs, with its documentation header (title, description,
    parameters). Parameters are bound through a VALUES block at run time, never pasted into the text.

    `application/sparql-query` by default; `text/plain` by Accept or with `format=text`."""
    lib = library(store)
    query = _named(lib, name)
    chosen = "text" if format == "text" else negotiate(request.headers.get("accept", ""), _TEXT)
    if chosen is None:
        raise HTTPException(
            status_code=406, detail="the query text is offered as application/sparql-query or text/plain"
        )
    media = "text/plain; charset=utf-8" if chosen == "text" else "application/sparql-query; charset=utf-8"
    return Response(query.text, media_type=media, headers={"Vary": "Accept"})
