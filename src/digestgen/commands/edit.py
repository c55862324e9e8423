"""Changing a draft in place: ``add`` appends a link, ``publish`` dates and releases it.

Edits are made on the file's lines, located through the parsed model, so
everything else in the file keeps its bytes; the result is parsed again
before it is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from html.parser import HTMLParser
from http.client import HTTPException
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from digestgen import __version__
from digestgen.commands import http
from digestgen.commands.check import Finding, digest_warnings
from digestgen.config import SiteConfig
from digestgen.content.digestfile import (
    SourceText,
    digest_at,
    load_site,
    newest_draft,
    section_spans,
    today,
)
from digestgen.content.frontmatter import split
from digestgen.content.parse import parse_digest
from digestgen.errors import DigestError, ParseError, collect
from digestgen.model import Digest, Item, Section, Site
from digestgen.site.featured import describe, find_featured
from digestgen.urls import is_tracking_param
from digestgen.yamlsource import load_mapping

_TAG = re.compile(r"^[^\W\d_][\w-]*$")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#~|&])")
FETCH_TIMEOUT = 5.0
FETCH_LIMIT = 1_000_000


@dataclass(frozen=True, slots=True)
class NewItem:
    """A link to add: its URL, and optionally a title, a note and tags."""

    url: str
    title: str | None = None
    note: str | None = None
    tags: tuple[str, ...] = ()


def escape_markdown(text: str) -> str:
    """Text that Markdown shows as it is (the characters that could start markup escaped)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def link_destination(url: str) -> str:
    return f"<{url}>" if re.search(r"[\s()<>]", url) else url


def item_line(item: NewItem) -> str:
    """The Markdown list item for a new link: ``- [Title](url) - note #tag``."""
    if item.title:
        line = f"- [{escape_markdown(item.title)}]({link_destination(item.url)})"
    else:
        line = f"- <{item.url}>"
    if item.note:
        line += f" - {escape_markdown(item.note)}"
    for tag in item.tags:
        line += f" #{tag}"
    return line


class Added(NamedTuple):
    """Where ``add_item`` put the link, and the tracking parameters it took out of it."""

    path: Path
    line: int
    url: str
    removed: tuple[str, ...] = ()


def without_tracking(url: str, config: SiteConfig) -> tuple[str, tuple[str, ...]]:
    """``url`` without the query parameters ``digestgen check`` calls tracking (``utm_*``,
    click ids, the config's ``tracking_params``), and their names; the rest of the URL
    keeps its spelling."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url, ()
    extra = frozenset(name.lower() for name in config.tracking_params)
    kept: list[str] = []
    removed: list[str] = []
    for pair in parts.query.split("&") if parts.query else ():
        name = unquote_plus(pair.split("=", 1)[0])
        if name and is_tracking_param(name, extra):
            removed.append(name)
        else:
            kept.append(pair)
    if not removed:
        return url, ()
    return urlunsplit(parts._replace(query="&".join(kept))), tuple(removed)


def _check_new_item(item: NewItem) -> None:
    if not re.match(r"^https?://[^/\s]+", item.url) or re.search(r"[\s<>]", item.url):
        raise DigestError(f"not an absolute http(s) URL: {item.url!r}")
    for tag in item.tags:
        if not _TAG.match(tag):
            raise DigestError(f"a tag is one word of letters, digits, '_' or '-': {tag!r}")


def _target(site: Site, root: Path, to: Path | None) -> Digest:
    return digest_at(site, root, to) if to is not None else newest_draft(site)


def _find_section(digest: Digest, spans: list[tuple[Section, int, int]], name: str) -> int | None:
    wanted = " ".join(name.split()).casefold()
    for index, (section, _start, _stop) in enumerate(spans):
        if section.title and section.title.casefold() == wanted:
            return index
    return None


def _default_section(spans: list[tuple[Section, int, int]]) -> int | None:
    """The section a link goes to when none is named: the last one holding items, else
    the first one still empty."""
    holding = [i for i, (section, _, _) in enumerate(spans) if _last_item(section) is not None]
    if holding:
        return holding[-1]
    empty = [i for i, (section, _, _) in enumerate(spans) if section.title and not section.content]
    return empty[0] if empty else None


def _last_item(section: Section) -> int | None:
    """The index of the section's last own item in its content."""
    found = [i for i, part in enumerate(section.content) if isinstance(part, Item)]
    return found[-1] if found else None


