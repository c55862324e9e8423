"""Loads and validates ``digestgen.yaml`` into a frozen :class:`SiteConfig`."""

from __future__ import annotations

import posixpath
import stat
import zoneinfo
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from digestgen.errors import ConfigError, DigestError, collect
from digestgen.yamlsource import as_flag, as_integer, load_mapping, quoted, unknown_keys

CONFIG_FILE = "digestgen.yaml"
FEED_KINDS = ("rss", "atom", "json")


@dataclass(frozen=True, slots=True)
class FeedPaths:
    """Where each feed goes below the site root; ``None`` leaves that feed out."""

    rss: str | None = "feed.xml"
    atom: str | None = "atom.xml"
    json: str | None = "feed.json"


TAG_FEEDS = FeedPaths("tags/{slug}/feed.xml", "tags/{slug}/atom.xml", None)


@dataclass(frozen=True, slots=True)
class RepeatRules:
    """What ``digestgen check`` counts as a link featured again: with ``sections``,
    only items under those headings; without, every item but recurring blocks."""

    sections: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """The site's settings. Every field but ``title`` and ``base_url`` has a default."""

    title: str
    base_url: str
    description: str = ""
    author: str = ""
    language: str = "en"
    timezone: str = "UTC"
    per_page: int = 10
    permalink: str = "/digests/{slug}/"
    feed_limit: int = 20
    feed_full_content: bool = True
    unsafe_html: bool = False
    drafts: bool = False
    digests_dir: str = "digests"
    output_dir: str = "site"
    static_dir: str = "static"
    templates_dir: str = "templates"
    schedule: str = ""
    new_digest_file: str = "digest-{number}.md"
    new_digest_title: str = "Digest {number}"
    sections: tuple[str, ...] = ()
    # The section `digestgen add` puts a link in when not given one ("" for the last
    # section that holds items).
    default_section: str = ""
    export_formats: tuple[str, ...] = ()
    # `digestgen check`: report plain http: links; links whose repeat is intended;
    # host aliases and tracking parameters added to the built-in ones of urls.py.
    check_http: bool = False
    duplicate_allow: tuple[str, ...] = ()
    url_aliases: tuple[tuple[str, str], ...] = ()
    tracking_params: tuple[str, ...] = ()
    repeats: RepeatRules = RepeatRules()
    # The paths of the main feeds and of each tag's feeds (``{slug}`` in each).
    feeds: FeedPaths = FeedPaths()
    tag_feeds: FeedPaths = TAG_FEEDS
    # Follow digest files and folders symlinked from outside the site root.
    follow_symlinks: bool = False
    # A digest file larger than this many bytes is refused before it is parsed.
    max_digest_bytes: int = 5_000_000

    @property
    def base_path(self) -> str:
        """The path part of ``base_url``, always starting and ending with ``/``."""
        return urlsplit(self.base_url).path

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


KNOWN_KEYS = tuple(f.name for f in fields(SiteConfig))
PERMALINK_FIELDS = ("slug", "number", "year", "month", "day")


def _typed(key: str, value: Any, default: Any) -> tuple[Any, str | None]:
    """``value`` read as the type of its field's ``default``, or why it cannot be: each
    YAML scalar is text as written, and the field decides what it means."""
    if isinstance(default, FeedPaths | RepeatRules):
        return value, _mapping_problem(key, value)
    if key == "url_aliases":
        if value == []:  # an empty list reads as naturally as {} for "no aliases"
            return {}, None
        ok = isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        )
        return value, None if ok else "a mapping of host names, such as {youtu.be: youtube.com}"
    if isinstance(default, tuple):
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return value, None if ok else "a list of words like [one, two]"
    if isinstance(default, bool):
        flag = as_flag(value)
        return flag, None if flag is not None else "true or false"
    if isinstance(default, int):
        number = as_integer(value)
        ok = number is not None and number > 0
        return number, None if ok else "a whole number above 0"
    return value, None if isinstance(value, str) else "text"


def parse_config(text: str, path: Path | str = CONFIG_FILE) -> SiteConfig:
    """Validate the text of a config file; raises ``ConfigError`` with the key's line."""
    mapping = load_mapping(text, path, 1, ConfigError, "config")
    errors: list[DigestError] = [*mapping.warnings]
    errors += unknown_keys(mapping, KNOWN_KEYS, path, ConfigError, "config")
    defaults = {f.name: f.default for f in fields(SiteConfig)}
    values: dict[str, Any] = {}
    for key in ("title", "base_url"):
        if key not in mapping.values:
            errors.append(ConfigError(f"missing required key '{key}'", path, mapping.line))
    for key, value in mapping.values.items():
        if key not in defaults:
            continue
        default = defaults[key]
        default = None if key in ("title", "base_url") else default
        typed, problem = _typed(key, value, default)
        if problem is not None:
            message = f"'{key}' must be {problem}, not {quoted(value)}"
            errors.append(ConfigError(message, path, mapping.line_of(key)))
            continue
        values[key] = _frozen(typed, key)
    errors.extend(_check_values(values, mapping.line_of, path))
    collect(errors)
    base_url = values["base_url"]
    if not base_url.endswith("/"):
        values["base_url"] = base_url + "/"
    return SiteConfig(**values)


