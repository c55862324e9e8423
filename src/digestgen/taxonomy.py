"""Groupings of the model that pages and feeds share: tags, years, neighbours."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache

from digestgen.model import Digest, Item, Site
from digestgen.urls import slugify


@dataclass(frozen=True, slots=True)
class Tag:
    """A tag as shown (its most used spelling) with its URL slug and what carries it."""

    name: str
    slug: str
    url: str
    digests: tuple[Digest, ...]
    items: tuple[tuple[Digest, Item], ...]

    @property
    def count(self) -> int:
        return len(self.digests) + len(self.items)


@dataclass(frozen=True, slots=True)
class TagInfo:
    """What every page of a tag shows of it: its name, URL and how many carry it.

    A tag's pages list its links a page at a time; an edit to one of them changes
    the page that lists it, not every page of the tag.
    """

    name: str
    slug: str
    url: str
    count: int

    @staticmethod
    def of(tag: Tag) -> TagInfo:
        return TagInfo(tag.name, tag.slug, tag.url, tag.count)


_TAG_SYMBOLS = {"+": " plus ", "#": " sharp ", "&": " and "}


@cache
def tag_slug(name: str) -> str:
    """The URL name of a tag: case and spaces folded (``Deep Learning`` and
    ``deep-learning`` share a page), symbols spelled out so ``c++`` is not ``c``."""
    spelled = "".join(_TAG_SYMBOLS.get(char, char) for char in name)
    return slugify(spelled) or "tag"


def tag_url(name: str) -> str:
    return f"tags/{tag_slug(name)}/"


def collect_tags(site: Site) -> tuple[Tag, ...]:
    """Digest tags and item tags, merged by slug, sorted by slug."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    digests: dict[str, list[Digest]] = defaultdict(list)
    items: dict[str, list[tuple[Digest, Item]]] = defaultdict(list)
    for digest in site.digests:
        for name in digest.tags:
            slug = tag_slug(name)
            spellings[slug][name] += 1
            # Identity, not ==: comparing whole digests field by field is slow.
            if not digests[slug] or digests[slug][-1] is not digest:
                digests[slug].append(digest)
    for link in site.links:
        for name in link[1].tags:
            slug = tag_slug(name)
            spellings[slug][name] += 1
            items[slug].append(link)
    tags = []
    for slug in sorted(spellings):
        name = sorted(spellings[slug].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        tags.append(Tag(name, slug, f"tags/{slug}/", tuple(digests[slug]), tuple(items[slug])))
    return tuple(tags)


def by_year(digests: tuple[Digest, ...], site: Site) -> list[tuple[int, list[Digest]]]:
    """Digests grouped by year in the site's timezone, newest year first."""
    years: dict[int, list[Digest]] = defaultdict(list)
    for digest in digests:
        years[digest.date.astimezone(site.config.tz).year].append(digest)
    return sorted(years.items(), reverse=True)


def neighbours(site: Site, index: int) -> tuple[Digest | None, Digest | None]:
    """(older, newer) digest around the one at ``index`` of the newest-first list."""
    older = site.digests[index + 1] if index + 1 < len(site.digests) else None
    newer = site.digests[index - 1] if index > 0 else None
    return older, newer
