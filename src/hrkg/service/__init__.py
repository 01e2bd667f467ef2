"""The HTTP service: ``create_app(settings)`` builds it; one router per concern.

``create_app`` is imported on first use: the worker processes (``hrkg.service.workers``) live in this package and
must start without loading FastAPI (it doubles a worker's start-up time and memory).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hrkg.service.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from hrkg.service.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
