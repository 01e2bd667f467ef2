"""The competency-question suite: what a practitioner would ask of the guide, and what the graph must answer.

Questions are data, one YAML file per family of guide sections under tests/competency/. Each question was written
by reading the guide, and its expected answer is the guide's; where the graph disagrees, the entry carries
``xfail: "reason"`` and runs as a strict xfail (it fails the suite once the graph is fixed, so the marker goes too).

Entry keys:

``id`` (stable slug, unique across the suite), ``section`` (guide section id: "summary", "1" ... "4.4", "5", or a
footnote "fn9"), ``question`` (plain English), then either ``query`` (a named query) with optional ``params``, or
``sparql`` (a SELECT; the prefixes of ``PREFIXES`` are declared for it: hrkg:, rdfs:, skos:, dcterms: and one per
catalogue scheme, e.g. right:privacy, section:2.1, fn:9, ungp:19, iccpr:19); ``expect`` with ``column``, ``match``
and ``values`` or ``text_contains``:

* ``set``: the column's distinct values are exactly ``values``, in any order;
* ``ordered``: the column, row by row, is exactly ``values``;
* ``contains``: the column holds at least ``values`` (or, with ``text_contains``, every substring occurs,
  case-insensitively, in some value);
* ``none``: the query returns no rows (no ``values``).

Values are written as in the catalogue: an IRI under https://w3id.org/hrkg/ as its path (``action/remedy``), an
hrkg term as ``hrkg:Name``, a literal as its text (numbers and booleans as YAML scalars). Unbound cells are left out
of a column. Optional keys: ``multi_hop: true`` (the answer needs two or more links), ``xfail``, ``note``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml

from hrkg.queries import QueryLibrary
from hrkg.store import QueryResult, Store

SUITE = Path(__file__).parent / "competency"
HRKG_IRI = "https://w3id.org/hrkg/"
HRKG_TERM = "https://w3id.org/hrkg#"

REQUIRED_SECTIONS = frozenset(
    {"summary", "1", "1.1", "1.2", "1.3", "2", "2.1", "3", "3.1", "3.2", "3.3", "3.4", "4", "4.1", "4.2", "4.3"}
    | {"4.4", "5", "fn1", "fn5", "fn6", "fn9", "fn10"}
)
# Prepended to every ``sparql`` entry, so that questions can write right:privacy, section:2.1, ungp:19, ...
_SCHEMES = {
    "action": "action/",
    "attribution": "attribution/",
    "role": "role/",
    "right": "right/",
    "mitigation": "mitigation/",
    "category": "category/",
    "principle": "principle/",
    "tension": "tension/",
    "counterbalancing": "counterbalancing/",
    "test": "counterbalancing-test/",
    "caveat": "caveat/",
    "key-point": "key-point/",
    "referral": "referral/",
    "maturity": "maturity/",
    "recommendation": "recommendation/",
    "mitigation-risk": "mitigation-risk/",
    "addressed-risk": "addressed-risk/",
    "integration-step": "integration-step/",
    "leverage-mechanism": "leverage-mechanism/",
    "dd-step": "dd-step/",
    "section": "guide/section/",
    "fn": "guide/footnote/",
    "ungp": "ungp/principle/",
    "resource": "resource/",
    "instrument": "instrument/",
    "iccpr": "instrument/iccpr/article/",
    "udhr": "instrument/udhr/article/",
}
PREFIXES = "\n".join(
    [
        f"PREFIX hrkg: <{HRKG_TERM}>",
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>",
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>",
        "PREFIX dcterms: <http://purl.org/dc/terms/>",
        *(f"PREFIX {name}: <{HRKG_IRI}{path}>" for name, path in _SCHEMES.items()),
    ]
)

MIN_QUESTIONS = 40
MIN_MULTI_HOP = 8

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SECTION = re.compile(r"^(?:summary|[1-5](?:\.[1-4])?|fn(?:[1-9]|1[01]))$")
MATCHES = frozenset({"set", "ordered", "contains", "none"})
KEYS = frozenset({"id", "section", "question", "query", "params", "sparql", "expect", "multi_hop", "xfail", "note"})
EXPECT_KEYS = frozenset({"column", "values", "text_contains", "match"})


@dataclass(frozen=True)
class Question:
    file: str
    entry: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.entry.get("id", f"{self.file}:<no id>"))

    def where(self) -> str:
        return f"{self.file}, question {self.id!r}"


def _load() -> list[Question]:
    questions: list[Question] = []
    for path in sorted(SUITE.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(data, list), f"{path.name}: the file must hold a YAML list of questions"
        for i, entry in enumerate(data):
            assert isinstance(entry, dict), f"{path.name}: entry {i} is not a mapping"
            questions.append(Question(path.name, entry))
    return questions


QUESTIONS = _load()


def _section_id(value: object) -> str:
    return str(value)


def _scalar(value: object) -> str:
    """A YAML scalar as the text the graph's lexical value has (true -> "true", 3 -> "3")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _lexical(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    if isinstance(term, ox.NamedNode):
        iri = term.value
        if iri.startswith(HRKG_TERM):
            return "hrkg:" + iri.removeprefix(HRKG_TERM)
        return iri.removeprefix(HRKG_IRI)
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def _column(result: QueryResult, column: str) -> list[str]:
    return [_lexical(row[column]) for row in result.rows if column in row]


