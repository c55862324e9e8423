"""Starting things: ``init`` writes a new site, ``new`` writes the next draft digest."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from digestgen import __version__
from digestgen.config import CONFIG_FILE, SiteConfig, parse_config
from digestgen.content.digestfile import SourceText, load_site, section_spans, today
from digestgen.errors import ConfigError, DigestError
from digestgen.model import Block, Digest, Section
from digestgen.yamlsource import load_mapping

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PATTERN_FIELDS = ("number", "year", "month", "day")
RECURRING_START = re.compile(r"^<!--\s*recurring\b.*-->$")
RECURRING_END = re.compile(r"^<!--\s*/\s*recurring\s*-->$")


def _config_line(root: Path, key: str) -> int | None:
    path = root / CONFIG_FILE
    mapping = load_mapping(path.read_text("utf-8-sig"), path, 1, ConfigError, "config")
    return mapping.lines.get(key)


def publication_days(schedule: str) -> Callable[[date], bool]:
    """Which days a schedule publishes on; raises ``ValueError`` for one it cannot read.

    ``""`` or ``daily``: every day; ``weekdays``; ``weekly on wednesday`` (or
    ``weekly on monday and thursday``); ``monthly on day 1``.
    """
    words = schedule.lower().replace(",", " ").split()
    if not words or words == ["daily"]:
        return lambda _day: True
    if words == ["weekdays"]:
        return lambda day: day.weekday() < 5
    if len(words) >= 3 and words[:2] == ["weekly", "on"]:
        names = [w.removesuffix("s") for w in words[2:] if w != "and"]
        if names and all(n in DAYS for n in names):
            wanted = {DAYS.index(n) for n in names}
            return lambda day: day.weekday() in wanted
    if len(words) == 4 and words[:3] == ["monthly", "on", "day"] and words[3].isdigit():
        number = int(words[3])
        if 1 <= number <= 28:
            return lambda day: day.day == number
    raise ValueError(schedule)


def next_publication_day(
    root: Path, config: SiteConfig, start: date, previous: date | None
) -> date:
    """The first publication day on or after ``start`` and after the previous digest."""
    try:
        publishes = publication_days(config.schedule)
    except ValueError:
        raise ConfigError(
            f"cannot read 'schedule: {config.schedule}'; use 'daily', 'weekdays', "
            "'weekly on wednesday' or 'monthly on day 1'",
            root / CONFIG_FILE,
            _config_line(root, "schedule"),
        ) from None
    day = start
    if config.schedule and previous is not None and previous >= day:
        day = previous + timedelta(days=1)
    for _ in range(366):
        if publishes(day):
            return day
        day += timedelta(days=1)
    return day  # pragma: no cover - every readable schedule publishes within a year


def pattern_fields(number: int, day: date) -> dict[str, Any]:
    """What ``new_digest_file`` and ``new_digest_title`` may use."""
    return {
        "number": number,
        "year": f"{day.year:04d}",
        "month": f"{day.month:02d}",
        "day": f"{day.day:02d}",
    }


def _pattern(root: Path, key: str, pattern: str, number: int, day: date) -> str:
    try:
        return pattern.format(**pattern_fields(number, day))
    except (KeyError, IndexError, ValueError):
        raise ConfigError(
            f"'{key}' may use only {{{'}, {'.join(PATTERN_FIELDS)}}}: {pattern!r}",
            root / CONFIG_FILE,
            _config_line(root, key),
        ) from None


def _digest_file(root: Path, config: SiteConfig, number: int, day: date) -> Path:
    name = _pattern(root, "new_digest_file", config.new_digest_file, number, day)
    rel = PurePosixPath(name)
    if rel.is_absolute() or ".." in rel.parts or rel.suffix != ".md":
        raise ConfigError(
            f"'new_digest_file' must give a relative '.md' file name, not {name!r}",
            root / CONFIG_FILE,
            _config_line(root, "new_digest_file"),
        )
    return root / config.digests_dir / rel


def front_matter(title: str, day: date, number: int, draft: bool, extra: str = "") -> list[str]:
    """The front matter lines of a new digest (JSON strings are valid YAML strings)."""
    lines = ["---", f"title: {json.dumps(title, ensure_ascii=False)}", f"date: {day.isoformat()}"]
    lines.append(f"number: {number}")
    lines.extend(extra.splitlines())
    if draft:
        lines.append("draft: true")
    return [*lines, "---", ""]


def _heading_line(source: SourceText, section: Section) -> str:
    line = source.text_of(section.line)
    return line if line.lstrip().startswith("#") else "#" * section.level + " " + section.title


def _recurring(parts: tuple[Any, ...], source: SourceText, stop: int) -> list[str]:
    """The source lines of the recurring regions among ``parts``, each ending in a blank."""
    out: list[str] = []
    blocks = [p for p in parts if isinstance(p, Block) and p.kind == "html_block"]
    for index, block in enumerate(blocks):
        if not RECURRING_START.match(block.text.strip()):
            continue
        end = stop
        for later in blocks[index + 1 :]:
            if RECURRING_END.match(later.text.strip()):
                end = later.line + later.text.count("\n")
                break
        lines = [source.text_of(n) for n in range(block.line, end + 1)]
        while lines and not lines[-1].strip():
            lines.pop()
        out.extend([*lines, ""])
    return out


@dataclass(frozen=True, slots=True)
class Outline:
    """What a new digest copies from the previous one: headings and recurring regions."""

    intro: list[str]
    sections: list[tuple[str, str, list[str]]]  # (title, heading line, recurring lines)


def outline_of(root: Path, digest: Digest) -> Outline:
    """The previous digest's headings, each with the recurring regions under it."""
    source = SourceText.read(root / digest.path)
    total = len(source.lines)
    first_heading = min((s.line for s in digest.all_sections() if s.title), default=total + 1)
    intro = _recurring(digest.intro, source, first_heading - 1)
    sections = []
    for section, _start, stop in section_spans(digest, total):
        recurring = _recurring(section.content, source, stop)
        if section.title:
            sections.append((section.title, _heading_line(source, section), recurring))
        else:
            intro.extend(recurring)
    return Outline(intro, sections)


