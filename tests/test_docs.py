"""The README stays a short front page whose commands work, and every relative link of the
README, the docs pages and the benchmarks' pages reaches a file, and a heading, that exists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from digestgen.cli import main

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
DOCS = REPO / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md")), *sorted((REPO / "benchmarks").glob("*.md"))]
BUILD_COMMAND = "python3 -m venv .venv && . .venv/bin/activate && pip install . && digestgen build"
VENV_COMMAND = "python3 -m venv .venv && . .venv/bin/activate"

# Links are read as GitHub and MkDocs read them: CommonMark with tables.
MARKDOWN = MarkdownIt("commonmark").enable("table")


def tokens(path: Path) -> list[Token]:
    return MARKDOWN.parse(path.read_text(encoding="utf-8"))


def walk(found: list[Token]) -> Iterator[Token]:
    """Every token of a parse, inline children included."""
    for token in found:
        yield token
        yield from walk(token.children or [])


def code_lines(path: Path) -> list[str]:
    """The lines of the page's fenced and indented code blocks."""
    return [
        line
        for token in tokens(path)
        if token.type in ("fence", "code_block")
        for line in token.content.splitlines()
    ]


def github_slug(text: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces
    turned to hyphens (MkDocs' strict build checks its own anchors in CI)."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors of a page's headings, repeats numbered as GitHub numbers them."""
    found = tokens(path)
    seen: dict[str, int] = {}
    result = set()
    for opening, inline in pairwise(found):
        if opening.type != "heading_open":
            continue
        text = "".join(
            c.content for c in walk(inline.children or []) if c.type in ("text", "code_inline")
        )
        slug = github_slug(text)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result


def links(path: Path) -> list[str]:
    """Every link and image target of a page, in order."""
    targets = []
    for token in walk(tokens(path)):
        if token.type == "link_open":
            targets.append(str(token.attrGet("href")))
        elif token.type == "image":
            targets.append(str(token.attrGet("src")))
    return targets


def broken_links(page: Path) -> list[str]:
    """The page's relative links whose file, or heading in a Markdown file, is missing."""
    broken = []
    for target in links(page):
        parts = urlsplit(target)
        if parts.scheme or parts.netloc:
            continue
        if parts.path.startswith("/"):
            broken.append(f"{target} (absolute: use a relative link)")
            continue
        file = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        if not file.exists():
            broken.append(f"{target} (no such file)")
        elif parts.fragment and file.suffix == ".md" and parts.fragment not in anchors(file):
            broken.append(f"{target} (no such heading in {file.name})")
    return broken


def test_the_readme_is_a_front_page() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines; move the detail to docs/"


def test_the_readme_names_the_command_that_builds_the_example_blog() -> None:
    assert BUILD_COMMAND in code_lines(README)


def test_the_readme_test_command_is_the_one_ci_runs() -> None:
    ci_lines = [line for line in (REPO / ".ci" / "run").read_text().splitlines() if line.strip()]
    test_command = ci_lines[ci_lines.index("# The README's test command:") + 1]
    readme = code_lines(README)
    assert test_command in readme, f".ci/run's test command is not in README.md: {test_command}"
    assert readme[readme.index(test_command) - 1] == VENV_COMMAND


def test_every_command_is_in_the_readme_table() -> None:
    table_cells = {
        token.content.strip() for token in walk(tokens(README)) if token.type == "code_inline"
    }
    missing = [
        name
        for name in main.commands
        if not any(cell.startswith(f"digestgen {name}") for cell in table_cells)
    ]
    assert missing == []


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(REPO).as_posix())
def test_every_relative_link_has_its_target(page: Path) -> None:
    assert broken_links(page) == []


def nav_pages(entries: object) -> Iterator[str]:
    """The page files named in mkdocs.yml's ``nav``, however deep."""
    if isinstance(entries, str):
        yield entries
    elif isinstance(entries, list):
        for entry in entries:
            yield from nav_pages(entry)
    elif isinstance(entries, dict):
        for value in entries.values():
            yield from nav_pages(value)


def test_the_site_navigation_holds_every_page_once() -> None:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = list(nav_pages(config["nav"]))
    assert sorted(listed) == sorted(page.name for page in DOCS.glob("*.md"))
