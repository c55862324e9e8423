"""Which files are digests: every ``*.md`` below the digests folder, in path order."""

from __future__ import annotations

from pathlib import Path

from digestgen.config import SiteConfig
from digestgen.errors import ParseError


def source_paths(root: Path, config: SiteConfig) -> list[Path]:
    """Every ``digests/**/*.md`` file, sorted."""
    folder = root / config.digests_dir
    if not folder.is_dir():
        raise ParseError(f"no '{config.digests_dir}' folder with digests", folder)
    return [path for path in sorted(folder.rglob("*.md")) if path.is_file()]
