"""The IRIs hrkg mints, chosen once (see ontology/README.md)."""

from __future__ import annotations

from rdflib import Namespace

HRKG_BASE = "https://w3id.org/hrkg/"
HRKG = Namespace("https://w3id.org/hrkg#")
ONTOLOGY = Namespace(HRKG_BASE + "ontology/")
GRAPH = Namespace(HRKG_BASE + "graph/")

#: prefixes used to shorten IRIs in tables and to prefix queries
PREFIXES: dict[str, str] = {
    "hrkg": str(HRKG),
    "hrkgo": str(ONTOLOGY),
    "right": HRKG_BASE + "right/",
    "action": HRKG_BASE + "action/",
    "attribution": HRKG_BASE + "attribution/",
    "role": HRKG_BASE + "role/",
    "category": HRKG_BASE + "category/",
    "mitigation": HRKG_BASE + "mitigation/",
    "guide": HRKG_BASE + "guide/",
    "ungp": HRKG_BASE + "ungp/",
    "instrument": HRKG_BASE + "instrument/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "sh": "http://www.w3.org/ns/shacl#",
    "vann": "http://purl.org/vocab/vann/",
}


def shorten(iri: str) -> str:
    """``https://w3id.org/hrkg/right/privacy`` -> ``right:privacy``: the longest known prefix wins, and any other
    hrkg catalogue IRI ``https://w3id.org/hrkg/<scheme>/<id>`` becomes ``<scheme>:<id>``."""
    best_prefix, best = "", ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(best):
            best_prefix, best = prefix, ns
    if best:
        return f"{best_prefix}:{iri[len(best) :]}"
    scheme, sep, local = iri.removeprefix(HRKG_BASE).partition("/")
    if iri.startswith(HRKG_BASE) and sep and local:
        return f"{scheme}:{local}"
    return f"<{iri}>"
