"""HTTP requests with one deadline for the whole exchange, for the link check and
``add --fetch-title``.

urllib's timeout bounds each read, so a server that drips a byte a second holds a
request for as long as it likes. Here a timer closes the socket when the deadline
passes, wherever the request is (connecting, reading headers or the body).
Redirects are followed only to http and https URLs, and a request may be kept to
global addresses: the address checked is the one connected to, so a name that
resolves to a public address when checked and a private one later cannot slip by.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urljoin, urlsplit

REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 10


class FetchError(ValueError):
    """A request that is refused or fails for a reason other than the network."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """What a URL answered after its redirects: status, final URL, headers and the
    start of the body."""

    status: int
    url: str
    headers: Message
    body: bytes


def _check_address(host: str, address: str) -> None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if not ip.is_global:
        raise FetchError(
            f"{host} is at {address}, a loopback, private or otherwise non-global address"
        )


class _Deadline:
    """Closes the socket it watches once the deadline passes, ending any wait on it."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.expired = False
        self.sock: socket.socket | None = None
        self.lock = threading.Lock()
        self.timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._expire)
        self.timer.daemon = True
        self.timer.start()

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0 or self.expired:
            raise TimeoutError("timed out")
        return left

    def watch(self, sock: socket.socket) -> None:
        with self.lock:
            self.sock = sock
        if self.expired:
            self._expire()

    def _expire(self) -> None:
        with self.lock:
            self.expired = True
            if self.sock is not None:
                with contextlib.suppress(OSError):  # already closed or never connected
                    self.sock.shutdown(socket.SHUT_RDWR)
                self.sock.close()

    def cancel(self) -> None:
        self.timer.cancel()


def _connect(scheme: str, host: str, port: int, limit: _Deadline, private: bool) -> socket.socket:
    """A socket connected to one of ``host``'s addresses, checked as connected."""
    last: OSError = OSError(f"no address for {host}")
    for family, kind, proto, _, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        if not private:
            _check_address(host, str(address[0]))
        sock = socket.socket(family, kind, proto)
        limit.watch(sock)
        try:
            sock.settimeout(limit.remaining())
            sock.connect(address)
            if not private:
                _check_address(host, str(sock.getpeername()[0]))
        except OSError as exc:
            sock.close()
            last = exc
            continue
        if scheme == "https":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
            limit.watch(sock)
        return sock
    raise last


def _exchange(
    url: str,
    method: str,
    headers: dict[str, str],
    limit: _Deadline,
    private: bool,
    body_limit: int,
    enough: Callable[[bytes], bool],
) -> Fetched:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    sock = _connect(parts.scheme, host, port, limit, private)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(host, port)
    connection.sock = sock  # connected and checked: http.client does not connect again
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target, headers=headers)
        response = connection.getresponse()
        data = b""
        while method != "HEAD" and len(data) < body_limit and not enough(data):
            chunk = response.read1(65536)
            if not chunk:
                break
            data += chunk
        return Fetched(response.status, url, response.msg, data)
    finally:
        connection.close()


def fetch(
    url: str,
    method: str,
    timeout: float,
    headers: dict[str, str],
    *,
    private: bool = True,
    body_limit: int = 1024,
    enough: Callable[[bytes], bool] = lambda data: False,
) -> Fetched:
    """Request ``url``, following redirects to http(s) URLs, within ``timeout`` seconds
    in all; ``private=False`` refuses non-global addresses. The body is read until
    ``body_limit`` bytes or until ``enough`` says so. Raises ``TimeoutError``,
    ``OSError``, ``http.client.HTTPException`` or ``FetchError``."""
    limit = _Deadline(time.monotonic() + timeout)
    try:
        for _ in range(MAX_REDIRECTS + 1):
            scheme = urlsplit(url).scheme.lower()
            if scheme not in ("http", "https"):
                raise FetchError(f"can fetch only http(s) URLs, not {url!r}")
            try:
                answer = _exchange(url, method, headers, limit, private, body_limit, enough)
            except (OSError, http.client.HTTPException):
                if limit.expired:
                    raise TimeoutError("timed out") from None
                raise
            if limit.expired:  # the socket was closed under a read, which saw its end
                raise TimeoutError("timed out")
            location = answer.headers.get("Location")
            if answer.status not in REDIRECTS or not location:
                return answer
            target = urljoin(url, location)
            if urlsplit(target).scheme.lower() not in ("http", "https"):
                raise FetchError(f"redirects to {target}, which is not an http(s) URL")
            url = target
        raise FetchError(f"redirect loop (more than {MAX_REDIRECTS} redirects)")
    finally:
        limit.cancel()
