"""The checks of a digest body that run before it is rendered: heading levels (and the
level each heading is shown at), raw HTML the policy shows as text, links with an
unsafe scheme, and the sanitizer's repairs of raw HTML."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import unquote

from digestgen.errors import DigestError, ParseError
from digestgen.markdown.engine import INLINE_NAMES, LineMap, Node
from digestgen.markdown.html import HtmlRenderer
from digestgen.markdown.policy import rejected_html
from digestgen.urls import UNSAFE_SCHEMES, is_unsafe_url, scheme_of

_SCHEMES = "|".join(UNSAFE_SCHEMES)
# The parser leaves a link whose URL has an unsafe scheme as plain text; these
# find it there (inline link, autolink, reference definition) to report it.
_UNSAFE_LINK_TEXT = re.compile(
    rf"\]\(\s*<?\s*((?:{_SCHEMES}):[^\s)>]*)|<((?:{_SCHEMES}):[^\s>]*)>"
    rf"|^\s*\[[^\]]+\]:\s*<?((?:{_SCHEMES}):\S*)",
    re.IGNORECASE | re.MULTILINE,
)


def _unsafe_url(url: str) -> bool:
    """An unsafe scheme, also behind percent-encoded blanks (``<  data:...>`` in the
    source is ``%20%20data:...`` in the link)."""
    return is_unsafe_url(url) or ("%" in url and is_unsafe_url(unquote(url)))


class BodyChecks:
    """The checks of one digest body, in document order; the parser builds on it."""

    path: str
    body_line: int
    lines: LineMap
    html: HtmlRenderer
    unsafe_html: bool
    warnings: list[DigestError]
    errors: list[DigestError]
    heading_level: int
    shown_level: int

    def line_of(self, node: Node) -> int:
        return self.body_line + self.lines.line(node.offset)

    def warn(self, message: str, node: Node) -> None:
        self.warnings.append(ParseError(message, self.path, self.line_of(node)))

    def _check_heading(self, node: Node, section: bool) -> None:
        """Warn of a skipped level, and show the heading at most one level below the
        one before it (a section is always h2, a subsection h3), so that the page's
        outline never skips a level while the source stays as written."""
        level = node.number
        if level > self.heading_level + 1:
            self.warn(
                f"heading level skips from h{self.heading_level} to h{level}; "
                f"use {'#' * (self.heading_level + 1)} here",
                node,
            )
        self.heading_level = level
        shown = level if section else min(level, self.shown_level + 1)
        if shown != level:
            self.html.levels[id(node)] = shown
        self.shown_level = shown

    def _fragment(self, html: str, at: Node) -> str:
        """A fragment's HTML, with a warning for each repair the sanitizer made in it,
        at the block that holds the raw HTML (``at`` for inline nodes alone)."""
        for node, problem in self.html.repairs:
            self.warn(
                f"raw HTML is not balanced ({problem}); it is repaired within this block",
                node or at,
            )
        self.html.repairs.clear()
        return html

    def _check_html(self, node: Node, raw: str) -> None:
        rejected = [] if self.unsafe_html else rejected_html(raw)
        if rejected:
            self.warn(
                f"raw HTML {', '.join(dict.fromkeys(rejected))} is shown as text; only harmless "
                "formatting tags pass (set 'unsafe_html: true' in digestgen.yaml to allow all)",
                node,
            )

    def _check(self, nodes: Sequence[Node], block: Node | None) -> None:
        """Heading levels, raw HTML and link schemes, in document order; ``block`` is
        the innermost block around inline ``nodes`` (its line is theirs)."""
        inline_html: list[str] = []
        for node in nodes:
            name = node.name
            if name in INLINE_NAMES and block is not None:
                self._check_inline((node,), block, inline_html)
                continue
            if name == "heading":
                self._check_heading(node, block is None and node.number in (2, 3))
            elif name == "html_block":
                self._check_html(node, node.content)
            self._check(node.children, node)
        if inline_html and block is not None:
            self._check_html(block, "".join(inline_html))

    def _check_inline(self, nodes: Sequence[Node], block: Node, html: list[str]) -> None:
        for node in nodes:
            if node.name == "html_inline":
                html.append(node.content)
            elif node.name == "text":
                self._unsafe_text(node.content, block)
            elif node.name in ("link", "image") and _unsafe_url(node.url):
                self._unsafe(node.url, block)
            self._check_inline(node.children, block, html)

    def _unsafe_text(self, text: str, block: Node) -> None:
        if ":" in text:  # every pattern has one; most text has none
            for match in _UNSAFE_LINK_TEXT.finditer(text):
                self._unsafe(next(g for g in match.groups() if g), block)

    def _unsafe(self, url: str, block: Node) -> None:
        self.errors.append(
            ParseError(
                f"link with unsafe scheme '{scheme_of(unquote(url))}:' is not allowed: {url!r}",
                self.path,
                self.line_of(block),
            )
        )