def _structure_errors(q: Question) -> Iterator[str]:
    e = q.entry
    unknown = sorted(set(e) - KEYS)
    if unknown:
        yield f"unknown keys {unknown} (allowed: {sorted(KEYS)})"
    for key in ("id", "section", "question", "expect"):
        if key not in e:
            yield f"missing {key!r}"
    if not SLUG.match(str(e.get("id", ""))):
        yield "'id' must be a lower-case slug (letters, digits, hyphens)"
    if "section" in e and not SECTION.match(_section_id(e["section"])):
        yield "'section' must be a guide section id (summary, 1, 1.1, ..., 5) or a footnote (fn1 ... fn11)"
    if not isinstance(e.get("question", ""), str) or not str(e.get("question", "")).strip().endswith("?"):
        yield "'question' must be a plain-English question ending in '?'"
    if ("query" in e) == ("sparql" in e):
        yield "give exactly one of 'query' (a named query) and 'sparql'"
    if "params" in e and ("query" not in e or not isinstance(e["params"], dict)):
        yield "'params' is a mapping and goes with 'query'"
    if "sparql" in e and "SELECT" not in str(e["sparql"]).upper():
        yield "'sparql' must be a SELECT query"
    if "multi_hop" in e and not isinstance(e["multi_hop"], bool):
        yield "'multi_hop' must be true or false"
    if "xfail" in e and not (isinstance(e["xfail"], str) and e["xfail"].strip()):
        yield "'xfail' must give the reason as text"
    expect = e.get("expect")
    if not isinstance(expect, dict):
        yield "'expect' must be a mapping"
        return
    unknown = sorted(set(expect) - EXPECT_KEYS)
    if unknown:
        yield f"unknown keys in 'expect': {unknown}"
    match = expect.get("match")
    if match not in MATCHES:
        yield f"expect.match must be one of {sorted(MATCHES)}, not {match!r}"
    if not isinstance(expect.get("column"), str):
        yield "expect.column must name a result variable"
    has_values, has_text = "values" in expect, "text_contains" in expect
    if match == "none":
        if has_values or has_text:
            yield "match 'none' takes no 'values' or 'text_contains'"
    elif match == "contains":
        if has_values == has_text:
            yield "match 'contains' takes exactly one of 'values' and 'text_contains'"
    elif match in ("set", "ordered") and (not has_values or has_text):
        yield f"match {match!r} takes 'values' (and no 'text_contains')"
    for key in ("values", "text_contains"):
        if key in expect and not (isinstance(expect[key], list) and expect[key]):
            yield f"expect.{key} must be a non-empty list"


