"""Stores, opened by URL.

``memory:``
    pyoxigraph in memory, loaded from ontology/ and data/ when opened (the default).
``oxigraph:PATH``
    pyoxigraph on disk: sources are loaded once; reopening only reloads files whose content changed.

Each source file lives in its own named graph (``https://w3id.org/hrkg/graph/<dir>/<name>``); queries see the
union of all graphs as their default graph unless told otherwise. rdflib is used at the boundary only
(:meth:`Store.to_rdflib`), for the libraries that need an rdflib graph.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast
from typing import Literal as TypingLiteral

import pyoxigraph as ox
import rdflib

from hrkg.binding import BindingValue, bind
from hrkg.errors import InputError, QuerySyntaxError, StoreError
from hrkg.formats import STORE_FILES
from hrkg.guard import check_query, check_update
from hrkg.namespaces import GRAPH, HRKG
from hrkg.resources import Resources, resources

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

_META_GRAPH = ox.NamedNode(str(GRAPH) + "meta")
_DIGEST = ox.NamedNode(str(HRKG) + "sourceDigest")
_SUPPORTED = "`memory:` or `oxigraph:PATH`"
T = TypeVar("T")

#: file suffix -> the RDF syntax the knowledge graph's own files are read in
_FORMATS: dict[str, ox.RdfFormat] = {
    suffix: rdf for suffix, name in STORE_FILES.by_suffix().items() if (rdf := STORE_FILES[name].rdf) is not None
}


def lexical(term: Term) -> str:
    """An IRI, a blank node id or a literal's lexical form (a quoted triple as N-Triples)."""
    return str(term) if isinstance(term, ox.Triple) else term.value


