"""Reading organisation files and request bodies: detect the syntax, parse, reshape, and assemble one
:class:`OrgData` for a batch of files."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.term import URIRef

from hrkg.errors import InputError
from hrkg.orgdata._jsonld import _jsonld_to_graph, _names_hrkg_context
from hrkg.orgdata._rdf import _parse_rdf, _relabel, _to_quads
from hrkg.orgdata._reshape import _plain_namespace, _section3, _shaped_quads, _Shaper, _value_kinds
from hrkg.orgdata._yaml import _collection_paused, _load_yaml, _Locator, _position
from hrkg.orgdata.model import (
    _ORGANISATION,
    _RDF_TYPE,
    DEFAULT_ORG_ID,
    MEDIA_TYPES,
    ORG_BASE,
    SUFFIXES,
    Format,
    OrgData,
    _Doc,
    _Rdf,
    _Section3,
)


def load_organisation_files(paths: Sequence[Path]) -> OrgData:
    """Read, parse and merge organisation files; any unreadable file raises :class:`InputError` and nothing is
    returned. The format follows the file suffix (see :data:`SUFFIXES`)."""
    if not paths:
        raise InputError("no organisation files given", hint="name one or more YAML, JSON or RDF files")
    with _collection_paused():
        return _load_files(paths)


def _load_files(paths: Sequence[Path]) -> OrgData:
    docs = []
    for path in paths:
        source = str(path)
        fmt = SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            raise InputError(
                f"unsupported file type {path.suffix!r}",
                source=source,
                hint="use " + ", ".join(sorted(SUFFIXES)),
            )
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise InputError("file not found", source=source, hint="check the path") from None
        except IsADirectoryError:
            raise InputError("is a directory, not a file", source=source, hint="name the files inside it") from None
        except OSError as exc:
            raise InputError(f"cannot read the file: {exc.strerror}", source=source, hint="check the path") from None
        text = decode_text(raw, source)
        docs.append(_parse(text, fmt, source, base=path.resolve().as_uri()))
    return _assemble(docs)


def parse_organisation_text(text: str, *, media_type: str, source: str) -> OrgData:
    """Parse one document given as text (the HTTP service); ``media_type`` is one of :data:`MEDIA_TYPES`
    (parameters such as ``; charset=utf-8`` are ignored)."""
    essence = media_type.split(";", 1)[0].strip().lower()
    fmt = MEDIA_TYPES.get(essence)
    if fmt is None:
        raise InputError(
            f"unsupported media type {media_type!r}",
            source=source,
            hint="send one of " + ", ".join(sorted(MEDIA_TYPES)),
        )
    with _collection_paused():
        return _assemble([_parse(text.removeprefix("\ufeff"), fmt, source, base=None)])


def decode_text(raw: bytes, source: str, *, noun: str = "file", hint: str = "save the file as UTF-8") -> str:
    """UTF-8 text (a byte-order mark is dropped); bytes that are not UTF-8 are an :class:`InputError` at their line
    and column."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")) + 1
        raise InputError(f"the {noun} is not UTF-8 text", source=source, line=line, column=column, hint=hint) from None


def _parse(text: str, fmt: Format, source: str, *, base: str | None) -> _Doc:
    if fmt == "yaml":
        data, locator = _load_yaml(text, source)
        return _section3(data, source, locator, locator.starts.get(id(data)))
    if fmt in ("json", "jsonld"):
        data = _load_json(text, source)
        if _is_section3(data) or (fmt == "json" and not isinstance(data, dict)):
            return _section3(data, source, _Locator(), _position(text, len(text) - len(text.lstrip())))
        return _Rdf(_to_quads(_jsonld_to_graph(data, source, base=base), source), source)
    return _Rdf(_parse_rdf(text, fmt, source, base=base), source)


def _load_json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"cannot parse JSON: {exc.msg}",
            source=source,
            line=exc.lineno,
            column=exc.colno,
            hint="fix the JSON at that position (a missing comma, quote or bracket; no trailing commas); "
            "nothing was loaded",
        ) from None
    except RecursionError:
        raise InputError("the JSON is nested too deeply", source=source, hint="flatten the document") from None


def _is_section3(data: Any) -> bool:
    """A JSON object in the section 3 shape: no JSON-LD keywords but an ``@context`` naming hrkg's own."""
    if not isinstance(data, dict):
        return False
    if any(isinstance(k, str) and k.startswith("@") and k != "@context" for k in data):
        return False
    return "@context" not in data or _names_hrkg_context(data["@context"])


def _assemble(docs: Sequence[_Doc]) -> OrgData:
    """Give each section 3 document its organisation, convert, and merge; nothing is returned on any error."""
    declared: dict[URIRef, str] = {}
    rdf_type, organisation = ox.NamedNode(str(_RDF_TYPE)), ox.NamedNode(str(_ORGANISATION))
    for doc in docs:
        if isinstance(doc, _Section3) and doc.org is not None:
            declared.setdefault(*doc.org)
        elif isinstance(doc, _Rdf):
            for q in doc.quads:
                if q.predicate == rdf_type and q.object == organisation and isinstance(q.subject, ox.NamedNode):
                    org = URIRef(q.subject.value)
                    declared.setdefault(org, str(org) if str(org).endswith(("/", "#")) else str(org) + "/")
    quads: list[ox.Quad] = []
    used: dict[URIRef, str] = {}
    for index, doc in enumerate(docs):
        if isinstance(doc, _Rdf):
            doc_quads = doc.quads
        else:
            org, namespace = doc.org or _batch_organisation(declared, doc.source)
            used.setdefault(org, namespace)
            shaped = _Shaper(doc, _value_kinds()).jsonld(org, namespace)
            if _plain_namespace(namespace):
                doc_quads = _shaped_quads(shaped, namespace)
            else:
                doc_quads = _to_quads(_jsonld_to_graph(shaped, doc.source, base=namespace), doc.source)
        # blank node labels can only clash between documents: one document is taken as it is
        quads.extend(_relabel(doc_quads, f"d{index}") if len(docs) > 1 else doc_quads)
    for org, namespace in declared.items():
        used.setdefault(org, namespace)
    return OrgData(
        quads=tuple(quads),  # duplicates are harmless: stores and graphs keep one of each
        organisations=tuple(used),
        namespaces=used,
        sources=tuple(doc.source for doc in docs),
    )


def _batch_organisation(declared: Mapping[URIRef, str], source: str) -> tuple[URIRef, str]:
    if len(declared) == 1:
        return next(iter(declared.items()))
    if not declared:
        return URIRef(ORG_BASE + DEFAULT_ORG_ID), ORG_BASE + DEFAULT_ORG_ID + "/"
    raise InputError(
        "this file names no organisation, and the other files name several",
        source=source,
        hint="add `organisation: {id: ...}` to the file, naming the organisation its records belong to",
    )
