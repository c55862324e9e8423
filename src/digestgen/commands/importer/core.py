"""What every format's reader gives (the old site and its posts) and the steps they share:
numbers from titles, one slug and number per digest, the URLs kept or redirected."""

from __future__ import annotations

import json
import posixpath
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from digestgen.commands.importer.report import Report
from digestgen.commands.importer.sources import SourceFile
from digestgen.config import SiteConfig
from digestgen.content.digest import digest_url
from digestgen.content.frontmatter import default_slug, parse_front_matter, split
from digestgen.urls import slugify

_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_NUMBERED = re.compile(r"^(?P<prefix>.*?)[\s:#№-]*(?P<n>\d{1,6})$")
_SERIES_WORD = re.compile(r"\b(issue|digest|weekly|week|edition|newsletter|no|nr|vol)\b|#", re.I)


@dataclass(slots=True)
class Post:
    """One article of the old site, as digestgen will hold it, and where it was."""

    source: SourceFile
    target: str  # below digests/: "2019/name.md", or "name/index.md" for a bundle
    title: str
    date: datetime
    date_only: bool
    slug: str
    old_url: str  # the old path below the site root, e.g. "/blog/2019/05/10/name/"
    body: str
    number: int | None = None
    tags: tuple[str, ...] = ()
    summary: str = ""
    author: str = ""
    draft: bool = False
    updated: datetime | None = None
    feed_id: str | None = None
    aliases: tuple[str, ...] = ()
    files: tuple[tuple[Path, str], ...] = ()  # bundle files: (source, name beside the digest)
    new_url: str = ""  # digestgen's path for it, set by ``place``


@dataclass(slots=True)
class OldSite:
    """The old site's settings, as a digestgen config, and its files to copy."""

    title: str
    base_url: str
    description: str = ""
    author: str = ""
    language: str = "en"
    timezone: str = "UTC"
    permalink: str = "/digests/{slug}/"
    feeds: dict[str, str | None] = field(default_factory=dict)
    tag_feeds: dict[str, str | None] | None = None
    repeats: tuple[str, ...] = ()
    static: list[tuple[Path, str]] = field(default_factory=list)  # (source, path in new site)

    def config_text(self) -> str:
        """``digestgen.yaml`` for the new site, keys in a fixed order."""
        lines = [
            "# Written by 'digestgen import'; see the README for every key.",
            f"title: {_q(self.title)}",
            f"base_url: {_q(self.base_url)}",
            f"description: {_q(self.description)}",
            f"author: {_q(self.author)}",
            f"language: {_q(self.language)}",
            f"timezone: {_q(self.timezone)}",
            f"permalink: {_q(self.permalink)}",
            f"feeds: {_mapping(self.feeds)}",
        ]
        if self.tag_feeds is not None:
            lines.append(f"tag_feeds: {_mapping(self.tag_feeds)}")
        if self.repeats:
            lines.append(f"repeats: {{sections: {_q(list(self.repeats))}}}")
        return "\n".join(lines) + "\n"


def _q(value: Any) -> str:
    """A value as YAML: JSON strings and lists are YAML flow scalars and sequences."""
    return json.dumps(value, ensure_ascii=False)


def _mapping(values: dict[str, str | None]) -> str:
    return "{" + ", ".join(f"{k}: {_q(v)}" for k, v in values.items()) + "}"


def digest_text(post: Post) -> str:
    """The digest file: our front matter, then the body as it was."""
    moment = post.date.date().isoformat() if post.date_only else post.date.isoformat()
    lines = ["---", f"title: {_q(post.title)}", f"date: {moment}"]
    if post.number is not None:
        lines.append(f"number: {post.number}")
    lines.append(f"slug: {post.slug}")
    optional: list[tuple[str, Any]] = [
        ("author", post.author),
        ("tags", list(post.tags)),
        ("summary", post.summary),
        ("draft", post.draft),
        ("updated", post.updated.isoformat() if post.updated else None),
        ("feed_id", post.feed_id),
        ("aliases", list(post.aliases)),
    ]
    lines += [f"{key}: {_q(value)}" for key, value in optional if value]
    return "\n".join([*lines, "---", ""]) + post.body


