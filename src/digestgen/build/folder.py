"""The output folder: which folders a build may write, and the mark it leaves in them.

A build writes only a folder that is absent, empty, or carries the mark of an earlier
build (``MARK``), inside the site's root, and never the root itself, a folder above it,
its sources, its config, its cache or ``.git``. A folder outside the root is written
only when the user names it with ``--force-output``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import stat
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from digestgen.build.cache import CACHE_DIR
from digestgen.config import CONFIG_FILE, SiteConfig
from digestgen.errors import ConfigError

MARK = ".digestgen-site"


def read_mark(folder: Path) -> str | None:
    """The generation a marked folder holds (``None``: no mark, or not a file of ours)."""
    path = folder / MARK
    try:
        if not stat.S_ISREG(path.lstat().st_mode):  # a FIFO would block the read
            return None
        value = json.loads(path.read_text(encoding="utf-8"))
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
    files = sorted(
        f"{path}\x1f{digest}" for _, hashes in jobs.values() for path, digest in hashes.items()
    )
    return hashlib.blake2b("\n".join(files).encode(), digest_size=8).hexdigest()


def _relation(out: Path, folder: Path) -> str | None:
    """How ``out`` stands to ``folder`` when it would touch it."""
    if out == folder:
        return "it is"
    if out.is_relative_to(folder):
        return "it is inside"
    if folder.is_relative_to(out):
        return "it holds"
    return None


def _refusal(root: Path, config: SiteConfig, out: Path, forced: bool) -> str | None:
    """Why the build may not write ``out`` (resolved), if it may not."""
    if root.is_relative_to(out):
        return "it is the site's own folder or holds it"
    protected = {
        "the site's .git": root / ".git",
        f"the build cache ({CACHE_DIR})": root / CACHE_DIR,
        f"the config file ({CONFIG_FILE})": root / CONFIG_FILE,
        f"the digests folder ({config.digests_dir})": root / config.digests_dir,
        f"the templates folder ({config.templates_dir})": root / config.templates_dir,
        f"the static files folder ({config.static_dir})": root / config.static_dir,
    }
    for name, path in protected.items():
        relation = _relation(out, path.resolve())
        if relation is not None:
            return f"{relation} {name}"
    if not out.is_relative_to(root) and not forced:
        return (
            "it is outside the site's folder (to write there, name it by an absolute path "
            "with --output and --force-output)"
        )
    if out.exists() and not out.is_dir():
        return "it is not a folder"
    if out.is_dir() and read_mark(out) is None and any(out.iterdir()):
        return f"it holds files of its own and no {MARK} (the mark a digestgen build leaves)"
    return None


def _line_of(config_file: Path, key: str) -> int | None:
    """The line of ``key:`` at the top level of the config file, if it is there."""
    try:
        text = config_file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    found = re.search(rf"^['\"]?{re.escape(key)}['\"]?\s*:", text, re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else None


def output_folder(root: Path, config: SiteConfig, output: Path | None, forced: bool) -> Path:
    """The folder to write the site to, checked; raises ``ConfigError`` if refused."""
    root = root.resolve()
    out = (output if output is not None else root / config.output_dir).resolve()
    problem = _refusal(root, config, out, forced and output is not None and output.is_absolute())
    if problem is None:
        return out
    message = f"will not write the site to {out}: {problem}"
    if output is not None:
        raise ConfigError(message, "--output")
    config_file = root / CONFIG_FILE
    raise ConfigError(message, config_file, _line_of(config_file, "output_dir"))


def standby_of(out: Path) -> Path:
    """The second copy of the site beside ``out`` that a build updates and swaps in."""
    return out.with_name(f".{out.name}.digestgen-standby")


def staging_of(out: Path) -> Path:
    """Where a full build writes the new site before it swaps it in."""
    return out.with_name(f".{out.name}.digestgen-new")


@contextlib.contextmanager
def writes_reported(root: Path, out: Path) -> Iterator[None]:
    """The system's refusal to write the site or the cache (a read-only folder, a full
    disk) as a ``path: message`` error; other errors pass."""
    try:
        yield
    except sqlite3.Error as exc:
        raise ConfigError(f"cannot use the build cache: {exc}", root / CACHE_DIR) from None
    except OSError as exc:
        if exc.filename is None:
            raise
        path = Path(os.fsdecode(exc.filename))
        ours = (out, standby_of(out), staging_of(out), (root / CACHE_DIR).absolute())
        if not any(path.absolute().is_relative_to(folder) for folder in ours):
            raise
        raise ConfigError(f"cannot write here: {exc.strerror or exc}", path) from None
