"""The ``hrkg`` command line: thin commands, one library call each."""

from __future__ import annotations

import functools
import io
import os
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from hrkg import __version__
from hrkg.config import get_settings
from hrkg.errors import HrkgError, InputError, OutputError, UsageError
from hrkg.orgdata.starter import LazyChoice

if TYPE_CHECKING:
    from typing_extensions import Buffer

    from hrkg.results import Raw

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str, hint: str = "", code: int = 2) -> None:
    click.echo(f"error: {message}", err=True)
    if hint:
        click.echo(f"hint: {hint}", err=True)
    sys.exit(code)


def friendly(func: F) -> F:
    """Turn typed errors into one clear line and an exit code; never show a traceback to a user."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except HrkgError as exc:
            _fail(exc.message, exc.hint, exc.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted", code=130)
        except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading: not an error
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except Exception as exc:  # noqa: BLE001 - the last wall: one line and exit 2, never a traceback
            if os.environ.get("HRKG_DEBUG"):
                traceback.print_exc()
            _fail(
                f"internal error ({type(exc).__name__}: {exc})",
                "this is a bug in hrkg: please report it; set HRKG_DEBUG=1 to see the traceback",
                code=3,
            )
        return None

    return wrapper  # type: ignore[return-value]


store_option = click.option(
    "--store",
    "store_url",
    default=lambda: get_settings().store,
    show_default="memory: (or $HRKG_STORE)",
    help="Store URL: `memory:` (embedded, loaded at start) or `oxigraph:PATH` (persistent on disk).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hrkg")
def main() -> None:
    """hrkg: BSR's human rights-based guide to genAI risk mitigation as a knowledge graph.

    Query the guidance, check the knowledge graph, reason over it and serve it as a SPARQL endpoint.
    """
    try:
        get_settings()  # a bad HRKG_* variable is reported here, before any option default reads it
    except HrkgError as exc:
        _fail(exc.message, exc.hint, exc.exit_code)


@main.command()
@click.option("--host", default=lambda: get_settings().host, show_default="127.0.0.1", help="Address to listen on.")
@click.option("--port", default=lambda: get_settings().port, type=int, show_default="8000", help="Port to listen on.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=lambda: get_settings().workers,
    show_default="2",
    help="Query worker processes (HRKG_WORKERS).",
)
@click.option(
    "--query-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=lambda: get_settings().query_timeout,
    show_default="10",
    help="Seconds a query may run before it is stopped (HRKG_QUERY_TIMEOUT).",
)
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="Log every request.")
@store_option
@friendly
def serve(host: str, port: int, workers: int, query_timeout: float, access_log: bool, store_url: str) -> None:
    """Start the SPARQL service (FastAPI) on the store.

    Other settings come from the environment: HRKG_SERVICE_ALLOWLIST, HRKG_UPDATE_TOKEN, HRKG_MAX_RESULT_BYTES,
    HRKG_MAX_UPLOAD_BYTES, HRKG_MAX_QUERY_LENGTH, HRKG_CORS_ORIGINS, HRKG_LOOKUP_WORKERS, HRKG_VALIDATE_WORKERS,
    HRKG_QUEUE_LIMIT, HRKG_CLIENT_CONCURRENCY, HRKG_CACHE_ENTRIES, HRKG_CACHE_BYTES (see the README).
    """
    import uvicorn

    from hrkg.service.app import create_app, open_service_store, start_pool

    settings = get_settings().model_copy(
        update={"store": store_url, "host": host, "port": port, "workers": workers, "query_timeout": query_timeout}
    )
    store = open_service_store(settings)  # errors here are one line, before the server starts
    pool = start_pool(store, settings)
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again: exit through `finally`, not at once
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        app = create_app(settings, store=store, pool=pool)
        click.echo(f"hrkg {__version__}: serving {store_url} on http://{host}:{port}/sparql", err=True)
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=access_log)
    finally:
        pool.close()


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


@main.command()
@click.argument("query", required=False)
@click.option("-f", "--file", "query_file", type=click.Path(path_type=Path), help="Read the query from a file.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "tsv", "xml", "turtle", "ntriples", "jsonld"]),
    default="table",
    show_default=True,
    help="Output format (table/json/csv/tsv/xml for SELECT and ASK; turtle/ntriples/jsonld/table for CONSTRUCT).",
)
@store_option
@friendly
def sparql(query: str | None, query_file: Path | None, fmt: str, store_url: str) -> None:
    """Run a SPARQL query over the knowledge graph (all named graphs as the default graph).

    \b
    Examples:
      hrkg sparql 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'
      hrkg sparql -f my-query.rq --format csv
    """
    from hrkg.store import open_store

    if (query is None) == (query_file is None):
        raise UsageError("give either a QUERY or -f FILE", hint="e.g. hrkg sparql 'ASK { ?s ?p ?o }'")
    if query_file is not None:
        try:
            query = query_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read the query file: {exc.strerror}", source=str(query_file)) from None
    if query is None:  # pragma: no cover (either QUERY or -f FILE was checked above)
        raise HrkgError("no query", hint="give a QUERY or -f FILE")
    _write_out(open_store(store_url).evaluate(query), fmt)


class _LastByte(io.RawIOBase):
    """Standard output that remembers whether what was written ended a line."""

    def __init__(self) -> None:
        self.ended = True

    def writable(self) -> bool:
        return True

    def write(self, data: Buffer, /) -> int:
        view = memoryview(data).cast("B")
        if view.nbytes:
            sys.stdout.buffer.write(view)
            self.ended = view[-1] == 0x0A
        return view.nbytes


def _write_out(raw: Raw, fmt: str) -> None:
    """A query's answer on standard output, through the one results serialiser, ending with a newline."""
    from hrkg.results import write

    out = _LastByte()
    write(raw, out, fmt)  # type: ignore[arg-type]
    if not out.ended:
        sys.stdout.buffer.write(b"\n")
    sys.stdout.flush()


