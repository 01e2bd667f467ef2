"""The rights catalogue and the instrument articles that define the rights (docs/catalogue.md and docs/rules.md)."""

from __future__ import annotations

import pytest
import rdflib

from conftest import rows
from hrkg.store import Store

PREFIXES = "PREFIX hrkg: <https://w3id.org/hrkg#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
CATALOGUE = [
    "privacy",
    "freedom-of-expression",
    "access-to-information",
    "political-participation",
    "non-discrimination",
    "physical-safety",
    "health",
    "rights-of-the-child",
    "remedy",
    "life",
    "security-of-person",
    "work",
    "education",
]


def articles(store: Store, instrument: str) -> list[tuple[str, ...]]:
    q = (
        PREFIXES
        + """SELECT ?n ?part ?title WHERE {
        ?a hrkg:articleOf ?i ; hrkg:articleNumber ?n ; hrkg:shortTitle ?title .
        OPTIONAL { ?a hrkg:instrumentPart ?part }
    } ORDER BY ?n"""
    )
    return rows(store.query(q, bindings={"i": _iri(f"instrument/{instrument}")}), "n", "part", "title")


def _iri(path: str) -> rdflib.URIRef:
    return rdflib.URIRef("https://w3id.org/hrkg/" + path)


def test_every_udhr_article_once(store: Store) -> None:
    got = articles(store, "udhr")
    assert [int(n) for n, _, _ in got] == list(range(1, 31))
    assert all(title for _, _, title in got)


def test_iccpr_parts_one_to_three_once_each_in_the_right_part(store: Store) -> None:
    got = [(int(n), part) for n, part, _ in articles(store, "iccpr") if int(n) <= 27]
    assert [n for n, _ in got] == list(range(1, 28))
    assert {n for n, p in got if p == "Part I"} == {1}
    assert {n for n, p in got if p == "Part II"} == {2, 3, 4, 5}
    assert {n for n, p in got if p == "Part III"} == set(range(6, 28))


@pytest.mark.parametrize("right", CATALOGUE)
def test_catalogue_right_exists_with_instrument_articles(store: Store, right: str) -> None:
    q = PREFIXES + "SELECT ?a WHERE { ?r a hrkg:HumanRight ; hrkg:recognisedIn ?a . ?a a hrkg:InstrumentArticle }"
    assert rows(store.query(q, bindings={"r": _iri(f"right/{right}")}), "a"), f"{right} has no article"


@pytest.mark.parametrize(
    ("right", "article"),
    [
        ("privacy", "iccpr/article/17"),
        ("privacy", "udhr/article/12"),
        ("freedom-of-expression", "iccpr/article/19"),
        ("access-to-information", "iccpr/article/19"),
        ("political-participation", "iccpr/article/25"),
        ("political-participation", "udhr/article/21"),
        ("non-discrimination", "iccpr/article/26"),
        ("non-discrimination", "udhr/article/2"),
        ("life", "iccpr/article/6"),
        ("security-of-person", "iccpr/article/9"),
        ("remedy", "iccpr/article/2"),
        ("remedy", "udhr/article/8"),
        ("health", "icescr/article/12"),
        ("work", "icescr/article/6"),
        ("education", "icescr/article/13"),
        ("rights-of-the-child", "iccpr/article/24"),
    ],
)
def test_right_is_recognised_in_article(store: Store, right: str, article: str) -> None:
    q = "ASK { ?r <https://w3id.org/hrkg#recognisedIn> ?a }"
    result = store.query(q, bindings={"r": _iri(f"right/{right}"), "a": _iri(f"instrument/{article}")})
    assert result.boolean, f"{right} should be recognised in {article}"


def test_limitation_articles_of_footnote_9(store: Store) -> None:
    q = PREFIXES + "SELECT ?n WHERE { ?a hrkg:articleOf ?i ; hrkg:articleNumber ?n ; hrkg:permitsLimitation true }"
    got = {int(n) for (n,) in rows(store.query(q, bindings={"i": _iri("instrument/iccpr")}), "n")}
    assert {4, 17, 19} <= got
