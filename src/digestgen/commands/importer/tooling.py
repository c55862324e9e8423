"""What the old site's own tooling says about repeated links, read without running it.

A site that checks its digests for repeated links in CI names the sections it checks: This
Week in Rust's ``tools/inspect_links.py`` holds ``STRICT_TITLES``, the section titles under
which a link featured again is a mistake. The import makes that list the new site's
``repeats: {sections: [...]}``, so ``digestgen check`` looks where the old checker looked.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from digestgen.commands.importer.core import Post
from digestgen.commands.importer.report import Report

# The assignment a link checker names its checked section titles with.
CHECKED_TITLES = "STRICT_TITLES"
_HEADING = re.compile(r"^#{2,6}[ \t]+(.+?)[ \t#]*$", re.M)


def _scripts(source: Path) -> Iterator[Path]:
    """The Python scripts of the site's tooling: in ``tools/`` and at the site's top."""
    for folder in (source / "tools", source):
        if folder.is_dir() and not folder.is_symlink():
            yield from sorted(p for p in folder.glob("*.py") if p.is_file() and not p.is_symlink())


def _titles_in(script: Path) -> tuple[list[str], int] | None:
    """The strings of a top-level ``STRICT_TITLES = [...]`` in ``script``, and its line."""
    try:
        tree = ast.parse(script.read_bytes(), str(script))
    except (SyntaxError, ValueError, OSError):
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == CHECKED_TITLES for t in node.targets
        ):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return None
            if isinstance(value, (list, tuple, set)) and all(isinstance(v, str) for v in value):
                return sorted(value), node.lineno
    return None


def _as_written(title: str, posts: Sequence[Post]) -> str:
    """``title`` as the digests spell their heading (the checker compares in lower case)."""
    wanted = title.strip().casefold()
    for post in posts:
        for match in _HEADING.finditer(post.body):
            if match.group(1).strip().casefold() == wanted:
                return match.group(1).strip()
    return title.strip()


def checked_sections(source: Path, posts: Sequence[Post], report: Report) -> tuple[str, ...]:
    """The sections the old site's link checker checks for repeats, or ``()``."""
    for script in _scripts(source):
        found = _titles_in(script)
        if found:
            titles, line = found
            where = f"{script.relative_to(source).as_posix()}:{line}"
            report.mapped[(f"{where} {CHECKED_TITLES}", "repeats.sections")] += 1
            return tuple(_as_written(title, posts) for title in titles)
    return ()
