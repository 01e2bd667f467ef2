"""The OpenAPI document tells the truth: schemathesis drives the service in-process from the document alone and
finds no answer the document does not describe (status code, Content-Type, body schema, headers such as
Retry-After, Allow on OPTIONS and 405).

Deterministic and bounded: a fixed seed, derandomized generation, no example database, a few examples per
operation. The checks that cannot apply to an operation are switched off for it below, each with the reason."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.python.asgi import shutdown_lifespans

from hrkg.config import Settings
from hrkg.service import create_app

TOKEN = "openapi-test-token"
#: bodies that are text in a grammar of their own (SPARQL, RDF syntaxes): sent as they are generated
schemathesis.serializer.alias(
    [
        "application/sparql-query",
        "application/sparql-update",
        "text/turtle",
        "application/x-turtle",
        "application/n-triples",
        "application/n-quads",
        "application/trig",
        "application/rdf+xml",
    ],
    "text/plain",
)


def _off(*checks: str) -> dict[str, dict[str, bool]]:
    return {check: {"enabled": False} for check in checks}


#: checks that cannot apply, per operation, and why
_NOT_APPLICABLE = [
    # The query text is SPARQL: a string the schema cannot tell from a query that does not parse (a 400), so "a
    # schema-valid request is accepted" cannot hold.
    {"include-path": "/sparql", "checks": _off("positive_data_acceptance")},
    # The same for an update; and read-only, the service answers 403 with or without credentials (no token could
    # help), so "a request without Authorization is 401" does not hold. /update with a token is tested below.
    {"include-path": "/update", "checks": _off("positive_data_acceptance", "missing_required_header", "ignored_auth")},
    # The body is organisation data in YAML, JSON or an RDF syntax: its grammar and its rules (known ids, allowed
    # values) are the parser's and the SHACL shapes', not JSON Schema; a document that breaks them is a 400.
    {"include-path": "/validate", "checks": _off("positive_data_acceptance")},
    # Each named query has its own parameters (GET /queries lists them): one path template cannot say which are
    # required, so a schema-valid request may lack one (422).
    {"include-path": "/queries/{name}", "checks": _off("positive_data_acceptance")},
]


#: media types that are aliases of one documented above (the same parser): their cases would double the run;
#: test_api_validate.py sends data with each of them
_ALIASES = frozenset({"application/x-yaml", "text/yaml", "text/x-yaml", "application/x-turtle"})


def _config(*operations: dict[str, object]) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": 14,
            "generation": {"deterministic": True, "max-examples": 6, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
            "operations": list(operations),
        }
    )


def _schema(app: FastAPI, config: schemathesis.Config) -> schemathesis.BaseSchema:
    """The app's document, loaded without a request: the service (and its workers) starts at the first case."""
    loaded = schemathesis.openapi.from_dict(app.openapi(), config=config)
    loaded.app = app
    return loaded


read_only = _schema(create_app(Settings(store="memory:", workers=2)), _config(*_NOT_APPLICABLE))
with_token = _schema(
    create_app(Settings(store="memory:", workers=1, update_token=TOKEN)),
    _config(
        {"exclude-path": "/update", "enabled": False},  # the rest is tested read-only above
        {"include-path": "/update", "checks": _off("positive_data_acceptance")},  # an update is SPARQL: see above
    ),
)
_SETTINGS = settings(deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module", autouse=True)
def _stop_the_services() -> Iterator[None]:
    yield
    shutdown_lifespans()  # the services schemathesis started (and their workers)


@read_only.parametrize()
@_SETTINGS
@pytest.mark.slow
def test_the_service_answers_as_documented(case: schemathesis.Case) -> None:
    if case.media_type in _ALIASES:
        return
    case.call_and_validate()


@with_token.parametrize()
@_SETTINGS
@pytest.mark.slow
def test_update_answers_as_documented(case: schemathesis.Case) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"})


# -- what the document says, read directly ----------------------------------------------------------------


@pytest.fixture(scope="module")
def spec(service: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = service.get("/openapi.json").json()
    return document


def test_sparql_names_every_result_type(spec: dict[str, Any]) -> None:
    for method in ("get", "post"):
        operation = spec["paths"]["/sparql"][method]
        assert set(operation["responses"]["200"]["content"]) == {
            "application/sparql-results+json",
            "application/sparql-results+xml",
            "text/csv",
            "text/tab-separated-values",
            "text/plain",
            "text/turtle",
            "application/n-triples",
            "application/ld+json",
            "application/rdf+xml",
            "text/html",
        }
        assert {"400", "406", "413", "429", "502", "503"} <= set(operation["responses"])
        for status in ("429", "503"):
            assert operation["responses"][status]["headers"]["Retry-After"]["required"] is True
        assert set(operation["responses"]["400"]["content"]) == {"application/json", "text/plain"}
    assert set(spec["paths"]["/sparql"]["post"]["requestBody"]["content"]) == {
        "application/sparql-query",
        "application/x-www-form-urlencoded",
    }


def test_update_and_validate_name_their_answers(spec: dict[str, Any]) -> None:
    update = spec["paths"]["/update"]["post"]
    assert {"204", "400", "401", "403", "413", "415", "429", "503"} <= set(update["responses"])
    assert update["responses"]["401"]["headers"]["WWW-Authenticate"]["required"] is True
    assert update["security"] == [{"updateToken": []}]
    assert spec["components"]["securitySchemes"]["updateToken"]["scheme"] == "bearer"
    validate = spec["paths"]["/validate"]["post"]
    assert set(validate["responses"]["200"]["content"]) == {
        "application/json",
        "text/turtle",
        "text/markdown",
        "text/html",
        "text/plain",
    }
    assert "application/n-quads" in validate["requestBody"]["content"]


def test_no_undeclared_422(spec: dict[str, Any]) -> None:
    with_422 = [
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if "422" in operation["responses"]
    ]
    assert with_422 == ["GET /queries/{name}"]  # named-query parameters; others' parameter errors are 400
    assert "HTTPValidationError" not in spec.get("components", {}).get("schemas", {})
