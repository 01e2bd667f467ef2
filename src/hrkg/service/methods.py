"""Which methods a path accepts: ``OPTIONS`` answers them in ``Allow``, and any other method is 405 with ``Allow``.

The methods are read from the app's routes, so they cannot drift from what the service really does. The linked-data
catch-all (``GET /{path}``) counts only for paths that no other route serves: ``GET /update`` is 405 (the path
accepts POST), not a 404 from the catch-all. A CORS preflight (``OPTIONS`` with ``Origin`` and
``Access-Control-Request-Method``) is answered by the CORS middleware before it gets here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from fastapi import Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from hrkg.service.errors import error_response

#: the path of the linked-data route that answers every path no other route serves
CATCH_ALL = "/{path:path}"
_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
#: what a route without a method list (a mount: the documentation's static files) answers
_MOUNT_METHODS = frozenset({"GET", "HEAD"})


def flat_routes(routes: Iterable[object]) -> Iterator[object]:
    """The routes, with included routers opened up."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from flat_routes(inner.routes)
        else:
            yield route


def allowed_methods(routes: Iterable[object], path: str) -> tuple[str, ...]:
    """The methods ``path`` accepts, in a fixed order (``HEAD`` wherever ``GET`` is, ``OPTIONS`` everywhere);
    empty when no route serves the path."""
    own: set[str] = set()
    fallback: set[str] = set()
    for route in flat_routes(routes):
        regex = getattr(route, "path_regex", None)
        if regex is None or not regex.match(path):
            continue
        methods = getattr(route, "methods", None) or _MOUNT_METHODS
        (fallback if getattr(route, "path", None) == CATCH_ALL else own).update(methods)
    chosen = own or fallback
    if not chosen:
        return ()
    if "GET" in chosen:
        chosen.add("HEAD")
    chosen.add("OPTIONS")
    return tuple(m for m in _ORDER if m in chosen) + tuple(sorted(chosen - set(_ORDER)))


class AllowedMethods:
    """``OPTIONS`` is 204 with ``Allow``; a method the path does not accept is 405 with ``Allow`` and one message."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :] or "/"
        allowed = allowed_methods(scope["app"].router.routes, path)
        if not allowed or (method in allowed and method != "OPTIONS"):
            await self.app(scope, receive, send)
            return
        allow = ", ".join(allowed)
        response: Response
        if method == "OPTIONS":
            response = Response(status_code=204, headers={"Allow": allow})
        else:
            response = error_response(
                Request(scope),
                405,
                f"{method} is not allowed on {path}",
                f"this resource answers {allow}",
                headers={"Allow": allow},
            )
        await response(scope, receive, send)
