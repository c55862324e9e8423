"""Digest files -> the item model. The only place that builds model objects."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from markdown_it import MarkdownIt
from markdown_it.token import Token

from digestgen.assemble import assemble_site
from digestgen.config import SiteConfig
from digestgen.errors import DigestError, ParseError, collect
from digestgen.frontmatter import FrontMatter, decode, parse_front_matter, split
from digestgen.htmlpolicy import rejected_html
from digestgen.markdown import (
    attr,
    block_text,
    inline_text,
    make_markdown,
    render_blocks,
    render_inline,
)
from digestgen.model import Block, Digest, Item, Section, Site
from digestgen.sources import source_paths
from digestgen.urls import (
    AnchorSet,
    anchor_for_url,
    domain_of,
    host_of_link,
    is_unsafe_url,
    link_normalizer,
    scheme_of,
    slugify,
)

_LABEL = re.compile(r"^\s*\[([^\[\]]{1,40})\]\s+$")
_TRAILING_TAGS = re.compile(r"(?:^|\s)((?:#[^\W\d_][\w-]*\s*)+)$")
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


def _end_of(tokens: Sequence[Token], start: int) -> int:
    """Index just past the block that opens at ``start``."""
    opener = tokens[start]
    if opener.nesting != 1:
        return start + 1
    for index in range(start + 1, len(tokens)):
        tok = tokens[index]
        if tok.nesting == -1 and tok.level == opener.level:
            return index + 1
    return len(tokens)


def _split_trailing_tags(children: list[Token]) -> tuple[list[Token], tuple[str, ...]]:
    """Take ``#tag`` words off the end of an item's first paragraph."""
    if not children or children[-1].type != "text":
        return children, ()
    last = children[-1]
    match = _TRAILING_TAGS.search(last.content)
    if not match:
        return children, ()
    tags = tuple(word[1:] for word in match.group(1).split())
    kept = last.content[: match.start(1)].rstrip()
    trimmed = children[:-1] + ([last.copy(content=kept)] if kept else [])
    return trimmed, tags


