"""Serving throughput: `hrkg serve` against rdflib-endpoint (the baseline), under concurrent HTTP load on loopback.

Both servers run as subprocesses on 127.0.0.1 (free ports), serving the same data: the union of hrkg's knowledge
graph, written as N-Triples and loaded into an rdflib ``Graph`` for rdflib-endpoint (``SparqlEndpoint`` on uvicorn
with its default settings, at ``/sparql``). Two workloads, each first warmed up (not measured), then measured with
``--requests`` requests at each ``--concurrency`` level (closed loop: each client sends its next request when the
previous answer is in):

* ``raw``: a SELECT over ``/sparql`` (GET ``?query=``, Accept ``application/sparql-results+json``): the mitigations
  with their category and both labels, a join ordered by the category order and the label (37 rows);
* ``named``: a named query (default ``mitigations-for-role role=deployer``): ``GET /queries/NAME?PARAM=VALUE`` on
  hrkg; rdflib-endpoint gets the same SPARQL text with the parameter bound (``QueryLibrary.resolve`` + ``bind``,
  exactly what hrkg runs) on its ``/sparql``. While hrkg does not serve ``/queries`` (404), the bound text goes to
  hrkg's ``/sparql`` too, and the script says so.

Every response is checked: status 200, a body that parses as SPARQL JSON results, and the row count of the first
(warm-up) response of that server and workload; anything else is an error. req/s counts successful responses over
the wall time of the run; p50/p99 are per-request latencies seen by the client. The server's CPU time per request
(its whole process tree, from /proc on Linux) shows where the time goes; the client's own CPU share shows that the
load generator is not the bottleneck (one keep-alive ``http.client`` connection per client thread: about 0.2 ms of
client CPU per request, a fifth of what an asyncio httpx client costs on the same machine).

Target: hrkg >= 5x rdflib-endpoint throughput in every workload and concurrency, with 0 errors (warm-ups included).
Exit status 1 when a response was wrong (an error, or row counts that differ from the embedded store's), else 0.

    .venv/bin/pip install -e '.[bench]'                 # rdflib-endpoint
    .venv/bin/python benchmarks/serve.py                 # 2,000 requests at 8 and at 16 clients, both servers
    .venv/bin/python benchmarks/serve.py --quick --only hrkg
    .venv/bin/python benchmarks/serve.py --markdown      # also print the Markdown table for benchmarks/README.md

Loopback only: any host other than 127.0.0.1 is refused. Servers are stopped (their whole process group) when the
script ends, also on Ctrl-C or SIGTERM; each run stops at ``--max-seconds`` and each request at ``--timeout``.
rdflib-endpoint 0.6.3 installs with its own dependency ranges (fastapi>=0.51, rdflib>=6): no ``--no-deps`` needed.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import math
import os
import platform
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import FrameType

HOST = "127.0.0.1"
ACCEPT = "application/sparql-results+json"
HRKG = "hrkg"
BASELINE = "rdflib-endpoint"
TARGET_RATIO = 5.0

RAW_QUERY = """PREFIX hrkg: <https://w3id.org/hrkg#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?mitigation ?label ?category ?categoryLabel WHERE {
  ?mitigation hrkg:inCategory ?category ; rdfs:label ?label .
  ?category a hrkg:MitigationCategory ; rdfs:label ?categoryLabel ; hrkg:categoryOrder ?order .
}
ORDER BY ?order ?label
"""

# rdflib-endpoint as its README deploys it: SparqlEndpoint (a FastAPI app) on uvicorn, default settings, access log
# on (as `hrkg serve`), the endpoint at /sparql instead of /. Written as a module so that uvicorn can run N workers.
BASELINE_MODULE = "hrkg_bench_baseline"
BASELINE_APP = """
import os
import rdflib
from rdflib_endpoint import SparqlEndpoint
graph = rdflib.Graph()
graph.parse(os.environ["HRKG_BENCH_GRAPH"], format="nt")
app = SparqlEndpoint(graph=graph, path="/sparql", title="hrkg knowledge graph (rdflib-endpoint baseline)")
"""


# -- workloads ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    key: str  # raw | named
    title: str
    sparql: str  # the final SPARQL text (parameters bound)
    named: str | None = None  # named query name, for hrkg's /queries/{name}
    params: dict[str, str] = field(default_factory=dict)
    embedded_rows: int = -1  # rows the embedded store gives in-process: the cross-check of both servers


def sparql_path(query: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query})


def named_path(name: str, params: dict[str, str]) -> str:
    return f"/queries/{urllib.parse.quote(name)}" + ("?" + urllib.parse.urlencode(params) if params else "")


def prepare(store_url: str, named: str, params: dict[str, str], nt_file: Path | None) -> list[Workload]:
    """Bind the named query with hrkg's own library, count the rows in-process, and dump the graph for the baseline."""
    import pyoxigraph as ox

    from hrkg.binding import bind
    from hrkg.errors import HrkgError
    from hrkg.queries import QueryLibrary
    from hrkg.store import open_store

    store = open_store(store_url)
    library = QueryLibrary(store)
    try:
        query = library.get(named)
        bound = bind(query.text, library.resolve(query, params))
    except HrkgError as exc:
        sys.exit(f"error: {exc.message}" + (f"\nhint: {exc.hint}" if exc.hint else ""))
    title = f"named query {named} " + " ".join(f"{k}={v}" for k, v in params.items())
    workloads = [
        Workload("raw", "raw SELECT: mitigations x categories, joined and ordered", RAW_QUERY),
        Workload("named", title.strip(), bound, named, params),
    ]
    counted = []
    for w in workloads:
        result = store.query(w.sparql)
        if result.kind != "select":
            sys.exit(f"the {w.key} workload must be a SELECT query")
        counted.append(Workload(w.key, w.title, w.sparql, w.named, w.params, len(result.rows)))
    if nt_file is not None:
        nt_file.write_bytes(ox.serialize(store.triples(), format=ox.RdfFormat.N_TRIPLES) or b"")
    del store, library
    return counted


