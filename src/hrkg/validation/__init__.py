"""Validation of organisation data against the rule catalogue
(the SHACL shapes in shapes/, documented in docs/rules.md).

``validate()`` -> one of two engines (``engines/``) over the rules read from the shapes (``rules``) -> a
:class:`Report` (``model``), with suggestions chosen from the shapes' annotations (``suggest``), rendered as text,
JSON, Turtle or Markdown (``render``). Validation never changes any stored graph: it works on a private copy.
"""

from hrkg.validation.model import SEVERITY_ORDER, Engine, Finding, Report, Severity
from hrkg.validation.rules import Rule, rules, shapes_graph
from hrkg.validation.validator import validate

__all__ = ["SEVERITY_ORDER", "Engine", "Finding", "Report", "Rule", "Severity", "rules", "shapes_graph", "validate"]
