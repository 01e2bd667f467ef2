"""The JSON-LD guard: hrkg's own context comes from the bundled file; any other remote context is refused."""

from __future__ import annotations

import json
from functools import cache
from typing import Any, cast

import rdflib
from rdflib.plugins.parsers.jsonld import to_rdf

from hrkg.errors import InputError
from hrkg.orgdata.model import _CONTEXT_URLS, _MAX_VALUES, CONTEXT_URL
from hrkg.resources import resources


@cache
def _context_file() -> str:
    return (resources().data / "context.jsonld").read_text(encoding="utf-8")


def context() -> dict[str, Any]:
    """The bundled JSON-LD context (the value of its ``@context``), a fresh copy each call."""
    doc = json.loads(_context_file())
    return cast(dict[str, Any], doc["@context"])


def _names_hrkg_context(value: Any) -> bool:
    if isinstance(value, list):
        return len(value) == 1 and _names_hrkg_context(value[0])
    return isinstance(value, str) and value in _CONTEXT_URLS


def _jsonld_to_graph(data: Any, source: str, *, base: str | None) -> rdflib.Graph:
    data = _guard_contexts(data, source)
    graph = rdflib.Graph()  # not context-aware: the triples of named graphs (@graph) land here too
    try:
        to_rdf(data, graph, base=base or "", version=1.1)
    except RecursionError:
        raise InputError("the JSON-LD is nested too deeply", source=source, hint="flatten the document") from None
    except Exception as exc:  # noqa: BLE001 - rdflib's JSON-LD errors share no base class
        raise InputError(
            f"cannot read the JSON-LD: {exc}",
            source=source,
            hint="check the document against JSON-LD 1.1 (its @context in particular)",
        ) from None
    return graph


def _guard_contexts(data: Any, source: str) -> Any:
    """Replace hrkg's context URL by the bundled context; refuse every other remote context and ``@import``,
    which rdflib would otherwise fetch."""
    stack: list[Any] = [data]
    seen = 0
    while stack:
        value = stack.pop()
        seen += 1
        if seen > _MAX_VALUES:
            raise InputError("the document is too large", source=source, hint="split it into several files")
        if isinstance(value, list):
            stack.extend(value)
            continue
        if not isinstance(value, dict):
            continue
        if "@import" in value:
            raise InputError(
                "a JSON-LD @import is not fetched",
                source=source,
                hint=f"inline the imported context, or name hrkg's context {CONTEXT_URL}",
            )
        if "@context" in value:
            value["@context"] = _resolve_context(value["@context"], source)
        stack.extend(value.values())
    return data


def _resolve_context(value: Any, source: str) -> Any:
    if isinstance(value, list):
        return [_resolve_context(v, source) for v in value]
    if isinstance(value, str):
        if value in _CONTEXT_URLS:
            return context()
        raise InputError(
            f"the remote JSON-LD context {value!r} is not fetched",
            source=source,
            hint=f"inline the context, or name hrkg's context {CONTEXT_URL} (its bundled copy is used)",
        )
    return value
