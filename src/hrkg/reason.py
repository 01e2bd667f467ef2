"""OWL 2 DL reasoning with HermiT (bundled with owlready2), always in a private owlready2 World.

The graph is handed over as N-Triples with every ``owl:imports`` removed, so nothing is fetched.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib.namespace import OWL, RDF

from hrkg.errors import JavaMissingError, ReasonerError
from hrkg.namespaces import HRKG

_SCRATCH_IRI = "https://w3id.org/hrkg/reasoner-input"


@dataclass
class ReasonerReport:
    consistent: bool
    #: classes equivalent to owl:Nothing
    unsatisfiable: list[str] = field(default_factory=list)
    #: (individual, class) pairs the reasoner added (hrkg classes only, not entailed by asserted subclassing)
    inferred: list[tuple[str, str]] = field(default_factory=list)
    explanation: str = ""

    def to_graph(self) -> rdflib.Graph:
        """The inferred class memberships as triples."""
        g = rdflib.Graph()
        for ind, cls in self.inferred:
            g.add((rdflib.URIRef(ind), RDF.type, rdflib.URIRef(cls)))
        return g


def java_executable() -> str:
    home = os.environ.get("JAVA_HOME")
    if home and os.access(java := Path(home) / "bin" / "java", os.X_OK):
        return str(java)
    exe = shutil.which("java")
    if exe is None:
        raise JavaMissingError()
    return exe


def _iri(entity: object) -> str:
    return str(getattr(entity, "iri", entity))


_ENTITY_KINDS = {
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.Ontology,
    OWL.NamedIndividual,
    OWL.Restriction,
    RDF.Property,
}


def _declare_individuals(g: rdflib.Graph) -> None:
    """Organisation data types its records (``acme:i1 a hrkg:Impact``) without OWL declarations; declare them as
    named individuals, as OWL 2 DL asks, so that owlready2 hands them to the reasoner."""
    typed = {s for s, o in g.subject_objects(RDF.type) if isinstance(s, rdflib.URIRef)}
    for subject in typed:
        kinds = set(g.objects(subject, RDF.type))
        if not kinds & _ENTITY_KINDS:
            g.add((subject, RDF.type, OWL.NamedIndividual))


def reason(graph: rdflib.Graph) -> ReasonerReport:
    """Check consistency, find unsatisfiable classes and the class memberships HermiT infers."""
    import owlready2

    owlready2.JAVA_EXE = java_executable()
    g = rdflib.Graph()
    for t in graph:
        if t[1] != OWL.imports:
            g.add(t)
    _declare_individuals(g)
    data = g.serialize(format="nt", encoding="utf-8")

    world = owlready2.World()
    onto = world.get_ontology(_SCRATCH_IRI)
    try:
        onto.load(fileobj=io.BytesIO(data), format="ntriples")
    except Exception as exc:  # noqa: BLE001 - owlready2 raises bare exceptions for graphs it cannot read
        raise ReasonerError(
            f"owlready2 could not read the graph: {exc}", hint="check the OWL 2 DL quality gates (hrkg check)"
        ) from None

    before = {_iri(i): {_iri(c) for c in i.INDIRECT_is_a} for i in world.individuals()}
    try:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError as exc:
        return ReasonerReport(consistent=False, explanation=str(exc).strip()[-2000:])
    except (subprocess.CalledProcessError, OSError) as exc:
        raise ReasonerError(f"HermiT failed to run: {exc}", hint="check that `java -version` works") from None

    unsat = sorted(_iri(c) for c in world.inconsistent_classes())
    inferred: set[tuple[str, str]] = set()
    for ind in world.individuals():
        iri = _iri(ind)
        known = before.get(iri, set())
        for cls in ind.INDIRECT_is_a:
            c = _iri(cls)
            if c not in known and c.startswith(str(HRKG)):
                inferred.add((iri, c))
    world.close()
    return ReasonerReport(consistent=True, unsatisfiable=unsat, inferred=sorted(inferred))
