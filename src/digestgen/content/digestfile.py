"""A digest file as editable lines: the model's line numbers in, the same bytes out."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from digestgen.config import SiteConfig, load_config
from digestgen.content.parse import parse_site, source_files
from digestgen.errors import ParseError
from digestgen.model import Block, Digest, Item, Section, Site

_LINE_END = re.compile(r"(\r\n|\r|\n)")


@dataclass(slots=True)
class SourceText:
    """A text file as ``[content, line end]`` pairs, so that untouched lines keep their bytes.

    Line numbers are 1-based and count lines the way the parser does
    (``\\r\\n``, ``\\r`` and ``\\n`` each end one line).
    """

    path: Path
    bom: bool
    lines: list[list[str]]

    @classmethod
    def read(cls, path: Path) -> SourceText:
        data = path.read_bytes()
        bom = data.startswith(codecs.BOM_UTF8)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ParseError("not valid UTF-8; save the file as UTF-8", path) from None
        parts = _LINE_END.split(text)
        lines = [[parts[i], parts[i + 1]] for i in range(0, len(parts) - 1, 2)]
        if parts[-1]:
            lines.append([parts[-1], ""])
        return cls(path, bom, lines)

    @property
    def newline(self) -> str:
        """The file's usual line end, used for the lines we add."""
        ends = [end for _, end in self.lines if end]
        return max(set(ends), key=ends.count) if ends else "\n"

    def text_of(self, number: int) -> str:
        return self.lines[number - 1][0] if 0 < number <= len(self.lines) else ""

    def insert(self, before: int, new: list[str]) -> None:
        """Insert ``new`` lines so that the first of them gets line number ``before``."""
        if before > len(self.lines) and self.lines and not self.lines[-1][1]:
            self.lines[-1][1] = self.newline
        end = self.newline
        self.lines[before - 1 : before - 1] = [[text, end] for text in new]

    def replace(self, number: int, text: str) -> None:
        self.lines[number - 1][0] = text

    def dump(self) -> bytes:
        body = "".join(text + end for text, end in self.lines).encode("utf-8")
        return (codecs.BOM_UTF8 if self.bom else b"") + body

    def write(self) -> None:
        self.path.write_bytes(self.dump())


def load_site(root: Path, drafts: bool = True) -> Site:
    """The parsed site at ``root``, drafts included by default (for curating them)."""
    config = load_config(root)
    return parse_site(config, source_files(root, config), drafts=drafts)


def today(config: SiteConfig, now: datetime | None = None) -> date:
    """Today's date in the site's timezone."""
    return (now or datetime.now(config.tz)).astimezone(config.tz).date()


def newest_draft(site: Site) -> Digest:
    """The draft with the highest number (then the latest date)."""
    drafts = [d for d in site.digests if d.draft]
    if not drafts:
        raise ParseError(
            "no draft digest to work on; start one with 'digestgen new'", site.config.digests_dir
        )
    return max(drafts, key=lambda d: (d.number or 0, d.date, d.path))


def digest_at(site: Site, root: Path, file: Path) -> Digest:
    """The digest parsed from ``file`` (relative to the current folder or the root)."""
    wanted = {file.resolve(), (root / file).resolve()}
    for digest in site.digests:
        if (root / digest.path).resolve() in wanted:
            return digest
    folder = site.config.digests_dir
    raise ParseError(f"not a digest of this site (digests live in {folder}/)", file)


def section_spans(digest: Digest, total_lines: int) -> list[tuple[Section, int, int]]:
    """Each section with the first and last line of its own content (not its subsections).

    The content starts after the heading line (the lead section: where the body
    starts) and stops before the next heading, or at the end of the file.
    """
    sections = list(digest.all_sections())
    spans: list[tuple[Section, int, int]] = []
    for index, section in enumerate(sections):
        start = section.line + 1 if section.title else section.line
        stop = sections[index + 1].line - 1 if index + 1 < len(sections) else total_lines
        spans.append((section, start, stop))
    return spans


def last_part(section: Section | None) -> Item | Block | None:
    return section.content[-1] if section is not None and section.content else None
