"""The preview server: serves the last good build from memory and updates it on saves."""

from __future__ import annotations

import errno
import queue
import secrets
import signal
import socket
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import quote

from digestgen.build.sources import block_signals
from digestgen.config import CONFIG_FILE
from digestgen.errors import ConfigError
from digestgen.serve.live import (
    EVENTS_PATH,
    SCRIPT,
    SCRIPT_PATH,
    LiveState,
    Snapshot,
    inject,
    placeholder,
)
from digestgen.serve.paths import Redirect, content_type, find_file, host_allowed, site_path
from digestgen.serve.session import Session
from digestgen.serve.watch import Change, Layout, Watcher

Log = Callable[[str], None]
PORT_TRIES = 50
KEEPALIVE_SECONDS = 15.0


class _HTTPServer(ThreadingHTTPServer):
    """One thread per request; knows the live state it serves."""

    daemon_threads = True
    live: LiveState

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        # A tab closed or reloaded mid-response is normal; anything else is our bug.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "digestgen"
    # Without keep-alive every response ends its connection: no idle threads linger.
    protocol_version = "HTTP/1.0"
    timeout = 30

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a preview server's access log is noise."""

    def _respond(self, send_body: bool) -> None:
        if not host_allowed(self.headers.get("Host"), str(self.server.server_address[0])):
            message = b"403: this preview answers only to localhost\n"
            self._send(403, "text/plain; charset=utf-8", message, send_body)
            return
        target = self.path.split("?", 1)[0]
        if target == EVENTS_PATH and send_body:
            self._events()
            return
        if target == SCRIPT_PATH:
            self._send(200, "text/javascript; charset=utf-8", SCRIPT, send_body)
            return
        snap = self.server.live.snapshot()
        if snap.files is None:
            self._send(503, "text/html; charset=utf-8", placeholder(snap), send_body)
            return
        rel = site_path(self.path, snap.base_path)
        if isinstance(rel, Redirect):
            self._redirect(rel.location)
            return
        found = find_file(snap.files, rel) if rel is not None else None
        if isinstance(found, Redirect):
            self._redirect(snap.base_path + found.location)
        elif found is None:
            self._not_found(snap, send_body)
        else:
            kind = content_type(found)
            body = snap.files[found]
            if kind.startswith("text/html"):
                body = inject(body, snap)
            self._send(200, kind, body, send_body)

    def _redirect(self, location: str) -> None:
        # 302, not 301: browsers cache a 301 for good, and a preview's pages come and go.
        self.send_response(302)
        self.send_header("Location", quote(location))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _not_found(self, snap: Snapshot, send_body: bool) -> None:
        assert snap.files is not None
        page = snap.files.get("404.html")
        if page is not None:
            self._send(404, "text/html; charset=utf-8", inject(page, snap), send_body)
        else:
            self._send(404, "text/plain; charset=utf-8", b"404 not found\n", send_body)

    def _send(self, status: int, kind: str, body: bytes, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _events(self) -> None:
        """Server-sent events: the state now, then on every change, until the server stops."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = -1
        try:
            self.wfile.write(b"retry: 500\n\n")
            while (news := self.server.live.wait(seen, KEEPALIVE_SECONDS)) is not None:
                version, snap = news
                self.wfile.write(snap.event() if version != seen else b": keep-alive\n\n")
                self.wfile.flush()
                seen = version
        except OSError:
            return  # the tab went away


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


def bind(host: str, port: int, log: Log) -> _HTTPServer:
    """A server on ``host:port``, or on the next free port if that one is taken."""
    last = port if port == 0 else port + PORT_TRIES - 1
    kind = _HTTPServer6 if ":" in host else _HTTPServer
    for candidate in range(port, last + 1):
        try:
            return kind((host, candidate), _Handler)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE or candidate == last:
                raise
            log(f"port {candidate} is in use; trying {candidate + 1}")
    raise AssertionError("unreachable")


class LiveServer:
    """Builds the site at ``root``, serves it, and rebuilds it on every change.

    ``start()`` and ``stop()`` (or ``with``) control it; ``url`` is the site's address.
    """

    def __init__(
        self,
        root: Path,
        host: str = "127.0.0.1",
        port: int = 8000,
        drafts: bool = True,
        log: Log | None = None,
        base_url: str | None = None,
        rebuild_in_caller: bool = False,
    ) -> None:
        self.root = root  # as given, so errors name paths as `digestgen build` does
        self.host, self.port, self.drafts = host, port, drafts
        self.log: Log = log or (lambda _msg: None)
        self.live = LiveState(secrets.token_hex(4))
        self.layout = Layout()
        self.session = Session(root, drafts, base_url)
        self._build_lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._watcher: Watcher | None = None
        # With ``rebuild_in_caller``, the watcher hands changes to ``rebuild_on_changes``.
        self._changes: queue.Queue[set[tuple[Change, str]]] | None = (
            queue.Queue() if rebuild_in_caller else None
        )

    @property
    def url(self) -> str:
        """The address of the site's home page (with the ``base_url`` path)."""
        assert self._httpd is not None, "not started"
        host, port = self._httpd.server_address[:2]
        shown = f"[{host!s}]" if ":" in str(host) else str(host)
        return f"http://{shown}:{port}{self.live.snapshot().base_path}"

    def rebuild(self) -> bool:
        """Bring the site in memory up to date; on success serve it, else keep the last
        good one and show the error."""
        with self._build_lock:
            outcome = self.session.build()
            if self.session.cancel.is_set():
                return False  # stopping: nothing to show
            if outcome.error:
                self.live.publish_error(outcome.error)
                self.log(f"{outcome.error}\nerror: build failed; still serving the last good build")
                return False
            if outcome.bug or outcome.config is None or outcome.files is None:
                # Our own bug: keep serving, show it, keep the traceback.
                self.live.publish_error(f"internal error: {outcome.bug}")
                self.log(outcome.traceback.rstrip())
                return False
            self.layout = Layout.of(outcome.config)
            self.live.publish_build(outcome.files, outcome.config.base_path)
            self.log(outcome.summary)
            return True

    def _changed(self, changes: set[tuple[Change, str]]) -> None:
        if self._changes is not None:
            self._changes.put(changes)
            return
        self._log_changes(changes)
        self.rebuild()

    def _log_changes(self, changes: set[tuple[Change, str]]) -> None:
        paths = ", ".join(sorted(rel for _kind, rel in changes))
        self.log(f"changed: {paths}" if paths else "source folders changed: rebuilding")

    def rebuild_on_changes(self) -> None:
        """Rebuild in this thread on every change, until interrupted (``digestgen serve``
        rebuilds in its main thread, where a signal stops a build at once)."""
        assert self._changes is not None, "made without rebuild_in_caller"
        while True:
            changes = self._changes.get()
            while not self._changes.empty():
                changes |= self._changes.get()
            self._log_changes(changes)
            self.rebuild()

    def start(self) -> None:
        """Build, bind (the next free port if needed), serve and watch, each in a thread."""
        if not (self.root / CONFIG_FILE).is_file():
            raise ConfigError(f"no {CONFIG_FILE} here; is this a digestgen site?", self.root)
        self._httpd = bind(self.host, self.port, self.log)
        self._httpd.live = self.live
        self.rebuild()
        self._thread = threading.Thread(
            target=self._serve_forever, args=(self._httpd,), name="digestgen-http", daemon=True
        )
        self._thread.start()
        self._watcher = Watcher(self.root, lambda: self.layout, self._changed)
        self._watcher.start()

    @staticmethod
    def _serve_forever(httpd: _HTTPServer) -> None:
        block_signals()  # its request threads too: they are started from this one
        httpd.serve_forever(0.1)

    def stop(self) -> None:
        """Stop watching and serving, end open event streams and a build's workers."""
        self.session.cancel.set()
        if self._watcher is not None:
            self._watcher.stop()
        self.live.close()
        if self._thread is not None:  # shutdown() would wait forever for a loop never run
            assert self._httpd is not None
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        if self._httpd is not None:
            self._httpd.server_close()

    def __enter__(self) -> LiveServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(
    root: Path, host: str, port: int, drafts: bool, log: Log, base_url: str | None = None
) -> None:
    """``digestgen serve``: serve until Ctrl-C (or SIGTERM), then stop cleanly."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        log(f"warning: serving on {host}, reachable from other machines")
    server = LiveServer(root, host, port, drafts, log, base_url, rebuild_in_caller=True)
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.start()
        log(f"serving {server.url} (drafts {'shown' if drafts else 'hidden'}); Ctrl-C stops")
        server.rebuild_on_changes()
    except KeyboardInterrupt:
        log("stopping")
    finally:
        # The first signal stops the server; more while it stops change nothing.
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        server.stop()
        for sig, handler in previous.items():
            if handler is not None:
                signal.signal(sig, handler)


__all__ = ["LiveServer", "bind", "run"]
