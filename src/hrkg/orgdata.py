"""Organisation data (DESIGN.md section 3) -> RDF.

YAML and JSON in the section 3 format are reshaped (never judged) and turned into RDF by rdflib's JSON-LD parser with
the context bundled in ``data/context.jsonld``. Turtle, N-Triples, N-Quads, TriG, RDF/XML and JSON-LD are read as
they are. Nothing is fetched: hrkg's own context URL is replaced by the bundled file, any other remote context is
refused, and RDF/XML with a document type declaration is refused.

Local ids become IRIs under the organisation's namespace, ``https://w3id.org/hrkg/org/<org-id>/<local-id>``
(percent-encoded where an id is not a valid IRI segment); :func:`local_id` turns them back into the ids users wrote.
Values are never checked here: unknown enumeration values and dangling ids survive as IRIs for SHACL to report.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Literal, NoReturn, cast
from urllib.parse import quote, unquote

import pyoxigraph as ox
import rdflib
import yaml
import yaml.constructor
import yaml.resolver
from rdflib.plugins.parsers.jsonld import to_rdf
from rdflib.plugins.shared.jsonld.util import norm_url
from rdflib.term import BNode, Node, URIRef

from hrkg.errors import InputError
from hrkg.namespaces import HRKG_BASE, PREFIXES
from hrkg.resources import resources

try:  # libyaml: the fast YAML reader; without it, the reference reader reads everything
    from yaml.cyaml import CParser as _CParser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    _CParser = None  # type: ignore[assignment,misc]

__all__ = [
    "CONTEXT_URL",
    "DEFAULT_ORG_ID",
    "MEDIA_TYPES",
    "ORG_BASE",
    "SUFFIXES",
    "YAML_LIMITS",
    "OrgData",
    "context",
    "load_organisation_files",
    "local_id",
    "parse_organisation_text",
]

#: where the service publishes data/context.jsonld; documents that name it get the bundled copy
CONTEXT_URL = HRKG_BASE + "context.jsonld"
_CONTEXT_URLS = frozenset({CONTEXT_URL, HRKG_BASE + "context", "http://w3id.org/hrkg/context.jsonld"})
#: organisation namespaces: ``ORG_BASE + <org-id> + "/"``
ORG_BASE = HRKG_BASE + "org/"
#: the organisation of files that name none (when no other file of the batch names one)
DEFAULT_ORG_ID = "unnamed"

Format = Literal["yaml", "json", "jsonld", "turtle", "ntriples", "nquads", "trig", "rdfxml"]

SUFFIXES: dict[str, Format] = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".jsonld": "jsonld",
    ".ttl": "turtle",
    ".nt": "ntriples",
    ".nq": "nquads",
    ".trig": "trig",
    ".rdf": "rdfxml",
    ".owl": "rdfxml",
}
MEDIA_TYPES: dict[str, Format] = {
    "application/yaml": "yaml",
    "application/x-yaml": "yaml",
    "text/yaml": "yaml",
    "text/x-yaml": "yaml",
    "application/json": "json",
    "application/ld+json": "jsonld",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/n-quads": "nquads",
    "application/trig": "trig",
    "application/rdf+xml": "rdfxml",
}
_OX_FORMATS: dict[Format, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
_FORMAT_NAMES: dict[Format, str] = {
    "yaml": "YAML",
    "json": "JSON",
    "jsonld": "JSON-LD",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "nquads": "N-Quads",
    "trig": "TriG",
    "rdfxml": "RDF/XML",
}

_RDF_TYPE = rdflib.RDF.type
_ORGANISATION = URIRef(PREFIXES["hrkg"] + "Organisation")
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"

#: a full IRI: a scheme, a colon, and nothing an IRI cannot hold
_FULL_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
_BOOLEAN_LEXICAL = frozenset({"true", "false", "1", "0"})
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,127}$")
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
#: characters kept as they are in a local id or enumeration value; everything else is percent-encoded
_SAFE = "-._~!$&'()*+,;="
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
#: how much of a document the reshaping may visit (a safety net: the YAML limits below bound what aliases add)
_MAX_VALUES = 5_000_000
#: YAML aliases let a small file stand for a huge one ("billion laughs"): the limits, counted while the file is read
#: (before anything is built from it). ``yaml-alias-nodes`` counts the nodes (scalars, lists, mappings) all alias
#: uses stand for once expanded, an alias inside an aliased node counting everything it expands to.
YAML_LIMITS: dict[str, int] = {"yaml-anchors": 10_000, "yaml-aliases": 10_000, "yaml-alias-nodes": 100_000}

ValueKind = Literal["enum", "ref", "bool", "text", "record"]
Position = tuple[int, int]


# -- the result -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgData:
    """Organisation data as RDF, with the organisations it describes and their local-id namespaces.

    The triples are kept as pyoxigraph quads (in the default graph), so that large RDF files go from the parser to
    the validation store without passing through rdflib; :attr:`graph` gives them as an rdflib graph on demand.
    """

    quads: tuple[ox.Quad, ...]
    organisations: tuple[URIRef, ...]
    namespaces: Mapping[URIRef, str]
    sources: tuple[str, ...] = ()

    @cached_property
    def graph(self) -> rdflib.Graph:
        graph = rdflib.Graph()
        for prefix, ns in PREFIXES.items():
            graph.bind(prefix, ns)
        if self.quads:
            triples = (ox.Triple(q.subject, q.predicate, q.object) for q in self.quads)
            graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
        return graph

    @property
    def organisation(self) -> URIRef | None:
        """The (first) organisation, or None for RDF input that declares no ``hrkg:Organisation``."""
        return self.organisations[0] if self.organisations else None

    @property
    def namespace(self) -> str | None:
        """The namespace local ids of the (first) organisation are resolved against."""
        org = self.organisation
        return self.namespaces[org] if org is not None else None

    def iri(self, local: str, *, organisation: URIRef | None = None) -> URIRef:
        """The IRI a local id of a section 3 file becomes (a full IRI stays as it is)."""
        org = organisation or self.organisation
        if org is None:
            raise ValueError("no organisation to resolve a local id against")
        return URIRef(_resolve_ref(_encode(local), self.namespaces[org]))

    def local_id(self, iri: Node | str) -> str:
        return local_id(iri, self)


def local_id(iri: Node | str, org: OrgData) -> str:
    """The id a user wrote for ``iri`` (the ``focus`` of a finding): ``<ns>i1`` -> ``i1``; an organisation's own
    IRI -> its id; any other IRI is returned whole, a blank node as ``_:<id>``."""
    if isinstance(iri, BNode):
        return f"_:{iri}"
    text = str(iri)
    if URIRef(text) in org.namespaces:
        rest = text.removeprefix(ORG_BASE)
        return unquote(rest) if rest != text and rest and "/" not in rest else text
    for ns in sorted(org.namespaces.values(), key=len, reverse=True):
        if text.startswith(ns) and len(text) > len(ns):
            return unquote(text[len(ns) :])
    return text


@cache
def _context_file() -> str:
    return (resources().data / "context.jsonld").read_text(encoding="utf-8")


def context() -> dict[str, Any]:
    """The bundled JSON-LD context (the value of its ``@context``), a fresh copy each call."""
    doc = json.loads(_context_file())
    return cast(dict[str, Any], doc["@context"])


# -- public entry points --------------------------------------------------------------------------------------


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


@contextmanager
def _collection_paused() -> Iterator[None]:
    """Python's cycle collector paused while a document is read: reading builds millions of small objects that hold
    no cycles, and each full collection would walk all of them (40% of the time of a 1M-triple register)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# -- reading one document -------------------------------------------------------------------------------------


