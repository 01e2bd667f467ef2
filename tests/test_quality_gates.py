"""The knowledge graph's quality gates: every file parses, the meta shapes find nothing, the qc queries return nothing.

Each gate is also shown to fire on a planted defect, so a passing gate means something.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import OWL, RDF

import hrkg
from hrkg.namespaces import ONTOLOGY
from hrkg.quality.gates import check_queries, check_shapes, meta_shapes
from hrkg.resources import Resources, resources
from hrkg.store import Store

RES = resources()
TTL_FILES = sorted(
    [*RES.root.glob("ontology/*.ttl"), *RES.root.glob("data/**/*.ttl"), *RES.root.glob("shapes/**/*.ttl")]
)
QC_QUERIES = sorted((RES.queries / "qc").glob("*-violation.rq"))
MODULES = ["core", "rights", "tensions", "mitigation", "valuechain", "organisation"]


@pytest.mark.parametrize("path", TTL_FILES, ids=lambda p: str(p.relative_to(RES.root)))
def test_every_turtle_file_parses(path: Path) -> None:
    assert len(rdflib.Graph().parse(path)) > 0


@pytest.mark.parametrize("path", sorted(RES.ontology.glob("*.ttl")), ids=lambda p: p.name)
def test_one_ontology_per_module_file_with_the_package_version(path: Path) -> None:
    g = rdflib.Graph().parse(path)
    ontologies = list(g.subjects(RDF.type, OWL.Ontology))
    assert ontologies == [ONTOLOGY[path.stem]]
    assert str(g.value(ontologies[0], OWL.versionInfo)) == hrkg.__version__
    assert g.value(ontologies[0], OWL.versionIRI) == rdflib.URIRef(
        f"https://w3id.org/hrkg/ontology/{hrkg.__version__}/{path.stem}"
    )


def test_umbrella_imports_every_module(kg: rdflib.Graph) -> None:
    imported = set(kg.objects(ONTOLOGY["hrkg"], OWL.imports))
    assert imported == {ONTOLOGY[m] for m in MODULES}


@pytest.fixture(scope="module")
def shapes(res: Resources) -> rdflib.Graph:
    return meta_shapes(res.shapes / "meta")


def test_meta_shapes_find_no_violation(kg: rdflib.Graph, shapes: rdflib.Graph) -> None:
    findings = check_shapes(kg, shapes)
    assert [(f.focus, f.message) for f in findings] == []


def test_meta_shapes_catch_a_term_without_label_definition_or_source(shapes: rdflib.Graph) -> None:
    g = rdflib.Graph()
    term = rdflib.URIRef("https://w3id.org/hrkg#Undocumented")
    g.add((term, RDF.type, OWL.Class))
    other = rdflib.URIRef("http://example.org/NotOurs")  # outside the hrkg namespaces: not checked
    g.add((other, RDF.type, OWL.Class))
    findings = check_shapes(g, shapes)
    by_path = {f.path.rsplit("/", 1)[-1].rsplit("#", 1)[-1]: f.focus for f in findings}
    assert by_path == {
        "label": str(term),
        "definition": str(term),
        "source": str(term),
        "isDefinedBy": str(term),
    }


@pytest.mark.parametrize("path", QC_QUERIES, ids=lambda p: p.stem)
def test_qc_query_returns_no_rows(store: Store, path: Path) -> None:
    result = store.query(path.read_text(encoding="utf-8"))
    assert result.kind == "select"
    assert result.rows == [], f"{path.stem}: {result.rows[:5]}"


def test_qc_queries_fire_on_planted_defects(res: Resources, tmp_path: Path) -> None:
    from hrkg.store import open_store

    planted = tmp_path / "planted.ttl"
    planted.write_text(
        """
        @prefix hrkg: <https://w3id.org/hrkg#> .
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <https://w3id.org/hrkg/right/bogus> a hrkg:NoSuchClass ; hrkg:noSuchProperty "2025-01-01"^^xsd:date ;
            rdfs:seeAlso <https://w3id.org/hrkg/right/nowhere> .
        hrkg:Punned a owl:Class , owl:NamedIndividual ; rdfs:label "punned"@en .
        """,
        encoding="utf-8",
    )
    scratch = open_store("memory:", res=res, load=False)
    scratch.load_file(planted, graph="https://example.org/planted")
    fired = {name for name, result in check_queries(scratch, res.queries / "qc").items() if result.rows}
    assert fired == {
        "undeclared-class-violation",
        "undeclared-property-violation",
        "undeclared-individual-violation",
        "dangling-reference-violation",
        "datatype-violation",
        "punning-violation",
    }


@pytest.mark.reasoner
@pytest.mark.slow
def test_knowledge_graph_is_in_the_owl2_dl_profile(kg: rdflib.Graph) -> None:
    from hrkg.quality.profile import owl2_dl_violations

    assert owl2_dl_violations(kg) == []


@pytest.mark.reasoner
def test_profile_check_catches_a_non_dl_axiom() -> None:
    from hrkg.quality.profile import owl2_dl_violations

    g = rdflib.Graph().parse(
        data="""
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        <https://example.org/o> a owl:Ontology .
        <https://example.org/q> a owl:ObjectProperty , owl:TransitiveProperty .
        <https://example.org/C> a owl:Class ; owl:equivalentClass
            [ a owl:Restriction ; owl:onProperty <https://example.org/q> ; owl:maxCardinality 1 ] .
        """,
        format="turtle",
    )
    violations = owl2_dl_violations(g)
    assert len(violations) == 1
    assert violations[0].startswith("Use of non-simple property in ObjectMaxCardinality restriction")
