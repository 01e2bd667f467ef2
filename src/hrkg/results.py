"""Query results in the formats users ask for, through one serialiser (:func:`write`) for the CLI and the service.

SELECT/ASK: ``table`` (for people), ``json``/``xml``/``csv``/``tsv`` (SPARQL 1.1 Query Results formats).
CONSTRUCT/DESCRIBE: ``turtle``, ``ntriples``, ``jsonld``, ``rdfxml`` (and ``table``, one triple a row).
"""

from __future__ import annotations

import io
from typing import IO

import pyoxigraph as ox

from hrkg.errors import UsageError
from hrkg.formats import GRAPH_RESULTS, TABULAR_RESULTS
from hrkg.namespaces import PREFIXES, shorten
from hrkg.store import QueryResult, Term

TABULAR = tuple(TABULAR_RESULTS)
GRAPH = tuple(GRAPH_RESULTS)
#: result format name -> Content-Type
MEDIA_TYPES = {name: use.content_type(name) for use in (TABULAR_RESULTS, GRAPH_RESULTS) for name in use}
#: RDF result format name -> pyoxigraph's format
RDF_FORMATS = {name: GRAPH_RESULTS[name].rdf for name in GRAPH_RESULTS if GRAPH_RESULTS[name].rdf is not None}
#: SPARQL results format name -> pyoxigraph's format
RESULTS_FORMATS = {
    name: TABULAR_RESULTS[name].results for name in TABULAR_RESULTS if TABULAR_RESULTS[name].results is not None
}


def _plain(term: Term) -> str:
    """CSV/TSV-style value: IRIs and literal lexical forms as they are."""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def _human(term: Term) -> str:
    """Table value: IRIs shortened with the known prefixes, literals as text."""
    if isinstance(term, ox.NamedNode):
        return shorten(term.value)
    return _plain(term)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    if not headers:
        return ""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    widths = [min(w, 80) for w in widths]

    def line(cells: list[str]) -> str:
        parts = []
        for cell, w in zip(cells, widths, strict=True):
            text = cell.replace("\n", " ")
            parts.append((text if len(text) <= w else text[: w - 1] + "…").ljust(w))
        return " | ".join(parts).rstrip()

    out = [line(headers), "-+-".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


Raw = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


def kind_of(raw: Raw) -> str:
    """``select``, ``ask`` or ``graph``."""
    return "ask" if isinstance(raw, ox.QueryBoolean) else "select" if isinstance(raw, ox.QuerySolutions) else "graph"


def fits(kind: str, fmt: str) -> bool:
    """Whether result format ``fmt`` can carry a result of ``kind``."""
    return fmt in (GRAPH if kind == "graph" else TABULAR)


def write(raw: Raw, sink: IO[bytes], fmt: str) -> None:
    """The one serialiser of query results (the command line and the service): the engine's lazy result written to
    ``sink`` in ``fmt`` as it is computed (pyoxigraph's serialisers), or a text table for people.

    Raises :class:`HrkgError` for a format that does not fit the query form."""
    kind = kind_of(raw)
    if not fits(kind, fmt):
        form, allowed = ("a CONSTRUCT/DESCRIBE", GRAPH) if kind == "graph" else ("a SELECT/ASK", TABULAR)
        raise UsageError(f"format {fmt!r} does not fit {form} result", hint="use one of: " + ", ".join(allowed))
    if fmt == "table":
        sink.write(table(QueryResult.of(raw)).encode("utf-8"))
    elif isinstance(raw, ox.QueryTriples):
        ox.serialize(raw, sink, format=RDF_FORMATS[fmt], prefixes=PREFIXES if fmt == "turtle" else None)
    else:
        raw.serialize(sink, format=RESULTS_FORMATS[fmt])


def serialize(raw: Raw, fmt: str) -> str:
    """:func:`write` into a string."""
    sink = io.BytesIO()
    write(raw, sink, fmt)
    return sink.getvalue().decode("utf-8")


def table(result: QueryResult) -> str:
    """A text table for people: IRIs shortened with the known prefixes, one triple a row for graphs."""
    if result.kind == "graph":
        rows = [[_human(t.subject), _human(t.predicate), _human(t.object)] for t in result.triples]
        return _table(["subject", "predicate", "object"], rows)
    if result.kind == "ask":
        return ("true" if result.boolean else "false") + "\n"
    rows = [[_human(row[v]) if v in row else "" for v in result.variables] for row in result.rows]
    return _table(result.variables, rows)
