"""Handing values back from forked processes: a child's child through a relay."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable

import pytest

from digestgen.build.workers import Relay, _forked, hand_off

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def _in_child(work: Callable[[], object]) -> int:
    """Fork a child that runs ``work()`` and ends; returns its pid."""
    return _forked(work, lambda _: None)


def test_a_value_comes_back_from_a_childs_child() -> None:
    """The child forks the writer and ends at once; the caller, which cannot wait for
    its child's child, gets the value once the writer is done."""
    assert threading.active_count() == 1
    with Relay() as relay:

        def slow() -> list[object]:
            time.sleep(0.2)
            return ["made", b"\x00bytes", (1, 2)]

        child = _in_child(lambda: hand_off(slow, relay))
        relay.forked()
        os.waitpid(child, 0)  # the child is gone; its child is still at work
        assert relay.take() == ["made", b"\x00bytes", (1, 2)]
        assert relay.take() == ["made", b"\x00bytes", (1, 2)]  # taken once, kept


def test_a_writer_that_ends_without_sending_gives_none() -> None:
    with Relay() as relay:

        def fail() -> None:
            raise RuntimeError("the writer fails")

        child = _in_child(lambda: hand_off(fail, relay))
        relay.forked()
        os.waitpid(child, 0)
        assert relay.take() is None


def test_a_writer_that_hangs_does_not_hang_the_caller() -> None:
    with Relay() as relay:
        child = _in_child(lambda: time.sleep(60))  # holds the relay's writing end
        try:
            relay.forked()
            started = time.monotonic()
            assert relay.take(timeout=0.3) is None
            assert 0.3 <= time.monotonic() - started < 5
        finally:
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
