"""The site from parsed digests: drafts dropped, duplicates refused, newest first.

Apart from the parser so that a build whose digests all come from the cache never
loads the Markdown parser.
"""

from __future__ import annotations

from collections.abc import Sequence

from digestgen.config import SiteConfig
from digestgen.errors import DigestError, ParseError, collect
from digestgen.model import Digest, Site


def _duplicates(digests: Sequence[Digest]) -> list[DigestError]:
    errors: list[DigestError] = []
    seen: dict[tuple[str, object], Digest] = {}
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


def assemble_site(
    config: SiteConfig,
    digests: list[Digest],
    errors: list[DigestError],
    drafts: bool = False,
    warnings: list[DigestError] | None = None,
) -> Site:
    """The site from parsed digests: drafts dropped, duplicates and ``errors`` raised,
    ``warnings`` (which do not stop a build) kept in order."""
    warnings = list(warnings or [])
    published = [d for d in digests if drafts or config.drafts or not d.draft]
    errors.extend(_duplicates(published))
    collect(errors)
    published.sort(key=lambda d: (d.date, d.number or 0, d.slug), reverse=True)
    warnings.sort(key=lambda w: w.sort_key())
    return Site(config=config, digests=tuple(published), warnings=tuple(warnings))
