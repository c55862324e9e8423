"""Reading the old site's files: text, front matter in YAML, TOML or Pelican's
``Key: value`` lines (each key with its line), and dates in the forms generators accept."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from pathlib import Path
from typing import Any

from digestgen.errors import ParseError
from digestgen.yamlsource import load_mapping

_YAML_FENCE = re.compile(r"^---[ \t]*$")
_TOML_FENCE = re.compile(r"^\+\+\+[ \t]*$")
_PELICAN_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)[ \t]*:[ \t]*(.*)$")
_TOML_KEY = re.compile(r"^\s*(?:\[\s*)?([A-Za-z0-9_.\"'-]+?)\s*(?:=|\])")
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M %z",
    "%Y-%m-%d %H:%M:%S.%f %z",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A content file of the old site: its metadata (keys as written, each with its
    line) and its body, unchanged, with the line the body starts on."""

    path: str
    meta: dict[str, Any]
    lines: dict[str, int]
    body: str
    body_line: int

    def where(self, key: str | None = None) -> str:
        """``path:line`` of ``key`` (of the file's first line without one)."""
        return f"{self.path}:{self.lines.get(key, 1) if key else 1}"


def read_text(file: Path, rel: str) -> str:
    """A file's text, a BOM dropped and line endings made ``\\n``."""
    data = file.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ParseError(f"not UTF-8 text: byte 0x{data[exc.start]:02x}", rel, line) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _closing(lines: list[str], fence: re.Pattern[str], rel: str) -> int:
    for index in range(1, len(lines)):
        if fence.match(lines[index]):
            return index
    raise ParseError("front matter is never closed", rel, 1)


def front_matter(text: str, rel: str) -> SourceFile:
    """YAML between ``---`` lines or TOML between ``+++`` lines; no front matter at all
    gives empty metadata."""
    lines = text.split("\n")
    if lines and _YAML_FENCE.match(lines[0]):
        end = _closing(lines, _YAML_FENCE, rel)
        mapping = load_mapping("\n".join(lines[1:end]), rel, 2, ParseError, "front matter")
        values, where = mapping.values, mapping.lines
    elif lines and _TOML_FENCE.match(lines[0]):
        end = _closing(lines, _TOML_FENCE, rel)
        values, where = _toml("\n".join(lines[1:end]), rel)
    else:
        return SourceFile(rel, {}, {}, text, 1)
    return SourceFile(rel, values, where, "\n".join(lines[end + 1 :]), end + 2)


def _toml(text: str, rel: str) -> tuple[dict[str, Any], dict[str, int]]:
    """TOML front matter and the line of each top-level key or table."""
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        line = int(found.group(1)) + 1 if found else 1
        raise ParseError(f"front matter is not valid TOML: {exc}", rel, line) from None
    where: dict[str, int] = {}
    for number, row in enumerate(text.split("\n"), 2):
        match = _TOML_KEY.match(row)
        if match:
            where.setdefault(match.group(1).strip("\"'").split(".")[0], number)
    return values, where


def pelican_metadata(text: str, rel: str) -> SourceFile:
    """Pelican's Markdown metadata: ``Key: value`` lines at the top, a value going on
    over indented lines, up to the first blank line (keys are lower-cased, as Pelican
    reads them). A file that starts with ``---`` is read as YAML front matter."""
    if text.startswith("---"):
        found = front_matter(text, rel)
        values = {k.lower(): v for k, v in found.meta.items()}
        lines = {k.lower(): v for k, v in found.lines.items()}
        return SourceFile(rel, values, lines, found.body, found.body_line)
    meta: dict[str, Any] = {}
    where: dict[str, int] = {}
    rows = text.split("\n")
    key = ""
    index = 0
    for index, row in enumerate(rows):
        match = _PELICAN_KEY.match(row)
        if match and not row.startswith((" ", "\t")):
            key = match.group(1).lower()
            meta[key] = match.group(2).strip()
            where[key] = index + 1
        elif key and row.startswith(("    ", "\t")) and row.strip():
            meta[key] = f"{meta[key]}\n{row.strip()}".strip()
        else:
            break
    else:
        index = len(rows)
    body_start = index + 1 if index < len(rows) and not rows[index].strip() else index
    return SourceFile(rel, meta, where, "\n".join(rows[body_start:]), body_start + 1)


def parse_when(value: Any, tz: tzinfo) -> tuple[datetime, bool] | None:
    """A date or date and time, in ``tz`` when it names no zone, and whether it was a
    date alone; ``None`` when it is no date at all."""
    if isinstance(value, datetime):
        moment, alone = value, False
    elif isinstance(value, date):
        moment, alone = datetime.combine(value, time()), True
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        parsed = _parse_text(text)
        if parsed is None:
            return None
        moment, alone = parsed, len(text) <= 10
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment, alone and moment.time() == time()


def _parse_text(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def as_list(value: Any) -> list[str]:
    """Tags or categories written as a list, or as one comma-separated string
    (Pelican's ``Tags: a, b``); a space-separated string in Jekyll is handled there."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [str(part).strip() for part in value if str(part).strip()]
    return [str(value)]


def relative_files(folder: Path, suffixes: tuple[str, ...] | None = None) -> list[Path]:
    """Every file below ``folder`` (of the given suffixes), sorted, hidden ones left out."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if suffixes is None or path.suffix.lower() in suffixes:
            found.append(path)
    return sorted(found)
