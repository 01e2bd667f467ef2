"""Result formats, through the one serialiser of the CLI and the service: each parses back with an independent
parser (rdflib) to the same answer."""

from __future__ import annotations

import io
import json

import pytest
import rdflib
from rdflib.query import Result

from hrkg.errors import HrkgError
from hrkg.results import serialize
from hrkg.store import Store

SELECT = """
SELECT ?level ?label ?pos WHERE {
  ?level a <https://w3id.org/hrkg#AttributionLevel> ;
         <http://www.w3.org/2000/01/rdf-schema#label> ?label ;
         <https://w3id.org/hrkg#spectrumPosition> ?pos .
} ORDER BY ?pos"""
LEVELS = [
    "https://w3id.org/hrkg/attribution/cause",
    "https://w3id.org/hrkg/attribution/contribute",
    "https://w3id.org/hrkg/attribution/directly-linked",
    "https://w3id.org/hrkg/attribution/not-linked",
]


@pytest.mark.parametrize(("fmt", "parser"), [("json", "json"), ("xml", "xml"), ("csv", "csv"), ("tsv", "tsv")])
def test_select_formats_round_trip(store: Store, fmt: str, parser: str) -> None:
    text = serialize(store.evaluate(SELECT), fmt)
    parsed = Result.parse(io.StringIO(text), format=parser)
    assert [str(r[0]) for r in parsed] == LEVELS  # type: ignore[index]
    assert [int(r[2]) for r in parsed] == [1, 2, 3, 4]  # type: ignore[index]


def test_json_keeps_language_and_datatype(store: Store) -> None:
    doc = json.loads(serialize(store.evaluate(SELECT), "json"))
    first = doc["results"]["bindings"][0]
    assert first["label"]["xml:lang"] == "en"
    assert first["pos"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"


def test_table_is_readable(store: Store) -> None:
    text = serialize(store.evaluate(SELECT), "table")
    lines = text.splitlines()
    assert [h.strip() for h in lines[0].split(" | ")] == ["level", "label", "pos"]
    assert lines[2].startswith("attribution:cause")
    assert lines[-1] == "(4 rows)"


def test_ask(store: Store) -> None:
    ask = "ASK { <https://w3id.org/hrkg/attribution/cause> ?p ?o }"
    assert json.loads(serialize(store.evaluate(ask), "json")) == {"head": {}, "boolean": True}
    assert serialize(store.evaluate(ask), "table") == "true\n"


def test_construct_as_turtle(store: Store) -> None:
    construct = "CONSTRUCT { ?l <https://w3id.org/hrkg#callsFor> ?a } WHERE { ?l <https://w3id.org/hrkg#callsFor> ?a }"
    g = rdflib.Graph().parse(data=serialize(store.evaluate(construct), "turtle"), format="turtle")
    assert len(g) == len(store.query(construct).triples) > 0
    nt = rdflib.Graph().parse(data=serialize(store.evaluate(construct), "ntriples"), format="nt")
    assert nt.isomorphic(g)


def test_format_must_fit_the_query_form(store: Store) -> None:
    with pytest.raises(HrkgError, match="does not fit"):
        serialize(store.evaluate(SELECT), "turtle")
    with pytest.raises(HrkgError, match="does not fit"):
        serialize(store.evaluate("CONSTRUCT WHERE { ?s a ?o } LIMIT 1"), "csv")


def test_one_registry_gives_every_use_its_formats() -> None:
    """The format tables of the CLI, the service and the readers all come from hrkg.formats."""
    from hrkg.formats import FORMATS, ORGANISATION_DATA, REPORTS, TABULAR_RESULTS
    from hrkg.orgdata import MEDIA_TYPES, SUFFIXES
    from hrkg.service.negotiation import TABULAR

    assert TABULAR["application/sparql-results+json"] == TABULAR["application/json"] == "json"
    assert TABULAR["text/plain"] == "table"
    assert TABULAR_RESULTS["json"].results is not None
    assert TABULAR_RESULTS["json"].rdf is None
    assert SUFFIXES[".yml"] == "yaml"
    assert SUFFIXES[".owl"] == "rdfxml"
    assert MEDIA_TYPES["application/x-turtle"] == "turtle"
    assert set(MEDIA_TYPES.values()) == set(ORGANISATION_DATA)
    assert REPORTS.content_type("markdown") == "text/markdown; charset=utf-8"
    # pyoxigraph's own tables are the source for its formats
    assert FORMATS["turtle"].media_type == "text/turtle"
    assert FORMATS["sparql-csv"].content_type.startswith("text/csv")
    assert FORMATS["jsonld"].iri == "http://www.w3.org/ns/formats/JSON-LD"
