"""Starter registers: a commented organisation file for one value-chain role (``hrkg init --role ROLE``).

The file explains every key of the format (:mod:`hrkg.orgdata.spec`) with the catalogue ids it accepts
(:mod:`hrkg.orgdata.catalogue`, read from the knowledge graph), names the mitigations the guide discusses for the
role, and
holds one worked example that checks clean: an impact typical of the role and a mitigation of the kind the guide's
section 4 table gives the role, with that kind's integration steps. The examples themselves are written here.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import click

from hrkg.errors import HrkgError

if TYPE_CHECKING:
    from hrkg.orgdata.catalogue import Catalogue
    from hrkg.orgdata.spec import Key, Record

__all__ = ["EXAMPLES", "LazyChoice", "roles", "starter_register", "write_new"]

_WIDTH = 118


@dataclass(frozen=True)
class Example:
    """The worked example of one role: what the impact is, how the organisation is connected to it, and the
    mitigation the guide's section 4 table names for the role."""

    system: str
    impact: str
    rights: tuple[str, ...]
    severity: str
    attribution: str
    contribution_factors: tuple[str, ...]
    leverage: tuple[str, tuple[str, ...]] | None  # (level, mechanisms)
    mitigation: str
    kind: str
    category: str
    actions: tuple[str, ...]
    owner: str
    indicator: tuple[str, str, str]  # (name, kind, source)
    remedy: str


EXAMPLES: dict[str, Example] = {
    "supplier": Example(
        system="Licensed speech dataset",
        impact="Speech recognition trained on the dataset serves speakers of under-represented accents worse",
        rights=("non-discrimination",),
        severity="medium",
        attribution="contribute",
        contribution_factors=("facilitating-enabling",),
        leverage=("medium", ("contractual-requirements",)),
        mitigation="Dataset card stating the accents covered, the known gaps and the uses the data does not fit",
        kind="data-documentation",
        category="transparency-communication",
        actions=("prevent", "use-leverage"),
        owner="Data governance",
        indicator=("gaps reported by licensees and by speakers' organisations", "qualitative", "external"),
        remedy="Licensees and affected speakers can report harms; the dataset is corrected and licensees told",
    ),
    "foundation-model-developer": Example(
        system="General-purpose language model",
        impact="The model is used to produce election disinformation at scale",
        rights=("political-participation", "access-to-information"),
        severity="high",
        attribution="contribute",
        contribution_factors=("facilitating-enabling",),
        leverage=("high", ("contractual-requirements", "due-diligence-processes")),
        mitigation="Staged release: trusted testers first, then wider access as misuse findings are dealt with",
        kind="managed-model-rollout",
        category="process",
        actions=("prevent", "use-leverage"),
        owner="Model release board",
        indicator=("misuse cases raised by civil-society testers per release stage", "qualitative", "external"),
        remedy="A channel for people harmed by generated content, with takedown and account enforcement",
    ),
    "downstream-developer": Example(
        system="Hiring assistant built on a licensed foundation model",
        impact="A customer uses the assistant to screen out applicants on protected characteristics",
        rights=("non-discrimination", "work"),
        severity="high",
        attribution="directly-linked",
        contribution_factors=(),
        leverage=("medium", ("contractual-requirements", "due-diligence-processes")),
        mitigation="Due diligence on each customer and use case before sale, with contractual limits on use",
        kind="sales-due-diligence",
        category="process",
        actions=("prevent", "use-leverage"),
        owner="Sales compliance",
        indicator=(
            "applicants' complaints about screening, through customers and directly",
            "qualitative",
            "affected-stakeholders",
        ),
        remedy="Applicants can ask for a human review of a screening decision, through the customer or directly",
    ),
    "deployer": Example(
        system="Customer-support chatbot",
        impact="The chatbot closes complaints from customers who write in a second language without an answer",
        rights=("non-discrimination",),
        severity="medium",
        attribution="cause",
        contribution_factors=(),
        leverage=None,
        mitigation="Staff review every complaint the chatbot would close without an answer",
        kind="human-oversight",
        category="process",
        actions=("prevent",),
        owner="Customer care",
        indicator=("complaints reopened after review, from customer feedback", "quantitative", "affected-stakeholders"),
        remedy="Customers can ask for any closed complaint to be reopened and answered by a person",
    ),
}


# -- the role option ------------------------------------------------------------------------------------------


class LazyChoice(click.Choice[str]):
    """A ``click.Choice`` whose values are computed on first use (reading the knowledge graph takes a moment, and
    ``hrkg`` should not pay for it unless the option is used)."""

    def __init__(self, load: Callable[[], Sequence[str]]) -> None:
        self._load = load
        self._loaded: tuple[str, ...] | None = None
        super().__init__((), case_sensitive=True)

    @property
    def choices(self) -> tuple[str, ...]:
        if self._loaded is None:
            self._loaded = tuple(self._load())
        return self._loaded

    @choices.setter
    def choices(self, value: Sequence[str]) -> None:  # click.Choice.__init__ sets them
        pass


