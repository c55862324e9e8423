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
OVERLAY_TAG = "digestgen-overlay"

# The overlay is a shadow root's content: no style of the page reaches inside it, and
# the host's inline style (all: initial first) wins over the page's rules for the host.
_HOST_FIXED = (
    "all:initial;display:block;position:fixed;top:0;left:0;right:0;"
    "z-index:2147483647;max-height:50vh;overflow:auto;box-shadow:0 2px 12px rgba(0,0,0,.35)"
)
_HOST_INLINE = "all:initial;display:block;margin:1.5em 0"
_OVERLAY_CSS = (
    ".box{box-sizing:border-box;margin:0;padding:.8em 1.1em;"
    "font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:#7f1d1d;background:#fef2f2;border:2px solid #b91c1c;border-width:0 0 3px}"
    ".inline{border-width:2px;border-radius:6px}"
    ".head{display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:baseline;"
    "justify-content:space-between}"
    "strong{font-weight:700}"
    "pre{margin:.5em 0 0;padding:0;border:0;background:none;color:inherit;"
    "white-space:pre-wrap;overflow-wrap:anywhere;"
    "font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}"
    "button{font:inherit;font-size:14px;color:inherit;background:none;cursor:pointer;"
    "border:1px solid currentColor;border-radius:4px;padding:.1em .7em}"
    "@media (prefers-color-scheme:dark){.box{color:#fee2e2;background:#450a0a;"
    "border-color:#f87171}}"
)
_TITLE_KEPT = "digestgen: the build failed; showing the last good build"
_TITLE_NONE = "digestgen: the build failed; there is no good build yet"

# The browser side: one EventSource; a newer build reloads the page, an error shows
# the overlay (in place when the page has one, else fixed at the top, with a button to
# hide it), and a state without error clears it.
SCRIPT = (
    Template(
        """(function () {
  "use strict";
  var me = document.currentScript;
  var shown = me ? me.getAttribute("data-generation") : null;
  var ID = $id;
  function clear() {
    var box = document.getElementById(ID);
    if (!box) { return; }
    if (!box.hasAttribute("data-inline")) { box.remove(); return; }
    if (box.shadowRoot) { box.shadowRoot.replaceChildren(); }
  }
  function el(tag, text) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    return node;
  }
  function show(text, built) {
    var box = document.getElementById(ID);
    if (!box) {
      box = el($tag);
      box.id = ID;
      box.setAttribute("style", $fixed);
      document.body.append(box);
    }
    var inline = box.hasAttribute("data-inline");
    var panel = el("div");
    panel.className = inline ? "box inline" : "box";
    panel.setAttribute("role", "alert");
    var head = el("div");
    head.className = "head";
    head.append(el("strong", built ? $kept : $none));
    if (!inline) {
      var hide = el("button", "Hide");
      hide.type = "button";
      hide.addEventListener("click", function () { box.remove(); });
      head.append(hide);
    }
    panel.append(head, el("pre", text));
    var root = box.shadowRoot || box.attachShadow({ mode: "open" });
    root.replaceChildren(el("style", $css), panel);
  }
  var source = new EventSource($events);
  source.addEventListener("state", function (event) {
    var state = JSON.parse(event.data);
    document.documentElement.setAttribute("data-digestgen-live", "connected");
    if (state.error) { show(state.error, state.built); return; }
    if (state.generation !== shown) { source.close(); location.reload(); return; }
    clear();
  });
})();
"""
    )
    .substitute(
        {
            name: json.dumps(value)
            for name, value in {
                "id": OVERLAY_ID,
                "tag": OVERLAY_TAG,
                "fixed": _HOST_FIXED,
                "css": _OVERLAY_CSS,
                "kept": _TITLE_KEPT,
                "none": _TITLE_NONE,
                "events": EVENTS_PATH,
            }.items()
        }
    )
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
        """This state as one server-sent event (``built``: whether there is a good build)."""
        built = self.files is not None
        data = json.dumps({"generation": self.generation, "error": self.error, "built": built})
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


def overlay_html(error: str | None, built: bool, inline: bool = False) -> str:
    """The overlay as markup, its shadow root declared in place (``shadowrootmode``):
    fixed over the page, or ``inline`` in the flow of the page; empty without ``error``."""
    style = _HOST_INLINE if inline else _HOST_FIXED
    attrs = f'id="{OVERLAY_ID}"{" data-inline" if inline else ""} style="{style}"'
    if error is None:
        return f"<{OVERLAY_TAG} {attrs}></{OVERLAY_TAG}>"
    title = _TITLE_KEPT if built else _TITLE_NONE
    return (
        f"<{OVERLAY_TAG} {attrs}>"
        f'<template shadowrootmode="open"><style>{_OVERLAY_CSS}</style>'
        f'<div class="box{" inline" if inline else ""}" role="alert">'
        f'<div class="head"><strong>{title}</strong></div>'
        f"<pre>{html.escape(error)}</pre></div></template></{OVERLAY_TAG}>"
    )


_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


def _script(snapshot: Snapshot) -> str:
    return (
        f'<script src="{SCRIPT_PATH}" data-generation="{html.escape(snapshot.generation)}">'
        "</script>\n"
    )


def inject(page: bytes, snapshot: Snapshot) -> bytes:
    """The page with the reload script (and the overlay, if failing) before ``</body>``."""
    overlay = overlay_html(snapshot.error, snapshot.files is not None) if snapshot.error else ""
    snippet = (overlay + _script(snapshot)).encode("utf-8")
    ends = list(_BODY_END.finditer(page))
    if not ends:
        return page + snippet
    at = ends[-1].start()
    return page[:at] + snippet + page[at:]


_PLACEHOLDER = Template(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>digestgen: no good build yet</title>
<style>body{margin:0 auto;padding:1.5rem 1rem;max-width:46rem;font:17px/1.5 system-ui}</style>
</head>
<body>
<main>
<h1>No good build yet</h1>
<p>$message</p>
$overlay
</main>
$script</body>
</html>
"""
)


def placeholder(snapshot: Snapshot) -> bytes:
    """The page for every path while no build has succeeded yet: the error, if any, in
    the page's flow under its heading, never over it."""
    message = (
        "The build failed. Fix the error below and save: this page reloads when a build works."
        if snapshot.error
        else "The first build is running: this page reloads when it is done."
    )
    page = _PLACEHOLDER.substitute(
        message=message,
        overlay=overlay_html(snapshot.error, built=False, inline=True),
        script=_script(snapshot),
    )
    return page.encode("utf-8")
