"""Content fingerprints: of digestgen's own code, of folders, and of what a page is made of.

A fingerprint is a hex SHA-256. Two equal fingerprints mean the same bytes would
be produced, which is what lets the build skip work it already did.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from functools import cache
from itertools import chain, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).parent.parent
_FIRST = itemgetter(0)
_SECOND = itemgetter(1)


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
    ``by_type`` stand for what its function returns for them. Named tuples (the
    model's records) and other frozen dataclasses are walked field by field, under
    their class's name. A value of any other kind raises
    ``TypeError``: the caller then renders that page every time, never stale.

    ``pair``, when given, stands for the second value of a pair whose first is known
    (a listing's ``(digest, item)``), given both: the first's fingerprint is in the
    result already, so the second may stand for less than it would alone.

    ``traced`` gives a fingerprint with the ``id`` of every object of ``known`` it took
    in: what the value is made of, besides its shape.
    """

    def __init__(
        self,
        known: Mapping[int, str],
        by_type: Mapping[type, Callable[[Any], str]] | None = None,
        pair: Callable[[Any, Any], str | None] | None = None,
    ) -> None:
        self.known = known
        self.by_type = by_type or {}
        self.pair = pair
        self.memo: dict[int, str] = {}
        # The known objects the fingerprint being made took in, while ``traced`` runs.
        self.used: set[int] | None = None

    def __call__(self, *values: Any) -> str:
        parts: list[str] = []
        for value in values:
            self._walk(value, parts)
        return sha256("\x1f".join(parts))

    def traced(self, *values: Any) -> tuple[str, set[int]]:
        """The fingerprint and the ids of the known objects it took in. A record is
        walked again rather than taken from ``memo``, so that what it holds is traced."""
        used: set[int] = set()
        self.used, memo, self.memo = used, self.memo, {}
        try:
            return self(*values), used
        finally:
            self.used, self.memo = None, memo

    def take(self, ident: int) -> None:
        """Count the known object ``ident`` in, for a caller's ``by_type`` function."""
        if self.used is not None:
            self.used.add(ident)

    def take_all(self, idents: Iterable[int]) -> None:
        """Count the known objects ``idents`` in (``take``)."""
        if self.used is not None:
            self.used.update(idents)

    def _walk(self, value: Any, out: list[str]) -> None:
        known = self.known.get(id(value))
        if known is not None:
            out.append(known)
            if self.used is not None:
                self.used.add(id(value))
        elif type(value) in self.by_type:
            out.append(self.by_type[type(value)](value))
        elif value is None or isinstance(value, str | int | float | bool):
            out.append(f"{type(value).__name__}:{value!r}")
        elif isinstance(value, datetime | date):
            out.append(f"{type(value).__name__}:{value.isoformat()}:{value!r}")
        elif isinstance(value, tuple) and type(value) is not tuple and hasattr(value, "_fields"):
            out.append(self._record(value, value._fields))
        elif isinstance(value, tuple | list):
            out.append(f"[{len(value)}")
            if not self._all_known(value, out) and not self._all_pairs(value, out):
                self._parts(value, out)
            out.append("]")
        elif isinstance(value, Mapping):
            out.append(f"{{{len(value)}")
            for key in sorted(value):
                out.append(repr(key))
                self._walk(value[key], out)
            out.append("}")
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            out.append(self._record(value, [f.name for f in dataclasses.fields(value)]))
        else:
            raise TypeError(f"cannot fingerprint {type(value).__name__}")

    def _all_known(self, value: tuple[Any, ...] | list[Any], out: list[str]) -> bool:
        """A list of known values only (a page's digests), looked up in one pass in C."""
        ids = list(map(id, value))
        found = list(map(self.known.get, ids))
        if None in found:
            return False
        out += found  # type: ignore[arg-type]
        if self.used is not None:
            self.used.update(ids)
        return True

    def _all_pairs(self, value: tuple[Any, ...] | list[Any], out: list[str]) -> bool:
        """A list of pairs whose first values are known and whose second ``pair`` stands
        for (a listing's ``(digest, item)``, the commonest value of all), in passes in C
        but for ``pair`` itself: the same parts as ``_parts`` gives, several times faster."""
        if self.pair is None or set(map(type, value)) != {tuple} or set(map(len, value)) != {2}:
            return False
        firsts = list(map(_FIRST, value))
        ids = list(map(id, firsts))
        found = list(map(self.known.get, ids))
        if None in found:
            return False
        seconds = list(map(self.pair, firsts, map(_SECOND, value)))
        if None in seconds:
            return False
        out += chain.from_iterable(zip(repeat("(2"), found, seconds))  # type: ignore[arg-type]
        if self.used is not None:
            self.used.update(ids)
        return True

    def _parts(self, value: tuple[Any, ...] | list[Any], out: list[str]) -> None:
        """The parts of a list, one after another."""
        by_id, by_type, pair = self.known, self.by_type, self.pair
        for part in value:
            fingerprint = by_id.get(id(part))
            if fingerprint is not None:
                out.append(fingerprint)
                if self.used is not None:
                    self.used.add(id(part))
            elif type(part) in by_type:
                out.append(by_type[type(part)](part))
            elif type(part) is tuple and len(part) == 2 and id(part[0]) in by_id:
                out.append("(2")
                out.append(by_id[id(part[0])])
                if self.used is not None:
                    self.used.add(id(part[0]))
                short = pair(part[0], part[1]) if pair is not None else None
                if short is not None:
                    out.append(short)
                elif (second := by_type.get(type(part[1]))) is not None:
                    out.append(second(part[1]))
                else:
                    self._walk(part[1], out)
            else:
                self._walk(part, out)

    def _record(self, value: Any, names: Sequence[str]) -> str:
        """A named tuple's or a dataclass's fingerprint: its class and its fields."""
        memo = self.memo.get(id(value))
        if memo is None:
            parts = [type(value).__qualname__]
            for name in names:
                self._walk(getattr(value, name), parts)
            memo = self.memo[id(value)] = sha256("\x1f".join(parts))
        return memo


def known_ids(pairs: Iterable[tuple[object, str]]) -> dict[int, str]:
    """``{id(obj): fingerprint}``; the caller keeps the objects alive while it is used."""
    return {id(obj): fp for obj, fp in pairs}
