"""Content fingerprints: of digestgen's own code, of folders, and of what a page is made of.

A fingerprint is a hex SHA-256. Two equal fingerprints mean the same bytes would
be produced, which is what lets the build skip work it already did.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import os
from collections.abc import Callable, Iterable, Mapping
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


def user_cache_dir() -> Path:
    """This user's cache folder for digestgen, outside every site."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "digestgen"


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


# The libraries that shape the output, by module and distribution name.
LIBRARIES = (
    ("markdown_it_pyrs", "markdown_it_pyrs"),
    ("markdown_it", "markdown_it_py"),
    ("jinja2", "jinja2"),
    ("feedgen", "feedgen"),
)


@cache
def code_fingerprint() -> str:
    """digestgen's own sources, theme included, and the installed versions of the
    libraries that shape the output: a change in any of them invalidates every cache."""
    return sha256(folder_fingerprint(PACKAGE_DIR), *map(_installed, LIBRARIES))


def _installed(names: tuple[str, str]) -> str:
    """The ``*.dist-info`` folder names (which hold the version) next to a library.

    Found by looking, because importing ``importlib.metadata`` alone takes longer
    than a whole build in which nothing changed.
    """
    module, dist = names
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return f"{module}=missing"
    folder = Path(spec.origin).parent.parent
    infos = sorted(
        entry.name
        for entry in folder.iterdir()
        if entry.name.lower().startswith(dist + "-") and entry.name.endswith(".dist-info")
    )
    return f"{module}={','.join(infos) or spec.origin}"


class Fingerprinter:
    """Fingerprints the values a template is given.

    Objects in ``known`` (by ``id``) stand for their given fingerprint, which is how
    a whole parsed digest counts as the hash of its source file; objects of a type in
    ``by_type`` stand for what its function returns for them. Other frozen
    dataclasses are walked field by field. A value of any other kind raises
    ``TypeError``: the caller then renders that page every time, never stale.
    """

    def __init__(
        self, known: Mapping[int, str], by_type: Mapping[type, Callable[[Any], str]] | None = None
    ) -> None:
        self.known = known
        self.by_type = by_type or {}
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
        elif type(value) in self.by_type:
            out.append(self.by_type[type(value)](value))
        elif value is None or isinstance(value, str | int | float | bool):
            out.append(f"{type(value).__name__}:{value!r}")
        elif isinstance(value, datetime | date):
            out.append(f"{type(value).__name__}:{value.isoformat()}:{value!r}")
        elif isinstance(value, tuple | list):
            out.append(f"[{len(value)}")
            by_id, by_type = self.known, self.by_type
            for part in value:
                # Most parts (a page's digests and items) are known or of a known type:
                # no call for them.
                fingerprint = by_id.get(id(part))
                if fingerprint is not None:
                    out.append(fingerprint)
                elif type(part) in by_type:
                    out.append(by_type[type(part)](part))
                elif type(part) is tuple and len(part) == 2 and id(part[0]) in by_id:
                    # A (digest, item) pair of a listing: the commonest part of all.
                    out.append("(2")
                    out.append(by_id[id(part[0])])
                    second = by_type.get(type(part[1]))
                    if second is not None:
                        out.append(second(part[1]))
                    else:
                        self._walk(part[1], out)
                else:
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
