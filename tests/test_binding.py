"""Values enter queries as RDF terms in a VALUES block: hostile text stays one literal, the block lands in the
outermost WHERE group whatever the query's shape."""

from __future__ import annotations

import pytest
import rdflib

from hrkg.binding import bind
from hrkg.errors import QuerySyntaxError
from hrkg.store import Store

CAUSE = rdflib.URIRef("https://w3id.org/hrkg/attribution/cause")
HOSTILE = [
    'x" } ?s ?p ?o { "',
    "x' } DROP ALL #",
    '"""\n} SERVICE <http://169.254.169.254/> { ?a ?b ?c } #',
    '\\" } . ?s ?p ?o #',
    "}\n}\n}",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_literal_is_one_value(store: Store, text: str) -> None:
    q = "SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    result = store.query(q, bindings={"label": rdflib.Literal(text)})
    assert result.rows == []
    # the literal reaches the engine intact: binding it and selecting it back gives the same text
    echo = store.query("SELECT ?x WHERE { BIND(1 AS ?one) }", bindings={"x": rdflib.Literal(text)})
    assert [r["x"].value for r in echo.rows] == [text]


def test_unprojected_variable_is_bound(store: Store) -> None:
    q = "SELECT ?label WHERE { ?level <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    assert len(store.query(q, bindings={"level": CAUSE}).rows) == 1


def test_filters_in_the_group_see_the_value(store: Store) -> None:
    q = "SELECT ?n WHERE { ?l <https://w3id.org/hrkg#spectrumPosition> ?n FILTER(?l = ?wanted) }"
    assert [r["n"].value for r in store.query(q, bindings={"wanted": CAUSE}).rows] == ["1"]


def test_construct_template_is_skipped() -> None:
    q = "CONSTRUCT { ?x ?p ?o } WHERE { ?x ?p ?o }"
    out = bind(q, {"x": CAUSE})
    assert out.startswith("CONSTRUCT { ?x ?p ?o } WHERE {")
    assert "VALUES (?x) { (<https://w3id.org/hrkg/attribution/cause>) }" in out.split("WHERE", 1)[1]


def test_braces_in_strings_iris_and_comments_are_ignored() -> None:
    q = 'PREFIX a: <http://e/{x}>\n# { not here\nSELECT ?s WHERE { ?s ?p "{" }'
    out = bind(q, {"s": CAUSE})
    assert out.index("VALUES") > out.index("WHERE")


def test_ask_without_where_keyword() -> None:
    out = bind("ASK { ?s ?p ?o }", {"s": CAUSE})
    assert out.startswith("ASK { VALUES (?s)")


def test_bad_variable_name_is_refused() -> None:
    with pytest.raises(QuerySyntaxError, match="not a SPARQL variable"):
        bind("SELECT * WHERE { ?s ?p ?o }", {"s) } DROP ALL #": CAUSE})


def test_blank_node_cannot_be_bound() -> None:
    with pytest.raises(QuerySyntaxError, match="blank node"):
        bind("SELECT * WHERE { ?s ?p ?o }", {"s": rdflib.BNode()})


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://169.254.169.254/latest/meta-data/> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o . service silent <http://10.0.0.1/sparql> { ?s ?p ?x } }",
        "PREFIX x: <http://e/>\nSELECT * WHERE {\n  # a comment\n  SERVICE x:sparql { ?s ?p ?o } }",
    ],
)
def test_service_clauses_are_refused(store: Store, query: str) -> None:
    from hrkg.errors import QueryRefusedError

    with pytest.raises(QueryRefusedError, match=r"SERVICE <http://[^>]+> is refused"):
        store.query(query)


def test_service_to_an_allowlisted_endpoint_passes_the_check() -> None:
    from hrkg.errors import QueryRefusedError
    from hrkg.guard import check_query, read

    q = (
        "PREFIX x: <http://e/>\n"
        "SELECT * WHERE { SERVICE x:sparql { ?s ?p ?o } SERVICE SILENT <http://f/q> { ?s ?p ?o } }"
    )
    assert read(q).services == ("http://e/sparql", "http://f/q")
    check_query(q, {"http://e/sparql", "http://f/q"})
    with pytest.raises(QueryRefusedError, match="http://f/q"):
        check_query(q, {"http://e/sparql"})
    with pytest.raises(QueryRefusedError, match="variable endpoint"):
        check_query("SELECT * WHERE { SERVICE ?e { ?s ?p ?o } }", {"http://e/sparql"})


def test_the_word_service_in_data_is_fine(store: Store) -> None:
    q = 'SELECT ?x WHERE { BIND("SERVICE" AS ?x) } # SERVICE in a comment'
    assert [r["x"].value for r in store.query(q).rows] == ["SERVICE"]
