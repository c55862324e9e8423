"""Checks a site's external links over HTTP, concurrently, with a result cache on disk."""

from __future__ import annotations

import json
import os
import random
import socket
import tempfile
import threading
import time
import urllib.error
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from http.client import HTTPException
from pathlib import Path
from urllib.parse import urlsplit

from digestgen import __version__
from digestgen.commands import http
from digestgen.commands.check import ERROR, WARNING, Finding, newer_than
from digestgen.model import Digest, Item, Section, Site

CACHE_FILE = Path(".digestgen-cache") / "links.json"
USER_AGENT = f"Mozilla/5.0 (compatible; digestgen/{__version__}; link check of a curated digest)"
# Servers that refuse HEAD often answer one of these; GET tells the truth.
_HEAD_REFUSED = {400, 403, 404, 405, 406, 429, 500, 501, 503}
_RETRY_STATUS = {429, 500, 502, 503, 504}
# Answers that often mean "no robots" rather than "gone": warnings, not errors.
_REFUSED = {401, 403, 429}


@dataclass(frozen=True, slots=True)
class LinkOptions:
    """How hard to try: time per request, retries, and how many requests at once."""

    timeout: float = 10.0
    retries: int = 2
    per_host: int = 2
    workers: int = 16
    cache_seconds: float = 24 * 3600.0
    backoff: float = 0.5
    user_agent: str = USER_AGENT


@dataclass(frozen=True, slots=True)
class LinkResult:
    """What one URL answered: its final status and URL, or the error that stopped it."""

    url: str
    status: int | None
    final_url: str | None
    error: str | None
    checked_at: float

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and self.status < 400

    @property
    def redirected(self) -> bool:
        return self.ok and self.final_url is not None and self.final_url != self.url


def _request(url: str, method: str, options: LinkOptions) -> tuple[int, str]:
    """One request within ``options.timeout`` seconds in all, redirects included."""
    headers = {"User-Agent": options.user_agent, "Accept": "*/*"}
    answer = http.fetch(url, method, options.timeout, headers)  # GET: the body's first KB
    return answer.status, answer.url


def _describe(exc: BaseException) -> str:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError | socket.timeout):
        return "timed out"
    return str(reason) or type(reason).__name__


def fetch(url: str, options: LinkOptions) -> LinkResult:
    """HEAD the URL (GET when HEAD is refused), retrying timeouts and server errors."""
    error: str | None = None
    status: int | None = None
    final: str | None = None
    for attempt in range(options.retries + 1):
        if attempt:
            time.sleep(options.backoff * 2 ** (attempt - 1) * (1 + random.random()))
        try:
            status, final = _request(url, "HEAD", options)
            if status in _HEAD_REFUSED:
                status, final = _request(url, "GET", options)
            error = None
        except (OSError, HTTPException, ValueError) as exc:
            status, final, error = None, None, _describe(exc)
        if error is None and status not in _RETRY_STATUS:
            break
    return LinkResult(url, status, final, error, time.time())


class _HostLimits:
    """One semaphore per host, so that no server gets more than ``per_host`` requests."""

    def __init__(self, per_host: int) -> None:
        self.per_host = per_host
        self.lock = threading.Lock()
        self.hosts: dict[str, threading.Semaphore] = {}

    def of(self, url: str) -> threading.Semaphore:
        host = (urlsplit(url).hostname or "").lower()
        with self.lock:
            return self.hosts.setdefault(host, threading.Semaphore(self.per_host))


def load_cache(path: Path) -> dict[str, LinkResult]:
    """Earlier results; an unreadable cache is just empty."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {url: LinkResult(**fields) for url, fields in raw["results"].items()}
    except (OSError, ValueError, TypeError, KeyError):
        return {}


def save_cache(path: Path, results: dict[str, LinkResult]) -> None:
    """Write the cache atomically, so that an interrupted run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"version": 1, "results": {u: asdict(r) for u, r in sorted(results.items())}}
    handle, temp = tempfile.mkstemp(prefix=".links-", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=1)
    os.replace(temp, path)


