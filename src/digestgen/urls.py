"""Slugs, anchors and URL handling shared by the parser, the pages and the feeds."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

_NON_WORD = re.compile(r"[^a-z0-9]+")
UNSAFE_SCHEMES = ("javascript", "vbscript", "data")


def slugify(text: str, max_length: int = 60) -> str:
    """Lower-case ASCII words joined by ``-``; accents folded (``naïve`` -> ``naive``)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NON_WORD.sub("-", folded.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug


def domain_of(url: str) -> str | None:
    """The host of an absolute URL without ``www.``, or ``None`` for other links."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.removeprefix("www.")


def anchor_for_url(url: str) -> str:
    """A readable anchor derived from the URL only (host and path, not the query)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return slugify(url) or "link"
    host = (parts.hostname or "").removeprefix("www.")
    words = slugify(f"{host} {parts.path} {parts.fragment}", max_length=64)
    return words or "link"


def scheme_of(url: str) -> str:
    """The lower-cased scheme, ignoring the whitespace and controls browsers ignore."""
    cleaned = "".join(ch for ch in url if ch > " " and ch != "\x7f")
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    return match.group(1).lower() if match else ""


def is_unsafe_url(url: str) -> bool:
    return scheme_of(url) in UNSAFE_SCHEMES


class AnchorSet:
    """Hands out anchors unique within one page: ``name``, ``name-2``, ``name-3``..."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def claim(self, wanted: str) -> str:
        anchor = wanted
        n = 2
        while anchor in self._used:
            anchor = f"{wanted}-{n}"
            n += 1
        self._used.add(anchor)
        return anchor
