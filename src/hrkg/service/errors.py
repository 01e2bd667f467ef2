"""Error answers: one readable message, as JSON for clients that ask for JSON and as plain text for everyone else."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response


def error_response(
    request: Request, status: int, message: str, hint: str, *, headers: Mapping[str, str] | None = None
) -> Response:
    """An error as JSON (``{"error", "status", "hint"}``) for clients that ask for JSON, as text for everyone else."""
    accept = request.headers.get("accept", "")
    if "json" in accept and "text/plain" not in accept:
        body: dict[str, object] = {"error": message, "status": status}
        if hint:
            body["hint"] = hint
        return JSONResponse(body, status_code=status, headers=headers)
    text = message + (f"\nhint: {hint}" if hint else "")
    return PlainTextResponse(text + "\n", status_code=status, headers=headers)