# -- servers -----------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def http_get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": ACCEPT})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass
class Server:
    name: str
    command: list[str]
    ready_path: str
    log: Path
    port: int
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    def start(self, deadline_s: float = 180.0) -> None:
        with self.log.open("wb") as log:
            # own session/process group: Ctrl-C in the terminal does not reach it, and stop() ends the whole group
            # (e.g. worker processes) in one signal
            self.proc = subprocess.Popen(
                self.command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **self.env},
                start_new_session=True,
            )
        deadline = time.monotonic() + deadline_s
        while True:
            with contextlib.suppress(OSError, http.client.HTTPException):
                if http_get(self.port, self.ready_path)[0] == 200:
                    return
            if self.proc.poll() is not None or time.monotonic() > deadline:
                tail = self.log.read_text(encoding="utf-8", errors="replace")[-3000:]
                self.stop()
                raise RuntimeError(f"{self.name} did not start (see {self.log}):\n{textwrap.indent(tail, '  | ')}")
            time.sleep(0.2)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)  # the group of the process we started, and nothing else
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        with contextlib.suppress(ProcessLookupError):  # workers that outlived their parent
            os.killpg(proc.pid, signal.SIGKILL)

    @contextlib.contextmanager
    def running(self) -> Iterator[Server]:
        try:
            self.start()
            yield self
        finally:
            self.stop()

    def cpu_seconds(self) -> tuple[float, float] | None:
        return tree_cpu_seconds(self.proc.pid) if self.proc is not None else None


def tree_cpu_seconds(root: int) -> tuple[float, float] | None:
    """CPU seconds (user + system) of a process alone, and of it with all its descendants (reaped ones included).

    Read from /proc: Linux only, None elsewhere.
    """
    try:
        ticks = os.sysconf("SC_CLK_TCK")
        stats: dict[int, tuple[int, int]] = {}  # pid -> (ppid, its ticks + its reaped children's)
        own: dict[int, int] = {}  # pid -> its own ticks
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                text = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) ": state ppid ... (stat(5) field 3 on)
            stats[int(entry.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]))
            own[int(entry.name)] = int(fields[11]) + int(fields[12])
    except (OSError, ValueError):
        return None
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, (0, 0))[1]
        todo.extend(children.get(pid, []))
    return own.get(root, 0) / ticks, total / ticks


