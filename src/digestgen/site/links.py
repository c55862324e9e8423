"""Links as data: the link index, domains, "also featured in", contents and reading time.

Everything here is a function of the site's items (``ItemIndex``: oldest digest first,
page order within a digest), each named by its position there.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from functools import cache
from itertools import compress

from digestgen.model import Digest, DigestHead, Item, Section
from digestgen.site.items import ItemIndex
from digestgen.urls import slugify

WORDS_PER_MINUTE = 230
_NOT_IN_SLUG = re.compile(r"[^a-z0-9.-]+")


@dataclass(frozen=True, slots=True)
class DomainInfo:
    """What every page of a domain shows of it: its host, URL and link count."""

    host: str
    slug: str
    url: str
    count: int | None


@dataclass(frozen=True, slots=True)
class Domain:
    """A host featured in the digests (aliases applied) with its links (their positions
    in ``ItemIndex``), oldest first."""

    host: str
    slug: str
    url: str
    items: tuple[int, ...]

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


@cache
def domain_slug(host: str) -> str:
    """A URL-safe folder name for a host: ASCII (punycode for IDNs), lower case."""
    ascii_host = host
    if not host.isascii():
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_host = slugify(host)
    cleaned = _NOT_IN_SLUG.sub("-", ascii_host.lower()).strip(".-")
    return cleaned or "host"


def domain_path(item: Item) -> str | None:
    """The folder of the domain page that lists ``item`` (``None`` for a link without host)."""
    return f"domains/{domain_slug(item.host)}/" if item.host else None


def collect_domains(items: ItemIndex) -> tuple[Domain, ...]:
    """Every featured host with its links (oldest first), most links first, then by host.
    Hosts that share a slug share a page, named by the host seen first."""
    by_host: dict[str, list[int]] = defaultdict(list)
    for position, host in zip(range(len(items)), items.hosts, strict=True):
        by_host[host].append(position)
    by_host.pop("", None)  # text items and links without a host
    by_slug: dict[str, list[list[int]]] = defaultdict(list)
    first: dict[str, tuple[int, str]] = {}
    for host, positions in by_host.items():
        slug = domain_slug(host)
        by_slug[slug].append(positions)
        if slug not in first or positions[0] < first[slug][0]:
            first[slug] = (positions[0], host)
    domains = []
    for slug, groups in by_slug.items():
        positions = groups[0] if len(groups) == 1 else sorted(p for g in groups for p in g)
        domains.append(Domain(first[slug][1], slug, f"domains/{slug}/", tuple(positions)))
    domains.sort(key=lambda domain: (-domain.count, domain.host))
    return tuple(domains)


def also_featured(items: ItemIndex) -> dict[int, tuple[int, ...]]:
    """For each item whose link an earlier digest featured, those earlier items, oldest
    first (a link twice in one digest is not "featured before" for either). Most links
    are featured once: they are counted in C first, and only the others walked."""
    counts = Counter(items.links)
    again = {link for link, count in counts.items() if count > 1 and link}
    groups: dict[str, list[int]] = defaultdict(list)
    for position in compress(range(len(items)), map(again.__contains__, items.links)):
        groups[items.links[position]].append(position)
    featured: dict[int, tuple[int, ...]] = {}
    place = items.place
    for positions in groups.values():
        for n, position in enumerate(positions):
            earlier = tuple(p for p in positions[:n] if place[p] != place[position])
            if earlier:
                featured[position] = earlier
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
