"""Zola sites: ``config.toml``; ``+++`` TOML front matter; sections (``_index.md``) and
pages, page bundles with their files; URLs ``/<section>/<slug>/``; the Atom (or RSS) feed
whose entry id is each page's permalink; ``@/path.md`` internal links."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from digestgen.commands.importer.core import Context, OldSite, Post, line_at
from digestgen.commands.importer.report import Report
from digestgen.commands.importer.sources import (
    as_list,
    front_matter,
    parse_when,
    read_text,
    relative_files,
)
from digestgen.errors import DigestError, ParseError, collect

MAPPED = {
    "title": "title",
    "date": "date",
    "updated": "updated",
    "slug": "slug",
    "taxonomies": "tags",
    "authors": "author",
    "description": "summary",
    "draft": "draft",
    "aliases": "aliases",
    "path": "aliases",
    "extra": "number",
}
IGNORED = {"template", "weight", "in_search_index"}
_DATED = re.compile(r"^(\d{4}-\d{2}-\d{2})[-_](.+)$")
_INTERNAL = re.compile(r"@(/[^\s)\"'>#]+)(#[^\s)\"'>]*)?")


def slugify(text: str) -> str:
    """Zola's slug for a path: ASCII, lower case, words joined by ``-``."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def read(source: Path, report: Report) -> tuple[OldSite, list[Post]]:
    """The site's settings and its pages (not its sections)."""
    try:
        config = tomllib.loads(read_text(source / "config.toml", "config.toml"))
    except tomllib.TOMLDecodeError as exc:
        raise ParseError(f"cannot read the config: {exc}", "config.toml", 1) from None
    base = str(config.get("base_url", "")).rstrip("/")
    if not base.startswith(("http://", "https://")):
        report.guess("config.toml:1", "base_url https://example.org/", "base_url is not set")
        base = "https://example.org"
    old = OldSite(
        title=str(config.get("title", "A Zola site")),
        base_url=base + "/",
        description=str(config.get("description", "")),
        author=str(config.get("author", "")),
        language=str(config.get("default_language", "en")),
    )
    _feeds(old, config, report)
    tz = ZoneInfo(old.timezone)
    posts: list[Post] = []
    errors: list[DigestError] = []
    content = source / "content"
    for file in relative_files(content, (".md",)):
        if file.name == "_index.md":
            continue
        try:
            post = _post(source, content, file, tz, base, report)
        except DigestError as exc:
            errors.extend(getattr(exc, "errors", [exc]))
            continue
        if post is not None:
            posts.append(post)
    collect(errors)
    sections = sorted({str(PurePosixPath(p.target).parts[0]) for p in posts if "/" in p.target})
    old.permalink = f"/{sections[0]}/{{slug}}/" if len(sections) == 1 else "/{slug}/"
    return old, posts


def _feeds(old: OldSite, config: dict[str, Any], report: Report) -> None:
    names = config.get("feed_filenames") or [config.get("feed_filename", "atom.xml")]
    on = config.get("generate_feeds", config.get("generate_feed", False))
    atom = next((n for n in names if "atom" in n), None) if on else None
    rss = next((n for n in names if "rss" in n), None) if on else None
    old.feeds = {"rss": rss or "rss.xml", "atom": atom or "atom.xml", "json": "feed.json"}
    report.feeds += [("atom", atom or "", old.feeds["atom"] or "")]
    report.feeds += [("rss", rss or "", old.feeds["rss"] or ""), ("json", "", "feed.json")]
    for taxonomy in config.get("taxonomies", []):
        if taxonomy.get("name") == "tags" and taxonomy.get("feed"):
            paths = {"atom": "tags/{slug}/" + (atom or "atom.xml")}
            paths["rss"] = "tags/{slug}/" + rss if rss else "tags/{slug}/feed.xml"
            old.tag_feeds = {"rss": paths["rss"], "atom": paths["atom"], "json": None}
            report.feeds.append(("tag atom", paths["atom"], paths["atom"]))


def _post(
    source: Path, content: Path, file: Path, tz: ZoneInfo, base: str, report: Report
) -> Post | None:
    rel = file.relative_to(source).as_posix()
    src = front_matter(read_text(file, rel), rel)
    meta = src.meta
    for key in sorted(meta):
        if key in MAPPED:
            report.mapped[(key, MAPPED[key])] += 1
        elif key not in IGNORED:
            report.drop(src.where(key), key, "digestgen has no such key")
    inner = PurePosixPath(file.relative_to(content).as_posix())
    bundle = inner.name == "index.md"
    name = inner.parent.name if bundle else inner.stem
    dated = _DATED.match(name)
    when = parse_when(meta.get("date") or (dated.group(1) if dated else None), tz)
    if when is None:
        report.drop(src.where(), "the whole file", "a page without a date is no digest")
        return None
    slug = str(meta.get("slug") or slugify(dated.group(2) if dated else name))
    section = "/".join(inner.parts[: -1 - bundle])
    if meta.get("path"):
        old_url = "/" + str(meta["path"]).strip("/") + "/"
    else:
        old_url = f"/{section}/{slug}/" if section else f"/{slug}/"
    extra = meta.get("extra") if isinstance(meta.get("extra"), dict) else {}
    number = (extra or {}).get("number")
    taxonomies = meta.get("taxonomies") if isinstance(meta.get("taxonomies"), dict) else {}
    tags = [t for values in (taxonomies or {}).values() for t in as_list(values)]
    updated = parse_when(meta.get("updated"), tz)
    resources = relative_files(file.parent) if bundle else []
    files = tuple(
        (f, f.relative_to(file.parent).as_posix()) for f in resources if f.suffix.lower() != ".md"
    )
    return Post(
        source=src,
        target=inner.as_posix(),
        title=str(meta.get("title", "")).strip(),
        date=when[0],
        date_only=when[1],
        slug=slug,
        old_url=old_url,
        body=src.body,
        number=number if isinstance(number, int) and not isinstance(number, bool) else None,
        tags=tuple(dict.fromkeys(tags)),
        summary=str(meta.get("description", "")).strip(),
        author=", ".join(as_list(meta.get("authors"))),
        draft=meta.get("draft") is True,
        updated=updated[0] if updated else None,
        feed_id=base + old_url,
        aliases=tuple("/" + str(a).lstrip("/") for a in as_list(meta.get("aliases"))),
        files=files,
    )


def resolve(post: Post, context: Context) -> str:
    """The body with ``@/path.md`` internal links made relative links."""
    here = PurePosixPath(post.source.path).parent

    def replace(match: re.Match[str]) -> str:
        line = line_at(post, match.start())
        rest = match.group(2) or ""
        return context.link(post, here, match.group(1), rest, match.group(0), line)

    return _INTERNAL.sub(replace, post.body)


def content_folder(source: Path) -> str:
    return "content"
