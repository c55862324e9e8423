"""The digest files of a build with their keys, read only where they may have changed,
and their parse: the misses of the cache, on all cores when there are many."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from digestgen.config import SiteConfig
from digestgen.content.keys import content_key, settings_key
from digestgen.content.sources import source_stats
from digestgen.errors import DigestError, ParseError
from digestgen.model import Digest

if TYPE_CHECKING:
    import multiprocessing.pool
    from multiprocessing.context import BaseContext

# Told how far a phase of the build is: its name, the steps done and the steps in all.
Progress = Callable[[str, int, int], None]

# A file whose change time is this close to the last build's end is read again even when
# its size and time are as recorded: a change within the clock's tick keeps both.
RACY_NS = 2_000_000_000
# Below this many files to parse, starting processes costs more than it saves.
PARALLEL_MIN = 24
# How often a parse in processes looks whether it was cancelled (seconds).
CANCEL_POLL = 0.05


@dataclass(frozen=True, slots=True)
class Source:
    """A digest file: its path below the root, its stat stamp, its content key and, when
    this build read it, its bytes."""

    path: str
    stamp: tuple[int, int, int]
    key: str
    data: bytes | None = None

    def record(self, config: SiteConfig) -> list[object]:
        """What the next scan needs to trust this file unread (``scan``)."""
        return [*self.stamp, self.key, settings_key(config)]


# The last build's record of a source (``Source.record``).
Record = Sequence[object]


def scan(
    root: Path, config: SiteConfig, records: Mapping[str, Record], settled_ns: int
) -> list[Source]:
    """Every digest file in path order. A file whose stamp equals the record of the last
    build (finished at ``settled_ns``) keeps its key; the others are read and keyed.
    A record is ``[mtime_ns, size, inode, key, settings]``: made under other parse
    settings, it does not hold."""
    found: list[Source] = []
    settings = settings_key(config)
    for rel, st in source_stats(root, config):
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        record = list(records.get(rel) or ())
        trusted = st.st_mtime_ns < settled_ns
        if trusted and record[:3] == list(stamp) and record[4:] == [settings]:
            found.append(Source(rel, stamp, str(record[3])))
            continue
        try:
            data = (root / rel).read_bytes()
        except FileNotFoundError:
            continue  # deleted since the folder was listed: as if it were gone before
        except OSError as exc:
            raise ParseError(f"cannot read this digest: {exc.strerror}", rel) from None
        found.append(Source(rel, stamp, content_key(rel, data, config), data))
    return found


def with_data(root: Path, config: SiteConfig, source: Source) -> Source:
    """``source`` with its bytes and their key (read now if the scan trusted its stamp)."""
    if source.data is not None:
        return source
    try:
        data = (root / source.path).read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read this digest: {exc.strerror}", source.path) from None
    return replace(source, data=data, key=content_key(source.path, data, config))


def settled(written_ns: int) -> int:
    """Stamps older than this can be trusted (``RACY_NS`` before the last build ended)."""
    return written_ns - RACY_NS


# What a parse gives back for one file: the digest (``None`` if it failed), its
# warnings and its errors.
Parsed = tuple[str, Digest | None, list[DigestError], list[DigestError]]


def _parse_one(config: SiteConfig, path: str, data: bytes, key: str) -> Parsed:
    # Imported here: a build whose digests all come from the cache never loads the parser.
    from digestgen.content.parse import parse_digest

    warnings: list[DigestError] = []
    try:
        digest = parse_digest(data, path, config, warnings=warnings, key=key)
    except DigestError as exc:
        return path, None, warnings, list(getattr(exc, "errors", [exc]))
    return path, digest, warnings, []


def _parse_chunk(job: tuple[SiteConfig, list[tuple[str, bytes, str]]]) -> list[Parsed]:
    config, chunk = job
    return [_parse_one(config, path, data, key) for path, data, key in chunk]


class Cancelled(Exception):
    """A parse given up because the one who asked for it is stopping."""


@contextlib.contextmanager
def _workers_ignore_interrupts() -> Iterator[None]:
    """Workers started in here ignore Ctrl-C from their first instruction: a terminal sends
    it to every process of the group, and a worker that gets it as it starts prints a
    fatal error; the process that started them decides, and ends them. Meanwhile Ctrl-C
    is held, not lost: it is raised here at the end (other threads leave signals to the
    main one: ``block_signals``). Python lets only the main thread change how a signal
    is handled: started from another thread, a worker ignores Ctrl-C once it runs."""
    before = signal.getsignal(signal.SIGINT)
    main = threading.current_thread() is threading.main_thread()
    if not main or before is None or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def block_signals() -> None:
    """Leave Ctrl-C and SIGTERM to the main thread (called first in a thread of ours)."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


def _leave_interrupts_to_parent() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def parse_sources(
    config: SiteConfig,
    sources: Sequence[Source],
    workers: int,
    mp_context: BaseContext | None = None,
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> list[Parsed]:
    """Parse the sources read by this build (their ``data``), in processes of their own
    when there are many of them and more than one worker (started as ``mp_context``
    starts them, the system's default if not given); ``progress`` hears of each file or
    chunk of files done. When ``cancel`` is set, or the waiting thread is interrupted,
    the workers are ended at once (``Cancelled``)."""
    todo = [(s.path, s.data, s.key) for s in sources if s.data is not None]
    if workers <= 1 or len(todo) < PARALLEL_MIN:
        return _gathered(([_parse_one(config, *one)] for one in todo), len(todo), progress)
    size = max(1, len(todo) // (workers * 4))
    chunks = [(config, todo[start : start + size]) for start in range(0, len(todo), size)]
    context = mp_context or multiprocessing.get_context()
    with _workers_ignore_interrupts():
        pool = context.Pool(workers, initializer=_leave_interrupts_to_parent)
    try:
        return _gathered(_arrivals(pool.imap(_parse_chunk, chunks), cancel), len(todo), progress)
    finally:
        pool.terminate()  # at once if the parse failed or was stopped; else workers are idle
        pool.join()


def _arrivals(
    results: multiprocessing.pool.IMapIterator[list[Parsed]], cancel: threading.Event | None
) -> Iterator[list[Parsed]]:
    """The chunks of ``results`` in order, looking at ``cancel`` while waiting for each."""
    while True:
        if cancel is not None and cancel.is_set():
            raise Cancelled("the parse was stopped")
        try:
            yield results.next(CANCEL_POLL)
        except multiprocessing.TimeoutError:
            continue
        except StopIteration:
            return


def _gathered(
    chunks: Iterable[list[Parsed]], total: int, progress: Progress | None
) -> list[Parsed]:
    """The parses of ``chunks`` in order, each chunk told to ``progress`` as it arrives."""
    found: list[Parsed] = []
    for chunk in chunks:
        found += chunk
        if progress is not None:
            progress("parse", len(found), total)
    return found


def default_workers() -> int:
    """The processes a cold build may use: the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
