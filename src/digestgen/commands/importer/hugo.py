"""Hugo sites: ``hugo.toml``/``config.toml``/``hugo.yaml``/``config.yaml``; YAML or TOML
front matter; page bundles with their files; URLs from ``[permalinks]`` or the content
path; the RSS feed at ``index.xml`` whose ``guid`` is each page's permalink."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import yaml

from digestgen.commands.importer.core import Context, OldSite, Post, line_at
from digestgen.commands.importer.report import Report
from digestgen.commands.importer.sources import (
    SourceFile,
    as_list,
    front_matter,
    parse_when,
    read_text,
    relative_files,
)
from digestgen.errors import DigestError, ParseError, collect

CONFIGS = ("hugo.toml", "hugo.yaml", "hugo.yml", "config.toml", "config.yaml", "config.yml")
MAPPED = {
    "title": "title",
    "date": "date",
    "publishdate": "date",
    "lastmod": "updated",
    "number": "number",
    "issue": "number",
    "slug": "slug",
    "tags": "tags",
    "categories": "tags",
    "author": "author",
    "authors": "author",
    "summary": "summary",
    "description": "summary",
    "draft": "draft",
    "aliases": "aliases",
    "url": "aliases",
}
IGNORED = {"layout", "type", "weight", "toc", "images", "showtoc", "markup"}
_REF = re.compile(r"\{\{[<%]\s*(?:rel)?ref\s+\"?([^\"\s>%]+)\"?\s*[>%]\}\}")
_SHORTCODE = re.compile(r"\{\{[<%].*?[>%]\}\}")
_TOKEN = re.compile(r":(\w+)")


def read_config(source: Path) -> tuple[dict[str, Any], str]:
    """The site config with its keys lower-cased (Hugo's are case-insensitive)."""
    for name in CONFIGS:
        path = source / name
        if not path.is_file():
            continue
        text = read_text(path, name)
        try:
            data = tomllib.loads(text) if name.endswith(".toml") else yaml.safe_load(text)
        except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
            raise ParseError(f"cannot read the config: {exc}", name, 1) from None
        return _lower(data if isinstance(data, dict) else {}), name
    return {}, CONFIGS[0]


def _lower(data: dict[str, Any]) -> dict[str, Any]:
    return {str(k).lower(): _lower(v) if isinstance(v, dict) else v for k, v in data.items()}


def urlize(text: str) -> str:
    """A path part as Hugo writes it: spaces become ``-``, lower case, and only letters,
    digits and ``._-~+@#%`` kept."""
    out = []
    for char in unicodedata.normalize("NFC", text.strip()):
        if char.isalnum() or unicodedata.category(char).startswith("M") or char in "._-~+@#%/":
            out.append(char)
        elif char.isspace():
            out.append("-")
    return "".join(out).lower()


def read(source: Path, report: Report) -> tuple[OldSite, list[Post]]:
    """The site's settings and its regular pages."""
    config, name = read_config(source)
    params = config.get("params", {}) if isinstance(config.get("params"), dict) else {}
    base = str(config.get("baseurl", "")).rstrip("/")
    if not base.startswith(("http://", "https://")):
        report.guess(f"{name}:1", "base_url https://example.org/", "baseURL is not set")
        base = "https://example.org"
    author = config.get("author") or params.get("author") or ""
    old = OldSite(
        title=str(config.get("title", "A Hugo site")),
        base_url=base + "/",
        description=str(params.get("description", "")),
        author=str(author.get("name", "") if isinstance(author, dict) else author),
        language=str(config.get("languagecode", "en")).split("-")[0] or "en",
        timezone=str(config.get("timezone", "UTC")),
    )
    old.feeds = {"rss": "index.xml", "atom": "atom.xml", "json": "feed.json"}
    old.tag_feeds = {"rss": "tags/{slug}/index.xml", "atom": "tags/{slug}/atom.xml", "json": None}
    report.feeds += [("rss", "index.xml", "index.xml"), ("atom", "", "atom.xml")]
    tag = "tags/{slug}/index.xml"
    report.feeds += [("json", "", "feed.json"), ("tag rss", tag, tag)]
    content = source / str(config.get("contentdir", "content"))
    tz = ZoneInfo(old.timezone)
    permalinks = config.get("permalinks", {})
    permalinks = permalinks.get("page", permalinks) if isinstance(permalinks, dict) else {}
    posts: list[Post] = []
    errors: list[DigestError] = []
    for file in relative_files(content, (".md", ".markdown")):
        if file.name.startswith("_index."):
            continue
        try:
            post = _post(source, content, file, tz, base, permalinks, report)
        except DigestError as exc:
            errors.extend(getattr(exc, "errors", [exc]))
            continue
        if post is not None:
            posts.append(post)
    collect(errors)
    old.permalink = _permalink(posts, permalinks)
    return old, posts


def _permalink(posts: list[Post], permalinks: dict[str, Any]) -> str:
    """The pattern of the section holding most posts, in digestgen's words."""
    sections = Counter(PurePosixPath(p.target).parts[0] for p in posts if "/" in p.target)
    section = sections.most_common(1)[0][0] if sections else ""
    pattern = str(permalinks.get(section, f"/{section}/:slug/" if section else "/:slug/"))
    pattern = pattern.replace(":section", section)
    fields = {"year": "{year}", "month": "{month}", "day": "{day}"}
    out = _TOKEN.sub(lambda m: fields.get(m.group(1), "{slug}"), pattern)
    out = "/" + out.strip("/") + "/"
    return out if out.count("{slug}") == 1 else "/{slug}/"


def _post(
    source: Path,
    content: Path,
    file: Path,
    tz: ZoneInfo,
    base: str,
    permalinks: dict[str, Any],
    report: Report,
) -> Post | None:
    rel = file.relative_to(source).as_posix()
    src = front_matter(read_text(file, rel), rel)
    meta = {k.lower(): v for k, v in src.meta.items()}
    lines = {k.lower(): v for k, v in src.lines.items()}
    src = SourceFile(src.path, meta, lines, src.body, src.body_line)
    for key in sorted(meta):
        if key in MAPPED:
            report.mapped[(key, MAPPED[key])] += 1
        elif key not in IGNORED:
            report.drop(src.where(key), key, "digestgen has no such key")
    when = parse_when(meta.get("date") or meta.get("publishdate"), tz)
    if when is None:
        report.drop(src.where(), "the whole file", "no date (Hugo would use the file's time)")
        return None
    inner = PurePosixPath(file.relative_to(content).as_posix())
    bundle = inner.name == "index.md"
    title = str(meta.get("title", "")).strip()
    old_url, slug = _address(inner, bundle, title, when[0], meta, permalinks)
    number = meta.get("number", meta.get("issue"))
    if number is not None and not isinstance(number, int):
        report.drop(src.where("number"), f"number {number!r}", "not a whole number")
        number = None
    updated = parse_when(meta.get("lastmod"), tz)
    authors = as_list(meta.get("authors") or meta.get("author"))
    resources = relative_files(file.parent) if bundle else []
    files = tuple(
        (f, f.relative_to(file.parent).as_posix())
        for f in resources
        if f.suffix.lower() not in (".md", ".markdown")
    )
    aliases = tuple("/" + str(a).lstrip("/") for a in as_list(meta.get("aliases")))
    return Post(
        source=src,
        target=inner.as_posix() if bundle else inner.with_suffix(".md").as_posix(),
        title=title,
        date=when[0],
        date_only=when[1],
        slug=slug,
        old_url=old_url,
        body=src.body,
        number=number,
        tags=tuple(dict.fromkeys([*as_list(meta.get("tags")), *as_list(meta.get("categories"))])),
        summary=str(meta.get("summary") or meta.get("description") or "").strip(),
        author=", ".join(authors),
        draft=meta.get("draft") is True,
        updated=updated[0] if updated else None,
        feed_id=base + old_url,
        aliases=aliases,
        files=files,
    )


def _address(
    inner: PurePosixPath,
    bundle: bool,
    title: str,
    when: datetime,
    meta: dict[str, Any],
    permalinks: dict[str, Any],
) -> tuple[str, str]:
    """A page's address on the Hugo site (as its ``.Permalink`` has it) and its slug, from
    its place in ``content/``, its front matter and the site's ``permalinks``."""
    name = inner.parent.name if bundle else inner.stem
    slug = str(meta.get("slug") or "") or urlize(title)
    section = inner.parts[0] if len(inner.parts) > 1 + bundle else ""
    tokens = {
        "year": f"{when:%Y}",
        "month": f"{when:%m}",
        "day": f"{when:%d}",
        "monthname": f"{when:%B}".lower(),
        "title": urlize(title),
        "slug": slug,
        "filename": name,
        "contentbasename": name,
        "slugorfilename": str(meta.get("slug") or name),
        "slugorcontentbasename": str(meta.get("slug") or name),
        "section": section,
        "sections": "/".join(inner.parts[: -1 - bundle]),
    }
    pattern = permalinks.get(section)
    if meta.get("url"):
        old_url = "/" + str(meta["url"]).strip("/") + "/"
    elif pattern:
        old_url = _TOKEN.sub(lambda m: tokens.get(m.group(1), m.group(0)), str(pattern))
    else:
        folder = "/".join(inner.parts[: -1 - bundle])
        old_url = f"/{folder}/{meta.get('slug') or name}/".replace("//", "/")
        tokens["slug"] = str(meta.get("slug") or name)
    old_url = quote(urlize(old_url), safe="/-._~!$&'()*+,;=:@%")  # as Hugo's .Permalink
    word = re.search(r":(slug|title|filename|contentbasename|slugor\w+)", str(pattern or ":slug"))
    return old_url, urlize(tokens[word.group(1)] if word else tokens["slug"])


def resolve(post: Post, context: Context) -> str:
    """The body with ``ref`` and ``relref`` shortcodes made relative links; other
    shortcodes are kept as written and reported."""
    here = PurePosixPath(post.source.path).parent

    def replace(match: re.Match[str]) -> str:
        target, _, fragment = match.group(1).partition("#")
        rest = f"#{fragment}" if fragment else ""
        if not target.startswith("/") and not (context.source / here / target).exists():
            target = "/" + target
        line = line_at(post, match.start())
        return context.link(post, here, target, rest, match.group(0), line)

    body = _REF.sub(replace, post.body)
    for match in _SHORTCODE.finditer(body):
        where = f"{post.source.path}:{line_at(post, match.start())}"
        context.report.drop(where, match.group(0), "a Hugo shortcode is kept as written")
    return body


def content_folder(source: Path) -> str:
    """The content folder below the source root."""
    config, _ = read_config(source)
    return str(config.get("contentdir", "content"))
