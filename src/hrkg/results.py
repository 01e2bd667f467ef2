"""Render a :class:`~hrkg.store.QueryResult` in the formats users ask for.

SELECT/ASK: ``table`` (for people), ``json``/``xml``/``csv``/``tsv`` (SPARQL 1.1 Query Results formats).
CONSTRUCT/DESCRIBE: ``turtle``, ``ntriples``, ``jsonld``, ``rdfxml`` (and ``table``, one triple a row).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from hrkg.errors import UsageError
from hrkg.namespaces import PREFIXES, shorten
from hrkg.store import QueryResult, Term

TABULAR = ("table", "json", "xml", "csv", "tsv")
GRAPH = ("turtle", "ntriples", "jsonld", "rdfxml", "table")
MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "table": "text/plain; charset=utf-8",
    "turtle": "text/turtle; charset=utf-8",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
#: our RDF format names -> pyoxigraph's
RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _json_term(term: Term) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}


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


def serialize(result: QueryResult, fmt: str) -> str:
    """The result as text in ``fmt``; raises :class:`HrkgError` for a format that does not fit the query form."""
    if result.kind == "graph":
        if fmt not in GRAPH:
            raise UsageError(
                f"format {fmt!r} does not fit a CONSTRUCT/DESCRIBE result",
                hint="use one of: " + ", ".join(GRAPH),
            )
        if fmt == "table":
            rows = [[_human(t.subject), _human(t.predicate), _human(t.object)] for t in result.triples]
            return _table(["subject", "predicate", "object"], rows)
        kwargs: dict[str, Any] = {}
        if fmt == "turtle":
            kwargs["prefixes"] = PREFIXES
        data = ox.serialize(result.triples, format=RDF_FORMATS[fmt], **kwargs)
        return data.decode("utf-8") if data else ""
    if fmt not in TABULAR:
        raise UsageError(f"format {fmt!r} does not fit a SELECT/ASK result", hint="use one of: " + ", ".join(TABULAR))
    if result.kind == "ask":
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": result.boolean}) + "\n"
        if fmt == "xml":
            return (
                '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{str(result.boolean).lower()}</boolean></sparql>\n"
            )
        return ("true" if result.boolean else "false") + "\n"
    if fmt == "json":
        doc = {
            "head": {"vars": result.variables},
            "results": {"bindings": [{k: _json_term(v) for k, v in row.items()} for row in result.rows]},
        }
        return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    if fmt == "xml":
        return _xml(result)
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        if fmt == "csv":
            writer = csv.writer(buf, lineterminator="\r\n")
            writer.writerow(result.variables)
            for row in result.rows:
                writer.writerow([_plain(row[v]) if v in row else "" for v in result.variables])
        else:
            buf.write("\t".join("?" + v for v in result.variables) + "\n")
            for row in result.rows:
                buf.write("\t".join(str(row[v]) if v in row else "" for v in result.variables) + "\n")
        return buf.getvalue()
    rows = [[_human(row[v]) if v in row else "" for v in result.variables] for row in result.rows]
    return _table(result.variables, rows)


def _xml(result: QueryResult) -> str:
    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "<head>"]
    out += [f"<variable name={quoteattr(v)}/>" for v in result.variables]
    out += ["</head>", "<results>"]
    for row in result.rows:
        out.append("<result>")
        for name, term in row.items():
            if isinstance(term, ox.NamedNode):
                value = f"<uri>{escape(term.value)}</uri>"
            elif isinstance(term, ox.BlankNode):
                value = f"<bnode>{escape(term.value)}</bnode>"
            elif isinstance(term, ox.Literal):
                if term.language:
                    attr = f" xml:lang={quoteattr(term.language)}"
                elif term.datatype.value not in (_XSD_STRING, _RDF_LANGSTRING):
                    attr = f" datatype={quoteattr(term.datatype.value)}"
                else:
                    attr = ""
                value = f"<literal{attr}>{escape(term.value)}</literal>"
            else:
                value = f"<literal>{escape(str(term))}</literal>"
            out.append(f"<binding name={quoteattr(name)}>{value}</binding>")
        out.append("</result>")
    out += ["</results>", "</sparql>"]
    return "\n".join(out) + "\n"
