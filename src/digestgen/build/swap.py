"""Swapping two folders in one step, so a reader of the site sees the old one or the new
one and nothing between: ``renameat2(RENAME_EXCHANGE)`` on Linux, ``renamex_np
(RENAME_SWAP)`` on macOS; elsewhere three renames, with a moment without the folder."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2  # Linux
_RENAME_SWAP = 2  # macOS


@cache
def _libc() -> Any:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    except OSError:
        return None


def _exchange(first: bytes, second: bytes) -> bool:
    """Swap two paths atomically where the system can; ``False`` where it cannot."""
    libc = _libc()
    if libc is None:
        return False
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        result = libc.renameat2(_AT_FDCWD, first, _AT_FDCWD, second, _RENAME_EXCHANGE)
    elif sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        result = libc.renamex_np(first, second, _RENAME_SWAP)
    else:
        return False
    if result == 0:
        return True
    error = ctypes.get_errno()
    if error in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the filesystem cannot
        return False
    raise OSError(error, os.strerror(error), os.fsdecode(first))


def swap(first: Path, second: Path) -> None:
    """Give ``first`` the contents of ``second`` and ``second`` those of ``first``
    (both folders on one filesystem)."""
    if _exchange(os.fsencode(first), os.fsencode(second)):
        return
    aside = first.with_name(first.name + ".swap")
    os.rename(first, aside)
    os.rename(second, first)
    os.rename(aside, second)
