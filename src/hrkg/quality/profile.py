"""OWL 2 DL profile check, with the OWL API inside owlready2's bundled HermiT.jar (no download).

The small checker (java/ProfileCheck.java) is run with Java's single-file source launcher, which needs a JDK.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import rdflib
from rdflib.namespace import OWL

from hrkg.errors import ReasonerError
from hrkg.reason import java_executable

_CHECKER = Path(__file__).parent / "java" / "ProfileCheck.java"


def _hermit_jar() -> Path:
    import owlready2

    return Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"


def owl2_dl_violations(graph: rdflib.Graph, *, timeout: float = 300) -> list[str]:
    """The OWL 2 DL profile violations of ``graph`` (owl:imports removed, so nothing is fetched); [] if in profile."""
    java = java_executable()
    clean = rdflib.Graph()
    for t in graph:
        if t[1] != OWL.imports:
            clean.add(t)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "graph.owl"
        clean.serialize(path, format="xml")
        proc = subprocess.run(  # noqa: S603 - our own checker and a temporary file, no shell
            [java, "-cp", str(_hermit_jar()), str(_CHECKER), str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if proc.returncode not in (0, 1) or (proc.returncode == 1 and not proc.stdout.strip()):
        raise ReasonerError(
            "the OWL 2 DL profile check could not run: " + (proc.stderr.strip().splitlines() or ["no output"])[-1],
            hint="it needs a JDK (Debian: apt-get install default-jdk-headless), not only a JRE",
        )
    return sorted({line.strip() for line in proc.stdout.splitlines() if line.strip()})
