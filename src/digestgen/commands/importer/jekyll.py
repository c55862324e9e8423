"""Jekyll sites: ``_config.yml``; posts in ``_posts/YYYY-MM-DD-slug.md`` with YAML front
matter; URLs from ``permalink`` (``date``, ``pretty``, ``ordinal``, ``none`` or a pattern);
jekyll-feed's Atom feed, whose entry id is the absolute URL of the post's ``id``."""

from __future__ import annotations

import posixpath
import re
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from digestgen.commands.importer.core import Context, OldSite, Post, line_at, relative_link
from digestgen.commands.importer.report import Report
from digestgen.commands.importer.sources import (
    as_list,
    front_matter,
    parse_when,
    read_text,
    relative_files,
)
from digestgen.errors import DigestError, ParseError, collect

STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
MAPPED = {
    "title": "title",
    "date": "date",
    "number": "number",
    "issue": "number",
    "slug": "slug",
    "tags": "tags",
    "categories": "tags",
    "category": "tags",
    "author": "author",
    "authors": "author",
    "excerpt": "summary",
    "description": "summary",
    "published": "draft",
    "permalink": "aliases",
    "last_modified_at": "updated",
}
IGNORED = {"layout", "comments", "image", "toc"}
_POST_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-(.+)$")
_POST_URL = re.compile(r"\{%\s*(?:post_url|link)\s+([^\s%]+)\s*%\}")
_BASEURL = re.compile(r"\{\{\s*site\.baseurl\s*\}\}(/[^\s)\"'>]*)")
_LIQUID = re.compile(r"\{[{%].*?[}%]\}")
_DATE_FIELDS = {"year": "{year}", "month": "{month}", "day": "{day}"}


def read_config(source: Path) -> dict[str, Any]:
    path = source / "_config.yml"
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(read_text(path, "_config.yml"))
    except yaml.YAMLError as exc:
        raise ParseError(f"cannot read the config: {exc}", "_config.yml", 1) from None
    return data if isinstance(data, dict) else {}


def read(source: Path, report: Report) -> tuple[OldSite, list[Post]]:
    """The site's settings and its posts (``_drafts/`` is left out)."""
    config = read_config(source)
    url = str(config.get("url") or "").rstrip("/")
    if not url.startswith(("http://", "https://")):
        report.guess("_config.yml:1", "base_url https://example.org/", "url is not set")
        url = "https://example.org"
    base = url + "/" + str(config.get("baseurl") or "").strip("/")
    author = config.get("author") or ""
    old = OldSite(
        title=str(config.get("title") or config.get("name") or "A Jekyll site"),
        base_url=base.rstrip("/") + "/",
        description=str(config.get("description") or ""),
        author=str(author.get("name", "") if isinstance(author, dict) else author),
        language=str(config.get("lang") or "en").split("-")[0].split("_")[0],
        timezone=str(config.get("timezone") or "UTC"),
    )
    feed = config.get("feed") if isinstance(config.get("feed"), dict) else {}
    feed_path = str((feed or {}).get("path") or "feed.xml").lstrip("/")
    old.feeds = {"rss": "rss.xml", "atom": feed_path, "json": "feed.json"}
    report.feeds += [("atom", feed_path, feed_path), ("rss", "", "rss.xml")]
    report.feeds.append(("json", "", "feed.json"))
    style = str(config.get("permalink") or "date")
    pattern = STYLES.get(style, style)
    tz = ZoneInfo(old.timezone)
    posts: list[Post] = []
    errors: list[DigestError] = []
    for file in relative_files(source / "_posts", (".md", ".markdown")):
        try:
            post = _post(source, file, pattern, tz, base.rstrip("/"), report)
        except DigestError as exc:
            errors.extend(getattr(exc, "errors", [exc]))
            continue
        if post is not None:
            posts.append(post)
    for draft in relative_files(source / "_drafts"):
        report.drop(f"{draft.relative_to(source).as_posix()}:1", "the whole file", "a draft")
    collect(errors)
    old.permalink = _permalink(pattern)
    return old, posts


def _permalink(pattern: str) -> str:
    """The pattern in digestgen's words, as a folder (``.html`` URLs then redirect)."""
    out = pattern.replace(":output_ext", "/").replace(".html", "/").replace(":categories", "")
    out = re.sub(r":(\w+)", lambda m: _DATE_FIELDS.get(m.group(1), "{slug}"), out)
    out = "/" + "/".join(p for p in out.split("/") if p) + "/"
    return out if out.count("{slug}") == 1 else "/{slug}/"