def _parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param {pair!r} is not KEY=VALUE", hint="e.g. --param role=deployer")
        params[key.strip()] = value.strip()
    return params


@main.command()
@click.argument("name", required=False)
@click.option("--param", "-p", "pairs", multiple=True, metavar="KEY=VALUE", help="A parameter (repeatable).")
@click.option("--list", "list_queries", is_flag=True, help="List the named queries and their parameters.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "tsv", "xml"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option("--show", is_flag=True, help="Print the query's documentation and SPARQL text instead of running it.")
@store_option
@friendly
def query(name: str | None, pairs: tuple[str, ...], list_queries: bool, fmt: str, show: bool, store_url: str) -> None:
    """Answer a practitioner's question with a named query (no SPARQL needed).

    \b
    Examples:
      hrkg query --list
      hrkg query appropriate-actions --param attribution=contribute
      hrkg query recommend -p role=deployer -p right=privacy -p attribution=cause
    """
    from hrkg.queries import QueryLibrary
    from hrkg.store import open_store

    library = QueryLibrary(open_store(store_url))
    if list_queries or name is None:
        if name is None and not list_queries:
            raise UsageError("give a query NAME or --list", hint="`hrkg query --list` shows the named queries")
        for q in library.queries.values():
            params = " ".join(f"[{p.name}=<{p.type}>]" if p.optional else f"{p.name}=<{p.type}>" for p in q.parameters)
            click.echo(f"{q.name} {params}".rstrip())
            click.echo(f"    {q.title}")
        return
    named = library.get(name)
    if show:
        click.echo(f"{named.name}: {named.title}\n\n{named.description}\n")
        for p in named.parameters:
            allowed = "any hrkg term" if p.type == "term" else ", ".join(library.allowed_values(p.type))
            click.echo(f"  {p.name} ({p.type}{', optional' if p.optional else ''}): {p.description}")
            click.echo(f"      allowed: {allowed}")
        click.echo("\n" + named.text)
        return
    _write_out(library.evaluate(name, _parse_params(pairs)), fmt)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "turtle"]),
    default="text",
    show_default=True,
    help="text for people; turtle writes the inferred class memberships as triples.",
)
@click.option("--all", "show_all", is_flag=True, help="List every inferred membership, not only a summary per class.")
@store_option
@friendly
def reason(files: tuple[Path, ...], fmt: str, show_all: bool, store_url: str) -> None:
    """Run the OWL reasoner (HermiT; needs Java) over the ontology, the guidance and FILES.

    FILES are organisation data (YAML, JSON or RDF, as for `validate`). Prints whether the graph is
    consistent, any unsatisfiable class, and the classes individuals were inferred to belong to (e.g. causing
    actor, impact requiring remedy). Exit 1 if inconsistent or a class is unsatisfiable.
    """
    from hrkg.namespaces import shorten
    from hrkg.reason import reason as run_reasoner
    from hrkg.store import open_store

    store = open_store(store_url)
    graph = store.to_rdflib()
    if files:
        from hrkg.orgdata import load_organisation_files

        graph += load_organisation_files(list(files)).graph
    report = run_reasoner(graph)
    if fmt == "turtle":
        click.echo(report.to_graph().serialize(format="turtle"), nl=False)
    else:
        click.echo(f"consistent: {'yes' if report.consistent else 'NO'}")
        if not report.consistent:
            click.echo(report.explanation)
        click.echo(f"unsatisfiable classes: {len(report.unsatisfiable)}")
        for cls in report.unsatisfiable:
            click.echo(f"  {shorten(cls)}")
        by_class: dict[str, list[str]] = {}
        for ind, cls in report.inferred:
            by_class.setdefault(cls, []).append(ind)
        click.echo(f"inferred class memberships: {len(report.inferred)}")
        for cls in sorted(by_class):
            members = by_class[cls]
            shown = members if show_all else members[:5]
            more = "" if len(shown) == len(members) else f", ... (+{len(members) - len(shown)}; --all lists them)"
            click.echo(f"  {shorten(cls)} ({len(members)}): " + ", ".join(shorten(m) for m in shown) + more)
    if not report.consistent or report.unsatisfiable:
        sys.exit(1)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "turtle", "markdown", "html"]),
    default="text",
    show_default=True,
    help="text/markdown/html for people, json/turtle for pipelines.",
)
@click.option(
    "--severity",
    type=click.Choice(["violation", "warning", "info"]),
    default="info",
    show_default=True,
    help="Show findings at least this severe.",
)
@click.option(
    "--engine",
    type=click.Choice(["fast", "pyshacl"]),
    default="fast",
    show_default=True,
    help="fast: set-wise on Oxigraph; pyshacl: the reference engine (slow on large data).",
)
@click.option("--no-suggestions", is_flag=True, help="Leave out the suggestions drawn from the guidance.")
@store_option
@friendly
def validate(
    files: tuple[Path, ...], fmt: str, severity: str, engine: str, no_suggestions: bool, store_url: str
) -> None:
    """Check an organisation's risk register and mitigation plan against the guide.

    FILES are YAML or JSON in hrkg's organisation format, or RDF (Turtle, JSON-LD, N-Triples, RDF/XML);
    several files are checked together. Exit 0 if it conforms, 1 if a violation is found, 2 if a file
    cannot be read. Nothing is stored.

    \b
    Examples:
      hrkg validate register.yaml
      hrkg validate register.yaml plan.yaml --format json --severity warning
    """
    from hrkg.orgdata import load_organisation_files
    from hrkg.store import open_store
    from hrkg.validation.model import Engine, Severity
    from hrkg.validation.render import render
    from hrkg.validation.validator import validate as run_validation

    data = load_organisation_files(list(files))
    # click.Choice has already limited both options to these literals
    report = run_validation(data, store=open_store(store_url), engine=cast(Engine, engine), suggest=not no_suggestions)
    click.echo(render(report.at_least(cast(Severity, severity)), fmt), nl=False)
    sys.exit(0 if report.conforms else 1)


