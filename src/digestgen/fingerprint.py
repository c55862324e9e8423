"""Content fingerprints: of digestgen's own code, of folders, and of what a page is made of.

A fingerprint is a hex SHA-256. Two equal fingerprints mean the same bytes would
be produced, which is what lets the build skip work it already did.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).parent


def sha256(*parts: bytes | str) -> str:
    """The hex SHA-256 of the parts, each length-prefixed so that they cannot run together."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def folder_fingerprint(folder: Path) -> str:
    """Every file below ``folder`` (names and bytes); ``"none"`` when it does not exist."""
    if not folder.is_dir():
        return "none"
    parts: list[bytes | str] = []
    for path in sorted(folder.rglob("*")):
        # Compiled bytecode appears and changes on its own; only sources count.
        if path.is_file() and "__pycache__" not in path.parts:
            parts += [path.relative_to(folder).as_posix(), path.read_bytes()]
    return sha256(*parts)


@cache
def code_fingerprint() -> str:
    """digestgen's own sources, theme included, and the versions of the libraries that
    shape the output: a new version of any of them invalidates every cache."""
    from importlib.metadata import version

    libraries = [f"{name}={version(name)}" for name in ("markdown-it-py", "jinja2", "feedgen")]
    return sha256(folder_fingerprint(PACKAGE_DIR), *libraries)


class Fingerprinter:
    """Fingerprints the values a template is given.

    Objects in ``known`` (by ``id``) stand for their given fingerprint, which is how
    a whole parsed digest counts as the hash of its source file. Other frozen
    dataclasses are walked field by field. A value of any other kind raises
    ``TypeError``: the caller then renders that page every time, never stale.
    """

    def __init__(self, known: Mapping[int, str]) -> None:
        self.known = known
        self.memo: dict[int, str] = {}

    def __call__(self, *values: Any) -> str:
        parts: list[str] = []
        for value in values:
            self._walk(value, parts)
        return sha256("\x1f".join(parts))

    def _walk(self, value: Any, out: list[str]) -> None:
        known = self.known.get(id(value))
        if known is not None:
            out.append(known)
        elif value is None or isinstance(value, str | int | float | bool):
            out.append(f"{type(value).__name__}:{value!r}")
        elif isinstance(value, datetime | date):
            out.append(f"{type(value).__name__}:{value.isoformat()}:{value!r}")
        elif isinstance(value, tuple | list):
            out.append(f"[{len(value)}")
            for part in value:
                self._walk(part, out)
            out.append("]")
        elif isinstance(value, Mapping):
            out.append(f"{{{len(value)}")
            for key in sorted(value):
                out.append(repr(key))
                self._walk(value[key], out)
            out.append("}")
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            out.append(self._dataclass(value))
        else:
            raise TypeError(f"cannot fingerprint {type(value).__name__}")

    def _dataclass(self, value: Any) -> str:
        memo = self.memo.get(id(value))
        if memo is None:
            parts = [type(value).__qualname__]
            for field in dataclasses.fields(value):
                self._walk(getattr(value, field.name), parts)
            memo = self.memo[id(value)] = sha256("\x1f".join(parts))
        return memo


def known_ids(pairs: Iterable[tuple[object, str]]) -> dict[int, str]:
    """``{id(obj): fingerprint}``; the caller keeps the objects alive while it is used."""
    return {id(obj): fp for obj, fp in pairs}
