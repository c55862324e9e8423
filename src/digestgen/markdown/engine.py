"""The Markdown dialect (CommonMark + raw HTML + tables + strikethrough) as a tree.

markdown-it.rs (through ``markdown_it_pyrs``) parses a digest body in native
code, about thirteen times faster than markdown-it-py. Its tree is copied once
into small Python nodes (``Node``) that the parser walks and ``mdrender`` turns
into HTML. Where markdown-it.rs fails on an input (it panics on a few, such as
``[`` followed by a backtick), or is not installed (it has no wheel past Python
3.12), markdown-it-py parses the body and its tokens become the same nodes: both
engines give the same tree, which the tests check over the Haskell Weekly corpus
and generated Markdown.
"""

from __future__ import annotations

import os
import re
import threading
from bisect import bisect_right
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from digestgen.markdown.limits import MAX_NESTING, deeper, hard_for_rust

if TYPE_CHECKING:
    from markdown_it.token import Token
    from markdown_it_pyrs import MarkdownIt as RustMarkdownIt
    from markdown_it_pyrs import Node as TreeNode
else:
    try:
        from markdown_it_pyrs import MarkdownIt as RustMarkdownIt
    except ImportError:  # no wheel for this Python: markdown-it-py parses alone
        RustMarkdownIt = None

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

# The host of an http(s), scheme-relative or mailto URL (after any user part).
_URL_HOST = re.compile(r"^((?:https?:)?//(?:[^/?#@]*@)?|mailto:[^@/?#]*@)([^/?#:]*)", re.IGNORECASE)


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
    """Parses digest bodies into nodes: markdown-it.rs when it is installed and ``rust``
    is true, markdown-it-py otherwise (markdown-it-pyrs has no wheel past Python 3.12,
    so there digestgen parses with markdown-it-py alone, to the same nodes)."""

    def __init__(self, rust: bool = True) -> None:
        self.rust: RustMarkdownIt | None = None
        if rust and RustMarkdownIt is not None:
            self.rust = RustMarkdownIt("commonmark")
            self.rust.enable_many(["table", "strikethrough"])

    @property
    def name(self) -> str:
        return "markdown-it.rs" if self.rust is not None else "markdown-it-py"

    def parse(self, body: str) -> list[Node]:
        """The top-level blocks of ``body``: markdown-it.rs's tree, or markdown-it-py's
        tokens for a body on which markdown-it.rs fails."""
        body = _ended(body)
        if self.rust is None or hard_for_rust(body):
            return parse_tree_py(body)
        try:
            with _quiet_stderr():
                tree = self.rust.tree(body)
        except BaseException as exc:  # pyo3 turns a Rust panic into a BaseException
            if type(exc).__name__ != "PanicException":
                raise
            return parse_tree_py(body)
        return _children(tree.children, 0, 0)


def make_markdown(rust: bool = True) -> Engine:
    """The digest body parser: CommonMark with raw HTML, tables and strikethrough."""
    return Engine(rust)


def _ended(body: str) -> str:
    """``body`` ending in a line break: the engines differ on a last line without one
    (markdown-it.rs ends an HTML block there with a line break, markdown-it-py not)."""
    return body if body.endswith("\n") or not body else body + "\n"


class _quiet_stderr:
    """Silences file descriptor 2 for the Rust call: a panic prints its message
    there before it reaches Python as an exception that is handled. One thread at a
    time (the dev server builds beside its request threads): two interleaved
    redirections could leave stderr pointing at the null device."""

    _devnull: int | None = None
    _lock = threading.Lock()

    def __enter__(self) -> None:
        self._lock.acquire()
        try:
            if _quiet_stderr._devnull is None:
                _quiet_stderr._devnull = os.open(os.devnull, os.O_WRONLY)
            self.saved = os.dup(2)
            os.dup2(_quiet_stderr._devnull, 2)
        except BaseException:
            self._lock.release()
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            os.dup2(self.saved, 2)
            os.close(self.saved)
        finally:
            self._lock.release()


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


def _children(tree_nodes: Sequence[TreeNode], depth: int, offset: int) -> list[Node]:
    """The nodes of markdown-it.rs's ``tree_nodes`` at nesting ``depth``, inside the
    block that starts at byte ``offset``."""
    out: list[Node] = []
    for tree_node in tree_nodes:
        node = _convert(tree_node, depth, offset)
        if node is None:
            continue
        # Adjacent text and entity/escape runs become one text node, as in
        # markdown-it's token stream (its ``text_join`` rule).
        if node.name == "text" and out and out[-1].name == "text":
            out[-1].content += node.content
        else:
            out.append(node)
    return out


def _convert(tree_node: TreeNode, depth: int, offset: int) -> Node | None:
    name = tree_node.name
    if tree_node.srcmap and name not in INLINE_NAMES:
        offset = tree_node.srcmap[0]
    depth = deeper(depth, name, offset)
    if name == "text" or name == "text_special":
        return Node("text", [], str(tree_node.meta.get("content", "")))
    if name == "softbreak" or name == "hardbreak":
        return Node(name, [])
    if name == "html_inline":
        return Node(name, [], str(tree_node.meta["content"]))
    if name == "code_inline":
        code = "".join(str(c.meta.get("content", "")) for c in tree_node.children)
        return Node(name, [], code)
    if name in ("link", "autolink", "image"):
        meta = tree_node.meta
        node = Node(
            "image" if name == "image" else "link", _children(tree_node.children, depth, offset)
        )
        node.url = ascii_host(str(meta.get("url", "")))
        node.title = str(meta.get("title") or "")
        return node
    if name in INLINE_NAMES:
        return Node(name, _children(tree_node.children, depth, offset))
    if name == "definition":
        return None  # a link reference definition renders nothing
    start = tree_node.srcmap[0] if tree_node.srcmap else 0
    if name in ("fence", "code_block", "html_block"):
        meta = tree_node.meta
        node = Node(name, [], str(meta.get("content", "")), start)
        node.info = str(meta.get("info") or "")
        return node
    children = _children(tree_node.children, depth, offset)
    node = Node("heading" if name == "lheading" else name, children, "", start)
    if name in ("heading", "lheading"):
        node.number = int(tree_node.meta["level"])
    elif name == "ordered_list":
        node.number = int(tree_node.meta.get("start", 1))
    elif name == "table":
        node.align = tuple(str(a) for a in tree_node.meta.get("alignments", ()))
    return node


def ascii_host(url: str) -> str:
    """``url`` with an international host in punycode (``xn--``), as markdown-it-py
    writes it; markdown-it.rs leaves such a host percent-encoded."""
    match = _URL_HOST.match(url) if "%" in url else None
    if match is None or "%" not in match.group(2):
        return url
    host = unquote(match.group(2))
    if host.isascii():
        return url
    try:
        labels = [
            label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
            for label in host.split(".")
        ]
    except UnicodeError:
        return url
    return url[: match.start(2)] + ".".join(labels) + url[match.end(2) :]


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
