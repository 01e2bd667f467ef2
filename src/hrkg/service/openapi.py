"""The pieces of the OpenAPI document that FastAPI cannot infer: the media types each operation really answers in,
its error answers and the headers that come with them. Every route declares its answers with these, so that the
document says what the service does (``tests/test_openapi.py`` runs schemathesis against it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hrkg.formats import GRAPH_OFFERS, PAGE, TABULAR_RESULTS

Schema = dict[str, Any]
OpenApiResponse = dict[str, Any]

_JSON_VALUE: Schema = {"type": ["object", "array"]}
#: SPARQL 1.1 Query Results JSON: a head, and results (SELECT) or a boolean (ASK)
SPARQL_RESULTS_JSON: Schema = {
    "type": "object",
    "required": ["head"],
    "properties": {
        "head": {"type": "object", "properties": {"vars": {"type": "array", "items": {"type": "string"}}}},
        "results": {
            "type": "object",
            "required": ["bindings"],
            "properties": {"bindings": {"type": "array", "items": {"type": "object"}}},
        },
        "boolean": {"type": "boolean"},
    },
}
ERROR_JSON: Schema = {
    "type": "object",
    "required": ["error", "status"],
    "properties": {
        "error": {"type": "string", "description": "what went wrong, in one line"},
        "status": {"type": "integer"},
        "hint": {"type": "string", "description": "what to do about it"},
    },
}
#: the body schema of the media types that have one (JSON); the others are text or RDF
_SCHEMAS: dict[str, Schema] = {
    "application/sparql-results+json": SPARQL_RESULTS_JSON,
    "application/ld+json": _JSON_VALUE,
}
_TEXT: Schema = {"type": "string"}

#: what SELECT/ASK and CONSTRUCT/DESCRIBE answer in, as served (the aliases application/json and application/xml
#: are answered as SPARQL JSON and XML)
TABULAR_TYPES = (*TABULAR_RESULTS.offers(aliases=False), *PAGE.offers(aliases=False))
GRAPH_TYPES = (*GRAPH_OFFERS.offers(aliases=False), *PAGE.offers(aliases=False))
RDF_TYPES = tuple(m for m in GRAPH_TYPES if m != "text/html")

RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
}
WWW_AUTHENTICATE = {
    "WWW-Authenticate": {
        "description": "How to authenticate: a bearer token",
        "required": True,
        "schema": {"type": "string"},
    }
}


def content(media_types: Iterable[str], schemas: Mapping[str, Schema] | None = None) -> dict[str, Any]:
    """An OpenAPI ``content`` map for ``media_types``, with the body schema of those that have one."""
    known = {**_SCHEMAS, **(schemas or {})}
    return {m: ({"schema": known[m]} if m in known else {}) for m in media_types}


def ok(description: str, media_types: Iterable[str], schemas: Mapping[str, Schema] | None = None) -> OpenApiResponse:
    return {"description": description, "content": content(media_types, schemas)}


#: an error from the service's error handlers: JSON for clients that accept JSON, text for everyone else
ERROR_CONTENT = {"application/json": {"schema": ERROR_JSON}, "text/plain": {"schema": _TEXT}}
#: an error answered as text (406 of the linked-data routes: the offered types and format= values)
TEXT_CONTENT = {"text/plain": {"schema": _TEXT}}
#: "not found" as a page for browsers, as text for everyone else (the linked-data routes)
PAGE_CONTENT = {"text/plain": {"schema": _TEXT}, "text/html": {"schema": _TEXT}}

_DEFAULTS = {
    400: "The request is not valid: the message says which part and why",
    404: "Nothing of that name",
    406: "No media type on offer fits the Accept header (the message lists them)",
    413: "The request body (or the query text) is larger than the limit",
    415: "The Content-Type is missing or not one this operation reads",
    429: "This client already has as many requests running as it may; retry after Retry-After seconds",
    502: "An allowlisted SERVICE endpoint failed or answered something that is not a SPARQL result (named in the "
    "message)",
    503: "The request ran longer than its timeout and was stopped, every worker is busy, the queue is full, or the "
    "service is stopping; retry after Retry-After seconds",
}


def error(status: int, description: str | None = None, body: Mapping[str, Any] = ERROR_CONTENT) -> OpenApiResponse:
    """An error answer: ``description`` (or the usual one for ``status``), with Retry-After on 429 and 503."""
    answer: OpenApiResponse = {"description": description or _DEFAULTS[status], "content": dict(body)}
    if status in (429, 503):
        answer["headers"] = RETRY_AFTER
    elif status == 401:
        answer["headers"] = WWW_AUTHENTICATE
    return answer


def errors(answers: Mapping[int, str | None]) -> dict[int | str, OpenApiResponse]:
    """Error answers by status, each with its description (``None``: the usual one for the status)."""
    return {status: error(status, text) for status, text in sorted(answers.items())}


#: the answers of every operation that runs in the worker pools: per-client limit; timeout, busy or stopping
POOLED: dict[int, str | None] = {429: None, 503: None}
#: the bearer token that enables SPARQL Update
UPDATE_TOKEN = "updateToken"  # noqa: S105 - the name of the security scheme, not a secret


def tidy(spec: dict[str, Any]) -> dict[str, Any]:
    """Drop FastAPI's automatic 422 answers (parameter errors are 400 here, see ``validation_message``), and the
    schemas only they used; a 422 an operation declares itself (named-query parameters) stays. Declare the update
    token's security scheme."""
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if responses.get("422", {}).get("description") == "Validation Error":
                del responses["422"]
    text = repr(spec.get("paths", {}))
    schemas = spec.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        if f"#/components/schemas/{name}" not in text and name in schemas:
            del schemas[name]
    components = spec.setdefault("components", {})
    if not components.get("schemas"):
        components.pop("schemas", None)
    components["securitySchemes"] = {
        UPDATE_TOKEN: {
            "type": "http",
            "scheme": "bearer",
            "description": "The operator's update token (HRKG_UPDATE_TOKEN); without one the service is read-only",
        }
    }
    return spec
