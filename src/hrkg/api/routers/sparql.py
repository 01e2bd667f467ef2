"""The SPARQL 1.1 Protocol query operation, and the update operation when an update token is configured."""

from __future__ import annotations

import hmac
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from hrkg.api.deps import PoolDep, SettingsDep, client_of, media_type, read_body
from hrkg.api.negotiation import GRAPH, TABULAR
from hrkg.api.pages import form_page, respond
from hrkg.config import Settings
from hrkg.executor import WorkerPool
from hrkg.guard import is_update, query_form
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
                "schema": {"type": "string"},
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
                "schema": {"type": "array", "items": {"type": "string"}},
                "description": "Graphs whose union is the default graph (repeat the parameter for several).",
            },
            {
                "name": "named-graph-uri",
                "in": "query",
                "required": False,
                "schema": {"type": "array", "items": {"type": "string"}},
                "description": "Graphs visible to GRAPH clauses (repeat the parameter for several).",
            },
        ]
    },
    responses={
        200: {"description": "Query results, or without `query` the SPARQL Service Description"},
        400: {"description": "The query does not parse, or is refused (e.g. SERVICE to a host not allowlisted)"},
        406: {"description": "No result format fits the Accept header"},
        413: {"description": "The query text is too long"},
        503: {"description": "The query ran longer than the timeout and was stopped, or every worker is busy"},
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
    from hrkg.api.describe import rdf_response, service_description

    endpoint = str(request.url.replace(query=""))
    return rdf_response(service_description(store, endpoint), request, fmt, page=form_page)


@router.post(
    "/sparql",
    summary="SPARQL query (POST)",
    openapi_extra={
        "requestBody": {
            "content": {
                _QUERY_BODY: {"schema": {"type": "string"}, "example": "ASK { ?s ?p ?o }"},
                _FORM_BODY: {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "query": {"type": "string"},
                            "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                            "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                            "format": {"type": "string"},
                        },
                        "required": ["query"],
                    }
                },
            },
            "required": True,
        }
    },
    responses={415: {"description": "The body is neither a query nor a urlencoded form"}},
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
    responses={
        204: {"description": "The update was applied"},
        401: {"description": "No or a wrong bearer token"},
        403: {"description": "The service is read-only (no update token is configured)"},
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
