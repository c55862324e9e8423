"""Splits a digest file into front matter and body and validates the front matter."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path, PurePosixPath
from typing import Any

from digestgen.errors import DigestError, ParseError, collect
from digestgen.urls import is_unsafe_url, scheme_of
from digestgen.yamlsource import (
    BAD_CHARACTERS,
    YamlMapping,
    as_flag,
    as_integer,
    load_mapping,
    quoted,
    unknown_keys,
)

FRONT_MATTER_KEYS = (
    "title",
    "date",
    "number",
    "slug",
    "author",
    "tags",
    "summary",
    "draft",
    "updated",
    "image",
    "feed_id",
    "aliases",
)
_FENCE = re.compile(r"^---[ \t]*$")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True, slots=True)
class FrontMatter:
    title: str
    date: datetime
    number: int | None
    slug: str
    author: str
    tags: tuple[str, ...]
    summary: str
    draft: bool
    updated: datetime | None
    image: str | None
    # The exact id of the digest's feed entries, kept from the site it was imported from.
    feed_id: str | None = None
    # Old paths below the site root that redirect to the digest.
    aliases: tuple[str, ...] = ()
    # The file line of each key given, for messages about its value.
    lines: tuple[tuple[str, int], ...] = ()
    # Mistakes that do not stop a build (a control character left out of a value).
    warnings: tuple[DigestError, ...] = ()


@dataclass(frozen=True, slots=True)
class SplitFile:
    """The YAML text, the Markdown body and the file line each one starts on."""

    yaml: str
    yaml_line: int
    body: str
    body_line: int


def decode(data: bytes, path: str, warnings: list[DigestError] | None = None) -> str:
    """UTF-8 text with any BOM dropped and line endings made ``\\n``.

    Characters that no page or feed can carry (controls, lone surrogates, U+FFFE) are
    left out, each with a warning at its ``path:line:column`` in ``warnings``.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ParseError(
            f"not valid UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start}; "
            "save the file as UTF-8",
            path,
            line,
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if BAD_CHARACTERS.search(text) is None:
        return text
    for bad in BAD_CHARACTERS.finditer(text):
        if warnings is None:
            break
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        warnings.append(
            ParseError(
                f"control character U+{ord(bad.group()):04X} cannot appear in a page or "
                "a feed; it is left out",
                path,
                line,
                column,
            )
        )
    return BAD_CHARACTERS.sub("", text)


def split(text: str, path: str) -> SplitFile:
    """Find the ``---`` fenced front matter at the top of a digest."""
    if not text.strip():
        raise ParseError("empty file: a digest needs front matter with a title and a date", path, 1)
    lines = text.split("\n")
    if not _FENCE.match(lines[0]):
        raise ParseError(
            "missing front matter: a digest starts with a '---' line, then 'title:' and "
            "'date:', then another '---' line",
            path,
            1,
        )
    for index in range(1, len(lines)):
        if _FENCE.match(lines[index]):
            return SplitFile(
                yaml="\n".join(lines[1:index]),
                yaml_line=2,
                body="\n".join(lines[index + 1 :]),
                body_line=index + 2,
            )
    raise ParseError("front matter is never closed: add a '---' line after it", path, 1)


def _as_datetime(value: Any, tz: tzinfo) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def _representable(moment: datetime) -> bool:
    """Whether ``moment`` can be shown in any timezone: one at the calendar's ends
    (``9999-12-31T23:00:00-12:00``) lies past year 9999 in UTC."""
    try:
        (moment - timedelta(days=1)).astimezone(UTC)
        (moment + timedelta(days=1)).astimezone(UTC)
    except OverflowError:
        return False
    return True


def _text(value: Any) -> str | None:
    """A scalar's text as written (``no`` is "no", ``1.10`` is "1.10")."""
    return value if isinstance(value, str) else None


class _Validator:
    def __init__(self, mapping: YamlMapping, path: str) -> None:
        self.mapping = mapping
        self.path = path
        self.errors: list[DigestError] = unknown_keys(
            mapping, FRONT_MATTER_KEYS, path, ParseError, "front matter"
        )

    def fail(self, key: str, message: str) -> None:
        self.errors.append(ParseError(message, self.path, self.mapping.line_of(key)))

    def text(self, key: str, default: str) -> str:
        if key not in self.mapping.values:
            return default
        value = _text(self.mapping.values[key])
        if value is None:
            self.fail(key, f"'{key}' must be text, not {quoted(self.mapping.values[key])}")
            return default
        return value.strip()

    def moment(self, key: str, tz: tzinfo) -> datetime | None:
        if key not in self.mapping.values:
            return None
        raw = self.mapping.values[key]
        value = _as_datetime(raw, tz)
        if value is None:
            self.fail(
                key,
                f"'{key}' must be a date like 2024-05-31 or a date and time like "
                f"2024-05-31T09:00:00+02:00, not {quoted(raw)}",
            )
        elif not _representable(value):
            self.fail(key, f"'{key}' {quoted(raw)} lies beyond the years 1 to 9999 in UTC")
            return None
        return value

    def number(self) -> int | None:
        raw = self.mapping.values.get("number")
        if raw is None:
            return None
        value = as_integer(raw)
        if value is None or value < 0:
            self.fail("number", f"'number' must be a whole number like 20, not {quoted(raw)}")
            return None
        return value

    def tags(self) -> tuple[str, ...]:
        raw = self.mapping.values.get("tags")
        if raw is None:
            return ()
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list) or not all(_text(t) for t in raw):
            self.fail(
                "tags", f"'tags' must be a list of words like [nlp, vision], not {quoted(raw)}"
            )
            return ()
        seen: dict[str, None] = {}
        for tag in raw:
            seen.setdefault(str(tag).strip(), None)
        return tuple(seen)

    def aliases(self) -> tuple[str, ...]:
        raw = self.mapping.values.get("aliases")
        if raw is None:
            return ()
        if isinstance(raw, str):
            raw = [raw]
        bad = [a for a in raw if not _is_alias(a)] if isinstance(raw, list) else [raw]
        if bad:
            self.fail(
                "aliases",
                "'aliases' must be a list of paths below the site root such as "
                f"[/2019/05/old-name.html], not {bad[0]!r}",
            )
            return ()
        return tuple(dict.fromkeys(raw))

    def flag(self, key: str) -> bool:
        if key not in self.mapping.values:
            return False
        raw = self.mapping.values[key]
        value = as_flag(raw)
        if value is None:
            self.fail(key, f"'{key}' must be true or false, not {quoted(raw)}")
            return False
        return value


