"""Dependencies shared by the routers (``async``: FastAPI would run plain functions in a thread each)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from hrkg.config import Settings
from hrkg.service.workers.pool import WorkerPool
from hrkg.store import Store


async def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_pool(request: Request) -> WorkerPool:
    pool: WorkerPool = request.app.state.pool
    return pool


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
PoolDep = Annotated[WorkerPool, Depends(get_pool)]


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is longer than ``limit`` bytes (nothing more is read)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(status_code=413, detail=f"request body larger than {limit:,} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(status_code=413, detail=f"request body larger than {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def client_of(request: Request) -> str:
    """Who sent the request, for the per-client limits: its address (uvicorn puts the address a trusted proxy
    forwarded for here, see FORWARDED_ALLOW_IPS)."""
    return request.client.host if request.client else ""


def media_type(request: Request) -> str:
    """The request's Content-Type without parameters, lower-cased."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()
