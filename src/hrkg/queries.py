"""Named queries: one ``.rq`` file each under queries/, documented by a header comment.

Header (comment lines at the top of the file)::

    # title: Appropriate action for an attribution level
    # description: What the guide says an organisation owes for an impact,
    #   given how it is connected to it (continued lines are indented).
    # param: attribution (attribution) how the organisation is connected to the impact
    # param: kind (mitigation, optional) a mitigation kind from the catalogue

A parameter's type is a catalogue scheme (``role``, ``right``, ``attribution``, ``mitigation``, ...; values are the
catalogue ids, e.g. ``deployer`` for ``https://w3id.org/hrkg/role/deployer``) or ``term`` (any hrkg term or
individual, written ``CausingActor`` or ``right/privacy``). Values are checked against the graph and bound as IRIs
(see :mod:`hrkg.binding`); an optional parameter that is not given stays unbound.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
import rdflib

from hrkg.errors import InputError, ParameterError, UnknownQueryError
from hrkg.namespaces import HRKG, HRKG_BASE
from hrkg.store import QueryResult, Store

_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\((?P<type>[a-z][a-z0-9-]*)(?P<opt>,\s*optional)?\)\s*(?P<doc>.*)$"
)
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TERM_HINT = "give a term name (e.g. CausingActor), a catalogue id with its scheme (e.g. right/privacy) or a full IRI"
_SCHEME_MEMBERS = """
SELECT DISTINCT ?x WHERE { ?x a ?type . FILTER(isIRI(?x) && STRSTARTS(STR(?x), STR(?prefix))) }
"""


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    optional: bool
    description: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    text: str
    path: Path = field(compare=False)


def parse_query_file(path: Path) -> NamedQuery:
    """Read a named query and its header; a malformed header is an InputError naming the file and line."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    params: list[Parameter] = []
    current: str | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        body = line[1:]
        if body.startswith(("  ", "\t")) and current is not None:  # continuation line
            if current == "param":
                last = params[-1]
                params[-1] = Parameter(last.name, last.type, last.optional, f"{last.description} {body.strip()}")
            else:
                fields[current] += " " + body.strip()
            continue
        key, sep, value = body.strip().partition(":")
        if not sep:
            current = None
            continue
        key, value = key.strip(), value.strip()
        if key == "param":
            m = _PARAM.match(value)
            if m is None:
                raise InputError(
                    f"malformed parameter declaration {value!r}",
                    source=str(path),
                    line=lineno,
                    hint="write `# param: NAME (TYPE[, optional]) description`",
                )
            params.append(Parameter(m["name"], m["type"], bool(m["opt"]), m["doc"].strip()))
        elif key in ("title", "description"):
            fields[key] = value
        current = key
    if "title" not in fields:
        raise InputError(
            "named query without a `# title:` header",
            source=str(path),
            line=1,
            hint="start the file with `# title: ...` and `# description: ...`",
        )
    return NamedQuery(
        name=path.stem,
        title=fields["title"],
        description=fields.get("description", ""),
        parameters=tuple(params),
        text=text,
        path=path,
    )


#: characters an IRI cannot hold (RFC 3987); a value with one cannot name a term
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


class QueryLibrary:
    """The named queries of a store's resources, with parameter validation against the store's graph."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._allowed: dict[str, list[str]] = {}

    @cached_property
    def queries(self) -> dict[str, NamedQuery]:
        directory = self.store.resources.queries
        return {p.stem: parse_query_file(p) for p in sorted(directory.glob("*.rq")) if _NAME.match(p.stem)}

    def get(self, name: str) -> NamedQuery:
        try:
            return self.queries[name]
        except KeyError:
            raise UnknownQueryError(
                f"no named query {name!r}", hint="`hrkg query --list` shows the named queries"
            ) from None

    def allowed_values(self, type_: str) -> list[str]:
        """The catalogue ids a parameter of this type accepts (``term`` accepts any hrkg resource)."""
        if type_ not in self._allowed:
            prefix = rdflib.Literal(f"{HRKG_BASE}{type_}/")
            result = self.store.query(_SCHEME_MEMBERS, bindings={"prefix": prefix})
            ids = {r["x"].removeprefix(str(prefix)) for r in result.text_rows()}
            self._allowed[type_] = sorted(i for i in ids if i and "/" not in i)
        return self._allowed[type_]

    def _term(self, param: Parameter, value: str) -> rdflib.URIRef:
        if value.startswith(("http://", "https://")):
            text = value
        elif "/" in value:
            text = HRKG_BASE + value
        else:
            text = str(HRKG) + value
        if _NOT_IN_IRI.search(text):
            raise ParameterError(f"{param.name}={value!r}: not a term id or IRI", hint=_TERM_HINT)
        iri = rdflib.URIRef(text)
        if not self.store.query("ASK { ?t ?p ?o }", bindings={"t": iri}).boolean:
            raise ParameterError(
                f"{param.name}={value!r}: no such term in the knowledge graph",
                hint=_TERM_HINT,
            )
        return iri

    def resolve(self, query: NamedQuery, params: Mapping[str, str]) -> dict[str, rdflib.URIRef]:
        """Check parameter names and values; return the IRIs to bind."""
        declared = {p.name: p for p in query.parameters}
        unknown = sorted(set(params) - set(declared))
        if unknown:
            names = ", ".join(declared) or "none"
            raise ParameterError(
                f"query {query.name!r} has no parameter {unknown[0]!r}",
                hint=f"its parameters: {names}",
            )
        bound: dict[str, rdflib.URIRef] = {}
        for p in query.parameters:
            value = params.get(p.name, "").strip()
            if not value:
                if p.optional:
                    continue
                choices = _TERM_HINT if p.type == "term" else "allowed: " + _preview(self.allowed_values(p.type))
                raise ParameterError(
                    f"query {query.name!r} needs the parameter {p.name!r} ({p.type})",
                    hint=f"add --param {p.name}=VALUE; {choices}",
                )
            if p.type == "term":
                bound[p.name] = self._term(p, value)
                continue
            allowed = self.allowed_values(p.type)
            if value not in allowed:
                raise ParameterError(
                    f"{p.name}={value!r} is not a known {p.type}",
                    hint="allowed: " + _preview(allowed),
                )
            bound[p.name] = rdflib.URIRef(f"{HRKG_BASE}{p.type}/{value}")
        return bound

    def run(self, name: str, params: Mapping[str, str] | None = None) -> QueryResult:
        """The named query's answer, read completely."""
        return QueryResult.of(self.evaluate(name, params))

    def evaluate(
        self, name: str, params: Mapping[str, str] | None = None
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """The named query's answer as the engine's lazy result (for :func:`hrkg.results.write`)."""
        query = self.get(name)
        return self.store.evaluate(query.text, bindings=self.resolve(query, params or {}))


def _preview(values: list[str], limit: int = 60) -> str:
    if len(values) <= limit:
        return ", ".join(values)
    return ", ".join(values[:limit]) + f", ... ({len(values)} in all)"