@main.command()
@click.option("--no-profile", is_flag=True, help="Skip the OWL 2 DL profile check (it needs a JDK).")
@store_option
@friendly
def check(no_profile: bool, store_url: str) -> None:
    """Run the knowledge graph's quality gates.

    Meta shapes (every term has a label, a definition and a source), the queries/qc/*-violation.rq queries
    (no rows allowed) and the OWL 2 DL profile check. Exit 1 if any gate fails.
    """
    from hrkg.namespaces import shorten
    from hrkg.quality.gates import check as run_check
    from hrkg.results import table
    from hrkg.store import open_store

    store = open_store(store_url)
    report = run_check(store, profile=not no_profile)
    if report.profile_violations is not None:
        click.echo(f"OWL 2 DL profile: {len(report.profile_violations)} violation(s)")
        for violation in report.profile_violations:
            click.echo(f"  {violation}")
    click.echo(f"meta shapes: {len(report.shape_findings)} violation(s)")
    for f in report.shape_findings:
        click.echo(f"  {shorten(f.focus)}: {f.message}")
    for name, result in report.query_findings.items():
        click.echo(f"{name}: {len(result.rows)} row(s)")
        if result.rows:
            click.echo(table(result))
    click.echo(f"triples: {len(store)}; quality gates {'passed' if report.ok else 'FAILED'}")
    if not report.ok:
        sys.exit(1)


