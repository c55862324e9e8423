"""Builds run as processes of their own and killed with SIGKILL at chosen instants, and
the trees they leave behind, for the tests of a killed build."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from digestgen.build.folder import read_mark

# A build of the test archive takes a few seconds on a busy machine; none takes this long.
BUILD_DEADLINE = 120.0
# Names that only a build in progress leaves (staging folder, temporary files, a
# pending or half-done manifest, the folder set aside by a swap without RENAME_EXCHANGE).
LEFTOVER_SUFFIXES = (".digestgen-new", ".digestgen-tmp", ".pending", ".syncing", ".tmp", ".swap")

Ready = Callable[[], bool]


def start_build(root: Path) -> subprocess.Popen[bytes]:
    """``digestgen build`` of ``root`` in a session of its own (its parse workers with it)."""
    command = [sys.executable, "-m", "digestgen", "build", "--root", str(root)]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )


def kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the build and every process it started, and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=BUILD_DEADLINE)


def kill_when(root: Path, ready: Ready) -> bool:
    """Start a build of ``root`` and kill it as soon as ``ready()`` holds; ``True`` if it
    was killed (``False``: it ended before the instant came)."""
    proc = start_build(root)
    deadline = time.monotonic() + BUILD_DEADLINE
    polls = 0
    while polls % 64 or (proc.poll() is None and time.monotonic() < deadline):
        polls += 1
        if ready():
            kill(proc)
            return proc.returncode == -signal.SIGKILL
    kill(proc)
    return False


def kill_after(root: Path, seconds: float) -> bool:
    """Start a build of ``root`` and kill it ``seconds`` later (if it still runs)."""
    proc = start_build(root)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=seconds)
    was_running = proc.returncode is None
    kill(proc)
    return was_running


def build_to_end(root: Path) -> None:
    """A build of ``root`` that is let finish; it must succeed."""
    proc = start_build(root)
    _out, err = proc.communicate(timeout=BUILD_DEADLINE)
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err


def tree(folder: Path) -> dict[str, bytes] | None:
    """Every file's bytes and every folder (``None``: no folder at all)."""
    if not folder.exists():
        return None
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else b"<folder>"
        for p in sorted(folder.rglob("*"))
    }


def leftovers(root: Path, out: Path) -> list[str]:
    """What a killed build left that a finished one would not: staging folders, temporary
        files, a pending manifest, empty folders in either copy of the site, an unmarked copy
    (the standby copy may be missing: the next edit makes it)."""
    found = [
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.name.endswith(LEFTOVER_SUFFIXES)
    ]
    standby = out.with_name(f".{out.name}.digestgen-standby")
    for copy in (out, standby):
        if copy.exists() and read_mark(copy) is None:
            found.append(f"{copy.name} (no mark)")
        for folder, dirs, files in os.walk(copy):
            if not dirs and not files:
                found.append(Path(folder).relative_to(root).as_posix() + "/ (empty)")
    return sorted(found)


def changed_inode(path: Path) -> Ready:
    """An instant: ``path`` was replaced (or removed, or first made)."""
    before = path.stat().st_ino if path.exists() else None

    def ready() -> bool:
        try:
            return path.stat().st_ino != before
        except FileNotFoundError:
            return before is not None

    return ready


def appears(folder: Path, suffix: str) -> Ready:
    """An instant: a name ending in ``suffix`` is in ``folder``."""

    def ready() -> bool:
        try:
            return any(name.endswith(suffix) for name in os.listdir(folder))
        except OSError:
            return False

    return ready


def mark_changes(folder: Path) -> Ready:
    """An instant: the generation named by ``folder``'s mark is no longer the one now."""
    before = read_mark(folder)
    return lambda: read_mark(folder) != before


def restore(pristine: Path, work: Path) -> None:
    """``work`` made again as a copy of ``pristine`` (same path: the build's record of its
    output folder is kept by that path)."""
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(pristine, work, symlinks=True)
