"""Linked-data descriptions of the knowledge graph, as lists of pyoxigraph triples, and their representations.

RDF descriptions: the SPARQL 1.1 Service Description of ``/sparql``, the VoID description of the dataset, the
ontology (whole or one module), one resource's bounded description. HTML pages: the namespace document (landing
page with an anchor per term), a resource, a named graph. :func:`rdf_response` picks the representation by content
negotiation (Turtle, JSON-LD, RDF/XML, N-Triples, and HTML where a page exists). Every SPARQL query lives in an
``.rq`` file under ``queries/void/`` or ``queries/ld/``; values enter them as RDF terms through ``bindings=``.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from hrkg.formats import GRAPH_OFFERS, PAGE, TABULAR_RESULTS
from hrkg.namespaces import HRKG, HRKG_BASE, PREFIXES, shorten
from hrkg.service.negotiation import choose
from hrkg.store import Store, Term, lexical

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
FORMATS = "http://www.w3.org/ns/formats/"
FOAF = "http://xmlns.com/foaf/0.1/"
_RDF = PREFIXES["rdf"]
_RDFS = PREFIXES["rdfs"]
_OWL = PREFIXES["owl"]
_SKOS = PREFIXES["skos"]
_DCTERMS = PREFIXES["dcterms"]
_XSD_INTEGER = ox.NamedNode(PREFIXES["xsd"] + "integer")

RDF_TYPE = ox.NamedNode(_RDF + "type")
RDFS_LABEL = ox.NamedNode(_RDFS + "label")
RDFS_COMMENT = ox.NamedNode(_RDFS + "comment")
SKOS_PREF_LABEL = ox.NamedNode(_SKOS + "prefLabel")
SKOS_DEFINITION = ox.NamedNode(_SKOS + "definition")
DCTERMS_DESCRIPTION = ox.NamedNode(_DCTERMS + "description")

#: the namespace document: hash terms ``https://w3id.org/hrkg#Term`` are described in it (path ``/``)
NAMESPACE_DOCUMENT = str(HRKG).rstrip("#")
#: the IRI of the dataset that ``/.well-known/void`` describes
VOID_DATASET = HRKG_BASE + ".well-known/void#dataset"
#: every entity IRI of the guide data starts with this (the hash terms of the vocabulary do not)
URI_SPACE = HRKG_BASE
#: a named graph whose IRI contains this holds links to other datasets: VoID calls it a linkset
LINKSET_MARKER = "/graph/links/"

#: prefixes for Turtle output: the project's own plus the vocabularies of the descriptions
TURTLE_PREFIXES: dict[str, str] = {**PREFIXES, "void": VOID, "sd": SD, "formats": FORMATS, "foaf": FOAF}
#: media type -> format for RDF representations, Turtle first (the answer to ``*/*``)
RDF_OFFERS: dict[str, str] = {**GRAPH_OFFERS.offers(), "application/json": "jsonld"}
HTML_OFFERS: dict[str, str] = PAGE.offers()
#: the formats the service answers in (SPARQL results and RDF), as W3C format IRIs
_RESULT_FORMATS = tuple(
    str(use[name].iri) for use in (TABULAR_RESULTS, GRAPH_OFFERS) for name in use if use[name].iri is not None
)
_RDF_SYNTAXES = tuple(str(GRAPH_OFFERS[name].iri) for name in GRAPH_OFFERS)


def _iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_XSD_INTEGER)


def _en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


@cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _query(store: Store, name: str) -> str:
    """The text of ``queries/<name>`` from the store's resources."""
    return _read(store.resources.queries / name)


def _count(term: Term | None) -> int:
    return int(term.value) if isinstance(term, ox.Literal) else 0


