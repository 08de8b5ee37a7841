"""memoram_local as its own import package: independent of the SDK, cheap to import, and a
command that says what to install when the `[local]` extra is missing."""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import memoram_local

ROOT = Path(__file__).resolve().parents[2]
EXTRA_MODULES = ("starlette", "uvicorn", "jwt", "jinja2")


def _python(code: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )


def test_memoram_local_imports_nothing_from_the_sdk() -> None:
    """Every module of memoram_local loads without memoram_async being imported."""
    names = [f"memoram_local.{info.name}" for info in pkgutil.iter_modules(memoram_local.__path__)]
    names.remove("memoram_local.__main__")
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        "sdk = ('memoram_async', 'memoram_api')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in sdk))"
    )
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert len(names) > 15


def test_importing_the_package_loads_no_server_dependency() -> None:
    """`import memoram_local` is cheap: starlette, uvicorn, PyJWT and jinja2 load on first use."""
    code = (
        "import sys, memoram_local\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {EXTRA_MODULES!r}))\n"
        "memoram_local.LocalServer\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'starlette', 'uvicorn', 'jwt'}))"
    )
    result = _python(code)
    assert result.returncode == 0, result.stderr
    before, after = result.stdout.splitlines()
    assert before == "[]"
    assert after == str(sorted(["jwt", "starlette", "uvicorn"]))


def test_old_import_path_warns_and_gives_the_same_objects() -> None:
    """`memoram_async.local` still works, with a DeprecationWarning naming memoram_local."""
    sys.modules.pop("memoram_async.local", None)
    with pytest.warns(DeprecationWarning, match=r"import from memoram_local"):
        import memoram_async.local as old
    assert old.LocalServer is memoram_local.LocalServer
    assert old.DEV_API_KEY == memoram_local.DEV_API_KEY
    assert old.create_app is memoram_local.create_app
    with pytest.raises(AttributeError):
        _ = old.no_such_name  # type: ignore[attr-defined]


def test_old_module_command_runs_the_new_one_and_names_it() -> None:
    """`python -m memoram_async.local` still runs the local server's command, and says on
    stderr (where a DeprecationWarning would be hidden) what to run instead."""
    result = subprocess.run(
        [sys.executable, "-m", "memoram_async.local", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: memoram-local")
    assert result.stderr.splitlines() == [
        "memoram_async.local is deprecated: run `python -m memoram_local` (or `memoram-local`)"
    ]


def test_unknown_name_is_an_attribute_error() -> None:
    """The lazy package answers AttributeError for names it does not have."""
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = memoram_local.no_such_name  # type: ignore[attr-defined]
    assert "LocalServer" in dir(memoram_local)


@pytest.fixture
def without_the_extra(tmp_path: Path) -> dict[str, str]:
    """An environment in which the `[local]` extra's modules cannot be imported."""
    for module in EXTRA_MODULES:
        (tmp_path / f"{module}.py").write_text(
            f"raise ImportError('stub: {module} is not installed', name={module!r})\n"
        )
    return {**os.environ, "PYTHONPATH": str(tmp_path)}


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["memoram-local"], id="console-script"),
        pytest.param([sys.executable, "-m", "memoram_local"], id="python-m"),
    ],
)
def test_command_without_the_extra_prints_one_line_and_exits_2(
    command: list[str], without_the_extra: dict[str, str]
) -> None:
    """Without the [local] extra the command prints one install line on stderr and exits 2."""
    if command[0] == "memoram-local":
        script = shutil.which("memoram-local", path=str(Path(sys.executable).parent))
        assert script is not None, "the console script is not installed"
        command = [script]
    result = subprocess.run(
        [*command, "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env=without_the_extra,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert 'pip install "memoram-async[local]"' in lines[0]
    assert "starlette" in lines[0]
    assert "PyJWT" in lines[0]


def test_no_module_is_over_400_lines() -> None:
    """The emulator keeps to the style's module size (one concern, at most 400 lines)."""
    sizes = {
        path.name: len(path.read_text().splitlines())
        for path in (ROOT / "memoram_local").glob("*.py")
    }
    assert max(sizes.values()) <= 400, sizes
