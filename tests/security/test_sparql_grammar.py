"""The guard's parser against the W3C SPARQL syntax test suites (tests/fixtures/w3c-sparql-syntax/).

Every positive test must parse (the guard must not refuse standard SPARQL) and every negative test must be refused.
The parser is the recommendation's context-free grammar; a few negative tests break rules stated beside the
grammar (the scope of blank node labels and of BIND and SELECT variables, aggregates and GROUP BY, the number of
VALUES per row, blank nodes shared between INSERT DATA blocks, escapes of invalid code points). The guard leaves
those to the engine, which the test checks refuses every one of them, so each negative test is refused before it
runs."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import RDF

from hrkg.sparql import SparqlParseError, parse

SUITES = Path(__file__).parent.parent / "fixtures" / "w3c-sparql-syntax"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
KINDS = {  # test type: (should parse, is an update)
    "PositiveSyntaxTest": (True, False),
    "NegativeSyntaxTest": (False, False),
    "PositiveSyntaxTest11": (True, False),
    "NegativeSyntaxTest11": (False, False),
    "PositiveUpdateSyntaxTest11": (True, True),
    "NegativeUpdateSyntaxTest11": (False, True),
}
#: negative tests that break a rule stated beside the grammar, not the grammar itself: refused by the engine
BEYOND_THE_GRAMMAR = {
    "sparql10/syntax-sparql3/syn-blabel-cross-graph-bad.rq",
    "sparql10/syntax-sparql3/syn-blabel-cross-optional-bad.rq",
    "sparql10/syntax-sparql3/syn-blabel-cross-union-bad.rq",
    "sparql10/syntax-sparql4/syn-bad-34.rq",
    "sparql10/syntax-sparql4/syn-bad-35.rq",
    "sparql10/syntax-sparql4/syn-bad-36.rq",
    "sparql10/syntax-sparql4/syn-bad-37.rq",
    "sparql10/syntax-sparql4/syn-bad-38.rq",
    "sparql10/syntax-sparql4/syn-bad-OPT-breaks-BGP.rq",
    "sparql10/syntax-sparql4/syn-bad-UNION-breaks-BGP.rq",
    "sparql10/syntax-sparql4/syn-bad-GRAPH-breaks-BGP.rq",
    "sparql11/syntax-query/syn-bad-01.rq",
    "sparql11/syntax-query/syn-bad-02.rq",
    "sparql11/syntax-query/syn-bad-03.rq",
    "sparql11/syntax-query/syntax-BINDscope6.rq",
    "sparql11/syntax-query/syntax-BINDscope7.rq",
    "sparql11/syntax-query/syntax-BINDscope8.rq",
    "sparql11/syntax-query/syntax-SELECTscope2.rq",
    "sparql11/syntax-query/syn-invalid-codepoint-escaped-bad-01.rq",
    "sparql11/syntax-query/syn-bad-values-too-many.rq",
    "sparql11/syntax-query/syn-bad-values-too-few.rq",
    "sparql11/syntax-update-1/syntax-update-bad-03.ru",
    "sparql11/syntax-update-1/syntax-update-bad-04.ru",
    "sparql11/syntax-update-1/syntax-update-bad-10.ru",
    "sparql11/syntax-update-1/syntax-update-bad-11.ru",
    "sparql11/syntax-update-1/syntax-update-bad-12.ru",
    "sparql11/syntax-update-1/syntax-update-54.ru",
}


def _tests() -> list[tuple[str, bool, bool]]:
    found = []
    for manifest in sorted(SUITES.glob("*/*/manifest.ttl")):
        graph = rdflib.Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
        for test, kind in graph.subject_objects(RDF.type):
            name = str(kind).rsplit("#", 1)[-1]
            if name not in KINDS:
                continue
            action = graph.value(test, MF.action)
            action = graph.value(action, QT.query) or action
            path = Path(str(action).removeprefix("file://"))
            found.append((path.relative_to(SUITES).as_posix(), *KINDS[name]))
    return sorted(found)


TESTS = _tests()


def test_the_suites_are_all_there() -> None:
    assert len(TESTS) == 351
    assert sum(1 for _, positive, _ in TESTS if positive) > 200
    assert {name for name, *_ in TESTS} >= BEYOND_THE_GRAMMAR


@pytest.mark.parametrize(("name", "positive", "update"), TESTS, ids=[t[0] for t in TESTS])
def test_w3c_syntax(name: str, positive: bool, update: bool) -> None:
    text = (SUITES / name).read_text(encoding="utf-8")
    if positive:
        parse(text, update=update)
    elif name in BEYOND_THE_GRAMMAR:
        parse(text, update=update)  # the grammar allows it ...
        run = ox.Store().update if update else ox.Store().query
        with pytest.raises(SyntaxError):  # ... and the engine refuses it before running anything
            run(text)
    else:
        with pytest.raises(SparqlParseError):
            parse(text, update=update)
