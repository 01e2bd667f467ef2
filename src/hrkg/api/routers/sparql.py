"""The SPARQL 1.1 Protocol query operation (read-only)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from hrkg.api.deps import SettingsDep, StoreDep
from hrkg.results import MEDIA_TYPES, serialize
from hrkg.store import QueryResult

router = APIRouter(tags=["sparql"])

# media type -> our format name, per query form, in server preference order
_TABULAR = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/plain": "table",
}
_GRAPH = {
    "text/turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml",
    "text/plain": "ntriples",
}


def _negotiate(accept: str, offers: dict[str, str]) -> str | None:
    """Pick the best offered format for an Accept header (q-values honoured; */* takes the first offer)."""
    if not accept.strip():
        return next(iter(offers.values()))
    ranges = []
    for i, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        ranges.append((q, -i, fields[0].lower()))
    for q, _, media in sorted(ranges, reverse=True):
        if q <= 0:
            continue
        if media in offers:
            return offers[media]
        if media == "*/*":
            return next(iter(offers.values()))
        if media.endswith("/*"):
            for offered, fmt in offers.items():
                if offered.startswith(media[:-1]):
                    return fmt
    return None


def _answer(result: QueryResult, accept: str, fmt: str | None) -> Response:
    offers = _GRAPH if result.kind == "graph" else _TABULAR
    chosen = fmt if fmt in offers.values() else _negotiate(accept, offers)
    if chosen is None:
        raise HTTPException(
            status_code=406,
            detail="no acceptable result format; offered: " + ", ".join(sorted(set(offers))),
        )
    return Response(serialize(result, chosen), media_type=MEDIA_TYPES[chosen])


def _run(
    store: StoreDep,
    settings: SettingsDep,
    query: str,
    request: Request,
    fmt: str | None,
    default_graph_uri: list[str],
    named_graph_uri: list[str],
) -> Response:
    if len(query) > settings.max_query_length:
        raise HTTPException(status_code=413, detail=f"query longer than {settings.max_query_length} characters")
    result = store.query(
        query,
        default_graphs=default_graph_uri or None,
        named_graphs=named_graph_uri or None,
    )
    return _answer(result, request.headers.get("accept", ""), fmt)


@router.get("/sparql")
def sparql_get(
    store: StoreDep,
    settings: SettingsDep,
    request: Request,
    query: Annotated[str, Query(description="The SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE).")],
    format: Annotated[
        str | None,
        Query(
            description="Result format when Accept cannot be set: json, xml, csv, "
            "tsv, turtle, ntriples, jsonld, rdfxml."
        ),
    ] = None,
    default_graph_uri: Annotated[list[str], Query(alias="default-graph-uri")] = [],  # noqa: B006
    named_graph_uri: Annotated[list[str], Query(alias="named-graph-uri")] = [],  # noqa: B006
) -> Response:
    """SPARQL 1.1 Protocol query via GET. Without graph parameters the default graph is the union of all graphs."""
    return _run(store, settings, query, request, format, default_graph_uri, named_graph_uri)


@router.post("/sparql")
async def sparql_post(store: StoreDep, settings: SettingsDep, request: Request) -> Response:
    """SPARQL 1.1 Protocol query via POST: `application/x-www-form-urlencoded` or `application/sparql-query`."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    params = request.query_params
    if ctype == "application/sparql-query":
        query = (await request.body()).decode("utf-8", errors="replace")
        defaults, named = params.getlist("default-graph-uri"), params.getlist("named-graph-uri")
        fmt = params.get("format")
    elif ctype == "application/x-www-form-urlencoded":
        form = parse_qs((await request.body()).decode("utf-8", errors="replace"))
        query = form.get("query", [""])[0]
        defaults, named = form.get("default-graph-uri", []), form.get("named-graph-uri", [])
        fmt = form.get("format", [None])[0]
    else:
        raise HTTPException(status_code=415, detail="send application/sparql-query or a urlencoded form")
    if not query:
        raise HTTPException(status_code=400, detail="missing query")
    return _run(store, settings, query, request, fmt, defaults, named)
