from __future__ import annotations

from fastapi import APIRouter

from hrkg import __version__
from hrkg.api.deps import StoreDep

router = APIRouter(tags=["service"])


@router.get("/health")
def health(store: StoreDep) -> dict[str, object]:
    """Liveness and a summary of what is loaded: version, store URL, named graphs and triple count."""
    return {
        "status": "ok",
        "version": __version__,
        "store": store.url,
        "graphs": len(store.graphs()),
        "triples": len(store),
    }
