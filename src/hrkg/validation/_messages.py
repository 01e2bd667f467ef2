"""Finding messages: a shape's message template filled with the values as the user wrote them."""

from __future__ import annotations

import re

import pyoxigraph as ox

from hrkg.namespaces import shorten
from hrkg.orgdata import OrgData

_PLACEHOLDER = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")


def lexical(term: object) -> str:
    if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode):
        return term.value
    return str(term)


def _display(value: str, data: OrgData) -> str:
    """A value as the user wrote it: a local id, or a catalogue IRI as ``scheme:id``."""
    local = data.local_id(value)
    if local != value:
        return local
    return shorten(value) if value.startswith(("http://", "https://")) else value


def render_message(template: str, values: dict[str, str], data: OrgData) -> str:
    return _PLACEHOLDER.sub(
        lambda m: _display(values[m.group(1)], data) if m.group(1) in values else m.group(0), template
    )
