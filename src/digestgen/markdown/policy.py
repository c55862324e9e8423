"""What raw HTML in a digest may do: harmless formatting passes, the rest shows as text.

Curators write ``<br>``, ``<small>``, ``<mark>``, comments and the odd table in
Markdown. Those pass through; any other tag, any event handler or style
attribute, and any unsafe URL is escaped so that it shows as text: nothing the
curator wrote is lost, and nothing in it can run.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

from digestgen.urls import is_unsafe_url

ALLOWED_TAGS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "details",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "tr",
        "u",
        "ul",
        "var",
        "wbr",
    ]
)
VOID_TAGS = frozenset({"br", "col", "hr", "img", "wbr"})
ALLOWED_ATTRS = frozenset(
    [
        "href",
        "src",
        "alt",
        "title",
        "width",
        "height",
        "colspan",
        "rowspan",
        "align",
        "datetime",
        "cite",
        "lang",
        "dir",
        "open",
        "start",
        "reversed",
        "abbr",
        "scope",
    ]
)
URL_ATTRS = frozenset({"href", "src", "cite"})
# Where browsers end a comment: ``-->`` or ``--!>`` (``<!-->`` and ``<!--->`` are empty).
_COMMENT_END = re.compile(r"--!?>")


def _attr_ok(name: str, value: str | None) -> bool:
    if name not in ALLOWED_ATTRS:
        return False
    return not (name in URL_ATTRS and value is not None and is_unsafe_url(value))


class _Filter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.rejected: list[str] = []
        self.final = False  # set once the whole fragment is fed

    def parse_comment(self, i: int, report: int = 1) -> int:
        """End a comment where browsers end it (HTMLParser waits for ``-->``, so that
        ``<!--><img onerror=...>-->`` would read as one comment while a browser runs
        the image): ``<!-->`` and ``<!--->`` are empty comments, ``--!>`` ends one as
        ``-->`` does, and one never ended runs to the end of the fragment."""
        rawdata = self.rawdata
        for empty in ("<!-->", "<!--->"):
            if rawdata.startswith(empty, i):
                if report:
                    self.handle_comment("")
                return i + len(empty)
        match = _COMMENT_END.search(rawdata, i + 4)
        if match is None:
            if not self.final:
                return -1
            start = end = len(rawdata)
        else:
            start, end = match.span()
        if report:
            self.handle_comment(rawdata[i + 4 : start])
        return end

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], raw: str, close: bool) -> None:
        bad_attrs = [n for n, v in attrs if not _attr_ok(n, v)]
        # An image with no source is prose about the tag ("use <img> tags"), not an image.
        pictured = tag != "img" or any(n == "src" and v for n, v in attrs)
        if tag not in ALLOWED_TAGS or not pictured:
            self.rejected.append(f"<{tag}>")
        elif bad_attrs:
            self.rejected.append(f"<{tag} {bad_attrs[0]}=...>")
        if tag in ALLOWED_TAGS and pictured and not bad_attrs:
            if tag == "img" and all(n != "alt" for n, _ in attrs):
                attrs = [*attrs, ("alt", "")]
            rendered = "".join(
                f' {n}="{escape(v, quote=True)}"' if v is not None else f" {n}" for n, v in attrs
            )
            slash = " /" if close and tag not in VOID_TAGS else ""
            self.out.append(f"<{tag}{rendered}{slash}>")
        else:
            self.out.append(escape(raw, quote=False))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs, self.get_starttag_text() or f"<{tag}>", close=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs, self.get_starttag_text() or f"<{tag}/>", close=True)

    def handle_endtag(self, tag: str) -> None:
        if tag in ALLOWED_TAGS and tag not in VOID_TAGS:
            self.out.append(f"</{tag}>")
        else:
            self.out.append(escape(f"</{tag}>", quote=False))

    def handle_data(self, data: str) -> None:
        self.out.append(escape(data, quote=False))

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        data = data.replace("--", "- -").removeprefix(">").removeprefix("->")
        self.out.append(f"<!--{data.removesuffix('-')}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(escape(f"<!{decl}>", quote=False))

    def handle_pi(self, data: str) -> None:
        self.out.append(escape(f"<?{data}>", quote=False))

    def unknown_decl(self, data: str) -> None:
        self.out.append(escape(f"<![{data}]]>", quote=False))


def _filtered(raw: str) -> _Filter:
    parser = _Filter()
    parser.feed(raw)
    parser.final = True
    parser.close()
    return parser


def rejected_html(raw: str) -> list[str]:
    """The tags of a raw HTML fragment that ``filter_html`` shows as text, like ``<script>``."""
    return _filtered(raw).rejected


def filter_html(raw: str) -> str:
    """Keep the allowed tags of a raw HTML fragment; escape everything else as text."""
    parser = _filtered(raw)
    rest = parser.rawdata if hasattr(parser, "rawdata") else ""
    out = "".join(parser.out)
    if rest:
        out += escape(rest, quote=False)
    return out
