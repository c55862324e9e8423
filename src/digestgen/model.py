"""The item model: site -> digest -> section -> item. Frozen; built only by the parser.

Digests, sections, items and blocks are typed named tuples: immutable, made in one
step, and cheap to hold by the tens of thousands. Every digest carries ``key``, a hash
of its source and of everything its parse depends on, and every item ``key``, a hash of
everything a page can show of it: a page names what it shows by these keys, and a page
whose keys did not change is not rendered again.

A ``DigestHead`` is a digest without its body: what the listings, the archive and the
feeds' choice of entries need, its items as columns (each item's anchor, key, host,
link and tags). A build of an edit loads the heads of every digest and the bodies only
of the digests whose pages it renders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import NamedTuple

from digestgen.config import SiteConfig
from digestgen.errors import DigestError


class Block(NamedTuple):
    """Content between items, kept in place: a paragraph, quote, table, code or HTML."""

    kind: str
    html: str
    text: str
    line: int


class Item(NamedTuple):
    """One entry of a digest: a link with its commentary and notes, or a text item.

    ``url`` is ``None`` for a text item, whose whole first paragraph is its
    commentary. ``anchor`` is stable: derived from the URL (or the text of a
    text item), unique within its digest page. ``domain`` is the host as written
    (without ``www.``); ``link`` is the URL in the site's normalised form (two
    items with the same ``link`` feature the same link) and ``host`` the host the
    link is filed under on the domain pages (aliases applied). ``key`` is a hash of
    every field but ``path`` and ``line``.
    """

    anchor: str
    url: str | None
    title: str
    title_html: str
    label: str | None
    commentary: str
    commentary_html: str
    notes: str
    notes_html: str
    tags: tuple[str, ...]
    domain: str | None
    link: str | None
    host: str | None
    path: str
    line: int
    key: str = ""


class Section(NamedTuple):
    """A ``##`` section (level 2) or a ``###`` subsection (level 3) of a digest.

    The lead section, holding items before the first heading, has ``title`` ``""``.
    ``content`` keeps items and blocks in source order; subsections follow it.
    """

    title: str
    title_html: str
    anchor: str
    level: int
    line: int
    content: tuple[Item | Block, ...]
    subsections: tuple[Section, ...]

    def items(self) -> Iterator[Item]:
        """Every item of the section and its subsections, in order."""
        for part in self.content:
            if isinstance(part, Item):
                yield part
        for sub in self.subsections:
            yield from sub.items()

    @property
    def item_count(self) -> int:
        return sum(1 for _ in self.items())

    @property
    def link_count(self) -> int:
        return sum(1 for item in self.items() if item.url is not None)


class DigestHead(NamedTuple):
    """A digest's front matter, counts and item columns, without its body.

    ``words`` counts the words of the page itself (for its reading time); ``key_lines``
    holds the file line of each front matter key given. ``anchors``, ``item_keys``,
    ``hosts`` (empty: none), ``links`` (a short hash of the item's normalised link, by
    which repeats are found; empty: none) and ``item_tags`` (an item's tags joined by
    commas) hold one value per item, in page order, joined by spaces (none of them holds
    one): the whole site's columns are joined and cut in C, not item by item. The fields
    are the first fields of ``Digest``, in the same order.
    """

    path: str
    key: str
    slug: str
    url: str
    title: str
    date: datetime
    updated: datetime | None
    number: int | None
    author: str
    tags: tuple[str, ...]
    summary: str
    draft: bool
    image: str | None
    feed_id: str | None
    aliases: tuple[str, ...]
    words: int
    item_count: int
    link_count: int
    key_lines: tuple[tuple[str, int], ...]
    anchors: str
    item_keys: str
    hosts: str
    links: str
    item_tags: str

    def line_of(self, key: str) -> int:
        """The line of front matter key ``key``, or the file's first line when it is not
        given (a slug from the file name)."""
        return next((line for name, line in self.key_lines if name == key), 1)

    @property
    def last_modified(self) -> datetime:
        return self.updated or self.date


class Digest(NamedTuple):
    """One digest file: its head (the fields of ``DigestHead``), intro and sections."""

    path: str
    key: str
    slug: str
    url: str
    title: str
    date: datetime
    updated: datetime | None
    number: int | None
    author: str
    tags: tuple[str, ...]
    summary: str
    draft: bool
    image: str | None
    feed_id: str | None
    aliases: tuple[str, ...]
    words: int
    item_count: int
    link_count: int
    key_lines: tuple[tuple[str, int], ...]
    anchors: str
    item_keys: str
    hosts: str
    links: str
    item_tags: str
    intro: tuple[Block, ...]
    sections: tuple[Section, ...]

    def line_of(self, key: str) -> int:
        """The line of front matter key ``key`` (``DigestHead.line_of``)."""
        return next((line for name, line in self.key_lines if name == key), 1)

    @property
    def last_modified(self) -> datetime:
        return self.updated or self.date

    def head(self) -> DigestHead:
        """The digest without its body."""
        return DigestHead._make(self[:_HEAD_SIZE])

    def all_sections(self) -> Iterator[Section]:
        """Every section and subsection, in file order."""
        stack = list(reversed(self.sections))
        while stack:
            section = stack.pop()
            yield section
            stack.extend(reversed(section.subsections))

    def items(self) -> Iterator[Item]:
        """Every item of the digest, in page order."""
        found: list[Item] = []
        _items_of(self.sections, found)
        return iter(found)


_HEAD_SIZE = len(DigestHead._fields)


def _items_of(sections: tuple[Section, ...], found: list[Item]) -> None:
    """The items of ``sections`` and their subsections in page order, added to ``found``."""
    for section in sections:
        found += [part for part in section.content if type(part) is Item]
        if section.subsections:
            _items_of(section.subsections, found)


@dataclass(frozen=True)
class Site:
    """The published digests, newest first, as heads; ``body`` gives a head's whole digest
    (from memory, or from the cache for a build that parsed only what changed)."""

    config: SiteConfig
    heads: tuple[DigestHead, ...]
    body: Callable[[DigestHead], Digest] = field(repr=False, compare=False)
    # Mistakes that do not stop a build (an empty section, a skipped heading level).
    warnings: tuple[DigestError, ...] = ()

    @cached_property
    def digests(self) -> tuple[Digest, ...]:
        """Every published digest with its body, newest first (the commands that read
        them all; a build reads only the bodies of the pages it renders)."""
        return tuple(map(self.body, self.heads))

    def items(self) -> Iterator[tuple[Digest, Item]]:
        """Every item with its digest, newest digest first, page order within."""
        for digest in self.digests:
            for item in digest.items():
                yield digest, item
