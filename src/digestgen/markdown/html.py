"""Markdown nodes -> HTML, byte for byte as markdown-it renders them, and their words.

markdown-it's HTML rules kept here: tight lists hide their paragraphs, ``<br>`` and
``<hr>`` without a slash, and ``& < > "`` escaped. Raw HTML passes through the site's
policy. One rule is CommonMark's reference renderer's (commonmark.js) and markdown-it.rs's
rather than markdown-it-py's: every block after a hidden paragraph starts on a new line.
markdown-it-py breaks the line only before blocks of its generic tag rule, so the text of
``- note\n  <!-- c -->more`` would show as ``notemore``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import unescape

from digestgen.markdown.engine import INLINE_NAMES, Node, inline_run_end
from digestgen.markdown.policy import filter_html
from digestgen.markdown.sanitize import sanitize, unbalanced

_INLINE_TAGS = {"em": "em", "strong": "strong", "strikethrough": "s"}
_FENCE_INFO_SPLIT = re.compile(r"[ \t\n\r\f\v]+")
_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])|&(#?[A-Za-z0-9]{1,32});")


def escape_html(text: str) -> str:
    """markdown-it's escaping: ``& < > "`` (single quotes stay)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    return text


def _unescape(text: str) -> str:
    """Backslash escapes and entities resolved, as markdown-it's ``unescapeAll`` (for a
    fence's info string)."""
    if "\\" not in text and "&" not in text:
        return text
    return _UNESCAPE.sub(lambda m: m.group(1) or unescape(m.group(0)), text)


class HtmlRenderer:
    """Nodes -> HTML, as markdown-it renders them; raw HTML through the site's policy.

    A fragment (one call of ``inline`` or ``blocks``) that holds raw HTML is then
    cleaned by the sanitizer, and what it had to repair is kept in ``repairs`` with
    the block it is in (``None`` for inline nodes rendered alone). ``levels`` gives
    the level a heading node is shown at, when it is not its own.
    """

    def __init__(self, unsafe_html: bool = False) -> None:
        self.unsafe_html = unsafe_html
        self.levels: dict[int, int] = {}
        self.repairs: list[tuple[Node | None, str]] = []
        self._block: Node | None = None
        self._raw_at: list[Node | None] = []

    def inline(self, nodes: Sequence[Node]) -> str:
        out: list[str] = []
        self._block, self._raw_at = None, []
        self._inline(nodes, out)
        return self._finished(out)

    def blocks(self, nodes: Sequence[Node], tight: bool = False) -> str:
        """HTML of blocks; in a tight list item, inline runs are its hidden paragraphs."""
        out: list[str] = []
        self._block, self._raw_at = None, []
        self._blocks(nodes, out, tight)
        return self._finished(out)

    def raw(self, html: str) -> str:
        """Raw HTML through the policy (as it is with ``unsafe_html``)."""
        if self.unsafe_html:
            return html
        self._raw_at.append(self._block)
        return filter_html(html)

    def _finished(self, out: list[str]) -> str:
        html = "".join(out)
        if not self._raw_at:
            return html
        problem = unbalanced(html)
        if problem is not None:
            self.repairs.append((self._raw_at[0], problem))
        return sanitize(html)

    def _inline(self, nodes: Sequence[Node], out: list[str]) -> None:
        for node in nodes:
            name = node.name
            if name == "text":
                out.append(escape_html(node.content))
            elif name == "softbreak":
                out.append("\n")
            elif name == "hardbreak":
                out.append("<br>\n")
            elif name == "link":
                title = f' title="{escape_html(node.title)}"' if node.title else ""
                out.append(f'<a href="{escape_html(node.url)}"{title}>')
                self._inline(node.children, out)
                out.append("</a>")
            elif name == "code_inline":
                out.append(f"<code>{escape_html(node.content)}</code>")
            elif name == "html_inline":
                out.append(self.raw(node.content))
            elif name == "image":
                alt = escape_html(alt_text(node.children))
                title = f' title="{escape_html(node.title)}"' if node.title else ""
                out.append(f'<img src="{escape_html(node.url)}" alt="{alt}"{title}>')
            else:
                tag = _INLINE_TAGS[name]
                out.append(f"<{tag}>")
                self._inline(node.children, out)
                out.append(f"</{tag}>")

    def _blocks(self, nodes: Sequence[Node], out: list[str], tight: bool = False) -> None:
        index = 0
        after_hidden = False
        while index < len(nodes):
            node = nodes[index]
            if tight and node.name in INLINE_NAMES:
                end = inline_run_end(nodes, index)
                self._inline(nodes[index:end], out)
                index, after_hidden = end, True
                continue
            if after_hidden:
                out.append("\n")
            outer, self._block = self._block, node
            self._block_html(node, out)
            self._block = outer
            index, after_hidden = index + 1, False

    def _block_html(self, node: Node, out: list[str]) -> None:
        name = node.name
        if name == "paragraph":
            out.append("<p>")
            self._inline(node.children, out)
            out.append("</p>\n")
        elif name == "bullet_list" or name == "ordered_list":
            tag = "ul" if name == "bullet_list" else "ol"
            start = f' start="{node.number}"' if tag == "ol" and node.number != 1 else ""
            out.append(f"<{tag}{start}>\n")
            tight = not any(
                part.name == "paragraph" for item in node.children for part in item.children
            )
            for item in node.children:
                self._list_item(item, out, tight)
            out.append(f"</{tag}>\n")
        elif name == "heading":
            level = self.levels.get(id(node), node.number)
            out.append(f"<h{level}>")
            self._inline(node.children, out)
            out.append(f"</h{level}>\n")
        elif name == "html_block":
            out.append(self.raw(node.content))
        elif name == "fence":
            out.append(_fence(node))
        elif name == "code_block":
            out.append(f"<pre><code>{escape_html(node.content)}</code></pre>\n")
        elif name == "blockquote":
            out.append("<blockquote>\n" if node.children else "<blockquote>")
            self._blocks(node.children, out)
            out.append("</blockquote>\n")
        elif name == "hr":
            out.append("<hr>\n")
        elif name == "table":
            self._table(node, out)
        else:
            raise ValueError(f"unknown Markdown block {name!r}")

    def _list_item(self, item: Node, out: list[str], tight: bool) -> None:
        parts = item.children
        if not parts:
            out.append("<li></li>\n")
            return
        first = parts[0]
        hidden = tight and (first.name in INLINE_NAMES)
        out.append("<li>" if hidden else "<li>\n")
        outer, self._block = self._block, item
        self._blocks(parts, out, tight)
        self._block = outer
        out.append("</li>\n")

    def _table(self, node: Node, out: list[str]) -> None:
        out.append("<table>\n")
        for group in node.children:
            if not group.children:
                continue
            out.append(f"<{group.name}>\n")
            cell_tag = "th" if group.name == "thead" else "td"
            for row in group.children:
                out.append("<tr>\n")
                for column, cell in enumerate(row.children):
                    align = node.align[column] if column < len(node.align) else "none"
                    style = f' style="text-align:{align}"' if align != "none" else ""
                    out.append(f"<{cell_tag}{style}>")
                    self._inline(cell.children, out)
                    out.append(f"</{cell_tag}>\n")
                out.append("</tr>\n")
            out.append(f"</{group.name}>\n")
        out.append("</table>\n")