def _unique(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    return list(dict.fromkeys(triples))


# -- counts shared by the service description and VoID ---------------------------------------------------


def graph_triple_counts(store: Store) -> dict[str, int]:
    """Triples per named graph of the knowledge graph (empty graphs count 0); cached until the store reloads."""

    def compute() -> dict[str, int]:
        counts = dict.fromkeys(store.graphs(), 0)
        for row in store.query(_query(store, "void/graph-triples.rq")).rows:
            graph = row.get("graph")
            if isinstance(graph, ox.NamedNode) and graph.value in counts:
                counts[graph.value] = _count(row.get("triples"))
        return counts

    return store.memo("ld:graph-triples", compute)


def statistics(store: Store) -> dict[str, int]:
    """Triples, classes, properties, distinct subjects and objects of the whole graph; cached."""

    def compute() -> dict[str, int]:
        result = store.query(_query(store, "void/statistics.rq"))
        row = result.rows[0] if result.rows else {}
        return {name: _count(row.get(name)) for name in ("triples", "classes", "properties", "subjects", "objects")}

    return store.memo("ld:statistics", compute)


# -- SPARQL 1.1 Service Description ------------------------------------------------------------------------


def service_description(store: Store, endpoint_url: str) -> list[ox.Triple]:
    """A SPARQL 1.1 Service Description of the query endpoint at ``endpoint_url``.

    The default graph is the union of the named graphs (``sd:UnionDefaultGraph``); each named graph of the store is
    listed with its size.
    """

    def sd(local: str) -> ox.NamedNode:
        return _iri(SD + local)

    triples_p = _iri(VOID + "triples")
    service, dataset, default = ox.BlankNode("service"), ox.BlankNode("dataset"), ox.BlankNode("defaultGraph")
    out = [
        ox.Triple(service, RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), _iri(endpoint_url)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        *(ox.Triple(service, sd("resultFormat"), _iri(f)) for f in _RESULT_FORMATS),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, sd("Graph")),
        ox.Triple(default, triples_p, _int(statistics(store)["triples"])),
    ]
    for i, (graph, count) in enumerate(graph_triple_counts(store).items()):
        named, content = ox.BlankNode(f"namedGraph{i}"), ox.BlankNode(f"graph{i}")
        out += [
            ox.Triple(dataset, sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, sd("NamedGraph")),
            ox.Triple(named, sd("name"), _iri(graph)),
            ox.Triple(named, sd("graph"), content),
            ox.Triple(content, RDF_TYPE, sd("Graph")),
            ox.Triple(content, triples_p, _int(count)),
        ]
    return out


# -- VoID --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _VoidFacts:
    statistics: dict[str, int]
    entities: int
    graphs: dict[str, int]
    partitions: list[tuple[str, int]]
    vocabularies: list[str]
    examples: list[str]
    link_predicates: dict[str, list[str]]


def _void_facts(store: Store) -> _VoidFacts:
    entities = store.query(_query(store, "void/entities.rq"), bindings={"space": ox.Literal(URI_SPACE)})
    partitions = [
        (cls.value, _count(row.get("entities")))
        for row in store.query(_query(store, "void/class-partitions.rq")).rows
        if isinstance(cls := row.get("class"), ox.NamedNode)
    ]
    vocabularies = [lexical(row["vocabulary"]) for row in store.query(_query(store, "void/vocabularies.rq")).rows]
    examples = [lexical(row["resource"]) for row in store.query(_query(store, "void/examples.rq")).rows]
    graphs = graph_triple_counts(store)
    link_predicates = {
        graph: [
            lexical(row["property"])
            for row in store.query(_query(store, "void/linkset-predicates.rq"), default_graphs=[graph]).rows
        ]
        for graph in graphs
        if LINKSET_MARKER in graph
    }
    return _VoidFacts(
        statistics=statistics(store),
        entities=_count(entities.rows[0].get("entities")) if entities.rows else 0,
        graphs=graphs,
        partitions=partitions,
        vocabularies=vocabularies,
        examples=examples,
        link_predicates=link_predicates,
    )


