"""Writing a file of the build's cache: whole or not at all, and never failing the build."""

from __future__ import annotations

import os
from pathlib import Path


def write_cache_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename, so that a
    reader (another build, a crash halfway) never sees half a file. A cache that cannot be
    written only makes the next build slower, so an ``OSError`` is ignored."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        try:
            tmp.write_bytes(data)
        except FileNotFoundError:  # the folder's first file: make it then, not every time
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        pass
