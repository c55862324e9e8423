"""What the last build into an output folder read and wrote, kept in the cache folder.

For each output it records its key and its files; for each digest file its stamp and
key; and which generation of the site the folder holds, with the standby copy's state
(``write``). A build that was killed leaves a pending manifest or a syncing flag, which
``Manifest.load`` resolves against the generation the folder really holds.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from digestgen.build.folder import read_mark

VERSION = 1


def _names(folder: Path, out: Path) -> tuple[Path, Path, Path]:
    tag = hashlib.blake2b(str(out).encode(), digest_size=8).hexdigest()
    base = folder / f"manifest-{tag}"
    return base.with_suffix(".json"), base.with_suffix(".pending"), base.with_suffix(".syncing")


@dataclass
class Manifest:
    """The record of one output folder (see the module's docstring)."""

    output: str
    generation: str
    base: str = ""
    statics: str = ""
    written_ns: int = 0
    sources: dict[str, list[Any]] = field(default_factory=dict)
    jobs: dict[str, list[Any]] = field(default_factory=dict)
    # The standby copy's generation and the files in which it lags behind the site;
    # ``None`` when it is not known to be whole.
    standby: dict[str, Any] | None = None
    summary: dict[str, int] = field(default_factory=dict)
    warnings: list[list[Any]] = field(default_factory=list)
    version: int = VERSION
    # Whether the pending file holds this manifest as it is (not written out).
    saved: bool = field(default=False, compare=False, repr=False)

    @staticmethod
    def _read(path: Path) -> Manifest | None:
        try:
            data = json.loads(path.read_bytes())
            manifest = Manifest(**data)
        except (OSError, ValueError, TypeError):
            return None
        return manifest if manifest.version == VERSION else None

    @staticmethod
    def load(folder: Path, out: Path) -> Manifest | None:
        """The manifest of the generation ``out`` holds now, or ``None`` (build it all)."""
        path, pending_path, syncing = _names(folder, out)
        held = read_mark(out) if out.is_dir() else None
        pending = Manifest._read(pending_path)
        if pending is not None and pending.generation == held:
            os.replace(pending_path, path)  # killed after its swap: it is the one
            syncing.unlink(missing_ok=True)
            return pending
        pending_path.unlink(missing_ok=True)
        current = Manifest._read(path)
        if current is None or held is None or current.generation != held:
            return None
        if syncing.exists():  # killed while updating the standby copy
            current.standby = None
        return current

    def standby_generation(self) -> str | None:
        """The generation the standby copy holds, if it is known to be whole."""
        return str(self.standby["generation"]) if self.standby is not None else None

    def _dump(self) -> bytes:
        # The fields as they are (``asdict`` would copy every nested value first).
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "saved"}
        return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()

    def save_pending(self, folder: Path) -> None:
        """Written before the swap that brings in this generation."""
        folder.mkdir(parents=True, exist_ok=True)
        self.written_ns = time.time_ns()
        _, pending, _ = _names(folder, Path(self.output))
        temp = pending.with_suffix(".tmp")
        temp.write_bytes(self._dump())
        os.replace(temp, pending)
        self.saved = True

    def commit(self, folder: Path) -> None:
        """After the swap (or for a build that wrote nothing): this is the manifest. The
        pending one written before the swap is taken as it is (its ``written_ns``, a
        little earlier, only makes the next scan read a few more files)."""
        path, pending, syncing = _names(folder, Path(self.output))
        if not self.saved:
            self.save_pending(folder)
        os.replace(pending, path)
        syncing.unlink(missing_ok=True)

    def syncing(self, folder: Path) -> None:
        """Mark the standby copy unknown until the next manifest is committed."""
        _, _, flag = _names(folder, Path(self.output))
        flag.touch()

    @staticmethod
    def forget(folder: Path, out: Path) -> None:
        """Drop the record of ``out`` (its folder is about to be written whole)."""
        for path in _names(folder, out):
            with contextlib.suppress(OSError):
                path.unlink()
