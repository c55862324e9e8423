"""The Markdown dialect (CommonMark + tables + strikethrough) and its HTML rendering."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import normalizeLink
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from digestgen.htmlpolicy import filter_html


def _keep_every_link(url: str) -> bool:
    # Every link becomes a link token so that the parser can report unsafe
    # schemes at their line instead of letting them pass silently as text.
    return True


def _filtered_html_block(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return filter_html(tokens[idx].content)


def _filtered_html_inline(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return filter_html(tokens[idx].content)


# URLs made only of characters that markdown-it's normalizeLink leaves as they are.
# Skipping its parse-and-encode round trip for them saves a tenth of the parse
# time of a link-heavy digest; a property test checks that both agree.
PLAIN_URL = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#][A-Za-z0-9._~!$&'()*+,;=:@/?#-]*)?"
)


def fast_normalize_link(url: str) -> str:
    """markdown-it's ``normalizeLink``, short-cut for plain ``http(s)`` URLs."""
    return url if PLAIN_URL.fullmatch(url) else normalizeLink(url)


def make_markdown(unsafe_html: bool = False) -> MarkdownIt:
    """A parser for digest bodies; raw HTML is filtered unless ``unsafe_html``."""
    md = MarkdownIt("commonmark", {"html": True, "xhtmlOut": False}).enable(
        ["table", "strikethrough"]
    )
    md.validateLink = _keep_every_link  # type: ignore[method-assign]
    md.normalizeLink = fast_normalize_link  # type: ignore[method-assign]
    if not unsafe_html:
        md.add_render_rule("html_block", _filtered_html_block)
        md.add_render_rule("html_inline", _filtered_html_inline)
    return md


def render_blocks(md: MarkdownIt, tokens: Sequence[Token]) -> str:
    """HTML of a run of block tokens."""
    return str(md.renderer.render(tokens, md.options, {}))


def render_inline(md: MarkdownIt, children: Sequence[Token]) -> str:
    """HTML of a run of inline tokens."""
    renderer: Any = md.renderer
    return str(renderer.renderInline(children, md.options, {}))


def inline_text(children: Sequence[Token]) -> str:
    """The words of inline tokens, without markup."""
    parts: list[str] = []
    for tok in children:
        if tok.type == "html_inline" and tok.content.startswith("<!--"):
            continue  # a comment is a note to the curator, not words of the page
        if tok.type in ("text", "code_inline", "html_inline"):
            parts.append(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif tok.type == "image":
            parts.append(inline_text(tok.children or []))
    return "".join(parts)


def block_text(tokens: Sequence[Token]) -> str:
    """The words of block tokens, one line per block, without markup."""
    lines: list[str] = []
    for tok in tokens:
        if tok.type == "inline":
            lines.append(inline_text(tok.children or []))
        elif tok.type in ("fence", "code_block", "html_block"):
            lines.append(tok.content.rstrip("\n"))
    return "\n".join(line for line in lines if line.strip())


def attr(token: Token, name: str) -> str:
    value: Any = token.attrGet(name)
    return str(value) if value is not None else ""
