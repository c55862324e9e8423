"""Maps request paths to files of the built site, refusing anything outside it."""

from __future__ import annotations

import ipaddress
import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

# Explicit types for what a digest site holds, so feeds are served as XML and
# JSON Feed as JSON whatever the machine's mime.types says.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}

# Encoded separators and NUL are refused before decoding: a file name never needs them.
_FORBIDDEN_ENCODED = ("%2f", "%5c", "%00")


@dataclass(frozen=True, slots=True)
class Redirect:
    """The request should go to ``location`` instead."""

    location: str


def site_path(raw: str, base_path: str) -> str | Redirect | None:
    """The path below the site root that ``raw`` (a request target) asks for.

    ``base_path`` is the path part of ``base_url`` (``/`` or ``/blog/``).
    Returns a :class:`Redirect` for the bare prefix, and ``None`` (a 404) for
    anything outside the prefix or trying to leave it: ``..`` and ``.``
    segments (plain or percent-encoded), encoded slashes and backslashes,
    double slashes, NUL and undecodable bytes.
    """
    path = raw.split("#", 1)[0].split("?", 1)[0]
    if not path.startswith("/") or "//" in path:
        return None
    if any(bad in path.lower() for bad in _FORBIDDEN_ENCODED):
        return None
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return None
    if "\\" in decoded or "\x00" in decoded or "//" in decoded:
        return None
    if any(segment in (".", "..") for segment in decoded.split("/")):
        return None
    if base_path != "/" and decoded in ("/", base_path.rstrip("/")):
        return Redirect(base_path)
    if not decoded.startswith(base_path):
        return None
    return decoded[len(base_path) :]


def find_file(files: Mapping[str, bytes], rel: str) -> str | Redirect | None:
    """The file of the site that ``rel`` names, following the site's rules: a path
    ending in ``/`` means its ``index.html``; a folder named without the slash redirects
    to it (as static hosts do), and is never listed. Only the site's own files exist."""
    wanted = rel + "index.html" if rel == "" or rel.endswith("/") else rel
    if wanted in files:
        return wanted
    if f"{rel}/index.html" in files:
        return Redirect(rel + "/")
    return None


def content_type(path: str) -> str:
    """The ``Content-Type`` to send for a file of the site."""
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _encoding = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


def host_allowed(host: str | None, bound: str) -> bool:
    """Whether a request's ``Host`` header may be answered by a server bound to ``bound``.

    A server on a loopback address answers only to loopback names (``localhost``,
    ``127.0.0.1``, ``[::1]``, any port): a web page that points its own domain at
    127.0.0.1 (DNS rebinding) would otherwise read the preview, drafts included. A
    server the user bound to another address (``--host``) answers to any name. A
    request without ``Host`` (not a browser) is answered.
    """
    if not _is_loopback(bound) or not host:
        return True
    try:
        name = urlsplit(f"//{host}").hostname
    except ValueError:
        return False
    return name is not None and (
        name == "localhost" or name.endswith(".localhost") or _is_loopback(name)
    )


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False
