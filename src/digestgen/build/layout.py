"""The site's layout: what of each digest shapes the pages that do not show it
(``digest_shape``), and the three ways the site's links are grouped, which depend on
nothing else (``Groupings``: by tag, by domain, and "also featured in").

An edit that keeps every digest's shape (a comment, a note) keeps the groupings, so a
build remembers them (``remembered_layout``), as places in the site's lists, in
``.digestgen-cache/groupings.bin``: at 1,000 digests they took 0.045-0.06 s to work
out again, and 0.013-0.018 s to read back, shapes checked (in one slow spell of the
benchmark's machine).
"""

from __future__ import annotations

import hashlib
import marshal
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any

from digestgen.build.cachestore import Signer, read_sealed, write_sealed
from digestgen.build.fingerprint import code_fingerprint
from digestgen.model import Digest, Item, Site
from digestgen.site.links import (
    Domain,
    DomainPlaces,
    FeaturedPlaces,
    Link,
    domain_places,
    domains_at,
    featured_at,
    featured_places,
)
from digestgen.site.tags import Tag, TagPlaces, tag_places, tags_at

GROUPINGS_FILE = "groupings.bin"
_VERSION = 1

_ITEM_SHAPE = attrgetter(
    "anchor", "url", "title", "title_html", "label", "tags", "domain", "link", "host", "path"
)
_SECTION_SHAPE = attrgetter("title", "title_html", "anchor", "level")
_DIGEST_SHAPE = attrgetter(
    "path", "slug", "url", "title", "number", "author", "tags", "draft", "image", "item_count"
)


def digest_shape(digest: Digest) -> str:
    """What of a digest can shape the pages and feeds that do not show it: which pages
    there are (tags, hosts, items), what they list and in which order (dates, links), and
    what they say of it there (titles, counts). Not in it: commentary, notes, blocks,
    intro, summary, word count and line numbers, which only the outputs that show the
    digest itself (by reference, so traced) can hold."""
    updated = digest.updated.isoformat() if digest.updated is not None else None
    parts: list[object] = [_DIGEST_SHAPE(digest), digest.date.isoformat(), updated]
    for section in digest.all_sections():
        parts.append(_SECTION_SHAPE(section))
        parts.append(tuple(map(_ITEM_SHAPE, [p for p in section.content if type(p) is Item])))
    # Version 0: strings by value alone, whether interned or shared (later versions
    # mark both, and the same digest parsed or loaded could then differ).
    return hashlib.sha256(marshal.dumps(parts, 0)).hexdigest()


@dataclass(frozen=True, slots=True)
class Groupings:
    """The site's links by tag (``collect_tags``), by domain (``domains_with_links``)
    and, for each item (by ``id``) featured before, the earlier items with its link
    (``also_featured``)."""

    tags: tuple[Tag, ...]
    domain_links: list[tuple[Domain, tuple[Link, ...]]]
    featured: dict[int, tuple[Link, ...]]

    @staticmethod
    def of(site: Site) -> Groupings:
        return Groupings.at(site, *_places(site))

    @staticmethod
    def at(
        site: Site,
        tags: Iterable[TagPlaces],
        domains: Iterable[DomainPlaces],
        featured: Iterable[FeaturedPlaces],
    ) -> Groupings:
        """The groupings whose places ``tag_places``, ``domain_places`` and
        ``featured_places`` gave, of the same site."""
        return Groupings(
            tags_at(site, tags), domains_at(site, domains), featured_at(site, featured)
        )


def _places(site: Site) -> tuple[list[TagPlaces], list[DomainPlaces], list[FeaturedPlaces]]:
    return tag_places(site), domain_places(site), featured_places(site)


@dataclass(frozen=True, slots=True)
class Layout:
    """Each digest's shape (by ``id``) and the groupings of the site's links."""

    shapes: dict[int, str]
    groupings: Groupings


def remembered_layout(site: Site, keys: Mapping[int, str], path: Path, signer: Signer) -> Layout:
    """The site's layout, its groupings read back from ``path`` when every digest has
    the shape it had when they were written there, in the same order (a shape holds
    the digest's path), and digestgen is the same. A digest keeps the shape recorded
    for it while its parse key (``keys``, by ``id``) is the one recorded; the others'
    shapes are worked out. Otherwise the groupings are worked out and written to
    ``path``, sealed with ``signer``."""
    record = read_sealed(path, signer)
    digests = site.digests
    paths = [d.path for d in digests]
    parse_keys = [keys.get(id(d)) for d in digests]
    known: dict[tuple[str, str | None], str] = {}
    fits = False
    if _readable(record):
        _, code, old_paths, old_keys, old_shapes = record[:5]
        known = dict(zip(zip(old_paths, old_keys, strict=True), old_shapes, strict=True))
        fits = code == code_fingerprint()
    shapes: list[str] = []
    for digest, path_, key in zip(digests, paths, parse_keys, strict=True):
        shape = known.get((path_, key)) if key is not None else None
        shapes.append(shape if shape is not None else digest_shape(digest))
    by_id = {id(d): shape for d, shape in zip(digests, shapes, strict=True)}
    if fits and shapes == record[4]:
        try:
            layout = Layout(by_id, _read_back(site, record[5:]))
        except (IndexError, TypeError, ValueError):
            pass  # not what this digestgen writes: worked out again below
        else:
            if parse_keys != record[3]:  # the new keys' shapes, for the next build
                write_sealed(path, signer, [*record[:3], parse_keys, *record[4:]])
            return layout
    places = _places(site)
    # ``marshal`` writes the arrays of places as their bytes.
    write_sealed(path, signer, [_VERSION, code_fingerprint(), paths, parse_keys, shapes, *places])
    return Layout(by_id, Groupings.at(site, *places))


def _readable(record: Any) -> bool:
    return isinstance(record, list) and len(record) == 8 and record[0] == _VERSION


def _read_back(site: Site, plain: Sequence[Any]) -> Groupings:
    """The groupings ``_places`` gave, from their record (arrays as bytes)."""
    tags, domains, featured = plain
    return Groupings.at(
        site,
        [
            (name, slug, url, array("I", at), array("I", items))
            for name, slug, url, at, items in tags
        ],
        [(host, slug, url, array("I", listed)) for host, slug, url, listed in domains],
        [(place, array("I", earlier)) for place, earlier in featured],
    )
