"""Which files are digests: every ``*.md`` below the digests folder, in path order."""

from __future__ import annotations

import os
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


def source_stats(root: Path, config: SiteConfig) -> list[tuple[str, os.stat_result]]:
    """``source_names`` with each file's ``stat`` (through a symlink), taken as the folders
    are listed: one ``stat`` a file, and no path objects.

    A file or folder reached through a symlink whose target leaves the site root is an
    error unless the config's ``follow_symlinks`` allows it (a contributed symlink must
    not publish the curator's other files); a symlinked folder inside the site is not
    followed, as in ``os.walk``. A ``.md`` name that is not a regular file (a FIFO,
    which would block the read) is an error naming it.
    """
    folder = root / config.digests_dir
    if not folder.is_dir():
        raise ParseError(f"no '{config.digests_dir}' folder with digests", folder)
    inside = os.path.realpath(root)
    real = os.path.realpath(folder)
    if os.path.commonpath([inside, real]) != inside and not config.follow_symlinks:
        raise ParseError(f"links outside the site ({real})", config.digests_dir)
    found: list[tuple[str, os.stat_result]] = []
    errors: list[DigestError] = []
    visited = {real}
    stack = [(str(folder), Path(config.digests_dir).parts)]
    while stack:
        current, parts = stack.pop()
        try:
            listing = os.scandir(current)
        except OSError:
            continue  # an unreadable folder is skipped, as os.walk skips it
        with listing as entries:
            for entry in entries:
                rel = "/".join((*parts, entry.name))
                is_dir = entry.is_dir()
                if not is_dir and not entry.name.endswith(".md"):
                    continue
                if entry.is_symlink():
                    target = os.path.realpath(entry.path)
                    outside = os.path.commonpath([inside, target]) != inside
                    if outside and not config.follow_symlinks:
                        errors.append(ParseError(f"links outside the site ({target})", rel))
                        continue
                    if is_dir and (not outside or target in visited):
                        continue  # followed only out of the site, and each folder once
                    visited.add(target)
                if is_dir:
                    stack.append((entry.path, (*parts, entry.name)))
                    continue
                try:
                    st = entry.stat()
                except OSError:
                    continue  # a broken symlink
                if S_ISREG(st.st_mode):
                    found.append((rel, st))
                else:
                    errors.append(ParseError("not a regular file; a digest is a file", rel))
    collect(errors)
    found.sort(key=lambda pair: file_order(pair[0]))
    return found
