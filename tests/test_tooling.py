"""The contributor's tools: the pre-commit hooks run what `make lint` and `make typecheck` run, and the CI's
lowest-versions job pins exactly the minimums pyproject.toml declares. No network: the files are only read."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _hooks() -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """hook id -> (its repo entry, the hook)"""
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    return {hook["id"]: (repo, hook) for repo in config["repos"] for hook in repo["hooks"]}


def _pinned(name: str, extra: str = "test") -> str:
    for text in PROJECT["optional-dependencies"][extra]:
        requirement = Requirement(text)
        if requirement.name == name:
            (spec,) = requirement.specifier
            return spec.version
    raise AssertionError(f"{name} is not in the {extra} extra")


def test_pre_commit_runs_the_projects_checks() -> None:
    hooks = _hooks()
    assert set(hooks) >= {
        "ruff-check",
        "ruff-format",
        "mypy",
        "lint-imports",
        "check-yaml",
        "check-toml",
        "end-of-file-fixer",
        "trailing-whitespace",
    }
    assert "--fix" in hooks["ruff-check"][1]["args"]


def test_ruff_hook_is_the_pinned_ruff() -> None:
    """ruff-pre-commit tags each ruff release vX.Y.Z: the hook and `make lint` must format alike."""
    repo, _ = _hooks()["ruff-check"]
    assert repo["repo"] == "https://github.com/astral-sh/ruff-pre-commit"
    assert repo["rev"] == f"v{_pinned('ruff')}"


def test_remote_hooks_are_pinned_to_tags() -> None:
    for repo, _ in _hooks().values():
        if repo["repo"] != "local":
            assert re.fullmatch(r"v\d+\.\d+\.\d+", repo["rev"]), repo


def test_mypy_and_lint_imports_use_the_project_venv() -> None:
    """They need the installed package and its dependencies, so they run from .venv, over the whole package."""
    hooks = _hooks()
    for hook_id, entry in (("mypy", ".venv/bin/mypy"), ("lint-imports", ".venv/bin/lint-imports")):
        repo, hook = hooks[hook_id]
        assert repo["repo"] == "local"
        assert (hook["language"], hook["entry"], hook["pass_filenames"]) == ("system", entry, False)


def test_whitespace_fixers_leave_the_fixtures_alone() -> None:
    """tests/fixtures/ holds the W3C syntax suites as published and inputs with odd bytes on purpose."""
    hooks = _hooks()
    for hook_id in ("end-of-file-fixer", "trailing-whitespace"):
        pattern = re.compile(hooks[hook_id][1]["exclude"])
        assert pattern.search("tests/fixtures/w3c-sparql-syntax/sparql11/syntax-query/syntax-select-expr-01.rq")
        assert pattern.search("tests/fixtures/rules/no-offsetting/fires.yaml")
        assert not pattern.search("src/hrkg/cli.py")


def test_dev_extra_has_pre_commit() -> None:
    assert any(Requirement(r).name == "pre-commit" for r in PROJECT["optional-dependencies"]["dev"])


def test_lowest_constraints_pin_every_minimum() -> None:
    """.ci/lowest-constraints.py turns each ``name>=X`` of the dependencies and the test extra into ``name==X``."""
    out = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "lowest-constraints.py")], capture_output=True, text=True, check=True
    ).stdout
    pinned = {Requirement(line).name: Requirement(line) for line in out.splitlines()}
    declared = [Requirement(r) for r in PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]]
    for requirement in declared:
        (minimum,) = (s.version for s in requirement.specifier if s.operator == ">=")
        constraint = pinned[requirement.name]
        assert str(constraint.specifier) == f"=={minimum}", constraint
        assert constraint.marker == requirement.marker, constraint
        assert requirement.specifier.contains(minimum), f"{requirement}: its minimum is excluded"
    assert len(pinned) == len(declared)