def void_description(store: Store, base_url: str) -> list[ox.Triple]:
    """A VoID description of the knowledge graph, with its SPARQL endpoint at ``<base_url>/sparql``.

    Sizes, the vocabularies used, example resources, one subset per named graph (a ``void:Linkset`` for graphs
    under ``/graph/links/``) and one class partition per class. The counts are computed once per store load.
    """

    def void(local: str) -> ox.NamedNode:
        return _iri(VOID + local)

    facts = store.memo("ld:void", lambda: _void_facts(store))
    dataset = _iri(VOID_DATASET)
    document = _iri(VOID_DATASET.split("#", 1)[0])
    stats = facts.statistics
    out = [
        ox.Triple(document, RDF_TYPE, void("DatasetDescription")),
        ox.Triple(document, _iri(FOAF + "primaryTopic"), dataset),
        ox.Triple(dataset, RDF_TYPE, void("Dataset")),
        ox.Triple(
            dataset,
            _iri(_DCTERMS + "title"),
            _en("hrkg: the human rights-based guide to generative AI risk mitigation as a knowledge graph"),
        ),
        ox.Triple(
            dataset,
            DCTERMS_DESCRIPTION,
            _en(
                "An OWL ontology and the guidance data built from BSR's guide to a human rights-based approach to "
                "mitigating the risks of generative AI, grounded in the UN Guiding Principles on Business and Human "
                "Rights: attribution and leverage, the rights and the articles that recognise them, mitigation "
                "categories and measures, tensions between rights, and the sources of every statement."
            ),
        ),
        ox.Triple(dataset, _iri(_DCTERMS + "license"), _iri("https://creativecommons.org/licenses/by/4.0/")),
        ox.Triple(dataset, _iri(_DCTERMS + "source"), _iri(HRKG_BASE + "guide")),
        ox.Triple(dataset, void("sparqlEndpoint"), _iri(base_url.rstrip("/") + "/sparql")),
        ox.Triple(dataset, void("uriSpace"), ox.Literal(URI_SPACE)),
        ox.Triple(dataset, void("rootResource"), _iri(PREFIXES["hrkgo"] + "hrkg")),
        ox.Triple(dataset, void("triples"), _int(stats["triples"])),
        ox.Triple(dataset, void("classes"), _int(stats["classes"])),
        ox.Triple(dataset, void("properties"), _int(stats["properties"])),
        ox.Triple(dataset, void("distinctSubjects"), _int(stats["subjects"])),
        ox.Triple(dataset, void("distinctObjects"), _int(stats["objects"])),
        ox.Triple(dataset, void("entities"), _int(facts.entities)),
        *(ox.Triple(dataset, void("feature"), _iri(f)) for f in _RDF_SYNTAXES),
        *(ox.Triple(dataset, void("vocabulary"), _iri(v)) for v in facts.vocabularies),
        *(ox.Triple(dataset, void("exampleResource"), _iri(e)) for e in facts.examples),
    ]
    for graph, count in facts.graphs.items():
        subset = _iri(graph)
        out += [
            ox.Triple(dataset, void("subset"), subset),
            ox.Triple(subset, RDF_TYPE, void("Linkset" if LINKSET_MARKER in graph else "Dataset")),
            ox.Triple(subset, void("triples"), _int(count)),
        ]
        if LINKSET_MARKER in graph:
            out += [ox.Triple(subset, void("target"), dataset)]
            out += [ox.Triple(subset, void("linkPredicate"), _iri(p)) for p in facts.link_predicates.get(graph, [])]
    for i, (cls, entities) in enumerate(facts.partitions):
        partition = ox.BlankNode(f"class{i}")
        out += [
            ox.Triple(dataset, void("classPartition"), partition),
            ox.Triple(partition, void("class"), _iri(cls)),
            ox.Triple(partition, void("entities"), _int(entities)),
        ]
    return out


# -- the ontology and single resources ---------------------------------------------------------------------


def ontology_modules(store: Store) -> dict[str, str]:
    """Ontology module name (the file stem, e.g. ``core``) -> its named graph, for the modules loaded."""
    present = set(store.graphs())
    res = store.resources
    return {p.stem: g for p in res.ontology_files() if (g := res.graph_name(p)) in present}


def ontology_triples(store: Store, module: str | None = None) -> list[ox.Triple]:
    """The triples of one ontology module, or of the whole ontology when ``module`` is None."""
    modules = ontology_modules(store)
    graphs = list(modules.values()) if module is None else [modules[module]]
    return list(store.triples(graphs=graphs))


