"""Result formats: each parses back with an independent parser (rdflib) to the same answer."""

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
    text = serialize(store.query(SELECT), fmt)
    parsed = Result.parse(io.StringIO(text), format=parser)
    assert [str(r[0]) for r in parsed] == LEVELS  # type: ignore[index]
    assert [int(r[2]) for r in parsed] == [1, 2, 3, 4]  # type: ignore[index]


def test_json_keeps_language_and_datatype(store: Store) -> None:
    doc = json.loads(serialize(store.query(SELECT), "json"))
    first = doc["results"]["bindings"][0]
    assert first["label"]["xml:lang"] == "en"
    assert first["pos"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"


def test_table_is_readable(store: Store) -> None:
    text = serialize(store.query(SELECT), "table")
    lines = text.splitlines()
    assert [h.strip() for h in lines[0].split(" | ")] == ["level", "label", "pos"]
    assert lines[2].startswith("attribution:cause")
    assert lines[-1] == "(4 rows)"


def test_ask(store: Store) -> None:
    result = store.query("ASK { <https://w3id.org/hrkg/attribution/cause> ?p ?o }")
    assert json.loads(serialize(result, "json")) == {"head": {}, "boolean": True}
    assert serialize(result, "table") == "true\n"


def test_construct_as_turtle(store: Store) -> None:
    result = store.query(
        "CONSTRUCT { ?l <https://w3id.org/hrkg#callsFor> ?a } WHERE { ?l <https://w3id.org/hrkg#callsFor> ?a }"
    )
    g = rdflib.Graph().parse(data=serialize(result, "turtle"), format="turtle")
    assert len(g) == len(result.triples) > 0
    nt = rdflib.Graph().parse(data=serialize(result, "ntriples"), format="nt")
    assert nt.isomorphic(g)


def test_format_must_fit_the_query_form(store: Store) -> None:
    with pytest.raises(HrkgError, match="does not fit"):
        serialize(store.query(SELECT), "turtle")
    with pytest.raises(HrkgError, match="does not fit"):
        serialize(store.query("CONSTRUCT WHERE { ?s a ?o } LIMIT 1"), "csv")
