"""Stall: how fast a simple lookup stays while runaway queries and large validations hold the service's workers.

Starts `hrkg serve` on 127.0.0.1 (a free port, its own process group) and, from loopback addresses of their own
(127.0.0.2, ... : distinct clients to the per-client limit), keeps ``--runaways`` runaway queries running (default:
as many as there are query workers; each a cross product that runs until the query timeout stops it, then is sent
again) and ``--validations`` large validations (default 2; a generated ~5 MB YAML register each, sent again when
answered). Once the load holds the workers (checked on /health), one more client sends simple lookups one after
another for ``--seconds`` and the script prints their p50/p99 latency and the p99's ratio to the 100 ms target.

Two phases, each on a fresh server:

* ``uncached``: the answer cache off (HRKG_CACHE_ENTRIES=0): every lookup runs in a worker. Probe: the named query
  ``/queries/rights`` (the lookup pool). Then ad-hoc ASKs of new text go to ``/sparql`` (``--adhoc`` of them): the
  runaways hold every query worker, so the express worker answers them (HRKG_EXPRESS_WORKERS=0 shows the service
  without it: they wait for a query worker).
* ``cached``: default settings. Probes: ``/queries/rights`` and ``ASK {}`` on ``/sparql`` alternately, each answered
  once by a worker before the load starts (a popular lookup) and then from the cache.

Each probe is sent once before the load starts (a warm-up, not measured: the first named query builds the query
library in the service process).

Bounded: each phase stops after ``--seconds`` of probing (and at most ``--max-requests`` probes); the server and
every load thread are stopped at the end, also on Ctrl-C or SIGTERM. Loopback only.

    .venv/bin/python benchmarks/stall.py                  # 2 phases x 15 s of probing, ~1.5 min in all
    .venv/bin/python benchmarks/stall.py --seconds 5 --register-mb 1
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

HOST = "127.0.0.1"
TARGET_MS = 100.0
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
JSON = "application/sparql-results+json"


def register(megabytes: float) -> bytes:
    """A risk register in the organisation format (YAML) of about ``megabytes`` MB: impacts, each with a mitigation."""
    head = (
        "organisation: {id: bulk, name: Bulk Co, roles: [deployer]}\n"
        "systems:\n  - {id: s1, name: Assistant}\nimpacts:\n"
    )
    impacts: list[str] = []
    mitigations: list[str] = []
    size, n = len(head), 0
    while size < megabytes * 1_000_000:
        n += 1
        impact = (
            f"  - {{id: i{n}, system: s1, description: Impact number {n} on the people using the assistant, "
            f"rights: [privacy], severity: high, attribution: contribute}}\n"
        )
        mitigation = (
            f"  - {{id: m{n}, name: Mitigation {n}, category: technical-product, addresses: [i{n}], "
            f"actions: [prevent], status: planned}}\n"
        )
        impacts.append(impact)
        mitigations.append(mitigation)
        size += len(impact) + len(mitigation)
    return (head + "".join(impacts) + "mitigations:\n" + "".join(mitigations)).encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Client:
    """One keep-alive connection from its own loopback address."""

    def __init__(self, port: int, source: str, timeout: float) -> None:
        self.port, self.source, self.timeout = port, source, timeout
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(
                HOST, self.port, timeout=self.timeout, source_address=(self.source, 0)
            )
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            response = self.conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@dataclass
class Probe:
    name: str
    path: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        if not self.latencies:
            return f"  {self.name:<34} no answers; errors: {self.errors[:3]}"
        ms = sorted(x * 1000 for x in self.latencies)
        p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
        return (
            f"  {self.name:<34} {len(ms):>5} requests  {len(self.errors)} errors  p50 {statistics.median(ms):7.1f} ms  "
            f"p99 {p99:7.1f} ms  max {ms[-1]:7.1f} ms  p99/target {p99 / TARGET_MS:5.2f}"
        )


def query_path(sparql: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": sparql})


def health(port: int) -> dict[str, object]:
    conn = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        conn.request("GET", "/health")
        data: dict[str, object] = json.loads(conn.getresponse().read())
        return data
    finally:
        conn.close()


def start_server(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hrkg", "serve", "--host", HOST, "--port", str(port), "--no-access-log"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **env},
            start_new_session=True,
        )
    deadline = time.monotonic() + 120
    while True:
        with contextlib.suppress(OSError, ValueError, http.client.HTTPException):
            health(port)
            return proc, port
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(proc)
            sys.exit(f"hrkg did not start:\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.2)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def phase(
    name: str, env: dict[str, str], probes: list[Probe], upload: bytes, args: argparse.Namespace, tmp: Path
) -> list[Probe]:
    proc, port = start_server(env, tmp / f"{name}.log")
    stop = threading.Event()
    load: list[threading.Thread] = []
    outcomes: dict[str, list[int]] = {"runaway": [], "validation": []}
    try:
        pools = health(port)["pools"]
        assert isinstance(pools, dict)
        runaways = args.runaways or int(pools["query"]["workers"])
        # warm-up, before the load: each probe once (builds the named-query library; with the cache on, the answer
        # is in the cache from now on, as a popular lookup's would be)
        warm = Client(port, "127.0.0.250", timeout=60)
        for probe in probes:
            status, body = warm.request("GET", probe.path, headers={"Accept": JSON})
            if status != 200:
                sys.exit(f"{probe.name}: HTTP {status} {body[:200]!r}")
        warm.close()

        def keep_sending(kind: str, source: str, method: str, path: str, body: bytes | None, ctype: str) -> None:
            client = Client(port, source, timeout=120)
            try:
                while not stop.is_set():
                    try:
                        accept = JSON if kind == "runaway" else "application/json"  # a report
                        status, _ = client.request(method, path, body, {"Content-Type": ctype, "Accept": accept})
                        outcomes[kind].append(status)
                    except (OSError, http.client.HTTPException):
                        if stop.is_set():
                            return
                        time.sleep(0.2)
            finally:
                client.close()

        address = iter(range(2, 250))
        for i in range(runaways):
            # each text its own (a comment), so that no two are the same job
            path = query_path(f"{RUNAWAY} # {i}")
            args_ = ("runaway", f"127.0.0.{next(address)}", "GET", path, None, "")
            load.append(threading.Thread(target=keep_sending, args=args_, daemon=True))
        for _ in range(args.validations):
            args_ = ("validation", f"127.0.0.{next(address)}", "POST", "/validate", upload, "application/yaml")
            load.append(threading.Thread(target=keep_sending, args=args_, daemon=True))
        for thread in load:
            thread.start()
        # the load holds the workers: every query worker busy, the validation worker busy (its upload is parsed)
        deadline = time.monotonic() + 60
        while True:
            pools = health(port)["pools"]
            assert isinstance(pools, dict)
            if pools["query"]["busy"] >= runaways and pools["validation"]["busy"] >= min(1, args.validations):
                break
            if time.monotonic() > deadline:
                sys.exit(f"the load never held the workers: {pools}")
            time.sleep(0.1)
        print(f"\n== {name}: {runaways} runaway queries and {args.validations} validations of "
              f"{len(upload) / 1e6:.1f} MB running; /health pools: {json.dumps(pools)}", flush=True)  # fmt: skip

        probe_client = Client(port, f"127.0.0.{next(address)}", timeout=60)
        end = time.monotonic() + args.seconds
        sent = 0
        while time.monotonic() < end and sent < args.max_requests:
            probe = probes[sent % len(probes)]
            sent += 1
            _measure(probe_client, probe, probe.path)
            time.sleep(args.pause)
        probe_client.close()
        if name == "uncached":  # ad-hoc queries of new text: the express worker answers them
            adhoc = Probe("ad-hoc ASK, new text (/sparql)", "")
            adhoc_client = Client(port, f"127.0.0.{next(address)}", timeout=60)
            for i in range(args.adhoc):
                _measure(adhoc_client, adhoc, query_path(f"ASK {{}} # {i}"))
                time.sleep(args.pause)
            adhoc_client.close()
            probes = [*probes, adhoc]
        for probe in probes:
            print(probe.line(), flush=True)
        for kind, statuses in outcomes.items():
            counts = {s: statuses.count(s) for s in sorted(set(statuses))}
            print(f"  load: {kind} answers by status {counts}", flush=True)
        return probes
    finally:
        stop.set()
        stop_server(proc)
        for thread in load:
            thread.join(5)


def on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds through the finally blocks that stop the server


def _measure(client: Client, probe: Probe, path: str) -> None:
    """Send one GET of ``path`` and record its latency (or its error) on ``probe``."""
    t0 = time.perf_counter()
    try:
        status, body = client.request("GET", path, headers={"Accept": JSON})
    except (OSError, http.client.HTTPException) as exc:
        probe.errors.append(f"{type(exc).__name__}: {exc}")
        return
    elapsed = time.perf_counter() - t0
    if status == 200:
        probe.latencies.append(elapsed)
    else:
        probe.errors.append(f"HTTP {status} after {elapsed:.1f} s: {body[:120].decode(errors='replace')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runaways", type=int, default=0, help="runaway queries at once (default: query workers)")
    parser.add_argument("--validations", type=int, default=2, help="large validations at once")
    parser.add_argument("--register-mb", type=float, default=5.0, help="size of each validation upload")
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds of probing per phase")
    parser.add_argument("--max-requests", type=int, default=2000, help="at most this many probes per phase")
    parser.add_argument("--pause", type=float, default=0.02, help="seconds between two probes")
    parser.add_argument("--adhoc", type=int, default=200, help="ad-hoc ASKs of new text after the uncached phase")
    parser.add_argument("--phases", nargs="+", choices=["uncached", "cached"], default=["uncached", "cached"])
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, on_sigterm)
    upload = register(args.register_mb)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs")
    named = "/queries/rights"
    with tempfile.TemporaryDirectory(prefix="hrkg-bench-stall-") as tmp:
        results: list[tuple[str, Probe]] = []
        if "uncached" in args.phases:
            probes = phase("uncached", {"HRKG_CACHE_ENTRIES": "0"}, [Probe("named query (/queries/rights)", named)],
                           upload, args, Path(tmp))  # fmt: skip
            results += [("uncached", p) for p in probes]
        if "cached" in args.phases:
            probes = [Probe("named query (/queries/rights)", named), Probe("ASK {} (/sparql)", query_path("ASK {}"))]
            results += [("cached", p) for p in phase("cached", {}, probes, upload, args, Path(tmp))]
    print(f"\ntarget: p99 of a simple lookup < {TARGET_MS:g} ms with the load above")
    for name, probe in results:
        print(f"  {name:<9}{probe.line().strip()}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
