"""The output folder: which folders a build may write, and the mark it leaves in them.

A build writes only a folder that is absent, empty, or carries the mark of an earlier
build (``MARK``), inside the site's root, and never the root itself, a folder above it,
its sources, its config, its cache or ``.git``. A folder outside the root is written
only when the user names it with ``--force-output``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from digestgen.build.cache import CACHE_DIR
from digestgen.config import CONFIG_FILE, SiteConfig
from digestgen.errors import ConfigError

MARK = ".digestgen-site"


def read_mark(folder: Path) -> str | None:
    """The generation a marked folder holds (``None``: no mark)."""
    try:
        value = json.loads((folder / MARK).read_text(encoding="utf-8"))
        return str(value["generation"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_mark(folder: Path, generation: str) -> None:
    """Name ``folder``'s generation by replacing its mark (never writing into it: the
    other copy of the site shares the file as a hard link)."""
    text = json.dumps({"generator": "digestgen", "generation": generation})
    temp = folder / f"{MARK}.digestgen-tmp"
    temp.write_text(text + "\n", encoding="utf-8")
    os.replace(temp, folder / MARK)


def generation_of(jobs: Mapping[str, Sequence[Any]]) -> str:
    """A generation's name: a hash of every file of the site (each output's files, by
    path and hash), so that two builds that write the same site leave the same mark."""
    files = sorted(pair for _, hashes in jobs.values() for pair in hashes.items())
    text = json.dumps(files, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _refusal(root: Path, config: SiteConfig, out: Path, forced: bool) -> str | None:
    """Why the build may not write ``out`` (resolved), if it may not."""
    if root.is_relative_to(out):
        return "the site's own folder or a folder that holds it"
    protected = {
        ".git": root / ".git",
        "the cache": root / CACHE_DIR,
        "the config": root / CONFIG_FILE,
        "the digests": root / config.digests_dir,
        "the templates": root / config.templates_dir,
        "the static files": root / config.static_dir,
    }
    for name, path in protected.items():
        resolved = path.resolve()
        if out == resolved or out.is_relative_to(resolved) or resolved.is_relative_to(out):
            return f"{name} ({path.name}) or a folder inside it"
    if not out.is_relative_to(root) and not forced:
        return "outside the site's folder (name it with --force-output to write there)"
    if out.exists() and not out.is_dir():
        return "not a folder"
    if out.is_dir() and read_mark(out) is None and any(out.iterdir()):
        return f"a folder that holds files of its own (a digestgen output carries {MARK})"
    return None


def output_folder(root: Path, config: SiteConfig, output: Path | None, forced: bool) -> Path:
    """The folder to write the site to, checked; raises ``ConfigError`` if refused."""
    root = root.resolve()
    out = (output if output is not None else root / config.output_dir).resolve()
    problem = _refusal(root, config, out, forced and output is not None and output.is_absolute())
    if problem is not None:
        where = root / CONFIG_FILE if output is None else out
        line = None
        raise ConfigError(f"will not write the site to {out}: it is {problem}", where, line)
    return out


def standby_of(out: Path) -> Path:
    """The second copy of the site beside ``out`` that a build updates and swaps in."""
    return out.with_name(f".{out.name}.digestgen-standby")


def staging_of(out: Path) -> Path:
    """Where a full build writes the new site before it swaps it in."""
    return out.with_name(f".{out.name}.digestgen-new")