def _run(q: Question, store: Store, library: QueryLibrary) -> QueryResult:
    e = q.entry
    if "query" in e:
        params = {str(k): _scalar(v) for k, v in (e.get("params") or {}).items()}
        return library.run(str(e["query"]), params)
    return store.query(PREFIXES + "\n" + str(e["sparql"]))


@pytest.fixture(scope="module")
def library(store: Store) -> QueryLibrary:
    return QueryLibrary(store)


def _cases() -> list[Any]:
    cases = []
    for q in QUESTIONS:
        marks = []
        if isinstance(q.entry.get("xfail"), str):
            marks.append(pytest.mark.xfail(reason=q.entry["xfail"], strict=True))
        cases.append(pytest.param(q, id=q.id, marks=marks))
    return cases


@pytest.mark.parametrize("q", _cases())
def test_competency_question(q: Question, store: Store, library: QueryLibrary) -> None:
    errors = list(_structure_errors(q))
    assert not errors, f"{q.where()}: " + "; ".join(errors)
    expect = q.entry["expect"]
    result = _run(q, store, library)
    assert result.kind == "select", f"{q.where()}: the query must be a SELECT"
    column, match = expect["column"], expect["match"]
    if match == "none":
        assert not result.rows, f"{q.where()}: expected no rows, got {len(result.rows)}: {result.rows[:3]}"
        return
    assert column in result.variables, f"{q.where()}: no column {column!r} in {result.variables}"
    actual = _column(result, column)
    if "text_contains" in expect:
        missing = [s for s in expect["text_contains"] if not any(str(s).lower() in a.lower() for a in actual)]
        assert not missing, f"{q.where()}: no value of {column!r} contains {missing}; values: {actual}"
        return
    expected = [_scalar(v) for v in expect["values"]]
    if match == "ordered":
        assert actual == expected, f"{q.where()}: column {column!r} is {actual}, expected {expected} in order"
    elif match == "set":
        assert set(actual) == set(expected), (
            f"{q.where()}: column {column!r} holds {sorted(set(actual))}, expected exactly {sorted(set(expected))}"
            f" (missing {sorted(set(expected) - set(actual))}, unexpected {sorted(set(actual) - set(expected))})"
        )
    else:
        missing = sorted(set(expected) - set(actual))
        assert not missing, f"{q.where()}: column {column!r} lacks {missing}; it holds {sorted(set(actual))}"


def test_suite_structure() -> None:
    problems = [f"{q.where()}: {err}" for q in QUESTIONS for err in _structure_errors(q)]
    assert not problems, "\n".join(problems)


def test_ids_are_unique() -> None:
    seen: dict[str, str] = {}
    duplicates = []
    for q in QUESTIONS:
        if q.id in seen:
            duplicates.append(f"{q.id!r} in {q.file} and {seen[q.id]}")
        seen.setdefault(q.id, q.file)
    assert not duplicates, "duplicate question ids: " + "; ".join(duplicates)


def test_suite_size_and_coverage() -> None:
    assert len(QUESTIONS) >= MIN_QUESTIONS, f"{len(QUESTIONS)} questions, at least {MIN_QUESTIONS} needed"
    multi_hop = [q.id for q in QUESTIONS if q.entry.get("multi_hop") is True]
    assert len(multi_hop) >= MIN_MULTI_HOP, f"{len(multi_hop)} multi-hop questions, at least {MIN_MULTI_HOP} needed"
    covered = {_section_id(q.entry.get("section")) for q in QUESTIONS}
    missing = sorted(REQUIRED_SECTIONS - covered)
    assert not missing, f"no question covers guide section(s) {missing}"


def test_named_queries_exist(library: QueryLibrary) -> None:
    named = [q for q in QUESTIONS if "query" in q.entry]
    unknown = [f"{q.where()}: {q.entry['query']!r}" for q in named if q.entry["query"] not in library.queries]
    assert not unknown, "unknown named queries: " + "; ".join(unknown)
