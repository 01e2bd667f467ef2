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
from typing import ClassVar, Self


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


class _Endpoint:
    """A stand-in HTTP endpoint on 127.0.0.1 (a free port), in a thread; :meth:`answer` answers each request."""

    def __init__(self) -> None:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                endpoint.answer(self)

            do_GET = _answer
            do_POST = _answer

            def log_message(self, format: str, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, request: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    @staticmethod
    def reply(request: BaseHTTPRequestHandler, status: int, ctype: str, body: bytes, **headers: str) -> None:
        request.send_response(status)
        request.send_header("Content-Type", ctype)
        request.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(body)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class Recorder(_Endpoint):
    """A stand-in SPARQL endpoint that records every request and answers one fixed row."""

    ROW = "from-the-remote-endpoint"

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[str] = []

    def answer(self, request: BaseHTTPRequestHandler) -> None:
        self.requests.append(f"{request.command} {request.path}")
        body = json.dumps(
            {
                "head": {"vars": ["remote"]},
                "results": {"bindings": [{"remote": {"type": "literal", "value": Recorder.ROW}}]},
            }
        ).encode()
        self.reply(request, 200, "application/sparql-results+json", body)


class Redirector(_Endpoint):
    """An endpoint that answers every request with a redirect to ``target`` (and counts them)."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.requests = 0
        self.target = target

    def answer(self, request: BaseHTTPRequestHandler) -> None:
        self.requests += 1
        self.reply(request, 302, "text/plain", b"", Location=self.target)


class Garbage(_Endpoint):
    """An endpoint that answers 200 with something that is not SPARQL results: ``/html`` a web page, ``/truncated``
    SPARQL JSON cut off in the middle."""

    ANSWERS: ClassVar[dict[str, tuple[str, bytes]]] = {
        "/html": ("text/html", b"<html><body>Service temporarily unavailable</body></html>"),
        "/truncated": ("application/sparql-results+json", b'{"head":{"vars":["a"]},"results":{"bindings":[{"a":'),
    }

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0

    def answer(self, request: BaseHTTPRequestHandler) -> None:
        self.requests += 1
        ctype, body = Garbage.ANSWERS.get(request.path.split("?")[0], ("text/plain", b"?"))
        self.reply(request, 200, ctype, body)
