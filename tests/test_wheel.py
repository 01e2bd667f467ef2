"""The built wheel works outside the repository: it carries the ontology, shapes, queries and data it reads.

The wheel is built from this checkout (`pip wheel`, hatchling's force-include puts ontology/, shapes/, queries/
and data/ under hrkg/_resources) and installed without dependencies into a new venv; the dependencies come from
the test venv through a .pth line naming its site-packages directory, which adds that one directory and none of
the .pth files in it, so the editable install's pointer to src/ is never read (and installing them from the index
would take a minute and the network; the lowest- and newest-versions jobs of .ci/run install them from the index).
Every command runs from a temporary folder with no PYTHONPATH, as a user who has only the wheel would run it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from live import free_port

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Installed:
    venv: Path
    site: Path
    cwd: Path

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.venv / "bin" / args[0]), *args[1:]],
            cwd=self.cwd,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=check,
        )

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
        return {**env, "PATH": f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = dist.glob("hrkg-*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (site / "zz-test-venv-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    cwd = base / "user"
    cwd.mkdir()
    return Installed(venv, site, cwd)


def test_the_package_and_its_files_come_from_the_wheel(installed: Installed) -> None:
    probe = (
        "import json, hrkg, hrkg.resources as r; "
        "print(json.dumps([hrkg.__file__, str(r.resources().root), hrkg.__version__]))"
    )
    module, root, version = json.loads(installed.run("python", "-c", probe).stdout)
    package = installed.site / "hrkg"
    assert Path(module) == package / "__init__.py"
    assert Path(root) == package / "_resources"
    assert not Path(module).is_relative_to(ROOT)
    for name in ("ontology/core.ttl", "shapes", "queries/appropriate-actions.rq", "data/context.jsonld"):
        assert (package / "_resources" / name).exists(), name
    import hrkg

    assert version == hrkg.__version__


def test_a_named_query(installed: Installed) -> None:
    result = installed.run("hrkg", "query", "appropriate-actions", "--param", "attribution=cause", "--format", "json")
    rows = json.loads(result.stdout)["results"]["bindings"]
    assert [row["action"]["value"].rsplit("/", 1)[-1] for row in rows] == ["cease", "prevent", "remedy"]


def test_validate_an_example(installed: Installed) -> None:
    examples = installed.site / "hrkg" / "_resources" / "data" / "examples"
    broken = shutil.copy(examples / "broken-causing-deployer.yaml", installed.cwd / "register.yaml")
    result = installed.run("hrkg", "validate", Path(broken).name, "--format", "json", check=False)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    assert "cause-requires-remedy" in {f["rule"] for f in report["findings"]}
    good = sorted(p for p in examples.glob("*.yaml") if not p.name.startswith("broken-"))[0]
    shutil.copy(good, installed.cwd / "good.yaml")
    result = installed.run("hrkg", "validate", "good.yaml", check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_serve(installed: Installed) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = installed.cwd / "serve.log"
    with log.open("wb") as stderr:
        proc = subprocess.Popen(
            [str(installed.venv / "bin" / "hrkg"), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=installed.cwd,
            env=installed.env(),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(base + "/health", timeout=2) as r:
                    health = json.load(r)
                    break
            except OSError:
                assert proc.poll() is None, f"hrkg serve exited: {log.read_text()}"
                assert time.monotonic() < deadline, f"hrkg serve did not start: {log.read_text()}"
                time.sleep(0.3)
        assert health
        ask = urllib.parse.urlencode({"query": "ASK { ?s a <https://w3id.org/hrkg#MitigationCategory> }"})
        request = urllib.request.Request(f"{base}/sparql?{ask}", headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=30) as r:
            assert json.load(r)["boolean"] is True
    finally:
        proc.terminate()
        try:
            # hrkg serve stops its workers and exits 128 + SIGTERM, as a process ended by the signal would
            assert proc.wait(timeout=20) in (0, 128 + signal.SIGTERM), log.read_text()
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
