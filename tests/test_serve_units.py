"""The pure parts of digestgen serve: change classification, path mapping, injection."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from digestgen.serve import Change, Layout, classify
from digestgen.serve.live import LiveState, Snapshot, inject, placeholder
from digestgen.serve.paths import Redirect, content_type, find_file, host_allowed, site_path

LAYOUT = Layout()


@pytest.mark.parametrize(
    ("rel", "kind"),
    [
        ("digestgen.yaml", Change.CONFIG),
        ("digests/a.md", Change.DIGEST),
        ("digests/2020/a.md", Change.DIGEST),
        ("digests/2020", Change.DIGEST),  # a folder of digests moved or removed
        ("digests", Change.DIGEST),
        ("templates/base.html", Change.TEMPLATE),
        ("templates/partials/footer.html", Change.TEMPLATE),
        ("templates", Change.TEMPLATE),
        ("static/style.css", Change.STATIC),
        ("static/img/logo.png", Change.STATIC),
        ("digests/notes.txt", None),
        ("digests/a.png", None),
        ("digests/issue-3/chart.png", Change.DIGEST),  # a page bundle's image
        ("digests/.a.md.swp", None),
        ("digests/a.md~", None),
        ("digests/.#a.md", None),
        ("digests/4913", None),
        ("templates/.base.html.swx", None),
        ("site/index.html", None),
        (".venv/lib/x.py", None),
        ("README.md", None),
        ("digestgen.yaml.bak", None),
        ("", None),
    ],
)
def test_classify(rel: str, kind: Change | None) -> None:
    assert classify(rel, LAYOUT) == kind


def test_classify_follows_the_configured_folders() -> None:
    layout = Layout(digests="content/issues", templates="layouts", static="assets")
    assert classify("content/issues/a.md", layout) is Change.DIGEST
    assert classify("content", layout) is Change.DIGEST  # holds the digests folder
    assert classify("layouts/base.html", layout) is Change.TEMPLATE
    assert classify("assets/a.css", layout) is Change.STATIC
    assert classify("digests/a.md", layout) is None
    assert classify("content/other.md", layout) is None


@pytest.mark.parametrize(
    ("raw", "base", "expected"),
    [
        ("/blog/", "/blog/", ""),
        ("/blog/archive/", "/blog/", "archive/"),
        ("/blog/feed.xml?x=1#top", "/blog/", "feed.xml"),
        ("/blog/caf%C3%A9/", "/blog/", "café/"),
        ("/blog/a%20b.html", "/blog/", "a b.html"),
        ("/blog", "/blog/", Redirect("/blog/")),
        ("/", "/blog/", Redirect("/blog/")),
        ("/", "/", ""),
        ("/other/", "/blog/", None),
        ("/blogger/", "/blog/", None),
        ("/blog/../x", "/blog/", None),
        ("/blog/%2e%2e/x", "/blog/", None),
        ("/blog/%2E./x", "/blog/", None),
        ("/blog/a%2Fb", "/blog/", None),
        ("/blog/a%5cb", "/blog/", None),
        ("/blog/a\\b", "/blog/", None),
        ("/blog//x", "/blog/", None),
        ("//blog/x", "/blog/", None),
        ("/blog/./x", "/blog/", None),
        ("/blog/x%00", "/blog/", None),
        ("/blog/%ff", "/blog/", None),
        ("http://evil/blog/", "/blog/", None),
        ("*", "/", None),
    ],
)
def test_site_path(raw: str, base: str, expected: str | Redirect | None) -> None:
    assert site_path(raw, base) == expected


def test_find_file() -> None:
    files = {"index.html": b"home", "a/index.html": b"a", "b/x.txt": b"x", "feed.xml": b"f"}
    assert find_file(files, "") == "index.html"
    assert find_file(files, "a/") == "a/index.html"
    assert find_file(files, "a") == Redirect("a/")
    assert find_file(files, "b") is None  # a folder without index is never listed
    assert find_file(files, "b/") is None
    assert find_file(files, "b/x.txt") == "b/x.txt"
    assert find_file(files, "missing.html") is None


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("index.html", "text/html; charset=utf-8"),
        ("feed.xml", "application/xml; charset=utf-8"),
        ("feed.json", "application/json; charset=utf-8"),
        ("style.css", "text/css; charset=utf-8"),
        ("logo.PNG", "image/png"),
        ("data.bin-unknown", "application/octet-stream"),
    ],
)
def test_content_type(name: str, kind: str) -> None:
    assert content_type(Path(name)) == kind


def test_inject_goes_before_the_last_body_end() -> None:
    snap = Snapshot("t-3", None, "/", None)
    page = b"<html><body><pre>&lt;/body&gt; </body></pre></BODY >\n</html>"
    out = inject(page, snap)
    assert out.endswith(
        b'<script src="/__digestgen__/live.js" data-generation="t-3"></script>\n</BODY >\n</html>'
    )
    assert b"__digestgen_overlay" not in out
    assert inject(b"<p>no body</p>", snap).startswith(b"<p>no body</p><script")


def test_inject_escapes_the_error_into_the_overlay() -> None:
    snap = Snapshot("t-1", None, "/", "digests/a.md:2: bad <script>alert(1)</script>")
    out = inject(b"<body></body>", snap).decode()
    assert 'id="__digestgen_overlay"' in out
    assert "digests/a.md:2: bad &lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "<script>alert" not in out


def test_the_overlay_says_whether_a_good_build_is_shown() -> None:
    kept = inject(b"<body></body>", Snapshot("t-2", Path("/site"), "/", "a.md:2: bad")).decode()
    assert "showing the last good build" in kept and "no good build yet" not in kept
    assert '"built": true' in Snapshot("t-2", Path("/site"), "/", "a.md:2: bad").event().decode()
    assert '"built": false' in Snapshot("t-0", None, "/", "a.md:2: bad").event().decode()


def test_the_placeholder_shows_the_error_under_its_heading() -> None:
    running = lxml.html.document_fromstring(placeholder(Snapshot("t-0", None, "/", None)))
    assert running.xpath("//h1/text()") == ["No good build yet"]
    assert "first build is running" in running.xpath("//main/p")[0].text_content()
    slot = running.xpath("//main/*[@id='__digestgen_overlay']")[0]
    assert slot.get("data-inline") is not None and not slot.text_content()

    error = "digests/a.md:2: bad <script>alert(1)</script>"
    failed = lxml.html.document_fromstring(placeholder(Snapshot("t-0", None, "/", error)))
    main = failed.xpath("//main")[0]
    assert [child.tag for child in main] == ["h1", "p", "digestgen-overlay"]
    overlay = main[2]
    assert "position:fixed" not in overlay.get("style")  # in the page's flow
    assert "there is no good build yet" in overlay.text_content()
    assert "last good build" not in overlay.text_content()
    assert overlay.xpath(".//pre")[0].text_content() == error
    assert not failed.xpath("//script[not(@src)]")


def test_live_state_versions() -> None:
    state = LiveState("tok")
    version, first = state.wait(-1, 0) or (0, None)
    assert first is not None and first.generation == "tok-0" and first.files is None
    state.publish_build({"index.html": b"x"}, "/blog/")
    state.publish_error("a.md:1: boom")
    news = state.wait(version, 0)
    assert news is not None
    snap = news[1]
    assert (snap.generation, snap.base_path, snap.error) == ("tok-1", "/blog/", "a.md:1: boom")
    assert b'"error": "a.md:1: boom"' in snap.event()
    state.publish_build({"index.html": b"y"}, "/blog/")
    assert state.snapshot().error is None
    state.close()
    assert state.wait(news[0], 5) is None


@pytest.mark.parametrize(
    ("host", "bound", "allowed"),
    [
        ("127.0.0.1:8000", "127.0.0.1", True),
        ("localhost:8000", "127.0.0.1", True),
        ("LOCALHOST", "127.0.0.1", True),
        ("app.localhost:8000", "127.0.0.1", True),
        ("[::1]:8000", "::1", True),
        ("127.0.0.2", "127.0.0.1", True),
        (None, "127.0.0.1", True),  # no Host: not a browser
        ("evil.example:8000", "127.0.0.1", False),  # DNS rebinding
        ("localhost.evil.example", "127.0.0.1", False),
        ("192.168.1.5:8000", "127.0.0.1", False),
        ("[::1", "127.0.0.1", False),
        ("192.168.1.5:8000", "0.0.0.0", True),  # bound elsewhere on purpose: any name
        ("phone.lan", "192.168.1.5", True),
    ],
)
def test_host_allowed(host: str | None, bound: str, allowed: bool) -> None:
    assert host_allowed(host, bound) is allowed
