"""The build cache's many small entries (parsed digests, each digest's search words) in one
SQLite file, ``.digestgen-cache/entries.sqlite``.

One file instead of one per entry: a cold build of 1,000 digests used to create, rename
and later list 2,000 cache files (``strace``: 16,179 file opens and 2,003 renames before,
11,263 and 23 after), on disks where each creation costs hundreds of microseconds.
SQLite also makes a write whole or absent, and lets two builds (``digestgen serve`` and
a ``digestgen build``) share the cache.

Like every part of the cache it is best effort: a database that is locked for too long,
unreadable or broken gives misses, never a failed build (a broken file is deleted and
made again). Durability is not needed (``synchronous=OFF``): losing the last writes
only means parsing those digests again. A connection is opened per operation, never
kept, so no connection is ever carried into a forked worker.
"""

from __future__ import annotations

import contextlib
import hmac
import marshal
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from itertools import count, groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from digestgen.build.cachefile import write_cache_file

# Each table maps a key (a digest's parse key; in ``terms``, behind a group's prefix) to bytes.
TABLES = ("parsed", "terms")
# How long an operation waits for another process's write before it gives up.
BUSY_SECONDS = 10.0
# How many entries ``reader`` reads in one query when it knows the order they are asked in.
READ_AHEAD = 64
# The length of an entry's seal (an HMAC-SHA256), in front of it.
SEAL = 32
_FIRST, _SECOND = itemgetter(0), itemgetter(1)
# A key's prefix (up to its first ``:``, or ``""``) and the rest, in SQL, for ``{k}``.
_PREFIX = "substr({k}, 1, instr({k}, ':'))"
_REST = "substr({k}, instr({k}, ':') + 1)"