@cache
def roles() -> tuple[str, ...]:
    """The duty-bearing value-chain roles, from the knowledge graph."""
    from hrkg.orgdata.catalogue import catalogue

    return catalogue().schemes["role"].ids


# -- the file -------------------------------------------------------------------------------------------------


def _q(value: str) -> str:
    """A YAML scalar: plain where that reads back as the same text, else double-quoted (JSON's quoting is YAML's)."""
    plain = value and value == value.strip() and not any(c in value for c in ":#,[]{}&*!|>'\"%@`") and value[0] != "-"
    return (
        value
        if plain and value.lower() not in ("yes", "no", "true", "false", "on", "off", "null", "~")
        else (json.dumps(value, ensure_ascii=False))
    )


def _flow(values: Sequence[str]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


class _Writer:
    def __init__(self, cat: Catalogue) -> None:
        self.cat = cat
        self.lines: list[str] = []

    def comment(self, text: str, indent: int = 0, hang: int = 0) -> None:
        prefix = " " * indent + "# "
        self.lines += textwrap.wrap(
            text, _WIDTH, initial_indent=prefix, subsequent_indent=prefix + " " * hang, break_on_hyphens=False
        )

    def blank(self) -> None:
        self.lines.append("")

    def line(self, text: str) -> None:
        self.lines.append(text)

    def allowed(self, path: str, key: str) -> str:
        try:
            scheme = self.cat.scheme_of(path, key)
        except KeyError:
            return ""
        return " Allowed ids: " + ", ".join(scheme.ids) + "."

    def key(self, record: Record, path: str, key: Key, value: str | None, indent: int, *, first: bool = False) -> None:
        """The key's explanation as a comment, then ``key: value`` (only the comment when the value is None)."""
        optional = "(not needed here) " if value is None else ""
        self.comment(f"{key.name}: {optional}{key.description}{self.allowed(path, key.name)}", indent)
        lead = " " * (indent - 2) + "- " if first else " " * indent
        if value is not None:
            self.line(f"{lead}{key.name}: {value}")


def starter_register(role: str, *, cat: Catalogue | None = None) -> str:
    """The starter register for ``role`` (one of :func:`roles`) as YAML text with comments."""
    from hrkg.orgdata.catalogue import catalogue
    from hrkg.orgdata.schema import SCHEMA_ID
    from hrkg.orgdata.spec import COLLECTIONS, ORGANISATION

    cat = cat or catalogue()
    if role not in cat.schemes["role"].ids:
        raise HrkgError(f"unknown role {role!r}", hint="use one of " + ", ".join(cat.schemes["role"].ids))
    ex = EXAMPLES[role]
    label = cat.label("role", role)
    kinds = [k for k in cat.kinds.values() if role in k.roles]
    steps = cat.kinds[ex.kind].steps
    w = _Writer(cat)
    w.line(f"# yaml-language-server: $schema={SCHEMA_ID}")
    w.comment(f"A starter risk register and mitigation plan for a {label}, written by `hrkg init --role {role}`.")
    w.comment(
        "Replace the example records with your own and check the file with `hrkg validate FILE`. Each key is "
        "explained in a comment above it, with the catalogue ids it accepts (docs/catalogue.md lists them with "
        "their meaning; `hrkg query rights` and the other named queries show more). Optional keys can be left "
        "out or left empty: those marked (not needed here) are left out of the example."
    )
    w.comment(
        f"Mitigations the guide discusses for a {label}: "
        + ", ".join(f"{k.id}" + (f" (section 4 steps: {', '.join(k.steps)})" if k.steps else "") for k in kinds)
        + "."
    )
    w.blank()

    org = ORGANISATION
    w.comment(f"organisation: {org.description}")
    w.line("organisation:")
    values: dict[str, str | None] = {
        "id": "my-organisation",
        "name": "My organisation",
        "description": None,
        "roles": _flow([role]),
    }
    for key in org.keys:
        w.key(org, "organisation", key, values[key.name], 2)
    w.blank()

    def collection(name: str, record_values: dict[str, str | None] | None) -> Record:
        record = COLLECTIONS[name]
        w.comment(f"{name}: {record.description}")
        if record_values is None:
            w.line(f"{name}: []")
            return record
        w.line(f"{name}:")
        path = f"{name}[]"
        first = True
        for key in record.keys:
            if key.record is not None and key.name in record_values and record_values[key.name] == "":
                nested_values = nested[key.name]
                w.key(record, path, key, "", 4, first=first)
                w.lines[-1] = w.lines[-1].rstrip()
                inner = f"{path}.{key.name}" + ("[]" if key.many else "")
                for i, nested_key in enumerate(key.record.keys):
                    item = key.many and i == 0
                    w.key(
                        key.record,
                        inner,
                        nested_key,
                        nested_values.get(nested_key.name),
                        8 if key.many else 6,
                        first=item,
                    )
            else:
                w.key(record, path, key, record_values.get(key.name), 4, first=first)
                if key.record is not None:  # not in the example: what its keys would be
                    inner = f"{path}.{key.name}" + ("[]" if key.many else "")
                    for sub in key.record.keys:
                        w.comment(f"  {sub.name}: {sub.description}{w.allowed(inner, sub.name)}", 4, hang=4)
            first = False
        return record

    nested: dict[str, dict[str, str | None]] = {
        "leverage": {"level": ex.leverage[0], "mechanisms": _flow(ex.leverage[1])} if ex.leverage else {},
        "deferred": {},
        "indicators": {"name": _q(ex.indicator[0]), "kind": ex.indicator[1], "source": ex.indicator[2]},
        "counterbalancing": {},
    }
    collection("systems", {"id": "system-1", "name": _q(ex.system), "description": None})
    w.blank()
    collection(
        "impacts",
        {
            "id": "i1",
            "name": None,
            "description": _q(ex.impact),
            "system": "system-1",
            "rights": _flow(ex.rights),
            "status": "potential",
            "severity": ex.severity,
            "attribution": ex.attribution,
            "contributionFactors": _flow(ex.contribution_factors) if ex.contribution_factors else None,
            "leverage": "" if ex.leverage else None,
            "deferred": None,
        },
    )
    w.blank()
    collection(
        "mitigations",
        {
            "id": "m1",
            "name": _q(ex.mitigation),
            "description": None,
            "kind": ex.kind,
            "category": ex.category,
            "addresses": _flow(["i1"]),
            "actions": _flow(ex.actions),
            "status": "planned",
            "owner": _q(ex.owner),
            "indicators": "",
            "risksAssessed": "true",
            "introducesRisks": None,
            "integrationSteps": _flow(steps) if steps else None,
        },
    )
    if steps:
        w.comment("Keep in integrationSteps only the steps you have done.", 4)
    w.blank()
    collection(
        "remedies", {"id": "r1", "name": None, "description": None, "for": _flow(["i1"]), "mechanism": _q(ex.remedy)}
    )
    w.blank()
    collection("riskAcceptances", None)
    _template(w, "riskAcceptances", {"id": "a1", "impact": "i1", "basis": "tolerance", "rationale": '"..."'})
    w.blank()
    collection("tensions", None)
    _template(
        w,
        "tensions",
        {"id": "t1", "rights": "[privacy, freedom-of-expression]", "mitigation": "m1", "counterbalancing": ""},
        {
            "revertingToPrinciple": '"..."',
            "legitimacy": '"..."',
            "necessity": '"..."',
            "proportionality": '"..."',
            "nonDiscrimination": '"..."',
            "outcome": "single",
            "stakeholderEngagement": "true",
        },
    )
    return "\n".join(w.lines) + "\n"


def _template(w: _Writer, name: str, values: dict[str, str], nested: dict[str, str] | None = None) -> None:
    """A commented-out record of an empty collection: what each key means, then the record to copy."""
    from hrkg.orgdata.spec import COLLECTIONS

    record = COLLECTIONS[name]
    path = f"{name}[]"
    w.comment(f"To record one, replace [] with records like the one below. Keys of {name}:")
    for key in record.keys:
        w.comment(f"  {key.name}: {key.description}{w.allowed(path, key.name)}", hang=4)
        if key.record is not None and nested:
            inner = f"{path}.{key.name}"
            for sub in key.record.keys:
                w.comment(f"    {sub.name}: {sub.description}{w.allowed(inner, sub.name)}", hang=6)
    lines = []
    for i, (name_, value) in enumerate(values.items()):
        lines.append(("  - " if i == 0 else "    ") + (f"{name_}:" if value == "" else f"{name_}: {value}"))
        if value == "" and nested:
            lines += [f"      {k}: {v}" for k, v in nested.items()]
    w.lines += [f"# {line}" for line in lines]


def write_new(path: Path, text: str) -> None:
    """Write ``text`` to a new file; an existing file is never overwritten."""
    try:
        with path.open("x", encoding="utf-8") as f:
            f.write(text)
    except FileExistsError:
        raise HrkgError(f"{path} already exists", hint="choose another --output, or move the file away") from None
    except OSError as exc:
        raise HrkgError(f"cannot write {path}: {exc.strerror}", hint="check the path") from None