def _mapping_problem(key: str, value: Any) -> str | None:
    """Why the value of ``feeds``, ``tag_feeds`` or ``repeats`` is not what it must be."""
    if key == "repeats":
        ok = isinstance(value, dict) and set(value) <= {"sections"}
        sections = value.get("sections", []) if ok else None
        ok = isinstance(sections, list) and all(isinstance(v, str) for v in sections)
        return None if ok else "a mapping such as {sections: [News, Articles]}"
    example = "{rss: feed.xml, atom: atom.xml, json: feed.json}"
    if key == "tag_feeds":
        example = '{rss: "tags/{slug}/feed.xml", atom: "tags/{slug}/atom.xml"}'
    if not isinstance(value, dict) or not set(value) <= set(FEED_KINDS):
        return f"a mapping of feed paths such as {example}"
    for path in value.values():
        if path is None:
            continue
        if not isinstance(path, str) or not _is_site_path(path):
            return f"a mapping of file paths below the site root such as {example}"
        if key == "tag_feeds" and "{slug}" not in path:
            return f"a mapping of paths that each hold {{slug}}, such as {example}"
    return None


def _is_site_path(path: str) -> bool:
    """A file path below the site root: no scheme, no '..', not a folder."""
    parts = path.strip("/").split("/")
    return (
        bool(path.strip("/"))
        and not path.endswith("/")
        and ".." not in parts
        and (":" not in path and "?" not in path and "#" not in path and "\\" not in path)
    )


def _frozen(value: Any, key: str = "") -> Any:
    """Lists and mappings as tuples of plain ``str`` (and the mapping settings as their
    own types), so that the config stays immutable."""
    if key == "repeats":
        return RepeatRules(tuple(str(s) for s in value.get("sections", [])))
    if key in ("feeds", "tag_feeds"):
        base = FeedPaths() if key == "feeds" else TAG_FEEDS
        paths = {k: getattr(base, k) for k in FEED_KINDS}
        paths.update({str(k): None if v is None else str(v).lstrip("/") for k, v in value.items()})
        return FeedPaths(**paths)
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if isinstance(value, dict):
        return tuple((str(k).lower(), str(v).lower()) for k, v in value.items())
    return str(value) if isinstance(value, str) else value


def _check_values(values: dict[str, Any], line_of: Any, path: Path | str) -> list[DigestError]:
    errors: list[DigestError] = []
    base_url = values.get("base_url")
    if isinstance(base_url, str):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            errors.append(
                ConfigError(
                    f"'base_url' must be an absolute http(s) URL such as "
                    f"'https://example.org/blog/', not {quoted(base_url)}",
                    path,
                    line_of("base_url"),
                )
            )
    tz = values.get("timezone")
    if isinstance(tz, str):
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors.append(
                ConfigError(
                    f"unknown timezone {quoted(tz)} (use an IANA name such as 'Europe/Berlin')",
                    path,
                    line_of("timezone"),
                )
            )
    output = values.get("output_dir")
    if isinstance(output, str):
        problem = _output_problem(values, output)
        if problem is not None:
            errors.append(ConfigError(problem, path, line_of("output_dir")))
    pattern = values.get("permalink")
    if isinstance(pattern, str):
        try:
            pattern.format(slug="s", number=1, year=2000, month="01", day="01")
        except (KeyError, IndexError, ValueError):
            errors.append(
                ConfigError(
                    f"'permalink' may use only {{{'}, {'.join(PERMALINK_FIELDS)}}}: "
                    f"{quoted(pattern)}",
                    path,
                    line_of("permalink"),
                )
            )
        else:
            if not (pattern.startswith("/") and pattern.endswith("/")) or "{slug}" not in pattern:
                errors.append(
                    ConfigError(
                        f"'permalink' must start and end with '/' and contain {{slug}}: "
                        f"{quoted(pattern)}",
                        path,
                        line_of("permalink"),
                    )
                )
    return errors


def _output_problem(values: dict[str, Any], output: str) -> str | None:
    """Why ``output_dir`` would replace the sources (the build swaps that folder in)."""
    out = posixpath.normpath(output.replace("\\", "/"))
    if out in (".", "..") or (out.startswith("../") and not out.strip("./")):
        return f"'output_dir' {quoted(output)} is the site's own folder or above it"
    if posixpath.isabs(out):
        return None  # an absolute folder is checked against the real paths at build time
    for key in ("digests_dir", "templates_dir", "static_dir"):
        folder = posixpath.normpath(str(values.get(key, _DEFAULT_DIRS[key])))
        if out == folder or out.startswith(folder + "/"):
            return f"'output_dir' {quoted(output)} would replace the sources in '{key}' {folder!r}"
    return None


_DEFAULT_DIRS = {"digests_dir": "digests", "templates_dir": "templates", "static_dir": "static"}


def checked_base_url(base_url: str, path: Path | str = CONFIG_FILE) -> str:
    """``base_url`` as the config would hold it (ending in ``/``); raises ``ConfigError``
    for one that is not an absolute http(s) URL. For an address given on the command
    line (a preview published elsewhere)."""
    errors = _check_values({"base_url": base_url}, lambda _key: None, path)
    collect(errors)
    return base_url if base_url.endswith("/") else base_url + "/"


def find_root(start: Path) -> Path | None:
    """The first folder from ``start`` upwards that holds ``digestgen.yaml`` (as git finds
    its repository from any folder inside it), or ``None``."""
    start = start.absolute()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    return None


def load_config(root: Path) -> SiteConfig:
    """Read ``digestgen.yaml`` from the site root."""
    path = root / CONFIG_FILE
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO would block the read
            raise ConfigError("cannot read config: not a regular file", path)
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"no {CONFIG_FILE} here; a site needs one with at least 'title' and 'base_url'",
            path,
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config: {exc.strerror}", path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        message = f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at byte offset {exc.start}"
        raise ConfigError(message, path, line) from None
    return parse_config(text.replace("\r\n", "\n"), path)
