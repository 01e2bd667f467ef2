"""The app factory: the store is opened once, in the lifespan, and shared by every request."""

from __future__ import annotations

import gc
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hrkg import __version__
from hrkg.config import Settings, get_settings
from hrkg.errors import HrkgError
from hrkg.service.errors import error_response
from hrkg.service.methods import AllowedMethods
from hrkg.service.openapi import tidy
from hrkg.service.routers import health, ld, queries, sparql, validate
from hrkg.service.workers.pool import WorkerPool
from hrkg.store import Store, open_store

log = logging.getLogger("hrkg.service")


_DESCRIPTION = """
hrkg makes BSR's *human rights-based approach to mitigating the risks of generative AI* (Responsible AI
Practitioner Guides, Guide 4, 2025; built on the UN Guiding Principles on Business and Human Rights) queryable.

* **Ask the guide** without writing SPARQL: `GET /queries` lists the named questions (what must a causing actor do?
  which mitigations address a risk? which rights are in tension?), `GET /queries/{name}` answers one.
* **Check your organisation**: `POST /validate` with your risk register and mitigation plan (YAML, JSON, Turtle or
  JSON-LD) returns the findings: which rule, on which record, what is missing and what to do. Nothing is stored.
* **SPARQL 1.1 Protocol** at `/sparql` for linked-data tools (SPARQLWrapper, rdflib, YASGUI, Fuseki clients):
  SELECT/ASK as JSON, XML, CSV, TSV; CONSTRUCT/DESCRIBE as Turtle, N-Triples, JSON-LD, RDF/XML.
* **Linked data**: every `https://w3id.org/hrkg/...` IRI dereferences here (HTML for people, RDF for machines),
  `/ontology` serves the OWL ontology, `/.well-known/void` describes the datasets.

Safe by default: read-only (updates only with the operator's token), queries stopped after a timeout (503),
result and upload size limits, SERVICE only to allowlisted endpoints, nothing fetched from the web on anyone's behalf.
Queries, named queries and validations have workers of their own; a full wait queue is 503 at once, and a client
with too many requests running or waiting is 429, both with `Retry-After`.
"""

_TAGS = [
    {"name": "named queries", "description": "Practitioners' questions to the guide, answered without SPARQL."},
    {"name": "validation", "description": "Check an organisation's risk register and mitigation plan."},
    {"name": "sparql", "description": "The SPARQL 1.1 Protocol: query operation (and update, with a token)."},
    {"name": "linked data", "description": "The ontology, dereferenceable terms, VoID and the JSON-LD context."},
    {"name": "service", "description": "Health and what is loaded."},
]


class HeadAsGet:
    """Answer HEAD as GET without the body (RFC 9110): link checkers and linked-data clients probe with HEAD."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


#: our own pages need nothing but their inline style; the API documentation pages run Swagger UI / ReDoc scripts
_PAGE_POLICY = (
    b"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
    b"base-uri 'none'; frame-ancestors 'none'"
)
_DOC_PAGES = ("/docs", "/redoc")


class SecurityHeaders:
    """``X-Content-Type-Options: nosniff`` on every answer, and a strict Content-Security-Policy on the service's
    own HTML pages (no scripts at all), so that text from a query or the data can never run in a browser."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        own_page = not str(scope.get("path", "")).startswith(_DOC_PAGES)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-content-type-options", b"nosniff"))
                is_html = any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers)
                if is_html and own_page:
                    headers.append((b"content-security-policy", _PAGE_POLICY))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def validation_message(exc: RequestValidationError) -> str:
    """FastAPI's parameter errors as one line: ``query parameter suggestions='maybe': Input should be ...``."""
    parts = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ())]
        where = f"{location[0]} parameter {'.'.join(location[1:])}" if len(location) > 1 else "the request"
        given = f"={error['input']!r}" if isinstance(error.get("input"), str) else ""
        parts.append(f"{where}{given}: {error.get('msg', 'is not valid')}")
    return "; ".join(parts) or "the request is not valid"


def open_service_store(settings: Settings) -> Store:
    """The store the service answers from: a persistent store is opened read-only unless updates are enabled, so
    the workers open it too (no copies) and other read-only services may share it."""
    return open_store(settings.store, read_only=settings.update_token is None)


def start_pool(store: Store, settings: Settings) -> WorkerPool:
    """The query workers for ``store``, with the limits of ``settings`` (returns once every worker is ready)."""
    return WorkerPool(
        store,
        size=settings.workers,
        timeout=settings.query_timeout,
        services=settings.service_allowlist,
        max_bytes=settings.max_result_bytes,
        memory_mb=settings.worker_memory_mb,
        validate_timeout=settings.validate_timeout,
        sandbox=settings.network_sandbox,
        validate_size=settings.validate_workers,
        lookup_size=settings.lookup_workers,
        queue_limit=settings.queue_limit,
        client_limit=settings.client_concurrency,
        cache_entries=settings.cache_entries,
        cache_bytes=settings.cache_bytes,
        express_size=settings.express_workers,
        express_timeout=settings.express_timeout,
    )


def create_app(
    settings: Settings | None = None, *, store: Store | None = None, pool: WorkerPool | None = None
) -> FastAPI:
    """The service. Without ``store`` and ``pool`` it opens the store and starts the workers when it starts, and
    stops them when it stops; given them (as ``hrkg serve`` does, to report a store that cannot be opened as one
    line before the server starts), it uses them and leaves closing them to the caller."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = store is None
        app.state.settings = settings
        app.state.store = opened = store or open_service_store(settings)
        app.state.pool = workers = pool or start_pool(opened, settings)
        try:
            yield
        finally:
            if own:
                workers.close()
            # release the store now, so that a persistent store's lock is free for the next opener
            del app.state.pool, app.state.store, workers, opened
            gc.collect()

    app = FastAPIOffline(  # the documentation pages load their scripts from this server, not from a CDN
        title="hrkg",
        version=__version__,
        summary="BSR's human rights-based guide to genAI risk mitigation as a SPARQL-queryable knowledge graph.",
        description=_DESCRIPTION,
        openapi_tags=_TAGS,
        license_info={"name": "code: see the repository; guide content: BSR (paraphrased, cited by section)"},
        lifespan=lifespan,
    )
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = tidy(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.include_router(health.router)
    app.include_router(sparql.router)
    app.include_router(queries.router)
    app.include_router(validate.router)
    app.include_router(ld.router)

    app.add_middleware(HeadAsGet)
    app.add_middleware(AllowedMethods)  # outside HeadAsGet, so that it sees HEAD as HEAD
    app.add_middleware(SecurityHeaders)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Accept", "Content-Type", "Authorization"],
        )

    @app.exception_handler(HrkgError)
    async def hrkg_error(request: Request, exc: HrkgError) -> Response:
        retry = getattr(exc, "retry_after", 5 if exc.http_status == 503 else None)
        headers = None if retry is None else {"Retry-After": str(retry)}
        return error_response(request, exc.http_status, exc.message, exc.hint, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_parameter(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 400, validation_message(exc), "GET /docs describes every parameter")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(request, exc.status_code, str(exc.detail), "", headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        error_id = uuid.uuid4().hex[:12]
        log.error("unexpected error %s", error_id, exc_info=exc)
        return JSONResponse({"error": "internal server error", "id": error_id}, status_code=500)

    return app
