"""digestgen serve: a real server on a free port, real files edited, real responses."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from serve_support import EventStream, copy_example_blog, edit, fetch, text_with, wait_for

from digestgen.build import build
from digestgen.errors import ConfigError
from digestgen.serve import LiveServer
from digestgen.serve.builder import BuildProcess

DIGEST_22 = "digests/ds-ml-digest-22/"
TITLE_22 = "2020 DS/ML digest 22"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_example_blog(tmp_path / "blog")


@pytest.fixture
def logs() -> list[str]:
    return []


@pytest.fixture
def server(site: Path, logs: list[str]) -> Iterator[LiveServer]:
    with LiveServer(site, port=0, log=logs.append) as live:
        yield live


def origin(server: LiveServer) -> str:
    parts = urlsplit(server.url)
    return f"{parts.scheme}://{parts.netloc}"


def test_serves_the_site_under_its_base_path(server: LiveServer) -> None:
    assert server.url.endswith("/digest/")
    home = fetch(server.url)
    assert home.status == 200
    assert home.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>DS/ML Digest</h1>" in home.text
    assert fetch(server.url + DIGEST_22).text.count(TITLE_22) >= 1
    # The bare root and the bare prefix lead to the site; other paths outside it do not.
    assert fetch(origin(server) + "/").headers["location"] == "/digest/"
    assert fetch(origin(server) + "/digest").headers["location"] == "/digest/"
    assert fetch(origin(server) + "/archive/").status == 404
    # A folder without its slash redirects, as static hosts do.
    archive = fetch(server.url + "archive")
    assert (archive.status, archive.headers["location"]) == (302, "/digest/archive/")


def test_content_types_of_feeds(server: LiveServer) -> None:
    rss = fetch(server.url + "feed.xml")
    assert rss.headers["content-type"] == "application/xml; charset=utf-8"
    assert rss.body.startswith(b"<?xml")
    assert fetch(server.url + "atom.xml").headers["content-type"].startswith("application/xml")
    feed = fetch(server.url + "feed.json")
    assert feed.headers["content-type"] == "application/json; charset=utf-8"
    assert json.loads(feed.body)["items"][0]["title"] == TITLE_22
    robots = fetch(server.url + "robots.txt")
    assert robots.headers["content-type"] == "text/plain; charset=utf-8"


def test_missing_pages_get_the_sites_404_page(server: LiveServer) -> None:
    missing = fetch(server.url + "no/such/page/")
    assert missing.status == 404
    assert "Page not found" in missing.text
    assert "/__digestgen__/live.js" in missing.text  # reloads too, once the page exists
    assert fetch(server.url + "no-such-file.xml", method="HEAD").status == 404


def test_reload_script_is_injected_only_while_serving(
    server: LiveServer, site: Path, tmp_path: Path
) -> None:
    page = fetch(server.url + DIGEST_22).text
    assert page.count('<script src="/__digestgen__/live.js"') == 1
    assert page.index("/__digestgen__/live.js") < page.rindex("</body>")
    script = fetch(origin(server) + "/__digestgen__/live.js")
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert b"EventSource" in script.body
    # Neither the served build folder nor `digestgen build` output holds the script.
    assert server.output is not None
    assert not (server.output / "__digestgen__").exists()
    build(site, output=tmp_path / "published")
    for folder in (server.output, tmp_path / "published"):
        for path in folder.rglob("*"):
            if path.is_file():
                assert b"__digestgen__" not in path.read_bytes(), path
    # ... and the user's own site/ folder is not written by serving.
    assert not (site / "site").exists()


TRAVERSALS = [
    "/digest/../digestgen.yaml",
    "/digest/../../../../etc/passwd",
    "/digest/%2e%2e/digestgen.yaml",
    "/digest/%2E%2E/%2e%2e/etc/passwd",
    "/digest/.%2e/digestgen.yaml",
    "/digest/%2e%2e%2fdigestgen.yaml",
    "/digest/..%2f..%2fetc%2fpasswd",
    "/digest/archive%2findex.html",
    "/digest/..%5c..%5cetc%5cpasswd",
    "/digest//etc/passwd",
    "//etc/passwd",
    "/digest/archive//index.html",
    "/digest/./index.html",
    "/digest/%00index.html",
    "/digest/%ff%fe",
    "/digest/leak.txt",
    "/digest/leakdir/secret.txt",
]


def test_nothing_outside_the_site_is_served(server: LiveServer, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    assert server.output is not None
    (server.output / "leak.txt").symlink_to(secret)
    (server.output / "leakdir").symlink_to(tmp_path, target_is_directory=True)
    for path in TRAVERSALS:
        answer = fetch(server.url, path)
        assert answer.status == 404, path
        assert b"TOP SECRET" not in answer.body
        assert b"title:" not in answer.body  # digestgen.yaml's text
    # The same folder is fine when asked for properly.
    assert fetch(server.url + "archive/index.html").status == 200


def test_no_directory_listings(site: Path, logs: list[str]) -> None:
    (site / "static" / "img").mkdir(parents=True)
    (site / "static" / "img" / "dot.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    with LiveServer(site, port=0, log=logs.append) as server:
        assert fetch(server.url + "static/img/dot.svg").headers["content-type"] == "image/svg+xml"
        for folder in ("static/", "static/img/", "static/img"):
            listing = fetch(server.url + folder)
            assert listing.status == 404, folder
            assert b"dot.svg" not in listing.body


def test_an_edit_shows_within_two_seconds(server: LiveServer, site: Path) -> None:
    events = EventStream(origin(server))
    try:
        first = json.loads(events.next_event()["data"])
        edit(site / "digests/ds-ml-digest-22.md", "Reformer: The Efficient", "Reformer, edited:")
        wait_for(
            lambda: "Reformer, edited:" in fetch(server.url + DIGEST_22).text,
            "the edited digest is served",
        )
        # The open tabs are told: a new build, no error.
        news = json.loads(events.next_event()["data"])
        assert news["generation"] != first["generation"]
        assert news["error"] is None
    finally:
        events.close()


def _state(pid: int) -> str | None:
    """Process ``pid``'s state (``"Z"``: it ended but was not waited for), or ``None``
    when there is no such process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def test_builds_run_in_a_process_of_their_own_that_stops_with_the_server(
    site: Path, logs: list[str]
) -> None:
    """The server runs threads, so it must not fork; its builds run in a build process,
    which forks the workers, keeps the model between builds, and ends with the server."""
    with LiveServer(site, port=0, log=logs.append) as server:
        pid = server._builder.pid
        assert pid is not None and pid != os.getpid() and _state(pid) not in (None, "Z")
        edit(site / "digests/ds-ml-digest-22.md", "Reformer: The Efficient", "Reformer, edited:")
        wait_for(lambda: text_with(server.url + DIGEST_22, "Reformer, edited:"), "the edit")
        assert server._builder.pid == pid  # the same process built the edit
    assert _state(pid) is None  # ended and waited for
    assert not any("Traceback" in line for line in logs), logs


