"""The release: `python -m build` makes a wheel and an sdist that install and run in a venv.

The build runs without isolation on the pinned hatchling of .venv. The venv the wheel goes into
shares nothing with .venv: the base interpreter makes it, and an installer (the uv that
`make venv` puts beside .venv's python, or pip without it) installs the wheel from the local
dist folder with its [local] extra and every dependency resolved from the package index, as a
user's installer would, so a dependency the wheel forgets to declare (or one the generated
client needs, such as python-dateutil for another generator) fails here as it would for users.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

import memoram_async

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
STEP_TIMEOUT = 300
UV = Path(sys.executable).with_name("uv")

# Building, installing and running the demo happen in fixtures, which count toward the timeout.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a command; fail the test with its output when it fails."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel (built from the sdist) of the working tree."""
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT, cwd=out)
    return out


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    """The one wheel."""
    (found,) = dist.glob("*.whl")
    return found


def base_python() -> str:
    """The interpreter .venv was made from (never .venv's own python)."""
    found = getattr(sys, "_base_executable", None) or shutil.which("python3")
    assert found is not None
    return str(found)


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv sharing nothing with .venv: the wheel and its [local] extra from the index."""
    home = tmp_path_factory.mktemp("venv")
    python = home / "venv" / "bin" / "python"
    if UV.exists():
        # uv needs no pip in the venv: about 3 s in all, against 12 s for ensurepip and pip.
        run(base_python(), "-m", "venv", "--without-pip", home / "venv", cwd=home)
        run(UV, "pip", "install", "--quiet", "--python", python, f"{wheel}[local]", cwd=home)
    else:
        run(base_python(), "-m", "venv", home / "venv", cwd=home)
        run(python, "-m", "pip", "install", "--quiet", f"{wheel}[local]", cwd=home)
    return python


def released_version() -> str:
    """The last release, as release/VERSION records it."""
    return (ROOT / "release" / "VERSION").read_text().strip()


def test_release_state_is_recorded_beside_the_changelog() -> None:
    """release/ records a version with its CHANGELOG heading; pyproject is at it or later."""
    release = released_version()
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert re.search(rf"^## \[{re.escape(release)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, re.M)
    assert tuple(map(int, VERSION.split("."))) >= tuple(map(int, release.split(".")))
    assert getattr(memoram_async, "__version__", VERSION) == VERSION
    for name in ("openapi.yaml", "GENERATOR", "public-api.json"):
        assert (ROOT / "release" / name).stat().st_size > 0, name


def test_ci_runs_every_declared_python() -> None:
    """ci.yml's matrix is exactly the Python versions pyproject.toml's classifiers declare."""
    import yaml

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    prefix = "Programming Language :: Python :: 3."
    declared = {
        c.removeprefix("Programming Language :: Python :: ")
        for c in project["classifiers"]
        if c.startswith(prefix)
    }
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    matrix = set(workflow["jobs"]["test"]["strategy"]["matrix"]["python"])
    assert matrix == declared
    assert project["requires-python"] == f">={min(declared, key=lambda v: int(v.split('.')[1]))}"


def test_wheel_holds_both_packages_typed(wheel: Path) -> None:
    """The wheel ships memoram_async, memoram_local (templates, static), memoram_api, the plugin,
    each with its py.typed, and the MIT license."""
    assert wheel.name == f"memoram_async-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = archive.read(f"memoram_async-{VERSION}.dist-info/entry_points.txt")
    for path in (
        "memoram_async/__init__.py",
        "memoram_async/py.typed",
        "memoram_local/__init__.py",
        "memoram_local/py.typed",
        "memoram_local/templates/page.html",
        "memoram_local/templates/tables.html",
        "memoram_local/static/dashboard.js",
        "memoram_local/static/dashboard.css",
        "memoram_async/testing/__init__.py",
        "memoram_pytest/__init__.py",
        "memoram_pytest/py.typed",
        "memoram_api/__init__.py",
        "memoram_api/py.typed",
        "memoram_api/api/memory_management/create_memory.py",
        f"memoram_async-{VERSION}.dist-info/licenses/LICENSE",
    ):
        assert path in names, path
    assert not [name for name in names if name.startswith(("tests/", "generated/", "examples/"))]
    assert b"memoram-local = memoram_local._cli:main" in entry_points
    assert b"[pytest11]\nmemoram_async = memoram_pytest" in entry_points


def test_sdist_holds_the_spec_and_the_generated_client(dist: Path) -> None:
    """The sdist carries openapi.yaml, generated/ and the changelog, so it can rebuild."""
    (sdist,) = dist.glob("*.tar.gz")
    top = f"memoram_async-{VERSION}/"
    with tarfile.open(sdist) as archive:
        names = set(archive.getnames())
    for path in (
        "openapi.yaml",
        "openapi-python-client.yaml",
        "generated/memoram_api/__init__.py",
        "generated/memoram_api/py.typed",
        "memoram_async/__init__.py",
        "CHANGELOG.md",
        "README.md",
        "LICENSE",
        "pyproject.toml",
    ):
        assert top + path in names, path


def test_installed_wheel_runs_the_quickstart_against_its_local_server(
    venv: Path, tmp_path: Path
) -> None:
    """From the fresh venv (not this checkout), memoram-local serves and the quickstart passes."""
    where = run(
        venv,
        "-c",
        "import memoram_async, memoram_api, memoram_local;"
        "print(memoram_async.__file__); print(memoram_api.__file__)",
        cwd=tmp_path,
    )
    site = str(venv.parent.parent / "lib")
    assert all(line.startswith(site) for line in where.stdout.splitlines()), where.stdout
    paths = json.loads(
        run(venv, "-c", "import json, sys; print(json.dumps(sys.path))", cwd=tmp_path).stdout
    )
    borrowed = [p for p in paths if p.startswith((str(ROOT), sys.prefix))]
    assert not borrowed, borrowed
    # scripts/demo.py runs `python -m memoram_local` and the quickstart with this venv.
    demo = run(venv, ROOT / "scripts" / "demo.py", cwd=tmp_path)
    assert "app    | The user now has 2 memories. Done." in demo.stdout
    assert "demo   | Stopped the local server (exit status 0)." in demo.stdout
    cli = run(venv.parent / "memoram-local", "--help", cwd=tmp_path)
    assert "--auto-approve" in cli.stdout
