"""Every item of the site in one order, oldest digest first and page order within a
digest: an item is named by its position in it, and its columns are lists by position.

Made once per build from the heads, in C where it can be (``chain``, ``map``): the
listings, their pages' keys and "also featured in" all read these lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from operator import add

from digestgen.model import DigestHead


@dataclass(frozen=True, slots=True)
class ItemIndex:
    """The items of ``heads`` (newest first, as ``Site.heads``) by position: the place of
    each one's digest in ``heads`` and its own place in the digest; its anchor, key,
    host, link and tags (joined by commas); and ``entries``, what names it in a listing
    (its key and what a listing shows of its digest, ``shows``)."""

    place: list[int]
    index: list[int]
    anchors: list[str]
    keys: list[str]
    hosts: list[str]
    links: list[str]
    tags: list[str]
    entries: list[str]

    @staticmethod
    def of(heads: Sequence[DigestHead], shows: Sequence[str]) -> ItemIndex:
        places = [p for p in range(len(heads) - 1, -1, -1) if heads[p].item_count]
        oldest = [heads[place] for place in places]
        counts = [head.item_count for head in oldest]
        place = list(chain.from_iterable(map(repeat, places, counts)))

        def column(name: str) -> list[str]:
            joined = " ".join(getattr(head, name) for head in oldest)
            return joined.split(" ") if oldest else []

        keys = column("item_keys")
        return ItemIndex(
            place,
            list(chain.from_iterable(map(range, counts))),
            column("anchors"),
            keys,
            column("hosts"),
            column("links"),
            column("item_tags"),
            list(map(add, keys, map(shows.__getitem__, place))),
        )

    def __len__(self) -> int:
        return len(self.place)


def shows_of(heads: Sequence[DigestHead]) -> list[str]:
    """What a listing shows of each digest beside its items: title, page and date."""
    return [f"{h.title}\x1f{h.url}\x1f{h.date.isoformat()}" for h in heads]