def new_digest(
    root: Path, title: str | None = None, day: date | None = None, now: date | None = None
) -> Path:
    """Write the next digest as a draft and return its path; never overwrites a file."""
    site = load_site(root)
    config = site.config
    numbers = [d.number for d in site.digests if d.number is not None]
    number = max(numbers) + 1 if numbers else len(site.digests) + 1
    previous = max(site.digests, key=lambda d: (d.number or 0, d.date, d.path), default=None)
    if day is None:
        last = previous.date.astimezone(config.tz).date() if previous else None
        day = next_publication_day(root, config, now or today(config), last)
    path = _digest_file(root, config, number, day)
    if path.exists():
        raise DigestError("already exists; not overwriting it", path)
    outline = outline_of(root, previous) if previous else Outline([], [])
    sections = outline.sections
    if config.sections:
        carried = {t.lower(): (t, h, r) for t, h, r in sections}
        sections = [carried.pop(t.lower(), (t, f"## {t}", [])) for t in config.sections]
        sections += [s for s in carried.values() if s[2]]
    heading = title or _pattern(root, "new_digest_title", config.new_digest_title, number, day)
    lines = front_matter(heading, day, number, draft=True) + outline.intro
    for _title, heading_line, recurring in sections:
        lines.extend([heading_line, "", *recurring])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).rstrip("\n") + "\n", "utf-8")
    return path


_COMMENTS = {
    "title": "The site's name, in every page header and in the feeds. Required.",
    "base_url": "Where the site is published, as an absolute URL ending in '/'. Required.",
    "description": "One sentence about the digest, for the home page, feeds and search engines.",
    "author": "The default author of a digest (a digest's front matter may name another).",
    "language": "The language of the pages, as an HTML language tag.",
    "timezone": "The IANA timezone for digest dates and for 'digestgen new'.",
    "per_page": "Digests per page on the home page.",
    "permalink": "Each digest's address: {slug}, {number}, {year}, {month}, {day}.",
    "feed_limit": "How many digests the feeds carry.",
    "feed_full_content": "true: feeds carry whole digests; false: summaries only.",
    "unsafe_html": "true: raw HTML in digests passes unfiltered (only for trusted authors).",
    "drafts": "true: build digests marked 'draft: true' too (or use 'build --drafts').",
    "digests_dir": "The folder holding the digest files.",
    "output_dir": "The folder the site is built into.",
    "static_dir": "Files copied into the site as they are (images, CSS overrides).",
    "templates_dir": "Templates that override the theme's, file by file.",
    "schedule": "When digests come out, for the date of 'digestgen new': '' (today), "
    "'daily', 'weekdays', 'weekly on wednesday', 'monthly on day 1'.",
    "new_digest_file": "The file name of a new digest: {number}, {year}, {month}, {day}.",
    "new_digest_title": "The title of a new digest: {number}, {year}, {month}, {day}.",
    "sections": "The sections a new digest starts with; [] copies the previous digest's.",
    "default_section": "The section 'digestgen add' puts a link in when given none; "
    "'' for the last section that holds items.",
    "export_formats": "Newsletter editions written beside each digest page when building: "
    "email, text, markdown.",
    "check_http": "true: 'digestgen check' warns about plain http: links.",
    "duplicate_allow": "Links 'digestgen check' accepts when featured again, e.g. a sponsor.",
    "url_aliases": "Hosts that are the same site for 'digestgen check', e.g. "
    "{blog.example.com: example.com}.",
    "tracking_params": "Query parameters 'digestgen check' treats as tracking, besides utm_*.",
    "repeats": "Where 'digestgen check' looks for repeated links, e.g. {sections: [News]}; "
    "[] means every item but recurring blocks.",
    "feeds": "The paths of the main feeds below the site root; null leaves one out.",
    "tag_feeds": "The paths of each tag's feeds; {slug} is the tag's.",
}


