"""The live-reload state shared by builder and requests, and what is injected into pages."""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from string import Template

EVENTS_PATH = "/__digestgen__/events"
SCRIPT_PATH = "/__digestgen__/live.js"
OVERLAY_ID = "__digestgen_overlay"

_OVERLAY_STYLE = (
    "position:fixed;inset:0 0 auto 0;z-index:2147483647;max-height:60vh;overflow:auto;"
    "margin:0;padding:1em 1.25em;background:#7f1d1d;color:#fff;"
    "font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
    "box-shadow:0 2px 12px rgba(0,0,0,.4)"
)
_OVERLAY_TITLE = "digestgen: build failed; showing the last good build"

# The browser side: one EventSource; a newer build reloads the page, an error
# shows the overlay, and a state without error clears it.
SCRIPT = (
    Template(
        """(function () {
  "use strict";
  var me = document.currentScript;
  var shown = me ? me.getAttribute("data-generation") : null;
  var ID = "$id";
  function clear() {
    var box = document.getElementById(ID);
    if (box) { box.remove(); }
  }
  function show(text) {
    clear();
    var box = document.createElement("div");
    box.id = ID;
    box.setAttribute("role", "alert");
    box.setAttribute("style", "$style");
    var title = document.createElement("strong");
    title.textContent = "$title";
    var pre = document.createElement("pre");
    pre.style.whiteSpace = "pre-wrap";
    pre.style.margin = ".5em 0 0";
    pre.textContent = text;
    box.append(title, pre);
    document.body.append(box);
  }
  var source = new EventSource("$events");
  source.addEventListener("state", function (event) {
    var state = JSON.parse(event.data);
    document.documentElement.setAttribute("data-digestgen-live", "connected");
    if (state.error) { show(state.error); return; }
    if (state.generation !== shown) { source.close(); location.reload(); return; }
    clear();
  });
})();
"""
    )
    .substitute(id=OVERLAY_ID, style=_OVERLAY_STYLE, title=_OVERLAY_TITLE, events=EVENTS_PATH)
    .encode("utf-8")
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the server shows now: the last good build and the pending error, if any."""

    generation: str
    files: Mapping[str, bytes] | None
    base_path: str
    error: str | None

    def event(self) -> bytes:
        """This state as one server-sent event."""
        data = json.dumps({"generation": self.generation, "error": self.error})
        return f"event: state\ndata: {data}\n\n".encode()


class LiveState:
    """Thread-safe current :class:`Snapshot`; waiters wake on every change."""

    def __init__(self, token: str) -> None:
        self._token = token
        self._builds = 0
        self._version = 0
        self._closed = False
        self._snapshot = Snapshot(f"{token}-0", None, "/", None)
        self._changed = threading.Condition()

    def snapshot(self) -> Snapshot:
        with self._changed:
            return self._snapshot

    def publish_build(self, files: Mapping[str, bytes], base_path: str) -> Snapshot:
        """A good build made ``files``; they replace the last ones and clear the error."""
        with self._changed:
            self._builds += 1
            self._snapshot = Snapshot(f"{self._token}-{self._builds}", files, base_path, None)
            return self._bump()

    def publish_error(self, error: str) -> Snapshot:
        """A build failed: keep serving the last good one, and show ``error``."""
        with self._changed:
            self._snapshot = replace(self._snapshot, error=error)
            return self._bump()

    def _bump(self) -> Snapshot:
        self._version += 1
        self._changed.notify_all()
        return self._snapshot

    def wait(self, seen: int, timeout: float) -> tuple[int, Snapshot] | None:
        """The version and state once it differs from ``seen`` (or on timeout); None once closed."""
        with self._changed:
            self._changed.wait_for(lambda: self._closed or self._version != seen, timeout)
            if self._closed:
                return None
            return self._version, self._snapshot

    def close(self) -> None:
        """Wake every waiter for good (the server is stopping)."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()


def overlay_html(error: str) -> str:
    """The error overlay as markup, for pages served while a build is failing."""
    return (
        f'<div id="{OVERLAY_ID}" role="alert" style="{_OVERLAY_STYLE}">'
        f"<strong>{_OVERLAY_TITLE}</strong>"
        f'<pre style="white-space:pre-wrap;margin:.5em 0 0">{html.escape(error)}</pre></div>'
    )


_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


def inject(page: bytes, snapshot: Snapshot) -> bytes:
    """The page with the reload script (and the overlay, if failing) before ``</body>``."""
    snippet = (
        (overlay_html(snapshot.error) if snapshot.error else "")
        + f'<script src="{SCRIPT_PATH}" data-generation="{html.escape(snapshot.generation)}">'
        + "</script>\n"
    ).encode("utf-8")
    ends = list(_BODY_END.finditer(page))
    if not ends:
        return page + snippet
    at = ends[-1].start()
    return page[:at] + snippet + page[at:]


def placeholder(snapshot: Snapshot) -> bytes:
    """The page for every path while no build has succeeded yet."""
    page = (
        b'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        b"<title>digestgen: no good build yet</title>\n</head>\n<body>\n"
        b"<h1>No good build yet</h1>\n<p>Fix the error and save; this page reloads.</p>\n"
        b"</body>\n</html>\n"
    )
    return inject(page, snapshot)
