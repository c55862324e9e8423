"""The site's listings, worked out once per build from the heads: the link index, tags,
domains and "also featured in"; and how a listing is cut into pages that do not shift.

Stable pages: a listing's entries are numbered from the oldest. Page ``n`` holds entries
``(n-1)*P .. n*P-1`` and, once full, never changes again as new entries arrive. The
listing's own folder (the first page a reader sees) holds the newest entries: the last
full page's and those after it, so it holds ``P`` to ``2P-1`` entries (all of them while
there are fewer); the numbered pages before it are at ``page/N/``. A new entry changes
the first page; every ``P`` entries a numbered page appears (and the one before it
points to it as its newer page).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from digestgen.model import DigestHead
from digestgen.site.items import ItemIndex, shows_of
from digestgen.site.links import Domain, also_featured, collect_domains
from digestgen.site.tags import Tag, collect_tags


@dataclass(frozen=True, slots=True)
class Listings:
    """Every grouping of the site's items, from the heads (newest first): the items in
    one order (the link index lists them all), what a listing shows of each digest,
    the tags, the domains and "also featured in", by item position."""

    items: ItemIndex
    shows: list[str]
    tags: tuple[Tag, ...]
    domains: tuple[Domain, ...]
    featured: dict[int, tuple[int, ...]]

    @staticmethod
    def of(heads: Sequence[DigestHead]) -> Listings:
        shows = shows_of(heads)
        items = ItemIndex.of(heads, shows)
        return Listings(
            items, shows, collect_tags(heads, items), collect_domains(items), also_featured(items)
        )


@dataclass(frozen=True, slots=True)
class PageSlice:
    """One page of a listing: its folder, its entries (``start:stop`` in oldest-first
    order), its number (``None`` for the listing's first page) and its neighbours."""

    folder: str
    start: int
    stop: int
    number: int | None
    newer: str | None
    older: str | None


def stable_pages(folder: str, total: int, per_page: int) -> list[PageSlice]:
    """The pages of a listing of ``total`` entries in ``folder``: numbered pages oldest
    first, then the listing's first page (see the module's docstring)."""
    full = total // per_page
    if full <= 1:
        return [PageSlice(folder, 0, total, None, None, None)]
    numbered = full - 1

    def place(n: int) -> str:
        return folder if n > numbered else f"{folder}page/{n}/"

    pages = [
        PageSlice(
            place(n),
            (n - 1) * per_page,
            n * per_page,
            n,
            place(n + 1),
            place(n - 1) if n > 1 else None,
        )
        for n in range(1, numbered + 1)
    ]
    pages.append(PageSlice(folder, numbered * per_page, total, None, None, place(numbered)))
    return pages
