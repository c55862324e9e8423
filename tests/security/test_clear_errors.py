"""Mistakes and accidents that once ended in a traceback are ``path:line: message`` errors
that leave the previous site as it was: a digest whose page would take the place of one
of the site's files, a read-only output or site folder, a digest deleted while the build
runs. (A FIFO config: ``test_symlinks.py``.)"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from archivegen import generate_archive
from sitefactory import CONFIG, GOOD, make_site, run, snapshot

from digestgen.build import CACHE_DIR, build


def _build(root: Path) -> tuple[int, list[str]]:
    result = run("build", "--root", str(root))
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr.splitlines()


CLASH = "---\ntitle: Clash\ndate: 2020-02-02\nslug: {slug}\n---\n\n- [a](https://a.example/) - b\n"


SLUG = "permalink: /{slug}/\n"


@pytest.mark.parametrize(
    ("slug", "extra", "page", "place"),
    [
        ("feed.xml", SLUG, "feed.xml/", "feed.xml"),
        ("atom.xml", SLUG, "atom.xml/", "atom.xml"),
        ("feed.json", SLUG, "feed.json/", "feed.json"),
        ("sitemap.xml", SLUG, "sitemap.xml/", "sitemap.xml"),
        ("robots.txt", SLUG, "robots.txt/", "robots.txt"),
        ("news.rss", SLUG + "feeds:\n  rss: news.rss\n", "news.rss/", "news.rss"),
        # A feed file where a folder above the page would be.
        (
            "c",
            "permalink: /{year}/{month}/{slug}/\nfeeds:\n  atom: 2020/02\n",
            "2020/02/c/",
            "2020/02",
        ),
    ],
)
def test_a_digest_page_in_place_of_a_site_file(
    slug: str, extra: str, page: str, place: str, tmp_path: Path
) -> None:
    root = make_site(tmp_path, {"a.md": GOOD.format(n=1)}, CONFIG + extra)
    assert _build(root)[0] == 0
    before = snapshot(root / "site")
    (root / "digests" / "clash.md").write_text(CLASH.format(slug=slug))
    code, lines = _build(root)
    assert code == 1
    assert lines[0] == (
        f"digests/clash.md:4: this digest's page {page} would take the place of the site's "
        f"{place}; change its slug or the 'permalink' setting"
    )
    assert snapshot(root / "site") == before


def test_a_feed_in_a_digest_folder_is_no_clash(tmp_path: Path) -> None:
    """A feed may sit in a digest's folder, beside its page."""
    config = CONFIG + "permalink: /{slug}/\nfeeds:\n  rss: news/feed.xml\n"
    root = make_site(tmp_path, {"news.md": CLASH.format(slug="news")}, config)
    assert _build(root)[0] == 0
    assert (root / "site" / "news" / "index.html").is_file()
    assert (root / "site" / "news" / "feed.xml").is_file()


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """``folder`` made read-only for this process: immutable for root (whom file modes do
    not stop), mode 555 for anyone else."""
    if os.geteuid() != 0:
        mode = folder.stat().st_mode
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(mode)
        return
    if shutil.which("chattr") is None:
        pytest.skip("root, and no chattr to make a folder read-only")
    made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"chattr +i failed: {made.stderr.decode()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def _edit(root: Path) -> None:
    path = root / "digests" / "a.md"
    path.write_text(path.read_text().replace("commentary 1", "commentary one"))


@pytest.mark.parametrize(
    ("frozen", "cache", "where"),
    [
        ("site", True, "site"),  # an edit: the standby copy swapped with site/
        ("site", False, "site"),  # a full build: the staging folder swapped with site/
        (".", True, "site"),  # the root holds site/ and its standby: the swap is refused
        (".", False, CACHE_DIR),  # without a cache, the root refuses the cache folder first
    ],
    ids=["site, edit", "site, full build", "root, edit", "root, no cache"],
)
def test_a_read_only_folder(frozen: str, cache: bool, where: str, tmp_path: Path) -> None:
    root = make_site(tmp_path / "blog", {"a.md": GOOD.format(n=1), "b.md": GOOD.format(n=2)})
    assert _build(root)[0] == 0
    before = snapshot(root / "site")
    _edit(root)
    if not cache:
        shutil.rmtree(root / CACHE_DIR)
    with read_only(root / frozen):
        code, lines = _build(root)
    assert code == 1
    assert lines[0].startswith(f"{root / where}: cannot write here: "), lines
    assert snapshot(root / "site") == before
    # Writable again, the next build makes the edited site, as a cold build does.
    assert _build(root)[0] == 0
    cold = make_site(tmp_path / "cold", {"a.md": GOOD.format(n=1), "b.md": GOOD.format(n=2)})
    _edit(cold)
    build(cold, workers=1)
    assert snapshot(root / "site") == snapshot(cold / "site")


BUNDLE = (
    "---\ntitle: Bundle\ndate: 2016-06-06\n---\n\n![photo](photo.png)\n\n"
    "- [a](https://a.example/) - b\n"
)


def _children(pid: int) -> bool:
    """Whether ``pid`` has started a process that still runs (a parse worker)."""
    for name in os.listdir("/proc"):
        with contextlib.suppress(OSError, IndexError):
            fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
            if name.isdigit() and int(fields[1]) == pid and fields[0] != "Z":
                return True
    return False


def _compiled(cache: Path) -> bool:
    """Whether the build has compiled a template (it renders: its outputs are listed)."""
    return any(path.is_file() for path in (cache / "digestgen" / "templates").rglob("*"))


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("instant", ["parsing", "rendering"])
def test_digests_deleted_during_a_build(instant: str, tmp_path: Path) -> None:
    """The build is stopped (SIGSTOP) while its workers parse, or once it renders (it has
    listed the files it copies), a digest and a page bundle are deleted, and the build
    goes on: it builds what it read, or names the file that went away; the next build
    drops them."""
    root = generate_archive(tmp_path / "blog", count=40)
    bundle = root / "digests" / "2016" / "bundle"
    bundle.mkdir(parents=True)
    (bundle / "index.md").write_text(BUNDLE)
    (bundle / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    gone = next((root / "digests").rglob("issue-7.md"))
    cache = tmp_path / "user-cache"  # compiled templates: none yet
    command = [sys.executable, "-m", "digestgen", "build", "--root", str(root)]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, "XDG_CACHE_HOME": str(cache)},
    )
    ready = (lambda: _children(proc.pid)) if instant == "parsing" else (lambda: _compiled(cache))
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline and not ready():
            pass
        os.killpg(proc.pid, signal.SIGSTOP)
        assert proc.poll() is None, "the build ended first"
        shutil.rmtree(bundle)
        gone.unlink()
        os.killpg(proc.pid, signal.SIGCONT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert "Traceback" not in err.decode()
    if instant == "parsing":  # it had read them all
        assert proc.returncode == 0, err.decode()
        assert (root / "site" / "digests" / "issue-7" / "index.html").is_file()
    else:
        assert proc.returncode == 1
        assert err.decode().splitlines()[0] == (
            f"{bundle / 'photo.png'}: this file went away during the build; build again"
        )
        assert not (root / "site").exists()
    code, lines = _build(root)
    assert code == 0, lines
    assert not (root / "site" / "digests" / "bundle").exists()
    assert not (root / "site" / "digests" / "issue-7").exists()