@dataclass
class QueryResult:
    """The answer to one query: ``kind`` says which of the other fields is set."""

    kind: TypingLiteral["select", "ask", "graph"]
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Term]] = field(default_factory=list)
    boolean: bool = False
    triples: list[ox.Triple] = field(default_factory=list)

    @classmethod
    def of(cls, raw: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> QueryResult:
        """The engine's (lazy) result, read completely."""
        if isinstance(raw, ox.QueryBoolean):
            return cls(kind="ask", boolean=bool(raw))
        if isinstance(raw, ox.QuerySolutions):
            variables = [v.value for v in raw.variables]
            rows = [{v: s[v] for v in variables if s[v] is not None} for s in raw]
            return cls(kind="select", variables=variables, rows=rows)
        return cls(kind="graph", triples=list(raw))

    def text_rows(self) -> list[dict[str, str]]:
        """SELECT rows with each value as text (see :func:`lexical`); unbound variables are left out."""
        return [{k: lexical(v) for k, v in row.items()} for row in self.rows]


def _location(exc: SyntaxError) -> tuple[int | None, int | None]:
    """Line and column (1-based, as pyoxigraph reports them) of a parse error."""
    return exc.lineno, exc.offset


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Store:
    """A SPARQL store holding the knowledge graph, one named graph per source file."""

    def __init__(self, ox_store: ox.Store, *, url: str, res: Resources | None = None, read_only: bool = False) -> None:
        self._store = ox_store
        self.url = url
        #: opened read-only: other processes may open it too, and nothing may change it
        self.read_only = read_only
        self.resources = res or resources()
        self._memo: dict[str, object] = {}
        #: True when every graph is visible (a replica without the bookkeeping graph): the engine's own union
        #: default graph is then the same as listing the graphs, and cheaper
        self.all_visible = False

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """A value computed from the store's content once, until the next load."""
        if key not in self._memo:
            self._memo[key] = compute()
        return cast(T, self._memo[key])

    # -- loading -------------------------------------------------------------------------------------

    def load_file(self, path: Path, *, graph: str | None = None) -> str:
        """Replace the named graph of ``path`` with the file's content; returns the graph IRI.

        The file is parsed completely before the store is touched, so a bad file changes nothing.
        """
        fmt = _FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise InputError(
                f"unsupported file type {path.suffix!r}",
                source=str(path),
                hint="use Turtle (.ttl), N-Triples (.nt), N-Quads (.nq), TriG, RDF/XML (.rdf) or JSON-LD",
            )
        name = ox.NamedNode(graph or self.resources.graph_name(path))
        self._memo.clear()
        try:
            quads = list(ox.parse(path=str(path), format=fmt, base_iri=path.resolve().as_uri()))
        except FileNotFoundError:
            raise InputError("file not found", source=str(path), hint="check the path") from None
        except SyntaxError as exc:
            line, column = _location(exc)
            raise InputError(
                f"cannot parse: {exc}",
                source=str(path),
                line=line,
                column=column,
                hint="fix the syntax at that position; nothing was loaded",
            ) from None
        if self._store.contains_named_graph(name):
            self._store.remove_graph(name)
        self._store.extend(ox.Quad(q.subject, q.predicate, q.object, name) for q in quads)
        for q in list(self._store.quads_for_pattern(name, _DIGEST, None, _META_GRAPH)):
            self._store.remove(q)
        self._store.add(ox.Quad(name, _DIGEST, ox.Literal(_digest(path)), _META_GRAPH))
        return name.value

    def load_defaults(self) -> list[str]:
        """Load (or refresh) the ontology and guidance files; unchanged files are skipped.

        Then (re)compute the derived graphs (queries/derive/*.rq) if anything was loaded. Returns the graphs loaded.
        """
        loaded = []
        for path in self.resources.graph_files():
            name = ox.NamedNode(self.resources.graph_name(path))
            known = {
                q.object.value
                for q in self._store.quads_for_pattern(name, _DIGEST, None, _META_GRAPH)
                if isinstance(q.object, ox.Literal)
            }
            if known != {_digest(path)}:
                self.load_file(path)
                loaded.append(name.value)
        derive = sorted((self.resources.queries / "derive").glob("*.rq"))
        if loaded or any(not self._store.contains_named_graph(ox.NamedNode(self._derived_name(p))) for p in derive):
            self._derive(derive)
        if loaded and self.url.startswith("oxigraph:"):
            self._store.optimize()
        return loaded

    @staticmethod
    def _derived_name(path: Path) -> str:
        return f"{GRAPH}derived/{path.stem}"

    def _derive(self, queries: list[Path]) -> None:
        """Materialise each CONSTRUCT query over the source graphs into its own derived graph."""
        derived = [self._derived_name(p) for p in queries]
        sources = [g for g in self.graphs() if g not in derived]
        for path, name in zip(queries, derived, strict=True):
            result = self.query(path.read_text(encoding="utf-8"), default_graphs=sources)
            graph = ox.NamedNode(name)
            if self._store.contains_named_graph(graph):
                self._store.remove_graph(graph)
            self._store.add_graph(graph)
            self._store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in result.triples)

    # -- reading -------------------------------------------------------------------------------------

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode) and g != _META_GRAPH)

    def __len__(self) -> int:
        """Number of triples in the knowledge graph (all named graphs but the store's own bookkeeping)."""
        total = len(self._store)
        meta = sum(1 for _ in self._store.quads_for_pattern(None, None, None, _META_GRAPH))
        return total - meta

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, BindingValue] | None = None,
        default_graphs: Iterable[str] | None = None,
        named_graphs: Iterable[str] | None = None,
        services: Collection[str] = (),
    ) -> QueryResult:
        """Run a SPARQL query; ``bindings`` enter as RDF terms in a VALUES block (see :mod:`hrkg.binding`).

        A SERVICE clause is refused unless it names an endpoint in ``services`` (see :mod:`hrkg.guard`).
        """
        raw = self.evaluate(
            sparql, bindings=bindings, default_graphs=default_graphs, named_graphs=named_graphs, services=services
        )
        return QueryResult.of(raw)

    def evaluate(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, BindingValue] | None = None,
        default_graphs: Iterable[str] | None = None,
        named_graphs: Iterable[str] | None = None,
        services: Collection[str] = (),
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Like :meth:`query`, but the engine's own (lazy) result, for streaming serialisation.

        The text the engine runs (with its bindings) is the text the guard parsed and allowed."""
        if bindings:
            sparql = bind(sparql, bindings)
        declares_dataset = bool(check_query(sparql, services).datasets)
        given = default_graphs is not None or named_graphs is not None
        dataset: dict[str, Any] = {}  # nothing: the query's own FROM / FROM NAMED
        if self.all_visible and not given and not declares_dataset:
            dataset = {"use_default_graph_as_union": True}  # the same graphs as listing them, and cheaper
        elif given or not declares_dataset:
            # graphs given by the caller win over FROM / FROM NAMED (as the SPARQL Protocol says); without either,
            # the default graph is the union of the store's graphs (its own bookkeeping graph is never visible)
            every = self.graphs()
            defaults: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = (
                [ox.DefaultGraph(), *(ox.NamedNode(g) for g in every)]
                if default_graphs is None
                else [ox.NamedNode(g) for g in default_graphs]
            )
            named = [ox.NamedNode(g) for g in (every if named_graphs is None else named_graphs)]
            dataset = {"default_graph": defaults or None, "named_graphs": named}
        try:
            return self._store.query(sparql, **dataset)
        except SyntaxError as exc:
            raise QuerySyntaxError(
                f"the SPARQL query does not parse: {exc}",
                hint="check the query against SPARQL 1.1 (prefixes declared? braces balanced?)",
            ) from None
        except OSError as exc:
            raise StoreError(f"the store could not be read: {exc}", hint="check the store path") from None

    def update(self, sparql: str, *, services: Collection[str] = ()) -> None:
        """Apply a SPARQL Update. LOAD is refused (it fetches URLs), SERVICE only to ``services``."""
        check_update(sparql, services)
        self._memo.clear()
        try:
            self._store.update(sparql)
        except SyntaxError as exc:
            raise QuerySyntaxError(
                f"the SPARQL update does not parse: {exc}",
                hint="check the update against SPARQL 1.1 Update",
            ) from None
        except OSError as exc:
            raise StoreError(f"the store could not be written: {exc}", hint="check the store path") from None

    def dump(self, path: Path) -> None:
        """Write every quad (the bookkeeping graph included) to ``path`` as N-Quads: a replica's source."""
        self._store.dump(str(path), format=ox.RdfFormat.N_QUADS)

    @classmethod
    def fresh(cls, url: str) -> Store:
        """The store at ``url`` opened again, for a worker: the embedded store (``memory:``) is built as
        :func:`open_store` builds it, so that its answers are the original's down to the order of solutions, and
        without the bookkeeping graph; a persistent store is opened read-only, as it is (no copy)."""
        if url != "memory:":
            return open_store(url, load=False, read_only=True)
        store = open_store(url)
        store._store.remove_graph(_META_GRAPH)
        store.all_visible = True
        return store

    def close(self) -> None:
        """Let go of the underlying store, now: a persistent store's lock is released."""
        if not self.read_only:
            self._store.flush()
        self._memo.clear()
        del self._store
        gc.collect()

    @classmethod
    def replica(cls, path: Path, *, url: str, res: Resources | None = None) -> Store:
        """An in-memory copy of a store from the N-Quads file :meth:`dump` wrote (nothing else is loaded)."""
        ox_store = ox.Store()
        ox_store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        if ox_store.contains_named_graph(_META_GRAPH):
            ox_store.remove_graph(_META_GRAPH)
        replica = cls(ox_store, url=url, res=res)
        replica.all_visible = True
        return replica

    def triples(self, *, graphs: Iterable[str] | None = None) -> Iterator[ox.Triple]:
        """The triples of the given graphs (default: all of the knowledge graph), without duplicates."""
        names = list(graphs) if graphs is not None else self.graphs()
        seen: set[ox.Triple] = set()
        for g in names:
            for q in self._store.quads_for_pattern(None, None, None, ox.NamedNode(g)):
                t = ox.Triple(q.subject, q.predicate, q.object)
                if t not in seen:
                    seen.add(t)
                    yield t

    def to_rdflib(self, *, graphs: Iterable[str] | None = None) -> rdflib.Graph:
        """The union of the given graphs as one rdflib Graph (the hand-off to pyshacl and owlready2)."""
        nt = ox.serialize(self.triples(graphs=graphs), format=ox.RdfFormat.N_TRIPLES)
        g = rdflib.Graph()
        if nt:
            g.parse(data=nt, format="nt")
        return g


