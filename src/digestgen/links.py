"""Links as data: the link index, domains, "also featured in", contents and reading time."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from digestgen.model import Digest, Item, Section, Site
from digestgen.taxonomy import collect_tags
from digestgen.urls import normalize_url, slugify

WORDS_PER_MINUTE = 230
_WORD = re.compile(r"\w+")

Link = tuple[Digest, Item]


@dataclass(frozen=True, slots=True)
class Domain:
    """A host featured in the digests (aliases applied), with its links, newest first."""

    host: str
    slug: str
    url: str
    links: tuple[Link, ...]

    @property
    def count(self) -> int:
        return len(self.links)


@dataclass(frozen=True, slots=True)
class TocEntry:
    """One titled section of a digest for its table of contents."""

    title: str
    anchor: str
    level: int
    count: int


def all_links(site: Site) -> list[Link]:
    """Every item of every digest: newest digest first, page order within a digest."""
    return list(site.items())


@cache
def _normalized(url: str) -> str:
    """``normalize_url`` once per URL: domains and "also featured" both need it."""
    return normalize_url(url)


@cache
def host_of(url: str | None) -> str | None:
    """The host under which a link is filed: normalised, ``www.`` dropped, aliases applied."""
    if not url:
        return None
    try:
        host = urlsplit(_normalized(url)).hostname
    except ValueError:
        return None
    return host or None


def domain_slug(host: str) -> str:
    """A URL-safe folder name for a host: ASCII (punycode for IDNs), lower case."""
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_host = slugify(host)
    cleaned = re.sub(r"[^a-z0-9.-]+", "-", ascii_host.lower()).strip(".-")
    return cleaned or "host"


def collect_domains(site: Site) -> tuple[Domain, ...]:
    """Every featured host, sorted by link count (most first) then name."""
    by_slug: dict[str, list[Link]] = defaultdict(list)
    hosts: dict[str, str] = {}
    for digest, item in site.items():
        host = host_of(item.url)
        if host is None:
            continue
        slug = domain_slug(host)
        hosts.setdefault(slug, host)
        by_slug[slug].append((digest, item))
    domains = [
        Domain(hosts[slug], slug, f"domains/{slug}/", tuple(links))
        for slug, links in by_slug.items()
    ]
    domains.sort(key=lambda d: (-d.count, d.host))
    return tuple(domains)


def also_featured(site: Site) -> dict[Item, tuple[Link, ...]]:
    """For each item, the earlier digests' items with the same normalised URL, oldest first.

    Items are frozen and hashable (their source path differs per digest), so
    the mapping is keyed by the item itself and looked up at render time.
    """
    seen: dict[str, list[Link]] = defaultdict(list)
    out: dict[Item, tuple[Link, ...]] = {}
    oldest_first = sorted(site.digests, key=lambda d: (d.date, d.slug))
    for digest in oldest_first:
        in_this: list[tuple[str, Item]] = []
        for item in digest.items():
            if not item.url:
                continue
            key = _normalized(item.url)
            earlier = [link for link in seen[key] if link[0] is not digest]
            if earlier:
                out[item] = tuple(earlier)
            in_this.append((key, item))
        for key, item in in_this:
            seen[key].append((digest, item))
    return out


def _item_words(item: Item) -> int:
    return len(_WORD.findall(f"{item.title} {item.commentary} {item.notes}"))


def reading_minutes(digest: Digest) -> int:
    """Minutes to read the digest page itself (not the linked articles), at least 1."""
    words = sum(len(_WORD.findall(block.text)) for block in digest.intro)
    words += sum(_item_words(item) for item in digest.items())
    words += sum(_section_block_words(section) for section in digest.sections)
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def _section_block_words(section: Section) -> int:
    words = len(_WORD.findall(section.title))
    for part in section.content:
        if not isinstance(part, Item):
            words += len(_WORD.findall(part.text))
    return words + sum(_section_block_words(sub) for sub in section.subsections)


def table_of_contents(digest: Digest) -> list[TocEntry]:
    """The titled sections and subsections of a digest with their item counts."""

    def walk(sections: Sequence[Section]) -> Iterator[TocEntry]:
        for section in sections:
            if section.title:
                yield TocEntry(section.title, section.anchor, section.level, section.item_count)
            yield from walk(section.subsections)

    return list(walk(digest.sections))


def top_tags(site: Site, limit: int = 15) -> list[tuple[str, str, int]]:
    """``(name, url, count)`` of the most used tags, most first."""
    tags = sorted(collect_tags(site), key=lambda t: (-t.count, t.slug))
    return [(t.name, t.url, t.count) for t in tags[:limit]]
