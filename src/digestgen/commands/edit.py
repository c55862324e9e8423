"""Changing a draft in place: ``add`` appends a link, ``publish`` dates and releases it.

Edits are made on the file's lines, located through the parsed model, so
everything else in the file keeps its bytes; the result is parsed again
before it is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from http.client import HTTPException
from pathlib import Path

from digestgen import __version__
from digestgen.commands import http
from digestgen.content.digestfile import (
    SourceText,
    digest_at,
    last_part,
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


def _append_under(source: SourceText, digest: Digest, section: str | None, line: str) -> int:
    """Put ``line`` at the end of a section's own items; returns its line number."""
    spans = section_spans(digest, len(source.lines))
    index = _find_section(digest, spans, section) if section else len(spans) - 1
    if index is None or index < 0:
        # The section is missing (or the digest has none): add it at the end of the file.
        stop = len(source.lines)
        while stop > 0 and not source.text_of(stop).strip():
            stop -= 1
        heading = [f"## {' '.join(section.split())}", ""] if section else []
        source.insert(stop + 1, ["", *heading, line])
        return stop + 2 + len(heading)
    owner, start, stop = spans[index]
    while stop >= start and not source.text_of(stop).strip():
        stop -= 1
    after = max(stop, start - 1)
    new = [line] if isinstance(last_part(owner), Item) else ["", line]
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
) -> tuple[Path, int]:
    """Append ``item`` to the newest draft (or ``to``); returns the file and the item's line.

    Refuses a link already featured anywhere in the site (drafts included)
    unless ``force``.
    """
    _check_new_item(item)
    site = load_site(root)
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
    number = _append_under(source, digest, section, item_line(item))
    reparsed = parse_digest(source.dump(), digest.path, site.config)
    if not any(it.line == number and it.url == item.url for it in reparsed.items()):
        raise DigestError(f"could not add the link cleanly at line {number}; edit it by hand", path)
    source.write()
    return path, number


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


def publish(root: Path, file: Path | None = None, day: date | None = None) -> Path:
    """Check a draft, set its date (today in the site's timezone) and clear its draft flag."""
    site = load_site(root)
    digest = _target(site, root, file)
    if not digest.draft:
        raise ParseError("already published (no 'draft: true' in its front matter)", digest.path, 1)
    collect(publish_checks(site, digest))
    source = SourceText.read(root / digest.path)
    _set_key(source, digest.path, "date", (day or today(site.config)).isoformat())
    _set_key(source, digest.path, "draft", "false")
    reparsed = parse_digest(source.dump(), digest.path, site.config)
    if reparsed.draft:  # pragma: no cover - guarded by _set_key
        raise ParseError("could not clear the draft flag; edit it by hand", digest.path, 1)
    source.write()
    return root / digest.path


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
