"""``digestgen serve`` stops on the first SIGTERM or Ctrl-C within a second, whatever its
build is doing (parsing in a pool of processes, rendering, idle, rebuilding after a save),
and leaves no process and nothing in the temp folder.

The server runs as a process of its own on a generated archive whose first build takes
a few seconds. Its processes are read from /proc; Ctrl-C is sent as a terminal sends it,
to the whole process group.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from archivegen import generate_archive

from digestgen.build.sources import Cancelled, parse_sources, scan
from digestgen.config import load_config

# The bound: from the signal to the last process gone.
STOP_SECONDS = 1.0
STARTUP_SECONDS = 60.0
DIGESTS = 120

# ``python -m digestgen`` with Ctrl-C's default handling, as a terminal starts it.
_AS_IN_A_TERMINAL = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'digestgen'; runpy.run_module('digestgen', run_name='__main__')"
)

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


def _parent_of(pid: int) -> tuple[int, str] | None:
    """The parent and state of a process (``None``: no such process)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[1]), fields[0]


def descendants(pid: int) -> set[int]:
    """The processes started by ``pid`` and by them, now."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            found = _parent_of(int(name))
            if found is not None:
                children.setdefault(found[0], []).append(int(name))
    result: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            result.add(child)
            todo.append(child)
    return result


def running(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (a zombie has ended)."""
    return {pid for pid in pids if (found := _parent_of(pid)) is not None and found[1] != "Z"}


def pool_workers(pid: int) -> set[int]:
    """The parse workers among the processes of ``pid``."""
    workers = set()
    for child in descendants(pid):
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.add(child)
        except OSError:
            pass
    return workers


@contextlib.contextmanager
def _ctrl_c_as_in_a_terminal() -> Iterator[None]:
    """Start children with Ctrl-C's default action, as a terminal's are. A child inherits an
    ignored SIGINT (pytest started with ``&`` in a script ignores it) until its first line
    sets the handler, and a Ctrl-C in that moment would be lost; a handled signal is reset
    to its default action by ``exec``, so pytest handles it while it starts one."""
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


class Server:
    """``digestgen serve`` on a copy of the archive, in a session of its own."""

    def __init__(self, root: Path, temp: Path) -> None:
        env = {**os.environ, "TMPDIR": str(temp), "XDG_CACHE_HOME": str(temp.parent / "cache")}
        command = ["serve", "--root", str(root), "--port", "0"]
        with _ctrl_c_as_in_a_terminal():
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _AS_IN_A_TERMINAL, *command],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.processes: set[int] = set()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.decode(errors="replace").rstrip("\n"))

    def output(self) -> list[str]:
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return self.seen

    def wait_until(self, ready: Callable[[], bool], what: str) -> None:
        """Poll ``ready``, noting every process the server has meanwhile."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while not ready():
            self.processes |= descendants(self.proc.pid)
            assert self.proc.poll() is None, f"the server ended before {what}: {self.output()}"
            assert time.monotonic() < deadline, f"no {what} in {STARTUP_SECONDS} s"
            time.sleep(0.005)
        self.processes |= descendants(self.proc.pid)

    def serving(self) -> bool:
        return any(line.startswith("serving ") for line in self.output())

    def stop(self, sig: int, group: bool) -> float:
        """Send ``sig`` (to the whole group, as Ctrl-C in a terminal) and return the
        seconds until the server and every process it had are gone."""
        self.processes |= descendants(self.proc.pid)
        start = time.monotonic()
        if group:
            os.killpg(self.proc.pid, sig)
        else:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=STARTUP_SECONDS)
        finally:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        while running(self.processes) and time.monotonic() - start < STARTUP_SECONDS:
            time.sleep(0.005)
        return time.monotonic() - start

    def kill(self) -> None:
        """Clean up after a failed test: every process of the group."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        for pid in running(self.processes):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_archive(tmp_path_factory.mktemp("archive") / "site", count=DIGESTS)


def _touch_all(root: Path) -> None:
    """A save of every digest: the server parses them all again."""
    for path in sorted((root / "digests").rglob("*.md")):
        path.write_text(path.read_text(encoding="utf-8") + "\nAdded.\n", encoding="utf-8")


def _after(first: Callable[[], bool], then: Callable[[], bool]) -> Callable[[], bool]:
    seen = [False]

    def ready() -> bool:
        seen[0] = seen[0] or first()
        return seen[0] and then()

    return ready


