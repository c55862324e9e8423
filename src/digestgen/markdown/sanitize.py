"""The last word on raw HTML: every fragment holding some is cleaned by nh3.

``policy`` decides what a curator's raw HTML may do and shows the rest as text,
with a warning. nh3 (ammonia on html5ever, the HTML parser of Servo) then parses
the fragment as a browser would and keeps only the same allow-list, so that no
difference between our tokenizer and a browser's can let active content through.
It also closes what the fragment leaves open, and ``unbalanced`` says what it
repaired, for a warning at the fragment's line.
"""

from __future__ import annotations

from html.parser import HTMLParser

import nh3

from digestgen.markdown.policy import ALLOWED_ATTRS, ALLOWED_TAGS, VOID_TAGS

# The attributes of the Markdown renderer's own tags: a fence's language class and a
# table column's alignment.
_ATTRIBUTES = {tag: set(ALLOWED_ATTRS) for tag in ALLOWED_TAGS}
_ATTRIBUTES["code"].add("class")
_ATTRIBUTES["td"].add("style")
_ATTRIBUTES["th"].add("style")
# ammonia's default schemes, and a few more that digests link to; relative URLs pass.
_SCHEME_WORDS = """bitcoin ftp ftps geo git gopher http https im irc ircs magnet mailto mms mx
news nntp openpgp4fpr sftp sip sips sms smsto ssh tel url webcal wtai xmpp"""
URL_SCHEMES = frozenset(_SCHEME_WORDS.split())
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes=_ATTRIBUTES,
    url_schemes=set(URL_SCHEMES),
    link_rel=None,
    strip_comments=False,
    filter_style_properties={"text-align"},
)

# Elements whose end tag HTML lets the next tag or the parent's end imply.
_OPTIONAL_END = frozenset(
    {"li", "dt", "dd", "p", "rt", "rp", "thead", "tbody", "tfoot", "tr", "td", "th", "colgroup"}
)
# Elements that end an open paragraph when they start.
_ENDS_PARAGRAPH = frozenset(
    {"blockquote", "details", "div", "dl", "figcaption", "figure", "hr", "ol", "p", "pre"}
    | {"table", "ul", "h1", "h2", "h3", "h4", "h5", "h6"}
)


def sanitize(fragment: str) -> str:
    """``fragment`` as a browser would build it, with only the allowed tags and
    attributes and safe URLs; comments are kept and re-serialised."""
    return _CLEANER.clean(fragment)


class _Balance(HTMLParser):
    """Follows the open elements of filtered HTML and notes the first imbalance."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problem: str | None = None

    def _note(self, problem: str) -> None:
        if self.problem is None:
            self.problem = problem

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_TAGS:
            return
        if tag in _ENDS_PARAGRAPH and "p" in self.open:
            if self.open[-1] != "p":
                self._note(f"<{tag}> inside <p>")
            del self.open[self.open.index("p") :]
        self.open.append(tag)

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.open:
            self._note(f"</{tag}> closes nothing")
            return
        index = len(self.open) - 1 - self.open[::-1].index(tag)
        inner = [t for t in self.open[index + 1 :] if t not in _OPTIONAL_END]
        if inner:
            self._note(f"<{inner[-1]}> is never closed")
        del self.open[index:]

    def close(self) -> None:
        super().close()
        left = [t for t in self.open if t not in _OPTIONAL_END]
        if left:
            self._note(f"<{left[-1]}> is never closed")


def unbalanced(fragment: str) -> str | None:
    """What the sanitizer has to repair in filtered HTML: an element never closed, an
    end tag that closes nothing, or a block inside a paragraph; ``None`` when the
    fragment is balanced."""
    checker = _Balance()
    checker.feed(fragment)
    checker.close()
    return checker.problem