# -- load ----------------------------------------------------------------------------------------------------------


def count_rows(body: bytes) -> int:
    """Rows of a SPARQL JSON result (an ASK answer is one row), a JSON list or ``{"rows": [...]}``; else ValueError."""
    data = json.loads(body)
    if isinstance(data, dict):
        if isinstance(data.get("boolean"), bool):
            return 1
        results = data.get("results")
        if isinstance(results, dict) and isinstance(results.get("bindings"), list):
            return len(results["bindings"])
        for key in ("rows", "results", "bindings"):
            if isinstance(data.get(key), list):
                return len(data[key])
    if isinstance(data, list):
        return len(data)
    raise ValueError("not a SPARQL JSON result")


@dataclass
class Run:
    server: str
    workload: str
    concurrency: int
    requests: int
    ok: int = 0
    errors: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    server_cpu: float | None = None  # the server's whole process tree
    server_main_cpu: float | None = None  # its main (HTTP) process alone
    client_cpu: float = 0.0
    reference_rows: int | None = None  # the row count every answer must have
    samples: list[str] = field(default_factory=list)  # the first few error messages

    @property
    def rps(self) -> float:
        return self.ok / self.elapsed if self.elapsed > 0 else 0.0

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile of the latencies, in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered), max(1, math.ceil(q / 100 * len(ordered)))) - 1]

    @property
    def server_ms_per_request(self) -> float | None:
        if self.server_cpu is None or not self.requests:
            return None
        return 1000 * self.server_cpu / self.requests

    @property
    def server_main_ms_per_request(self) -> float | None:
        if self.server_main_cpu is None or not self.requests:
            return None
        return 1000 * self.server_main_cpu / self.requests

    def server_cpu_text(self) -> str:
        """Server CPU ms per request: the whole tree, with the main process's share when other processes worked."""
        total, main = self.server_ms_per_request, self.server_main_ms_per_request
        if total is None or main is None:
            return "-"
        return f"{total:.2f}" if total - main < 0.005 else f"{total:.2f} (main {main:.2f})"


def load(
    server: Server,
    path: str,
    workload: str,
    requests: int,
    concurrency: int,
    expected_rows: int | None,
    timeout: float,
    max_seconds: float,
) -> Run:
    """``requests`` GETs of ``path`` from ``concurrency`` threads, one keep-alive connection each; every answer checked.

    ``expected_rows=None`` takes the first answer's row count as the reference (the warm-up).
    """
    run = Run(server.name, workload, concurrency, requests)
    counter = itertools.count()
    lock = threading.Lock()
    stop = threading.Event()
    reference: list[int] = [] if expected_rows is None else [expected_rows]
    start = threading.Barrier(concurrency + 1)
    headers = {"Accept": ACCEPT}

    def error(message: str) -> None:
        with lock:
            run.errors += 1
            if len(run.samples) < 5:
                run.samples.append(message)

    def client(index: int) -> None:
        # each client from a loopback address of its own (127.0.0.2, ...), as distinct clients are to hrkg's
        # per-client limit (HRKG_CLIENT_CONCURRENCY)
        source = (f"127.0.0.{2 + index % 250}", 0)
        conn = http.client.HTTPConnection(HOST, server.port, timeout=timeout, source_address=source)
        latencies: list[float] = []
        with contextlib.suppress(OSError):
            conn.connect()
        try:
            start.wait()
        except threading.BrokenBarrierError:
            return
        try:
            while not stop.is_set() and next(counter) < requests:
                t0 = time.perf_counter()
                try:
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    body = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    latencies.append(time.perf_counter() - t0)
                    error(f"{type(exc).__name__}: {exc}")
                    conn.close()  # reconnects on the next request
                    continue
                latencies.append(time.perf_counter() - t0)
                if response.status != 200:
                    error(f"HTTP {response.status}: {body[:200].decode('utf-8', 'replace')}")
                    continue
                try:
                    rows = count_rows(body)
                except ValueError as exc:  # json.JSONDecodeError is a ValueError
                    error(f"unparseable body ({exc}): {body[:200].decode('utf-8', 'replace')}")
                    continue
                with lock:
                    if not reference:
                        reference.append(rows)
                    if rows != reference[0]:
                        run.errors += 1
                        if len(run.samples) < 5:
                            run.samples.append(f"{rows} rows, expected {reference[0]}")
                        continue
                    run.ok += 1
        finally:
            conn.close()
            with lock:
                run.latencies.extend(latencies)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    cpu0, srv0 = time.process_time(), server.cpu_seconds()
    start.wait()
    t0 = time.perf_counter()
    deadline = t0 + max_seconds
    try:
        for t in threads:
            while t.is_alive():  # joins in slices, so that Ctrl-C is seen at once
                if time.perf_counter() > deadline:
                    stop.set()
                t.join(0.1)
    finally:
        stop.set()
    run.elapsed = time.perf_counter() - t0
    run.client_cpu = time.process_time() - cpu0
    srv1 = server.cpu_seconds()
    if srv0 is not None and srv1 is not None:
        run.server_main_cpu, run.server_cpu = srv1[0] - srv0[0], srv1[1] - srv0[1]
    answered = run.ok + run.errors
    if answered < requests:
        run.errors += requests - answered
        run.samples.append(f"{requests - answered} requests not sent within --max-seconds {max_seconds:g}")
    run.reference_rows = reference[0] if reference else None
    run.latencies.sort()
    return run


