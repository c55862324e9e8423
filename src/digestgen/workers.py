"""Spreading work over processes: a pool of forked workers, used only when it pays off
and is safe (a forked child of a process with other threads can deadlock)."""

from __future__ import annotations

import gc
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

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
