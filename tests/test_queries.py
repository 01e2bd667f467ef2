"""The named-query library: headers, parameter validation and binding, the `hrkg query` command."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hrkg.cli import main
from hrkg.errors import InputError, ParameterError, UnknownQueryError
from hrkg.queries import QueryLibrary, parse_query_file
from hrkg.store import Store

CONTRACT = {
    "appropriate-actions": ["attribution"],
    "mitigations-for-role": ["role"],
    "mitigations-for-right": ["right"],
    "recommend": ["role", "right", "attribution"],
    "counterbalancing-tests": [],
    "tensions": [],
    "integration-steps": ["kind"],
    "rights": [],
    "mitigation-risks": [],
    "leverage-mechanisms": [],
    "contribution-factors": [],
    "principles": [],
    "value-chain": [],
    "sources": ["term"],
}


@pytest.fixture(scope="module")
def library(store: Store) -> QueryLibrary:
    return QueryLibrary(store)


def test_at_least_25_documented_queries(library: QueryLibrary) -> None:
    assert len(library.queries) >= 25
    for q in library.queries.values():
        assert q.title, q.name
        assert len(q.description) > 40, q.name


@pytest.mark.parametrize(("name", "params"), sorted(CONTRACT.items()))
def test_contract_query_names_and_parameters(library: QueryLibrary, name: str, params: list[str]) -> None:
    assert [p.name for p in library.get(name).parameters] == params


def test_unknown_query(library: QueryLibrary) -> None:
    with pytest.raises(UnknownQueryError, match="no named query 'nope'"):
        library.run("nope")


def test_unknown_value_lists_the_allowed_ones(library: QueryLibrary) -> None:
    with pytest.raises(ParameterError, match="'ceo' is not a known role") as info:
        library.run("mitigations-for-role", {"role": "ceo"})
    assert info.value.hint == ("allowed: deployer, downstream-developer, foundation-model-developer, supplier, user")


def test_missing_parameter(library: QueryLibrary) -> None:
    with pytest.raises(ParameterError, match="needs the parameter 'attribution'") as info:
        library.run("appropriate-actions")
    assert "cause, contribute, directly-linked, not-linked" in info.value.hint


def test_unknown_parameter_name(library: QueryLibrary) -> None:
    with pytest.raises(ParameterError, match="has no parameter 'rol'") as info:
        library.run("mitigations-for-role", {"rol": "deployer"})
    assert info.value.hint == "its parameters: role"


@pytest.mark.parametrize("hostile", ['cause" } ?s ?p ?o {', "cause> . ?s ?p ?o", "cause\n}"])
def test_hostile_values_are_refused_before_any_query(library: QueryLibrary, hostile: str) -> None:
    with pytest.raises(ParameterError):
        library.run("appropriate-actions", {"attribution": hostile})


def test_term_parameter_must_exist(library: QueryLibrary) -> None:
    with pytest.raises(ParameterError, match="no such term"):
        library.run("sources", {"term": "NoSuchThing"})
    assert library.run("sources", {"term": "right/privacy"}).rows


def test_optional_parameter_may_be_left_out(library: QueryLibrary) -> None:
    everything = library.run("integration-steps")
    one = library.run("integration-steps", {"kind": "human-oversight"})
    assert 0 < len(one.rows) < len(everything.rows)


def test_malformed_header(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rq"
    bad.write_text("# title: x\n# param: role role without parens\nSELECT * WHERE {}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        parse_query_file(bad)
    assert info.value.line == 2
    assert "NAME (TYPE[, optional])" in info.value.hint


def test_header_continuation_lines(tmp_path: Path) -> None:
    q = tmp_path / "q.rq"
    q.write_text(
        "# title: T\n# description: first\n#   second\n# param: role (role, optional) a\n#   b\nSELECT * {}\n",
        encoding="utf-8",
    )
    parsed = parse_query_file(q)
    assert parsed.description == "first second"
    assert parsed.parameters[0].optional
    assert parsed.parameters[0].description == "a b"


def test_cli_list_and_run() -> None:
    runner = CliRunner()
    listing = runner.invoke(main, ["query", "--list"])
    assert listing.exit_code == 0
    assert "recommend role=<role> right=<right> attribution=<attribution>" in listing.output
    assert "integration-steps [kind=<mitigation>]" in listing.output
    result = runner.invoke(
        main, ["query", "appropriate-actions", "--param", "attribution=directly-linked", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split(",")[:2] == ["action", "actionLabel"]
    assert [line.split(",")[0] for line in lines[1:]] == ["https://w3id.org/hrkg/action/use-leverage"]


def test_cli_bad_parameter_is_exit_2_with_allowed_values() -> None:
    result = CliRunner().invoke(main, ["query", "mitigations-for-role", "-p", "role=ceo"])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "error: role='ceo' is not a known role",
        "hint: allowed: deployer, downstream-developer, foundation-model-developer, supplier, user",
    ]


def test_cli_param_syntax() -> None:
    result = CliRunner().invoke(main, ["query", "mitigations-for-role", "-p", "deployer"])
    assert result.exit_code == 2
    assert "is not KEY=VALUE" in result.output


def test_cli_show() -> None:
    result = CliRunner().invoke(main, ["query", "appropriate-actions", "--show"])
    assert result.exit_code == 0
    assert "allowed: cause, contribute, directly-linked, not-linked" in result.output
    assert "SELECT" in result.output
