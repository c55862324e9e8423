"""Links as data: the link index, domains, "also featured in", contents and reading time.

Everything here is a function of the digests' heads (newest first, as ``Site.heads``);
an item is named by its ``Ref``: the place of its digest and its own place in it.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from functools import cache

from digestgen.model import Digest, DigestHead, Item, Section
from digestgen.site.tags import Ref
from digestgen.urls import slugify

WORDS_PER_MINUTE = 230


@dataclass(frozen=True, slots=True)
class DomainInfo:
    """What every page of a domain shows of it: its host, URL and link count."""

    host: str
    slug: str
    url: str
    count: int | None


@dataclass(frozen=True, slots=True)
class Domain:
    """A host featured in the digests (aliases applied) with its links, oldest first."""

    host: str
    slug: str
    url: str
    items: tuple[Ref, ...]

    @property
    def count(self) -> int:
        return len(self.items)

    def info(self) -> DomainInfo:
        return DomainInfo(self.host, self.slug, self.url, self.count)


@dataclass(frozen=True, slots=True)
class TocEntry:
    """One titled section of a digest for its table of contents."""

    title: str
    anchor: str
    level: int
    count: int


def all_links(heads: Sequence[DigestHead]) -> list[Ref]:
    """Every item of every digest, oldest digest first, page order within a digest."""
    return [
        (place, index)
        for place in range(len(heads) - 1, -1, -1)
        for index in range(len(heads[place].refs))
    ]


@cache
def domain_slug(host: str) -> str:
    """A URL-safe folder name for a host: ASCII (punycode for IDNs), lower case."""
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_host = slugify(host)
    cleaned = re.sub(r"[^a-z0-9.-]+", "-", ascii_host.lower()).strip(".-")
    return cleaned or "host"


def domain_path(item: Item) -> str | None:
    """The folder of the domain page that lists ``item`` (``None`` for a link without host)."""
    return f"domains/{domain_slug(item.host)}/" if item.host else None


def collect_domains(heads: Sequence[DigestHead]) -> tuple[Domain, ...]:
    """Every featured host with its links (oldest first), most links first, then by host.
    Hosts that share a slug share a page, named by the host seen first."""
    by_slug: dict[str, list[Ref]] = defaultdict(list)
    first: dict[str, str] = {}
    for place, index in all_links(heads):
        host = heads[place].refs[index].host
        if host is not None:
            slug = domain_slug(host)
            first.setdefault(slug, host)
            by_slug[slug].append((place, index))
    domains = [
        Domain(first[slug], slug, f"domains/{slug}/", tuple(refs)) for slug, refs in by_slug.items()
    ]
    domains.sort(key=lambda domain: (-domain.count, domain.host))
    return tuple(domains)


def also_featured(heads: Sequence[DigestHead]) -> dict[Ref, tuple[Ref, ...]]:
    """For each item whose link an earlier digest featured, those earlier items, oldest
    first (a link twice in one digest is not "featured before" for either)."""
    groups: dict[str, list[Ref]] = defaultdict(list)
    for place, index in all_links(heads):
        link = heads[place].refs[index].link
        if link is not None:
            groups[link].append((place, index))
    featured: dict[Ref, tuple[Ref, ...]] = {}
    for refs in groups.values():
        if len(refs) < 2:
            continue
        for position, ref in enumerate(refs):
            earlier = tuple(other for other in refs[:position] if other[0] != ref[0])
            if earlier:
                featured[ref] = earlier
    return featured


def reading_minutes(digest: Digest | DigestHead) -> int:
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


def by_year(heads: Sequence[DigestHead], zone: tzinfo) -> list[tuple[int, list[DigestHead]]]:
    """Digests grouped by year in the site's timezone, newest year first."""
    years: dict[int, list[DigestHead]] = defaultdict(list)
    for head in heads:
        years[head.date.astimezone(zone).year].append(head)
    return sorted(years.items(), key=lambda pair: pair[0], reverse=True)
