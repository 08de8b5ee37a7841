"""The documentation site builds with warnings as errors and documents every public name."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

import memoram_async
import memoram_async.testing
import memoram_pytest

ROOT = Path(__file__).resolve().parents[2]
# The reference is read from the public import paths: the private modules behind them move.
PUBLIC_MODULES = (memoram_async, memoram_async.testing, memoram_pytest)
# A script, image or <link> (stylesheet, font, icon) whose address is on another host.
EXTERNAL_ASSET = re.compile(
    r'<(?:script|img)\b[^>]*\bsrc="(?:https?:)?//|<link\b[^>]*\bhref="(?:https?:)?//'
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once with ``mkdocs build --strict`` into a temporary folder."""
    site_dir = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return site_dir


def inventory(site_dir: Path) -> dict[str, str]:
    """The documented objects: name -> page, from the site's Sphinx-style ``objects.inv``."""
    header_lines = 4  # version, project, version, "compressed using zlib"
    raw = (site_dir / "objects.inv").read_bytes().split(b"\n", header_lines)
    assert raw[0] == b"# Sphinx inventory version 2"
    entries: dict[str, str] = {}
    for line in zlib.decompress(raw[header_lines]).decode().splitlines():
        name, _domain, _priority, uri, *_ = line.split(" ")
        entries.setdefault(name, uri)
    return entries


def _own_public_members(cls: type) -> set[str]:
    """The public methods, properties and fields a class of ours defines itself."""
    members = set()
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        if callable(value) or isinstance(value, property | classmethod | staticmethod):
            members.add(name)
    # attrs fields (slots) and annotated attributes.
    members.update(n for n in getattr(cls, "__annotations__", {}) if not n.startswith("_"))
    return members


def public_names() -> list[str]:
    """Every public name users import, and the public members of each public class."""
    names = []
    for module in PUBLIC_MODULES:
        for name in module.__all__:
            names.append(f"{module.__name__}.{name}")
            value = getattr(module, name)
            if inspect.isclass(value) and value.__module__.startswith("memoram_async"):
                names += [f"{module.__name__}.{name}.{m}" for m in _own_public_members(value)]
    return sorted(names)


def test_every_public_name_is_in_the_reference(site: Path) -> None:
    """Each name in __all__ (and each public member of its classes) has a reference entry."""
    documented = inventory(site)
    missing = [name for name in public_names() if name not in documented]
    assert not missing, f"not in docs/reference/*.md: {missing}"


def test_the_check_sees_a_missing_name(site: Path) -> None:
    """The inventory comparison is not blind: a name nobody documented is reported missing."""
    documented = inventory(site)
    assert "memoram_async.MemoramClient.request_access" in documented
    assert "memoram_async.UserMemories.update_memory" in documented
    assert "memoram_async.NoSuchThing" not in documented


def test_reference_pages_use_public_import_paths(site: Path) -> None:
    """Every object is anchored at its public path (memoram_async.X), never at a private module."""
    documented = inventory(site)
    for name in public_names():
        assert "#memoram_async._" not in documented.get(name, ""), name
    html = (site / "reference" / "client.html").read_text(encoding="utf-8")
    assert 'id="memoram_async.MemoramClient"' in html
    assert 'id="memoram_async._client.MemoramClient"' not in html


def test_docstring_roles_render_as_code(site: Path) -> None:
    """A docstring's :meth:`aclose` is shown as the code ``aclose``, without the role name."""
    html = (site / "reference" / "client.html").read_text(encoding="utf-8")
    assert "<code>aclose</code>" in html
    for page in (site / "reference").glob("*.html"):
        assert re.search(r":[a-z]+:<code>", page.read_text(encoding="utf-8")) is None, page.name


def test_readme_sections_are_guide_pages(site: Path) -> None:
    """Each ``##`` section of the README is a guide page, its links into docs/ still working."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    readme = re.sub(r"^```.*?^```", "", readme, flags=re.DOTALL | re.MULTILINE)  # no code
    titles = re.findall(r"^## (.+)$", readme, re.MULTILINE)
    assert "Testing your own app" in titles
    for title in titles:
        page = site / "guide" / (re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") + ".html")
        assert page.is_file(), title
        assert f">{title}<" in page.read_text(encoding="utf-8"), title
    encryption = (site / "guide" / "encryption.html").read_text(encoding="utf-8")
    assert 'href="../encryption.html"' in encryption
    assert "Prefers window seats" in (site / "index.html").read_text(encoding="utf-8")


def test_the_site_loads_nothing_from_other_hosts(site: Path) -> None:
    """No web font, script, stylesheet or image comes from another host: the site works offline."""
    pages = list(site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert EXTERNAL_ASSET.search(text) is None, page.name
        assert "fonts.googleapis" not in text, page.name


# Public methods that cannot fail: no Raises table is expected for them.
RAISES_NOTHING = {
    "memoram_async.Credentials.to_dict",
    "memoram_async.MemoryIterator.failed_ids",
    "memoram_async.Secret.reveal",
    "memoram_async.Secret.reveal_redacted",
    "memoram_async.is_envelope",
}


def public_callables() -> dict[str, inspect.Signature]:
    """Every public function and method of memoram_async, with its signature."""
    found: dict[str, inspect.Signature] = {}
    for name in memoram_async.__all__:
        value = getattr(memoram_async, name)
        if inspect.isfunction(value):
            found[f"memoram_async.{name}"] = inspect.signature(value)
        elif inspect.isclass(value):
            for member, attr in vars(value).items():
                func = attr.__func__ if isinstance(attr, classmethod | staticmethod) else attr
                if not member.startswith("_") and inspect.isfunction(func):
                    found[f"memoram_async.{name}.{member}"] = inspect.signature(func)
    return found


def rendered(site: Path, name: str) -> str:
    """The text of one object's entry in the reference, up to the next object's heading."""
    page = site / inventory(site)[name].split("#")[0]
    text = page.read_text(encoding="utf-8")
    start = text.index(f'id="{name}"')
    end = text.find("doc-heading", start + len(name) + 20)
    plain = re.sub(r"<[^>]+>", " ", text[start : end if end > 0 else None])
    return re.sub(r"\s+", " ", plain)


def test_every_public_method_shows_parameters_returns_and_raises(site: Path) -> None:
    """Each public function and method has a Parameters table (when it takes any), a Returns
    table (when it returns something) and a Raises table (unless it cannot fail)."""
    gaps = []
    for name, signature in public_callables().items():
        entry = rendered(site, name)
        params = [p for p in signature.parameters if p not in ("self", "cls")]
        returns = signature.return_annotation not in (None, "None", inspect.Signature.empty)
        wanted = {
            "Parameters:": bool(params),
            "Returns:": returns,
            "Raises:": name not in RAISES_NOTHING,
        }
        gaps += [
            f"{name}: {title}" for title, needed in wanted.items() if needed and title not in entry
        ]
    assert gaps == []


def test_defaults_are_shown_as_values(site: Path) -> None:
    """Signatures show a default's value (max_retries = 2), never the constant's name."""
    client = rendered(site, "memoram_async.MemoramClient")
    assert "max_retries : int = 2" in client or "max_retries: int = 2" in client
    pages = "".join(p.read_text(encoding="utf-8") for p in (site / "reference").glob("*.html"))
    assert re.findall(r"\b(?:DEFAULT|MAX|APPROVAL|REENCRYPT)_[A-Z_]+\b", pages) == [
        "DEFAULT_BASE_URL"
    ] * len(re.findall(r"\bDEFAULT_BASE_URL\b", pages))
