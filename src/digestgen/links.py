"""Links as data: the link index, domains, "also featured in", contents and reading time."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from digestgen.model import Digest, Item, Section, Site
from digestgen.taxonomy import collect_tags
from digestgen.urls import slugify

WORDS_PER_MINUTE = 230

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
        host = item.host
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
            key = item.link
            if key is None:
                continue
            earlier = [link for link in seen[key] if link[0] is not digest]
            if earlier:
                out[item] = tuple(earlier)
            in_this.append((key, item))
        for key, item in in_this:
            seen[key].append((digest, item))
    return out


def reading_minutes(digest: Digest) -> int:
    """Minutes to read the digest page itself (not the linked articles), at least 1."""
    return max(1, math.ceil(digest.words / WORDS_PER_MINUTE))


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
