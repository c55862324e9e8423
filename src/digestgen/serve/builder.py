"""The builds of ``digestgen serve``, in a process of their own.

The server runs threads (HTTP requests, file watching), and a process that runs
threads must not fork: a child could inherit a lock another thread held and wait
on it forever. Builds in the server's own process therefore stayed on one core,
keying and rendering every output in turn. The build process is a new Python
(``serve_builds``, so nothing of the server's own main module runs again in
it) that runs no thread of its own: its builds fork workers
as ``digestgen build`` does. It lives as long as the server and keeps the digests
of its last build in memory for the next one (``parsecache._RECENT``). Requests
and outcomes are pickles over a socket pair, in a session of its own (Ctrl-C in
the terminal reaches the server, which stops it).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from digestgen.build import build
from digestgen.config import SiteConfig
from digestgen.errors import DigestError


@dataclass(frozen=True)
class Outcome:
    """What the server needs of one build: its summary line and config when it
    succeeded, the user's mistakes as ``digestgen build`` prints them (``error``), or,
    for our own bug, a one-line ``bug`` and its ``traceback``."""

    summary: str = ""
    config: SiteConfig | None = None
    error: str = ""
    bug: str = ""
    traceback: str = ""


def build_outcome(root: Path, output: Path, drafts: bool) -> Outcome:
    """Build ``root`` into ``output``; every way it can end, as an ``Outcome``."""
    try:
        result = build(root, output=output, drafts=drafts)
        return Outcome(result.summary(), result.config)
    except DigestError as exc:
        return Outcome(error=str(exc))
    except Exception as exc:
        return Outcome(bug=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())


# The build process's program: ``serve_builds`` on the socket it was handed, with the
# folder this digestgen was imported from last on its path (found there when the
# server's own path had it added by hand, as a script running from a checkout does).
_BUILD_PROCESS = (
    "import sys; sys.path.append(sys.argv[2]); "
    "from digestgen.serve.builder import serve_builds; serve_builds(sys.argv[1])"
)
# The folder that holds the ``digestgen`` package.
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])


def serve_builds(fd: str) -> None:
    """The build process: build what each request on the socket ``fd`` asks, until
    ``None`` or the server's end of the socket closes."""
    conn = Connection(int(fd))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        root, output, drafts = request
        outcome = build_outcome(Path(root), Path(output), drafts)
        try:
            conn.send(outcome)
        except OSError:  # the server is gone
            return


class BuildProcess:
    """Runs builds in the build process, started on the first build and started
    again if it died. With ``separate`` false (where a socket cannot be handed to a
    child process, on Windows), builds run in the calling process, as they did before
    the build process."""

    def __init__(self, separate: bool = os.name == "posix") -> None:
        self.separate = separate
        self._process: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None

    @property
    def pid(self) -> int | None:
        """The build process's id while it runs."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def build(self, root: Path, output: Path, drafts: bool) -> Outcome:
        """One build (one at a time: the server holds its build lock)."""
        if not self.separate:
            return build_outcome(root, output, drafts)
        conn = self._start()
        try:
            conn.send((str(root), str(output), drafts))
            outcome: Outcome = conn.recv()
        except (EOFError, OSError) as exc:
            code = self._process.poll() if self._process is not None else None
            self.close()
            return Outcome(
                bug=f"the build process ended (exit code {code}): {type(exc).__name__}",
                traceback=traceback.format_exc(),
            )
        return outcome

    def _start(self) -> Connection:
        if self._conn is not None and self._process is not None and self._process.poll() is None:
            return self._conn
        self.close()
        mine, theirs = socket.socketpair()
        with theirs:
            self._process = subprocess.Popen(
                [sys.executable, "-c", _BUILD_PROCESS, str(theirs.fileno()), _PACKAGE_PARENT],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._conn = Connection(mine.detach())
        return self._conn

    def close(self, timeout: float = 10.0) -> None:
        """Stop the build process (after the build it is running, if any)."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.send(None)
            conn.close()
        if process is not None:
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
