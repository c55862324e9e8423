"""The README stays a short front page whose commands work, every relative link of the
README, the docs pages and the benchmarks' pages reaches a file, and a heading, that exists,
and the docs name what the code has: every config key with its default, every front matter
key, every theme file and every command option."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import MISSING, asdict, fields, is_dataclass
from itertools import pairwise
from pathlib import Path
from urllib.parse import unquote, urlsplit

import click
import pytest
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from digestgen.cli import main
from digestgen.config import SiteConfig
from digestgen.content.frontmatter import FRONT_MATTER_KEYS
from digestgen.render.templates import THEME_DIR
from digestgen.site.listings import stable_pages

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


def table_rows(path: Path) -> list[list[Token]]:
    """The body rows of every table of a page, each as the inline tokens of its cells."""
    rows: list[list[Token]] = []
    row: list[Token] = []
    in_body = False
    for token in tokens(path):
        if token.type in ("tbody_open", "tbody_close"):
            in_body = token.type == "tbody_open"
        elif token.type == "tr_open":
            row = []
        elif token.type == "inline" and in_body:
            row.append(token)
        elif token.type == "tr_close" and in_body:
            rows.append(row)
    return rows


def code_spans(cell: Token) -> list[str]:
    """The code spans of a table cell, in order."""
    return [child.content for child in walk(cell.children or []) if child.type == "code_inline"]


def as_written(key: str, value: object) -> object:
    """A config default as YAML would give it back from the docs' table."""
    if key == "url_aliases" and isinstance(value, tuple):
        return dict(value)  # written as a mapping of host names
    if is_dataclass(value) and not isinstance(value, type):
        return {k: as_written(k, v) for k, v in asdict(value).items()}
    return list(value) if isinstance(value, tuple) else value


def test_every_config_key_is_documented_with_its_default() -> None:
    defaults = {f.name: f.default for f in fields(SiteConfig)}
    documented: dict[str, object] = {}
    for key_cell, default_cell, *_ in table_rows(DOCS / "configuration.md"):
        keys = [k for k in code_spans(key_cell) if k in defaults]
        if default_cell.content == "required":
            documented.update((key, MISSING) for key in keys)
            continue
        written = [yaml.safe_load(text) for text in code_spans(default_cell)]
        assert len(written) == len(keys), f"{keys}: {default_cell.content}"
        documented.update(zip(keys, written, strict=True))
    assert sorted(documented) == sorted(defaults), "keys missing from docs/configuration.md"
    wrong = {
        key: (value, as_written(key, defaults[key]))
        for key, value in documented.items()
        if value != as_written(key, defaults[key])
    }
    assert wrong == {}, "(documented, actual) defaults that differ"


def test_every_front_matter_key_is_in_the_format_table() -> None:
    rows = table_rows(DOCS / "format.md")
    documented = {span for row in rows for span in code_spans(row[0])}
    assert set(FRONT_MATTER_KEYS) <= documented, set(FRONT_MATTER_KEYS) - documented


def test_every_theme_file_is_named_in_the_templates_page() -> None:
    page = DOCS / "templates.md"
    named = {child.content for child in walk(tokens(page)) if child.type == "code_inline"}
    theme = [
        path.relative_to(folder).as_posix()
        for folder in (THEME_DIR / "templates", THEME_DIR / "static")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]
    assert theme and [name for name in theme if name not in named] == []


OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def test_every_command_option_is_documented() -> None:
    """Each option of each command is in a code span or code block of the README or the
    docs pages."""
    written: set[str] = set()
    for page in [README, *DOCS.glob("*.md")]:
        spans = [t.content for t in walk(tokens(page)) if t.type == "code_inline"]
        for text in [*spans, *code_lines(page)]:
            written.update(OPTION.findall(text))
    missing = [
        f"digestgen {name} {option}"
        for name, command in main.commands.items()
        for param in command.params
        if isinstance(param, click.Option)
        for option in param.opts
        if option not in written
    ]
    assert missing == []


def test_the_stable_pages_example_is_what_the_build_cuts() -> None:
    """docs/output.md's worked example: a site of N links, its numbered pages and what
    its first page holds, then after 12 and 13 more links."""
    text = " ".join((DOCS / "output.md").read_text(encoding="utf-8").split())
    found = re.search(
        r"a site of ([\d,]+) links has `links/page/1/` to `links/page/(\d+)/`, 50 links each, "
        r"and `links/` holds the newest (\d+)\. The next 12 links change `links/` alone, which "
        r"then holds (\d+); the 13th makes `links/page/(\d+)/` out of the oldest 50 of those "
        r"100, and `links/` holds the newest (\d+)\.",
        text,
    )
    assert found is not None, "the worked example in docs/output.md changed its wording"
    total, last, first, then, made, after = (int(g.replace(",", "")) for g in found.groups())

    def cut(count: int) -> tuple[int, int]:
        pages = stable_pages("links/", count, 50)
        assert pages[-1].number is None and all(p.stop - p.start == 50 for p in pages[:-1])
        return len(pages) - 1, pages[-1].stop - pages[-1].start

    assert cut(total) == (last, first)
    assert cut(total + 12) == (last, then)
    assert cut(total + 13) == (made, after)
