"""The app factory: the store is opened once, in the lifespan, and shared by every request."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from hrkg import __version__
from hrkg.api.routers import health, sparql
from hrkg.config import Settings, get_settings
from hrkg.errors import HrkgError
from hrkg.store import open_store

log = logging.getLogger("hrkg.api")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.store = open_store(settings.store)
        yield

    app = FastAPI(
        title="hrkg",
        version=__version__,
        summary="BSR's human rights-based guide to genAI risk mitigation as a SPARQL-queryable knowledge graph.",
        lifespan=lifespan,
    )
    app.include_router(health.router)
    app.include_router(sparql.router)

    @app.exception_handler(HrkgError)
    async def hrkg_error(_request: Request, exc: HrkgError) -> PlainTextResponse:
        text = exc.message + (f"\nhint: {exc.hint}" if exc.hint else "")
        return PlainTextResponse(text + "\n", status_code=exc.http_status)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        error_id = uuid.uuid4().hex[:12]
        log.error("unexpected error %s", error_id, exc_info=exc)
        return JSONResponse({"error": "internal server error", "id": error_id}, status_code=500)

    return app