def _fence(node: Node) -> str:
    info = _unescape(node.info).strip(" \t\n\r\f\v") if node.info else ""
    code = escape_html(node.content)
    if not info:
        return f"<pre><code>{code}</code></pre>\n"
    lang = _FENCE_INFO_SPLIT.split(info, maxsplit=1)[0]
    return f'<pre><code class="language-{escape_html(lang)}">{code}</code></pre>\n'


def alt_text(nodes: Sequence[Node]) -> str:
    """An image's alt text: the words of its description, as markdown-it takes them."""
    parts: list[str] = []
    for node in nodes:
        if node.name in ("text", "code_inline", "html_inline"):
            parts.append(node.content)
        elif node.name == "image":
            parts.append(alt_text(node.children))
        elif node.name in ("softbreak", "hardbreak"):
            parts.append("\n")
        else:
            parts.append(alt_text(node.children))
    return "".join(parts)


def inline_text(nodes: Sequence[Node]) -> str:
    """The words of inline nodes, without markup."""
    parts: list[str] = []
    _inline_text(nodes, parts)
    return "".join(parts)


def _inline_text(nodes: Sequence[Node], parts: list[str]) -> None:
    for node in nodes:
        name = node.name
        if name == "text" or name == "code_inline":
            parts.append(node.content)
        elif name == "html_inline":
            if not node.content.startswith("<!--"):  # a comment is a note to the curator
                parts.append(node.content)
        elif name == "softbreak" or name == "hardbreak":
            parts.append(" ")
        else:
            _inline_text(node.children, parts)


def block_text(nodes: Sequence[Node]) -> str:
    """The words of blocks, one line per paragraph, heading or cell, without markup."""
    lines: list[str] = []
    _block_text(nodes, lines)
    return "\n".join(line for line in lines if line.strip())


def _block_text(nodes: Sequence[Node], lines: list[str]) -> None:
    index = 0
    while index < len(nodes):
        node = nodes[index]
        name = node.name
        if name in INLINE_NAMES:  # a tight list item's hidden paragraph
            end = inline_run_end(nodes, index)
            lines.append(inline_text(nodes[index:end]))
            index = end
            continue
        if name in ("paragraph", "heading", "tcell"):
            lines.append(inline_text(node.children))
        elif name in ("fence", "code_block", "html_block"):
            lines.append(node.content.rstrip("\n"))
        else:
            _block_text(node.children, lines)
        index += 1