def _closing_line(source: SourceText, digest: Digest) -> int:
    """Where the closing sections start: the last ``##`` sections that hold something but
    no item ("About this digest"), which stay last; past the end of the file when none."""
    line = len(source.lines) + 1
    for section in reversed(digest.sections):
        if not section.title or section.item_count or not (section.content or section.subsections):
            break
        line = section.line
    return line


def _insert_before(source: SourceText, before: int, new: list[str]) -> int:
    """Insert ``new`` (ending with the item line) as a paragraph of its own before line
    ``before`` (past the end: at the end, after the last line with text); returns the
    item's line."""
    if before > len(source.lines):
        while before > 1 and not source.text_of(before - 1).strip():
            before -= 1
    lead = [""] if before > 1 and source.text_of(before - 1).strip() else []
    trail = [""] if source.text_of(before).strip() else []
    source.insert(before, [*lead, *new, *trail])
    return before + len(lead) + len(new) - 1


def _append_under(source: SourceText, digest: Digest, section: str | None, line: str) -> int:
    """Put ``line`` after the last item of a section (the named one, else the default);
    returns its line number. A missing section is added before the closing sections."""
    spans = section_spans(digest, len(source.lines))
    index = _find_section(digest, spans, section) if section else _default_section(spans)
    if index is None:
        heading = [f"## {' '.join(section.split())}", ""] if section else []
        return _insert_before(source, _closing_line(source, digest), [*heading, line])
    owner, start, stop = spans[index]
    last = _last_item(owner)
    if last is not None and last + 1 < len(owner.content):
        stop = owner.content[last + 1].line - 1  # the blocks after its last item stay after
    while stop >= start and not source.text_of(stop).strip():
        stop -= 1
    after = max(stop, start - 1)
    new = [line] if last is not None else ["", line]
    if source.text_of(after + 1).strip():
        new.append("")
    source.insert(after + 1, new)
    return after + 1 + new.index(line)


def add_item(
    root: Path,
    item: NewItem,
    section: str | None = None,
    to: Path | None = None,
    force: bool = False,
    keep_query: bool = False,
) -> Added:
    """Append ``item`` to the newest draft (or ``to``), in ``section``, else the config's
    ``default_section``, else the last section holding items.

    Tracking parameters are taken out of the URL unless ``keep_query``. Refuses a link
    already featured anywhere in the site (drafts included) unless ``force``.
    """
    _check_new_item(item)
    site = load_site(root)
    removed: tuple[str, ...] = ()
    if not keep_query:
        url, removed = without_tracking(item.url, site.config)
        item = replace(item, url=url)
    featured = find_featured(site, item.url)
    if featured and not force:
        collect(
            [
                DigestError(
                    f"{item.url} is already featured here ({d.title}); "
                    "use --force to add it anyway",
                    it.path,
                    it.line,
                )
                for d, it in featured
            ]
        )
    digest = _target(site, root, to)
    path = root / digest.path
    source = SourceText.read(path)
    section = section or site.config.default_section or None
    number = _append_under(source, digest, section, item_line(item))
    reparsed = parse_digest(source.dump(), digest.path, site.config)
    if not any(it.line == number and it.url == item.url for it in reparsed.items()):
        raise DigestError(f"could not add the link cleanly at line {number}; edit it by hand", path)
    source.write()
    return Added(path, number, item.url, removed)


def _front_matter_line(source: SourceText, path: str, key: str) -> int | None:
    text = "\n".join(text for text, _ in source.lines)
    mapping = load_mapping(split(text, path).yaml, path, 2, ParseError, "front matter")
    line = mapping.lines.get(key)
    following = source.text_of(line + 1) if line is not None else ""
    if following[:1] in (" ", "\t") or following.startswith("- "):
        raise ParseError(f"'{key}' spans several lines; write it on one line", path, line)
    return line


