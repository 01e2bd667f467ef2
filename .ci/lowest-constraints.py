"""Print a pip constraints file that pins every dependency to its tested minimum.

Each requirement of [project.dependencies] and of the extras named on the command line (default: test) that has a
``>=X`` specifier becomes ``name==X`` (its environment marker kept); one with no lower bound is left out. Parsed with
``packaging``, so extras, markers and exclusions (``!=``) are read as pip reads them.

    python .ci/lowest-constraints.py [EXTRA ...] > constraints.txt
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement


def lowest(requirement: Requirement) -> str | None:
    """``name==minimum[; marker]`` for a requirement with a ``>=`` bound, else None."""
    minimums = [spec.version for spec in requirement.specifier if spec.operator == ">="]
    if not minimums:
        return None
    if len(minimums) > 1:
        raise SystemExit(f"{requirement}: more than one lower bound")
    (version,) = minimums
    if not requirement.specifier.contains(version, prereleases=True):
        raise SystemExit(f"{requirement}: the minimum {version} is itself excluded")
    line = f"{requirement.name}=={version}"
    return f"{line}; {requirement.marker}" if requirement.marker else line


def main(extras: list[str]) -> None:
    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"])
    for extra in extras:
        declared += project["optional-dependencies"][extra]
    for text in declared:
        line = lowest(Requirement(text))
        if line:
            print(line)


if __name__ == "__main__":
    main(sys.argv[1:] or ["test"])