class _DigestParser:
    """Walks one digest's top-level tokens, keeping every block in order."""

    def __init__(
        self,
        md: MarkdownIt,
        path: str,
        body_line: int,
        unsafe_html: bool = False,
        normalize: Callable[[str], str] | None = None,
    ) -> None:
        self.md = md
        self.unsafe_html = unsafe_html
        self.normalize = normalize or link_normalizer()
        self.warnings: list[DigestError] = []
        self.heading_level = 1  # the page's title is the h1
        self.path = path
        self.body_line = body_line
        self.anchors = AnchorSet()
        for reserved in RESERVED_IDS:
            self.anchors.claim(reserved)
        self.intro: list[Block] = []
        self.sections: list[_SectionDraft] = []
        self.errors: list[DigestError] = []

    def line_of(self, token: Token) -> int:
        return self.body_line + (token.map[0] if token.map else 0)

    def parse(self, body: str) -> tuple[tuple[Block, ...], tuple[Section, ...]]:
        tokens = self.md.parse(body)
        self._check_links(tokens)
        index = 0
        while index < len(tokens):
            end = _end_of(tokens, index)
            self._top_level(tokens, index, end)
            index = end
        self._check_empty(self.sections)
        return tuple(self.intro), tuple(s.freeze() for s in self.sections)

    def warn(self, message: str, token: Token) -> None:
        self.warnings.append(ParseError(message, self.path, self.line_of(token)))

    def _check_empty(self, sections: Sequence[_SectionDraft]) -> None:
        for section in sections:
            if section.title and not section.content and not section.subsections:
                self.warnings.append(
                    ParseError(f"section '{section.title}' is empty", self.path, section.line)
                )
            self._check_empty(section.subsections)

    def _check_heading(self, tok: Token) -> None:
        level = int(tok.tag[1])
        if level > self.heading_level + 1:
            self.warn(
                f"heading level skips from h{self.heading_level} to h{level}; "
                f"use {'#' * (self.heading_level + 1)} here",
                tok,
            )
        self.heading_level = level

    def _check_html(self, tok: Token, raw: str) -> None:
        rejected = [] if self.unsafe_html else rejected_html(raw)
        if rejected:
            self.warn(
                f"raw HTML {', '.join(dict.fromkeys(rejected))} is shown as text; only harmless "
                "formatting tags pass (set 'unsafe_html: true' in digestgen.yaml to allow all)",
                tok,
            )

    def _check_links(self, tokens: Sequence[Token]) -> None:
        for tok in tokens:
            if tok.type == "heading_open":
                self._check_heading(tok)
            if tok.type == "html_block":
                self._check_html(tok, tok.content)
            if tok.type != "inline":
                continue
            inline_html = [c.content for c in tok.children or [] if c.type == "html_inline"]
            if inline_html:
                self._check_html(tok, "".join(inline_html))
            for child in tok.children or []:
                url = attr(child, "href") if child.type == "link_open" else attr(child, "src")
                if url and is_unsafe_url(url):
                    self.errors.append(
                        ParseError(
                            f"link with unsafe scheme '{scheme_of(url)}:' is not allowed: {url!r}",
                            self.path,
                            self.line_of(tok),
                        )
                    )

    def _current(self) -> _SectionDraft:
        """The innermost open section, opening the untitled lead section if needed."""
        if not self.sections:
            self.sections.append(_SectionDraft("", "", "", 2, self.body_line))
        section = self.sections[-1]
        return section.subsections[-1] if section.subsections else section

    def _top_level(self, tokens: Sequence[Token], start: int, end: int) -> None:
        tok = tokens[start]
        if tok.type == "heading_open" and tok.tag in ("h2", "h3"):
            self._heading(tok, tokens[start + 1])
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            self._list(tokens, start, end)
        else:
            kind = tok.type.removesuffix("_open")
            html = render_blocks(self.md, tokens[start:end])
            block = Block(kind, html, block_text(tokens[start:end]), self.line_of(tok))
            if self.sections:
                self._current().content.append(block)
            else:
                self.intro.append(block)

    def _heading(self, tok: Token, inline: Token) -> None:
        children = inline.children or []
        title = inline_text(children).strip()
        draft = _SectionDraft(
            title=title,
            title_html=render_inline(self.md, children),
            anchor=self.anchors.claim(slugify(title) or "section"),
            level=2 if tok.tag == "h2" else 3,
            line=self.line_of(tok),
        )
        if draft.level == 2:
            self.sections.append(draft)
        else:
            if not self.sections:
                self._current()
            self.sections[-1].subsections.append(draft)

    def _list(self, tokens: Sequence[Token], start: int, end: int) -> None:
        index = start + 1
        target = self._current()
        while index < end - 1:
            item_end = _end_of(tokens, index)
            if tokens[index].type == "list_item_open":
                item = self._item(tokens[index], tokens[index + 1 : item_end - 1])
                if item is not None:
                    target.content.append(item)
            index = item_end

    def _item(self, opener: Token, inner: Sequence[Token]) -> Item | None:
        if not inner:
            return None
        children: list[Token] = []
        rest: Sequence[Token] = inner
        if inner[0].type == "paragraph_open" and len(inner) >= 3:
            children = list(inner[1].children or [])
            rest = inner[3:]
        children, tags = _split_trailing_tags(children)
        label: str | None = None
        first = 0
        if len(children) > 1 and children[0].type == "text" and children[1].type == "link_open":
            match = _LABEL.match(children[0].content)
            if match:
                label, first = match.group(1), 1
        url: str | None = None
        title_children: list[Token] = []
        comment_children = children
        if first < len(children) and children[first].type == "link_open":
            close = next(
                i
                for i in range(first + 1, len(children))
                if children[i].type == "link_close" and children[i].level == children[first].level
            )
            url = attr(children[first], "href")
            title_children = children[first + 1 : close]
            comment_children = children[close + 1 :]
        elif label is not None:
            label, comment_children = None, children
        if comment_children and comment_children[0].type == "text":
            lead = comment_children[0]
            comment_children = [lead.copy(content=lead.content.lstrip()), *comment_children[1:]]
        title = inline_text(title_children).strip()
        commentary = inline_text(comment_children).strip()
        if url is not None:
            commentary = _LEADING_SEPARATOR.sub("", commentary)
            anchor = anchor_for_url(url)
        else:
            anchor = slugify(commentary or block_text(rest), 48) or "item"
        link = self.normalize(url) if url is not None and not url.startswith("#") else None
        domain = domain_of(url) if url else None
        return Item(
            anchor=self.anchors.claim(anchor),
            url=url,
            title=title,
            title_html=_same(title, render_inline(self.md, title_children)),
            label=label,
            commentary=commentary,
            commentary_html=_same(commentary, render_inline(self.md, comment_children)),
            notes=block_text(rest),
            notes_html=render_blocks(self.md, rest),
            tags=tags,
            domain=domain,
            link=_same(url, link),
            host=_same(domain, host_of_link(link) if link else None),
            path=self.path,
            line=self.line_of(opener),
        )


