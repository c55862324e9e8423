"""Which files are digests: every ``*.md`` below the digests folder, in path order."""

from __future__ import annotations

import os
from pathlib import Path

from digestgen.config import SiteConfig
from digestgen.errors import ParseError


def source_paths(root: Path, config: SiteConfig) -> list[Path]:
    """Every ``digests/**/*.md`` file, sorted."""
    return [root / rel for rel in source_names(root, config)]


def source_names(root: Path, config: SiteConfig) -> list[str]:
    """Every ``digests/**/*.md`` file as a ``/``-separated path below ``root``, sorted
    as ``source_paths`` sorts (one directory listing per folder; a name that is not a
    readable file, such as a broken symlink, is left out)."""
    folder = root / config.digests_dir
    if not folder.is_dir():
        raise ParseError(f"no '{config.digests_dir}' folder with digests", folder)
    found: list[tuple[tuple[str, ...], str]] = []
    top = Path(config.digests_dir).parts
    for current, dirs, files in os.walk(folder):
        parts = top + Path(current).relative_to(folder).parts
        dirs.sort()
        for name in files:
            if name.endswith(".md") and os.path.isfile(os.path.join(current, name)):
                found.append(((*parts, name), "/".join((*parts, name))))
    return [rel for _, rel in sorted(found)]