def _yaml_value(value: Any) -> str:
    if value is None:
        return "null"
    if is_dataclass(value):
        pairs = (f"{f.name}: {_yaml_value(getattr(value, f.name))}" for f in fields(value))
        return "{" + ", ".join(pairs) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def config_text(title: str, base_url: str) -> str:
    """``digestgen.yaml`` with every key, each with its default and a comment."""
    chunks = []
    for field in fields(SiteConfig):
        value = {"title": title, "base_url": base_url}.get(field.name, field.default)
        comment = _COMMENTS.get(field.name, "See the README.")
        chunks.append(f"# {comment}\n{field.name}: {_yaml_value(value)}\n")
    return "\n".join(chunks)


WORKFLOW = """\
# Builds the site and publishes it to GitHub Pages on every push to main.
# In the repository settings, set Pages > Source to "GitHub Actions".
name: Publish the digest
on:
  push:
    branches: [main]
  workflow_dispatch:
permissions:
  contents: read
  pages: write
  id-token: write
concurrency:
  group: pages
  cancel-in-progress: false
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: python -m pip install "digestgen==VERSION"
      # The last run's build cache, restored by its key's prefix, and this run's saved
      # under a key of its own: a build parses only the digests that changed.
      - uses: actions/cache@v4
        with:
          path: .digestgen-cache
          key: digestgen-${{ runner.os }}-${{ github.run_id }}-${{ github.run_attempt }}
          restore-keys: digestgen-${{ runner.os }}-
      - run: digestgen build
      - uses: actions/upload-pages-artifact@v3
        with:
          path: site
  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v4
""".replace("VERSION", __version__)

GITIGNORE = """\
# Made by digestgen build: the site, its copies while it is replaced, and the build cache
/site/
/.site.digestgen-*
/.digestgen-cache/
"""

EXAMPLE_BODY = """\
A digest is a Markdown file: front matter on top, then `##` sections of links.
Each list item is one link, its commentary, and notes nested below it.

## Reading

- [CommonMark help](https://commonmark.org/help/) - the Markdown that digests use #markdown
    - Nested bullets under an item become its notes
- [video] [A label before a link](https://www.youtube.com/watch?v=dQw4w9WgXcQ) - shows as a badge

## Tools

- [GitHub Pages](https://pages.github.com/) - where the workflow in .github/ publishes this site

## About this digest

<!-- recurring -->
Found a link worth sharing? Send it in. Blocks between these two comments are
carried over into every new digest by `digestgen new`.
<!-- /recurring -->
"""


def init_site(
    target: Path, title: str = "My digest", base_url: str = "https://example.org/"
) -> list[Path]:
    """Write a new site into ``target``: config, example digest, .gitignore, Pages workflow.

    Refuses (writing nothing) when any of those files already exists.
    """
    config = parse_config(config_text(title, base_url), target / CONFIG_FILE)
    day = today(config)
    digest = PurePosixPath(config.digests_dir) / config.new_digest_file.format(
        **pattern_fields(1, day)
    )
    heading = config.new_digest_title.format(**pattern_fields(1, day))
    example = [*front_matter(heading, day, 1, draft=False, extra="tags: [example]"), EXAMPLE_BODY]
    files = {
        CONFIG_FILE: config_text(title, base_url),
        str(digest): "\n".join(example),
        ".gitignore": GITIGNORE,
        ".github/workflows/pages.yml": WORKFLOW,
    }
    existing = [name for name in files if (target / name).exists()]
    if existing:
        raise DigestError(
            f"already exists: {', '.join(existing)}; init writes only into a fresh folder", target
        )
    written = []
    for name, text in files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        written.append(path)
    return written
