"""Where a finding's value sits: the result path as RDF property IRIs, and as the key of the organisation data.

The key of a property is read from the JSON-LD context that defines the organisation format (data/context.jsonld),
so a new key needs no change here. A shape states its path (hrkg:resultPath) or its constraint projects ``?path``;
a projected property of a nested record (a leverage assessment, deferral, indicator or counterbalancing
assessment) is completed with the property that holds the record, as the data has it.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import unquote

import rdflib

from hrkg.namespaces import HRKG_BASE
from hrkg.orgdata import OrgData, context
from hrkg.orgdata.model import ORG_BASE


@cache
def _keys() -> dict[str, str]:
    """Property IRI -> the key that holds it in the organisation format."""
    out: dict[str, str] = {}

    def walk(ctx: dict[str, Any]) -> None:
        for key, term in ctx.items():
            if key.startswith("@") or not isinstance(term, dict):
                continue
            iri = term.get("@id")
            if isinstance(iri, str) and not key[:1].isupper():
                out.setdefault(iri, key)
            scoped = term.get("@context")
            if isinstance(scoped, dict):
                walk(scoped)

    walk(context())
    return out


def format_key(result_path: tuple[str, ...]) -> str | None:
    """``(hrkg:leverage, hrkg:leverageLevel)`` -> ``leverage.level``; None when a step is not a key of the format."""
    keys = _keys()
    if not result_path or not all(step in keys for step in result_path):
        return None
    return ".".join(keys[step] for step in result_path)


def full_path(data: OrgData, node: str, prop: str, value: str | None) -> tuple[str, ...]:
    """The sequence of properties from ``node`` to ``value`` whose last step is ``prop``: ``prop`` alone when the
    node holds the value itself, else the property of the nested record that holds it."""
    subject, predicate = rdflib.URIRef(node), rdflib.URIRef(prop)
    if value is None or any(str(o) == value for o in data.graph.objects(subject, predicate)):
        return (prop,)
    for holding, record in data.graph.predicate_objects(subject):
        if isinstance(record, rdflib.BNode | rdflib.URIRef) and any(
            str(o) == value for o in data.graph.objects(record, predicate)
        ):
            return (str(holding), prop)
    return (prop,)


def as_written(value: str, *, is_iri: bool, data: OrgData) -> str:
    """A value as the user wrote it: a local id for a record of theirs, the catalogue id for a catalogue IRI
    (``https://w3id.org/hrkg/right/free-speech`` -> ``free-speech``), any other IRI or a literal as it is."""
    if not is_iri:
        return value
    local = data.local_id(value)
    if local != value:
        return local
    if value.startswith(HRKG_BASE) and not value.startswith(ORG_BASE):
        _scheme, _, ident = value.removeprefix(HRKG_BASE).partition("/")
        if ident and "/" not in ident:
            return unquote(ident)
    return value
