"""Pelican sites: ``pelicanconf.py`` (and ``publishconf.py``) read with ``ast``, never run;
``Key: value`` Markdown articles; URLs from ``ARTICLE_URL``; Atom and RSS entry ids as
Pelican's feed writer makes them (``get_tag_uri`` of the article's link and date)."""

from __future__ import annotations

import ast
import re
import unicodedata
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from digestgen.commands.importer.core import Context, OldSite, Post, line_at, relative_link
from digestgen.commands.importer.report import Report
from digestgen.commands.importer.sources import (
    SourceFile,
    as_list,
    parse_when,
    pelican_metadata,
    read_text,
    relative_files,
)
from digestgen.errors import DigestError, ParseError

SETTINGS_FILES = ("pelicanconf.py", "publishconf.py")
SUFFIXES = (".md", ".markdown", ".mkd", ".mdown")
DEFAULTS: dict[str, Any] = {
    "SITENAME": "A Pelican Blog",
    "SITEURL": "",
    "PATH": ".",
    "ARTICLE_PATHS": [""],
    "PAGE_PATHS": ["pages"],
    "ARTICLE_URL": "{slug}.html",
    "FEED_ATOM": None,
    "FEED_RSS": None,
    "FEED_ALL_ATOM": "feeds/all.atom.xml",
    "FEED_ALL_RSS": None,
    "CATEGORY_FEED_ATOM": "feeds/{slug}.atom.xml",
    "CATEGORY_FEED_RSS": None,
    "TAG_FEED_ATOM": None,
    "TAG_FEED_RSS": None,
    "TIMEZONE": "UTC",
    "DEFAULT_LANG": "en",
    "AUTHOR": "",
    "SITESUBTITLE": "",
    "DEFAULT_CATEGORY": "misc",
    "USE_FOLDER_AS_CATEGORY": True,
    "SLUGIFY_SOURCE": "title",
    "FILENAME_METADATA": r"(?P<date>\d{4}-\d{2}-\d{2}).*",
}
MAPPED = {
    "title": "title",
    "date": "date",
    "number": "number",
    "slug": "slug",
    "tags": "tags",
    "category": "tags",
    "author": "author",
    "authors": "author",
    "summary": "summary",
    "status": "draft",
    "modified": "updated",
    "url": "aliases",
    "save_as": "aliases",
}
_PLACEHOLDER = re.compile(
    r"[{|](?P<what>filename|static|attach|tag|category|author|index)[|}]"
    r"(?P<value>[^\s)\"'>]*)"
)
_DATE_FIELD = {"%Y": "{year}", "%m": "{month}", "%d": "{day}"}


def read_settings(source: Path, report: Report) -> dict[str, Any]:
    """The literal assignments of ``pelicanconf.py``, then of ``publishconf.py``."""
    settings = dict(DEFAULTS)
    for name in SETTINGS_FILES:
        path = source / name
        if not path.is_file():
            continue
        text = read_text(path, name)
        try:
            tree = ast.parse(text, name)
        except SyntaxError as exc:
            raise ParseError(f"not Python: {exc.msg}", name, exc.lineno) from None
        for node in tree.body:
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            else:
                continue
            for target in targets:
                if not isinstance(target, ast.Name) or not target.id.isupper():
                    continue
                try:
                    settings[target.id] = ast.literal_eval(value)
                except ValueError:
                    if target.id in DEFAULTS:
                        report.drop(f"{name}:{node.lineno}", target.id, "not a literal value")
    return settings


def slugify(value: str) -> str:
    """Pelican's default slug: tags stripped, ASCII, lower case, words joined by ``-``."""
    value = re.sub(r"<[^>]*>", "", value)
    value = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", value))
    value = value.encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value)
    return re.sub(r"[-\s]+", "-", value.strip()).lower()


def permalink(article_url: str) -> str | None:
    """``ARTICLE_URL`` as a digestgen permalink, when it only uses the date, the slug and
    the number and names a folder; ``None`` otherwise."""
    pattern = re.sub(r"\{date:(%[Ymd])\}", lambda m: _DATE_FIELD[m.group(1)], article_url)
    pattern = pattern.removesuffix("index.html")
    fields = set(re.findall(r"\{([^}]*)\}", pattern))
    if not pattern.endswith("/") or not fields <= {"slug", "year", "month", "day", "number"}:
        return None
    return "/" + pattern.lstrip("/") if "slug" in fields else None


def _tag_uri(link: str, moment: datetime) -> str:
    """The entry id Pelican's feeds give (``feedgenerator.get_tag_uri``)."""
    bits = urlsplit(link)
    fragment = f"/{bits.fragment}" if bits.fragment else ""
    return f"tag:{bits.hostname},{moment.strftime('%Y-%m-%d')}:{bits.path}{fragment}"


