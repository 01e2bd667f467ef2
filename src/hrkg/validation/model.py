"""The validation report: findings with their rule, severity, focus, message, sources, shape, value and path."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["violation", "warning", "info"]


Engine = Literal["fast", "pyshacl"]


SEVERITY_ORDER: dict[str, int] = {"violation": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """One result of one rule shape for one focus node: what a pipeline needs without reading ``message``.

    ``focus``/``node`` are the focus as the user wrote it (a local id) and as an IRI; ``value``/``value_node`` the
    value that caused the finding, where one applies, as the user wrote it and as the RDF term (IRI or lexical
    form; ``value_is_iri`` tells which); ``path`` the key of the organisation data that holds it (dotted for a
    nested record, e.g. ``leverage.level``) and ``result_path`` the same as a sequence of RDF property IRIs.
    """

    rule: str
    severity: Severity
    focus: str
    message: str
    source: tuple[str, ...]
    node: str
    value: str | None = None
    suggestions: tuple[str, ...] = ()
    shape: str = ""
    value_node: str | None = None
    value_is_iri: bool = False
    path: str | None = None
    result_path: tuple[str, ...] = ()
    #: the IRIs of the guide sections, footnotes and UNGP principles that ``source`` cites
    source_iris: tuple[str, ...] = ()

    def key(self) -> tuple[str, str, str, str, tuple[str, ...]]:
        """What identifies a finding (used to compare engines)."""
        return (self.rule, self.severity, self.node, self.value_node or "", self.result_path)


@dataclass(frozen=True)
class RawResult:
    """What an engine reports for one solution of a shape's constraint, before it becomes a :class:`Finding`."""

    shape: str
    node: str
    #: the ?value binding (an IRI or a literal's lexical form), if the constraint projects one
    value: str | None
    value_is_iri: bool
    #: the ?path binding (a property IRI), if the constraint projects one
    path: str | None
    message: str


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    sources: tuple[str, ...] = ()

    @property
    def conforms(self) -> bool:
        return not any(f.severity == "violation" for f in self.findings)

    def at_least(self, severity: Severity) -> Report:
        """Only the findings at least as severe as ``severity``."""
        limit = SEVERITY_ORDER[severity]
        return Report([f for f in self.findings if SEVERITY_ORDER[f.severity] <= limit], self.sources)
