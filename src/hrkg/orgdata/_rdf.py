"""RDF syntaxes read as they are (Turtle, N-Triples, N-Quads, TriG, RDF/XML) with pyoxigraph; RDF/XML with a
document type declaration is refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import rdflib

from hrkg.errors import InputError
from hrkg.orgdata._yaml import _position
from hrkg.orgdata.model import _FORMAT_NAMES, _OX_FORMATS, Format

_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


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
