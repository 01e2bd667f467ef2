"""Property tests: SERVICE and LOAD hidden in every lexical form of the grammar, and hostile named-query parameters.

The property is the guard's soundness: whenever the engine itself (run here without the guard, against a recording
endpoint on 127.0.0.1) would send a request for a query, the guard refuses that query; and over HTTP every such
query is a 400 and the recording endpoint receives nothing."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hrkg.errors import HrkgError
from hrkg.guard import check_query, check_update
from live import Recorder
from security.security_support import AUTH

JSON = {"Accept": "application/sparql-results+json"}

PROPERTY = settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
OVER_HTTP = settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

LOCAL_ESCAPES = "_~.-!$&'()*+,;=/?#@%"
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@pytest.fixture(scope="module")
def target() -> Iterator[Recorder]:
    """A recording endpoint for this module alone, so that its request count is the engine's doing."""
    with Recorder() as rec:
        yield rec


def _cased(word: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda upper: "".join(c.upper() if u else c.lower() for c, u in zip(word, upper, strict=True))
    )


_separator = st.sampled_from([" ", "\n", "\t", "\r\n", " # } SERVICE <x> { \n", "#\n", "  \n\t "])
_prefix = st.text(alphabet=LETTERS + "0123456789", min_size=0, max_size=200).map(lambda s: "p" + s)
_local_piece = st.one_of(
    st.sampled_from(list(LETTERS)),
    st.sampled_from(["\\" + c for c in LOCAL_ESCAPES]),
    st.sampled_from(["%23", "%7D", "%7d", "%22", "%27"]),
)
_local = st.lists(_local_piece, min_size=1, max_size=12).map("".join)


@st.composite
def _decoy(draw: st.DrawFn) -> tuple[str, str]:
    """A triple pattern (and the prefix it needs) whose terms are lexically tricky: escaped local names, strings
    that contain quotes, braces and the word SERVICE, IRIs with codepoint escapes."""
    prefix = draw(_prefix)
    kind = draw(st.sampled_from(["pname", "string1", "string2", "long1", "long2", "iri"]))
    if kind == "pname":
        term = f"{prefix}:{draw(_local)}"
    elif kind == "string1":
        term = "'a\\' } SERVICE <x> { \\\\'"
    elif kind == "string2":
        term = '"a\\" } SERVICE <x> { # \\u0022"'
    elif kind == "long1":
        term = "'''a '' } SERVICE <x> { ' '''"
    elif kind == "long2":
        term = '"""a "" } SERVICE <x> {\n"""'
    else:
        term = "<http://example.org/\\u0023x>"
    return f"PREFIX {prefix}: <http://example.org/>\n", f"?s ?p {term} ."


@st.composite
def hidden_service(draw: st.DrawFn, base: str) -> str:
    """A query with a SERVICE clause to a non-allowlisted path of ``base``, hidden as well as the grammar lets us."""
    prologue, decoy = draw(_decoy())
    sep = draw(_separator)
    keyword = draw(_cased("service"))
    silent = draw(st.sampled_from(["", draw(_cased("silent")) + " "]))
    endpoint_kind = draw(st.sampled_from(["iri", "escaped-iri", "pname", "escaped-pname", "relative"]))
    target = base + "/hidden"
    if endpoint_kind == "iri":
        endpoint = f"<{target}>"
    elif endpoint_kind == "escaped-iri":
        endpoint = "<" + "".join(f"\\u{ord(c):04x}" if c in "/:" else c for c in target) + ">"
    elif endpoint_kind == "pname":
        prologue += f"PREFIX r: <{base}/>\n"
        endpoint = "r:hidden"
    elif endpoint_kind == "escaped-pname":
        prologue += f"PREFIX r: <{base}/>\n"
        endpoint = "r:hid\\-den"
    else:
        prologue = f"BASE <{base}/>\n" + prologue
        endpoint = "<hidden>"
    clause = f"{keyword}{sep}{silent}{endpoint}{sep}{{ ?a ?b ?c }}"
    wrapper = draw(
        st.sampled_from(
            [
                "{}",
                "OPTIONAL { {} }",
                "{ {} } UNION { ?s ?p ?o }",
                "MINUS { {} }",
                "FILTER EXISTS { {} }",
                "FILTER NOT EXISTS { {} }",
                "{ SELECT * WHERE { {} } }",
                "GRAPH ?g { {} }",
            ]
        )
    )
    select = draw(_cased("select"))
    # the decoy sits in a UNION with a branch that always has a solution, so that the engine evaluates the SERVICE
    body = f"{{ {decoy} }} UNION {{ BIND(1 AS ?one) }}{sep}{wrapper.replace('{}', clause)}"
    return f"{prologue}{select} * WHERE {{ {body} }}"


def _refused(query: str) -> bool:
    try:
        check_query(query)
    except HrkgError:
        return True
    return False