def _post(
    source: Path, file: Path, pattern: str, tz: ZoneInfo, base: str, report: Report
) -> Post | None:
    rel = file.relative_to(source).as_posix()
    src = front_matter(read_text(file, rel), rel)
    meta = src.meta
    for key in sorted(meta):
        if key in MAPPED:
            report.mapped[(key, MAPPED[key])] += 1
        elif key not in IGNORED:
            report.drop(src.where(key), key, "digestgen has no such key")
    name = _POST_NAME.match(file.stem)
    if name is None:
        report.drop(src.where(), "the whole file", "a post's name starts with YYYY-MM-DD-")
        return None
    when = parse_when(meta.get("date") or name.group(1), tz)
    if when is None:
        raise ParseError(f"cannot read the date {meta.get('date')!r}", rel, src.lines.get("date"))
    moment = when[0]
    slug = str(meta.get("slug") or name.group(2))
    categories = as_list(meta.get("categories") or meta.get("category"))
    if isinstance(meta.get("categories"), str):
        categories = meta["categories"].split()
    template = str(meta.get("permalink") or pattern)
    old_url, tokens = _address(template, moment, slug, categories)
    ident = posixpath.join(posixpath.dirname(old_url.rstrip("/")) or "/", slug)
    tags = (
        as_list(meta.get("tags")) if not isinstance(meta.get("tags"), str) else meta["tags"].split()
    )
    number = meta.get("number", meta.get("issue"))
    updated = parse_when(meta.get("last_modified_at"), tz)
    return Post(
        source=src,
        target=f"{file.stem}.md",
        title=str(meta.get("title") or slug.replace("-", " ").title()),
        date=moment,
        date_only=when[1],
        slug=tokens["slug"] if ":slug" in template else slug,
        old_url=old_url,
        body=src.body,
        number=number if isinstance(number, int) and not isinstance(number, bool) else None,
        tags=tuple(dict.fromkeys([*categories, *tags])),
        summary=str(meta.get("excerpt") or meta.get("description") or "").strip(),
        author=", ".join(as_list(meta.get("authors") or meta.get("author"))),
        draft=meta.get("published") is False,
        updated=updated[0] if updated else None,
        feed_id=base + ident,
    )


def _address(
    template: str, moment: datetime, slug: str, categories: list[str]
) -> tuple[str, dict[str, str]]:
    """A post's address as Jekyll makes it from a permalink template, and the tokens."""
    tokens = {
        "year": f"{moment:%Y}",
        "month": f"{moment:%m}",
        "day": f"{moment:%d}",
        "i_month": str(moment.month),
        "i_day": str(moment.day),
        "short_year": f"{moment:%y}",
        "y_day": f"{moment:%j}",
        "title": slug,
        "slug": re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-"),
        "categories": "/".join(dict.fromkeys(c.lower() for c in categories)),
        "output_ext": ".html",
    }
    old_url = re.sub(r":(\w+)", lambda m: tokens.get(m.group(1), m.group(0)), template)
    return re.sub(r"/+", "/", "/" + old_url), tokens


def resolve(post: Post, context: Context) -> str:
    """The body with ``{% post_url name %}`` and ``{% link path %}`` tags made relative
    links; other Liquid tags are kept as written and reported."""
    by_name = {PurePosixPath(path).stem: url for path, url in context.urls.items()}

    def replace(match: re.Match[str]) -> str:
        name = PurePosixPath(match.group(1)).stem
        if name in by_name:
            return relative_link(post.new_url, by_name[name])
        line = line_at(post, match.start())
        here = PurePosixPath(post.source.path).parent
        return context.link(post, here, "/" + match.group(1), "", match.group(0), line)

    def site_file(match: re.Match[str]) -> str:
        line = line_at(post, match.start())
        here = PurePosixPath(post.source.path).parent
        return context.link(post, here, match.group(1), "", match.group(0), line)

    body = _BASEURL.sub(site_file, _POST_URL.sub(replace, post.body))
    for match in _LIQUID.finditer(post.body):
        if not (_POST_URL.match(match.group(0)) or _BASEURL.match(post.body, match.start())):
            where = f"{post.source.path}:{line_at(post, match.start())}"
            context.report.drop(where, match.group(0), "a Liquid tag is kept as written")
    return body


def content_folder(source: Path) -> str:
    return ""
