"""The validation report: findings with their rule, severity, focus, message, sources, shape, value and path."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["violation", "warning", "info"]


Engine = Literal["fast", "pyshacl"]


SEVERITY_ORDER: dict[str, int] = {"violation": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    focus: str
    message: str
    source: tuple[str, ...]
    node: str
    value: str | None = None
    suggestions: tuple[str, ...] = ()

    def key(self) -> tuple[str, str, str, str]:
        """What identifies a finding (used to compare engines)."""
        return (self.rule, self.severity, self.node, self.value or "")


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
