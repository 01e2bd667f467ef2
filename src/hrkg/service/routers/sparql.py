"""The SPARQL 1.1 Protocol query operation, and the update operation when an update token is configured."""

from __future__ import annotations

import hmac
from urllib.parse import parse_qs

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from hrkg.config import Settings
from hrkg.errors import UsageError
from hrkg.guard import is_update, query_form
from hrkg.service.deps import PoolDep, SettingsDep, client_of, media_type, read_body
from hrkg.service.negotiation import GRAPH, TABULAR
from hrkg.service.openapi import GRAPH_TYPES, POOLED, TABULAR_TYPES, UPDATE_TOKEN, errors, ok
from hrkg.service.pages import form_page, respond
from hrkg.service.workers.pool import WorkerPool
from hrkg.store import Store

router = APIRouter(tags=["sparql"])

_FORMAT_DOC = (
    "Result format when the Accept header cannot be set (browsers): json, xml, csv, tsv, table for SELECT/ASK; "
    "turtle, ntriples, jsonld, rdfxml for CONSTRUCT/DESCRIBE."
)
_FORM_BODY = "application/x-www-form-urlencoded"
_QUERY_BODY = "application/sparql-query"
_UPDATE_BODY = "application/sparql-update"


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(status_code=400, detail="the request body is not UTF-8 text") from None


def _form(body: bytes) -> dict[str, list[str]]:
    return parse_qs(_decode(body), keep_blank_values=True)


def _check_graphs(name: str, iris: list[str]) -> None:
    """Refuse a ``default-graph-uri`` / ``named-graph-uri`` that is not an absolute IRI (before any worker sees it)."""
    for iri in iris:
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise UsageError(
                f"{name} {iri!r} is not an absolute IRI",
                hint="name a graph of the store by its IRI, e.g. https://w3id.org/hrkg/graph/ontology/core "
                "(GET /.well-known/void lists them)",
            ) from None


async def _run(
    pool: WorkerPool,
    settings: Settings,
    request: Request,
    query: str,
    fmt: str | None,
    default_graph_uri: list[str],
    named_graph_uri: list[str],
) -> Response:
    if len(query) > settings.max_query_length:
        raise HTTPException(status_code=413, detail=f"query longer than {settings.max_query_length:,} characters")
    if is_update(query):
        raise HTTPException(
            status_code=400,
            detail="this is a SPARQL Update; the query endpoint answers SELECT, ASK, CONSTRUCT and DESCRIBE only"
            + ("" if settings.update_token else " (the service is read-only)"),
        )
    _check_graphs("default-graph-uri", default_graph_uri)
    _check_graphs("named-graph-uri", named_graph_uri)
    offers = GRAPH if query_form(query) in ("construct", "describe") else TABULAR
    return await respond(
        pool,
        request,
        query,
        offers=offers,
        fmt=fmt,
        default_graphs=default_graph_uri or None,
        named_graphs=named_graph_uri or None,
    )


_RESULTS = ok(
    "The query's answer: SELECT and ASK as SPARQL JSON, XML, CSV, TSV or a text table; CONSTRUCT and DESCRIBE as "
    "Turtle, N-Triples, JSON-LD or RDF/XML; a page for browsers (text/html)",
    TABULAR_TYPES + tuple(m for m in GRAPH_TYPES if m not in TABULAR_TYPES),
)
_REFUSED = (
    "The query does not parse, is an update, or is refused (SERVICE to an endpoint that is not allowlisted, nesting "
    "too deep), its result is larger than the limit, or a graph parameter is not an IRI"
)
_QUERY_ERRORS: dict[int, str | None] = {
    406: "No result format fits the Accept header (the message lists the media types on offer)",
    502: None,
    **POOLED,
}


def _no_update_here(settings: Settings) -> HTTPException:
    where = "send it to /update" if settings.update_token else "the service is read-only"
    return HTTPException(status_code=400, detail=f"updates are not accepted at /sparql: {where}")


