"""One version: pyproject.toml's, which the installed package, every ontology header and the changelog repeat.

A release bumps pyproject.toml and each ontology module's owl:versionInfo and owl:versionIRI together, and moves
[Unreleased] in CHANGELOG.md to a dated section (CONTRIBUTING.md, "Releasing"); this test fails until all agree.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import rdflib
from packaging.version import Version
from rdflib.namespace import OWL, RDF

import hrkg
from hrkg.resources import resources

ROOT = Path(__file__).resolve().parents[1]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
MODULES = resources().ontology_files()
#: a release heading of keep-a-changelog 1.1.0: "## [1.2.3] - 2026-01-31"
_RELEASE = re.compile(r"^## \[(?P<version>[^\]]+)\] - (?P<date>\d{4}-\d{2}-\d{2})$", re.MULTILINE)


def test_the_version_is_semver() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION), f"pyproject.toml: {VERSION!r} is not MAJOR.MINOR.PATCH"


def test_the_installed_package_has_pyprojects_version() -> None:
    """hrkg.__version__ comes from the installed metadata: reinstall (make .venv/.installed-test) after a bump."""
    assert hrkg.__version__ == VERSION


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_ontology_header_carries_the_version(path: Path) -> None:
    graph = rdflib.Graph().parse(path)
    (ontology,) = graph.subjects(RDF.type, OWL.Ontology)
    assert [str(v) for v in graph.objects(ontology, OWL.versionInfo)] == [VERSION], f"{path.name}: owl:versionInfo"
    assert [str(v) for v in graph.objects(ontology, OWL.versionIRI)] == [
        f"https://w3id.org/hrkg/ontology/{VERSION}/{path.stem}"
    ], f"{path.name}: owl:versionIRI"


def test_every_module_is_checked() -> None:
    assert len(MODULES) >= 7


def test_changelog_top_release_is_this_version() -> None:
    """The first dated release under [Unreleased] is the current version, and releases go down in order."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## .*$", text, re.MULTILINE)
    assert headings[0] == "## [Unreleased]", "CHANGELOG.md must open with an [Unreleased] section"
    releases = [m["version"] for m in _RELEASE.finditer(text)]
    assert len(releases) == len(headings) - 1, f"a heading is not '## [X.Y.Z] - YYYY-MM-DD': {headings}"
    assert releases[0] == VERSION, f"CHANGELOG.md's top release is {releases[0]}, pyproject.toml says {VERSION}"
    assert [Version(v) for v in releases] == sorted((Version(v) for v in releases), reverse=True)