def test_builds_run_in_the_calling_process_where_asked(site: Path, tmp_path: Path) -> None:
    """Where no socket can be handed to a child (Windows), the server builds itself."""
    builder = BuildProcess(separate=False)
    done = builder.build(site, tmp_path / "out", drafts=True)
    assert builder.pid is None
    assert done.config is not None and done.summary.startswith("built 3 digests")
    assert (tmp_path / "out" / DIGEST_22 / "index.html").is_file()
    (site / "digestgen.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    failed = builder.build(site, tmp_path / "out", drafts=True)
    assert failed.config is None and "digestgen.yaml:1:8: invalid YAML" in failed.error
    builder.close()


def test_a_build_process_that_dies_is_started_again(server: LiveServer, site: Path) -> None:
    pid = server._builder.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: _state(pid) in (None, "Z"), "the build process ended")
    edit(site / "digests/ds-ml-digest-22.md", "Reformer: The Efficient", "Reformer, again:")
    wait_for(lambda: text_with(server.url + DIGEST_22, "Reformer, again:"), "the edit")
    assert server._builder.pid not in (None, pid)


def test_a_broken_edit_shows_the_overlay_and_the_next_good_one_clears_it(
    server: LiveServer, site: Path, logs: list[str]
) -> None:
    digest = site / "digests/ds-ml-digest-21.md"
    good = digest.read_text(encoding="utf-8")
    events = EventStream(origin(server))
    try:
        events.next_event()
        digest.write_text(good.replace("date: 2020-01-06", "date: not-a-date"), "utf-8")
        page = wait_for(
            lambda: text_with(server.url + DIGEST_22, "__digestgen_overlay"), "the overlay"
        )
        error = json.loads(events.next_event()["data"])["error"]
        assert error.startswith("digests/ds-ml-digest-21.md:3: ")
        assert "digests/ds-ml-digest-21.md:3: " in page
        # The last good site stays up: every page still answers, with its old content.
        assert fetch(server.url).status == 200
        assert fetch(server.url + "digests/ds-ml-digest-21/").status == 200
        assert any("build failed" in line for line in logs)
        digest.write_text(good.replace("Happy New Year!", "Happy new build!"), "utf-8")
        page = wait_for(
            lambda: text_with(server.url + "digests/ds-ml-digest-21/", "Happy new build!"),
            "the good edit is served",
        )
        assert "__digestgen_overlay" not in page
        assert json.loads(events.next_event()["data"])["error"] is None
    finally:
        events.close()


