"""The JSON Schema (draft 2020-12) of the organisation format, for editors and other tools.

Built from :mod:`hrkg.orgdata.spec` (the keys and what they mean), the bundled JSON-LD context (how each value is read)
and the knowledge graph (the catalogue ids, :mod:`hrkg.orgdata.catalogue`); ``data/organisation.schema.json`` is its
committed output and a test keeps the two equal. Regenerate it with
``hrkg export --schema data/organisation.schema.json``
(or ``python -m hrkg.orgdata.schema > data/organisation.schema.json``).

What the schema refuses, compared with ``hrkg validate``:

- everything hrkg refuses as unusable (exit 2) that a schema can see: a document that is not a mapping, a record or
  nested record that is not a mapping, an organisation id that is neither a slug nor a full IRI, a foreign
  ``@context``;
- keys the format does not define for that record: hrkg ignores them without a word (a misspelt ``mitigaton`` is
  lost), so the schema is the only place that catches them;
- values of the wrong form: a number or a list where one text is expected, a word where a boolean is expected. hrkg
  reads them as text and its rules report what they make of them.

What the schema accepts although ``hrkg validate`` reports it: an id outside the catalogue (editors offer the
catalogue ids, ``unknown-reference`` reports the others), a local id that points nowhere, and everything the rules
judge (a missing rationale, an unanswered counterbalancing test, ...).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from hrkg.errors import ResourceError
from hrkg.namespaces import HRKG_BASE
from hrkg.orgdata.catalogue import Catalogue, Scheme, catalogue
from hrkg.orgdata.model import CONTEXT_URL
from hrkg.orgdata.spec import COLLECTIONS, ORGANISATION, Key, Record, value_form

__all__ = ["CONTEXT_URLS", "FULL_IRI", "SCHEMA_ID", "SCHEMA_MEDIA_TYPE", "SLUG", "organisation_schema", "schema_text"]

#: the schema's IRI, also the ``$schema=`` of the yaml-language-server modeline; the service serves it at this path
SCHEMA_ID = HRKG_BASE + "schema/organisation.schema.json"
SCHEMA_MEDIA_TYPE = "application/schema+json"
#: the @context values a section 3 JSON document may carry (hrkg's own context, under the names the parser knows)
CONTEXT_URLS = (CONTEXT_URL, HRKG_BASE + "context", "http://w3id.org/hrkg/context.jsonld")
#: an organisation id: a slug, or a full IRI (the parser's own patterns; a test compares them)
SLUG = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,127}$"
FULL_IRI = r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$"

_NULL = {"type": "null"}
#: how a record is named in $defs
_DEF_NAMES = {
    "Organisation": "organisation",
    "AISystem": "system",
    "Impact": "impact",
    "LeverageAssessment": "leverage",
    "Deferral": "deferral",
    "Mitigation": "mitigation",
    "Indicator": "indicator",
    "Remedy": "remedy",
    "RiskAcceptance": "risk-acceptance",
    "RightsTension": "tension",
    "CounterbalancingAssessment": "counterbalancing",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def _scheme_def(scheme: Scheme) -> dict[str, Any]:
    return {
        "title": f"{scheme.name} id",
        "description": f"An id of the catalogue at {scheme.namespace} (or a full IRI). Any other value is "
        "accepted here and reported by `hrkg validate` as unknown-reference; it then counts as absent.",
        "anyOf": [
            {
                "enum": list(scheme.ids),
                "enumDescriptions": [f"{v.label}: {v.definition}" if v.definition else v.label for v in scheme.values],
            },
            {"type": "string"},
        ],
    }


def _value(record: Record, path: str, key: Key, cat: Catalogue) -> dict[str, Any]:
    if key.name == "id":
        return _ref("organisation-id" if record is ORGANISATION else "local-id")
    form = value_form(record.cls, key.name)
    if form == "enum":
        return _ref("catalogue-" + cat.scheme_of(path, key.name).name)
    if form == "ref":
        return _ref("local-id")
    if form == "bool":
        return _ref("boolean")
    if form == "record":
        if key.record is None:
            raise ResourceError(f"the format says {key!r} holds a record, but names none", hint="fix hrkg.orgdata.spec")
        return _ref(_DEF_NAMES[key.record.cls])
    return _ref("text")


def _property(record: Record, path: str, key: Key, cat: Catalogue) -> dict[str, Any]:
    value = _value(record, path, key, cat)
    forms: list[dict[str, Any]] = [{"type": "array", "items": value}, value] if key.many else [value]
    return {"description": key.description, "anyOf": [*forms, _NULL]}


def _record(record: Record, path: str, cat: Catalogue) -> dict[str, Any]:
    properties = {}
    for key in record.keys:
        properties[key.name] = _property(record, path, key, cat)
    return {
        "title": record.title,
        "description": record.description,
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }


def organisation_schema(cat: Catalogue | None = None) -> dict[str, Any]:
    """The JSON Schema of the organisation format, with the catalogue ids of ``cat`` (default: the knowledge graph)."""
    cat = cat or catalogue()
    defs: dict[str, Any] = {
        "organisation-id": {
            "title": "Organisation id",
            "description": "A slug (a letter or digit, then letters, digits, '-', '_' or '.', at most 128 "
            "characters) or a full IRI such as https://example.org/acme. Anything else is refused.",
            "anyOf": [
                {"type": "string", "pattern": r"^\s*$"},
                # the parser strips the id first; ECMA-262 (unicode mode) refuses the needless escape of '"'
                {"type": "string", "pattern": r"^\s*" + SLUG[1:-1] + r"\s*$"},
                {"type": "string", "pattern": r"^\s*" + FULL_IRI[1:-1].replace('\\"', '"') + r"\s*$"},
                {"type": "integer", "minimum": 0},
            ],
        },
        "local-id": {
            "title": "Local id",
            "description": "The id of a record of this file (or of another file of the same organisation), or a "
            "full IRI. An id that names no record is reported by `hrkg validate` as unknown-reference.",
            "type": ["string", "integer"],
        },
        "text": {"title": "Text", "type": "string"},
        "boolean": {
            "title": "Boolean",
            "description": "true or false ('true', 'false', '1' and '0' are read as booleans too).",
            "anyOf": [{"type": "boolean"}, {"enum": ["true", "false", "1", "0"]}],
        },
    }
    top: dict[str, Any] = {
        "$schema": {"description": "The schema this file follows (for editors); hrkg ignores it.", "type": "string"},
        "@context": {
            "description": "Only in JSON: hrkg's own context may be named (it is applied anyway); any other "
            "context makes the file unusable. Write other JSON-LD in a .jsonld file.",
            "anyOf": [
                {"enum": list(CONTEXT_URLS)},
                {"type": "array", "items": {"enum": list(CONTEXT_URLS)}, "minItems": 1, "maxItems": 1},
            ],
        },
        "organisation": {"description": ORGANISATION.description, "anyOf": [_ref("organisation"), _NULL]},
    }
    defs["organisation"] = _record(ORGANISATION, "organisation", cat)
    for collection, record in COLLECTIONS.items():
        path = f"{collection}[]"
        name = _DEF_NAMES[record.cls]
        defs[name] = _record(record, path, cat)
        top[collection] = {
            "description": f"{record.description} A list of records (one record alone is read as a list of one).",
            "anyOf": [{"type": "array", "items": _ref(name)}, _ref(name), _NULL],
        }
        for key in record.keys:
            if key.record is not None:
                nested = f"{path}.{key.name}" + ("[]" if key.many else "")
                defs[_DEF_NAMES[key.record.cls]] = _record(key.record, nested, cat)
    for scheme in cat.schemes.values():
        defs["catalogue-" + scheme.name] = _scheme_def(scheme)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "hrkg organisation data",
        "description": "An organisation's human rights risk register and mitigation plan for generative AI, in the "
        "YAML/JSON format hrkg checks against BSR's guide to a human rights-based approach to risk mitigation. "
        "Generated from hrkg's knowledge graph; see docs/organisation-data.md.",
        "type": "object",
        "properties": top,
        "additionalProperties": False,
        "$defs": dict(sorted(defs.items())),
    }


def schema_text(cat: Catalogue | None = None) -> str:
    """The schema as the committed file holds it: indented JSON, keys in a fixed order, a final newline."""
    return json.dumps(organisation_schema(cat), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # python -m hrkg.orgdata.schema > data/organisation.schema.json
    sys.stdout.write(schema_text())