def ontology_docs(store: Store) -> dict[str, str]:
    """The pyLODE documentation pages (``index`` for the whole ontology, one per module), made once per load.

    The same pages as ``hrkg export --docs``; generating them takes a few seconds, so they are cached.
    """
    from hrkg.quality.docs import export_docs

    def compute() -> dict[str, str]:
        with tempfile.TemporaryDirectory(prefix="hrkg-docs-") as tmp:
            return {p.stem: p.read_text(encoding="utf-8") for p in export_docs(Path(tmp), res=store.resources)}

    return store.memo("ld:ontology-docs", compute)


def describe_resource(store: Store, iri: str) -> list[ox.Triple]:
    """A bounded description of ``iri``: its own triples, its objects' labels, the blank nodes it points at."""
    result = store.query(_query(store, "ld/describe.rq"), bindings={"iri": _iri(iri)})
    return _unique(result.triples)


def incoming_links(store: Store, iri: str) -> tuple[list[ox.Triple], dict[str, str]]:
    """The triples that point at ``iri`` (at most 1000) and the labels of their subjects."""
    node = _iri(iri)
    triples: list[ox.Triple] = []
    labels: dict[str, str] = {}
    for row in store.query(_query(store, "ld/incoming.rq"), bindings={"iri": node}).rows:
        subject, predicate, label = row.get("s"), row.get("p"), row.get("label")
        if isinstance(subject, ox.NamedNode | ox.BlankNode) and isinstance(predicate, ox.NamedNode):
            triples.append(ox.Triple(subject, predicate, node))
            if isinstance(subject, ox.NamedNode) and isinstance(label, ox.Literal):
                labels[subject.value] = label.value
    return triples, labels


def property_labels(store: Store) -> dict[str, str]:
    """Label of every declared property (English preferred); cached."""

    def compute() -> dict[str, str]:
        return _labels(
            (row["property"], row["label"])
            for row in store.query(_query(store, "ld/property-labels.rq")).rows
            if "property" in row and "label" in row
        )

    return store.memo("ld:property-labels", compute)


def _labels(pairs: Iterable[tuple[Term, Term]]) -> dict[str, str]:
    """IRI -> label text from (term, label) pairs; an English or untagged label wins over others."""
    out: dict[str, str] = {}
    english: set[str] = set()
    for term, label in pairs:
        if not isinstance(term, ox.NamedNode) or not isinstance(label, ox.Literal):
            continue
        is_en = not label.language or label.language.lower().startswith("en")
        if term.value not in out or (is_en and term.value not in english):
            out[term.value] = label.value
            if is_en:
                english.add(term.value)
    return out


def labels_in(triples: Iterable[ox.Triple]) -> dict[str, str]:
    """Labels (``rdfs:label``, then ``skos:prefLabel``) stated in ``triples``."""
    triples = list(triples)
    pref = _labels((t.subject, t.object) for t in triples if t.predicate == SKOS_PREF_LABEL)
    return {**pref, **_labels((t.subject, t.object) for t in triples if t.predicate == RDFS_LABEL)}


@dataclass(frozen=True)
class TermEntry:
    """One term of the hrkg namespace, for the index of the namespace document."""

    iri: str
    kind: str | None
    label: str | None
    definition: str | None
    module: str | None

    @property
    def local(self) -> str:
        """The name after ``#``: the anchor of the term on the namespace document."""
        return self.iri[len(str(HRKG)) :]


def namespace_terms(store: Store) -> list[TermEntry]:
    """Every term ``https://w3id.org/hrkg#...`` with its kind, label, definition and module; cached."""

    def value(row: Mapping[str, Term], name: str) -> str | None:
        term = row.get(name)
        return term.value if isinstance(term, ox.NamedNode | ox.Literal) else None

    def compute() -> list[TermEntry]:
        rows = store.query(_query(store, "ld/terms.rq"), bindings={"ns": ox.Literal(str(HRKG))}).rows
        return [
            TermEntry(
                iri=lexical(row["term"]),
                kind=value(row, "kind"),
                label=value(row, "label"),
                definition=value(row, "definition"),
                module=value(row, "module"),
            )
            for row in rows
            if isinstance(row.get("term"), ox.NamedNode)
        ]

    return store.memo("ld:terms", compute)