def _interleaved(urls: Iterable[str]) -> list[str]:
    """One URL of each host in turn, so that waiting on a busy host never idles the pool."""
    by_host: dict[str, list[str]] = {}
    for url in urls:
        by_host.setdefault((urlsplit(url).hostname or "").lower(), []).append(url)
    queues = list(by_host.values())
    return [q[i] for i in range(max(map(len, queues), default=0)) for q in queues if i < len(q)]


def check_urls(
    urls: Iterable[str], options: LinkOptions, cache: Path | None = None
) -> dict[str, LinkResult]:
    """Results for every URL: fresh ones from the cache, the rest fetched concurrently."""
    cached = load_cache(cache) if cache is not None else {}
    now = time.time()
    wanted = sorted(set(urls))
    results = {
        url: cached[url]
        for url in wanted
        if url in cached and now - cached[url].checked_at < options.cache_seconds
    }
    limits = _HostLimits(options.per_host)

    def one(url: str) -> LinkResult:
        with limits.of(url):
            return fetch(url, options)

    todo = _interleaved(url for url in wanted if url not in results)
    with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
        for result in pool.map(one, todo):
            results[result.url] = result
    if cache is not None:
        save_cache(cache, {**cached, **results})
    return results


def _message(result: LinkResult) -> tuple[str, str, str] | None:
    if result.error is not None:
        return ERROR, "link-broken", f"link check: {result.url}: {result.error}"
    if result.status in _REFUSED:
        message = f"link check: {result.url} answers HTTP {result.status} (it may refuse robots)"
        return WARNING, "link-refused", message
    if result.status is not None and result.status >= 400:
        return ERROR, "link-broken", f"link check: {result.url} answers HTTP {result.status}"
    if result.redirected:
        return WARNING, "link-redirect", f"link check: {result.url} redirects to {result.final_url}"
    return None


class _Hrefs(HTMLParser):
    """The ``href`` and ``src`` values of an HTML fragment, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for n, v in attrs if n in ("href", "src") and v]


def _hrefs(*fragments: str) -> list[str]:
    parser = _Hrefs()
    for fragment in fragments:
        parser.feed(fragment)
    parser.close()
    return parser.urls


def _section_links(section: Section) -> Iterator[tuple[str, str, int]]:
    """The links of a section's own content (its subsections are walked by the caller)."""
    for part in section.content:
        if isinstance(part, Item):
            urls = [part.url] if part.url else []
            for url in urls + _hrefs(part.title_html, part.commentary_html, part.notes_html):
                yield url, part.path, part.line
        else:
            for url in _hrefs(part.html):
                yield url, "", part.line


def external_links(digest: Digest) -> list[tuple[str, str, int]]:
    """Every external link of a digest once per place: ``(url, path, line)``.

    The item's own link, links in its commentary and notes, and links in the intro and
    other blocks, each at the line of its item or block.
    """
    found: list[tuple[str, str, int]] = []
    for block in digest.intro:
        found += [(url, digest.path, block.line) for url in _hrefs(block.html)]
    for section in digest.all_sections():
        found += [(url, path or digest.path, line) for url, path, line in _section_links(section)]
    return [
        place for place in dict.fromkeys(found) if urlsplit(place[0]).scheme in ("http", "https")
    ]


def link_findings(
    site: Site, root: Path, options: LinkOptions, since: int | None = None
) -> list[Finding]:
    """Check every external link of the site (of digests newer than ``since``) over HTTP."""
    newer = newer_than(site, since)
    places = [place for digest in site.digests if newer(digest) for place in external_links(digest)]
    results = check_urls((url for url, _, _ in places), options, root / CACHE_FILE)
    found: list[Finding] = []
    for url, path, line in places:
        message = _message(results[url])
        if message is not None:
            found.append(Finding(message[0], message[1], message[2], path, line))
    return found
