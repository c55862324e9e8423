"""Entry point for ``python -m digestgen`` and the ``digestgen`` command."""

from __future__ import annotations

import signal
import sys
from types import FrameType


def run() -> None:
    """Load the commands, then run the one asked for.

    A Ctrl-C pressed while the commands' modules load is kept until they have loaded:
    Python drops an interrupt raised inside its import machinery's own callbacks
    ("Exception ignored in ... _get_module_lock"), and the command would then start as if
    no key had been pressed. Python's own handling is back in place before a command runs.
    """
    pressed: list[int] = []

    def remember(signum: int, _frame: FrameType | None) -> None:
        pressed.append(signum)

    ours = signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if ours:
        signal.signal(signal.SIGINT, remember)
    try:
        from digestgen.cli import run as run_command
    finally:
        if ours:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    if pressed:
        print("Aborted!", file=sys.stderr)
        raise SystemExit(1)
    run_command()


if __name__ == "__main__":
    run()