@router.get(
    "/sparql",
    summary="SPARQL query (GET), or the service description",
    openapi_extra={
        "parameters": [
            {
                "name": "query",
                "in": "query",
                "required": False,
                # the SPARQL grammar is not a JSON Schema: a query that does not parse is a 400
                "schema": {"type": "string", "minLength": 1},
                "description": "The SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE). Without it: the service "
                "description (sd:).",
                "example": "ASK { ?s ?p ?o }",
            },
            {
                "name": "format",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": _FORMAT_DOC,
            },
            {
                "name": "default-graph-uri",
                "in": "query",
                "required": False,
                "schema": {"type": "array", "items": {"type": "string", "format": "iri"}},
                "description": "Graphs whose union is the default graph (repeat the parameter for several).",
            },
            {
                "name": "named-graph-uri",
                "in": "query",
                "required": False,
                "schema": {"type": "array", "items": {"type": "string", "format": "iri"}},
                "description": "Graphs visible to GRAPH clauses (repeat the parameter for several).",
            },
        ]
    },
    response_class=Response,
    responses={
        200: {
            **_RESULTS,
            "description": _RESULTS["description"] + "; without `query`, the SPARQL Service Description (RDF, or "
            "a query form for browsers)",
        },
        **errors({400: _REFUSED, 413: "The query text is longer than the limit", **_QUERY_ERRORS}),
    },
)
async def sparql_get(request: Request) -> Response:
    """The SPARQL 1.1 Protocol query operation. Without graph parameters the default graph is the union of all
    graphs (the guide, the ontology, the rights catalogue, derived citations) and every graph is a named graph.

    Results are negotiated by Accept (SPARQL JSON, XML, CSV, TSV; Turtle, N-Triples, JSON-LD, RDF/XML), or chosen
    with `format=`. Without `query`, the answer is the endpoint's SPARQL Service Description."""
    # the parameters are read here rather than declared: this is the hot path, and FastAPI's per-request
    # validation of repeated (list) parameters costs more than the query; they are documented in openapi_extra
    params = request.query_params
    state = request.app.state
    settings: Settings = state.settings
    if "update" in params:
        raise _no_update_here(settings)
    query = params.get("query")
    if query is None:
        _check_graphs("default-graph-uri", params.getlist("default-graph-uri"))
        _check_graphs("named-graph-uri", params.getlist("named-graph-uri"))
        return _service_description(state.store, request, params.get("format"))
    if not query.strip():
        raise HTTPException(status_code=400, detail="the query parameter is empty")
    return await _run(
        state.pool,
        settings,
        request,
        query,
        params.get("format"),
        params.getlist("default-graph-uri"),
        params.getlist("named-graph-uri"),
    )


def _service_description(store: Store, request: Request, fmt: str | None) -> Response:
    from hrkg.service.describe import rdf_response, service_description

    endpoint = str(request.url.replace(query=""))
    return rdf_response(service_description(store, endpoint), request, fmt, page=form_page)


