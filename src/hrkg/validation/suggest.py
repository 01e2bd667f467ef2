"""What to do about a finding, from the knowledge graph (never from code): candidate mitigations and leverage
mechanisms from the ``recommend`` query for the organisation's role, the right and the attribution; the missing
integration steps from ``integration-steps``; close catalogue ids for a misspelt value."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import replace

import pyoxigraph as ox

from hrkg.namespaces import HRKG, HRKG_BASE
from hrkg.orgdata import OrgData
from hrkg.queries import QueryLibrary
from hrkg.store import Store
from hrkg.validation.model import Finding, Report
from hrkg.validation.rules import Rule

_CANDIDATES = "3 candidate mitigation"
_LEVERAGE = "2 leverage mechanism"


def _ids(values: Iterable[str], scheme: str) -> list[str]:
    prefix = f"{HRKG_BASE}{scheme}/"
    return sorted(v.removeprefix(prefix) for v in values if v.startswith(prefix))


class Advisor:
    """Looks things up in the validation workspace (organisation + knowledge graph) and in the named queries."""

    def __init__(self, *, data: OrgData, store: Store, workspace: ox.Store) -> None:
        self.data = data
        self.store = store
        self.workspace = workspace
        self.library = QueryLibrary(store)
        self._recommend: dict[tuple[str, str, str], list[dict[str, str]]] = {}
        self._steps: dict[str, list[dict[str, str]]] = {}

    def _known(self, scheme: str, values: list[str]) -> list[str]:
        allowed = set(self.library.allowed_values(scheme))
        return [v for v in values if v in allowed]

    def recommend(self, role: str, right: str, attribution: str) -> list[dict[str, str]]:
        key = (role, right, attribution)
        if key not in self._recommend:
            result = self.library.run("recommend", {"role": role, "right": right, "attribution": attribution})
            self._recommend[key] = result.text_rows()
        return self._recommend[key]

    def objects(self, subject: str, predicate: str) -> list[str]:
        return [
            q.object.value
            for q in self.workspace.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(predicate), None)
            if isinstance(q.object, ox.NamedNode)
        ]

    def for_impact(self, finding: Finding, *, part: str) -> list[str]:
        node = finding.node
        holders = self.workspace.quads_for_pattern(None, ox.NamedNode(HRKG.hasImpact), ox.NamedNode(node))
        org = next((q.subject.value for q in holders if isinstance(q.subject, ox.NamedNode)), None)
        roles = self._known("role", _ids(self.objects(org, HRKG.hasRole), "role")) if org else []
        rights = self._known("right", _ids(self.objects(node, HRKG.affectsRight), "right"))
        attributions = self._known("attribution", _ids(self.objects(node, HRKG.attribution), "attribution"))
        if not (roles and rights and attributions):
            return []
        ranked: dict[str, int] = {}
        for role in roles:
            for right in rights:
                for row in self.recommend(role, right, attributions[0]):
                    if row.get("part") != part:
                        continue
                    category = f"[{row['category']}] " if row.get("category") else ""
                    fit = f" ({row['fit']})" if row.get("fit") else ""
                    restricts = f"; may itself restrict: {row['mayRestrict']}" if row.get("mayRestrict") else ""
                    text = f"{category}{row['label']}{fit}{restricts}"
                    # closest fits first: the role's and the right's own mitigations, then category examples
                    ranked.setdefault(text, 1 if row.get("fit", "").startswith("example") else 0)
        return sorted(ranked, key=lambda t: (ranked[t], t))

    def steps(self, kind: str) -> list[dict[str, str]]:
        if kind not in self._steps:
            self._steps[kind] = self.library.run("integration-steps", {"kind": kind}).text_rows()
        return self._steps[kind]

    def integration_steps(self, finding: Finding) -> list[str]:
        done = set(self.objects(finding.node, HRKG.integrationStepDone))
        missing = []
        for kind in self._known("mitigation", _ids(self.objects(finding.node, HRKG.kind), "mitigation")):
            for row in self.steps(kind):
                if row["step"] not in done:
                    step_id = row["step"].removeprefix(f"{HRKG_BASE}integration-step/")
                    missing.append(f"{step_id}: {row['stepLabel']}")
        return missing

    def close_values(self, finding: Finding) -> list[str]:
        value = finding.value or ""
        if not value.startswith(HRKG_BASE) or "/org/" in value:
            return []
        scheme, _, wrong = value.removeprefix(HRKG_BASE).partition("/")
        allowed = self.library.allowed_values(scheme)
        if not allowed:
            return []
        close = difflib.get_close_matches(wrong, allowed, n=3, cutoff=0.6)
        return [f"did you mean {c!r}?" for c in close] + [f"allowed {scheme} ids: {', '.join(allowed)}"]


def add_suggestions(
    report: Report, *, data: OrgData, store: Store, workspace: ox.Store, rules: Mapping[str, Rule]
) -> Report:
    advisor = Advisor(data=data, store=store, workspace=workspace)
    out = []
    for f in report.findings:
        suggestions: list[str] = []
        if f.rule.endswith("-requires-leverage"):
            suggestions = advisor.for_impact(f, part=_LEVERAGE)
        elif rules[f.rule].action_rule and not f.rule.endswith("-requires-remedy"):
            suggestions = advisor.for_impact(f, part=_CANDIDATES)
        elif f.rule == "hrba-integration-steps":
            suggestions = advisor.integration_steps(f)
        elif f.rule == "unknown-reference":
            suggestions = advisor.close_values(f)
        out.append(replace(f, suggestions=tuple(suggestions)) if suggestions else f)
    return Report(out, report.sources)
