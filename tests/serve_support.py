"""Helpers for the serve tests: a copy of the example blog, HTTP fetches, polling."""

from __future__ import annotations

import http.client
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
# The issue asks that an edit shows within 2 s; polls wait that long before failing.
EDIT_DEADLINE = 2.0

T = TypeVar("T")


def copy_example_blog(dest: Path) -> Path:
    """The repo's example blog (config and digests) copied into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "digestgen.yaml", dest / "digestgen.yaml")
    shutil.copytree(REPO / "digests", dest / "digests")
    return dest


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(url: str, path: str | None = None, method: str = "GET") -> Response:
    """One request, sent with ``path`` exactly as given (no normalisation, no redirects)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        conn.request(method, path if path is not None else parts.path)
        resp = conn.getresponse()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        return Response(resp.status, headers, resp.read())
    finally:
        conn.close()


def wait_for(check: Callable[[], T | None], what: str, timeout: float = EDIT_DEADLINE) -> T:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)


def edit(path: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in a file, as an editor's save would."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


class EventStream:
    """A reader of the server's event stream (server-sent events)."""

    def __init__(self, origin: str) -> None:
        parts = urlsplit(origin)
        self.conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
        self.conn.request("GET", "/__digestgen__/events")
        self.resp = self.conn.getresponse()

    def next_event(self) -> dict[str, str]:
        """The next ``event:``/``data:`` pair, skipping comments and ``retry:``."""
        fields: dict[str, str] = {}
        while True:
            line = self.resp.fp.readline().decode("utf-8")
            if not line:
                raise EOFError("event stream closed")
            line = line.rstrip("\n")
            if line == "":
                if "data" in fields:
                    return fields
                continue
            if line.startswith(":"):
                continue
            key, _, value = line.partition(":")
            fields[key] = value.strip()

    def close(self) -> None:
        self.conn.close()


def text_with(url: str, needle: str) -> str | None:
    """The page at ``url`` if it contains ``needle``, else None (for ``wait_for``)."""
    text = fetch(url).text
    return text if needle in text else None
