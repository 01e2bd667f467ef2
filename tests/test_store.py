"""The embedded store: one named graph per source file, union by default, persistent reopening, safe loading."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from conftest import rows
from hrkg.errors import InputError, QuerySyntaxError, StoreError
from hrkg.resources import Resources
from hrkg.store import Store, open_store


def test_every_source_file_is_its_own_named_graph(store: Store, res: Resources) -> None:
    files = {res.graph_name(p) for p in res.graph_files()}
    derived = {f"https://w3id.org/hrkg/graph/derived/{p.stem}" for p in (res.queries / "derive").glob("*.rq")}
    assert set(store.graphs()) == files | derived
    assert "https://w3id.org/hrkg/graph/ontology/core" in files
    assert "https://w3id.org/hrkg/graph/derived/citation" in derived


def test_derived_citations(store: Store) -> None:
    q = "SELECT ?c WHERE { ?s <https://w3id.org/hrkg#citation> ?c }"
    for iri, citation in [
        ("https://w3id.org/hrkg/guide/section/1.1", "guide §1.1"),
        ("https://w3id.org/hrkg/guide/footnote/9", "guide footnote 9"),
        ("https://w3id.org/hrkg/ungp/principle/19", "UNGP 19"),
        ("https://w3id.org/hrkg/instrument/iccpr/article/19", "ICCPR Art. 19"),
    ]:
        assert rows(store.query(q, bindings={"s": rdflib.URIRef(iri)}), "c") == [(citation,)]


def test_default_graph_is_the_union_of_all_graphs(store: Store) -> None:
    per_graph = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    total = sum(int(r["n"].value) for r in per_graph.rows)
    union = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    # the union merges triples stated in several files, so it can be smaller than the sum, never larger
    assert 0 < int(union.rows[0]["n"].value) <= total
    assert int(union.rows[0]["n"].value) == len(store)


def test_bookkeeping_is_invisible_to_queries(store: Store) -> None:
    result = store.query("ASK { ?s <https://w3id.org/hrkg#sourceDigest> ?d }")
    assert result.kind == "ask"
    assert result.boolean is False


def test_default_graph_can_be_restricted(store: Store) -> None:
    core = "https://w3id.org/hrkg/graph/ontology/core"
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    only_core = int(store.query(q, default_graphs=[core]).rows[0]["n"].value)
    assert 0 < only_core < len(store)


def test_bindings_are_rdf_terms_not_text(store: Store) -> None:
    """A hostile value is bound as one literal, so it cannot change the query."""
    hostile = rdflib.Literal('x" } ?s ?p ?o { "')
    result = store.query("SELECT ?s WHERE { ?s ?p ?label }", bindings={"label": hostile})
    assert result.rows == []
    cause = rdflib.URIRef("https://w3id.org/hrkg/attribution/cause")
    labelled = store.query(
        "SELECT ?l WHERE { ?x <http://www.w3.org/2000/01/rdf-schema#label> ?l }", bindings={"x": cause}
    )
    assert len(labelled.rows) == 1


def test_syntax_error_is_typed(store: Store) -> None:
    with pytest.raises(QuerySyntaxError, match="does not parse"):
        store.query("SELEC ?x")


def test_unknown_store_url() -> None:
    with pytest.raises(StoreError, match="unknown store URL") as info:
        open_store("postgres://x")
    assert "oxigraph:PATH" in info.value.hint


def _copy_resources(res: Resources, tmp: Path) -> Resources:
    root = tmp / "project"
    for name in ("ontology", "shapes", "queries", "data"):
        shutil.copytree(res.root / name, root / name)
    return Resources(root)


def test_persistent_store_loads_once_and_reloads_only_changed_files(res: Resources, tmp_path: Path) -> None:
    copy = _copy_resources(res, tmp_path)
    url = f"oxigraph:{tmp_path / 'db'}"
    first = open_store(url, res=copy, load=False)
    assert len(first.load_defaults()) == len(copy.graph_files())
    n = len(first)
    del first

    again = open_store(url, res=copy, load=False)
    assert again.load_defaults() == []  # nothing changed: nothing reloaded
    assert len(again) == n

    core = copy.ontology / "core.ttl"
    core.write_text(
        core.read_text(encoding="utf-8")
        + '\n<https://example.org/extra> <http://www.w3.org/2000/01/rdf-schema#label> "extra" .\n',
        encoding="utf-8",
    )
    assert again.load_defaults() == [copy.graph_name(core)]
    assert len(again) == n + 1


def test_bad_file_reports_line_and_changes_nothing(store: Store, res: Resources, tmp_path: Path) -> None:
    scratch = Store(ox.Store(), url="memory:", res=res)
    good = tmp_path / "good.ttl"
    good.write_text('<https://example.org/a> <https://example.org/p> "1" .\n', encoding="utf-8")
    scratch.load_file(good, graph="https://example.org/g")
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        '<https://example.org/a> <https://example.org/p> "2" .\n<https://example.org/b> oops .\n', encoding="utf-8"
    )
    with pytest.raises(InputError) as info:
        scratch.load_file(bad, graph="https://example.org/g")
    assert (info.value.line, info.value.column) == (2, 25)  # where "oops" starts
    assert str(bad) in info.value.message
    assert rows(scratch.query("SELECT ?o WHERE { ?s ?p ?o }"), "o") == [("1",)]


def test_missing_file_is_an_input_error(res: Resources, tmp_path: Path) -> None:
    scratch = Store(ox.Store(), url="memory:", res=res)
    with pytest.raises(InputError, match="file not found"):
        scratch.load_file(tmp_path / "nope.ttl")
