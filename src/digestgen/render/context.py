"""What every output of a build is made from, and the ``Output`` each one is.

An output names what it shows (``inputs``: digest and item keys, titles, paths) and
makes its files from a ``Context``; the build keys it by a hash of its inputs and makes
it only when that key changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from digestgen.model import Digest, DigestHead, Item, Site
from digestgen.render.templates import Renderer
from digestgen.site.listings import Listings

# The files an output makes, by path below the output folder.
Files = dict[str, bytes]


@dataclass(frozen=True, slots=True)
class Output:
    """One output of the site: ``name`` is unique (the page's path for a page),
    ``inputs`` everything it shows, ``make`` its files."""

    name: str
    inputs: Sequence[str]
    make: Callable[[Context], Files]


class Kept(Protocol):
    """Values worked out from one digest, kept between builds by kind and key (JSON)."""

    def get(self, kind: str, key: str) -> Any: ...

    def put(self, kind: str, key: str, value: Any) -> None: ...


class KeptInMemory:
    """Keeps values for the life of the object (a build without a cache, the server)."""

    def __init__(self) -> None:
        self.kept: dict[tuple[str, str], Any] = {}

    def get(self, kind: str, key: str) -> Any:
        return self.kept.get((kind, key))

    def put(self, kind: str, key: str, value: Any) -> None:
        self.kept[(kind, key)] = value


class Context:
    """The site, its listings, the templates and the site root, for making outputs.

    ``show`` of a digest is what a listing shows of it beside each of its items (title,
    page, date); an entry of a listing is named by its item's key and that
    (``ItemIndex.entries``)."""

    def __init__(
        self,
        site: Site,
        listings: Listings,
        renderer: Renderer,
        root: Path,
        kept: Kept | None = None,
    ) -> None:
        self.site = site
        self.config = site.config
        self.heads = site.heads
        self.listings = listings
        self.renderer = renderer
        self.root = root
        self.kept: Kept = kept or KeptInMemory()
        self.show = listings.shows
        self.digest = lru_cache(maxsize=None)(self._digest)
        self.items = lru_cache(maxsize=None)(self._items)

    def _digest(self, place: int) -> Digest:
        return self.site.body(self.heads[place])

    def _items(self, place: int) -> list[Item]:
        return list(self.digest(place).items())

    def item(self, position: int) -> tuple[DigestHead, Item]:
        """The item at ``position`` (``ItemIndex``) as a listing shows it: its digest's
        head and the item."""
        items = self.listings.items
        place = items.place[position]
        return self.heads[place], self.items(place)[items.index[position]]

    def keep(self, kind: str, place: int, work: Callable[[Digest], Any]) -> Any:
        """``work`` of the digest at ``place``, kept by its key (``kind`` names the work;
        the build keeps a separate store for each set of templates and settings)."""
        return self.keep_value(kind, self.heads[place].key, lambda: work(self.digest(place)))

    def keep_value(self, kind: str, key: str, work: Callable[[], Any]) -> Any:
        """``work()``, kept by ``kind`` and ``key`` (a hash of all it is made of)."""
        found = self.kept.get(kind, key)
        if found is None:
            found = work()
            self.kept.put(kind, key, found)
        return found

    def feed_content(self, place: int) -> str:
        """A digest's content for feeds (links absolute)."""

        def render(digest: Digest) -> str:
            return self.renderer.fragment(
                "feed_content.html",
                digest=digest,
                url=self.renderer.abs_url,
                anchor_base=self.renderer.abs_url(digest.url),
            )

        return str(self.keep("feed", place, render))


def page(ctx: Context, path: str, template: str, context: dict[str, Any]) -> Files:
    """One rendered page as its file."""
    return {path: ctx.renderer.render(template, path, context).encode("utf-8")}