def read(source: Path, report: Report) -> tuple[OldSite, list[Post]]:
    """The site's settings and articles."""
    settings = read_settings(source, report)
    tz = ZoneInfo(str(settings["TIMEZONE"]))
    site_url = str(settings["SITEURL"]).rstrip("/")
    if not site_url.startswith(("http://", "https://")):
        report.guess("pelicanconf.py:1", "base_url https://example.org/", "SITEURL is not set")
        site_url = "https://example.org"
    old = OldSite(
        title=str(settings["SITENAME"]),
        base_url=site_url + "/",
        description=str(settings["SITESUBTITLE"] or ""),
        author=str(settings["AUTHOR"] or ""),
        language=str(settings["DEFAULT_LANG"]),
        timezone=str(settings["TIMEZONE"]),
    )
    old.permalink = permalink(str(settings["ARTICLE_URL"])) or _fallback(settings, report)
    _feeds(old, settings, report)
    content = source / str(settings["PATH"])
    if not (source / "pelicanconf.py").is_file() or settings["PATH"] == ".":
        content = source / "content" if (source / "content").is_dir() else content
    posts: list[Post] = []
    errors: list[DigestError] = []
    for file in _articles(content, settings, report):
        rel = file.relative_to(source).as_posix()
        try:
            post = _post(file, rel, content, settings, site_url, tz, report)
        except DigestError as exc:
            errors.extend(getattr(exc, "errors", [exc]))
            continue
        if post is not None:
            posts.append(post)
    if errors:
        from digestgen.errors import collect

        collect(errors)
    return old, posts


def _fallback(settings: dict[str, Any], report: Report) -> str:
    pattern = str(settings["ARTICLE_URL"])
    report.guess(
        "pelicanconf.py:1",
        "permalink /{slug}/",
        f"ARTICLE_URL {pattern!r} has no digestgen form; each old URL redirects",
    )
    return "/{slug}/"


def _feeds(old: OldSite, settings: dict[str, Any], report: Report) -> None:
    atom = settings["FEED_ATOM"] or settings["FEED_ALL_ATOM"]
    rss = settings["FEED_RSS"] or settings["FEED_ALL_RSS"]
    old.feeds = {"rss": rss or "feed.xml", "atom": atom or "atom.xml", "json": "feed.json"}
    for kind, path in (("atom", atom), ("rss", rss)):
        report.feeds.append((kind, str(path or ""), str(old.feeds[kind])))
        others = {settings[f"FEED_{kind.upper()}"], settings[f"FEED_ALL_{kind.upper()}"]}
        for extra in sorted(str(p) for p in others - {path, None}):
            report.drop("pelicanconf.py:1", f"feed {extra}", "digestgen has one feed per kind")
    report.feeds.append(("json", "", "feed.json"))
    tag_atom = settings["TAG_FEED_ATOM"] or settings["CATEGORY_FEED_ATOM"]
    tag_rss = settings["TAG_FEED_RSS"] or settings["CATEGORY_FEED_RSS"]
    if tag_atom or tag_rss:
        old.tag_feeds = {"rss": tag_rss, "atom": tag_atom, "json": None}
        for kind, path in (("tag atom", tag_atom), ("tag rss", tag_rss)):
            report.feeds.append((kind, str(path or ""), str(path or "")))


def _articles(content: Path, settings: dict[str, Any], report: Report) -> list[Path]:
    pages = [content / p for p in settings["PAGE_PATHS"]]
    roots = [content / p for p in settings["ARTICLE_PATHS"]]
    found: list[Path] = []
    for file in sorted({f for root in roots for f in relative_files(root)}):
        if any(page in file.parents for page in pages):
            continue
        if file.suffix.lower() in SUFFIXES:
            found.append(file)
        elif file.suffix.lower() in (".rst", ".html", ".htm"):
            rel = file.relative_to(content.parent).as_posix()
            report.drop(f"{rel}:1", "the whole file", f"{file.suffix} articles are not imported")
    return found


