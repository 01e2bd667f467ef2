"""The organisation format (docs/organisation-data.md) reshaped into JSON-LD: never judged, only checked for the
shape of each key (a list where a list belongs, a record where a record belongs)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote

import pyoxigraph as ox
from rdflib.plugins.shared.jsonld.util import norm_url
from rdflib.term import URIRef

from hrkg.errors import InputError
from hrkg.orgdata._jsonld import _names_hrkg_context, context
from hrkg.orgdata._yaml import Position, _Locator
from hrkg.orgdata.model import (
    _FULL_IRI,
    _MAX_VALUES,
    _RDF_TYPE,
    _SAFE,
    CONTEXT_URL,
    ORG_BASE,
    ValueKind,
    _encode,
    _resolve_ref,
    _Section3,
)

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


_XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


_BOOLEAN_LEXICAL = frozenset({"true", "false", "1", "0"})


_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,127}$")


#: the section 3 collections: key -> class term in the context (the organisation links to their records)
_COLLECTIONS: dict[str, str] = {
    "systems": "AISystem",
    "impacts": "Impact",
    "mitigations": "Mitigation",
    "remedies": "Remedy",
    "riskAcceptances": "RiskAcceptance",
    "tensions": "RightsTension",
}


#: keys whose value is a record of its own (a blank node): key -> class term
_NESTED: dict[str, str] = {
    "leverage": "LeverageAssessment",
    "deferred": "Deferral",
    "indicators": "Indicator",
    "counterbalancing": "CounterbalancingAssessment",
}


_NESTED_SHAPES: dict[str, str] = {
    "leverage": "leverage: {level: medium, mechanisms: [contractual-requirements]}",
    "deferred": 'deferred: {rationale: "..."}',
    "indicators": "indicators: [{name: ..., kind: quantitative, source: internal}]",
    "counterbalancing": 'counterbalancing: {revertingToPrinciple: "...", ..., outcome: range}',
}


_TOP_KEYS = ("organisation", *_COLLECTIONS)


def _section3(data: Any, source: str, locator: _Locator, top: Position | None) -> _Section3:
    shape = "a mapping with the keys " + ", ".join(_TOP_KEYS)
    if data is None:
        raise InputError("the document is empty", source=source, hint=f"write {shape}")
    if not isinstance(data, dict):
        raise InputError(
            f"the top level of the document is {_type_name(data)}, not a mapping",
            source=source,
            line=top[0] if top else None,
            column=top[1] if top else None,
            hint=f"write {shape} (docs/organisation-data.md), e.g. `organisation: {{id: acme}}` and `impacts: [...]`",
        )
    if "@context" in data and not _names_hrkg_context(data["@context"]):
        line, column = locator.at(data, "@context") or (None, None)
        raise InputError(
            "a section 3 document takes no @context of its own",
            source=source,
            line=line,
            column=column,
            hint=f"remove the @context (hrkg's context {CONTEXT_URL} is applied), or write JSON-LD in a .jsonld file",
        )
    org = None
    record = data.get("organisation")
    if record is not None:
        if not isinstance(record, dict):
            where = locator.at(data, "organisation")
            _fail_shape(source, where, "organisation", record, "organisation: {id: acme, name: ...}")
        raw_id = record.get("id")
        if raw_id is not None and _text(raw_id).strip():
            org = _organisation_iri(_text(raw_id).strip(), source, locator.at(record, "id"))
    return _Section3(data, source, locator, org)


def _organisation_iri(org_id: str, source: str, where: Position | None) -> tuple[URIRef, str]:
    if _FULL_IRI.match(org_id):
        return URIRef(org_id), org_id if org_id.endswith(("/", "#")) else org_id + "/"
    if not _SLUG.match(org_id):
        line, column = where or (None, None)
        raise InputError(
            f"organisation id {org_id!r} is neither a slug nor a full IRI",
            source=source,
            line=line,
            column=column,
            hint="use letters, digits, '-', '_' and '.' (e.g. acme-ai), or a full IRI such as https://example.org/acme",
        )
    return URIRef(ORG_BASE + org_id), ORG_BASE + org_id + "/"


def _fail_shape(doc_source: str, where: Position | None, path: str, value: Any, example: str) -> NoReturn:
    line, column = where or (None, None)
    raise InputError(
        f"{path}: expected a mapping, found {_type_name(value)}",
        source=doc_source,
        line=line,
        column=column,
        hint=f"write it as {example}",
    )


def _type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    if value is None:
        return "nothing"
    return f"the {type(value).__name__} {_text(value)[:40]}"


@dataclass
class _Shaper:
    """Reshapes one section 3 document into the JSON-LD the context reads: records get ``@id`` and ``@type``,
    nest under their organisation, and each value takes the form its key expects. No value is judged."""

    doc: _Section3
    terms: Mapping[str, Mapping[str, ValueKind]]
    visited: int = 0

    def jsonld(self, org: URIRef, namespace: str) -> dict[str, Any]:
        data = self.doc.data
        out: dict[str, Any] = {"@context": [context(), {"@base": namespace}]}
        record = data.get("organisation")
        if isinstance(record, dict):
            out.update(self.fields(record, "Organisation", "organisation"))
        out["@id"] = str(org)
        out["@type"] = "Organisation"
        for key, cls in _COLLECTIONS.items():
            value = data.get(key)
            if value is None:
                continue
            items = value if isinstance(value, list) else [value]
            records = []
            for i, item in enumerate(items):
                path = f"{key}[{i}]"
                if not isinstance(item, dict):
                    where = self.doc.locator.at(value, i) if items is value else self.doc.locator.at(data, key)
                    _fail_shape(self.doc.source, where, path, item, "a mapping, e.g. {id: ..., name: ...}")
                node = self.fields(item, cls, path)
                node["@id"] = self.record_id(item, path)
                node["@type"] = cls
                records.append(node)
            out[key] = records
        return out

    def record_id(self, record: dict[str, Any], path: str) -> str:
        raw = record.get("id")
        text = _text(raw).strip() if raw is not None else ""
        if not text:  # no id: one from the record's place in the file, unique across the batch
            return quote(f"{Path(self.doc.source).name}:{path}", safe=_SAFE)
        return _encode(text)

    def fields(self, record: dict[str, Any], cls: str, path: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        kinds = self.terms[cls]
        for key, value in record.items():
            if not isinstance(key, str) or key not in kinds or value is None:
                continue  # unknown keys and JSON-LD keywords have no meaning in section 3 data
            self.count()
            kind = kinds[key]
            shaped = self.nested(record, key, value, f"{path}.{key}") if kind == "record" else self.values(value, kind)
            if shaped is not None and shaped != []:
                out[key] = shaped
        return out

    def nested(self, record: dict[str, Any], key: str, value: Any, path: str) -> list[dict[str, Any]]:
        cls = _NESTED[key]
        items = value if isinstance(value, list) else [value]
        out = []
        for i, item in enumerate(items):
            if item is None:
                continue
            item_path = f"{path}[{i}]" if items is value else path
            if not isinstance(item, dict):
                where = self.doc.locator.at(value, i) if items is value else self.doc.locator.at(record, key)
                _fail_shape(self.doc.source, where, item_path, item, _NESTED_SHAPES[key])
            node = self.fields(item, cls, item_path)
            if node:  # an empty mapping is no assessment, deferral or indicator (docs/rules.md)
                node["@type"] = cls
                out.append(node)
        return out

    def values(self, value: Any, kind: ValueKind) -> Any:
        if isinstance(value, list):
            shaped = [self.value(v, kind) for v in value if v is not None]
            return [v for v in shaped if v is not None]
        return self.value(value, kind)

    def value(self, value: Any, kind: ValueKind) -> Any:
        self.count()
        if kind == "bool":
            if isinstance(value, bool) or _text(value) in _BOOLEAN_LEXICAL:
                return value if isinstance(value, bool) else _text(value)
            # not a boolean: kept as plain text (rdflib would turn an ill-typed "yes"^^xsd:boolean into false)
            return {"@value": _text(value)}
        text = _text(value)
        if kind == "text":
            return text
        text = text.strip()
        return _encode(text) if text else None

    def count(self) -> None:
        self.visited += 1
        if self.visited > _MAX_VALUES:
            raise InputError(
                "the document is too large (or expands through YAML aliases)",
                source=self.doc.source,
                hint="split it into several files and avoid YAML aliases",
            )


@dataclass(frozen=True)
class _Term:
    """How the bundled context turns one key of a record into triples."""

    predicate: ox.NamedNode
    coercion: str | None  # "@vocab", "@id", a datatype IRI, or None (a plain string)
    vocab: str  # the namespace an enumeration value is resolved against ("@vocab" terms)


@cache
def _terms() -> tuple[dict[str, ox.NamedNode], dict[str, dict[str, _Term]]]:
    """The class IRIs, and for each record class the terms its records may use (its type-scoped context over the
    top-level one; type-scoped contexts do not propagate to nested records, as in JSON-LD 1.1)."""
    ctx = context()
    classes = {"Organisation", *_COLLECTIONS.values(), *_NESTED.values()}

    def terms(definitions: Mapping[str, Any]) -> dict[str, _Term]:
        out = {}
        for key, dfn in definitions.items():
            if key.startswith("@") or key in classes or not isinstance(dfn, dict):
                continue
            scoped = dfn.get("@context")
            scoped = scoped if isinstance(scoped, list) else [scoped]
            vocab = next((c["@vocab"] for c in reversed(scoped) if isinstance(c, dict) and "@vocab" in c), "")
            out[key] = _Term(ox.NamedNode(dfn["@id"]), dfn.get("@type"), vocab)
        return out

    base = terms(ctx)
    by_class = {}
    for cls in classes:
        scoped = ctx[cls].get("@context", {}) if isinstance(ctx.get(cls), dict) else {}
        by_class[cls] = {**base, **terms(scoped)}
    return {cls: ox.NamedNode(ctx[cls]["@id"]) for cls in classes}, by_class


def _shaped_quads(shaped: Mapping[str, Any], namespace: str) -> list[ox.Quad]:
    """The triples of a reshaped section 3 document (:meth:`_Shaper.jsonld`) whose organisation has a plain namespace
    (:func:`_plain_namespace`), written directly: the same triples
    rdflib's JSON-LD processor gives for it with the bundled context (the tests compare the two on every fixture),
    at a fraction of the cost. The reshaped document only uses what this needs: node objects with ``@id`` (a local
    id or a full IRI) and ``@type``, nested node objects without ``@id``, arrays, ``{"@value": text}``, strings and
    booleans, under terms coerced to ``@vocab``, ``@id``, ``xsd:boolean`` or nothing."""
    classes, terms = _terms()
    rdf_type = ox.NamedNode(str(_RDF_TYPE))
    boolean = ox.NamedNode(_XSD_BOOLEAN)
    quads: list[ox.Quad] = []
    named: dict[str, ox.NamedNode] = {}

    def iri(text: str) -> ox.NamedNode:
        node = named.get(text)
        if node is None:
            node = named[text] = ox.NamedNode(text)
        return node

    def ref(text: str) -> ox.NamedNode:
        if _FULL_IRI.match(text):
            return iri(text)
        return iri(namespace + text)

    def node(obj: Mapping[str, Any]) -> ox.NamedNode | ox.BlankNode:
        subject: ox.NamedNode | ox.BlankNode = (
            iri(_resolve_ref(obj["@id"], namespace)) if "@id" in obj else ox.BlankNode()
        )
        cls = obj["@type"]
        quads.append(ox.Quad(subject, rdf_type, classes[cls]))
        scope = terms[cls]
        for key, value in obj.items():
            if key[0] == "@":
                continue
            term = scope[key]
            for item in value if isinstance(value, list) else (value,):
                quads.append(ox.Quad(subject, term.predicate, obj_term(item, term)))
        return subject

    def obj_term(value: Any, term: _Term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if isinstance(value, dict):
            return ox.Literal(value["@value"]) if "@value" in value else node(value)
        if isinstance(value, bool):
            return ox.Literal("true" if value else "false", datatype=boolean)
        if term.coercion == "@vocab":
            return iri(value if _FULL_IRI.match(value) else term.vocab + value)
        if term.coercion == "@id":
            return ref(value)
        if term.coercion is not None:
            return ox.Literal(value, datatype=iri(term.coercion))
        return ox.Literal(value)

    node(shaped)
    return quads


#: a namespace local ids are simply appended to when JSON-LD resolves them (an http(s) IRI ending in "/", with no
#: query, fragment, empty or dot segment): only these are converted by :func:`_shaped_quads`
_PLAIN_NAMESPACE = re.compile(
    r"^https?://[A-Za-z0-9.\-]+(:[0-9]+)?(/[A-Za-z0-9_~!$&'()*+,;=:@%\-][A-Za-z0-9._~!$&'()*+,;=:@%\-]*)*/$"
)


@cache
def _plain_namespace(namespace: str) -> bool:
    """Whether rdflib's JSON-LD resolves a local id (one percent-encoded segment) against ``namespace`` by appending
    it (true for every ``ORG_BASE`` namespace); other namespaces go through rdflib itself."""
    probe = "hrkg-probe"
    return bool(_PLAIN_NAMESPACE.match(namespace)) and norm_url(namespace, probe) == namespace + probe


@cache
def _value_kinds() -> dict[str, dict[str, ValueKind]]:
    """For each record class, the section 3 keys it may carry and the form of their values, read from the context:
    ``@type: @vocab`` -> enumeration value, ``@type: @id`` -> local id, ``xsd:boolean`` -> boolean, else text."""
    ctx = context()
    classes = {"Organisation", *_COLLECTIONS.values(), *_NESTED.values()}

    def kinds(terms: Mapping[str, Any]) -> dict[str, ValueKind]:
        out: dict[str, ValueKind] = {}
        for key, dfn in terms.items():
            if key.startswith("@") or key in classes or key in _COLLECTIONS or not isinstance(dfn, dict):
                continue
            coercion = dfn.get("@type")
            if key in _NESTED:
                out[key] = "record"
            elif coercion == "@vocab":
                out[key] = "enum"
            elif coercion == "@id":
                out[key] = "ref"
            elif coercion == _XSD_BOOLEAN:
                out[key] = "bool"
            else:
                out[key] = "text"
        return out

    base = kinds(ctx)
    result: dict[str, dict[str, ValueKind]] = {}
    for cls in classes:
        scoped = ctx[cls].get("@context", {}) if isinstance(ctx.get(cls), dict) else {}
        result[cls] = {**base, **kinds(scoped)}
    return result


def _text(value: Any) -> str:
    """The string form of any YAML/JSON value (a wrong type becomes text, for SHACL to report)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return _string_form(value)[:200]
    return str(value)


def _string_form(value: Any, depth: int = 0) -> str:
    if depth > 3:
        return "..."
    if isinstance(value, dict):
        items = list(value.items())
        inner = [f"{_string_form(k, depth + 1)}: {_string_form(v, depth + 1)}" for k, v in items[:10]]
        return "{" + ", ".join(inner + (["..."] if len(items) > 10 else [])) + "}"
    if isinstance(value, list):
        inner = [_string_form(v, depth + 1) for v in value[:10]]
        return "[" + ", ".join(inner + (["..."] if len(value) > 10 else [])) + "]"
    return _text(value)[:200]
