"""The catalogue ids an organisation file may use, read from the knowledge graph.

Each enumeration-valued key of the organisation format (roles, rights, status, severity, ...) is coerced by the
bundled JSON-LD context to an IRI under one namespace (its ``@vocab``, e.g. ``https://w3id.org/hrkg/right/``). The
allowed values of the key are the individuals of the ``rdfs:range`` its property has in the ontology whose IRIs lie in
that namespace: the same test the ``unknown-reference`` shapes apply (shapes/references.ttl), so the lists here,
in the JSON Schema and in docs/catalogue.md cannot disagree with what ``hrkg validate`` accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from hrkg.namespaces import PREFIXES
from hrkg.orgdata._jsonld import context
from hrkg.orgdata.spec import records
from hrkg.store import Store, open_store

__all__ = ["Catalogue", "Scheme", "Value", "catalogue", "catalogue_markdown", "enum_keys"]

_HRKG = PREFIXES["hrkg"]
_RDFS_RANGE = "http://www.w3.org/2000/01/rdf-schema#range"
#: where the shapes narrow a range (shapes/references.ttl, "Handled explicitly"): roles must be duty-bearing
#: (``user`` is part of the value chain but no role an organisation records)
_NARROWER: Mapping[str, str] = {_HRKG + "hasRole": _HRKG + "DutyBearingRole"}
#: and the UNGP umbrella terms that are not section 3 actions
_EXCLUDED: Mapping[str, frozenset[str]] = {
    _HRKG + "action": frozenset({"https://w3id.org/hrkg/action/avoid", "https://w3id.org/hrkg/action/address"})
}


@dataclass(frozen=True)
class Value:
    """One catalogue individual: the id a file writes, its IRI, English label and definition."""

    id: str
    iri: str
    label: str
    definition: str


@dataclass(frozen=True)
class Scheme:
    """The allowed values of one or more keys: the individuals of ``range_iri`` under ``namespace``."""

    name: str  # the namespace's last segment, e.g. "right", "leverage-level"
    namespace: str
    range_iri: str
    values: tuple[Value, ...]
    #: (record path, key) pairs that take these values, e.g. ("impacts[]", "rights")
    keys: tuple[tuple[str, str], ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(v.id for v in self.values)


@dataclass(frozen=True)
class MitigationKind:
    """What the guide says of one mitigation kind: its category, typical roles and section 4 integration steps."""

    id: str
    category: str | None
    roles: tuple[str, ...]
    steps: tuple[str, ...]  # integration-step ids in the guide's order


@dataclass(frozen=True)
class Catalogue:
    schemes: Mapping[str, Scheme]
    kinds: Mapping[str, MitigationKind]

    def scheme_of(self, path: str, key: str) -> Scheme:
        for scheme in self.schemes.values():
            if (path, key) in scheme.keys:
                return scheme
        raise KeyError((path, key))

    def label(self, scheme: str, value_id: str) -> str:
        return next(v.label for v in self.schemes[scheme].values if v.id == value_id)


def _definitions(cls: str) -> dict[str, Any]:
    """The term definitions in force for records of class ``cls``: its type-scoped context over the top-level one."""
    ctx = context()
    scoped = ctx[cls].get("@context", {}) if isinstance(ctx.get(cls), dict) else {}
    return {**ctx, **scoped}


def enum_keys(cls: str) -> dict[str, tuple[str, str]]:
    """The enumeration-valued keys of records of class ``cls``: key -> (property IRI, namespace of its values)."""
    out = {}
    for key, dfn in _definitions(cls).items():
        if key.startswith("@") or not isinstance(dfn, dict) or dfn.get("@type") != "@vocab":
            continue
        scoped = dfn.get("@context")
        scoped = scoped if isinstance(scoped, list) else [scoped]
        vocab = next(c["@vocab"] for c in reversed(scoped) if isinstance(c, dict) and "@vocab" in c)
        out[key] = (dfn["@id"], vocab)
    return out


_INDIVIDUALS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?value ?type ?label ?definition WHERE {
  ?value a ?type .
  FILTER(isIRI(?value) && STRSTARTS(STR(?value), "https://w3id.org/hrkg/"))
  OPTIONAL { ?value rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }
  OPTIONAL { ?value skos:definition ?definition FILTER(LANGMATCHES(LANG(?definition), "en")) }
}
"""
_RANGES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?property ?range WHERE { ?property rdfs:range ?range . FILTER(isIRI(?range)) }
"""
_KINDS = """
PREFIX hrkg: <https://w3id.org/hrkg#>
SELECT ?kind ?category ?role ?step ?order WHERE {
  ?kind a hrkg:MitigationMeasure .
  OPTIONAL { ?kind hrkg:inCategory ?category }
  OPTIONAL { ?kind hrkg:typicalRole ?role }
  OPTIONAL { ?kind hrkg:integrationStep ?step . OPTIONAL { ?step hrkg:stepOrder ?order } }
}
"""


def _read(store: Store) -> Catalogue:
    ranges: dict[str, str] = {}
    for row in store.query(_RANGES).text_rows():
        ranges.setdefault(row["property"], row["range"])
    members: dict[str, dict[str, tuple[str, str]]] = {}  # type IRI -> value IRI -> (label, definition)
    for row in store.query(_INDIVIDUALS).text_rows():
        known = members.setdefault(row["type"], {})
        label, definition = known.get(row["value"], ("", ""))
        known[row["value"]] = (label or row.get("label", ""), definition or row.get("definition", ""))

    found: dict[str, tuple[str, str, list[tuple[str, str]]]] = {}  # namespace -> (range, property, keys)
    for path, record in records().items():
        enums = enum_keys(record.cls)
        for key in record.keys:
            if key.name not in enums:
                continue
            prop, vocab = enums[key.name]
            range_iri = _NARROWER.get(prop) or ranges[prop]
            seen = found.setdefault(vocab, (range_iri, prop, []))
            if seen[0] != range_iri:
                raise ValueError(f"{path}.{key.name}: values under {vocab} come from {range_iri} and {seen[0]}")
            seen[2].append((path, key.name))
    schemes = {}
    for vocab, (range_iri, prop, keys) in found.items():
        excluded = _EXCLUDED.get(prop, frozenset())
        values = tuple(
            Value(iri.removeprefix(vocab), iri, label, definition)
            for iri, (label, definition) in sorted(members.get(range_iri, {}).items())
            if iri.startswith(vocab) and "/" not in iri.removeprefix(vocab) and iri not in excluded
        )
        name = vocab.rstrip("/").rsplit("/", 1)[-1]
        schemes[name] = Scheme(name, vocab, range_iri, values, tuple(keys))

    mitigation_ns = schemes["mitigation"].namespace
    raw: dict[str, tuple[set[str], set[str], dict[str, int]]] = {}
    for text in store.query(_KINDS).text_rows():
        kind = text["kind"].removeprefix(mitigation_ns)
        categories, roles, steps = raw.setdefault(kind, (set(), set(), {}))
        if "category" in text:
            categories.add(text["category"].rsplit("/", 1)[-1])
        if "role" in text:
            roles.add(text["role"].rsplit("/", 1)[-1])
        if "step" in text:
            steps[text["step"].rsplit("/", 1)[-1]] = int(text.get("order", "0"))
    kinds = {
        kind: MitigationKind(
            kind,
            min(categories) if categories else None,
            tuple(sorted(roles)),
            tuple(sorted(steps, key=lambda s: (steps[s], s))),
        )
        for kind, (categories, roles, steps) in sorted(raw.items())
    }
    return Catalogue(schemes=dict(sorted(schemes.items())), kinds=kinds)


def catalogue(store: Store | None = None) -> Catalogue:
    """The catalogue of the knowledge graph in ``store`` (the default embedded store when None, read once)."""
    return _read(store) if store is not None else _default()


@cache
def _default() -> Catalogue:
    return _read(open_store("memory:"))


# -- docs/catalogue.md ----------------------------------------------------------------------------------------

#: the order and headings of docs/catalogue.md, and which keys each list serves
_SECTIONS: tuple[tuple[str, str], ...] = (
    ("role", "Value-chain roles"),
    ("right", "Rights"),
    ("impact-status", "Impact statuses"),
    ("severity", "Severities"),
    ("attribution", "Attribution"),
    ("contribution-factor", "Contribution factors"),
    ("leverage-level", "Leverage levels"),
    ("leverage-mechanism", "Leverage mechanisms"),
    ("mitigation", "Mitigation kinds"),
    ("category", "Mitigation categories"),
    ("action", "Actions"),
    ("mitigation-status", "Mitigation statuses"),
    ("indicator-kind", "Indicator kinds"),
    ("indicator-source", "Indicator sources"),
    ("integration-step", "Integration steps"),
    ("acceptance-basis", "Risk-acceptance bases"),
    ("counterbalancing-outcome", "Counterbalancing outcomes"),
)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def catalogue_markdown(cat: Catalogue | None = None) -> str:
    """docs/catalogue.md: every allowed value of every enumeration-valued key, with its label and definition."""
    cat = cat or catalogue()
    missing = set(cat.schemes) - {name for name, _ in _SECTIONS}
    if missing:
        raise ValueError(f"no section of docs/catalogue.md for {sorted(missing)}")
    out = [
        "<!-- Generated from the knowledge graph by `hrkg export --catalogue docs/catalogue.md`; do not edit. -->",
        "# Catalogue ids",
        "",
        "The values the enumeration-valued keys of an organisation file accept (see "
        "[organisation-data.md](organisation-data.md)). Write the id; a full IRI of the same individual is read the "
        "same way. Any other value is reported by `hrkg validate` as an `unknown-reference` finding and then counts "
        "as absent. The lists are read from the knowledge graph, so they are the values the checks accept.",
        "",
    ]
    for name, heading in _SECTIONS:
        scheme = cat.schemes[name]
        used = ", ".join(f"`{path}.{key}`" for path, key in scheme.keys)
        out += [f"## {heading}", "", f"Keys: {used}. IRIs: `{scheme.namespace}<id>`.", ""]
        out.append("| id | label | " + ("category | roles | " if name == "mitigation" else "") + "definition |")
        out.append("|---|---|" + ("---|---|" if name == "mitigation" else "") + "---|")
        for value in scheme.values:
            cells = [f"`{value.id}`", _cell(value.label)]
            if name == "mitigation":
                kind = cat.kinds.get(value.id)
                cells.append(f"`{kind.category}`" if kind and kind.category else "")
                cells.append(", ".join(f"`{r}`" for r in kind.roles) if kind else "")
            cells.append(_cell(value.definition))
            out.append("| " + " | ".join(cells) + " |")
        if name == "mitigation":
            out += ["", "Kinds with section 4 integration steps (`integrationSteps`, in the guide's order):", ""]
            out += [f"- `{k.id}`: " + ", ".join(f"`{s}`" for s in k.steps) for k in cat.kinds.values() if k.steps]
        out.append("")
    return "\n".join(out)
