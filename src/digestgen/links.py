"""Links as data: the link index, domains, "also featured in", contents and reading time."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain, compress
from operator import attrgetter, itemgetter

from digestgen.model import Digest, Item, Section, Site
from digestgen.taxonomy import Tag, collect_tags
from digestgen.urls import slugify

WORDS_PER_MINUTE = 230

Link = tuple[Digest, Item]


@dataclass(frozen=True, slots=True)
class Domain:
    """A host featured in the digests (aliases applied) and how many links it has.

    Its links are not part of it: a page of a domain shows its host, its count and
    its own slice of links, so an edit elsewhere in the domain leaves it as it is.
    """

    host: str
    slug: str
    url: str
    count: int


@dataclass(frozen=True, slots=True)
class TocEntry:
    """One titled section of a digest for its table of contents."""

    title: str
    anchor: str
    level: int
    count: int


def all_links(site: Site) -> tuple[Link, ...]:
    """Every item of every digest: newest digest first, page order within a digest."""
    return site.links


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


def collect_domains(site: Site) -> tuple[Domain, ...]:
    """Every featured host, sorted by link count (most first) then name."""
    return tuple(domain for domain, _ in domains_with_links(site))


def domains_with_links(site: Site) -> list[tuple[Domain, tuple[Link, ...]]]:
    """Every featured host with its links (newest first), ordered as ``collect_domains``.

    Grouped by host first, one append per link (half the time of looking up each link's
    slug: 12 ms instead of 23 ms for 40,000 links), then by slug."""
    by_host: dict[str | None, list[Link]] = defaultdict(list)
    for link in site.links:
        by_host[link[1].host].append(link)
    by_slug: dict[str, list[list[Link]]] = defaultdict(list)
    first: dict[str, str] = {}
    for host, links in by_host.items():
        if host is not None:  # a text item, or a link without a host
            slug = domain_slug(host)
            first.setdefault(slug, host)
            by_slug[slug].append(links)
    domains: list[tuple[Domain, tuple[Link, ...]]] = []
    place: dict[int, int] = {}
    for slug, groups in by_slug.items():
        if len(groups) == 1:
            listed = tuple(groups[0])
        else:  # hosts that share a slug: their links back in site order
            place = place or {id(link): n for n, link in enumerate(site.links)}
            listed = tuple(sorted(chain.from_iterable(groups), key=lambda link: place[id(link)]))
        domains.append((Domain(first[slug], slug, f"domains/{slug}/", len(listed)), listed))
    domains.sort(key=lambda pair: (-pair[0].count, pair[0].host))
    return domains


_ITEM = itemgetter(1)
_LINK = attrgetter("link")


def also_featured(site: Site) -> dict[int, tuple[Link, ...]]:
    """For each item (by ``id``: the site keeps its items alive), the earlier digests'
    items with the same normalised link, oldest first. Hashing a frozen item would
    hash all of its fields, which takes longer than the rest of this walk.

    Most links are featured once: the links are counted in C first, and only those
    featured more than once are walked."""
    links = site.links
    keys = list(map(_LINK, map(_ITEM, links)))
    counts = Counter(keys)
    again = {key for key, count in counts.items() if count > 1 and key is not None}
    if not again:
        return {}
    groups: dict[str, list[Link]] = defaultdict(list)
    for link in compress(links, map(again.__contains__, keys)):
        groups[link[1].link].append(link)  # type: ignore[index]
    out: dict[int, tuple[Link, ...]] = {}
    for group in groups.values():
        # Oldest digest first; a digest's own links stay in page order (a stable sort).
        group.sort(key=lambda link: (link[0].date, link[0].slug))
        start = 0
        while start < len(group):
            digest, end = group[start][0], start + 1
            while end < len(group) and group[end][0] is digest:
                end += 1
            # A link twice in one digest is not "featured before" for either of them.
            if start:
                earlier = tuple(group[:start])
                for _, item in group[start:end]:
                    out[id(item)] = earlier
            start = end
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


def top_tags(
    site: Site, limit: int = 15, tags: Sequence[Tag] | None = None
) -> list[tuple[str, str, int]]:
    """``(name, url, count)`` of the most used tags (``collect_tags`` unless given), most first."""
    tags = sorted(collect_tags(site) if tags is None else tags, key=lambda t: (-t.count, t.slug))
    return [(t.name, t.url, t.count) for t in tags[:limit]]
