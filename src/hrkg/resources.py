"""The one place that knows where ontology/, shapes/, queries/ and data/ are."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import rdflib

from hrkg.errors import ResourceError

_PACKAGE = Path(__file__).resolve().parent
_DIRS = ("ontology", "shapes", "queries", "data")


@dataclass(frozen=True)
class Resources:
    root: Path

    @property
    def ontology(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes(self) -> Path:
        return self.root / "shapes"

    @property
    def queries(self) -> Path:
        return self.root / "queries"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def ontology_files(self) -> list[Path]:
        return sorted(self.ontology.glob("*.ttl"))

    def data_files(self) -> list[Path]:
        """Knowledge-graph data: every Turtle file under data/, except the example organisations."""
        return sorted(p for p in self.data.rglob("*.ttl") if "examples" not in p.relative_to(self.data).parts)

    def graph_files(self) -> list[Path]:
        """Everything the default store loads: the ontology modules and the guidance data."""
        return self.ontology_files() + self.data_files()

    def graph_name(self, path: Path) -> str:
        """The named graph a source file is loaded into: ``https://w3id.org/hrkg/graph/<dir>/<stem>`` for the
        project's own files, the file's URI for any other file."""
        from hrkg.namespaces import GRAPH

        resolved = path.resolve()
        if not resolved.is_relative_to(self.root):
            return resolved.as_uri()
        return str(GRAPH) + resolved.relative_to(self.root).with_suffix("").as_posix()


def turtle_graph(directory: Path) -> rdflib.Graph:
    """Every ``*.ttl`` file directly in ``directory``, parsed into one graph (e.g. a folder of shapes)."""
    g = rdflib.Graph()
    for path in sorted(directory.glob("*.ttl")):
        try:
            g.parse(path)
        except Exception as exc:  # noqa: BLE001 - rdflib raises many kinds; a broken product file is a server error
            raise ResourceError(
                f"the product file {path.name} cannot be read: {' '.join(str(exc).split())[:300]}",
                hint="this is a fault of the installation, not of your data: reinstall hrkg or report it",
            ) from None
    return g


@cache
def resources() -> Resources:
    """Installed wheels carry the files in ``hrkg/_resources``; an editable install reads the checkout."""
    for root in (_PACKAGE / "_resources", _PACKAGE.parents[1]):
        if all((root / d).is_dir() for d in _DIRS):
            return Resources(root)
    raise RuntimeError(f"hrkg resources not found next to {_PACKAGE}; reinstall the package")
