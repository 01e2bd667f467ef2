"""The one registry of formats: every syntax hrkg reads or writes, with its label, media types and file suffixes.

RDF syntaxes and SPARQL results formats take their label, media type, suffix and W3C format IRI from pyoxigraph's
own tables (:class:`pyoxigraph.RdfFormat`, :class:`pyoxigraph.QueryResultsFormat`); hrkg adds the other media types
clients send for them and its own few formats (YAML, plain JSON, text, Markdown, HTML).

Each use of formats is a :class:`Use`: the names users give (``--format``, ``?format=``), in the service's order of
preference. The same name can mean a different syntax in another use: ``json`` is SPARQL JSON for query results,
the organisation format in JSON for input, and the report's own JSON for validation.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

__all__ = [
    "FORMATS",
    "GRAPH_OFFERS",
    "GRAPH_RESULTS",
    "ORGANISATION_DATA",
    "PAGE",
    "REPORTS",
    "STORE_FILES",
    "TABULAR_RESULTS",
    "Format",
    "Use",
]

#: the W3C format IRIs (https://www.w3.org/ns/formats/) where pyoxigraph's differs from the registry's
_W3C_IRIS = {"JSON-LD": "http://www.w3.org/ns/formats/JSON-LD"}


@dataclass(frozen=True)
class Format:
    """One syntax: ``media_type`` is what hrkg sends; ``aliases`` are further media types it accepts for it."""

    key: str
    label: str
    media_type: str
    aliases: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    rdf: ox.RdfFormat | None = None
    results: ox.QueryResultsFormat | None = None
    #: a text format: its Content-Type says ``charset=utf-8``
    text: bool = False
    #: rdflib's name for the syntax, where hrkg writes it with rdflib
    rdflib: str | None = None
    #: the W3C format IRI (for VoID and the service description)
    iri: str | None = None

    @property
    def content_type(self) -> str:
        """The Content-Type header for a body in this format."""
        return f"{self.media_type}; charset=utf-8" if self.text else self.media_type

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)


def _rdf(
    key: str, fmt: ox.RdfFormat, *, aliases: tuple[str, ...] = (), more: tuple[str, ...] = (), **kw: object
) -> Format:
    return Format(
        key=key,
        label=fmt.name,
        media_type=fmt.media_type,
        aliases=aliases,
        suffixes=(f".{fmt.file_extension}", *more),
        rdf=fmt,
        iri=_W3C_IRIS.get(fmt.name, fmt.iri),
        **kw,  # type: ignore[arg-type]
    )


def _results(key: str, fmt: ox.QueryResultsFormat, label: str, *, aliases: tuple[str, ...] = ()) -> Format:
    media_type, _, params = fmt.media_type.partition(";")
    return Format(
        key=key,
        label=label,
        media_type=media_type.strip(),
        aliases=aliases,
        suffixes=(f".{fmt.file_extension}",),
        results=fmt,
        text="charset" in params,
        iri=fmt.iri,
    )


#: every format hrkg knows, by key
FORMATS: dict[str, Format] = {
    f.key: f
    for f in (
        _rdf("turtle", ox.RdfFormat.TURTLE, aliases=("application/x-turtle",), text=True, rdflib="turtle"),
        _rdf("ntriples", ox.RdfFormat.N_TRIPLES, rdflib="nt"),
        _rdf("nquads", ox.RdfFormat.N_QUADS, rdflib="nquads"),
        _rdf("trig", ox.RdfFormat.TRIG, rdflib="trig"),
        _rdf("rdfxml", ox.RdfFormat.RDF_XML, more=(".owl",), rdflib="xml"),
        _rdf("jsonld", ox.RdfFormat.JSON_LD, rdflib="json-ld"),
        _results("sparql-json", ox.QueryResultsFormat.JSON, "SPARQL JSON", aliases=("application/json",)),
        _results("sparql-xml", ox.QueryResultsFormat.XML, "SPARQL XML", aliases=("application/xml",)),
        _results("sparql-csv", ox.QueryResultsFormat.CSV, "CSV"),
        _results("sparql-tsv", ox.QueryResultsFormat.TSV, "TSV"),
        Format(
            "yaml",
            "YAML",
            "application/yaml",
            aliases=("application/x-yaml", "text/yaml", "text/x-yaml"),
            suffixes=(".yaml", ".yml"),
            text=True,
        ),
        Format("json", "JSON", "application/json", suffixes=(".json",)),
        Format("text", "text", "text/plain", suffixes=(".txt",), text=True),
        Format("markdown", "Markdown", "text/markdown", suffixes=(".md",), text=True),
        Format("html", "HTML", "text/html", aliases=("application/xhtml+xml",), suffixes=(".html",), text=True),
    )
}


@dataclass(frozen=True)
class Use:
    """The formats of one use: name -> format, in order of preference (the first is the default)."""

    names: Mapping[str, str]
    #: media types that mean a format in this use only (e.g. ``text/plain`` asks a graph for N-Triples)
    extra: Mapping[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Format:
        return FORMATS[self.names[name]]

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def offers(self, *, aliases: bool = True) -> dict[str, str]:
        """Media type -> name, in order of preference: what content negotiation picks from."""
        out: dict[str, str] = {}
        for name in self.names:
            fmt = self[name]
            for media in fmt.media_types if aliases else (fmt.media_type,):
                out.setdefault(media, name)
            for media, extra in self.extra.items() if aliases else ():
                if extra == name:
                    out.setdefault(media, name)
        return out

    def by_suffix(self) -> dict[str, str]:
        """File suffix -> name."""
        return {suffix: name for name in self.names for suffix in self[name].suffixes}

    def content_type(self, name: str) -> str:
        return self[name].content_type

    def label(self, name: str) -> str:
        return self[name].label


#: answers to SELECT and ASK: the SPARQL 1.1 results formats and a text table (``html`` is a page, service only)
TABULAR_RESULTS = Use(
    {"json": "sparql-json", "xml": "sparql-xml", "csv": "sparql-csv", "tsv": "sparql-tsv", "table": "text"}
)
#: answers to CONSTRUCT and DESCRIBE
GRAPH_RESULTS = Use(
    {"turtle": "turtle", "ntriples": "ntriples", "jsonld": "jsonld", "rdfxml": "rdfxml", "table": "text"},
)
#: the service's negotiation of graphs: ``text/plain`` asks for N-Triples (its media type until RDF 1.1)
GRAPH_OFFERS = Use(
    {"turtle": "turtle", "ntriples": "ntriples", "jsonld": "jsonld", "rdfxml": "rdfxml"},
    extra={"text/plain": "ntriples"},
)
#: a page for browsers, offered last
PAGE = Use({"html": "html"})
#: organisation data: the YAML/JSON format of docs/organisation-data.md, and any RDF syntax
ORGANISATION_DATA = Use(
    {
        "yaml": "yaml",
        "json": "json",
        "jsonld": "jsonld",
        "turtle": "turtle",
        "ntriples": "ntriples",
        "nquads": "nquads",
        "trig": "trig",
        "rdfxml": "rdfxml",
    }
)
#: validation reports
REPORTS = Use({"json": "json", "turtle": "turtle", "markdown": "markdown", "html": "html", "text": "text"})
#: the knowledge graph's own files (ontology/, data/, shapes/)
STORE_FILES = Use({k: k for k in ("turtle", "ntriples", "nquads", "trig", "rdfxml", "jsonld")})
