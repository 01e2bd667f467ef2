"""The layout's promises that import-linter cannot see (it reads import statements, not what Python loads)."""

from __future__ import annotations

import json
import subprocess
import sys


def _loaded_by(module: str) -> set[str]:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out))


def test_a_worker_process_starts_without_the_web_framework() -> None:
    """A worker (python -m hrkg.service.workers) lives inside hrkg.service, whose package must not pull in FastAPI:
    that doubled every worker's start-up time, so a replaced express worker came back too late to be express."""
    loaded = _loaded_by("hrkg.service.workers.worker")
    assert "hrkg.service.workers.jobs" in loaded
    assert not {m for m in loaded if m.split(".")[0] in ("fastapi", "starlette", "uvicorn")}
    assert "hrkg.service.app" not in loaded


def test_the_command_line_starts_without_the_engines() -> None:
    """`hrkg --help` stays quick: the CLI module loads neither the service nor the validation engines."""
    loaded = _loaded_by("hrkg.cli")
    assert not {m for m in loaded if m.startswith(("hrkg.service", "hrkg.validation", "fastapi", "pyshacl"))}
