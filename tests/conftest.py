"""Shared, loaded once per test session: the embedded store, its rdflib copy and one reasoner run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from fastapi.testclient import TestClient

from hrkg.config import Settings
from hrkg.reason import ReasonerReport, reason
from hrkg.resources import Resources, resources
from hrkg.service import create_app
from hrkg.store import QueryResult, Store, open_store

FIXTURES = Path(__file__).parent / "fixtures"

#: the prefixes test queries use
PREFIXES = """
PREFIX hrkg: <https://w3id.org/hrkg#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


@pytest.fixture(scope="session")
def res() -> Resources:
    return resources()


@pytest.fixture(scope="session")
def store() -> Store:
    """The default store (memory:), loaded from ontology/ and data/. Tests must not modify it."""
    return open_store("memory:")


@pytest.fixture(scope="session")
def service() -> Iterator[TestClient]:
    """The service with its default settings (memory: store, 2 workers), started once. Tests must not update it."""
    with TestClient(create_app(Settings(store="memory:"))) as client:
        yield client


@pytest.fixture(scope="session")
def kg(store: Store) -> rdflib.Graph:
    """The whole knowledge graph as one rdflib graph."""
    return store.to_rdflib()


@pytest.fixture(scope="session")
def reasoner_report(kg: rdflib.Graph) -> ReasonerReport:
    """HermiT over ontology + guidance + catalogue + the reasoner fixture organisation (one run per session)."""
    graph = rdflib.Graph()
    graph += kg
    graph.parse(FIXTURES / "reasoner" / "organisation.ttl")
    return reason(graph)


def rows(result: QueryResult, *variables: str) -> list[tuple[str, ...]]:
    """Result rows as tuples of lexical values, in result order."""
    return [tuple(r[v].value if v in r else "" for v in variables) for r in result.rows]
