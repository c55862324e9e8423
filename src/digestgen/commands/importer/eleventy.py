"""Eleventy sites, read without running them: the input folder from the config file when
it is written plainly, the data cascade (``_data/metadata.json``, folder data files such
as ``posts/posts.json``, front matter), URLs from a plain ``permalink`` or the file's path,
and the base blog's feed at ``feed/feed.xml`` whose entry id is the post's absolute URL."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from digestgen.commands.importer.core import Context, OldSite, Post
from digestgen.commands.importer.report import Report
from digestgen.commands.importer.sources import (
    as_list,
    front_matter,
    parse_when,
    read_text,
    relative_files,
)
from digestgen.errors import DigestError, ParseError, collect

CONFIGS = ("eleventy.config.js", "eleventy.config.mjs", "eleventy.config.cjs", ".eleventy.js")
MAPPED = {
    "title": "title",
    "date": "date",
    "number": "number",
    "tags": "tags",
    "description": "summary",
    "summary": "summary",
    "author": "author",
    "draft": "draft",
    "permalink": "aliases",
}
IGNORED = {"layout", "eleventyNavigation", "eleventyExcludeFromCollections"}
_INPUT = re.compile(r"\binput\s*:\s*[\"']([^\"']+)[\"']")
_FEED_PATH = re.compile(r"\boutputPath\s*:\s*[\"']([^\"']+\.xml)[\"']")
_DATED = re.compile(r"^\d{4}-\d{2}-\d{2}-")
_VARIABLE = re.compile(r"\{\{\s*page\.fileSlug\s*\}\}")


def _config_text(source: Path) -> str:
    for name in CONFIGS:
        if (source / name).is_file():
            return read_text(source / name, name)
    return ""


def _json(path: Path, rel: str) -> dict[str, Any]:
    try:
        data = json.loads(read_text(path, rel))
    except json.JSONDecodeError as exc:
        raise ParseError(f"not JSON: {exc.msg}", rel, exc.lineno) from None
    return data if isinstance(data, dict) else {}


def content_folder(source: Path) -> str:
    """The input folder: ``dir.input`` of the config when written as a string."""
    match = _INPUT.search(_config_text(source))
    return match.group(1).strip("./") if match else ""


def read(source: Path, report: Report) -> tuple[OldSite, list[Post]]:
    """The site's metadata and its posts: Markdown files that carry a date."""
    folder = content_folder(source)
    content = source / folder
    meta_file = content / "_data" / "metadata.json"
    metadata = _json(meta_file, f"{folder}/_data/metadata.json".lstrip("/"))
    if not meta_file.is_file():
        metadata = {}
    url = str(metadata.get("url") or "").rstrip("/")
    if not url.startswith(("http://", "https://")):
        report.guess("_data/metadata.json:1", "base_url https://example.org/", "no url")
        url = "https://example.org"
    author = metadata.get("author") or ""
    old = OldSite(
        title=str(metadata.get("title", "An Eleventy site")),
        base_url=url + "/",
        description=str(metadata.get("description", "")),
        author=str(author.get("name", "") if isinstance(author, dict) else author),
        language=str(metadata.get("language", "en")),
    )
    found = _FEED_PATH.search(_config_text(source))
    feed = (found.group(1) if found else "feed/feed.xml").lstrip("/")
    old.feeds = {"rss": "feed.xml", "atom": feed, "json": "feed.json"}
    report.feeds += [("atom", feed, feed), ("rss", "", "feed.xml"), ("json", "", "feed.json")]
    tz = ZoneInfo(old.timezone)
    posts: list[Post] = []
    errors: list[DigestError] = []
    for file in relative_files(content, (".md",)):
        inner = PurePosixPath(file.relative_to(content).as_posix())
        if inner.parts[0] in ("_data", "_includes", "node_modules", "_site"):
            continue
        try:
            post = _post(source, content, file, inner, tz, url, report)
        except DigestError as exc:
            errors.extend(getattr(exc, "errors", [exc]))
            continue
        if post is not None:
            posts.append(post)
    collect(errors)
    shapes = Counter(p.old_url.replace(f"/{p.slug}/", "/{slug}/") for p in posts)
    shape = shapes.most_common(1)[0][0] if shapes else ""
    valid = (
        shape.count("{slug}") == 1
        and shape.endswith("/")
        and "{" not in shape.replace("{slug}", "")
    )
    old.permalink = shape if valid else "/{slug}/"
    return old, posts


def _cascade(content: Path, inner: PurePosixPath) -> dict[str, Any]:
    """Folder data files from the top down (``posts/posts.json``,
    ``posts/posts.11tydata.json``); tags are merged, other keys replaced."""
    data: dict[str, Any] = {}
    folder = content
    for part in inner.parts[:-1]:
        folder = folder / part
        for name in (f"{part}.json", f"{part}.11tydata.json"):
            if (folder / name).is_file():
                found = _json(folder / name, (folder / name).relative_to(content).as_posix())
                tags = as_list(data.get("tags")) + as_list(found.get("tags"))
                data.update(found)
                data["tags"] = tags
    return data


def _post(
    source: Path,
    content: Path,
    file: Path,
    inner: PurePosixPath,
    tz: ZoneInfo,
    url: str,
    report: Report,
) -> Post | None:
    rel = file.relative_to(source).as_posix()
    src = front_matter(read_text(file, rel), rel)
    data = _cascade(content, inner)
    tags = as_list(data.get("tags")) + as_list(src.meta.get("tags"))
    meta = {**data, **src.meta, "tags": tags}
    for key in sorted(src.meta):
        if key in MAPPED:
            report.mapped[(key, MAPPED[key])] += 1
        elif key not in IGNORED:
            report.drop(src.where(key), key, "digestgen has no such key")
    when = parse_when(meta.get("date"), tz)
    if when is None:
        if inner.name != "index.md":
            report.drop(src.where(), "the whole file", "a page without a date is no digest")
        return None
    slug = _DATED.sub("", inner.parent.name if inner.name == "index.md" else inner.stem)
    permalink = str(meta.get("permalink") or "")
    if permalink and "{" in _VARIABLE.sub(slug, permalink):
        report.drop(src.where("permalink"), permalink, "a template Eleventy would render")
        permalink = ""
    folder = "/".join(inner.parts[:-1]) if inner.name != "index.md" else "/".join(inner.parts[:-2])
    old_url = _VARIABLE.sub(slug, permalink) if permalink else f"/{folder}/{slug}/"
    old_url = re.sub(r"/+", "/", "/" + old_url).removesuffix("index.html")
    number = meta.get("number")
    return Post(
        source=src,
        target=f"{folder}/{slug}.md".lstrip("/"),
        title=str(meta.get("title", "")).strip(),
        date=when[0],
        date_only=when[1],
        slug=slug,
        old_url=old_url,
        body=src.body,
        number=number if isinstance(number, int) and not isinstance(number, bool) else None,
        tags=tuple(t for t in dict.fromkeys(tags) if t not in ("posts", "post")),
        summary=str(meta.get("description") or meta.get("summary") or "").strip(),
        author=str(src.meta.get("author") or ""),
        draft=meta.get("draft") is True,
        feed_id=url + old_url,
    )


def resolve(post: Post, context: Context) -> str:
    """Eleventy bodies link to built URLs already; they stay as written."""
    return post.body
