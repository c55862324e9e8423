"""The link checker against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sitefactory import make_site, run

from digestgen.commands.linkcheck import CACHE_FILE, LinkOptions, check_urls

SLOW_SECONDS = 2.0


@dataclass
class Server:
    base: str
    hits: Counter[str] = field(default_factory=Counter)
    methods: list[tuple[str, str]] = field(default_factory=list)
    agents: set[str] = field(default_factory=set)
    active: int = 0
    most_active: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(state: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _answer(self) -> None:
            with state.lock:
                state.hits[self.path] += 1
                state.methods.append((self.command, self.path))
                state.agents.add(self.headers.get("User-Agent", ""))
            self._route()

        def _route(self) -> None:
            path = urlsplit(self.path).path
            if path == "/slow":
                time.sleep(SLOW_SECONDS)
            if path.startswith("/busy/"):
                # Counted while the request waits for its answer, and no longer once the
                # answer is being sent: a client that has it may start its next request
                # before this thread would get to count the end.
                with state.lock:
                    state.active += 1
                    state.most_active = max(state.most_active, state.active)
                time.sleep(0.2)  # long enough for requests to overlap
                with state.lock:
                    state.active -= 1
            if path == "/moved":
                self.send_response(301)
                self.send_header("Location", "/ok")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if path == "/loop":
                self.send_response(302)
                self.send_header("Location", "/loop")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if path == "/no-head" and self.command == "HEAD":
                status = 405
            else:
                status = {"/missing": 404, "/broken": 500, "/robots-go-away": 403}.get(path, 200)
            body = b"hello\n"
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command == "GET":
                self.wfile.write(body)

        do_GET = _answer
        do_HEAD = _answer

    return Handler


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server(base="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


FAST = LinkOptions(timeout=0.5, retries=1, backoff=0.01, per_host=4, workers=8)


def test_statuses_redirects_and_timeouts(server: Server, tmp_path: Path) -> None:
    urls = [f"{server.base}{p}" for p in ("/ok", "/moved", "/missing", "/broken", "/slow")]
    results = check_urls(urls, FAST, tmp_path / "cache.json")
    ok, moved, missing, broken, slow = (results[u] for u in urls)
    assert ok.ok and ok.status == 200 and not ok.redirected
    assert moved.ok and moved.redirected and moved.final_url == f"{server.base}/ok"
    assert missing.status == 404 and not missing.ok
    assert broken.status == 500 and not broken.ok
    assert slow.error == "timed out" and not slow.ok
    assert server.hits["/broken"] >= 2  # a server error is retried
    assert server.hits["/missing"] == 2  # HEAD, then GET to be sure; a 404 is not retried
    assert all("digestgen/" in agent and agent.startswith("Mozilla/5.0") for agent in server.agents)


def test_get_when_head_is_refused(server: Server, tmp_path: Path) -> None:
    url = f"{server.base}/no-head"
    result = check_urls([url], FAST, None)[url]
    assert result.ok and result.status == 200
    assert server.methods == [("HEAD", "/no-head"), ("GET", "/no-head")]


def test_redirect_loop_is_an_error(server: Server) -> None:
    url = f"{server.base}/loop"
    result = check_urls([url], FAST, None)[url]
    assert not result.ok and result.error is not None and "redirect loop" in result.error


def test_per_host_limit(server: Server) -> None:
    urls = [f"{server.base}/busy/{n}" for n in range(8)]
    options = LinkOptions(timeout=5, retries=0, per_host=2, workers=8)
    results = check_urls(urls, options, None)
    assert all(r.ok for r in results.values())
    assert server.most_active == 2


def test_cache_makes_reruns_skip_the_network(server: Server, tmp_path: Path) -> None:
    cache = tmp_path / "links.json"
    urls = [f"{server.base}/ok", f"{server.base}/missing"]
    first = check_urls(urls, FAST, cache)
    hits = sum(server.hits.values())
    again = check_urls(urls, FAST, cache)
    assert sum(server.hits.values()) == hits
    assert {u: (r.status, r.final_url) for u, r in again.items()} == {
        u: (r.status, r.final_url) for u, r in first.items()
    }
    stored = json.loads(cache.read_text())
    assert set(stored["results"]) == set(urls)
    expired = LinkOptions(timeout=0.5, retries=0, cache_seconds=0)
    check_urls(urls, expired, cache)
    assert sum(server.hits.values()) > hits


def test_check_links_command(server: Server, tmp_path: Path) -> None:
    items = [
        f"[Fine]({server.base}/ok) fine",
        f"[Moved]({server.base}/moved) moved",
        f"[Gone]({server.base}/missing) gone",
        f"[Down]({server.base}/broken) down",
        f"[Shy]({server.base}/robots-go-away) refuses robots",
        f"[Fine again]({server.base}/ok?again) see [also]({server.base}/missing?in=commentary)\n"
        f"    - a note on [this]({server.base}/missing?in=note)",
    ]
    body = "---\ntitle: d\ndate: 2020-01-01\n---\n\n" + "".join(f"- {i}\n" for i in items)
    body += f'\nA closing remark on <a href="{server.base}/missing?in=block&amp;x=1">this</a>.\n'
    make_site(tmp_path, {"d.md": body})
    result = run("check", "--root", str(tmp_path), "--links", "--timeout", "2")
    assert result.exit_code == 1
    lines = result.stdout.replace(f"{tmp_path}/", "").splitlines()
    assert lines == [
        f"digests/d.md:7: warning: link check: {server.base}/moved redirects to {server.base}/ok",
        f"digests/d.md:8: error: link check: {server.base}/missing answers HTTP 404",
        f"digests/d.md:9: error: link check: {server.base}/broken answers HTTP 500",
        f"digests/d.md:10: warning: link check: {server.base}/robots-go-away answers HTTP 403 "
        "(it may refuse robots)",
        f"digests/d.md:11: error: link check: {server.base}/missing?in=commentary answers HTTP 404",
        f"digests/d.md:11: error: link check: {server.base}/missing?in=note answers HTTP 404",
        f"digests/d.md:14: error: link check: {server.base}/missing?in=block&x=1 answers HTTP 404",
        "5 errors, 2 warnings",
    ]
    assert (tmp_path / CACHE_FILE).is_file()
    assert not (tmp_path / "site").exists()
    without = run("check", "--root", str(tmp_path))
    assert without.exit_code == 0 and "link check" not in without.stdout


def test_build_never_checks_links(server: Server, tmp_path: Path) -> None:
    body = f"---\ntitle: d\ndate: 2020-01-01\n---\n\n- [Gone]({server.base}/missing) gone\n"
    make_site(tmp_path, {"d.md": body})
    assert run("build", "--root", str(tmp_path)).exit_code == 0
    assert sum(server.hits.values()) == 0
