"""The validation report as a typed model: what ``--format json`` prints and ``POST /validate`` answers in JSON.

Its JSON Schema is published as data/validation-report.schema.json (generated from these classes: see
:func:`json_schema`; a test keeps the committed file equal to it) and served at
``GET /schema/validation-report.schema.json``.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hrkg.validation.model import Finding, Report

#: where the schema says it lives (its ``$id``)
SCHEMA_ID = "https://w3id.org/hrkg/schema/validation-report.schema.json"
#: the committed file, relative to data/
SCHEMA_FILE = "validation-report.schema.json"


class ValidationFinding(BaseModel):
    """One finding: a rule of the catalogue that one node of the organisation data does not meet."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    rule: str = Field(description="The rule id, e.g. cause-requires-remedy (docs/rules.md lists them all).")
    severity: Literal["violation", "warning", "info"] = Field(
        description="violation: the data does not conform; warning: the guide recommends otherwise; info: a note."
    )
    focus: str = Field(description="The record the finding is about, as the user wrote its id (e.g. i1).")
    message: str = Field(description="What is missing or wrong and what to do, for people (do not parse it).")
    source: str = Field(description="The guide sections and UNGP principles the rule rests on, as citations.")
    suggestions: list[str] = Field(
        description="What the knowledge graph suggests doing: candidate mitigations, missing steps, close ids."
    )
    shape: str = Field(description="The IRI of the SHACL shape that produced the finding (sh:sourceShape).")
    node: str = Field(description="The IRI of the focus node (sh:focusNode).")
    value: str | None = Field(
        description="The value that caused the finding, as the user wrote it (e.g. free-speech), or null."
    )
    value_node: str | None = Field(
        serialization_alias="valueNode",
        description="The same value as an RDF term (sh:value): an IRI, or a literal's lexical form; or null.",
    )
    path: str | None = Field(
        description="The key of the organisation data that holds the value or that the rule is about "
        "(dotted for a nested record, e.g. leverage.level), or null where the rule is not about one key."
    )
    result_path: list[str] = Field(
        serialization_alias="resultPath",
        description="The same path as RDF property IRIs from the focus node (sh:resultPath; several: a sequence "
        "path), or empty.",
    )
    source_iris: list[str] = Field(
        serialization_alias="sourceIris",
        description="The IRIs of the guide sections, footnotes and principles cited in source.",
    )


class ValidationReport(BaseModel):
    """The result of checking organisation data against the rule catalogue (the SHACL shapes of hrkg)."""

    model_config = ConfigDict(
        populate_by_name=True,
        extra="forbid",
        json_schema_extra={"$id": SCHEMA_ID, "$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    conforms: bool = Field(description="False exactly when at least one finding is a violation.")
    findings: list[ValidationFinding] = Field(description="Every finding, most severe first.")


def finding_model(f: Finding) -> ValidationFinding:
    return ValidationFinding(
        rule=f.rule,
        severity=f.severity,
        focus=f.focus,
        message=f.message,
        source="; ".join(f.source),
        suggestions=list(f.suggestions),
        shape=f.shape,
        node=f.node,
        value=f.value,
        value_node=f.value_node,
        path=f.path,
        result_path=list(f.result_path),
        source_iris=list(f.source_iris),
    )


def report_model(report: Report) -> ValidationReport:
    return ValidationReport(conforms=report.conforms, findings=[finding_model(f) for f in report.findings])


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the report (what a pipeline validates a JSON report against)."""
    return ValidationReport.model_json_schema(by_alias=True, mode="serialization")


def json_schema_text() -> str:
    return json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"
