"""The build cache: parsed digests and values worked out from them, in one SQLite file.

Entries are JSON (``codec``), looked up by the digest's key, which covers its path, its
bytes, the settings its parse reads and digestgen's own code, so an entry is right for
any machine that asks for it (a cache restored in CI is used, not thrown away), and it
holds data only. A damaged or foreign file is replaced by an empty one; an entry of the
wrong shape is a miss. Deleting the cache folder only makes the next build slower.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from digestgen.build.codec import decode_body, decode_head, encode_body, encode_head
from digestgen.errors import DigestError, ParseError
from digestgen.model import Digest, DigestHead

CACHE_DIR = ".digestgen-cache"
DB_FILE = "cache.sqlite"
SCHEMA = 1
_PACKAGE = Path(__file__).resolve().parent.parent
# The libraries whose versions shape what a parse or a page holds (module, distribution).
_LIBRARIES = (("markdown_it", "markdown_it_py"), ("jinja2", "jinja2"), ("feedgen", "feedgen"))
_TABLES = """
CREATE TABLE IF NOT EXISTS digests (key TEXT PRIMARY KEY, head TEXT, body TEXT, warnings TEXT);
CREATE TABLE IF NOT EXISTS kept (kind TEXT, key TEXT, digest TEXT, value TEXT,
                                 PRIMARY KEY (kind, key));
"""
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


@cache
def code_key() -> str:
    """A hash of digestgen's sources and theme and of the versions of the libraries that
    shape its output: another digestgen makes other entries and other pages."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(_PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(_PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    for names in _LIBRARIES:
        digest.update(_installed(*names).encode())
    return digest.hexdigest()


def _installed(module: str, dist: str) -> str:
    """The ``*.dist-info`` folder names (they hold the version) beside a library, found
    by looking rather than by importing it or ``importlib.metadata``, both slow."""
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


def user_cache() -> Path:
    """digestgen's folder in the user's cache (``XDG_CACHE_HOME`` or ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "digestgen"


def entry_key(digest_key: str) -> str:
    """The cache's key for a digest: its content key with digestgen's code."""
    return hashlib.blake2b(f"{code_key()}:{digest_key}".encode(), digest_size=16).hexdigest()


def _warning(value: Any) -> DigestError:
    message, path, line, column = value
    return ParseError(str(message), path, line, column)


class Cache:
    """The cache of one site root; open it with ``with Cache(folder) as cache``."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / DB_FILE
        self.folder = folder
        self.db: sqlite3.Connection | None = None

    def __enter__(self) -> Cache:
        try:
            self.db = self._open()
        except sqlite3.Error:
            self.path.unlink(missing_ok=True)  # not a cache this digestgen can read
            self.db = self._open()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def _open(self) -> sqlite3.Connection:
        self.folder.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            # A write-ahead log, synced at checkpoints: a commit no longer waits for the disk
            # twice. A crash may lose the last commits, never the file's consistency, and a
            # lost entry is only a miss.
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA:
                db.executescript("DROP TABLE IF EXISTS digests; DROP TABLE IF EXISTS kept;")
                db.execute(f"PRAGMA user_version = {SCHEMA}")
            db.executescript(_TABLES)
        except sqlite3.Error:
            db.close()
            raise
        return db

    @property
    def _db(self) -> sqlite3.Connection:
        assert self.db is not None, "the cache is not open"
        return self.db

    def heads(self, keys: Sequence[str]) -> dict[str, tuple[DigestHead, list[DigestError]]]:
        """The heads (and warnings) of the digests with these content keys, where kept."""
        found: dict[str, tuple[DigestHead, list[DigestError]]] = {}
        by_entry = {entry_key(key): key for key in keys}
        for start in range(0, len(keys), 500):
            chunk = list(by_entry)[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT key, head, warnings FROM digests WHERE key IN ({marks})", chunk
            )
            for entry, head, warnings in rows:
                with contextlib.suppress(ValueError, TypeError):
                    decoded = decode_head(json.loads(head))
                    if decoded.key == by_entry[entry]:
                        found[decoded.key] = (decoded, list(map(_warning, json.loads(warnings))))
        return found

    def body(self, head: DigestHead) -> Digest | None:
        """The whole digest of ``head``, where kept (the cache is opened again for the
        call if it was closed: a build's result reads its site later)."""
        if self.db is None:
            with Cache(self.folder) as again:
                return again.body(head)
        row = self._db.execute(
            "SELECT body FROM digests WHERE key = ?", (entry_key(head.key),)
        ).fetchone()
        if row is None:
            return None
        try:
            return decode_body(head, json.loads(row[0]))
        except ValueError:
            return None

    def put_digests(self, parsed: Iterable[tuple[Digest, Sequence[DigestError]]]) -> None:
        """Keep parsed digests with their warnings."""
        rows = [
            (
                entry_key(digest.key),
                _JSON.encode(encode_head(digest)),
                _JSON.encode(encode_body(digest)),
                _JSON.encode([[w.message, w.path, w.line, w.column] for w in warnings]),
            )
            for digest, warnings in parsed
        ]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO digests VALUES (?, ?, ?, ?)", rows)

    def get(self, kind: str, key: str) -> Any:
        row = self._db.execute(
            "SELECT value FROM kept WHERE kind = ? AND key = ?", (kind, key)
        ).fetchone()
        if row is None:
            return None
        try:
            return json.loads(row[0])
        except ValueError:
            return None

    def put_many(self, rows: Iterable[tuple[str, str, str, Any]]) -> None:
        """Keep values, each as (kind, key, digest, value), in one transaction."""
        encoded = [(kind, key, digest, _JSON.encode(value)) for kind, key, digest, value in rows]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO kept VALUES (?, ?, ?, ?)", encoded)

    def prune(self, digest_keys: Iterable[str], prefix: str) -> None:
        """Drop what no current digest uses: other digests' entries, and kept values of
        other digests or whose key does not start with ``prefix`` (other settings)."""
        keep = list(digest_keys)
        entries = [entry_key(key) for key in keep]
        with self._db:
            self._db.execute("CREATE TEMP TABLE IF NOT EXISTS live (key TEXT PRIMARY KEY)")
            self._db.execute("DELETE FROM live")
            self._db.executemany("INSERT OR IGNORE INTO live VALUES (?)", ((k,) for k in entries))
            self._db.execute("DELETE FROM digests WHERE key NOT IN (SELECT key FROM live)")
            self._db.execute("DELETE FROM live")
            self._db.executemany("INSERT OR IGNORE INTO live VALUES (?)", ((k,) for k in keep))
            self._db.execute(
                "DELETE FROM kept WHERE digest != '' AND digest NOT IN (SELECT key FROM live)"
            )
            self._db.execute("DELETE FROM kept WHERE substr(key, 1, ?) != ?", (len(prefix), prefix))