def _instant(server: Server, root: Path, name: str) -> None:
    """Wait for the instant ``name`` of the server's life."""
    pid = server.proc.pid

    def parsing() -> bool:
        return bool(pool_workers(pid))

    if name == "first build parsing":
        server.wait_until(parsing, "parse workers")
    elif name == "first build rendering":
        server.wait_until(_after(parsing, lambda: not pool_workers(pid)), "the parse's end")
    elif name.startswith(("serving", "rebuild")):
        server.wait_until(server.serving, "serving line")
        if name.startswith("rebuild"):
            _touch_all(root)
        if name == "rebuild parsing":
            server.wait_until(parsing, "parse workers of the rebuild")
        elif name == "rebuild rendering":
            server.wait_until(_after(parsing, lambda: not pool_workers(pid)), "the rebuild")
    elif name.startswith("build +"):  # a time after the first build opened the cache
        server.wait_until(lambda: (root / ".digestgen-cache").exists(), "the build cache")
        time.sleep(float(name.split()[2]))


INSTANTS = [
    "first build parsing",
    "first build rendering",
    "serving",
    "rebuild parsing",
    "rebuild rendering",
    "build + 0.3 s",
    "build + 1.2 s",
    "starting",
]


@pytest.mark.parametrize("how", ["SIGTERM", "Ctrl-C"])
@pytest.mark.parametrize("name", INSTANTS)
def test_serve_stops_within_a_second(name: str, how: str, archive: Path, tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(archive, root)  # no build cache: the first build parses every digest
    temp = tmp_path / "tmp"
    temp.mkdir()
    server = Server(root, temp)
    try:
        _instant(server, root, name)
        if how == "SIGTERM":
            seconds = server.stop(signal.SIGTERM, group=False)
        else:
            seconds = server.stop(signal.SIGINT, group=True)
        left = running(server.processes)
    finally:
        server.kill()
    lines = server.output()
    assert left == set(), f"still running: {left}"
    assert seconds < STOP_SECONDS, f"took {seconds:.2f} s to stop: {lines}"
    if name == "starting":
        # Before digestgen's code runs, Python's own way out (a KeyboardInterrupt in its
        # imports, click's "Aborted!", or the signal's default action).
        assert server.proc.returncode in (0, 1, -signal.SIGTERM, -signal.SIGINT), lines
    else:
        assert not any("Traceback" in line for line in lines), "\n".join(lines)
        assert server.proc.returncode == 0, lines
        assert lines[-1] == "stopping", lines
    assert sorted(os.listdir(temp)) == []


def test_a_cancelled_parse_ends_its_workers(archive: Path) -> None:
    """The server's cancel event, set, ends a parse in processes started by spawn at
    once, its workers with it; not set, the parse gives what one process gives."""
    config = load_config(archive)
    sources = scan(archive, config, {}, 0)
    spawn = multiprocessing.get_context("spawn")
    cancel = threading.Event()
    cancel.set()
    start = time.monotonic()
    with pytest.raises(Cancelled):
        parse_sources(config, sources, 2, spawn, cancel=cancel)
    assert time.monotonic() - start < STOP_SECONDS
    assert multiprocessing.active_children() == []
    together = parse_sources(config, sources, 2, spawn, cancel=threading.Event())
    alone = parse_sources(config, sources, 1)
    assert [(p, d.key if d else None) for p, d, _, _ in together] == [
        (p, d.key if d else None) for p, d, _, _ in alone
    ]
    assert multiprocessing.active_children() == []


def test_a_ctrl_c_while_the_commands_load_is_never_lost(archive: Path, tmp_path: Path) -> None:
    """Python drops an interrupt raised in its import machinery's callbacks; pressed at
    any moment of the start, Ctrl-C still ends the command (it used to serve on)."""
    root = tmp_path / "site"
    shutil.copytree(archive, root)
    temp = tmp_path / "tmp"
    temp.mkdir()
    ended: list[int | None] = []
    for step in range(48):
        server = Server(root, temp)
        try:
            time.sleep(step * 0.004)
            os.killpg(server.proc.pid, signal.SIGINT)
            try:
                ended.append(server.proc.wait(timeout=10))
            except subprocess.TimeoutExpired:
                ended.append(None)
        finally:
            server.kill()
    assert None not in ended, (
        f"Ctrl-C lost at {[i * 0.004 for i, e in enumerate(ended) if e is None]} s"
    )
    assert set(ended) <= {0, 1, -signal.SIGINT}, ended