def _set_key(source: SourceText, path: str, key: str, value: str) -> None:
    line = _front_matter_line(source, path, key)
    if line is None:
        fence = next(
            n for n in range(2, len(source.lines) + 1) if source.text_of(n).rstrip() == "---"
        )
        source.insert(fence, [f"{key}: {value}"])
    else:
        source.replace(line, f"{key}: {value}")


def publish_checks(site: Site, digest: Digest) -> list[DigestError]:
    """Why ``digest`` is not ready: links featured before, no items, empty sections."""
    errors: list[DigestError] = []
    for item in digest.items():
        if item.url is None:
            continue
        others = [(d, it) for d, it in find_featured(site, item.url) if it is not item]
        if others:
            where = "; ".join(describe(d, it) for d, it in others)
            errors.append(ParseError(f"{item.url} is also featured: {where}", item.path, item.line))
    if digest.item_count == 0:
        errors.append(ParseError("the digest has no items yet", digest.path, 1))

    for section in digest.all_sections():
        if not section.content and not section.subsections:
            message = f"section '{section.title}' is empty; fill it or delete its heading"
            errors.append(ParseError(message, digest.path, section.line))
    return errors


class Published(NamedTuple):
    """The digest ``publish`` released, and what ``digestgen check`` warns about in it."""

    path: Path
    warnings: list[Finding]


def publish(root: Path, file: Path | None = None, day: date | None = None) -> Published:
    """Check a draft, set its date (today in the site's timezone) and clear its draft flag.

    Mistakes refuse it; the warnings ``digestgen check`` gives for it come back with it."""
    site = load_site(root)
    digest = _target(site, root, file)
    if not digest.draft:
        raise ParseError("already published (no 'draft: true' in its front matter)", digest.path, 1)
    collect(publish_checks(site, digest))
    warnings = digest_warnings(site, digest)
    source = SourceText.read(root / digest.path)
    _set_key(source, digest.path, "date", (day or today(site.config)).isoformat())
    _set_key(source, digest.path, "draft", "false")
    reparsed = parse_digest(source.dump(), digest.path, site.config)
    if reparsed.draft:  # pragma: no cover - guarded by _set_key
        raise ParseError("could not clear the draft flag; edit it by hand", digest.path, 1)
    source.write()
    return Published(root / digest.path, warnings)


class _TitleParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inside = False
        self.done = False
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title" and not self.done:
            self.inside = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self.inside:
            self.inside, self.done = False, True

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.parts.append(data)


def page_title(html: str) -> str:
    """The text of the first ``<title>``, whitespace collapsed; ``""`` when there is none."""
    parser = _TitleParser()
    parser.feed(html)
    return " ".join("".join(parser.parts).split())


def fetch_title(url: str, timeout: float = FETCH_TIMEOUT, allow_private: bool = False) -> str:
    """Read the page's ``<title>``, giving up after ``timeout`` seconds in all.

    Neither the URL nor a redirect may lead to a loopback, private or link-local
    address unless ``allow_private``: a digest's link must not make the curator's
    machine read its own network."""
    if not re.match(r"^https?://", url):
        raise DigestError(f"can fetch only http(s) pages, not {url!r}")
    try:
        answer = http.fetch(
            url,
            "GET",
            timeout,
            {"User-Agent": f"digestgen/{__version__}"},
            private=allow_private,
            body_limit=FETCH_LIMIT,
            enough=lambda data: b"</title>" in data.lower(),
        )
    except (OSError, HTTPException, ValueError) as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else str(exc) or type(exc).__name__
        raise DigestError(f"could not fetch {url}: {reason}; give a title with --title") from None
    if answer.status >= 400:
        raise DigestError(f"could not fetch {url}: HTTP {answer.status}; give a title with --title")
    charset = answer.headers.get_content_charset() or "utf-8"
    try:
        html = answer.body.decode(charset, errors="replace")
    except LookupError:
        html = answer.body.decode("utf-8", errors="replace")
    title = page_title(html)
    if not title:
        raise DigestError(f"{url} has no <title>; give one with --title")
    return title