def _engine_fetches(query: str, recorder: Recorder) -> bool:
    """Whether Oxigraph, with no guard in front of it, sends a request for ``query``."""
    before = len(recorder.requests)
    with contextlib.suppress(SyntaxError, OSError):
        list(ox.Store().query(query))  # type: ignore[arg-type]
    return len(recorder.requests) > before


def test_the_engine_alone_does_fetch_the_reported_exploit(target: Recorder) -> None:
    """The control: without the guard, the engine runs the hidden SERVICE (so the properties below test a real
    danger, not text the engine would refuse anyway)."""
    exploit = (
        "PREFIX ex: <http://example.org/> "
        f"SELECT * WHERE {{ {{ ?s ?p ex:x\\# }} UNION {{ SERVICE <{target.url}/hidden> {{ ?a ?b ?c }} }} }}"
    )
    assert _engine_fetches(exploit, target)
    assert _refused(exploit)


def test_whatever_the_engine_would_fetch_the_guard_refuses(target: Recorder) -> None:
    fetched: list[bool] = []

    @PROPERTY
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        query = data.draw(hidden_service(target.url))
        fetches = _engine_fetches(query, target)
        fetched.append(fetches)
        assert _refused(query), f"the guard let through: {query!r} (the engine {'fetches' if fetches else 'not'})"

    check()
    # the queries are real dangers: the engine alone sends a request for nearly all of them
    assert sum(fetched) >= 0.9 * len(fetched) > 0


@OVER_HTTP
@given(data=st.data(), via=st.sampled_from(["get", "form", "direct"]))
def test_over_http_every_hidden_service_is_a_400_and_nothing_is_fetched(
    guarded: TestClient, recorder: Recorder, data: st.DataObject, via: str
) -> None:
    query = data.draw(hidden_service(recorder.url))
    before = len(recorder.requests)
    if via == "get":
        r = guarded.get("/sparql", params={"query": query})
    elif via == "form":
        r = guarded.post("/sparql", data={"query": query})
    else:
        r = guarded.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400, (query, r.text)
    assert "is refused" in r.text, r.text
    assert recorder.requests[before:] == []


@st.composite
def hidden_load(draw: st.DrawFn, base: str) -> str:
    prologue, decoy = draw(_decoy())
    sep = draw(_separator)
    load = draw(_cased("load"))
    silent = draw(st.sampled_from(["", "SILENT "]))
    data = decoy.replace("?s ?p", "<http://example.org/s> <http://example.org/p>")
    return f"{prologue}INSERT DATA {{ {data} }} ;{sep}{load} {silent}<{base}/hidden>{sep}"


@PROPERTY
@given(data=st.data())
def test_every_hidden_load_is_refused(target: Recorder, data: st.DataObject) -> None:
    update = data.draw(hidden_load(target.url))
    with pytest.raises(HrkgError, match=r"LOAD is refused|does not parse"):
        check_update(update)


_HOSTILE = st.one_of(
    st.sampled_from(
        [
            "privacy> } SERVICE <{target}> { ?a ?b ?c } #",
            "<{target}>",
            "{target}",
            "privacy\\#",
            "privacy' } SERVICE <{target}> { ?a ?b ?c } #",
            'privacy" } SERVICE <{target}> { ?a ?b ?c } #',
            "https://w3id.org/hrkg/right/privacy> } SERVICE <{target}> {",
            "privacy%3E",
            "",
        ]
    ),
    st.text(max_size=60),
)


@OVER_HTTP
@given(value=_HOSTILE)
def test_named_query_parameters_cannot_carry_a_service(guarded: TestClient, recorder: Recorder, value: str) -> None:
    before = len(recorder.requests)
    value = value.replace("{target}", recorder.url + "/hidden")
    r = guarded.get("/queries/mitigations-for-right", params={"right": value}, headers={"Accept": "text/csv"})
    if r.status_code == 200:  # only a real catalogue id is accepted
        assert value.strip() in {"privacy"} or value.strip().endswith("/privacy")
    else:
        assert r.status_code == 422, r.text
    assert recorder.requests[before:] == []


@OVER_HTTP
@given(data=st.data())
def test_over_http_an_update_with_a_hidden_service_changes_nothing(
    guarded: TestClient, recorder: Recorder, data: st.DataObject
) -> None:
    query = data.draw(hidden_service(recorder.url))
    prologue, _, where = query.partition(" * WHERE ")
    prologue = prologue.rsplit("\n", 1)[0] if "\n" in prologue else ""
    update = f"{prologue}\nINSERT {{ <https://example.org/s> <https://example.org/p> ?a }} WHERE {where}"
    before = len(recorder.requests)
    headers = {**AUTH, "Content-Type": "application/sparql-update"}
    r = guarded.post("/update", content=update.encode(), headers=headers)
    assert r.status_code == 400, (update, r.text)
    assert "is refused" in r.text, r.text  # refused for its SERVICE, not for a slip of the generator
    assert recorder.requests[before:] == []
    ask = guarded.get("/sparql", params={"query": "ASK { <https://example.org/s> ?p ?o }"}, headers=JSON)
    assert ask.json()["boolean"] is False
