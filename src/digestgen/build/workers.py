"""Spreading work over processes: a pool of forked workers, used only when it pays off
and is safe (a forked child of a process with other threads can deadlock)."""

from __future__ import annotations

import contextlib
import gc
import marshal
import os
import select
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import IO, Any, TypeVar

T = TypeVar("T")


def default_workers() -> int:
    """The cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def use_processes(workers: int, tasks: int, minimum: int) -> bool:
    """Whether ``tasks`` are worth forking ``workers`` processes for."""
    return (
        workers > 1 and tasks >= minimum and hasattr(os, "fork") and threading.active_count() == 1
    )


def chunks(indexes: Sequence[int], workers: int, per_worker: int, cap: int) -> list[list[int]]:
    """``indexes`` cut into about ``per_worker`` pieces per worker, at most ``cap`` each,
    so that a slow piece at the end does not leave the other workers idle for long."""
    size = max(1, min(cap, len(indexes) // (workers * per_worker)))
    return [list(indexes[i : i + size]) for i in range(0, len(indexes), size)]


def fork_map(
    function: Callable[[list[int]], T], pieces: list[list[int]], workers: int
) -> Iterator[T]:
    """``function`` over ``pieces`` in forked workers, results as they come.

    Forked workers inherit the caller's data (set in a module global before the
    call), so only the indexes and the results cross between processes.
    """
    import multiprocessing  # only when there is work to spread

    with multiprocessing.get_context("fork").Pool(workers, initializer=_start_worker) as pool:
        yield from pool.imap_unordered(function, pieces)


def _start_worker() -> None:
    # The pool stops its workers with SIGTERM: a handler the parent set (``digestgen
    # serve`` turns SIGTERM into a clean stop) must not make them print a traceback.
    # Ctrl-C reaches the whole process group; the parent alone answers it.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # What the parent had is there to be read, not collected: freezing it keeps the
    # collector off those pages. A worker keeps the parent's collector setting: the
    # build pauses it while parsing, which makes no cycles.
    gc.freeze()


@contextlib.contextmanager
def aside(work: Callable[[], Any]) -> Iterator[Callable[[], Any]]:
    """``work()`` run by a forked child while the caller goes on, on the second core.
    Yields ``take``, which waits for the child and returns what ``work`` returned (it
    must be ``marshal``-able and not ``None``), or ``None`` when the child failed; the
    caller then does the work itself. Only where ``use_processes`` allows forking.

    The child writes its result into an unnamed temporary file and ends at once, rather
    than waiting on a pipe for the caller to read: a child that lives shares the
    parent's memory pages, and the parent copies each one it then writes to. A child
    never taken is waited for on the way out."""
    with tempfile.TemporaryFile() as result:
        pid = _forked(work, partial(_write, result))
        waited = False

        def take() -> Any:
            nonlocal waited
            _, status = os.waitpid(pid, 0)
            waited = True
            return _written(result) if status == 0 else None

        try:
            yield take
        finally:
            if not waited:  # the caller stopped before it needed the result
                os.waitpid(pid, 0)


def _forked(work: Callable[[], Any], send: Callable[[Any], None]) -> int:
    """Fork a child that hands what ``work()`` returns to ``send`` and ends at once (with
    status 1 if either fails); returns its pid."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            send(work())
            code = 0
        finally:
            os._exit(code)
    return pid


def _write(file: IO[bytes], value: Any) -> None:
    file.write(marshal.dumps(value))
    file.flush()


def _written(file: IO[bytes]) -> Any:
    """What ``_write`` wrote into ``file``, or ``None`` if it is not all there."""
    file.seek(0)
    try:
        return marshal.loads(file.read())
    except (EOFError, ValueError, TypeError):
        return None


# How long ``Relay.take`` waits at most for a value: a bound far above what its writers
# take, so that one that hangs cannot hang a build.
RELAY_WAIT = 60.0


class Relay:
    """A value handed back by a process forked further down (a child's child, which the
    caller cannot wait for): it comes through an unnamed temporary file, and a pipe tells
    the caller when it is there. ``take`` reads the pipe until every process but the
    caller has closed its end of it, so a writer that ended without sending gives
    ``None``. Made before the fork; closed by the caller (``with``)."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by ``close``)
        self._read, self._write = os.pipe()
        self._taken = False
        self._value: Any = None

    def __enter__(self) -> Relay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def forked(self) -> None:
        """In a process that forked (the caller, or a writer's parent): its end of the pipe
        closed, or ``take`` would wait for it forever."""
        if self._write >= 0:
            os.close(self._write)
            self._write = -1

    def send(self, value: Any) -> None:
        """In the writer: hand ``value`` (``marshal``-able) over."""
        _write(self._file, value)
        self.forked()

    def take(self, timeout: float = RELAY_WAIT) -> Any:
        """The value sent, once the writer is done; ``None`` when it sent nothing, or is
        not done within ``timeout`` seconds (the caller then does the work itself)."""
        if not self._taken:
            self._taken = True
            self.forked()
            end = time.monotonic() + timeout
            while True:
                ready, _, _ = select.select([self._read], [], [], max(0.0, end - time.monotonic()))
                if not ready:
                    return None  # no value: a writer that hangs does not hang the caller
                if not os.read(self._read, 1):
                    break
            self._value = _written(self._file)
        return self._value

    def close(self) -> None:
        self.forked()
        if self._read >= 0:
            os.close(self._read)
            self._read = -1
        self._file.close()


def hand_off(work: Callable[[], Any], relay: Relay) -> None:
    """``work()`` run by a forked child, which sends its result through ``relay`` and
    ends; this process goes on at once, and never waits for it (its parent may)."""
    _forked(work, relay.send)
    relay.forked()
