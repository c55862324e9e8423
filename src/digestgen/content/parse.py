"""Digest files -> the item model. The only place that builds model objects."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from digestgen.config import SiteConfig
from digestgen.content.assemble import assemble_site
from digestgen.content.checks import BodyChecks
from digestgen.content.digest import item_key, make_digest
from digestgen.content.frontmatter import (
    decode,
    default_slug,
    parse_front_matter,
    split,
)
from digestgen.content.keys import content_key
from digestgen.content.sources import source_paths
from digestgen.errors import DigestError, ParseError, collect
from digestgen.markdown.engine import (
    INLINE_NAMES,
    Engine,
    LineMap,
    Node,
    inline_run_end,
    make_markdown,
)
from digestgen.markdown.html import HtmlRenderer, block_text, inline_text
from digestgen.markdown.limits import MAX_NESTING, NestingError
from digestgen.model import Block, Digest, Item, Section, Site
from digestgen.urls import (
    AnchorSet,
    anchor_for_url,
    domain_of,
    host_of_link,
    link_normalizer,
    slugify,
)

_LABEL = re.compile(r"^\s*\[([^\[\]]{1,40})\]\s+$")
_TAG_WORD = re.compile(r"(?:#[^\W\d_][\w-]*)+")
_WORDS = re.compile(r"\S+")
_LEADING_SEPARATOR = re.compile("^[\\s\\-\u2013\u2014:;,.]+")
RESERVED_IDS = ("top", "main", "content", "toc", "search", "site-header", "site-footer")


@dataclass(slots=True)
class _SectionDraft:
    title: str
    title_html: str
    anchor: str
    level: int
    line: int
    content: list[Item | Block] = field(default_factory=list)
    subsections: list[_SectionDraft] = field(default_factory=list)

    def freeze(self) -> Section:
        return Section(
            title=self.title,
            title_html=self.title_html,
            anchor=self.anchor,
            level=self.level,
            line=self.line,
            content=tuple(self.content),
            subsections=tuple(s.freeze() for s in self.subsections),
        )


def _split_trailing_tags(children: list[Node]) -> tuple[list[Node], tuple[str, ...]]:
    """Take ``#tag`` words off the end of an item's first paragraph."""
    if not children or children[-1].name != "text":
        return children, ()
    last = children[-1]
    # The words from the end while they are tags: one pass, however many words there
    # are (a regular expression anchored at the end tried every '#' word before it).
    start: int | None = None
    words: list[str] = []
    for word in reversed(list(_WORDS.finditer(last.content))):
        if not _TAG_WORD.fullmatch(word.group()):
            break
        start = word.start()
        words.append(word.group())
    if start is None:
        return children, ()
    tags = tuple(word[1:] for word in reversed(words))
    kept = last.content[:start].rstrip()
    trimmed = children[:-1] + ([last.copy(content=kept)] if kept else [])
    return trimmed, tags


