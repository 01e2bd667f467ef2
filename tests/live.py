"""Real servers on 127.0.0.1 for tests: `hrkg serve` in a subprocess, and a recording stand-in SPARQL endpoint."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def hrkg_process(env: Mapping[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`python -m hrkg serve` on a free loopback port, with extra HRKG_* settings; yields the base URL and the
    process (its stderr goes to a temporary file, so that a chatty server never blocks on a full pipe)."""
    port = free_port()
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hrkg", "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env={**os.environ, **(env or {})},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(base + "/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        proc.kill()
                        proc.wait()
                        stderr.seek(0)
                        raise RuntimeError(f"server did not start: {stderr.read().decode()}") from None
                    time.sleep(0.2)
            yield base, proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def hrkg_server(env: Mapping[str, str] | None = None) -> Iterator[str]:
    """`python -m hrkg serve` on a free loopback port, with extra HRKG_* settings; yields the base URL."""
    with hrkg_process(env) as (base, _):
        yield base


class Recorder:
    """A stand-in SPARQL endpoint on 127.0.0.1 that records every request and answers one fixed row."""

    ROW = "from-the-remote-endpoint"

    def __init__(self) -> None:
        self.requests: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                recorder.requests.append(f"{self.command} {self.path}")
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                body = json.dumps(
                    {
                        "head": {"vars": ["remote"]},
                        "results": {"bindings": [{"remote": {"type": "literal", "value": Recorder.ROW}}]},
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = _answer
            do_POST = _answer

            def log_message(self, format: str, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Recorder:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class Redirector:
    """An endpoint on 127.0.0.1 that answers every request with a redirect to ``target`` (and counts them)."""

    def __init__(self, target: str) -> None:
        self.requests = 0
        redirector = self

        class Handler(BaseHTTPRequestHandler):
            def _redirect(self) -> None:
                redirector.requests += 1
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = _redirect
            do_POST = _redirect

            def log_message(self, format: str, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Redirector:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class Garbage:
    """An endpoint on 127.0.0.1 that answers 200 with something that is not SPARQL results: ``/html`` a web page,
    ``/truncated`` SPARQL JSON cut off in the middle."""

    ANSWERS: ClassVar[dict[str, tuple[str, bytes]]] = {
        "/html": ("text/html", b"<html><body>Service temporarily unavailable</body></html>"),
        "/truncated": ("application/sparql-results+json", b'{"head":{"vars":["a"]},"results":{"bindings":[{"a":'),
    }

    def __init__(self) -> None:
        self.requests = 0
        garbage = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                garbage.requests += 1
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                ctype, body = Garbage.ANSWERS.get(self.path.split("?")[0], ("text/plain", b"?"))
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = _answer
            do_POST = _answer

            def log_message(self, format: str, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Garbage:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
