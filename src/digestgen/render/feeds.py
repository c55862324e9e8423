"""RSS 2.0 and Atom (through feedgen) and JSON Feed 1.1, as ``{path: bytes}``.

Entry ids are tag URIs made of the site's host and path and the digest's
number (its file's path when it has none), so editing a title, a slug or a date
never changes them. Every date comes from the content: the feed's ``updated`` and
``lastBuildDate`` are those of its newest entry.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from html import escape
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from digestgen import __version__
from digestgen.config import SiteConfig
from digestgen.model import DigestHead, Item

if TYPE_CHECKING:
    from feedgen.feed import FeedGenerator

EPOCH_ID_DATE = "2000"


@dataclass(frozen=True, slots=True)
class Entry:
    """One feed entry: a whole digest, or one item in a tag's feed."""

    id: str
    url: str
    title: str
    content_html: str
    summary: str
    published: datetime
    updated: datetime
    author: str
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One feed of the site: where it goes, what it is called and what it holds."""

    path: str
    title: str
    description: str
    home: str
    entries: Sequence[Entry]


def _fallback_time() -> datetime:
    """The time of a feed with no entries: ``SOURCE_DATE_EPOCH``, else the epoch,
    never the clock, so that builds stay reproducible."""
    seconds = os.environ.get("SOURCE_DATE_EPOCH", "0")
    return datetime.fromtimestamp(int(seconds) if seconds.isdigit() else 0, tz=UTC)


@cache
def site_tag(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"tag:{parts.hostname},{EPOCH_ID_DATE}:{parts.path}"


def digest_id(base_url: str, digest: DigestHead) -> str:
    """The digest's ``feed_id`` if it has one (kept from the site it was imported from);
    else its number, or its file's path below the digests folder: neither changes when
    the title, the slug or the date is edited."""
    if digest.feed_id:
        return digest.feed_id
    if digest.number is not None:
        key = str(digest.number)
    else:
        key = "file/" + "/".join(PurePosixPath(digest.path).with_suffix("").parts[1:])
    return f"{site_tag(base_url)}digest/{key}"


def digest_summary(digest: DigestHead, titles: list[str], limit: int = 300) -> str:
    """The digest's summary, or else its first item titles."""
    if digest.summary:
        return digest.summary
    text = "; ".join(t for t in titles if t)
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def digest_entry(config: SiteConfig, digest: DigestHead, content: str, summary: str) -> Entry:
    """A whole digest as a feed entry; ``content`` is its HTML (links absolute)."""
    return Entry(
        id=digest_id(config.base_url, digest),
        url=config.base_url + digest.url,
        title=digest.title,
        content_html=content if config.feed_full_content else "",
        summary=summary,
        published=digest.date,
        updated=digest.last_modified,
        author=digest.author or config.author,
        tags=digest.tags,
    )


def item_entry(config: SiteConfig, digest: DigestHead, item: Item, content_html: str) -> Entry:
    """One item of a digest as a feed entry (in a tag's feed)."""
    return Entry(
        id=f"{digest_id(config.base_url, digest)}#{item.anchor}",
        url=f"{config.base_url}{digest.url}#{item.anchor}",
        title=item.title or item.commentary[:80] or digest.title,
        content_html=content_html,
        summary=item.commentary,
        published=digest.date,
        updated=digest.last_modified,
        author=digest.author or config.author,
        tags=item.tags,
    )


def _generator(
    config: SiteConfig, spec: FeedSpec, self_path: str, rss: bool = False
) -> FeedGenerator:
    # RSS readers render <description> as HTML: plain text is escaped there to stay text.
    text: Callable[[str], str] = (lambda s: escape(s, quote=False)) if rss else str
    # Imported here: a build in which no feed changed never loads feedgen (and lxml).
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.id(config.base_url + spec.path)
    fg.title(spec.title)
    fg.subtitle(text(spec.description or spec.title))
    # feedgen takes the RSS <link> from the last link set: the home page.
    fg.link(href=config.base_url + self_path, rel="self")
    fg.link(href=spec.home, rel="alternate")
    fg.language(config.language)
    fg.generator("digestgen", __version__)
    # Atom requires an author for the feed unless every entry has one.
    fg.author({"name": config.author or config.title})
    newest = max((e.updated for e in spec.entries), default=None) or _fallback_time()
    fg.updated(newest)
    fg.lastBuildDate(newest)
    for entry in spec.entries:
        fe = fg.add_entry(order="append")
        fe.id(entry.id)
        fe.guid(entry.id, permalink=False)
        fe.title(entry.title)
        fe.link(href=entry.url, rel="alternate")
        fe.published(entry.published)
        fe.updated(entry.updated)
        if entry.author:
            fe.author({"name": entry.author})
        for tag in entry.tags:
            fe.category(term=tag)
        if entry.content_html:
            fe.content(entry.content_html, type="html")
        fe.summary(text(entry.summary or entry.title))
    return fg


def json_feed(config: SiteConfig, spec: FeedSpec, self_path: str) -> bytes:
    feed: dict[str, object] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": spec.title,
        "home_page_url": spec.home,
        "feed_url": config.base_url + self_path,
        "description": spec.description,
        "icon": config.base_url + "static/icon.png",
        "favicon": config.base_url + "static/favicon.svg",
        "language": config.language,
        "items": [
            {
                "id": e.id,
                "url": e.url,
                "title": e.title,
                **({"content_html": e.content_html} if e.content_html else {}),
                **({} if e.content_html else {"content_text": e.summary or e.title}),
                "summary": e.summary,
                "date_published": e.published.isoformat(),
                "date_modified": e.updated.isoformat(),
                **({"authors": [{"name": e.author}]} if e.author else {}),
                **({"tags": list(e.tags)} if e.tags else {}),
            }
            for e in spec.entries
        ],
    }
    if config.author:
        feed["authors"] = [{"name": config.author}]
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def render_feed(config: SiteConfig, spec: FeedSpec, paths: dict[str, str]) -> dict[str, bytes]:
    """The feed in each format of ``paths`` ("rss", "atom", "json": the file's path)."""
    out: dict[str, bytes] = {}
    for fmt, path in paths.items():
        if fmt == "json":
            out[path] = json_feed(config, spec, path)
        elif fmt == "rss":
            out[path] = _generator(config, spec, path, rss=True).rss_str(pretty=True)
        else:
            out[path] = _generator(config, spec, path).atom_str(pretty=True)
    return out
