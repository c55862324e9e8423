"""Writing the output folder so that, killed at any instant, a build leaves it exactly as
it was or exactly as it should be.

A full build writes the whole site into a staging folder and swaps it in. An edit keeps
two copies of the site, the one served and a standby one step behind; it brings the
standby up to date (the files the last build changed, and its own changes), then swaps
the two (``swap``). Each copy carries its generation in its mark, and the manifest is
written for the new generation before the swap, so the next build knows which copy it
finds. Leftovers of a killed build are removed by the next one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from digestgen.build.folder import MARK, read_mark, staging_of, standby_of, write_mark
from digestgen.build.swap import swap


def write_file(folder: Path, rel: str, data: bytes) -> None:
    """Write ``data`` to ``folder/rel`` by replacing the file (never writing into it: the
    other copy of the site may share it as a hard link)."""
    path = folder / rel
    temp = path.with_name(f".{path.name}.digestgen-tmp")
    try:
        temp.write_bytes(data)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp.write_bytes(data)
    os.replace(temp, path)


def remove_file(folder: Path, rel: str) -> None:
    """Remove ``folder/rel`` and the folders it leaves empty (up to ``folder``)."""
    path = folder / rel
    path.unlink(missing_ok=True)
    parent = path.parent
    while parent != folder:
        try:
            parent.rmdir()
        except OSError:
            break
        parent = parent.parent


def remove_tree(folder: Path) -> None:
    """Remove a folder of ours (a staging or standby copy), read-only parts included."""
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
        return
    if not folder.is_dir():
        return
    shutil.rmtree(folder, ignore_errors=True)
    if folder.exists():  # a read-only folder inside: make it writable, then again
        for dirpath, _, _ in os.walk(folder):
            with contextlib.suppress(OSError):
                os.chmod(dirpath, 0o700)
        shutil.rmtree(folder)


def clone(source: Path, target: Path) -> None:
    """A copy of the folder ``source`` at ``target`` made of hard links (no data copied);
    its mark comes last, so that a copy cut short carries none."""
    target.mkdir()
    with os.scandir(source) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                clone(Path(entry.path), target / entry.name)
            elif entry.name != MARK:
                os.link(entry.path, target / entry.name, follow_symlinks=False)
    if (source / MARK).is_file():
        os.link(source / MARK, target / MARK)


def tidy(out: Path, standby_generation: str | None) -> None:
    """Remove what a killed build left beside ``out``: a staging folder, and a standby
    copy that is not the generation the manifest expects (``None``: none is expected).
    The next edit makes a new standby copy when there is none."""
    remove_tree(staging_of(out))
    standby = standby_of(out)
    expected = standby_generation is not None and read_mark(standby) == standby_generation
    if standby.exists() and not expected:
        remove_tree(standby)


def write_full(out: Path, files: Mapping[str, bytes], generation: str, before_swap: object) -> None:
    """Write the whole site: staged, then swapped in for the old one (which is removed),
    and cloned as the standby of the next build. ``before_swap`` runs right before the
    swap (the manifest of the new generation is written there)."""
    staging = staging_of(out)
    remove_tree(staging)
    staging.mkdir(parents=True)
    for rel, data in files.items():
        write_file(staging, rel, data)
    write_mark(staging, generation)
    standby = standby_of(out)
    remove_tree(standby)
    if callable(before_swap):
        before_swap()
    if out.is_dir():
        swap(out, staging)
        remove_tree(staging)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staging, out)
    clone(out, standby)


def sync_standby(
    out: Path, changed: Mapping[str, bytes | None], lag: Iterable[str], generation: str
) -> bool:
    """Bring the standby copy to the new site: the ``changed`` files (``None``: removed)
    and the files in which it lags behind the current site (``lag``). Returns ``False``
    when there is no standby in the state the manifest expects."""
    standby = standby_of(out)
    if not standby.is_dir():
        return False
    for rel in lag:
        if rel in changed:
            continue
        current = out / rel
        if current.is_file():
            temp = (standby / rel).with_name(f".{current.name}.digestgen-tmp")
            (standby / rel).parent.mkdir(parents=True, exist_ok=True)
            temp.unlink(missing_ok=True)
            os.link(current, temp)
            os.replace(temp, standby / rel)
        else:
            remove_file(standby, rel)
    for rel, data in changed.items():
        if data is None:
            remove_file(standby, rel)
        else:
            write_file(standby, rel, data)
    write_mark(standby, generation)
    return True


def rebuild_standby(out: Path) -> None:
    """A fresh standby copy of the current site (after a killed build left it unknown)."""
    standby = standby_of(out)
    remove_tree(standby)
    clone(out, standby)


def swap_in_standby(out: Path) -> None:
    swap(out, standby_of(out))


def current_generation(out: Path) -> str | None:
    return read_mark(out) if out.is_dir() else None
