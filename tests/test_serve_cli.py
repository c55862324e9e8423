"""`digestgen serve` as a user runs it: a subprocess, stopped with Ctrl-C."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from serve_support import copy_example_blog, edit, fetch, text_with, wait_for

STARTUP_SECONDS = 30
END = "\x00end of output"


# ``python -m digestgen`` as started from a terminal: with Ctrl-C's default handling even
# when pytest itself was started with SIGINT ignored (``pytest &`` in a shell script),
# which the server would inherit.
_AS_IN_A_TERMINAL = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'digestgen'; runpy.run_module('digestgen', run_name='__main__')"
)


def _start(args: list[str]) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _AS_IN_A_TERMINAL, "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(END)

    threading.Thread(target=pump, daemon=True).start()
    return proc, lines


def _read_until(lines: queue.Queue[str], pattern: str, seen: list[str]) -> re.Match[str]:
    while True:
        try:
            line = lines.get(timeout=STARTUP_SECONDS)
        except queue.Empty:
            raise AssertionError(f"no {pattern!r} in {seen}") from None
        seen.append(line)
        found = re.search(pattern, line)
        if found:
            return found


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_cli_serves_rebuilds_and_stops_cleanly(tmp_path: Path, stop_signal: int) -> None:
    site = copy_example_blog(tmp_path / "blog")
    proc, lines = _start(["--root", str(site), "--port", "0"])
    seen: list[str] = []
    try:
        url = _read_until(lines, r"serving (http://127\.0\.0\.1:\d+/digest/)", seen).group(1)
        assert "<h1>DS/ML Digest</h1>" in fetch(url).text
        edit(site / "digests/ds-ml-digest-22.md", "Reformer: The Efficient", "Reformer via CLI:")
        wait_for(lambda: text_with(url + "digests/ds-ml-digest-22/", "Reformer via CLI:"), "edit")
        proc.send_signal(stop_signal)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    _read_until(lines, r"^stopping$", seen)
    assert not any("Traceback" in line or "Aborted" in line for line in seen), seen


def test_cli_refuses_a_folder_without_a_site(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "digestgen", "serve", "--root", str(tmp_path), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=STARTUP_SECONDS,
    )
    assert result.returncode == 1
    assert f"error: no digestgen.yaml in {tmp_path}; start a site there" in result.stderr


def test_cli_serves_for_another_address_without_drafts_quietly(tmp_path: Path) -> None:
    site = copy_example_blog(tmp_path / "blog")
    draft = (site / "digests/ds-ml-digest-22.md").read_text()
    draft = draft.replace("number: 22", "number: 23\ndraft: true").replace("digest 22", "digest 23")
    (site / "digests/ds-ml-digest-23.md").write_text(draft)
    args = ["--root", str(site), "--port", "0", "--base-url", "http://preview.test/pr-7"]
    proc, lines = _start([*args, "--no-drafts", "--quiet"])
    seen: list[str] = []
    try:
        found = _read_until(
            lines, r"^serving (http://127\.0\.0\.1:\d+/pr-7/) \(drafts hidden\)", seen
        )
        url = found.group(1)
        page = fetch(url + "digests/ds-ml-digest-22/").text
        assert (
            '<link rel="canonical" href="http://preview.test/pr-7/digests/ds-ml-digest-22/">'
            in page
        )
        assert fetch(url + "digests/ds-ml-digest-23/").status == 404
        edit(site / "digests/ds-ml-digest-22.md", "Reformer: The Efficient", "Reformer, quietly:")
        wait_for(lambda: text_with(url + "digests/ds-ml-digest-22/", "Reformer, quietly:"), "edit")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    _read_until(lines, f"^{END}$", seen)
    assert seen[1:] == [END], seen  # nothing but the address: no builds, changes or stopping
