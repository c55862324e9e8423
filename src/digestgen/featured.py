"""Where a link was already featured: the duplicate lookup shared by add, publish and check."""

from __future__ import annotations

from digestgen.model import Digest, Item, Site
from digestgen.urls import normalize_url


def find_featured(site: Site, url: str) -> list[tuple[Digest, Item]]:
    """Every (digest, item) of ``site`` whose link is the same link as ``url``.

    Links compare by :func:`digestgen.urls.normalize_url`, so ``http://www.x.org/a/``
    and ``https://x.org/a?utm_source=feed`` are the same link. Pure: reads the model only.
    """
    key = normalize_url(url)
    return [
        (digest, item)
        for digest, item in site.items()
        if item.url is not None and normalize_url(item.url) == key
    ]


def describe(digest: Digest, item: Item) -> str:
    """``path:line (digest title)``, for messages that say where a link already is."""
    return f"{item.path}:{item.line} ({digest.title})"