_Text = TypeVar("_Text", str, str | None)


def _same(known: _Text, value: _Text) -> _Text:
    """``known`` when ``value`` equals it: one string object instead of two equal ones
    (most titles and links have no markup or nothing to normalise), which the cache
    pickles and the build holds once per item instead of twice."""
    return known if value == known else value


def digest_url(config: SiteConfig, front: FrontMatter) -> str:
    """The digest's path below the site root, from the permalink pattern."""
    local = front.date.astimezone(config.tz)
    path = config.permalink.format(
        slug=front.slug,
        number=front.number if front.number is not None else front.slug,
        year=f"{local.year:04d}",
        month=f"{local.month:02d}",
        day=f"{local.day:02d}",
    )
    return path.lstrip("/")


def parse_digest(
    data: bytes | str,
    path: str,
    config: SiteConfig,
    md: MarkdownIt | None = None,
    warnings: list[DigestError] | None = None,
) -> Digest:
    """Parse one digest file's content; raises ``ParseError``/``DigestErrors``.

    Mistakes that do not stop a build are appended to ``warnings`` when given.
    """
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    text = decode(raw, path)
    parts = split(text, path)
    errors: list[DigestError] = []
    try:
        front = parse_front_matter(parts, path, config.tz, config.author)
    except DigestError as exc:  # keep going: the body's mistakes are reported too
        errors.extend(getattr(exc, "errors", [exc]))
    body = _DigestParser(
        md or make_markdown(config.unsafe_html),
        path,
        parts.body_line,
        config.unsafe_html,
        link_normalizer(config.url_aliases, config.tracking_params),
    )
    intro, sections = body.parse(parts.body)
    collect(errors + body.errors)
    if warnings is not None:
        warnings.extend(body.warnings)
    return Digest(
        path=path,
        slug=front.slug,
        url=digest_url(config, front),
        title=front.title,
        date=front.date,
        updated=front.updated,
        number=front.number,
        author=front.author,
        tags=front.tags,
        summary=front.summary,
        draft=front.draft,
        image=front.image,
        intro=intro,
        sections=sections,
        words=count_words(intro, sections),
        key_lines=front.lines,
    )


_WORD = re.compile(r"\w+")


def count_words(intro: Sequence[Block], sections: Sequence[Section]) -> int:
    """The words a reader reads on the digest's page: intro, headings, items and blocks."""
    words = sum(len(_WORD.findall(block.text)) for block in intro)
    stack = list(sections)
    while stack:
        section = stack.pop()
        words += len(_WORD.findall(section.title))
        for part in section.content:
            if isinstance(part, Item):
                words += len(_WORD.findall(f"{part.title} {part.commentary} {part.notes}"))
            else:
                words += len(_WORD.findall(part.text))
        stack.extend(section.subsections)
    return words


def parse_site(
    config: SiteConfig, sources: Iterable[tuple[str, bytes]], drafts: bool = False
) -> Site:
    """Parse every digest, reporting all mistakes of all files together."""
    md = make_markdown(config.unsafe_html)
    digests: list[Digest] = []
    errors: list[DigestError] = []
    warnings: list[DigestError] = []
    for path, data in sources:
        try:
            digests.append(parse_digest(data, path, config, md, warnings))
        except DigestError as exc:
            errors.extend(getattr(exc, "errors", [exc]))
    return assemble_site(config, digests, errors, drafts, warnings)


def source_files(root: Path, config: SiteConfig) -> list[tuple[str, bytes]]:
    """Every ``digests/**/*.md`` file as (path relative to the site root, bytes).

    Paths stay relative to the root, so a digest's identity (and every message
    about it) does not depend on where digestgen was started."""
    return [
        (path.relative_to(root).as_posix(), path.read_bytes())
        for path in source_paths(root, config)
    ]


__all__ = ["assemble_site", "parse_digest", "parse_site", "replace", "source_files"]
