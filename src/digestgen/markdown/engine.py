"""The Markdown dialect (CommonMark + raw HTML + tables + strikethrough) as a tree.

markdown-it-py parses a digest body; its tokens become small Python nodes (``Node``)
that the parser walks and ``markdown.html`` turns into HTML.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from digestgen.markdown.limits import MAX_NESTING, deeper

if TYPE_CHECKING:
    from markdown_it.token import Token

INLINE_NAMES = frozenset(
    [
        "text",
        "text_special",
        "softbreak",
        "hardbreak",
        "em",
        "strong",
        "strikethrough",
        "code_inline",
        "link",
        "autolink",
        "image",
        "html_inline",
    ]
)


def inline_run_end(nodes: Sequence[Node], start: int) -> int:
    """Index just past the inline nodes from ``start`` on: in a tight list item, such a
    run is a paragraph whose tags markdown-it hides."""
    end = start
    while end < len(nodes) and nodes[end].name in INLINE_NAMES:
        end += 1
    return end


class Node:
    """One block or inline element of a digest body.

    ``content`` is the text of text, code and HTML nodes; ``url``/``title`` belong
    to links and images; ``info`` is a fence's info string; ``number`` is a
    heading's level or an ordered list's start; ``align`` a table's column
    alignments; ``offset`` the byte offset in the body where a block starts.
    """

    __slots__ = ("align", "children", "content", "info", "name", "number", "offset", "title", "url")

    def __init__(
        self,
        name: str,
        children: list[Node],
        content: str = "",
        offset: int = 0,
    ) -> None:
        self.name = name
        self.children = children
        self.content = content
        self.url = ""
        self.title = ""
        self.info = ""
        self.number = 0
        self.align: tuple[str, ...] = ()
        self.offset = offset

    def copy(self, content: str) -> Node:
        """The same node with other text."""
        node = Node(self.name, self.children, content, self.offset)
        node.url, node.title, node.info = self.url, self.title, self.info
        node.number, node.align = self.number, self.align
        return node


class Engine:
    """Parses digest bodies into nodes with markdown-it-py."""

    name = "markdown-it-py"

    def parse(self, body: str) -> list[Node]:
        """The top-level blocks of ``body``."""
        return parse_tree_py(body)


def make_markdown() -> Engine:
    """The digest body parser: CommonMark with raw HTML, tables and strikethrough."""
    return Engine()


def _ended(body: str) -> str:
    """``body`` ending in a line break (a last line without one ends an HTML block
    otherwise)."""
    return body if body.endswith("\n") or not body else body + "\n"


@cache
def _py_markdown() -> Any:
    from markdown_it import MarkdownIt as PyMarkdownIt

    # Its token levels count a list twice (list and item) and a paragraph once: room for
    # MAX_NESTING of ours, so that our check, not a silent cut, meets a deeper body.
    options = {"html": True, "maxNesting": 2 * MAX_NESTING + 8}
    return PyMarkdownIt("commonmark", options).enable(["table", "strikethrough"])


_PY_BLOCKS = {
    "tr_open": "trow",
    "th_open": "tcell",
    "td_open": "tcell",
}
_PY_INLINE = {
    "link_open": "link",
    "em_open": "em",
    "strong_open": "strong",
    "s_open": "strikethrough",
}


def parse_tree_py(body: str) -> list[Node]:
    """The top-level blocks of ``body`` from markdown-it-py's token stream."""
    body = _ended(body)
    tokens: list[Token] = _py_markdown().parse(body)
    lines = LineMap(body)
    root: list[Node] = []
    stack: list[list[Node]] = [root]
    depths = [0]
    tables: list[Node] = []
    offset = 0
    for tok in tokens:
        if tok.hidden:
            continue  # a tight list's paragraph: its inline content sits in the item
        if tok.map:  # table cells have none: they start where their row does
            offset = lines.offset(tok.map[0])
        if tok.nesting == 1:
            name = _PY_BLOCKS.get(tok.type) or tok.type.removesuffix("_open")
            node = Node(name, [], "", offset)
            if name == "heading":
                node.number = int(tok.tag[1:])
            elif name == "ordered_list":
                node.number = int(str(tok.attrGet("start") or 1))
            elif name == "table":
                tables.append(node)
            elif tok.type == "th_open":
                style = str(tok.attrGet("style") or "")
                tables[-1].align += (style.removeprefix("text-align:") or "none",)
            stack[-1].append(node)
            stack.append(node.children)
            depths.append(deeper(depths[-1], name, offset))
        elif tok.nesting == -1:
            stack.pop()
            depths.pop()
            if tok.type == "table_close":
                tables.pop()
        elif tok.type == "inline":
            stack[-1].extend(_inline_py(tok.children or [], depths[-1], offset))
        else:
            node = Node(tok.type, [], tok.content, offset)
            node.info = tok.info
            stack[-1].append(node)
    return root


def _inline_py(tokens: Sequence[Token], depth: int, offset: int) -> list[Node]:
    out: list[Node] = []
    stack: list[list[Node]] = [out]
    depths = [depth]
    for tok in tokens:
        kind = tok.type
        if tok.nesting == 1:
            node = Node(_PY_INLINE[kind], [])
            node.url = str(tok.attrGet("href") or "")
            node.title = str(tok.attrGet("title") or "")
            stack[-1].append(node)
            stack.append(node.children)
            depths.append(deeper(depths[-1], node.name, offset))
        elif tok.nesting == -1:
            stack.pop()
            depths.pop()
        elif kind == "text" or kind == "text_special":
            if not tok.content:
                continue  # markdown-it.rs has no empty text nodes
            if stack[-1] and stack[-1][-1].name == "text":
                stack[-1][-1].content += tok.content
            else:
                stack[-1].append(Node("text", [], tok.content))
        elif kind == "image":
            inner = deeper(depths[-1], "image", offset)
            node = Node("image", _inline_py(tok.children or [], inner, offset))
            node.url = str(tok.attrGet("src") or "")
            node.title = str(tok.attrGet("title") or "")
            stack[-1].append(node)
        else:  # code_inline, html_inline, softbreak, hardbreak
            stack[-1].append(Node(kind, [], tok.content))
    return out


class LineMap:
    """Body byte offsets to 0-based body lines."""

    def __init__(self, body: str) -> None:
        data = body.encode("utf-8", "surrogatepass")
        self._breaks: list[int] = []
        index = data.find(b"\n")
        while index != -1:
            self._breaks.append(index)
            index = data.find(b"\n", index + 1)

    def line(self, offset: int) -> int:
        return bisect_right(self._breaks, offset - 1)

    def offset(self, line: int) -> int:
        """The byte offset where 0-based ``line`` starts."""
        return self._breaks[line - 1] + 1 if 0 < line <= len(self._breaks) else 0