def open_store(
    url: str = "memory:", *, res: Resources | None = None, load: bool = True, read_only: bool = False
) -> Store:
    """Open a store by URL and make sure the ontology and guidance data are loaded.

    ``read_only`` (persistent stores): bring the files up to date, let go of the writer, and open the store read-only,
    which any number of processes may do at once (and none may write meanwhile). An in-memory store ignores it.
    """
    if url == "memory:":
        store = Store(ox.Store(), url=url, res=res)
    elif url.startswith("oxigraph:"):
        path = url.removeprefix("oxigraph:")
        if not path:
            raise StoreError("`oxigraph:` needs a directory", hint="use oxigraph:PATH, e.g. oxigraph:./store")
        if read_only:
            if load:
                open_store(url, res=res).close()
            return Store(_open(ox.Store.read_only, path), url=url, res=res, read_only=True)
        store = Store(_open(ox.Store, path), url=url, res=res)
    else:
        raise StoreError(f"unknown store URL {url!r}", hint=f"use {_SUPPORTED}")
    if load:
        store.load_defaults()
    return store


def _open(opener: Callable[[str], ox.Store], path: str) -> ox.Store:
    try:
        return opener(path)
    except OSError as exc:
        raise StoreError(
            f"cannot open the store at {path}: {exc}",
            hint="is another process using it? is the directory writable?",
        ) from None