# -- report --------------------------------------------------------------------------------------------------------


@dataclass
class Case:
    workload: Workload
    concurrency: int
    runs: dict[str, Run] = field(default_factory=dict)

    def ratio(self) -> float | None:
        ours, base = self.runs.get(HRKG), self.runs.get(BASELINE)
        if ours is None or base is None or base.rps == 0:
            return None
        return ours.rps / base.rps


def print_text(cases: Sequence[Case], routes: dict[tuple[str, str], str]) -> None:
    for case in cases:
        w = case.workload
        print(f"\n{w.title} ({w.embedded_rows} rows), {case.concurrency} clients")
        print(
            f"  {'server':<16} {'route':<30} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}"
            f" {'srv CPU ms/req':>22} {'client CPU':>10}"
        )
        for name, run in case.runs.items():
            client = 100 * run.client_cpu / run.elapsed if run.elapsed else 0.0
            print(
                f"  {name:<16} {routes.get((name, w.key), ''):<30} {run.requests:>8,} {run.errors:>6} {run.rps:>8.1f}"
                f" {run.percentile(50):>7.2f} {run.percentile(99):>7.2f} {run.server_cpu_text():>22}"
                f" {client:>9.0f}%"
            )
            for sample in run.samples:
                print(f"      ! {sample}")
        ratio = case.ratio()
        if ratio is not None:
            print(f"  {HRKG} / {BASELINE} throughput: {ratio:.1f}x")


def print_markdown(cases: Sequence[Case], routes: dict[tuple[str, str], str]) -> None:
    print(
        "\n| workload | clients | server | requests | errors | req/s | p50 ms | p99 ms | server CPU ms/req "
        f"| {HRKG} / {BASELINE} |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for case in cases:
        ratio = case.ratio()
        for i, (name, run) in enumerate(case.runs.items()):
            route = routes.get((name, case.workload.key), "")
            shown = f"{ratio:.1f}x" if ratio is not None and i == 0 else ""
            print(
                f"| {case.workload.key} | {case.concurrency} | {name} `{route}` | {run.requests:,} | {run.errors} "
                f"| {run.rps:,.0f} | {run.percentile(50):.1f} | {run.percentile(99):.1f} "
                f"| {run.server_cpu_text()} | {shown} |"
            )


def machine_note() -> str:
    versions = []
    for dist in ("hrkg", "pyoxigraph", "rdflib", "rdflib-endpoint", "fastapi", "uvicorn"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist} (not installed)")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        + ", ".join(versions)
        + f"; load average before the run: {load} (other processes skew the figures)"
    )


