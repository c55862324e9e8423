"""``digestgen build`` run on a real terminal (a pseudo-terminal) and on a pipe: progress
bars and colour on the terminal only, and never with ``--quiet`` or ``NO_COLOR``."""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from archivegen import generate_archive

from digestgen.cli.terminal import PROGRESS_AFTER

DEADLINE = 300.0
BAR = "making pages  ["


def on_a_terminal(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run ``digestgen ARGS`` with a terminal as its standard streams; its exit status and
    everything it wrote there."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "digestgen", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**os.environ, **(env or {})},
    )
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + DEADLINE
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 1.0)
            if not ready:
                continue
            try:
                data = os.read(leader, 65536)
            except OSError:  # the process ended and closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        return proc.wait(timeout=10), b"".join(chunks).decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(leader)


def on_a_pipe(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digestgen", *args],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )


def took(output: str) -> float:
    """The seconds a build took, from its summary or the total of ``--timings``; the
    tests that see no progress bar mean something only when it took over a second."""
    line = next(line for line in output.splitlines() if line.startswith(("built ", "total ")))
    return float(line.split()[-2])


def cold(root: Path) -> None:
    """Forget the last build, so that the next one parses and renders everything."""
    for name in (".digestgen-cache", "site", ".site.digestgen-standby"):
        shutil.rmtree(root / name, ignore_errors=True)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site whose cold build takes well over a second, with a warning in one digest."""
    root = generate_archive(tmp_path_factory.mktemp("archive") / "site", count=80)
    with min((root / "digests").rglob("*.md")).open("a", encoding="utf-8") as digest:
        digest.write("\n## Nothing here yet\n")
    return root


def test_a_long_build_on_a_terminal_shows_progress_and_colour(archive: Path) -> None:
    cold(archive)
    status, screen = on_a_terminal(["build", "--root", str(archive)])
    assert status == 0, screen
    assert "parsing digests  [" in screen or BAR in screen, screen[-2000:]
    assert f"{BAR}####################################]  100%" in screen
    assert "\x1b[33m" in screen  # the warning, in yellow
    assert "built 80 digests" in screen.splitlines()[-1]
    status, screen = on_a_terminal(["build", "--root", str(archive)])  # nothing to do
    assert status == 0 and BAR not in screen and "\r" not in screen.replace("\r\n", "")


def test_quiet_and_no_color_on_a_terminal(archive: Path) -> None:
    cold(archive)
    status, screen = on_a_terminal(["build", "--root", str(archive), "--quiet", "--timings"])
    assert status == 0 and screen.startswith("scan "), screen
    assert took(screen) > PROGRESS_AFTER
    status, screen = on_a_terminal(["build", "--root", str(archive)])
    assert "\x1b[33m1 warning in 1 unchanged digest" in screen
    status, screen = on_a_terminal(["build", "--root", str(archive)], {"NO_COLOR": "1"})
    assert status == 0 and screen.startswith("1 warning in 1 unchanged digest")
    assert "\x1b" not in screen


def test_no_progress_on_a_pipe(archive: Path) -> None:
    cold(archive)
    done = on_a_pipe(["build", "--root", str(archive)])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("built 80 digests")
    assert took(done.stdout) > PROGRESS_AFTER
    assert "\x1b" not in done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and ": warning: section" in done.stderr
