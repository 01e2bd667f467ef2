"""What reading organisation data produces: :class:`OrgData` (quads, graph, local ids), the organisation
namespaces, and the IRI encoding of local ids."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal, cast
from urllib.parse import quote, unquote

import pyoxigraph as ox
import rdflib
from rdflib.term import BNode, Node, URIRef

from hrkg.formats import ORGANISATION_DATA
from hrkg.namespaces import HRKG_BASE, PREFIXES
from hrkg.orgdata._yaml import _Locator

#: where the service publishes data/context.jsonld; documents that name it get the bundled copy
CONTEXT_URL = HRKG_BASE + "context.jsonld"


_CONTEXT_URLS = frozenset({CONTEXT_URL, HRKG_BASE + "context", "http://w3id.org/hrkg/context.jsonld"})


#: organisation namespaces: ``ORG_BASE + <org-id> + "/"``
ORG_BASE = HRKG_BASE + "org/"


#: the organisation of files that name none (when no other file of the batch names one)
DEFAULT_ORG_ID = "unnamed"


Format = Literal["yaml", "json", "jsonld", "turtle", "ntriples", "nquads", "trig", "rdfxml"]


#: file suffix -> format, and media type -> format (from :mod:`hrkg.formats`)
SUFFIXES: dict[str, Format] = cast(dict[str, Format], ORGANISATION_DATA.by_suffix())
MEDIA_TYPES: dict[str, Format] = cast(dict[str, Format], ORGANISATION_DATA.offers())
_OX_FORMATS: dict[Format, ox.RdfFormat] = {
    cast(Format, name): rdf
    for name in ORGANISATION_DATA
    if name != "jsonld" and (rdf := ORGANISATION_DATA[name].rdf) is not None  # JSON-LD: through the context guard
}
_FORMAT_NAMES: dict[Format, str] = {cast(Format, name): ORGANISATION_DATA.label(name) for name in ORGANISATION_DATA}


_RDF_TYPE = rdflib.RDF.type


_ORGANISATION = URIRef(PREFIXES["hrkg"] + "Organisation")


#: a full IRI: a scheme, a colon, and nothing an IRI cannot hold
_FULL_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")


#: characters kept as they are in a local id or enumeration value; everything else is percent-encoded
_SAFE = "-._~!$&'()*+,;="


#: how much of a document the reshaping may visit (a safety net: the YAML limits below bound what aliases add)
_MAX_VALUES = 5_000_000


ValueKind = Literal["enum", "ref", "bool", "text", "record"]


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