# -- main ----------------------------------------------------------------------------------------------------------


def parse_params(pairs: Sequence[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            sys.exit(f"--param {pair!r} is not KEY=VALUE")
        params[key.strip()] = value.strip()
    return params


def on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds through the finally blocks that stop the servers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per server, workload, level")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 16], help="concurrent clients (levels)")
    parser.add_argument("--warmup", type=int, default=50, help="unmeasured requests per server and workload")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 200 requests, 20 warm-up")
    parser.add_argument("--only", choices=[HRKG], help="run hrkg alone (no baseline, no ratio)")
    parser.add_argument("--workloads", nargs="+", choices=["raw", "named"], default=["raw", "named"])
    parser.add_argument("--named", default="mitigations-for-role", help="the named query of the named workload")
    parser.add_argument(
        "--param", "-p", action="append", metavar="KEY=VALUE", help="its parameters (default: role=deployer)"
    )
    parser.add_argument("--store", default=os.environ.get("HRKG_STORE", "memory:"), help="hrkg store URL")
    parser.add_argument("--serve-args", default="", help="more `hrkg serve` options, e.g. '--workers 4'")
    parser.add_argument(
        "--cache",
        action="store_true",
        help="leave hrkg's answer cache on (off by default: every request is run by a worker, as the baseline does)",
    )
    parser.add_argument("--baseline-workers", type=int, default=1, help="uvicorn worker processes of the baseline")
    parser.add_argument("--host", default=HOST, help="must be 127.0.0.1 (loopback only)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request before it is an error")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="a run stops after this; unsent = errors")
    parser.add_argument("--markdown", action="store_true", help="also print the results as a Markdown table")
    args = parser.parse_args()

    if args.host != HOST:
        sys.exit(f"refusing host {args.host!r}: this benchmark runs on loopback ({HOST}) only")
    if args.quick:
        args.requests, args.warmup = 200, 20
    if args.requests < 1 or args.warmup < 1 or min(args.concurrency) < 1:
        sys.exit("--requests, --warmup and --concurrency must be at least 1")
    params = parse_params(args.param) if args.param else {"role": "deployer"}
    signal.signal(signal.SIGTERM, on_sigterm)

    print(f"machine: {machine_note()}")
    with tempfile.TemporaryDirectory(prefix="hrkg-bench-serve-") as tmp:
        nt_file = None if args.only else Path(tmp, "kg.nt")
        workloads = [w for w in prepare(args.store, args.named, params, nt_file) if w.key in args.workloads]
        servers: list[Server] = []
        port = free_port()
        servers.append(
            Server(
                HRKG,
                [
                    *(sys.executable, "-m", "hrkg", "serve", "--host", HOST, "--port", str(port)),
                    *("--store", args.store, *shlex.split(args.serve_args)),
                ],
                "/health",
                Path(tmp, "hrkg.log"),
                port,
                env={} if args.cache else {"HRKG_CACHE_ENTRIES": "0"},
            )
        )
        if nt_file is not None:
            port = free_port()
            Path(tmp, f"{BASELINE_MODULE}.py").write_text(BASELINE_APP, encoding="utf-8")
            servers.append(
                Server(
                    BASELINE,
                    [
                        *(sys.executable, "-m", "uvicorn", f"{BASELINE_MODULE}:app", "--app-dir", tmp),
                        *("--host", HOST, "--port", str(port), "--workers", str(args.baseline_workers)),
                    ],
                    sparql_path("ASK { ?s ?p ?o }"),
                    Path(tmp, "baseline.log"),
                    port,
                    env={"HRKG_BENCH_GRAPH": str(nt_file)},
                )
            )
        cases = {(w.key, c): Case(w, c) for w in workloads for c in args.concurrency}
        routes: dict[tuple[str, str], str] = {}
        references: dict[tuple[str, str], int | None] = {}
        warmup_errors: dict[tuple[str, str], int] = {}
        notes: list[str] = []
        try:
            for server in servers:
                shown = shlex.join(["python", *server.command[1:]])
                print(f"\n== {server.name} on http://{HOST}:{server.port}: {shown}", flush=True)
                with server.running():
                    for w in workloads:
                        path = sparql_path(w.sparql)
                        routes[(server.name, w.key)] = "/sparql"
                        if w.named is not None and server.name == HRKG:
                            try:
                                status, _ = http_get(server.port, named_path(w.named, w.params), args.timeout)
                            except (OSError, http.client.HTTPException):
                                status = 0  # the measured run will count what goes wrong
                            if status == 404:
                                notes.append(
                                    f"hrkg does not serve /queries/{w.named} yet (404): the named workload sent the "
                                    "bound SPARQL text to hrkg's /sparql instead; re-run once /queries exists"
                                )
                                print(f"  note: {notes[-1]}", flush=True)
                                routes[(server.name, w.key)] = "/sparql (fallback)"
                            else:
                                path = named_path(w.named, w.params)
                                routes[(server.name, w.key)] = f"/queries/{w.named}"
                        top = max(args.concurrency)
                        warm = load(server, path, w.key, args.warmup, top, None, args.timeout, args.max_seconds)
                        reference = warm.reference_rows  # the first good answer's row count
                        references[(server.name, w.key)] = reference
                        warmup_errors[(server.name, w.key)] = warm.errors
                        print(
                            f"  {w.key}: warm-up {warm.requests} requests, {warm.errors} errors, "
                            f"{reference if reference is not None else '?'} rows (embedded store: {w.embedded_rows})",
                            flush=True,
                        )
                        for sample in warm.samples:
                            print(f"      ! {sample}", flush=True)
                        for c in args.concurrency:
                            run = load(server, path, w.key, args.requests, c, reference, args.timeout, args.max_seconds)
                            cases[(w.key, c)].runs[server.name] = run
                            print(
                                f"  {w.key} x {c:>2} clients: {run.rps:8.1f} req/s, p50 {run.percentile(50):7.2f} ms, "
                                f"p99 {run.percentile(99):7.2f} ms, {run.errors} errors",
                                flush=True,
                            )
        except KeyboardInterrupt:
            sys.exit("\ninterrupted: servers stopped")
        finally:
            for server in servers:
                server.stop()

    ordered = list(cases.values())
    print_text(ordered, routes)
    if args.markdown:
        print_markdown(ordered, routes)
    for note in notes:
        print(f"\nnote: {note}")
    if not verdict(ordered, references, sum(warmup_errors.values()), args.only is not None):
        sys.exit(1)


def verdict(
    cases: Sequence[Case], references: dict[tuple[str, str], int | None], warmup_errors: int, only: bool
) -> bool:
    """Print whether the target is met; False when a response was wrong (errors, row counts)."""
    errors = sum(run.errors for case in cases for run in case.runs.values())
    problems = []
    if errors:
        problems.append(f"{errors} errors")
    if warmup_errors:
        problems.append(f"{warmup_errors} errors in the warm-ups")
    for case in cases:
        w = case.workload
        for name in case.runs:
            ref = references.get((name, w.key))
            if ref != w.embedded_rows:
                problems.append(f"{name} {w.key}: {ref} rows, the embedded store gives {w.embedded_rows}")
    correct = not problems
    for case in cases:
        ratio = case.ratio()
        if not only and (ratio is None or ratio < TARGET_RATIO):
            shown = "-" if ratio is None else f"{ratio:.1f}x"
            problems.append(f"{case.workload.key} at {case.concurrency} clients: {shown}")
    problems = list(dict.fromkeys(problems))
    print(f"\ntarget: hrkg >= {TARGET_RATIO:g}x {BASELINE} throughput, 0 errors")
    if only:
        print("  not evaluated (--only hrkg); " + ("; ".join(problems) if problems else "0 errors"))
    elif problems:
        print("  NOT met: " + "; ".join(problems))
    else:
        print("  met")
    return correct


if __name__ == "__main__":
    main()
