"""Every request has one deadline for the whole exchange, redirects go only to http(s),
and ``add --fetch-title`` reaches no private address unless told to. Servers run on
127.0.0.1 and are stopped by each test."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sitefactory import CONFIG, make_site

from digestgen.cli import main
from digestgen.commands.linkcheck import LinkOptions, check_urls

DRAFT = "---\ntitle: D\ndate: 2020-01-02\ndraft: true\n---\n\n## Links\n\n- [a](https://a.org) b\n"


class _Handler(http.server.BaseHTTPRequestHandler):
    """``/drip``: headers then one byte a second; ``/to?<url>``: a redirect there;
    ``/page``: a page with a title."""

    def log_message(self, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        if self.path == "/drip":  # refused, so that the link check reads the body
            self.send_response(405)
            self.end_headers()
        else:
            self.do_GET()

    def do_GET(self) -> None:
        if self.path.startswith("/to?"):
            self.send_response(302)
            self.send_header("Location", self.path[len("/to?") :])
            self.end_headers()
        elif self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(60):
                    self.wfile.write(b"<")
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                pass  # the client hung up, as it should
        else:
            body = b"<html><head><title>Local page</title></head></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def header_dripper() -> Iterator[str]:
    """A server that sends its status line and headers one byte a second."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100:
                    if stop.wait(1.0):
                        break
                    try:
                        conn.sendall(bytes([byte]))
                    except OSError:
                        break

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def add(site: Path, url: str, *extra: str) -> tuple[int, str, float]:
    started = time.monotonic()
    args = ["add", "--root", str(site), url, "--fetch-title", "--section", "Links", *extra]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output, time.monotonic() - started


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path, {"d.md": DRAFT}, config=CONFIG)


@pytest.mark.parametrize("slow", ["body", "headers"])
def test_fetch_title_keeps_its_five_seconds(
    site: Path, server: str, header_dripper: str, slow: str
) -> None:
    url = f"{server}/drip" if slow == "body" else header_dripper
    code, output, seconds = add(site, url, "--allow-private")
    assert code == 1
    assert f"could not fetch {url}: timed out; give a title with --title" in output
    assert 4.5 < seconds < 7.0


def test_link_check_keeps_its_timeout(server: str, header_dripper: str) -> None:
    options = LinkOptions(timeout=2.0, retries=0, backoff=0.0)
    started = time.monotonic()
    results = check_urls([f"{server}/drip", header_dripper], options)
    assert time.monotonic() - started < 5.0
    assert all(r.error == "timed out" for r in results.values()), results


@pytest.mark.parametrize("target", ["ftp://example.org/file", "file:///etc/passwd"])
def test_redirects_go_only_to_http(server: str, site: Path, target: str) -> None:
    url = f"{server}/to?{target}"
    result = check_urls([url], LinkOptions(timeout=3.0, retries=0), None)[url]
    assert result.error == f"redirects to {target}, which is not an http(s) URL"
    code, output, _ = add(site, url, "--allow-private")
    assert code == 1 and f"redirects to {target}, which is not an http(s) URL" in output


def test_fetch_title_refuses_local_addresses(site: Path, server: str) -> None:
    code, output, seconds = add(site, f"{server}/page")
    assert code == 1
    assert "127.0.0.1, a loopback, private or otherwise non-global address" in output
    assert seconds < 3.0
    code, output, _ = add(site, f"{server}/page", "--allow-private")
    assert code == 0, output
    assert "[Local page]" in (site / "digests" / "d.md").read_text()


def test_a_redirect_to_a_local_address_is_refused(site: Path, server: str) -> None:
    """A page of the public web (here a server on another port, reached with
    ``--allow-private`` off only after the redirect) that redirects to a local one."""
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler) as other:
        thread = threading.Thread(target=other.serve_forever, daemon=True)
        thread.start()
        try:
            local = f"http://127.0.0.1:{other.server_address[1]}/page"
            result = check_urls([f"{server}/to?{local}"], LinkOptions(retries=0), None)
            assert result[f"{server}/to?{local}"].final_url == local  # the link check follows
            code, output, _ = add(site, f"{server}/to?{local}")
            assert code == 1
            assert "127.0.0.1, a loopback, private or otherwise non-global" in output
        finally:
            other.shutdown()
            thread.join(timeout=5)