def graph_subjects(store: Store, graph: str) -> list[tuple[str, str | None, int]]:
    """The IRI subjects of one named graph with their label and number of triples."""
    out = []
    for row in store.query(_query(store, "ld/graph-subjects.rq"), default_graphs=[graph]).rows:
        label = row.get("label")
        out.append(
            (lexical(row["s"]), label.value if isinstance(label, ox.Literal) else None, _count(row.get("triples")))
        )
    return out


# -- responses ---------------------------------------------------------------------------------------------


_PREFIX_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def turtle_prefixes(triples: Sequence[ox.Triple]) -> dict[str, str]:
    """The known prefixes that ``triples`` use, plus one per hrkg catalogue namespace (``guide-section:`` for
    ``https://w3id.org/hrkg/guide/section/``), so that Turtle output reads ``guide-section:1.1``."""
    iris: set[str] = set()
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    out = {name: ns for name, ns in TURTLE_PREFIXES.items() if any(i.startswith(ns) for i in iris)}
    known = set(out.values())
    for iri in sorted(iris):
        namespace = iri.rpartition("/")[0] + "/"
        name = namespace[len(HRKG_BASE) : -1].replace("/", "-")
        if iri.startswith(HRKG_BASE) and namespace not in known and name not in out and _PREFIX_NAME.fullmatch(name):
            out[name] = namespace
            known.add(namespace)
    return out


def _order(t: ox.Triple) -> tuple[bool, str, bool, str]:
    """Subjects together (IRIs first), ``rdf:type`` first among a subject's predicates."""
    return (not isinstance(t.subject, ox.NamedNode), str(t.subject), t.predicate != RDF_TYPE, t.predicate.value)


def serialize_rdf(triples: Iterable[ox.Triple], fmt: str) -> bytes:
    """``triples`` in ``fmt`` (``turtle``, ``ntriples``, ``jsonld`` or ``rdfxml``), grouped by subject."""
    ordered = sorted(triples, key=_order)
    if fmt == "turtle":
        return ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=turtle_prefixes(ordered)) or b""
    return ox.serialize(ordered, format=GRAPH_OFFERS[fmt].rdf) or b""


def not_acceptable(offers: Mapping[str, str]) -> PlainTextResponse:
    """406 with the media types on offer and the ``format=`` values that select them."""
    formats = sorted(set(offers.values()))
    text = (
        "None of the media types in the Accept header is available for this resource.\n"
        f"Available: {', '.join(offers)}.\n"
        f"Where the Accept header cannot be set, add ?format= with one of: {', '.join(formats)}.\n"
    )
    return PlainTextResponse(text, status_code=406, headers={"Vary": "Accept"})


def rdf_response(
    triples: Iterable[ox.Triple],
    request: Request,
    fmt: str | None,
    *,
    page: Callable[[], str] | None = None,
) -> Response:
    """The representation the client asks for: ``fmt`` if it names one, else by the Accept header.

    Turtle, JSON-LD, RDF/XML and N-Triples always; HTML when ``page`` renders one; 406 when nothing fits.
    """
    offers = {**RDF_OFFERS, **HTML_OFFERS} if page is not None else RDF_OFFERS
    chosen = choose(request.headers.get("accept", ""), offers, fmt)
    if chosen is None:
        return not_acceptable(offers)
    headers = {"Vary": "Accept"}
    if chosen == "html" and page is not None:
        return HTMLResponse(page(), headers=headers)
    return Response(serialize_rdf(triples, chosen), media_type=GRAPH_OFFERS.content_type(chosen), headers=headers)


