"""Check an organisation's risk register and mitigation plan against the guide, over HTTP.

The body is parsed and validated on a private copy of the knowledge graph (:func:`hrkg.validation.validate`): nothing
is stored, nothing is fetched (remote JSON-LD contexts and RDF/XML entities are refused, ``owl:imports`` is just a
triple), and one request never sees another's data. The report is exactly the one ``hrkg validate`` prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Annotated, TypeVar

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from hrkg.errors import UnsupportedMediaTypeError, UsageError
from hrkg.formats import REPORTS as REPORT_FORMATS
from hrkg.orgdata import MEDIA_TYPES as INPUT_TYPES
from hrkg.resources import resources
from hrkg.service.deps import PoolDep, SettingsDep, client_of, media_type, read_body
from hrkg.service.negotiation import choose
from hrkg.service.openapi import POOLED, errors, ok
from hrkg.validation.model import Engine, Severity
from hrkg.validation.render import MEDIA_TYPES as REPORT_TYPES
from hrkg.validation.schema import SCHEMA_FILE, ValidationReport

router = APIRouter(tags=["validation"])

#: report formats by media type, in server preference order (the first is the default)
REPORTS: dict[str, str] = REPORT_FORMATS.offers(aliases=False)
ENGINES: dict[str, Engine] = {"fast": "fast", "pyshacl": "pyshacl"}
SEVERITIES: dict[str, Severity] = {"info": "info", "warning": "warning", "violation": "violation"}
_T = TypeVar("_T")


def _choice(name: str, value: str, allowed: Mapping[str, _T]) -> _T:
    if value not in allowed:
        raise UsageError(f"{name}={value!r} is not understood", hint=f"use {name}=" + " or ".join(allowed))
    return allowed[value]


def _accepted_types() -> str:
    return ", ".join(sorted(INPUT_TYPES))


#: organisation data as a JSON Schema: a mapping of the top-level keys of docs/organisation-data.md, each list of
#: records also given as one record or left empty (null); what the records must say is for the rules to report
_RECORDS = {"type": ["array", "object", "null"], "items": {"type": "object"}}
_DOCUMENT = {
    "type": "object",
    "properties": {
        "organisation": {"type": ["object", "null"]},
        **dict.fromkeys(("systems", "impacts", "mitigations", "remedies", "riskAcceptances", "tensions"), _RECORDS),
    },
}
#: the body schema per Content-Type: YAML and JSON are the document, JSON-LD any JSON-LD; the other RDF syntaxes
#: have none, since every value is text once sent and their grammars are not JSON Schema
_BODY_SCHEMAS = {
    "yaml": _DOCUMENT,
    "json": _DOCUMENT,
    "jsonld": {"type": ["object", "array"]},
}
_EXAMPLES = {
    "application/yaml": {
        "organisation": {"id": "acme", "roles": ["deployer"]},
        "impacts": [{"id": "i1", "rights": ["privacy"], "attribution": "cause"}],
    }
}
#: the JSON report: the typed model of hrkg.validation.schema (its JSON Schema is also served, see below)
_REPORT = {"$ref": "#/components/schemas/ValidationReport"}


def _request_body() -> dict[str, object]:
    content: dict[str, object] = {}
    for media, fmt in INPUT_TYPES.items():
        entry: dict[str, object] = {"schema": _BODY_SCHEMAS.get(fmt, {})}
        if media in _EXAMPLES:
            entry["example"] = _EXAMPLES[media]
        content[media] = entry
    return {"required": True, "content": content}


@router.post(
    "/validate",
    summary="Check organisation data against the guide",
    response_class=Response,
    response_model=ValidationReport,
    openapi_extra={"requestBody": _request_body()},
    responses={
        200: ok(
            "The validation report, whether or not the data conforms (see `conforms`)",
            REPORTS,
            {"application/json": _REPORT},
        ),
        **errors(
            {
                400: "The body cannot be parsed (the message gives the line and column) or is not UTF-8, or a "
                "parameter value is not understood",
                406: "No report format fits the Accept header",
                413: "The body is larger than the upload limit",
                415: "The Content-Type is missing or not a supported organisation data format",
                **POOLED,
            }
        ),
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

    Send one document in the organisation format (docs/organisation-data.md) as YAML (`application/yaml`) or JSON
    (`application/json`), or as RDF: Turtle, JSON-LD, N-Triples, N-Quads, TriG or RDF/XML (RDF/XML without a
    document type declaration). Nothing is stored and nothing is fetched: remote JSON-LD contexts are refused
    (hrkg's own context URL uses the bundled copy) and `owl:imports` is not followed.

    The report is the one `hrkg validate` prints: JSON `{"conforms", "findings": [{"rule", "severity", "focus",
    "message", "source", "suggestions", "shape", "node", "value", "valueNode", "path", "resultPath",
    "sourceIris"}]}` by default (the `ValidationReport` schema, also at `/schema/validation-report.schema.json`),
    or a SHACL validation report (Turtle), Markdown, HTML or text, by Accept or `format=`. The status is 200
    whether or not the data conforms.

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


#: the JSON Schema of the JSON report, at a stable address
SCHEMA_PATH = "/schema/" + SCHEMA_FILE


@router.get(
    SCHEMA_PATH,
    summary="The JSON Schema of the validation report",
    response_class=Response,
    responses={
        200: ok(
            "The JSON Schema (draft 2020-12) that every JSON report of POST /validate meets",
            ["application/schema+json"],
            {"application/schema+json": {"type": "object"}},
        )
    },
)
async def validation_report_schema() -> Response:
    """The JSON Schema of the report `POST /validate` answers in JSON (and `hrkg validate --format json` prints),
    generated from the service's own report model: a pipeline can check a report against it."""
    return Response(_schema_text(), media_type="application/schema+json")


@cache
def _schema_text() -> bytes:
    return (resources().data / SCHEMA_FILE).read_bytes()