class _DigestParser(BodyChecks):
    """Walks one digest's top-level blocks, keeping every block in order."""

    def __init__(
        self,
        md: Engine,
        path: str,
        body_line: int,
        unsafe_html: bool = False,
        normalize: Callable[[str], str] | None = None,
    ) -> None:
        self.md = md
        self.html = HtmlRenderer(unsafe_html)
        self.unsafe_html = unsafe_html
        self.normalize = normalize or link_normalizer()
        self.warnings = []
        self.heading_level = 1  # the page's title is the h1
        self.shown_level = 1  # the level the last heading is shown at
        self.path = path
        self.body_line = body_line
        self.lines = LineMap("")
        self.anchors = AnchorSet()
        for reserved in RESERVED_IDS:
            self.anchors.claim(reserved)
        self.intro: list[Block] = []
        self.sections: list[_SectionDraft] = []
        self.errors = []

    def parse(self, body: str) -> tuple[tuple[Block, ...], tuple[Section, ...]]:
        self.lines = LineMap(body)
        try:
            nodes = self.md.parse(body)
        except NestingError as exc:
            self.errors.append(
                ParseError(
                    f"quotes, lists, emphasis or links nest deeper than {MAX_NESTING} levels "
                    "here; flatten them",
                    self.path,
                    self.body_line + self.lines.line(exc.offset),
                )
            )
            return (), ()
        self._check(nodes, None)
        for node in nodes:
            self._top_level(node)
        self._check_empty(self.sections)
        return tuple(self.intro), tuple(s.freeze() for s in self.sections)

    def _check_empty(self, sections: Sequence[_SectionDraft]) -> None:
        for section in sections:
            if section.title and not section.content and not section.subsections:
                self.warnings.append(
                    ParseError(f"section '{section.title}' is empty", self.path, section.line)
                )
            self._check_empty(section.subsections)

    def _current(self) -> _SectionDraft:
        """The innermost open section, opening the untitled lead section if needed."""
        if not self.sections:
            self.sections.append(_SectionDraft("", "", "", 2, self.body_line))
        section = self.sections[-1]
        return section.subsections[-1] if section.subsections else section

    def _top_level(self, node: Node) -> None:
        if node.name == "heading" and node.number in (2, 3):
            self._heading(node)
        elif node.name in ("bullet_list", "ordered_list"):
            self._list(node)
        else:
            html = self._fragment(self.html.blocks([node]), node)
            block = Block(node.name, html, block_text([node]), self.line_of(node))
            if self.sections:
                self._current().content.append(block)
            else:
                self.intro.append(block)

    def _heading(self, node: Node) -> None:
        title = inline_text(node.children).strip()
        draft = _SectionDraft(
            title=title,
            title_html=self._fragment(self.html.inline(node.children), node),
            anchor=self.anchors.claim(slugify(title) or "section"),
            level=node.number,
            line=self.line_of(node),
        )
        if draft.level == 2:
            self.sections.append(draft)
        else:
            if not self.sections:
                self._current()
            self.sections[-1].subsections.append(draft)

    def _list(self, node: Node) -> None:
        target = self._current()
        for list_item in node.children:
            item = self._item(list_item)
            if item is not None:
                target.content.append(item)

    def _item(self, opener: Node) -> Item | None:
        if not opener.children:
            return None
        children, rest, tight = _first_paragraph(opener.children)
        children, tags = _split_trailing_tags(children)
        label, url, title_children, comment_children = _head_of(children)
        title = inline_text(title_children).strip()
        commentary = inline_text(comment_children).strip()
        if url is not None:
            commentary = _LEADING_SEPARATOR.sub("", commentary)
            anchor = anchor_for_url(url)
        else:
            anchor = slugify(commentary or block_text(rest), 48) or "item"
        link = self.normalize(url) if url is not None and not url.startswith("#") else None
        domain = domain_of(url) if url else None
        item = Item(
            anchor=self.anchors.claim(anchor),
            url=url,
            title=title,
            title_html=_same(title, self._fragment(self.html.inline(title_children), opener)),
            label=label,
            commentary=commentary,
            commentary_html=_same(
                commentary, self._fragment(self.html.inline(comment_children), opener)
            ),
            notes=block_text(rest),
            notes_html=self._fragment(self.html.blocks(rest, tight), opener),
            tags=tags,
            domain=domain,
            link=_same(url, link),
            host=_same(domain, host_of_link(link) if link else None),
            path=self.path,
            line=self.line_of(opener),
        )
        return item._replace(key=item_key(item))


def _first_paragraph(inner: Sequence[Node]) -> tuple[list[Node], Sequence[Node], bool]:
    """A list item's first paragraph (its inline nodes), the blocks after it (its
    notes), and whether the list is tight (its paragraphs hidden)."""
    if inner[0].name in INLINE_NAMES:
        end = inline_run_end(inner, 0)
        return list(inner[:end]), inner[end:], True
    if inner[0].name == "paragraph":
        return list(inner[0].children), inner[1:], False
    return [], inner, False


