"""MkDocs hooks: the README's sections become the site's guide pages, so the guide has one source.

`mkdocs.yml` names this file under `hooks:`. At build time:

- the README's text before its first ``##`` heading becomes ``index.md``;
- each ``##`` section becomes ``guide/<slug>.md``, its headings raised one level;
- links into ``docs/`` are rewritten for the page's place in the site, and the README's link
  reference definitions (``[name]: url``) are copied onto every page that needs them;
- the navigation is built from those pages, then the hand-written pages and the API reference;
- Sphinx roles in docstrings (``:meth:`aclose```) are shown as plain code.

Nothing is written to the source tree: the pages are generated in memory.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

README = Path(__file__).resolve().parent.parent / "README.md"

# Hand-written pages in docs/, after the guide, with their navigation titles.
MORE_PAGES = [
    {"Architecture": "architecture.md"},
    {"The encryption envelope": "encryption.md"},
    {"Regenerating the client": "regenerating.md"},
    {"The tolerant reader": "tolerant-reader.md"},
    {"Threat model": "threat-model.md"},
]
REFERENCE_PAGES = [
    {"Client and user": "reference/client.md"},
    {"Value objects": "reference/models.md"},
    {"Errors": "reference/errors.md"},
    {"Encryption helpers": "reference/encryption.md"},
    {"Testing plugin": "reference/testing.md"},
]

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6}) (.*)$")
_REFERENCE_DEFINITION = re.compile(r"^\[([^\]]+)\]: \S+.*$")
_DOCS_LINK = re.compile(r"\]\(docs/")
# Sphinx roles in docstrings (:class:`Memory`) render as ":class:" before the code: drop them.
_SPHINX_ROLE = re.compile(r":(?:attr|class|data|exc|func|meth|mod|obj):(?=<code>)")
_SECTION_LINK = re.compile(r"\]\(#([a-z0-9-]+)\)")


def split_readme(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The README's intro (before the first ``##``) and its ``##`` sections as (title, body)."""
    intro: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    in_fence = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading is not None and heading.group(1) == "##":
            sections.append((heading.group(2).strip(), []))
            continue
        (sections[-1][1] if sections else intro).append(line)
    return "\n".join(intro), [(title, "\n".join(body)) for title, body in sections]


def slug(title: str) -> str:
    """A file name for a section title: ``Testing your own app`` -> ``testing-your-own-app``."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _raise_headings(body: str) -> str:
    lines = []
    in_fence = False
    for line in body.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        if not in_fence and line.startswith("##"):
            line = line[1:]
        lines.append(line)
    return "\n".join(lines)


def _page(
    title: str | None,
    body: str,
    *,
    docs_prefix: str,
    guide_prefix: str,
    references: dict[str, str],
    sections: set[str],
) -> str:
    body = _DOCS_LINK.sub(f"]({docs_prefix}", body)
    # A link to another README section (GitHub's heading anchor) goes to that section's page.
    body = _SECTION_LINK.sub(
        lambda m: f"]({guide_prefix}{m[1]}.md)" if m[1] in sections else m[0], body
    )
    body = "\n".join(line for line in body.splitlines() if not _REFERENCE_DEFINITION.match(line))
    used = [line for name, line in references.items() if f"[{name}]" in body]
    head = f"# {title}\n\n" if title is not None else ""
    tail = "\n\n" + "\n".join(used) + "\n" if used else "\n"
    return head + body.strip() + tail


def readme_pages(text: str) -> dict[str, tuple[str | None, str]]:
    """Site path -> (navigation title, Markdown) for every page made from the README."""
    references = {
        match.group(1): match.group(0)
        for match in map(_REFERENCE_DEFINITION.match, text.splitlines())
        if match is not None
    }
    intro, sections = split_readme(text)
    slugs = {slug(title) for title, _ in sections}
    pages: dict[str, tuple[str | None, str]] = {
        "index.md": (
            "Home",
            _page(
                None,
                intro,
                docs_prefix="",
                guide_prefix="guide/",
                references=references,
                sections=slugs,
            ),
        )
    }
    for title, body in sections:
        content = _page(
            title,
            _raise_headings(body),
            docs_prefix="../",
            guide_prefix="",
            references=references,
            sections=slugs,
        )
        pages[f"guide/{slug(title)}.md"] = (title, content)
    return pages


def on_config(config: MkDocsConfig, **_: Any) -> MkDocsConfig:
    """Build the navigation: home, the README's sections, the other pages, the reference."""
    pages = readme_pages(README.read_text(encoding="utf-8"))
    guide = [{title: path} for path, (title, _) in pages.items() if path.startswith("guide/")]
    config.nav = [
        {"Home": "index.md"},
        {"Guide": guide},
        *MORE_PAGES,
        {"API reference": REFERENCE_PAGES},
    ]
    return config


def on_files(files: Files, config: MkDocsConfig, **_: Any) -> Files:
    """Add the pages made from the README (in memory, never written to docs/)."""
    for path, (_, content) in readme_pages(README.read_text(encoding="utf-8")).items():
        files.append(File.generated(config, path, content=content))
    return files


def on_page_content(html: str, **_: Any) -> str:
    """Drop the Sphinx role names left in front of code by docstrings (``:meth:`aclose```)."""
    return _SPHINX_ROLE.sub("", html)
