"""The site from parsed digests: drafts dropped, duplicates refused, newest first.

Apart from the parser so that a build whose digests all come from the cache never
loads the Markdown parser.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from digestgen.config import SiteConfig
from digestgen.errors import DigestError, ParseError, collect
from digestgen.model import Digest, DigestHead, Site


def _duplicates(digests: Sequence[DigestHead]) -> list[DigestError]:
    errors: list[DigestError] = []
    seen: dict[tuple[str, object], DigestHead] = {}
    for digest in sorted(digests, key=lambda d: d.path):
        keys: list[tuple[str, object]] = [("slug", digest.slug), ("url", digest.url)]
        if digest.number is not None:
            keys.append(("number", digest.number))
        for what, value in keys:
            other = seen.setdefault((what, value), digest)
            if other is digest:
                continue
            # A page's URL comes from the permalink pattern; its slug is the usual culprit.
            key = "slug" if what == "url" else what
            place, line = f"{other.path}:{other.line_of(key)}", digest.line_of(key)
            if what != "url":
                message = f"{what} {value!r} is also used by {place}"
            elif other.slug != digest.slug:  # else said already, as the same slug
                message = f"page {value!r} is also written by {place}"
            else:
                continue
            errors.append(ParseError(message, digest.path, line))
    return errors


def newest_first(head: DigestHead) -> tuple[object, ...]:
    """The site's order of digests, reversed: by date, then number, then slug."""
    return (head.date, head.number or 0, head.slug)


def assemble_site(
    config: SiteConfig,
    heads: Sequence[DigestHead],
    body: Callable[[DigestHead], Digest],
    errors: list[DigestError],
    drafts: bool = False,
    warnings: Sequence[DigestError] = (),
) -> Site:
    """The site from parsed digests: drafts dropped, duplicates and ``errors`` raised,
    ``warnings`` (which do not stop a build) kept in order."""
    published = [h for h in heads if drafts or config.drafts or not h.draft]
    errors.extend(_duplicates(published))
    collect(errors)
    published.sort(key=newest_first, reverse=True)
    # A draft left out is not warned about.
    paths = {head.path for head in published}
    ordered = sorted((w for w in warnings if w.path in paths), key=lambda w: w.sort_key())
    return Site(config, tuple(published), body, tuple(ordered))