def guess_numbers(posts: list[Post], report: Report) -> None:
    """Numbers from titles such as "This Week in Rust 426" for posts without one: the
    words before the number are those of other titles too, or say issue, digest, #..."""
    found = {id(p): _NUMBERED.match(p.title.strip()) for p in posts if p.number is None}
    prefixes = Counter(m.group("prefix").casefold() for m in found.values() if m)
    for post in posts:
        match = found.get(id(post))
        if match is None:
            continue
        prefix, number = match.group("prefix"), int(match.group("n"))
        series = prefixes[prefix.casefold()] > 1 or _SERIES_WORD.search(post.title)
        if prefix.strip() and series and not (1900 <= number <= 2100 and "#" not in post.title):
            post.number = number
            report.guess(post.source.where("title"), f"number {number}", "from the title")
    _unique_numbers(posts, report)


def _unique_numbers(posts: list[Post], report: Report) -> None:
    owner: dict[int, Post] = {}
    for post in sorted(posts, key=lambda p: (p.date, p.source.path)):
        if post.number is None:
            continue
        first = owner.setdefault(post.number, post)
        if first is not post:
            report.drop(
                post.source.where("title"),
                f"number {post.number}",
                f"{first.source.path} has the same number",
            )
            post.number = None


def unique_slugs(posts: list[Post], report: Report) -> None:
    """Make every slug one digestgen accepts and no two the same (the old URL is kept
    as an alias of the new one by ``place``)."""
    taken: set[str] = set()
    for post in sorted(posts, key=lambda p: (p.date, p.source.path)):
        slug = post.slug if _SLUG.match(post.slug) else slugify(post.slug) or "digest"
        base, n = slug, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        if slug != post.slug:
            report.guess(post.source.where("slug"), f"slug {slug!r}", f"not {post.slug!r}")
            post.slug = slug
        taken.add(slug)


def place(posts: list[Post], config: SiteConfig, digests_dir: str, report: Report) -> None:
    """Each post's digestgen URL, by digestgen's own rules; an old URL the permalink does
    not give is kept as an alias (a redirect), and the old site's own aliases stay."""
    for post in posts:
        path = f"{digests_dir}/{post.target}"
        front = parse_front_matter(
            split(digest_text(post), path), path, config.tz, config.author, default_slug(path)
        )
        post.new_url = digest_url(config, front)
        new = "/" + post.new_url
        old = post.old_url.removesuffix("index.html")
        aliases = list(post.aliases)
        if post.draft:
            pass  # a draft was never published: it has no URL to keep
        elif old == new:
            report.kept.append(old)
        else:
            aliases.insert(0, old)
        post.aliases = tuple(dict.fromkeys(a for a in aliases if a != new))
        report.redirects += [(alias, new) for alias in post.aliases]


def relative_link(from_url: str, to_path: str) -> str:
    """A link from the page at ``from_url`` (a folder below the site root) to
    ``to_path`` (below the root too) that works wherever the site is published."""
    link = posixpath.relpath(to_path.rstrip("/") or ".", from_url.rstrip("/") or ".")
    return link + "/" if to_path.endswith("/") and link != "." else link if link != "." else "./"


@dataclass(slots=True)
class Context:
    """What rewriting links needs: each post's new URL by its source path, the files
    to copy into the new site, and the report."""

    source: Path
    content: str  # the content folder below the source root ("content", or "")
    urls: dict[str, str]
    report: Report
    copies: dict[str, Path] = field(default_factory=dict)

    def link(
        self, post: Post, here: PurePosixPath, target: str, rest: str, old: str, line: int
    ) -> str:
        """A relative link to the post or file ``target`` names (from the content folder
        when it starts with ``/``, else from ``here``); a file that is no post is copied
        to ``static/``. An unknown target is left as it was and reported."""
        if target.startswith("/"):
            path = posixpath.normpath(posixpath.join(self.content or ".", target.lstrip("/")))
        else:
            path = posixpath.normpath(posixpath.join(str(here), target))
        if path in self.urls:
            return relative_link(post.new_url, self.urls[path]) + rest
        file = self.source / path
        if file.suffix.lower() in (".md", ".markdown", ".mkd", ".mdown", ".rst", ".html"):
            where = f"{post.source.path}:{line}"
            self.report.drop(where, old, "it links to a page that is not a digest")
            return old
        if file.is_file() and not path.startswith("../"):
            inside = posixpath.relpath(path, self.content or ".")
            new = f"static/{inside}"
            self.copies[new] = file
            return relative_link(post.new_url, new) + rest
        self.report.drop(f"{post.source.path}:{line}", old, "it names no file of the site")
        return old


Resolver = Callable[[Post, Context], str]


def line_at(post: Post, offset: int) -> int:
    """The old file's line of ``offset`` in the post's body."""
    return post.source.body_line + post.body.count("\n", 0, offset)
