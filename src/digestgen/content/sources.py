"""Which files are digests: every ``*.md`` below the digests folder, in path order."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from stat import S_ISREG

from digestgen.config import SiteConfig
from digestgen.errors import DigestError, ParseError, collect


def source_paths(root: Path, config: SiteConfig) -> list[Path]:
    """Every ``digests/**/*.md`` file, sorted."""
    return [root / rel for rel in source_names(root, config)]


def source_names(root: Path, config: SiteConfig) -> list[str]:
    """Every ``digests/**/*.md`` file as a ``/``-separated path below ``root``, sorted
    as ``source_paths`` sorts (a name that is not a readable file, such as a broken
    symlink, is left out)."""
    return [rel for rel, _ in source_stats(root, config)]


def file_order(rel: str) -> list[str]:
    """How digest files sort, by the ``/``-separated path below the root: folder by
    folder, then by name (``a/z.md`` before ``a-b/c.md``)."""
    return rel.split("/")


def outside_site(root: Path, path: Path | str) -> str | None:
    """Where ``path`` really is, when that leaves the site's folder ``root``."""
    inside, target = os.path.realpath(root), os.path.realpath(path)
    return target if os.path.commonpath([inside, target]) != inside else None


def walk_site(
    root: Path,
    folder: Path,
    follow: bool,
    wanted: Callable[[str], bool],
    outside: list[tuple[str, str]],
) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """Every entry below ``folder`` that is not a folder and whose name is ``wanted``, with
    its ``/``-separated path below ``folder``, taken as the folders are listed.

    A file or folder reached through a symlink whose target leaves the site's folder is
    added to ``outside`` as (path, target) and not taken, unless ``follow`` (a contributed
    symlink must not publish the curator's other files); a symlinked folder inside the site
    is not entered, as in ``os.walk``, and one outside it only once. An unreadable folder is
    skipped, as ``os.walk`` skips it.
    """
    visited = {os.path.realpath(folder)}
    stack = [(str(folder), "")]
    while stack:
        current, prefix = stack.pop()
        try:
            listing = os.scandir(current)
        except OSError:
            continue
        with listing as entries:
            for entry in entries:
                rel = prefix + entry.name
                is_dir = entry.is_dir()
                if not is_dir and not wanted(entry.name):
                    continue
                if entry.is_symlink():
                    target = outside_site(root, entry.path)
                    if target is not None and not follow:
                        outside.append((rel, target))
                        continue
                    real = target or os.path.realpath(entry.path)
                    if is_dir and (target is None or real in visited):
                        continue
                    visited.add(real)
                if is_dir:
                    stack.append((entry.path, rel + "/"))
                else:
                    yield rel, entry


def source_stats(root: Path, config: SiteConfig) -> list[tuple[str, os.stat_result]]:
    """``source_names`` with each file's ``stat`` (through a symlink), taken as the folders
    are listed: one ``stat`` a file, and no path objects.

    Symlinks leading out of the site are errors unless the config's ``follow_symlinks``
    allows them (``walk_site``). A ``.md`` name that is not a regular file (a FIFO, which
    would block the read) is an error naming it.
    """
    folder = root / config.digests_dir
    if not folder.is_dir():
        raise ParseError(f"no '{config.digests_dir}' folder with digests", folder)
    real = outside_site(root, folder)
    if real is not None and not config.follow_symlinks:
        raise ParseError(f"links outside the site ({real})", config.digests_dir)
    prefix = "/".join(Path(config.digests_dir).parts) + "/"
    found: list[tuple[str, os.stat_result]] = []
    outside: list[tuple[str, str]] = []
    errors: list[DigestError] = []
    digests = walk_site(
        root, folder, config.follow_symlinks, lambda name: name.endswith(".md"), outside
    )
    for rel, entry in digests:
        try:
            st = entry.stat()
        except OSError:
            continue  # a broken symlink
        if S_ISREG(st.st_mode):
            found.append((prefix + rel, st))
        else:
            errors.append(ParseError("not a regular file; a digest is a file", prefix + rel))
    errors += [ParseError(f"links outside the site ({t})", prefix + rel) for rel, t in outside]
    collect(errors)
    found.sort(key=lambda pair: file_order(pair[0]))
    return found