@dataclass
class _Locator:
    """Where YAML put each mapping value and sequence item (JSON carries no positions here)."""

    keys: dict[int, dict[str, Position]] = field(default_factory=dict)
    items: dict[int, list[Position]] = field(default_factory=dict)
    starts: dict[int, Position] = field(default_factory=dict)

    def at(self, container: object, key: str | int) -> Position | None:
        if isinstance(key, int):
            items = self.items.get(id(container), [])
            return items[key] if 0 <= key < len(items) else None
        return self.keys.get(id(container), {}).get(key)


@dataclass
class _Section3:
    """A section 3 document, read but not yet turned into RDF (that needs the batch's organisation)."""

    data: dict[str, Any]
    source: str
    locator: _Locator
    org: tuple[URIRef, str] | None  # (organisation IRI, namespace) when the document names one


@dataclass
class _Rdf:
    quads: list[ox.Quad]
    source: str


_Doc = _Section3 | _Rdf


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


def _position(text: str, index: int) -> Position:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


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


class _Bounds:
    """The YAML limits (:data:`YAML_LIMITS`), counted while the document is read: anchors, alias uses, and the nodes
    the aliases stand for once expanded (an alias of an alias counts all it expands to). The first limit crossed
    stops the reading at that alias or anchor."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.anchors = 0
        self.aliases = 0
        self.alias_nodes = 0

    def anchor(self, mark: Any) -> None:
        self.anchors += 1
        self._check("yaml-anchors", self.anchors, mark, "more than {limit} YAML anchors (&name)")

    def alias(self, mark: Any, size: int) -> None:
        self.aliases += 1
        self._check("yaml-aliases", self.aliases, mark, "more than {limit} YAML aliases (*name)")
        self.alias_nodes += size
        self._check(
            "yaml-alias-nodes", self.alias_nodes, mark, "the YAML aliases up to here stand for more than {limit} nodes"
        )

    def recursive(self, mark: Any, anchor: str) -> NoReturn:
        line, column = _mark_position(mark)
        raise InputError(
            f"the YAML alias *{anchor} is used inside the node it names (it would expand without end)",
            source=self.source,
            line=line,
            column=column,
            hint=f"write the value out instead of the alias; nothing was loaded ({_YAML_HINT})",
        )

    def _check(self, name: str, count: int, mark: Any, what: str) -> None:
        limit = YAML_LIMITS[name]
        if count <= limit:
            return
        line, column = _mark_position(mark)
        raise InputError(
            what.format(limit=f"{limit:,}") + f" (limit {name} = {limit:,})",
            source=self.source,
            line=line,
            column=column,
            hint=f"write the repeated parts out instead of using aliases, or split the file; {_YAML_HINT}",
        )


_YAML_HINT = "a few anchors and aliases are fine, see README 'Limits'"


def _mark_position(mark: Any) -> tuple[int | None, int | None]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


class _Loader(yaml.SafeLoader):
    """Safe YAML that remembers where each value starts, and stops at the first YAML limit crossed (:class:`_Bounds`)
    while it composes the document, before anything is constructed from it. The reference reader: the fast one
    (:func:`_load_yaml_fast`) gives the same data and positions, and leaves every document it cannot read to this."""

    def __init__(self, stream: str, source: str = "") -> None:
        super().__init__(stream)
        self.locator = _Locator()
        self.bounds = _Bounds(source)
        self.composed = 0  # nodes composed so far, each alias counting as the nodes it stands for
        self.sizes: dict[str, int] = {}  # anchor -> the nodes its node stands for

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            alias = event.anchor or ""
            size = self.sizes.get(alias)
            if size is None and alias in self.anchors:
                self.bounds.recursive(event.start_mark, alias)
            if size is not None:
                self.bounds.alias(event.start_mark, size)
                self.composed += size
            return super().compose_node(parent, index)
        anchor: str | None = getattr(event, "anchor", None)
        if anchor is not None:
            self.bounds.anchor(event.start_mark)
        start = self.composed
        self.composed += 1
        node = super().compose_node(parent, index)
        if anchor is not None:
            self.sizes[anchor] = self.composed - start
        return node


def _mark(node: yaml.Node) -> Position:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> Iterator[dict[Any, Any]]:
    data: dict[Any, Any] = {}
    yield data
    data.update(loader.construct_mapping(node))
    loader.locator.starts[id(data)] = _mark(node)
    loader.locator.keys[id(data)] = {
        k.value: _mark(v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and isinstance(k.value, str)
    }


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> Iterator[list[Any]]:
    data: list[Any] = []
    yield data
    data.extend(loader.construct_sequence(node))
    loader.locator.starts[id(data)] = _mark(node)
    loader.locator.items[id(data)] = [_mark(v) for v in node.value]


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def _load_yaml(text: str, source: str) -> tuple[Any, _Locator]:
    fast = _load_yaml_fast(text, source)
    if fast is not None:
        return fast
    loader = _Loader(text, source)
    try:
        return loader.get_single_data(), loader.locator
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = "; ".join(str(p) for p in (exc.problem, exc.context) if p)
        raise InputError(
            f"cannot parse YAML: {what or exc}",
            source=source,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            hint="fix the YAML at that position (indentation, a missing `:` or closing quote/bracket); "
            "nothing was loaded",
        ) from None
    except yaml.reader.ReaderError as exc:
        line, column = _position(text, exc.position)
        raise InputError(
            f"cannot parse YAML: {exc.reason}",
            source=source,
            line=line,
            column=column,
            hint="remove the control character at that position",
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"cannot parse YAML: {exc}", source=source, hint="check the YAML syntax") from None
    except RecursionError:
        raise InputError("the YAML is nested too deeply", source=source, hint="flatten the document") from None
    finally:
        loader.dispose()


class _NotFast(Exception):
    """The fast YAML reader leaves this document to the reference reader (:class:`_Loader`)."""


_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
#: scalar tags the fast reader constructs (with SafeConstructor's own functions); any other tag goes to the reference
_SCALAR_TAGS = frozenset(
    "tag:yaml.org,2002:" + t for t in ("null", "bool", "int", "float", "binary", "timestamp", "str")
)
#: deeper documents go to the reference reader, which says whether they are too deep
_FAST_DEPTH = 200
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


@dataclass
class _Open:
    """A mapping or sequence being read by :func:`_load_yaml_fast`."""

    data: Any
    start: Position
    anchor: str | None
    composed: int  # nodes composed before it
    positions: Any  # keys: raw key -> position (a mapping), or the items' positions (a sequence)
    key: Any = None
    raw_key: str | None = None
    has_key: bool = False


@dataclass
class _Anchored:
    value: Any
    start: Position
    size: int
    raw: str | None  # the scalar's text, for the positions of mapping keys


def _load_yaml_fast(text: str, source: str) -> tuple[Any, _Locator] | None:
    """The document as :class:`_Loader` reads it (same data, same positions, same YAML limits), built straight from
    libyaml's events without a node tree: ~5x faster and a fraction of the memory. None when libyaml is missing or
    the document uses anything beyond plain mappings, sequences, scalars, anchors and aliases (merge keys, explicit
    collection tags, recursive aliases, several documents, deep nesting) or cannot be read: the reference reader
    then reads it, and says what is wrong."""
    if _CParser is None:
        return None
    parser = _CParser(text)
    try:
        return _build(parser, _Bounds(source))
    except (_NotFast, yaml.YAMLError, RecursionError, ValueError, TypeError):
        return None
    finally:
        parser.dispose()


def _build(parser: Any, bounds: _Bounds) -> tuple[Any, _Locator]:
    locator = _Locator()
    starts, keys, items = locator.starts, locator.keys, locator.items
    anchors: dict[str, _Anchored | None] = {}  # None while the anchored node is still open
    constructed: dict[tuple[str, str], Any] = {}
    tags: dict[tuple[str, tuple[bool, bool]], str] = {}
    stack: list[_Open] = []
    composed = 0
    get_event = parser.get_event
    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
    collection_end = (yaml.MappingEndEvent, yaml.SequenceEndEvent)

    get_event()  # the stream starts
    if isinstance(parser.peek_event(), yaml.StreamEndEvent):
        return None, locator
    get_event()  # the document starts
    while True:
        event = get_event()
        kind = type(event)
        raw: str | None = None
        if kind is scalar_event:
            if event.anchor is not None:
                bounds.anchor(event.start_mark)
            composed += 1
            raw = event.value
            tag = event.tag
            if tag is None or tag == "!":
                implicit = (raw, event.implicit)
                tag = tags.get(implicit)
                if tag is None:
                    tag = tags[implicit] = _RESOLVER.resolve(yaml.ScalarNode, raw, event.implicit)  # type: ignore[no-untyped-call]
            if tag == _STR_TAG:
                value: Any = raw
            elif tag in _SCALAR_TAGS:
                key = (tag, raw)
                if key not in constructed:
                    node = yaml.ScalarNode(tag, raw, None, None, event.style)
                    constructed[key] = _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, node)
                value = constructed[key]
            else:
                raise _NotFast
            mark = event.start_mark
            start = (mark.line + 1, mark.column + 1)
            if event.anchor is not None:
                _define(anchors, event.anchor, _Anchored(value, start, 1, raw))
        elif kind is alias_event:
            anchored = anchors.get(event.anchor or "")
            if anchored is None:  # undefined, or used inside the node it names
                raise _NotFast
            bounds.alias(event.start_mark, anchored.size)
            composed += anchored.size
            value, start, raw = anchored.value, anchored.start, anchored.raw
        elif kind is mapping_start or kind is sequence_start:
            mapping = kind is mapping_start
            if event.tag not in (None, "!", _MAP_TAG if mapping else _SEQ_TAG) or len(stack) >= _FAST_DEPTH:
                raise _NotFast
            if event.anchor is not None:
                bounds.anchor(event.start_mark)
                _define(anchors, event.anchor, None)
            mark = event.start_mark
            start = (mark.line + 1, mark.column + 1)
            stack.append(_Open({} if mapping else [], start, event.anchor, composed, {} if mapping else []))
            composed += 1
            continue
        elif kind in collection_end:
            done = stack.pop()
            value, start = done.data, done.start
            starts[id(value)] = start
            if kind is yaml.MappingEndEvent:
                keys[id(value)] = done.positions
            else:
                items[id(value)] = done.positions
            if done.anchor is not None:
                anchors[done.anchor] = _Anchored(value, start, composed - done.composed, None)
        else:
            raise _NotFast
        if not stack:
            break
        parent = stack[-1]
        if type(parent.data) is list:
            parent.data.append(value)
            parent.positions.append(start)
        elif not parent.has_key:
            if type(value) is list or type(value) is dict:
                raise _NotFast  # an unhashable key: the reference reader says so
            parent.key, parent.raw_key, parent.has_key = value, raw, True
        else:
            parent.data[parent.key] = value
            if parent.raw_key is not None:
                parent.positions[parent.raw_key] = start
            parent.has_key = False
    if not isinstance(get_event(), yaml.DocumentEndEvent):
        raise _NotFast
    if not isinstance(get_event(), yaml.StreamEndEvent):
        raise _NotFast  # several documents: the reference reader says so
    return value, locator


def _define(anchors: dict[str, _Anchored | None], anchor: str, value: _Anchored | None) -> None:
    if anchor in anchors:
        raise _NotFast  # a duplicate anchor: the reference reader says so
    anchors[anchor] = value


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


def _names_hrkg_context(value: Any) -> bool:
    if isinstance(value, list):
        return len(value) == 1 and _names_hrkg_context(value[0])
    return isinstance(value, str) and value in _CONTEXT_URLS


# -- RDF syntaxes ---------------------------------------------------------------------------------------------


def _parse_rdf(text: str, fmt: Format, source: str, *, base: str | None) -> list[ox.Quad]:
    name = _FORMAT_NAMES[fmt]
    if fmt == "rdfxml":
        m = _DTD.search(text)
        if m:
            line, column = _position(text, m.start())
            raise InputError(
                f"RDF/XML with a <!{m.group(1).upper()} ...> declaration is refused (external entities are never "
                "resolved)",
                source=source,
                line=line,
                column=column,
                hint="remove the document type declaration and write the entities out",
            )
    try:
        quads = list(ox.parse(text.encode("utf-8"), format=_OX_FORMATS[fmt], base_iri=base))
    except SyntaxError as exc:
        message = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
        raise InputError(
            f"cannot parse {name}: {message}",
            source=source,
            line=exc.lineno,
            column=exc.offset,
            hint=f"fix the {name} syntax at that position; nothing was loaded",
        ) from None
    except ValueError as exc:
        raise InputError(f"cannot parse {name}: {exc}", source=source, hint=f"check the {name} syntax") from None
    default = ox.DefaultGraph()
    for i, q in enumerate(quads):
        if isinstance(q.subject, ox.Triple) or isinstance(q.object, ox.Triple):
            raise InputError(
                "RDF 1.2 triple terms are not supported in organisation data",
                source=source,
                hint="state the triple directly, without quoting it",
            )
        if q.graph_name != default:  # named graphs of TriG / N-Quads / JSON-LD merge into the default graph
            quads[i] = ox.Quad(q.subject, q.predicate, q.object)
    return quads


def _to_quads(graph: rdflib.Graph, source: str) -> list[ox.Quad]:
    data = graph.serialize(format="nt", encoding="utf-8")
    try:
        return [ox.Quad(q.subject, q.predicate, q.object) for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
    except SyntaxError as exc:  # rdflib let through an IRI that is none (a key with control characters, say)
        reason = str(exc).split(": ", 1)[-1].split(" (line")[0]
        raise InputError(
            f"the JSON-LD expands to a term that is not valid RDF: {reason}",
            source=source,
            hint="keys and @id values must expand to IRIs: no spaces, control characters, quotes or angle brackets",
        ) from None


def _relabel(quads: list[ox.Quad], tag: str) -> Iterator[ox.Quad]:
    """The quads with blank node labels made unique to their document, so documents merge without clashes."""

    def term(t: Any) -> Any:
        return ox.BlankNode(f"{tag}x{t.value}") if isinstance(t, ox.BlankNode) else t

    for q in quads:
        yield ox.Quad(term(q.subject), q.predicate, term(q.object))


def _jsonld_to_graph(data: Any, source: str, *, base: str | None) -> rdflib.Graph:
    data = _guard_contexts(data, source)
    graph = rdflib.Graph()  # not context-aware: the triples of named graphs (@graph) land here too
    try:
        to_rdf(data, graph, base=base or "", version=1.1)
    except RecursionError:
        raise InputError("the JSON-LD is nested too deeply", source=source, hint="flatten the document") from None
    except Exception as exc:  # rdflib's JSON-LD errors share no base class
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


# -- section 3 documents --------------------------------------------------------------------------------------


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
            hint=f"write {shape} (DESIGN.md section 3), e.g. `organisation: {{id: acme}}` and `impacts: [...]`",
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
            if node:  # an empty mapping is no assessment, deferral or indicator (DESIGN.md section 4)
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


def _encode(text: str) -> str:
    """A local id or enumeration value as an IRI reference: a full IRI stays, anything else is percent-encoded
    so that every id survives as one path segment (``.`` and ``..`` too)."""
    if _FULL_IRI.match(text):
        return text
    if text.strip(".") == "":
        return "%2E" * len(text)
    return quote(text, safe=_SAFE)


def _resolve_ref(ref: str, namespace: str) -> str:
    return ref if _FULL_IRI.match(ref) else namespace + ref


# -- a batch --------------------------------------------------------------------------------------------------


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