def test_renamed_and_deleted_digests_leave_no_stale_pages(server: LiveServer, site: Path) -> None:
    old = site / "digests/ds-ml-digest-22.md"
    old.rename(site / "digests/renamed-22.md")
    wait_for(lambda: fetch(server.url + "digests/renamed-22/").status == 200, "renamed page")
    assert fetch(server.url + DIGEST_22).status == 404
    (site / "digests/renamed-22.md").unlink()
    wait_for(lambda: fetch(server.url + "digests/renamed-22/").status == 404, "deleted page")
    assert TITLE_22 not in fetch(server.url).text


DRAFT = """---
title: "Work in progress"
date: 2020-02-03
draft: true
---

- [A draft link](https://example.com/draft) - not ready yet
"""


@pytest.mark.parametrize("drafts", [True, False])
def test_drafts_are_shown_and_marked_unless_hidden(
    site: Path, logs: list[str], drafts: bool
) -> None:
    (site / "digests/wip.md").write_text(DRAFT, encoding="utf-8")
    with LiveServer(site, port=0, drafts=drafts, log=logs.append) as server:
        page = fetch(server.url + "digests/wip/")
        home = fetch(server.url).text
        if drafts:
            assert page.status == 200
            assert "Draft: not published." in page.text
            assert "Work in progress" in home and 'class="draft-badge"' in home
        else:
            assert page.status == 404
            assert "Work in progress" not in home


def test_templates_static_files_and_config_are_watched(server: LiveServer, site: Path) -> None:
    (site / "templates/partials").mkdir(parents=True)
    (site / "templates/partials/footer.html").write_text("<p>A footer of our own</p>\n")
    wait_for(lambda: "A footer of our own" in fetch(server.url).text, "the new template")
    # Compiled templates are reused across rebuilds, but never once their source changed.
    edit(site / "templates/partials/footer.html", "of our own", "edited again")
    wait_for(lambda: "A footer edited again" in fetch(server.url).text, "the edited template")
    (site / "static").mkdir()
    (site / "static/extra.css").write_text("body { color: teal }\n")
    wait_for(lambda: fetch(server.url + "static/extra.css").status == 200, "the new static file")
    assert (
        fetch(server.url + "static/extra.css").headers["content-type"] == "text/css; charset=utf-8"
    )
    edit(site / "digestgen.yaml", 'title: "DS/ML Digest"', 'title: "Renamed Digest"')
    wait_for(lambda: "<h1>Renamed Digest</h1>" in fetch(server.url).text, "the new title")


def test_a_failing_first_build_serves_the_error_until_fixed(site: Path, logs: list[str]) -> None:
    digest = site / "digests/ds-ml-digest-20.md"
    good = digest.read_text(encoding="utf-8")
    digest.write_text(good.replace("date: 2019-12-23", "date: someday"), "utf-8")
    with LiveServer(site, port=0, log=logs.append) as server:
        waiting = fetch(server.url + "anything")
        assert waiting.status == 503
        assert "digests/ds-ml-digest-20.md:3: " in waiting.text
        digest.write_text(good, "utf-8")
        wait_for(lambda: fetch(origin(server) + "/digest/").status == 200, "first build")
        assert server.url.endswith("/digest/")


