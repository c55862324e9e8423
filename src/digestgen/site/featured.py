"""Where a link was already featured: the duplicate lookup shared by add, publish and check."""

from __future__ import annotations

from collections.abc import Callable

from digestgen.config import SiteConfig
from digestgen.model import Digest, Item, Site
from digestgen.urls import link_normalizer


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