class Signer:
    """Seals cache entries with a secret key (an HMAC-SHA256 of the entry, before it) and
    opens them: an entry whose seal does not hold was not written with the key."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def seal(self, blob: bytes) -> bytes:
        return hmac.digest(self.secret, blob, "sha256") + blob

    def open(self, data: bytes) -> memoryview | None:
        """The entry (a view into ``data``, not a copy: the parsed digests of a build are
        35 MB at 1,000 digests), or ``None`` when its seal does not hold."""
        view = memoryview(data)
        if hmac.compare_digest(view[:SEAL], hmac.digest(self.secret, view[SEAL:], "sha256")):
            return view[SEAL:]
        return None


def read_sealed(path: Path, signer: Signer) -> Any:
    """The data of the cache file at ``path`` (``write_sealed``), or ``None`` when it
    cannot be read or its seal does not hold: ``marshal`` is not meant for data of
    unknown origin (a cache folder could come with a site), so only what this user's
    digestgen wrote is loaded."""
    try:
        blob = signer.open(path.read_bytes())
        return marshal.loads(blob) if blob is not None else None
    except (OSError, ValueError, EOFError, TypeError):
        return None


def write_sealed(path: Path, signer: Signer, data: Any) -> None:
    """Write ``data`` (``marshal``-able) to the cache file at ``path``, sealed."""
    write_cache_file(path, signer.seal(marshal.dumps(data)))


class CacheStore:
    """Tables of ``key -> bytes`` in the SQLite file at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=BUSY_SECONDS)
        try:
            # Pages of 16 KiB instead of 4 (for a new file): a parsed digest of 35 KB then
            # spans 3 pages, not 9. Storing the 1,000 digests and their words of a cold
            # build took 0.2-0.25 s of CPU instead of 0.37-0.41 s, in 9,000 writes instead
            # of 40,000 (``strace -c``); the file stays as large (46 MB against 45).
            db.execute("PRAGMA page_size=16384")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")
            for table in TABLES:
                db.execute(
                    f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, data BLOB NOT NULL)"
                )
        except BaseException:
            db.close()
            raise
        return db

    def _open(self) -> sqlite3.Connection:
        """A connection. A file that is not a database (cut short, overwritten) is
        removed, and a new one started."""
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError):
                raise  # locked or unwritable: the file itself may be fine
            self.clear()
            return self._connect()

    @contextlib.contextmanager
    def _session(self) -> Iterator[sqlite3.Connection]:
        """A connection, committed and closed at the end."""
        db = self._open()
        try:
            with db:
                yield db
        finally:
            db.close()

    def clear(self) -> None:
        """Delete the database (and SQLite's files beside it)."""
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                self.path.with_name(self.path.name + suffix).unlink()

    def keys(self, table: str) -> set[str]:
        try:
            with self._session() as db:
                return {key for (key,) in db.execute(f"SELECT key FROM {table}")}
        except (sqlite3.Error, OSError):
            return set()

    @contextlib.contextmanager
    def reader(
        self, table: str, ahead: Sequence[str] = ()
    ) -> Iterator[Callable[[str], bytes | None]]:
        """A lookup of one entry at a time (``None`` when missing or unreadable), on one
        connection: a build reads the entries in its own order and lets each go when it
        is done with it, so they are never all in memory at once. The keys of ``ahead``,
        when asked for in that order, are read ``READ_AHEAD`` at a time, in one query each
        (the 999 digests of an edit at 1,000 digests in 0.017 s instead of 0.03 s)."""
        db = None
        with contextlib.suppress(sqlite3.Error, OSError):
            db = self._open()
        places = {key: place for place, key in enumerate(ahead)}
        batch: dict[str, bytes] = {}

        def fetch(keys: Sequence[str]) -> dict[str, bytes]:
            assert db is not None
            marks = ", ".join("?" * len(keys))
            query = f"SELECT key, data FROM {table} WHERE key IN ({marks})"
            return {k: data for k, data in db.execute(query, keys) if isinstance(data, bytes)}

        def get(key: str) -> bytes | None:
            nonlocal batch
            if db is None:
                return None
            data = batch.pop(key, None)
            if data is not None:
                return data
            place = places.get(key)
            try:
                if place is None:
                    return fetch([key]).get(key)
                batch = fetch(ahead[place : place + READ_AHEAD])
            except sqlite3.Error:
                return None
            return batch.pop(key, None)

        try:
            yield get
        finally:
            if db is not None:
                db.close()

    def with_prefix(self, table: str, prefix: str) -> dict[str, bytes]:
        """The entries whose keys start with ``prefix`` (a range of the table's index),
        by the rest of their keys; empty when the store cannot be read."""
        # Every key that starts with the prefix sorts below this one.
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        query = f"SELECT key, data FROM {table} WHERE key >= ? AND key < ?"
        try:
            with self._session() as db:
                return {
                    key[len(prefix) :]: data
                    for key, data in db.execute(query, (prefix, end))
                    if isinstance(data, bytes) and key.startswith(prefix)
                }
        except (sqlite3.Error, OSError):
            return {}

    def seal_runs(self, table: str, keys: Sequence[str]) -> dict[str, bytes]:
        """For each key prefix (up to a key's first ``:``), the seals (the first ``SEAL``
        bytes) of the entries of ``keys`` under it, one after another in the order of
        ``keys``; a prefix missing some of them is left out. Empty when the store cannot
        be read.

        SQLite joins, orders and cuts them, in one pass over the table (a lookup by key
        range walks the key index and then finds each row on its own: 5 ms for 1,000
        entries, against 20 ms for all 17,000 in one pass); they come back one row at a
        time and are joined per prefix as they come, so only the runs are kept (a map of the
        170,000 keys to their seals took 38 MB at 10,000 digests)."""
        prefix, rest = _PREFIX.format(k="t.key"), _REST.format(k="t.key")
        query = (
            f"SELECT {prefix}, substr(t.data, 1, {SEAL}) "
            f"FROM {table} AS t JOIN places ON places.key = {rest} "
            f"WHERE typeof(t.data) = 'blob' AND length(t.data) >= {SEAL} "
            "ORDER BY 1, places.place"
        )
        runs: dict[str, bytes] = {}
        try:
            with self._session() as db:
                db.execute("CREATE TEMP TABLE places (key TEXT PRIMARY KEY, place INTEGER)")
                db.executemany("INSERT INTO places VALUES (?, ?)", zip(keys, count()))
                for prefix, rows in groupby(db.execute(query), key=_FIRST):
                    run = b"".join(map(_SECOND, rows))
                    if len(run) == SEAL * len(keys):
                        runs[prefix] = run
        except (sqlite3.Error, OSError):
            return {}
        return runs

    def put_many(self, table: str, rows: Iterable[tuple[str, bytes]]) -> None:
        """Store the entries, replacing any with the same key (in one transaction)."""
        self.put_tables({table: list(rows)})

    def put_tables(self, tables: Mapping[str, Sequence[tuple[str, bytes]]]) -> None:
        """Store entries in several tables in one transaction."""
        if not any(tables.values()):
            return
        with contextlib.suppress(sqlite3.Error, OSError), self._session() as db:
            for table, rows in tables.items():
                db.executemany(f"INSERT OR REPLACE INTO {table} (key, data) VALUES (?, ?)", rows)

    def keep_only(self, keep: Collection[str], tables: Mapping[str, Collection[str]]) -> None:
        """Delete the entries whose keys are not one of their table's prefixes followed by
        a key of ``keep``, in each of ``tables`` (``{table: prefixes}``; ``("",)`` for
        keys without a prefix), in one transaction. A prefix ends at the key's first
        ``:``; the keys of ``keep`` hold none.

        Worked out by SQLite (the 17,000 rows of the words of 1,000 digests in 0.02 s,
        against 0.04 s for their keys compared one by one in Python)."""
        with contextlib.suppress(sqlite3.Error, OSError), self._session() as db:
            db.execute("CREATE TEMP TABLE kept (key TEXT PRIMARY KEY)")
            db.executemany("INSERT OR IGNORE INTO kept VALUES (?)", ((key,) for key in keep))
            # The keys to drop are found over the key index alone, not the rows.
            prefix, rest = _PREFIX.format(k="key"), _REST.format(k="key")
            for table, prefixes in tables.items():
                marks = ", ".join("?" * len(prefixes))
                query = (
                    f"DELETE FROM {table} WHERE key IN (SELECT key FROM {table} "
                    f"WHERE {prefix} NOT IN ({marks}) OR {rest} NOT IN (SELECT key FROM kept))"
                )
                db.execute(query, tuple(prefixes))