@main.command()
@click.option(
    "--docs", "docs_dir", type=click.Path(path_type=Path), help="Write HTML documentation of the ontology here."
)
@click.option(
    "--graph",
    "graph_file",
    type=click.Path(path_type=Path),
    help="Write the whole knowledge graph (union of all graphs) here; format from the suffix (.ttl, .nt).",
)
@click.option(
    "--schema",
    "schema_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the JSON Schema of the organisation format here (data/organisation.schema.json; - for stdout).",
)
@click.option(
    "--catalogue",
    "catalogue_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the catalogue ids of the organisation format as Markdown here (docs/catalogue.md; - for stdout).",
)
@click.option(
    "--rules",
    "rules_file",
    type=click.Path(path_type=Path),
    help="Write the rule catalogue (Markdown, generated from the shapes) here, e.g. docs/rules.md.",
)
@store_option
@friendly
def export(
    docs_dir: Path | None,
    graph_file: Path | None,
    schema_file: Path | None,
    catalogue_file: Path | None,
    rules_file: Path | None,
    store_url: str,
) -> None:
    """Export generated ontology documentation (HTML), the knowledge graph itself, and the generated documents: the
    organisation format's JSON Schema and catalogue ids (read from the knowledge graph) and the rule catalogue (read
    from the shapes)."""
    if (
        docs_dir is None
        and graph_file is None
        and schema_file is None
        and catalogue_file is None
        and rules_file is None
    ):
        raise UsageError(
            "nothing to export", hint="give --docs DIR, --graph FILE, --schema FILE, --catalogue FILE or --rules FILE"
        )
    if schema_file is not None or catalogue_file is not None:
        from hrkg.orgdata.catalogue import catalogue, catalogue_markdown
        from hrkg.orgdata.schema import schema_text
        from hrkg.store import open_store

        cat = catalogue(open_store(store_url))
        for target, render in ((schema_file, schema_text), (catalogue_file, catalogue_markdown)):
            if target is not None:
                _write_generated(target, render(cat))
    if rules_file is not None:
        from hrkg.store import open_store
        from hrkg.validation.catalogue import rules_markdown

        _write_generated(rules_file, rules_markdown(open_store(store_url)))
    if docs_dir is not None:
        from hrkg.quality.docs import export_docs

        for path in export_docs(docs_dir):
            click.echo(f"wrote {path}")
    if graph_file is not None:
        from hrkg.formats import GRAPH_OFFERS
        from hrkg.store import open_store

        suffixes = GRAPH_OFFERS.by_suffix()
        if graph_file.suffix not in suffixes:
            raise UsageError(
                f"unknown graph file suffix {graph_file.suffix!r}", hint="use one of " + ", ".join(suffixes)
            )
        graph = open_store(store_url).to_rdflib()
        from hrkg.namespaces import PREFIXES

        for prefix, ns in PREFIXES.items():
            graph.bind(prefix, ns)
        graph.serialize(graph_file, format=str(GRAPH_OFFERS[suffixes[graph_file.suffix]].rdflib))
        click.echo(f"wrote {graph_file} ({len(graph)} triples)")


def _write_generated(target: Path, text: str) -> None:
    if str(target) == "-":
        click.echo(text, nl=False)
        return
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror}", hint="choose a writable path") from None
    click.echo(f"wrote {target}", err=True)


def _roles() -> tuple[str, ...]:
    from hrkg.orgdata.starter import roles

    return roles()


@main.command()
@click.option(
    "--role",
    required=True,
    type=LazyChoice(_roles),
    help="The organisation's place in the genAI value chain (the guide's duty-bearing roles).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the register to this new file (an existing file is never overwritten); default: standard output.",
)
@friendly
def init(role: str, output: Path | None) -> None:
    """Write a commented starter risk register for a value-chain role.

    Every key of the organisation format is explained with the catalogue ids it accepts, and one worked example
    of an impact and a mitigation typical of the role (after the guide's section 4 table) shows the form; it
    checks clean with `hrkg validate`.

    \b
    Examples:
      hrkg init --role deployer --output register.yaml
      hrkg init --role supplier > register.yaml
    """
    from hrkg.orgdata.starter import starter_register, write_new

    text = starter_register(role)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_new(output, text)
        click.echo(f"wrote {output}", err=True)
