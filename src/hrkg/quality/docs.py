"""Generated HTML documentation of the ontology (pyLODE), one page per module and one for the whole."""

from __future__ import annotations

from pathlib import Path

import rdflib
from rdflib.namespace import OWL, RDF

from hrkg.errors import OutputError
from hrkg.namespaces import ONTOLOGY
from hrkg.resources import Resources, resources


def _patch_pylode() -> None:
    """pyLODE 3.3 puts the list it builds for a nested union/intersection into a set and fails (unhashable list);
    wrapping the list in one element keeps the same HTML and makes it hashable."""
    import pylode.utils as utils
    from dominate.tags import span

    if getattr(utils.intersperse, "_hrkg_patched", False):
        return
    original = utils.intersperse

    def intersperse(lst: object, sep: object) -> object:
        return span(*original(lst, sep))

    intersperse._hrkg_patched = True  # type: ignore[attr-defined]
    utils.intersperse = intersperse


def _html(graph: rdflib.Graph) -> str:
    from pylode import OntPub

    _patch_pylode()
    return str(OntPub(ontology=graph).make_html(include_css=True))


def export_docs(destination: Path, *, res: Resources | None = None) -> list[Path]:
    """Write ``index.html`` (every module together) and ``<module>.html`` for each module; returns the paths."""
    res = res or resources()
    try:
        destination.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {destination}: {exc}", hint="choose a writable directory") from None
    written = []
    umbrella = ONTOLOGY["hrkg"]
    merged = rdflib.Graph()
    for path in res.ontology_files():
        g = rdflib.Graph().parse(path)
        merged += g
        if (umbrella, RDF.type, OWL.Ontology) in g:
            continue
        out = destination / f"{path.stem}.html"
        out.write_text(_html(g), encoding="utf-8")
        written.append(out)
    # The whole ontology under the umbrella header: drop the module headers so pyLODE sees one ontology.
    for onto in set(merged.subjects(RDF.type, OWL.Ontology)):
        if onto != umbrella:
            merged.remove((onto, None, None))
    index = destination / "index.html"
    index.write_text(_html(merged), encoding="utf-8")
    return [index, *written]
