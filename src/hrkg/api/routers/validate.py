"""Check an organisation's risk register and mitigation plan against the guide, over HTTP.

The body is parsed and validated on a private copy of the knowledge graph (:func:`hrkg.validate.validate`): nothing
is stored, nothing is fetched (remote JSON-LD contexts and RDF/XML entities are refused, ``owl:imports`` is just a
triple), and one request never sees another's data. The report is exactly the one ``hrkg validate`` prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, TypeVar

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from hrkg.api.deps import PoolDep, SettingsDep, client_of, media_type, read_body
from hrkg.api.negotiation import choose
from hrkg.errors import HrkgError
from hrkg.orgdata import MEDIA_TYPES as INPUT_TYPES
from hrkg.report import MEDIA_TYPES as REPORT_TYPES
from hrkg.validate import Engine, Severity

router = APIRouter(tags=["validation"])

#: report formats by media type, in server preference order (the first is the default)
REPORTS: dict[str, str] = {
    "application/json": "json",
    "text/turtle": "turtle",
    "text/markdown": "markdown",
    "text/html": "html",
    "text/plain": "text",
}
ENGINES: dict[str, Engine] = {"fast": "fast", "pyshacl": "pyshacl"}
SEVERITIES: dict[str, Severity] = {"info": "info", "warning": "warning", "violation": "violation"}
_T = TypeVar("_T")


class UnsupportedMediaTypeError(HrkgError):
    """A body whose Content-Type is not one of the organisation data formats."""

    http_status = 415


def _choice(name: str, value: str, allowed: Mapping[str, _T]) -> _T:
    if value not in allowed:
        raise HrkgError(f"{name}={value!r} is not understood", hint=f"use {name}=" + " or ".join(allowed))
    return allowed[value]


def _accepted_types() -> str:
    return ", ".join(sorted(INPUT_TYPES))


@router.post(
    "/validate",
    summary="Check organisation data against the guide",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/yaml": {
                    "schema": {"type": "string"},
                    "example": "organisation: {id: acme, roles: [deployer]}\n"
                    "impacts: [{id: i1, rights: [privacy], attribution: cause}]\n",
                },
                "application/json": {"schema": {"type": "object"}},
                "text/turtle": {"schema": {"type": "string"}},
                "application/ld+json": {"schema": {"type": "object"}},
                "application/n-triples": {"schema": {"type": "string"}},
                "application/rdf+xml": {"schema": {"type": "string"}},
            },
        }
    },
    responses={
        200: {
            "description": "The validation report, whether or not the data conforms (see `conforms`)",
            "content": {media: {} for media in REPORTS},
        },
        400: {"description": "The body cannot be parsed (the message gives the line and column), or is not UTF-8"},
        406: {"description": "No report format fits the Accept header"},
        413: {"description": "The body is larger than the upload limit"},
        415: {"description": "The Content-Type is missing or not a supported organisation data format"},
    },
)
async def validate_data(
    pool: PoolDep,
    settings: SettingsDep,
    request: Request,
    engine: Annotated[
        str,
        Query(
            description="fast: each rule once over all records; pyshacl: the reference engine (slower).",
            json_schema_extra={"enum": list(ENGINES)},
        ),
    ] = "fast",
    severity: Annotated[
        str,
        Query(description="Report findings at least this severe.", json_schema_extra={"enum": list(SEVERITIES)}),
    ] = "info",
    suggestions: Annotated[
        bool, Query(description="Add suggestions drawn from the guidance (candidate mitigations, close ids).")
    ] = True,
    format: Annotated[
        str | None,
        Query(
            description="Report format when the Accept header cannot be set.",
            json_schema_extra={"enum": list(REPORTS.values())},
        ),
    ] = None,
) -> Response:
    """Check an organisation's risk register and mitigation plan against the guide's rules (the SHACL shapes).

    Send one document in the format of DESIGN.md section 3 as YAML (`application/yaml`) or JSON
    (`application/json`), or as RDF: Turtle, JSON-LD, N-Triples, N-Quads, TriG or RDF/XML (RDF/XML without a
    document type declaration). Nothing is stored and nothing is fetched: remote JSON-LD contexts are refused
    (hrkg's own context URL uses the bundled copy) and `owl:imports` is not followed.

    The report is the one `hrkg validate` prints: JSON `{"conforms", "findings": [{"rule", "severity", "focus",
    "message", "source", "suggestions"}]}` by default, or a SHACL validation report (Turtle), Markdown, HTML or
    text, by Accept or `format=`. The status is 200 whether or not the data conforms.

    Errors: 400 when the body cannot be parsed (the message names the line and column) or is not UTF-8; 406 when no
    report format is acceptable; 413 when the body is larger than the upload limit; 415 for any other Content-Type."""
    chosen_engine = _choice("engine", engine, ENGINES)
    minimum = _choice("severity", severity, SEVERITIES)
    if format is not None:
        _choice("format", format, {v: v for v in REPORTS.values()})
    ctype = media_type(request)
    if ctype not in INPUT_TYPES:
        sent = f"Content-Type {ctype!r}" if ctype else "no Content-Type"
        raise UnsupportedMediaTypeError(
            f"cannot read organisation data sent with {sent}",
            hint=f"send YAML, JSON or RDF with one of these Content-Types: {_accepted_types()}",
        )
    fmt = choose(request.headers.get("accept", ""), REPORTS, format)
    if fmt is None:
        raise HTTPException(
            status_code=406, detail="no acceptable report format; offered: " + ", ".join(sorted(REPORTS))
        )
    body = await read_body(request, settings.max_upload_bytes)
    answer = await pool.validate(
        body,
        media_type=ctype,
        engine=chosen_engine,
        severity=minimum,
        suggest=suggestions,
        fmt=fmt,
        client=client_of(request),
    )
    return Response(answer.body, media_type=REPORT_TYPES[fmt], headers={"Vary": "Accept"})
