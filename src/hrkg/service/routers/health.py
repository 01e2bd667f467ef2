from __future__ import annotations

from fastapi import APIRouter

from hrkg import __version__
from hrkg.service.deps import PoolDep, SettingsDep, StoreDep

router = APIRouter(tags=["service"])


@router.get("/health", summary="Liveness and what is loaded")
def health(store: StoreDep, pool: PoolDep, settings: SettingsDep) -> dict[str, object]:
    """Liveness and a summary: version, store URL, named graphs, triple count, query workers and limits, and what
    each worker pool is doing (workers, busy, waiting) and the answer cache holds."""
    return {
        "status": "ok",
        "version": __version__,
        "store": store.url,
        "graphs": len(store.graphs()),
        "triples": len(store),
        "workers": pool.workers,
        "pools": pool.status(),
        "query_timeout": settings.query_timeout,
        "read_only": settings.update_token is None,
    }
