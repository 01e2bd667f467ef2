"""Linked data: the hrkg namespace served at this server's root.

A request for the path ``/X`` stands for the IRI ``https://w3id.org/hrkg/X``; hash terms ``https://w3id.org/hrkg#T``
are described in the namespace document ``/``. Every route answers Turtle, JSON-LD, RDF/XML or N-Triples by the
Accept header (or ``?format=``), and HTML for browsers where a page exists. The catch-all route must be the last
route of the app.
"""

from __future__ import annotations

from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from hrkg import __version__
from hrkg.namespaces import HRKG_BASE
from hrkg.service.deps import StoreDep
from hrkg.service.describe import (
    describe_resource,
    graph_page,
    graph_subjects,
    graph_triple_counts,
    incoming_links,
    labels_in,
    landing_page,
    namespace_terms,
    not_found,
    ontology_docs,
    ontology_modules,
    ontology_triples,
    property_labels,
    rdf_response,
    resource_page,
    void_description,
)
from hrkg.service.methods import CATCH_ALL, flat_routes
from hrkg.service.openapi import PAGE_CONTENT, RDF_TYPES, TEXT_CONTENT, error, ok
from hrkg.store import Store

router = APIRouter(tags=["linked data"])

FormatParam = Annotated[
    str | None,
    Query(
        description="Representation when the Accept header cannot be set: turtle, jsonld, rdfxml, ntriples "
        "(and html where a page exists)."
    ),
]
ModuleParam = Annotated[str, Path(description="An ontology module (GET /ontology lists them)", examples=["core"])]
_CONTEXT_CACHE = "public, max-age=86400"
_NOT_ACCEPTABLE = error(
    406, "None of the offered media types fits the Accept header (the message lists them)", TEXT_CONTENT
)


def _answers(what: str, *, page: bool = True, missing: str | None = None) -> dict[int | str, dict[str, object]]:
    """The answers of a linked-data route: ``what`` in RDF (and as a page for browsers), 404 when ``missing``."""
    answers: dict[int | str, dict[str, object]] = {
        200: ok(what, RDF_TYPES + (("text/html",) if page else ())),
        406: _NOT_ACCEPTABLE,
    }
    if missing:
        answers[404] = error(404, missing, PAGE_CONTENT)
    return dict(sorted(answers.items(), key=lambda item: int(item[0])))


_HOME_LINKS = (("/", "the hrkg namespace document"), ("/sparql", "the SPARQL endpoint"))


def _context_text(store: Store) -> str:
    return store.memo("ld:context", lambda: (store.resources.data / "context.jsonld").read_text(encoding="utf-8"))


@router.get(
    "/.well-known/void",
    summary="VoID description of the dataset",
    response_class=Response,
    responses=_answers("The VoID description (RDF)", page=False),
)
def void(store: StoreDep, request: Request, format: FormatParam = None) -> Response:
    """The knowledge graph described in VoID: size, SPARQL endpoint, vocabularies, example resources, one subset per
    named graph and one class partition per class. Turtle unless the Accept header asks for another RDF syntax."""
    return rdf_response(void_description(store, str(request.base_url)), request, format)


@router.get(
    "/context.jsonld",
    summary="JSON-LD context for organisation data",
    response_class=Response,
    responses={200: ok("The JSON-LD context", ["application/ld+json"])},
)
def context(store: StoreDep) -> Response:
    """The JSON-LD context that maps organisation data (YAML/JSON, docs/organisation-data.md) to hrkg's RDF terms; its
    public IRI is https://w3id.org/hrkg/context.jsonld."""
    return Response(_context_text(store), media_type="application/ld+json", headers={"Cache-Control": _CONTEXT_CACHE})


@router.get(
    "/context",
    summary="JSON-LD context (alias)",
    response_class=Response,
    responses={200: ok("The JSON-LD context", ["application/ld+json"])},
)
def context_alias(store: StoreDep) -> Response:
    """The same JSON-LD context as /context.jsonld."""
    return context(store)


@router.get(
    "/ontology",
    summary="The whole ontology",
    response_class=Response,
    responses=_answers("The ontology as RDF, or its documentation for browsers"),
)
def ontology(store: StoreDep, request: Request, format: FormatParam = None) -> Response:
    """Every ontology module together, as RDF, or as generated HTML documentation (pyLODE) for browsers. The
    documentation is generated on the first request and kept until the store reloads."""
    return rdf_response(ontology_triples(store), request, format, page=lambda: ontology_docs(store)["index"])


@router.get(
    "/ontology/{module}",
    summary="One ontology module",
    response_class=Response,
    responses=_answers("The module as RDF, or its documentation for browsers", missing="No such module"),
)
def ontology_module(module: ModuleParam, store: StoreDep, request: Request, format: FormatParam = None) -> Response:
    """One module of the ontology (e.g. `core`, `rights`, `mitigation`), i.e. the document behind the ontology IRI
    https://w3id.org/hrkg/ontology/{module}, as RDF or as HTML documentation. Unknown modules are 404."""
    modules = ontology_modules(store)
    if module not in modules:
        return not_found(
            request,
            "No such ontology module",
            f"There is no ontology module {module!r}. The modules are: {', '.join(modules)}.",
            [(f"/ontology/{m}", m) for m in modules],
        )

    def page() -> str:
        docs = ontology_docs(store)
        return docs.get(module, docs["index"])  # the umbrella module has no page of its own: the whole ontology

    return rdf_response(ontology_triples(store, module), request, format, page=page)


