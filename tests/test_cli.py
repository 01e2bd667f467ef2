"""The hrkg CLI: help for every command, one-line errors with hints and exit 2, real output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hrkg.cli import main

COMMANDS = sorted(main.commands)  # type: ignore[attr-defined]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_the_contract_commands_exist() -> None:
    assert {"serve", "sparql", "reason", "export", "check"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(runner: CliRunner, command: str) -> None:
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage: main " + command in result.output or f"Usage: hrkg {command}" in result.output
    assert len(result.output.splitlines()) > 3


def test_sparql_table(runner: CliRunner) -> None:
    result = runner.invoke(
        main,
        [
            "sparql",
            "SELECT ?a WHERE { <https://w3id.org/hrkg/attribution/directly-linked> "
            "<https://w3id.org/hrkg#callsFor> ?a }",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[2:] == ["action:use-leverage", "(1 row)"]


def test_sparql_from_file_as_json(runner: CliRunner, tmp_path: Path) -> None:
    q = tmp_path / "q.rq"
    q.write_text("ASK { ?s a <https://w3id.org/hrkg#AttributionLevel> }", encoding="utf-8")
    result = runner.invoke(main, ["sparql", "-f", str(q), "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["boolean"] is True


def test_sparql_syntax_error_is_one_line_and_exit_2(runner: CliRunner) -> None:
    result = runner.invoke(main, ["sparql", "SELEC ?x WHERE {}"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("error: the SPARQL query does not parse")
    assert lines[1].startswith("hint: ")
    assert "Traceback" not in result.output


def test_sparql_missing_query_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["sparql", "-f", str(tmp_path / "none.rq")])
    assert result.exit_code == 2
    assert "none.rq" in result.output
    assert "Traceback" not in result.output


def test_unknown_store(runner: CliRunner) -> None:
    result = runner.invoke(main, ["sparql", "--store", "bogus:", "ASK {}"])
    assert result.exit_code == 2
    assert "unknown store URL" in result.output


def test_wrong_format_for_query_form(runner: CliRunner) -> None:
    result = runner.invoke(main, ["sparql", "--format", "turtle", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"])
    assert result.exit_code == 2
    assert "does not fit" in result.output


@pytest.mark.slow
def test_check_passes(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "meta shapes: 0 violation(s)" in result.output
    assert "quality gates passed" in result.output


@pytest.mark.slow
def test_export_docs_writes_html_with_terms(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["export", "--docs", str(tmp_path / "docs")])
    assert result.exit_code == 0, result.output
    index = (tmp_path / "docs" / "index.html").read_text(encoding="utf-8")
    assert "attribution level" in index.lower()
    assert "counterbalancing test" in index.lower()
    for module in ("core", "rights", "tensions", "mitigation", "valuechain", "organisation"):
        assert (tmp_path / "docs" / f"{module}.html").stat().st_size > 1000


def test_export_graph(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "kg.ttl"
    result = runner.invoke(main, ["export", "--graph", str(out)])
    assert result.exit_code == 0
    import rdflib

    assert len(rdflib.Graph().parse(out)) > 1000


def test_export_needs_a_target(runner: CliRunner) -> None:
    result = runner.invoke(main, ["export"])
    assert result.exit_code == 2
    assert "hint: give --docs DIR" in result.output


@pytest.mark.reasoner
@pytest.mark.slow
def test_reason_on_an_rdf_file(runner: CliRunner) -> None:
    fixture = Path(__file__).parent / "fixtures" / "reasoner" / "organisation.ttl"
    result = runner.invoke(main, ["reason", str(fixture), "--all"])
    assert result.exit_code == 0, result.output
    assert "consistent: yes" in result.output
    assert "unsatisfiable classes: 0" in result.output
    line = next(x for x in result.output.splitlines() if x.strip().startswith("hrkg:CausingActor"))
    assert "<https://example.org/acme/acme>" in line


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("HRKG_QUERY_TIMEOUT", "-1", "greater than 0"),
        ("HRKG_WORKERS", "many", "valid integer"),
        ("HRKG_SERVICE_ALLOWLIST", "ftp://example.org/sparql", "not an http(s) endpoint"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, words: str
) -> None:
    from hrkg.config import get_settings

    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    try:
        result = runner.invoke(main, ["query", "--list"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert f"error: {variable}=" in result.output
    assert words in result.output
    assert "Traceback" not in result.output


def test_serve_help_lists_the_safety_settings(runner: CliRunner) -> None:
    out = runner.invoke(main, ["serve", "--help"]).output
    for option in ("--workers", "--query-timeout", "HRKG_SERVICE_ALLOWLIST", "HRKG_UPDATE_TOKEN"):
        assert option in out


def test_serve_reports_a_store_it_cannot_open_in_one_line(runner: CliRunner, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = runner.invoke(main, ["serve", "--port", "1", "--store", f"oxigraph:{blocker}/store"])
    assert result.exit_code == 2
    assert result.output.startswith("error: cannot open the store at")
    assert "Traceback" not in result.output
