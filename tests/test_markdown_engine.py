"""The Markdown engine: markdown-it-py's tokens as our tree, and one HTML.

These tests hold our renderer to markdown-it-py's own HTML on real and generated
Markdown, with the one rule we take from CommonMark's reference renderer (see ``PY``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from archivegen import generate_archive
from conftest import FIXTURES_DIR, REPO_ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt as PyMarkdownIt
from markdown_it.token import Token

from digestgen.config import load_config
from digestgen.content.parse import parse_digest
from digestgen.errors import DigestError
from digestgen.markdown.engine import Engine, LineMap, Node, parse_tree_py
from digestgen.markdown.html import HtmlRenderer

ENGINE = Engine()
PY = PyMarkdownIt("commonmark", {"html": True, "xhtmlOut": False}).enable(
    ["table", "strikethrough"]
)


def _after_hidden_paragraph(name: str) -> None:
    """Makes ``PY`` start a fence, code or HTML block on a new line after a tight list's
    hidden paragraph, as CommonMark's reference renderer (commonmark.js) does;
    markdown-it-py does it only for the blocks of its generic tag rule
    (``renderToken``), with this same test."""
    default = PY.renderer.rules[name]

    def rule(self: object, tokens: list[Token], idx: int, options: object, env: object) -> str:
        lead = "\n" if idx and tokens[idx - 1].hidden else ""
        return lead + str(default(tokens, idx, options, env))

    PY.add_render_rule(name, rule)


for _name in ("fence", "code_block", "html_block"):
    _after_hidden_paragraph(_name)

CONFIG = load_config(REPO_ROOT)

Dump = list[tuple[object, ...]]


def dump(nodes: list[Node], lines: LineMap) -> Dump:
    """A node tree as plain data, offsets as lines (markdown-it-py knows lines only)."""
    return [
        (
            n.name,
            n.content,
            n.url,
            n.title,
            n.info,
            n.number,
            n.align,
            lines.line(n.offset),
            dump(n.children, lines),
        )
        for n in nodes
    ]


def _ended(body: str) -> str:
    return body if body.endswith("\n") or not body else body + "\n"


def assert_same(body: str) -> None:
    """Our tree of ``body`` renders as markdown-it-py renders the body itself."""
    body = _ended(body)
    assert HtmlRenderer(unsafe_html=True).blocks(ENGINE.parse(body)) == PY.render(body)


def _bodies(paths: list[Path]) -> list[str]:
    return [path.read_text(encoding="utf-8") for path in paths]


def test_fixtures_and_example_digests() -> None:
    paths = sorted(FIXTURES_DIR.glob("*.md")) + sorted((REPO_ROOT / "digests").glob("*.md"))
    assert len(paths) > 15
    for body in _bodies(paths):
        assert_same(body)


def test_every_haskell_weekly_issue(corpus_dir: Path) -> None:
    paths = sorted((corpus_dir / "digests").glob("*.md"))
    assert len(paths) == 538
    for body in _bodies(paths):
        assert_same(body)


PIECES = [
    "- ",
    "* ",
    "1. ",
    "3) ",
    "  ",
    "    ",
    "> ",
    "## ",
    "### ",
    "#### ",
    '[a](https://ex.com/x_(y) "t")',
    "[b][r]",
    "[r]: https://ex.org/ü 'T'\n",
    "<https://ex.com/?q=1&r=2>",
    "<a@b.co>",
    "![alt *x*](i.png)",
    "[喵](https://喵世界.net/a)",
    "`code`",
    "``",
    "`",
    "[",
    "]",
    "*em*",
    "__strong__",
    "~~del~~",
    "&amp;",
    "&copy;",
    "\\*",
    "<b>",
    "</b>",
    "<!-- c -->",
    "<div>\n",
    "</div>\n",
    "```py\n",
    "```\n",
    "~~~\n",
    "---\n",
    "***\n",
    "| a | b |\n",
    "|:-|-:|\n",
    "| 1 | `c` |\n",
    "text ",
    "é ",
    "#tag ",
    "  \n",
    "\n",
    "\n\n",
    "\t",
]
MARKDOWN = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


def test_generated_digests(tmp_path: Path) -> None:
    generate_archive(tmp_path, count=40, seed=7)
    for body in _bodies(sorted((tmp_path / "digests").glob("*.md"))):
        assert_same(body)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(MARKDOWN)
def test_generated_markdown_renders_as_markdown_it_py_renders_it(body: str) -> None:
    assert HtmlRenderer(unsafe_html=True).blocks(parse_tree_py(body)) == PY.render(_ended(body))


@pytest.mark.parametrize(
    ("body", "html"),
    [  # as commonmark.js 0.31.2 renders them
        ("- note\n  <!-- c -->more\n", "<ul>\n<li>note\n<!-- c -->more\n</li>\n</ul>\n"),
        (
            "- note\n  ```\n  x\n  ```\n",
            "<ul>\n<li>note\n<pre><code>x\n</code></pre>\n</li>\n</ul>\n",
        ),
        ("- note\n  <div>x</div>\n", "<ul>\n<li>note\n<div>x</div>\n</li>\n</ul>\n"),
    ],
)
def test_a_block_after_a_tight_items_text_starts_on_a_new_line(body: str, html: str) -> None:
    """The item's words and the block's stay apart on the page (``note more``)."""
    assert HtmlRenderer(unsafe_html=True).blocks(ENGINE.parse(body)) == html


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("intro\n\n[x](javascript:alert(1))\n", 7),
        ("- [x](JavaScript:alert(1)) comment\n", 5),
        ("text\n<javascript:alert(1)>\n", 5),
        ("[x][r]\n\n[r]: vbscript:msgbox\n", 7),
        ("| a |\n|---|\n| [x]( javascript:1) |\n", 7),
        ("- item\n  - [*x*](data:text/html,<b>) note\n", 6),
        ("![i](data:image/png;base64,AA)\n", 5),
    ],
)
def test_links_with_unsafe_schemes_are_errors_at_their_line(body: str, line: int) -> None:
    with pytest.raises(DigestError) as caught:
        parse_digest(f"---\ntitle: t\ndate: 2020-01-01\n---\n{body}", "x.md", CONFIG)
    assert f"x.md:{line}: link with unsafe scheme" in str(caught.value)


def test_unsafe_scheme_in_code_is_only_code() -> None:
    digest = parse_digest(
        "---\ntitle: t\ndate: 2020-01-01\n---\n- `[x](javascript:y)` shows code\n", "x.md", CONFIG
    )
    (item,) = digest.sections[0].content
    assert item.commentary_html == "<code>[x](javascript:y)</code> shows code"
