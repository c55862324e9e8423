"""The key of a digest file: what its parse depends on, hashed (kept apart from the
parser so that a build that parses nothing never loads it)."""

from __future__ import annotations

import hashlib

from digestgen.config import SiteConfig

# The settings a digest's parse depends on: with its path and bytes, they make its key.
PARSE_SETTINGS = (
    "timezone",
    "author",
    "permalink",
    "unsafe_html",
    "url_aliases",
    "tracking_params",
    "max_digest_bytes",
    "digests_dir",
)


def settings_key(config: SiteConfig) -> str:
    """The settings a parse reads, as text (part of every digest's key)."""
    return repr([getattr(config, name) for name in PARSE_SETTINGS])


def content_key(path: str, data: bytes, config: SiteConfig) -> str:
    """The key of a digest file: its path, its bytes and the settings its parse reads."""
    settings = settings_key(config)
    digest = hashlib.blake2b(digest_size=16)
    for part in (path.encode("utf-8", "surrogatepass"), settings.encode("utf-8"), data):
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()
