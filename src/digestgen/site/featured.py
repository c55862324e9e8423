"""Where a link was already featured: the duplicate lookup shared by add, publish and check,
and the repeats ``digestgen check`` reports (a link featured again as news, not a block
that recurs every week)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import NamedTuple

from digestgen.config import SiteConfig
from digestgen.model import Digest, Item, Section, Site
from digestgen.urls import link_normalizer

# A section is a recurring block (credits, chat channels, open RFCs, events) when at least
# this share of its links, and two at least, were in it in one of the few digests before.
RECENT_DIGESTS = 4
RECURRING_SHARE = 0.2


def url_key(config: SiteConfig) -> Callable[[str], str]:
    """The site's URL normalisation: the built-in rules plus its aliases and parameters."""
    return link_normalizer(config.url_aliases, config.tracking_params)


def find_featured(site: Site, url: str) -> list[tuple[Digest, Item]]:
    """Every (digest, item) of ``site`` whose link is the same link as ``url``.

    Links compare by the site's :func:`url_key` (the same rules as ``digestgen check``),
    so ``http://www.x.org/a/`` and ``https://x.org/a?utm_source=feed`` are the same link.
    Pure: reads the model only (the parser normalised each item's link as ``Item.link``).
    """
    key = url_key(site.config)(url)
    return [(digest, item) for digest, item in site.items() if item.link == key]


def describe(digest: Digest, item: Item) -> str:
    """``path:line (digest title)``, for messages that say where a link already is."""
    return f"{item.path}:{item.line} ({digest.title})"


class Place(NamedTuple):
    """An item with its digest, the digest's position (oldest is 0) and the headings
    it sits under, from its ``##`` section down, folded to lower case."""

    digest: Digest
    order: int
    item: Item
    headings: tuple[str, ...]


def _places_in(
    digest: Digest, order: int, sections: tuple[Section, ...], above: tuple[str, ...]
) -> Iterator[Place]:
    for section in sections:
        headings = (*above, section.title.strip().casefold())
        for part in section.content:
            if isinstance(part, Item) and part.link is not None:
                yield Place(digest, order, part, headings)
        yield from _places_in(digest, order, section.subsections, headings)


def link_places(site: Site) -> Iterator[Place]:
    """Every item with a link, oldest digest first, in page order within a digest."""
    for order, digest in enumerate(reversed(site.digests)):
        yield from _places_in(digest, order, digest.sections, ())


def repeated_links(site: Site) -> list[tuple[Place, Place]]:
    """Each item whose link was featured before, with the first place it was featured.

    With ``repeats.sections`` in the config, only items under those headings count,
    compared with each other. Without, every item counts except the links that a
    recurring block carries on (:func:`recurring_places`). A link twice in one digest
    is always a repeat.
    """
    named = {title.strip().casefold() for title in site.config.repeats.sections}
    places = [p for p in link_places(site) if not named or not named.isdisjoint(p.headings)]
    recurring = set() if named else recurring_places(places)
    first: dict[str, Place] = {}
    found: list[tuple[Place, Place]] = []
    for index, place in enumerate(places):
        earlier = first.setdefault(place.item.link or "", place)
        if earlier is not place and index not in recurring:
            found.append((earlier, place))
    return found


def recurring_places(places: list[Place]) -> set[int]:
    """The indexes of the places that carry a recurring block on: the link was under the
    same headings in one of the :data:`RECENT_DIGESTS` digests before, and those headings
    hold a recurring block (:data:`RECURRING_SHARE` of their places carry on like that).
    A news section that features one link again a week later is no such block."""
    last: dict[tuple[tuple[str, ...], str], int] = {}
    carried: list[int] = []
    totals: Counter[tuple[str, ...]] = Counter()
    for index, place in enumerate(places):
        key = (place.headings, place.item.link or "")
        before = last.get(key)
        if before is not None and 0 < place.order - before <= RECENT_DIGESTS:
            carried.append(index)
        last[key] = place.order
        totals[place.headings] += 1
    shares = Counter(places[index].headings for index in carried)
    blocks = {h for h, n in shares.items() if n >= 2 and n >= RECURRING_SHARE * totals[h]}
    return {index for index in carried if places[index].headings in blocks}
