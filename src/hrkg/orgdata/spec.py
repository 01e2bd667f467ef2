"""The organisation format (docs/organisation-data.md) as data: its records, their keys and what each key means.

The one description of the format that the JSON Schema (:mod:`hrkg.orgdata.schema`), the starter registers
(:mod:`hrkg.orgdata.starter`) and the documentation are built from. The form of each key's value (text, catalogue
id, local id,
boolean or nested record) is not written here: it is read from the bundled JSON-LD context, the same way the parser
(:mod:`hrkg.orgdata`) reads it, so a key cannot be described as one thing and read as another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from hrkg.orgdata._jsonld import context

__all__ = ["COLLECTIONS", "ORGANISATION", "Key", "Record", "ValueForm", "value_form"]

ValueForm = Literal["enum", "ref", "bool", "text", "record"]
_XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


@dataclass(frozen=True)
class Key:
    name: str
    description: str
    many: bool = False  # a list of values (one value alone is read as a list of one)
    record: Record | None = None  # the nested record, for keys whose value is a record of its own


@dataclass(frozen=True)
class Record:
    cls: str  # the class term of the bundled context (Impact, Mitigation, ...)
    title: str
    description: str
    keys: tuple[Key, ...] = field(default_factory=tuple)

    def key(self, name: str) -> Key:
        return next(k for k in self.keys if k.name == name)


def value_form(cls: str, key: str) -> ValueForm:
    """How the parser reads ``key`` on a record of class ``cls``: from the term's coercion in the bundled context
    (``@vocab`` -> catalogue id, ``@id`` -> local id, ``xsd:boolean`` -> boolean, a nested record, else text)."""
    ctx: dict[str, Any] = context()
    scoped = ctx[cls].get("@context", {}) if isinstance(ctx.get(cls), dict) else {}
    dfn = {**ctx, **scoped}[key]
    if key in _NESTED_KEYS:
        return "record"
    coercion = dfn.get("@type") if isinstance(dfn, dict) else None
    if coercion == "@vocab":
        return "enum"
    if coercion == "@id":
        return "ref"
    if coercion == _XSD_BOOLEAN:
        return "bool"
    return "text"


_ID = "Local id of this record, unique in the file; other records point at it with it. A full IRI is kept as it is."
_NAME = "A short name, for people."
_DESCRIPTION = "Free text, for people; never checked."

LEVERAGE = Record(
    "LeverageAssessment",
    "Leverage assessment",
    "How much leverage the organisation has over the party that causes or contributes to the impact, and through "
    "which means. This records the assessment; leverage is used through a mitigation with action use-leverage.",
    (
        Key("level", "The assessed leverage. A mitigation with action increase-leverage counts as using leverage only "
            "when the level is none or low."),
        Key("mechanisms", "The means of exercising leverage that are available to the organisation.", many=True),
    ),
)  # fmt: skip
DEFERRAL = Record(
    "Deferral",
    "Deferral",
    "The impact is prioritised for later by severity. With a non-blank rationale the rules that ask for action on "
    "the impact are suspended and impact-deferred is reported instead; without one the impact is not deferred.",
    (Key("rationale", "Why the impact is dealt with later (its severity compared with the others)."),),
)
INDICATOR = Record(
    "Indicator",
    "Indicator",
    "A way of tracking whether the mitigation is effective.",
    (
        Key("name", "What is measured or observed."),
        Key("kind", "Whether the indicator counts something or describes it."),
        Key("source", "Where the evidence comes from: the organisation itself, outside parties, or the people "
            "affected. Feedback from outside or from affected stakeholders is what stakeholder-feedback looks for."),
    ),
)  # fmt: skip
COUNTERBALANCING = Record(
    "CounterbalancingAssessment",
    "Counterbalancing assessment",
    "How a tension between rights was weighed, test by test. A test counts as answered when its value is one "
    "non-blank text; an empty mapping is no assessment.",
    (
        Key("revertingToPrinciple", "Reverting to principle: the answer to what the rights themselves require here."),
        Key("legitimacy", "Legitimacy: the answer to whether the aim of restricting a right is a legitimate one."),
        Key("necessity", "Necessity: the answer to whether the restriction is needed to reach that aim."),
        Key("proportionality", "Proportionality: the answer to whether the restriction is the least intrusive one "
            "that works."),
        Key("nonDiscrimination", "Non-discrimination: the answer to whether the restriction treats people alike."),
        Key("outcome", "single when the assessment settles on one rights-respecting option, range when several "
            "remain open."),
        Key("stakeholderEngagement", "Whether affected stakeholders were engaged in the assessment (missing means "
            "false)."),
    ),
)  # fmt: skip

ORGANISATION = Record(
    "Organisation",
    "Organisation",
    "The organisation the file describes. Its id names the namespace of every local id in the file; files without "
    "one belong to the organisation the other files of the batch name.",
    (
        Key("id", "A slug (letters, digits, '-', '_', '.') or a full IRI; the records' IRIs are made from it."),
        Key("name", _NAME),
        Key("description", _DESCRIPTION),
        Key("roles", "The organisation's places in the genAI value chain (none at all is allowed).", many=True),
    ),
)
COLLECTIONS: Mapping[str, Record] = {
    "systems": Record(
        "AISystem",
        "AI system",
        "An AI system or product the organisation builds, supplies or uses.",
        (Key("id", _ID), Key("name", _NAME), Key("description", _DESCRIPTION)),
    ),
    "impacts": Record(
        "Impact",
        "Impact",
        "An adverse human rights impact, potential or actual, in the risk register.",
        (
            Key("id", _ID),
            Key("name", _NAME),
            Key("description", "What could happen or has happened, and to whom."),
            Key("system", "Local id of the system (in systems) the impact arises from."),
            Key("rights", "The rights the impact affects (catalogue ids).", many=True),
            Key("status", "potential (may happen; the default) or actual (has happened)."),
            Key("severity", "How severe the impact is; optional, used to prioritise."),
            Key(
                "attribution",
                "How the organisation is connected to the impact: it causes it, contributes to it, "
                "is directly linked to it through a business relationship, or is not linked. Optional: the analysis "
                "is not needed for every risk, but the action rules depend on it.",
            ),
            Key(
                "contributionFactors",
                "Why the organisation may be contributing (only meaningful with attribution contribute).",
                many=True,
            ),
            Key("leverage", "The leverage assessment (for a contribution or a direct link).", record=LEVERAGE),
            Key("deferred", "Set when the impact is prioritised for later by severity.", record=DEFERRAL),
        ),
    ),
    "mitigations": Record(
        "Mitigation",
        "Mitigation",
        "A measure the organisation takes or plans against one or more impacts.",
        (
            Key("id", _ID),
            Key("name", "What the measure is."),
            Key("description", _DESCRIPTION),
            Key(
                "kind",
                "The catalogue mitigation this measure is an instance of, if any; kinds with section 4 "
                "integration steps are checked by hrba-integration-steps.",
            ),
            Key(
                "category",
                "The type of measure. Relying only on technical-product and policy measures is "
                "reported by category-breadth.",
            ),
            Key(
                "addresses",
                "Local ids of the impacts the measure acts on; its actions count for each of them.",
                many=True,
            ),
            Key(
                "actions",
                "What the measure does about those impacts. remedy makes it a remedy provision; "
                "use-leverage uses leverage.",
                many=True,
            ),
            Key("status", "planned (the default) or implemented; planned measures count for the action rules."),
            Key("owner", "Who is responsible for the measure; free text."),
            Key("indicators", "How the measure's effectiveness is tracked.", many=True, record=INDICATOR),
            Key("risksAssessed", "Whether the measure's own risks to rights were considered (missing means not)."),
            Key("introducesRisks", "Local ids of impacts (listed in impacts) the measure may itself cause.", many=True),
            Key(
                "integrationSteps",
                "The section 4 steps for integrating a human rights-based approach into this "
                "kind of measure that have been done (catalogue ids).",
                many=True,
            ),
        ),
    ),
    "remedies": Record(
        "Remedy",
        "Remedy provision",
        "A way for affected people to obtain remedy, such as a grievance channel.",
        (
            Key("id", _ID),
            Key("name", _NAME),
            Key("description", _DESCRIPTION),
            Key("for", "Local ids of the impacts the provision covers.", many=True),
            Key("mechanism", "How remedy is provided; free text."),
        ),
    ),
    "riskAcceptances": Record(
        "RiskAcceptance",
        "Risk acceptance",
        "A decision to accept a risk instead of acting on it. Both bases are reported as violations: human rights "
        "risks are neither tolerated nor offset against benefits.",
        (
            Key("id", _ID),
            Key("name", _NAME),
            Key("description", _DESCRIPTION),
            Key("impact", "Local id of the accepted impact."),
            Key("basis", "tolerance (the risk is judged acceptable) or offsetting (benefits are set against it)."),
            Key("rationale", "The reason given; free text."),
        ),
    ),
    "tensions": Record(
        "RightsTension",
        "Rights tension",
        "Rights that pull against each other in a mitigation decision, and how they were weighed.",
        (
            Key("id", _ID),
            Key("name", _NAME),
            Key("description", _DESCRIPTION),
            Key("rights", "The rights in tension: at least two distinct catalogue ids.", many=True),
            Key("mitigation", "Local id of the mitigation the tension arises in."),
            Key("counterbalancing", "The counterbalancing assessment.", record=COUNTERBALANCING),
        ),
    ),
}
_NESTED_KEYS = frozenset({"leverage", "deferred", "indicators", "counterbalancing"})


def records() -> dict[str, Record]:
    """Every record of the format by its path: organisation, systems[], impacts[].leverage, ..."""
    out = {"organisation": ORGANISATION}
    for collection, record in COLLECTIONS.items():
        out[f"{collection}[]"] = record
        for key in record.keys:
            if key.record is not None:
                out[f"{collection}[].{key.name}" + ("[]" if key.many else "")] = key.record
    return out