def not_found(request: Request, title: str, message: str, links: Sequence[tuple[str, str]] = ()) -> Response:
    """404 as an HTML page for browsers, as plain text for everyone else; ``links`` are (href, text) pairs."""
    wants = choose(request.headers.get("accept", ""), {"text/plain": "text", **HTML_OFFERS})
    if wants == "html":
        items = "".join(f'<li><a href="{escape(href)}">{escape(text)}</a></li>' for href, text in links)
        body = f"<h1>{escape(title)}</h1><p>{escape(message)}</p>" + (f"<ul>{items}</ul>" if items else "")
        return HTMLResponse(html_page(title, body), status_code=404)
    lines = [title, message] + [f"  {text}: {href}" for href, text in links]
    return PlainTextResponse("\n".join(lines) + "\n", status_code=404)


# -- HTML --------------------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:62rem;margin:1.5rem auto;padding:0 1rem;
line-height:1.5;color:#1d1d1f;background:#fff}
a{color:#0b57a4}nav{border-bottom:1px solid #ddd;padding-bottom:.5rem;margin-bottom:1rem}nav a{margin-right:1rem}
code{background:#f3f3f3;padding:0 .25em;border-radius:3px;word-break:break-all}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
th,td{border-bottom:1px solid #e3e3e3;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f7f7f7;font-weight:600}td ul{margin:0;padding-left:1.1rem}
.iri{color:#555;font-size:.9em}.lang{color:#777;font-size:.8em}.definition{font-size:1.05em;max-width:48rem}
:target{background:#fff4c2}
label{display:block;margin:.3rem 0}section{border-top:1px solid #ddd;padding:.5rem 0 1rem}.param{color:#555}
""".strip()
_NAV = (
    ("/", "hrkg"),
    ("/ontology", "ontology"),
    ("/queries", "named queries"),
    ("/sparql", "SPARQL"),
    ("/docs", "API"),
    ("/.well-known/void", "VoID"),
)
_FORMAT_LINKS = (("turtle", "Turtle"), ("jsonld", "JSON-LD"), ("rdfxml", "RDF/XML"), ("ntriples", "N-Triples"))


def html_page(title: str, body: str) -> str:
    """A complete, self-contained HTML page; ``body`` must already be escaped HTML, ``title`` is plain text."""
    nav = "".join(f'<a href="{href}">{escape(text)}</a>' for href, text in _NAV)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
        f"<body><nav>{nav}</nav><main>{body}</main></body></html>\n"
    )


def local_href(iri: str) -> str | None:
    """Where a browser finds ``iri``: hrkg IRIs map to this server's paths, other http(s) IRIs stay as they are,
    anything else (``urn:``, ``javascript:``, ...) gets no link."""
    if iri == NAMESPACE_DOCUMENT:
        return "/"
    if iri.startswith(str(HRKG)):
        return "/#" + quote(iri[len(str(HRKG)) :], safe="")
    if iri.startswith(HRKG_BASE):
        return "/" + quote(iri[len(HRKG_BASE) :], safe="/:@!$&'()*+,;=-._~%#")
    if iri.startswith(("http://", "https://")):
        return iri
    return None


def term_html(term: Term, labels: Mapping[str, str]) -> str:
    """One RDF term as escaped HTML: IRIs as links with their label, literals as text with their language."""
    if isinstance(term, ox.NamedNode):
        text = labels.get(term.value) or shorten(term.value)
        href = local_href(term.value)
        if href is None:
            return f"<code>{escape(term.value)}</code>"
        return f'<a href="{escape(href)}" title="{escape(term.value)}">{escape(text)}</a>'
    if isinstance(term, ox.Literal):
        suffix = ""
        if term.language:
            suffix = f' <span class="lang">@{escape(term.language)}</span>'
        elif term.datatype.value not in (PREFIXES["xsd"] + "string", _RDF + "langString"):
            suffix = f' <span class="lang">{escape(shorten(term.datatype.value))}</span>'
        return escape(term.value) + suffix
    if isinstance(term, ox.BlankNode):
        return '<span class="lang">(anonymous node)</span>'
    return f"<code>{escape(str(term))}</code>"


def _value_html(term: Term, triples: Sequence[ox.Triple], labels: Mapping[str, str], depth: int = 0) -> str:
    """A value; an anonymous node is shown as the nested list of its own properties (three levels at most)."""
    if not isinstance(term, ox.BlankNode) or depth >= 3:
        return term_html(term, labels)
    own = [t for t in triples if t.subject == term]
    if not own:
        return term_html(term, labels)
    items = "".join(
        f"<li>{term_html(t.predicate, labels)}: {_value_html(t.object, triples, labels, depth + 1)}</li>" for t in own
    )
    return f"<ul>{items}</ul>"


def _first_text(triples: Iterable[ox.Triple], *predicates: ox.NamedNode) -> str | None:
    for predicate in predicates:
        values = [t.object for t in triples if t.predicate == predicate and isinstance(t.object, ox.Literal)]
        english = [v for v in values if not v.language or v.language.lower().startswith("en")]
        if english or values:
            return (english or values)[0].value
    return None


_LEADING = (RDF_TYPE, RDFS_LABEL, SKOS_PREF_LABEL, SKOS_DEFINITION)


def _formats_html() -> str:
    links = " · ".join(f'<a href="?format={fmt}">{name}</a>' for fmt, name in _FORMAT_LINKS)
    return f"<p>This description as {links}.</p>"


def resource_page(
    iri: str,
    triples: Sequence[ox.Triple],
    *,
    labels: Mapping[str, str] | None = None,
    incoming: Sequence[ox.Triple] = (),
) -> str:
    """A readable page about ``iri``: label, definition, types, a table of its properties (values as links) and the
    resources that point at it. ``labels`` names IRIs (labels stated in ``triples`` are used as well)."""
    known = {**labels_in(triples), **(labels or {})}
    node = ox.NamedNode(iri)
    own = [t for t in triples if t.subject == node]
    title = _first_text(own, RDFS_LABEL, SKOS_PREF_LABEL) or shorten(iri)
    definition = _first_text(own, SKOS_DEFINITION, RDFS_COMMENT, DCTERMS_DESCRIPTION)
    types = [t.object for t in own if t.predicate == RDF_TYPE]
    parts = [f"<h1>{escape(title)}</h1>", f'<p class="iri"><code>{escape(iri)}</code></p>']
    if types:
        parts.append("<p>Type: " + ", ".join(term_html(t, known) for t in types) + "</p>")
    if definition:
        parts.append(f'<p class="definition">{escape(definition)}</p>')
    predicates = list(dict.fromkeys(t.predicate for t in own))
    predicates.sort(
        key=lambda p: (_LEADING.index(p) if p in _LEADING else len(_LEADING), (known.get(p.value) or p.value).lower())
    )
    rows = []
    for predicate in predicates:
        values = [t.object for t in own if t.predicate == predicate]
        cells = [_value_html(v, triples, known) for v in values]
        cell = cells[0] if len(cells) == 1 else "<ul>" + "".join(f"<li>{c}</li>" for c in cells) + "</ul>"
        rows.append(f"<tr><th>{term_html(predicate, known)}</th><td>{cell}</td></tr>")
    if rows:
        parts.append("<h2>Properties</h2><table><tr><th>property</th><th>value</th></tr>" + "".join(rows) + "</table>")
    if incoming:
        links = "".join(
            f"<tr><td>{term_html(t.subject, known)}</td><td>{term_html(t.predicate, known)}</td></tr>" for t in incoming
        )
        parts.append(
            "<h2>Links to this resource</h2><table><tr><th>from</th><th>property</th></tr>" + links + "</table>"
        )
    parts.append(_formats_html())
    return html_page(title, "".join(parts))


def graph_page(iri: str, triples: int, subjects: Sequence[tuple[str, str | None, int]]) -> str:
    """A summary of one named graph: its size and the resources it describes."""
    rows = "".join(
        f"<tr><td>{term_html(ox.NamedNode(s), {s: label} if label else {})}</td>"
        f"<td><code>{escape(shorten(s))}</code></td><td>{n}</td></tr>"
        for s, label, n in subjects
    )
    body = (
        f"<h1>Named graph {escape(shorten(iri))}</h1>"
        f'<p class="iri"><code>{escape(iri)}</code></p>'
        f'<p>{triples} triples about {len(subjects)} resources. Query it at <a href="/sparql">/sparql</a> with '
        f"<code>default-graph-uri={escape(iri)}</code>.</p>"
        + _formats_html().replace("This description", "This graph")
        + "<table><tr><th>resource</th><th>IRI</th><th>triples</th></tr>"
        + rows
        + "</table>"
    )
    return html_page(f"Named graph {shorten(iri)}", body)


_KINDS = (
    (_OWL + "Class", "Classes"),
    (_OWL + "ObjectProperty", "Object properties"),
    (_OWL + "DatatypeProperty", "Datatype properties"),
    (_OWL + "AnnotationProperty", "Annotation properties"),
    (None, "Other terms"),
)


def landing_page(terms: Sequence[TermEntry], modules: Sequence[str], *, triples: int, graphs: int) -> str:
    """The namespace document ``https://w3id.org/hrkg`` for browsers: what hrkg is, where to go, and an index of
    every term with an anchor per term, so that ``https://w3id.org/hrkg#Term`` lands on it."""
    module_links = ", ".join(f'<a href="/ontology/{quote(m)}">{escape(m)}</a>' for m in modules)
    parts = [
        "<h1>hrkg: human rights-based genAI risk mitigation as a knowledge graph</h1>",
        "<p>hrkg turns BSR's <em>A Human Rights-Based Approach to Risk Mitigation</em> (Guide 4 of the Responsible "
        "AI Practitioner Guides for Taking a Human Rights-Based Approach to Generative AI, February 2025), which "
        "builds on the UN Guiding Principles on Business and Human Rights, into linked data: an OWL ontology and "
        "the guide's content as RDF, which you can query with SPARQL, reason over, and check an organisation's risk "
        "register and mitigation plan against. Every term has a label, a definition in hrkg's own words and a "
        "source in the guide, the UNGPs or a human rights instrument.</p>",
        f"<p>The store holds {triples} triples in {graphs} named graphs.</p>",
        "<h2>Where to go</h2><ul>",
        '<li><a href="/ontology">/ontology</a>: the ontology, documented (pyLODE) or as RDF; modules: '
        f"{module_links}</li>",
        '<li><a href="/queries">/queries</a>: named queries that answer practitioners\' questions</li>',
        '<li><a href="/sparql">/sparql</a>: the SPARQL 1.1 query endpoint</li>',
        '<li><a href="/docs">/docs</a>: the HTTP API (OpenAPI)</li>',
        '<li><a href="/.well-known/void">/.well-known/void</a>: a VoID description of the dataset</li>',
        "</ul>",
        f"<p>Terms are named <code>{escape(str(HRKG))}Name</code> and described in this document; "
        f"guide data lives under <code>{escape(HRKG_BASE)}</code>, and every such IRI can be opened on this "
        "server by its path. This document as RDF: "
        + " · ".join(f'<a href="?format={fmt}">{name}</a>' for fmt, name in _FORMAT_LINKS)
        + ".</p>",
    ]
    for kind, heading in _KINDS:
        group = [t for t in terms if t.kind == kind]
        if not group:
            continue
        rows = []
        for t in group:
            module = ""
            if t.module:
                href = local_href(t.module)
                name = shorten(t.module).split(":", 1)[-1]
                module = f'<a href="{escape(href)}">{escape(name)}</a>' if href else escape(name)
            rows.append(
                f'<tr id="{escape(t.local)}"><td><a href="#{escape(quote(t.local, safe=""))}">'
                f"<code>{escape(t.local)}</code></a></td><td>{escape(t.label or '')}</td>"
                f"<td>{escape(t.definition or '')}</td><td>{module}</td></tr>"
            )
        parts.append(
            f"<h2>{escape(heading)} ({len(group)})</h2>"
            "<table><tr><th>term</th><th>label</th><th>definition</th><th>module</th></tr>" + "".join(rows) + "</table>"
        )
    return html_page("hrkg", "".join(parts))