def test_a_taken_port_moves_to_the_next_free_one(site: Path, logs: list[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with LiveServer(site, port=port, log=logs.append) as server:
            assert urlsplit(server.url).port != port
            assert f"port {port} is in use" in "\n".join(logs)
            assert fetch(server.url).status == 200


def test_concurrent_requests_are_answered(server: LiveServer) -> None:
    streams = [EventStream(origin(server)) for _ in range(3)]  # open tabs hold a thread each
    try:
        paths = ["", DIGEST_22, "archive/", "tags/", "feed.xml", "feed.json", "nope/"] * 12
        with ThreadPoolExecutor(max_workers=12) as pool:
            answers = list(pool.map(lambda p: fetch(server.url + p), paths))
        assert [a.status for a in answers] == [404 if p == "nope/" else 200 for p in paths]
        bodies = {p: a.body for p, a in zip(paths, answers, strict=True)}
        assert all(a.body == bodies[p] for p, a in zip(paths, answers, strict=True))
    finally:
        for stream in streams:
            stream.close()


def test_stop_ends_open_event_streams(site: Path, logs: list[str]) -> None:
    server = LiveServer(site, port=0, log=logs.append)
    server.start()
    stream = EventStream(origin(server))
    stream.next_event()
    ended = threading.Event()

    def drain() -> None:
        try:
            while True:
                stream.next_event()
        except (EOFError, OSError):
            ended.set()

    threading.Thread(target=drain, daemon=True).start()
    output = server.output
    server.stop()
    assert ended.wait(5)
    stream.close()
    assert output is not None and not output.exists()  # temp builds are removed
    with pytest.raises(OSError):
        fetch(server.url)


def test_a_moved_digests_folder_is_watched_after_the_config_names_it(
    server: LiveServer, site: Path
) -> None:
    (site / "digests").rename(site / "issues")
    wait_for(lambda: text_with(server.url, "folder with digests"), "the error")
    with (site / "digestgen.yaml").open("a", encoding="utf-8") as config:
        config.write("digests_dir: issues\n")
    wait_for(lambda: "__digestgen_overlay" not in fetch(server.url).text, "a good build")
    # Only a watch on the new folder can see this save.
    edit(site / "issues/ds-ml-digest-22.md", "Reformer: The Efficient", "Reformer, moved:")
    wait_for(lambda: text_with(server.url + DIGEST_22, "Reformer, moved:"), "the edit")


def test_a_folder_without_a_site_is_refused_before_binding(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no digestgen\.yaml here"), LiveServer(tmp_path, port=0):
        pass  # pragma: no cover


def test_saves_rebuild_incrementally_in_two_alternating_folders(
    server: LiveServer, site: Path
) -> None:
    """Each save builds into the folder not being served, bringing it up to date from its
    own last build (the first save, from the served one): pages no save touched are
    neither rendered nor written again."""
    first = server.output
    assert first is not None
    untouched = first / "digests" / "ds-ml-digest-20" / "index.html"
    stamp = untouched.stat().st_mtime_ns
    edit(site / "digests" / "ds-ml-digest-22.md", "2020 DS/ML digest 22", "DS/ML digest 22, once")
    wait_for(lambda: text_with(server.url, "DS/ML digest 22, once"), "the first save")
    second = server.output
    assert second is not None and second != first and first.is_dir()
    # The second folder started as hard links to the first: the save rendered what changed.
    twin = second / "digests" / "ds-ml-digest-20" / "index.html"
    assert twin.stat().st_ino == untouched.stat().st_ino
    edit(site / "digests" / "ds-ml-digest-22.md", "DS/ML digest 22, once", "DS/ML digest 22, twice")
    wait_for(lambda: text_with(server.url, "DS/ML digest 22, twice"), "the second save")
    assert server.output == first
    assert untouched.stat().st_mtime_ns == stamp
    assert "DS/ML digest 22, twice" in (first / "index.html").read_text(encoding="utf-8")


def test_a_page_of_another_domain_cannot_read_the_preview(server: LiveServer) -> None:
    """DNS rebinding: a page on evil.example points its name at 127.0.0.1 and fetches the
    preview; the browser sends ``Host: evil.example``, and the server refuses it."""
    parts = urlsplit(server.url)
    for host, status in ((f"evil.example:{parts.port}", 403), (f"localhost:{parts.port}", 200)):
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
        try:
            conn.request("GET", parts.path, headers={"Host": host})
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        assert response.status == status, host
        assert (TITLE_22.encode() in body) is (status == 200)
