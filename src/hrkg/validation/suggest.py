"""What to do about a finding, as the shapes say (never chosen in code): a shape names the named query whose answer
is the suggestion (``hrkg:suggestionQuery``), which rows of it to keep (``hrkg:suggestionPart``,
``hrkg:suggestionSkip``) and how a row reads (``hrkg:suggestionTemplate``); ``hrkg:suggestsCloseIds`` asks for the
catalogue ids spelt like a refused value. This module reads those annotations, runs what they name and renders.

A query's parameters are bound generically, by their declared type (``# param: role (role) ...``): the catalogue ids
of that scheme the focus node records, or else those its organisation records; one run per combination. A
parameter for which neither has a value means no suggestion (nothing sensible to ask).
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Mapping
from dataclasses import replace

import pyoxigraph as ox

from hrkg.errors import ResourceError
from hrkg.namespaces import HRKG, HRKG_BASE
from hrkg.orgdata import OrgData
from hrkg.queries import QueryLibrary
from hrkg.store import Store
from hrkg.validation.model import Finding, Report
from hrkg.validation.rules import Rule, Suggestion

_PLACEHOLDER = re.compile(r"\{\?([A-Za-z_][A-Za-z0-9_]*)\}")
_OPTIONAL = re.compile(r"\[\?(.*?)\?\]", re.DOTALL)


def _shown(value: str) -> str:
    """A catalogue IRI as its id (``https://w3id.org/hrkg/integration-step/x`` -> ``x``), anything else as it is."""
    if value.startswith(HRKG_BASE):
        _scheme, _, ident = value.removeprefix(HRKG_BASE).partition("/")
        if ident and "/" not in ident:
            return ident
    return value


def fill(template: str, row: Mapping[str, str]) -> str:
    """``template`` with the row's values: ``{?x}`` is column x; ``[? ... ?]`` is left out when a placeholder in it
    has no (or an empty) value."""

    def optional(m: re.Match[str]) -> str:
        names = _PLACEHOLDER.findall(m.group(1))
        return m.group(1) if all(row.get(n) for n in names) else ""

    text = _OPTIONAL.sub(optional, template)
    return _PLACEHOLDER.sub(lambda m: _shown(row.get(m.group(1), "")), text)


class Advisor:
    """Looks things up in the validation workspace (organisation + knowledge graph) and runs the named queries."""

    def __init__(self, *, data: OrgData, store: Store, workspace: ox.Store) -> None:
        self.data = data
        self.workspace = workspace
        self.library = QueryLibrary(store)
        self._answers: dict[tuple[str, tuple[tuple[str, str], ...]], list[dict[str, str]]] = {}

    def objects(self, subject: str, predicate: str | None = None) -> list[str]:
        p = ox.NamedNode(predicate) if predicate else None
        return [
            q.object.value
            for q in self.workspace.quads_for_pattern(ox.NamedNode(subject), p, None)
            if isinstance(q.object, ox.NamedNode)
        ]

    def organisation(self, node: str) -> str | None:
        """The organisation that holds ``node`` (None for the organisation itself or a node no organisation holds)."""
        for q in self.workspace.quads_for_pattern(None, None, ox.NamedNode(node)):
            if isinstance(q.subject, ox.NamedNode) and _is_organisation(self.workspace, q.subject):
                return q.subject.value
        return None

    def known_ids(self, node: str, scheme: str) -> list[str]:
        """The catalogue ids of ``scheme`` that ``node`` records (by any property), in a stable order."""
        prefix = f"{HRKG_BASE}{scheme}/"
        allowed = set(self.library.allowed_values(scheme))
        return sorted({v.removeprefix(prefix) for v in self.objects(node) if v.startswith(prefix)} & allowed)

    def answer(self, name: str, params: Mapping[str, str]) -> list[dict[str, str]]:
        key = (name, tuple(sorted(params.items())))
        if key not in self._answers:
            self._answers[key] = self.library.run(name, dict(params)).text_rows()
        return self._answers[key]

    def from_query(self, finding: Finding, how: Suggestion) -> list[str]:
        if how.query is None:
            raise ResourceError(f"the suggestion for {finding.rule} names no query", hint="fix its shape's annotations")
        choices: list[list[tuple[str, str]]] = []
        org = self.organisation(finding.node)
        for param in self.library.get(how.query).parameters:
            ids = self.known_ids(finding.node, param.type) or (self.known_ids(org, param.type) if org else [])
            if not ids:
                return []
            choices.append([(param.name, i) for i in ids])
        done = set(self.objects(finding.node, how.skip)) if how.skip else set()
        out: dict[str, None] = {}
        for combination in itertools.product(*choices):
            for row in self.answer(how.query, dict(combination)):
                if how.part is not None and row.get("part") != how.part:
                    continue
                if done and done & set(row.values()):
                    continue
                out.setdefault(fill(how.template, row), None)
        return list(out)

    def close_ids(self, finding: Finding) -> list[str]:
        value = finding.value_node or ""
        if not finding.value_is_iri or not value.startswith(HRKG_BASE) or "/org/" in value:
            return []
        scheme, _, wrong = value.removeprefix(HRKG_BASE).partition("/")
        allowed = self.library.allowed_values(scheme)
        if not allowed:
            return []
        close = difflib.get_close_matches(wrong, allowed, n=3, cutoff=0.6)
        return [f"did you mean {c!r}?" for c in close] + [f"allowed {scheme} ids: {', '.join(allowed)}"]


def _is_organisation(workspace: ox.Store, node: ox.NamedNode) -> bool:
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    return ox.Quad(node, rdf_type, ox.NamedNode(str(HRKG) + "Organisation")) in workspace


def add_suggestions(
    report: Report, *, data: OrgData, store: Store, workspace: ox.Store, rules: Mapping[str, Rule]
) -> Report:
    """``report`` with each finding's suggestions, as its shape (``rules`` by shape IRI) says."""
    advisor = Advisor(data=data, store=store, workspace=workspace)
    out = []
    for f in report.findings:
        how = rules[f.shape].suggestion
        suggestions: list[str] = []
        if how is not None and how.query is not None:
            suggestions += advisor.from_query(f, how)
        if how is not None and how.close_ids:
            suggestions += advisor.close_ids(f)
        out.append(replace(f, suggestions=tuple(suggestions)) if suggestions else f)
    return Report(out, report.sources)