@router.post(
    "/sparql",
    summary="SPARQL query (POST)",
    openapi_extra={
        "requestBody": {
            "content": {
                _QUERY_BODY: {"schema": {"type": "string", "minLength": 1}, "example": "ASK { ?s ?p ?o }"},
                _FORM_BODY: {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "query": {"type": "string", "minLength": 1},
                            "default-graph-uri": {"type": "array", "items": {"type": "string", "format": "iri"}},
                            "named-graph-uri": {"type": "array", "items": {"type": "string", "format": "iri"}},
                            "format": {"type": "string"},
                        },
                        "required": ["query"],
                    }
                },
            },
            "required": True,
        }
    },
    response_class=Response,
    responses={
        200: _RESULTS,
        **errors(
            {
                400: _REFUSED + "; the body has no query or is not UTF-8",
                413: "The body or the query text is larger than the limit",
                415: "The body is neither a query (application/sparql-query) nor a urlencoded form",
                **_QUERY_ERRORS,
            }
        ),
    },
)
async def sparql_post(pool: PoolDep, settings: SettingsDep, request: Request) -> Response:
    """The SPARQL 1.1 Protocol query operation via POST: the query directly (`application/sparql-query`, graph
    parameters in the URL) or as a form (`application/x-www-form-urlencoded`). Answers as for GET."""
    ctype = media_type(request)
    params = request.query_params
    body = await read_body(request, max(settings.max_query_length * 4, settings.max_upload_bytes))
    if ctype == _QUERY_BODY:
        query = _decode(body)
        defaults, named = params.getlist("default-graph-uri"), params.getlist("named-graph-uri")
        fmt = params.get("format")
    elif ctype == _FORM_BODY:
        form = _form(body)
        if "update" in form:
            raise _no_update_here(settings)
        query = form.get("query", [""])[0]
        defaults, named = form.get("default-graph-uri", []), form.get("named-graph-uri", [])
        fmt = form.get("format", [params.get("format") or ""])[0] or None
    elif ctype == _UPDATE_BODY:
        raise _no_update_here(settings)
    else:
        raise HTTPException(
            status_code=415, detail=f"send the query as {_QUERY_BODY} or as a {_FORM_BODY} form with `query=`"
        )
    if not query.strip():
        raise HTTPException(status_code=400, detail="missing query")
    return await _run(pool, settings, request, query, fmt, defaults, named)


@router.post(
    "/update",
    summary="SPARQL Update (only with the update token)",
    status_code=204,
    response_class=Response,
    openapi_extra={
        "security": [{UPDATE_TOKEN: []}],
        "requestBody": {
            "required": True,
            "content": {
                _UPDATE_BODY: {
                    "schema": {"type": "string", "minLength": 1},
                    "example": "INSERT DATA { <https://example.org/s> <https://example.org/p> 1 }",
                },
                _FORM_BODY: {
                    "schema": {
                        "type": "object",
                        "properties": {"update": {"type": "string", "minLength": 1}},
                        "required": ["update"],
                    }
                },
            },
        },
    },
    responses={
        204: {"description": "The update was applied"},
        **errors(
            {
                400: "The update does not parse or is refused (LOAD, SERVICE to an endpoint that is not "
                "allowlisted), or the body has no update or is not UTF-8",
                401: "No bearer token, or not the configured one",
                403: "The service is read-only: no update token is configured",
                413: "The body is larger than the upload limit",
                415: "The body is neither an update (application/sparql-update) nor a urlencoded form",
                502: None,
                **POOLED,
            }
        ),
    },
)
async def update(pool: PoolDep, settings: SettingsDep, request: Request) -> Response:
    """The SPARQL 1.1 Protocol update operation (`application/sparql-update` or a form with `update=`).

    Only when the operator configured an update token (HRKG_UPDATE_TOKEN), and only with
    `Authorization: Bearer <token>`. LOAD is refused (the server fetches nothing from the web). The update is tried
    on a worker's copy of the store first, under the query timeout and memory limit (503 if it is stopped, and the
    store is not changed); then the store is changed atomically, and queries see the change as soon as this
    answers."""
    if settings.update_token is None:
        raise HTTPException(status_code=403, detail="the service is read-only: no update token is configured")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    expected = settings.update_token.get_secret_value()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise HTTPException(
            status_code=401,
            detail="updates need `Authorization: Bearer <token>` with the configured token",
            headers={"WWW-Authenticate": 'Bearer realm="hrkg"'},
        )
    ctype = media_type(request)
    body = await read_body(request, settings.max_upload_bytes)
    if ctype == _UPDATE_BODY:
        text = _decode(body)
    elif ctype == _FORM_BODY:
        text = _form(body).get("update", [""])[0]
    else:
        raise HTTPException(
            status_code=415, detail=f"send the update as {_UPDATE_BODY} or as a {_FORM_BODY} form with `update=`"
        )
    if not text.strip():
        raise HTTPException(status_code=400, detail="missing update")
    await pool.update(text, client=client_of(request))
    return Response(status_code=204)