@router.get(
    "/ontology/{version}/{module}",
    summary="One ontology module, by its version IRI",
    response_class=Response,
    responses=_answers(
        "The module as RDF, or its documentation for browsers",
        missing="This server does not serve that version, or has no such module",
    ),
)
def ontology_version(
    version: Annotated[str, Path(description="The version of the ontology", examples=[__version__])],
    module: ModuleParam,
    store: StoreDep,
    request: Request,
    format: FormatParam = None,
) -> Response:
    """The version IRI of a module (https://w3id.org/hrkg/ontology/{version}/{module}, `owl:versionIRI`) serves that
    version of the module. This server holds one version, the one it runs; other versions are 404."""
    if version != __version__:
        return not_found(
            request,
            "Version not served here",
            f"This server serves version {__version__} of the ontology, not {version!r}.",
            [(f"/ontology/{__version__}/{module}", f"{module} {__version__}"), (f"/ontology/{module}", module)],
        )
    return ontology_module(module, store, request, format)


@router.get(
    "/",
    summary="The hrkg namespace document",
    response_class=Response,
    responses=_answers("The ontology as RDF, or a landing page with an index of every term for browsers"),
)
def namespace_document(store: StoreDep, request: Request, format: FormatParam = None) -> Response:
    """The document https://w3id.org/hrkg, which describes the terms https://w3id.org/hrkg#Term: as RDF, the whole
    ontology; as HTML, a landing page with links to the service and an index of every term (one anchor each)."""

    def page() -> str:
        return landing_page(
            namespace_terms(store),
            list(ontology_modules(store)),
            triples=len(store),
            graphs=len(store.graphs()),
        )

    return rdf_response(ontology_triples(store), request, format, page=page)


def _graph(store: Store, iri: str, request: Request, fmt: str | None) -> Response:
    def page() -> str:
        return graph_page(iri, graph_triple_counts(store).get(iri, 0), graph_subjects(store, iri))

    return rdf_response(list(store.triples(graphs=[iri])), request, fmt, page=page)


@router.get(
    CATCH_ALL,
    summary="Dereference any hrkg IRI",
    response_class=Response,
    responses={
        **_answers(
            "The resource's description as RDF, or its page for browsers",
            missing="The knowledge graph says nothing about this IRI",
        ),
        308: {
            "description": "The same path without its trailing slash",
            "headers": {"Location": {"required": True, "schema": {"type": "string"}}},
        },
    },
)
def resource(
    path: Annotated[str, Path(description="The IRI's path below https://w3id.org/hrkg/", examples=["right/privacy"])],
    store: StoreDep,
    request: Request,
    format: FormatParam = None,
) -> Response:
    """The resource https://w3id.org/hrkg/{path}: as RDF, its triples (plus the labels of what it points at, or,
    for a resource that is only ever an object, the triples that point at it); as HTML, a page with its label,
    definition, properties and incoming links. A named graph's IRI gives the graph's content or a summary.
    Anything the knowledge graph does not mention is 404."""
    iri = HRKG_BASE + path
    try:
        ox.NamedNode(iri)
    except ValueError:
        iri = ""
    if iri and iri in store.graphs():
        return _graph(store, iri, request, format)
    described = describe_resource(store, iri) if iri else []
    incoming, incoming_labels = incoming_links(store, iri) if iri else ([], {})
    if not described and not incoming:
        stripped = "/" + path.strip("/")
        if path.endswith("/") and stripped != "/" and _exists(store, request, stripped):
            # `/ontology/`, `/right/privacy/`: the resource or page without the slash
            return RedirectResponse(stripped + (f"?{request.url.query}" if request.url.query else ""), 308)
        shown = iri or HRKG_BASE + path.encode("unicode_escape").decode("ascii")
        return not_found(request, "Not found", f"The knowledge graph says nothing about {shown}.", list(_HOME_LINKS))

    def page() -> str:
        labels = {**property_labels(store), **labels_in(described), **incoming_labels}
        return resource_page(iri, described, labels=labels, incoming=incoming)

    return rdf_response(described or incoming, request, format, page=page)


def _exists(store: Store, request: Request, path: str) -> bool:
    """Whether ``path`` names a page of this service or a resource the knowledge graph mentions."""
    for route in flat_routes(request.app.router.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and getattr(route, "path", None) != CATCH_ALL and regex.match(path):
            return True
    iri = HRKG_BASE + path.lstrip("/")
    return iri in store.graphs() or bool(describe_resource(store, iri)) or bool(incoming_links(store, iri)[0])