def _head_of(children: list[Node]) -> tuple[str | None, str | None, list[Node], list[Node]]:
    """An item's label (``[video]``), URL, title and commentary nodes, from its first
    paragraph: a leading link gives its URL and title; the separator after it goes."""
    label: str | None = None
    first = 0
    if len(children) > 1 and children[0].name == "text" and children[1].name == "link":
        match = _LABEL.match(children[0].content)
        if match:
            label, first = match.group(1), 1
    url: str | None = None
    title_children: list[Node] = []
    comment_children = children
    if first < len(children) and children[first].name == "link":
        url = children[first].url
        title_children = children[first].children
        comment_children = children[first + 1 :]
    elif label is not None:
        label, comment_children = None, children
    if comment_children and comment_children[0].name == "text":
        lead = comment_children[0]
        # After a link, the separator before its commentary (" - ", ": ") goes too.
        text = lead.content.lstrip()
        if url is not None:
            text = _LEADING_SEPARATOR.sub("", text)
        comment_children = [lead.copy(content=text), *comment_children[1:]]
    return label, url, title_children, comment_children


_Text = TypeVar("_Text", str, str | None)


def _same(known: _Text, value: _Text) -> _Text:
    """``known`` when ``value`` equals it: one string object instead of two equal ones
    (most titles and links have no markup or nothing to normalise), which the cache
    pickles and the build holds once per item instead of twice."""
    return known if value == known else value


def parse_digest(
    data: bytes | str,
    path: str,
    config: SiteConfig,
    md: Engine | None = None,
    warnings: list[DigestError] | None = None,
    key: str | None = None,
) -> Digest:
    """Parse one digest file's content; raises ``ParseError``/``DigestErrors``.

    Mistakes that do not stop a build are appended to ``warnings`` when given. ``key``
    is the file's ``content_key`` when the caller worked it out already.
    """
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    if len(raw) > config.max_digest_bytes:
        raise ParseError(
            f"the file holds {len(raw):,} bytes, more than 'max_digest_bytes' "
            f"({config.max_digest_bytes:,}); split it or raise the limit in digestgen.yaml",
            path,
            1,
        )
    found: list[DigestError] = []
    text = decode(raw, path, found)
    parts = split(text, path)
    errors: list[DigestError] = []
    try:
        slug = default_slug(path, config.digests_dir)
        front = parse_front_matter(parts, path, config.tz, config.author, slug)
        found += front.warnings
    except DigestError as exc:  # keep going: the body's mistakes are reported too
        errors.extend(getattr(exc, "errors", [exc]))
    body = _DigestParser(
        md or make_markdown(),
        path,
        parts.body_line,
        config.unsafe_html,
        link_normalizer(config.url_aliases, config.tracking_params),
    )
    intro, sections = body.parse(parts.body)
    collect(errors + body.errors)
    if warnings is not None:
        warnings.extend(found + body.warnings)
    return make_digest(path, key or content_key(path, raw, config), config, front, intro, sections)


def parse_site(
    config: SiteConfig, sources: Iterable[tuple[str, bytes]], drafts: bool = False
) -> Site:
    """Parse every digest, reporting all mistakes of all files together."""
    md = make_markdown()
    digests: list[Digest] = []
    errors: list[DigestError] = []
    warnings: list[DigestError] = []
    for path, data in sources:
        try:
            digests.append(parse_digest(data, path, config, md, warnings))
        except DigestError as exc:
            errors.extend(getattr(exc, "errors", [exc]))
    bodies = {digest.path: digest for digest in digests}
    heads = [digest.head() for digest in digests]
    return assemble_site(config, heads, lambda head: bodies[head.path], errors, drafts, warnings)


def source_files(root: Path, config: SiteConfig) -> list[tuple[str, bytes]]:
    """Every ``digests/**/*.md`` file as (path relative to the site root, bytes).

    Paths stay relative to the root, so a digest's identity (and every message
    about it) does not depend on where digestgen was started."""
    return [
        (path.relative_to(root).as_posix(), path.read_bytes())
        for path in source_paths(root, config)
    ]


__all__ = ["assemble_site", "parse_digest", "parse_site", "replace", "source_files"]