def _post(
    file: Path,
    rel: str,
    content: Path,
    settings: dict[str, Any],
    site_url: str,
    tz: ZoneInfo,
    report: Report,
) -> Post | None:
    src = pelican_metadata(read_text(file, rel), rel)
    meta = src.meta
    for key in sorted(meta):
        if key in MAPPED:
            report.mapped[(key.capitalize(), MAPPED[key])] += 1
        else:
            report.drop(src.where(key), key.capitalize(), "digestgen has no such key")
    when = _date(src, file, settings, tz, report)
    if when is None:
        report.drop(src.where(), "the whole file", "no Date and none in the file name")
        return None
    moment, alone = when
    title = str(meta.get("title", "")).strip()
    if not title:
        raise ParseError("article has no Title", rel, 1)
    source_slug = file.stem if settings["SLUGIFY_SOURCE"] == "basename" else title
    slug = str(meta.get("slug") or slugify(source_slug))
    category = _category(meta, file, content, settings)
    fields = {**meta, "slug": slug, "date": moment, "lang": meta.get("lang", "en")}
    fields["category"] = slugify(category)
    fields["author"] = slugify(str(meta.get("author", settings["AUTHOR"]) or ""))
    try:
        old_url = str(meta.get("url") or str(settings["ARTICLE_URL"]).format(**fields))
    except (KeyError, IndexError, ValueError) as exc:
        raise ParseError(f"cannot make ARTICLE_URL for this article: {exc}", rel, 1) from None
    link = f"{site_url}/{old_url}"
    author = ", ".join(as_list(meta.get("authors") or meta.get("author")))
    number = _number(src, report)
    status = str(meta.get("status", "published")).lower()
    if status == "hidden":
        report.guess(src.where("status"), "draft: true", "a hidden article is not listed")
    updated = parse_when(meta["modified"], tz) if "modified" in meta else None
    return Post(
        source=src,
        target=str(PurePosixPath(file.relative_to(content).as_posix()).with_suffix(".md")),
        title=title,
        date=moment,
        date_only=alone,
        slug=slug,
        old_url="/" + old_url.lstrip("/"),
        body=src.body,
        number=number,
        tags=tuple(dict.fromkeys([category, *as_list(meta.get("tags"))])),
        summary=str(meta.get("summary", "")).strip(),
        author="" if author == settings["AUTHOR"] else author,
        draft=status in ("draft", "hidden"),
        updated=updated[0] if updated else None,
        feed_id=_tag_uri(link, moment),
    )


def _date(
    src: SourceFile, file: Path, settings: dict[str, Any], tz: ZoneInfo, report: Report
) -> tuple[datetime, bool] | None:
    if "date" in src.meta:
        when = parse_when(src.meta["date"], tz)
        if when is None:
            raise ParseError(
                f"cannot read the Date {src.meta['date']!r}", src.path, src.lines["date"]
            )
        return when
    match = re.match(str(settings["FILENAME_METADATA"] or "^$"), file.stem)
    if match and match.groupdict().get("date"):
        report.guess(src.where(), "date", "from the file name, as Pelican does")
        return parse_when(match.group("date"), tz)
    return None


def _category(meta: dict[str, Any], file: Path, content: Path, settings: dict[str, Any]) -> str:
    if meta.get("category"):
        return str(meta["category"]).strip()
    folder = file.parent.relative_to(content).as_posix()
    if settings["USE_FOLDER_AS_CATEGORY"] and folder != ".":
        return folder.split("/")[0]
    return str(settings["DEFAULT_CATEGORY"])


def _number(src: SourceFile, report: Report) -> int | None:
    raw = str(src.meta.get("number", "")).strip()
    if not raw:
        return None
    if raw.isdigit():
        return int(raw)
    report.drop(src.where("number"), f"Number {raw!r}", "not a whole number")
    return None


def resolve(post: Post, context: Context) -> str:
    """The body with ``{filename}``, ``{static}``, ``{attach}``, ``{tag}``, ``{category}``
    and ``{index}`` links made relative links that work in the new site."""
    here = PurePosixPath(post.source.path).parent

    def replace(match: re.Match[str]) -> str:
        what, value = match.group("what"), match.group("value")
        target, mark, rest = _split_ref(value)
        if what in ("tag", "category"):
            return relative_link(post.new_url, f"tags/{slugify(target)}/") + mark + rest
        if what in ("index", "author"):
            return relative_link(post.new_url, "") + mark + rest
        line = line_at(post, match.start())
        return context.link(post, here, target, mark + rest, match.group(0), line)

    return _PLACEHOLDER.sub(replace, post.body)


def _split_ref(value: str) -> tuple[str, str, str]:
    for mark in ("#", "?"):
        if mark in value:
            target, _, rest = value.partition(mark)
            return target, mark, rest
    return value, "", ""


def content_folder(source: Path) -> str:
    """The content folder below the source root (``PATH``)."""
    settings = read_settings(source, Report("pelican", str(source), ""))
    path = str(settings["PATH"])
    return "content" if path == "." and (source / "content").is_dir() else path
