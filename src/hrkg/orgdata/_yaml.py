"""YAML with positions: a safe loader that records the line and column of every value, bounds what aliases may
expand to (``YAML_LIMITS``), and a fast libyaml path for files without anchors."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn

import yaml
import yaml.constructor
import yaml.resolver

from hrkg.errors import InputError

try:  # libyaml: the fast YAML reader; without it, the reference reader reads everything
    from yaml.cyaml import CParser as _CParser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    _CParser = None  # type: ignore[assignment,misc]


#: YAML aliases let a small file stand for a huge one ("billion laughs"): the limits, counted while the file is read
#: (before anything is built from it). ``yaml-alias-nodes`` counts the nodes (scalars, lists, mappings) all alias
#: uses stand for once expanded, an alias inside an aliased node counting everything it expands to.
YAML_LIMITS: dict[str, int] = {"yaml-anchors": 10_000, "yaml-aliases": 10_000, "yaml-alias-nodes": 100_000}


Position = tuple[int, int]


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


def _position(text: str, index: int) -> Position:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


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