def _is_alias(value: Any) -> bool:
    """An old path below the site root: ``/`` first, no host, query, fragment or ``..``."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return False
    return not (set(value) & set("?#\\ \t")) and ".." not in value.split("/")


def default_slug(path: str, digests_dir: str = "digests") -> str:
    """The file name without ``.md``; for a page bundle (``<name>/index.md`` in a folder
    of its own below the digests folder) the folder's name."""
    file = PurePosixPath(path)
    inside = PurePosixPath(posixpath.normpath(digests_dir))
    if file.name == "index.md" and file.parent != inside and file.parent.name:
        return file.parent.name
    return file.stem


def parse_front_matter(
    part: SplitFile, path: str, tz: tzinfo, default_author: str, slug: str | None = None
) -> FrontMatter:
    """Validate the front matter; all its mistakes are raised together. ``slug`` is the
    slug when none is given (by default, the file name's)."""
    mapping = load_mapping(part.yaml, path, part.yaml_line, ParseError, "front matter")
    check = _Validator(mapping, path)
    title = check.text("title", "")
    if "title" not in mapping.values:
        check.errors.append(ParseError("missing required key 'title'", path, mapping.line))
    elif not title and not check.errors:
        check.fail("title", "'title' is empty")
    moment = check.moment("date", tz)
    if "date" not in mapping.values:
        check.errors.append(ParseError("missing required key 'date'", path, mapping.line))
    slug = check.text("slug", slug or Path(path).stem)
    if not _SLUG.match(slug):
        check.fail(
            "slug", f"'slug' may hold only letters, digits, '.', '_' and '-': {quoted(slug)}"
        )
    result = FrontMatter(
        title=title,
        date=moment or datetime(1970, 1, 1, tzinfo=tz),
        number=check.number(),
        slug=slug,
        author=check.text("author", default_author),
        tags=check.tags(),
        summary=check.text("summary", ""),
        draft=check.flag("draft"),
        updated=check.moment("updated", tz),
        image=check.text("image", "") or None,
        feed_id=check.text("feed_id", "") or None,
        aliases=check.aliases(),
        lines=tuple((str(key), mapping.line_of(key)) for key in mapping.values),
        warnings=mapping.warnings,
    )
    if result.image and is_unsafe_url(result.image):
        check.fail(
            "image", f"'image' with unsafe scheme '{scheme_of(result.image)}:' is not allowed"
        )
    collect(check.errors)
    return result
