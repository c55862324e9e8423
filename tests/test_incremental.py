"""Incremental builds: a cached build is byte-identical to a cold one after every kind of
edit, and makes and writes only what the edit changed."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from digestgen.build import CACHE_DIR, build
from digestgen.build.cache import DB_FILE
from digestgen.cli import main
from digestgen.config import load_config
from digestgen.errors import DigestError, RenderError

CONFIG = 'title: "Test Digest"\nbase_url: "https://example.org/d/"\nper_page: 3\nfeed_limit: 4\n'


def digest(number: int, tags: str = "ml", extra: str = "") -> str:
    return (
        f'---\ntitle: "Digest {number}"\ndate: {date(2024, 1, 1) + timedelta(number)}\n'
        f"number: {number}\n"
        f"tags: [{tags}]\n---\n\nIntro of digest {number}, naïve café.\n\n## Papers\n\n"
        f"- [Paper {number}](https://arxiv.org/abs/{number}) - about things #theory\n"
        f"    - a note with `code`\n"
        f"        - a nested note\n"
        f"- [video] [Talk {number}](https://youtube.com/watch?v={number}) - a talk\n\n"
        f"> a quote {number}\n\n"
        f"### Tools\n\n- [Tool {number}](https://github.com/x/{number}) - fast {extra}\n"
    )


def make_site(root: Path, count: int = 8) -> Path:
    (root / "digests").mkdir(parents=True)
    (root / "digestgen.yaml").write_text(CONFIG, encoding="utf-8")
    for n in range(1, count + 1):
        tags = "ml, nlp" if n % 2 else "ml"
        (root / "digests" / f"d{n:02d}.md").write_text(digest(n, tags), encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's cache (compiled templates) in the test's own folder."""
    folder = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


def tree(folder: Path) -> dict[str, bytes]:
    """Every file's bytes, and every folder (so that an empty one left behind shows)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else b"<folder>"
        for p in sorted(folder.rglob("*"))
    }


def mtimes(folder: Path) -> dict[str, int]:
    return {
        p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.is_file()
    }


def cold_build(root: Path, tmp: Path) -> dict[str, bytes]:
    """The same input built from scratch: no cache, no previous site."""
    cold = tmp / "cold"
    shutil.rmtree(cold, ignore_errors=True)
    shutil.copytree(
        root, cold, ignore=shutil.ignore_patterns(CACHE_DIR, "site", ".site.digestgen-*")
    )
    build(cold, workers=1)
    return tree(cold / "site")


def cache_rows(root: Path, table: str) -> list[tuple[str, ...]]:
    with contextlib.closing(sqlite3.connect(root / CACHE_DIR / DB_FILE)) as db:
        return list(db.execute(f"SELECT * FROM {table}"))


def test_cached_builds_equal_cold_builds_through_edits(tmp_path: Path) -> None:
    root = make_site(tmp_path / "blog")
    build(root)
    assert tree(root / "site") == cold_build(root, tmp_path)
    digests = root / "digests"

    def check(step: str) -> None:
        build(root)
        assert tree(root / "site") == cold_build(root, tmp_path), step

    (digests / "d03.md").write_text(digest(3, "ml, vision", extra="#new-tag"), encoding="utf-8")
    check("edit adding tags")
    (digests / "d05.md").rename(digests / "renamed.md")
    check("rename")
    (digests / "d02.md").unlink()
    check("delete")
    config = CONFIG.replace("Test Digest", "Renamed").replace("per_page: 3", "per_page: 2")
    (root / "digestgen.yaml").write_text(
        config + 'timezone: "Asia/Tokyo"\nauthor: "Someone"\n', encoding="utf-8"
    )
    check("config: title, timezone, author, pages")
    (root / "templates").mkdir()
    (root / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block content %}<p>Lost, custom.</p>{% endblock %}',
        encoding="utf-8",
    )
    check("site template override")
    (root / "static").mkdir()
    (root / "static" / "extra.css").write_text("body{color:red}", encoding="utf-8")
    check("static file")
    (root / "digestgen.yaml").write_text(
        CONFIG + 'permalink: "/{year}/{slug}/"\nunsafe_html: true\n', encoding="utf-8"
    )
    check("permalink and raw HTML policy")
    (digests / "d04.md").write_text(digest(4).replace("date: 2024-01-05", "date: 2023-12-31"))
    check("date moves a digest between pages and years")
    for n in range(9, 16):
        (digests / f"d{n:02d}.md").write_text(digest(n), encoding="utf-8")
    check("new digests fill the home page's numbered pages")


# Edits to d02 (``digest(2)``), as (old text, new text).
EDITS = {
    "a comment": ("- fast", "- faster"),
    "a note": ("a note with `code`", "a note with more `code`"),
    "a nested note added": ("a nested note\n", "a nested note\n        - and another\n"),
    "the intro": ("Intro of digest 2", "The intro of digest 2"),
    "a quote": ("> a quote 2", "> another quote 2"),
    "a summary added": ("tags: [ml]", 'tags: [ml]\nsummary: "In short"'),
    "a line added above the items": ("\n## Papers", "\nMore intro.\n\n## Papers"),
    "a tag of an item": ("#theory", "#theory #fresh"),
    "a tag of the digest": ("tags: [ml]", "tags: [ml, fresh]"),
    "a link": ("arxiv.org/abs/2)", "arxiv.org/abs/2b)"),
    "a link to another host": ("github.com/x/2", "gitlab.com/x/2"),
    "a link featured before": ("github.com/x/2", "github.com/x/1"),
    "an item's title": ("[Paper 2]", "[Paper Two]"),
    "an item added": ("- [Paper 2]", "- [New](https://new.example/) - new\n- [Paper 2]"),
    "an item removed": ("- [video] [Talk 2](https://youtube.com/watch?v=2) - a talk\n", ""),
    "a section's title": ("## Papers", "## Papers and preprints"),
    "the title": ('title: "Digest 2"', 'title: "Digest two"'),
    "the date": ("date: 2024-01-03", "date: 2024-03-03"),
    "the number": ("number: 2", "number: 22"),
    "a draft": ("number: 2\n", "number: 2\ndraft: true\n"),
    "a link made a text item": ("- [Tool 2](https://github.com/x/2) - fast", "- Tool 2 - fast"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_every_kind_of_edit_builds_what_a_cold_build_builds(tmp_path: Path, edit: str) -> None:
    old, new = EDITS[edit]
    root = make_site(tmp_path / "blog")
    build(root)
    path = root / "digests" / "d02.md"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    result = build(root)
    assert result.parsed == ("digests/d02.md",)
    assert tree(root / "site") == cold_build(root, tmp_path)


def test_nothing_changed_rewrites_nothing(tmp_path: Path) -> None:
    root = make_site(tmp_path / "blog")
    assert build(root).config == load_config(root)
    before = mtimes(root / "site")
    result = build(root)
    assert result.written == 0 and result.rendered == 0
    assert mtimes(root / "site") == before
    assert result.config == load_config(root)
    assert result.digests == 8
    assert [phase for phase, _ in result.phases] == ["scan", "check"]


def test_one_edit_rewrites_only_the_pages_that_show_it(tmp_path: Path) -> None:
    root = make_site(tmp_path / "blog")
    build(root)
    before = mtimes(root / "site")
    old = tree(root / "site")
    text = (root / "digests" / "d02.md").read_text(encoding="utf-8")
    (root / "digests" / "d02.md").write_text(text.replace("- fast", "- faster"))
    result = build(root)
    after = mtimes(root / "site")
    new = tree(root / "site")
    touched = {path for path in after if after[path] != before.get(path)}
    changed = {path for path in new if new[path] != old.get(path)}
    # Every rewritten file has new bytes (the mark names the new generation).
    assert touched == changed
    assert "digests/d02/index.html" in touched
    # Its neighbours, other digests and the tag pages do not show the item's commentary.
    assert not any(p.startswith("digests/") and "d02" not in p for p in touched)
    assert not any(p.startswith("tags/") and p.endswith("index.html") for p in touched)
    assert result.written == len(touched) - 1  # the mark is not counted


def test_a_new_link_in_the_newest_digest_changes_few_files(tmp_path: Path) -> None:
    """Pages are numbered from the oldest entry: a link added to the newest digest
    changes its own page, the first pages of the listings that hold it, the feeds and
    the small overviews, and its range of the search index; no numbered page."""
    root = make_site(tmp_path / "blog", count=40)
    build(root)
    old = tree(root / "site")
    path = root / "digests" / "d40.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "- [Fresh](https://github.com/fresh) - new #theory\n", encoding="utf-8")
    build(root)
    new = tree(root / "site")
    changed = {p for p in new if new[p] != old.get(p)} | (set(old) - set(new))
    assert not any("/page/" in p or p.startswith("page/") for p in changed), changed
    assert {
        "digests/d40/index.html",
        "links/index.html",
        "domains/github.com/index.html",
        "tags/theory/index.html",
        "index.html",
        "feed.xml",
        "search/d/d40.json",
        "search/index.json",
    } <= changed
    assert len(changed) < 30, sorted(changed)
    assert tree(root / "site") == cold_build(root, tmp_path)


def test_a_failed_build_leaves_the_site_untouched(tmp_path: Path) -> None:
    root = make_site(tmp_path / "blog")
    build(root)
    good, before = tree(root / "site"), mtimes(root / "site")
    (root / "digests" / "d01.md").write_text(digest(1).replace("Intro", "Changed intro"))
    (root / "templates").mkdir()
    (root / "templates" / "digest.html").write_text("{{ no_such_name }}")
    with pytest.raises(RenderError):
        build(root)
    assert tree(root / "site") == good and mtimes(root / "site") == before
    (root / "templates" / "digest.html").unlink()
    build(root)
    assert tree(root / "site") == cold_build(root, tmp_path)


def test_parse_errors_are_reported_on_every_build(tmp_path: Path) -> None:
    root = make_site(tmp_path / "blog")
    (root / "digests" / "bad.md").write_text("---\ntitle: x\n---\n\n[a](javascript:alert(1))\n")
    for _ in range(2):
        with pytest.raises(DigestError) as info:
            build(root)
        assert "bad.md" in str(info.value) and "date" in str(info.value)


def test_parallel_build_equals_serial_build(tmp_path: Path) -> None:
    """Enough digests for the parse to use worker processes (``PARALLEL_MIN``)."""
    root = make_site(tmp_path / "blog", count=40)
    serial = tmp_path / "serial"
    build(root, output=serial, workers=1, force_output=True)
    shutil.rmtree(root / CACHE_DIR)
    result = build(root, output=tmp_path / "parallel", workers=2, force_output=True)
    assert len(result.parsed) == 40
    assert tree(tmp_path / "parallel") == tree(serial)


def test_timings_flag_prints_each_phase(tmp_path: Path) -> None:
    root = make_site(tmp_path / "blog", count=2)
    result = CliRunner().invoke(main, ["build", "--root", str(root), "--timings"])
    assert result.exit_code == 0, result.output
    for phase in ("scan", "parse", "plan", "render", "write", "record", "total"):
        assert phase in result.output
    again = CliRunner().invoke(main, ["build", "--root", str(root), "--timings"])
    assert "check" in again.output and "parse" not in again.output


def test_the_cache_holds_the_digests_in_use_and_nothing_else(tmp_path: Path) -> None:
    root = make_site(tmp_path / "blog", count=3)
    build(root)
    before = {row[0] for row in cache_rows(root, "digests")}
    assert len(before) == 3
    (root / "digests" / "d01.md").write_text(digest(1, extra="changed"))
    build(root)
    after = {row[0] for row in cache_rows(root, "digests")}
    assert len(after) == 3 and len(after - before) == 1
    kept = cache_rows(root, "kept")
    assert {kind for kind, *_ in kept} >= {"feed", "terms", "documents"}
    digests = {row[2] for row in kept if row[2]}
    assert len(digests) == 3
    assert sorted(p.name for p in (root / CACHE_DIR).iterdir()) == [
        DB_FILE,
        next(p.name for p in (root / CACHE_DIR).glob("manifest-*.json")),
    ]


def test_a_broken_cache_is_made_again(tmp_path: Path) -> None:
    root = make_site(tmp_path / "blog", count=3)
    build(root)
    (root / CACHE_DIR / DB_FILE).write_bytes(b"not a database" * 100)
    (root / "digests" / "d01.md").write_text(digest(1, extra="changed"))
    result = build(root)
    assert len(result.parsed) == 3
    assert tree(root / "site") == cold_build(root, tmp_path)


def test_cache_entries_of_the_wrong_shape_are_misses(tmp_path: Path) -> None:
    """An entry that is not JSON, or JSON of another shape (a cache of another version,
    or planted), is parsed again, never used: the cache holds data, never code."""
    root = make_site(tmp_path / "blog", count=3)
    build(root)
    with contextlib.closing(sqlite3.connect(root / CACHE_DIR / DB_FILE)) as db, db:
        keys = [row[0] for row in db.execute("SELECT key FROM digests ORDER BY key")]
        db.execute("UPDATE digests SET head = ? WHERE key = ?", (b"\x80\x04not json", keys[0]))
        db.execute("UPDATE digests SET head = ? WHERE key = ?", ('{"a": 1}', keys[1]))
        db.execute("UPDATE digests SET body = ? WHERE key = ?", ("[1, 2, 3]", keys[2]))
        db.execute("UPDATE kept SET value = ?", ("[[[",))
    shutil.rmtree(root / "site")
    result = build(root)
    assert len(result.parsed) == 2
    assert tree(root / "site") == cold_build(root, tmp_path)


def test_a_cache_restored_elsewhere_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache's keys depend on the digests and digestgen only: a copy of the project in
    another folder, for another user (a CI runner restoring it), parses nothing again."""
    root = make_site(tmp_path / "blog")
    build(root)
    elsewhere = tmp_path / "runner" / "work"
    shutil.copytree(root, elsewhere, ignore=shutil.ignore_patterns("site", ".site.*"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-user"))
    monkeypatch.setenv("HOME", str(tmp_path / "another-home"))
    result = build(elsewhere)
    assert result.parsed == ()
    assert tree(elsewhere / "site") == tree(root / "site")


def test_warnings_are_kept_by_cached_and_unchanged_builds(tmp_path: Path) -> None:
    root = make_site(tmp_path / "blog", count=2)
    (root / "digests" / "d01.md").write_text(digest(1) + "\n## Empty\n", encoding="utf-8")
    first = build(root)
    again = build(root)  # nothing changed
    (root / "digests" / "d02.md").write_text(digest(2, extra="edited"), encoding="utf-8")
    cached = build(root)  # d01 comes from the cache
    expected = ["digests/d01.md:23: section 'Empty' is empty"]
    for result in (first, again, cached):
        assert [str(w) for w in result.warnings] == expected


def test_a_same_size_edit_within_the_clock_tick_is_seen(tmp_path: Path) -> None:
    """The scan trusts a file's recorded stamp only when it last changed well before the
    previous build ended: an edit that keeps size and time (a coarse clock) is seen."""
    root = make_site(tmp_path / "blog")
    path = root / "digests" / "d03.md"
    build(root)
    stamp = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Paper 3", "Paper X"), encoding="utf-8")
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert path.stat().st_size == stamp.st_size
    build(root)
    assert "Paper X" in (root / "site" / "digests" / "d03" / "index.html").read_text()
    assert tree(root / "site") == cold_build(root, tmp_path)


def test_the_scan_records_follow_new_and_deleted_files(tmp_path: Path) -> None:
    root = make_site(tmp_path / "blog")
    build(root)
    (root / "digests" / "d08.md").unlink()
    (root / "digests" / "sub").mkdir()
    (root / "digests" / "sub" / "d09.md").write_text(digest(9), encoding="utf-8")
    result = build(root)
    assert result.digests == 8 and result.parsed == ("digests/sub/d09.md",)
    (manifest,) = (root / CACHE_DIR).glob("manifest-*.json")
    sources = json.loads(manifest.read_text(encoding="utf-8"))["sources"]
    assert "digests/sub/d09.md" in sources and "digests/d08.md" not in sources
    assert tree(root / "site") == cold_build(root, tmp_path)


def test_an_edit_reaches_only_the_listing_pages_that_hold_its_item(tmp_path: Path) -> None:
    """Listing pages are keyed by their own entries: an edit of one item makes again the
    pages that list that item, not the others of the same listings."""
    root = make_site(tmp_path / "blog", count=40)
    build(root)
    before = mtimes(root / "site")
    path = root / "digests" / "d03.md"
    path.write_text(path.read_text(encoding="utf-8").replace("[Paper 3]", "[Paper III]"))
    result = build(root)
    after = mtimes(root / "site")
    touched = {p for p in after if after[p] != before.get(p)}
    assert "links/page/1/index.html" in touched  # d03 is among the oldest
    assert "links/index.html" not in touched
    assert "domains/arxiv.org/index.html" in touched
    assert "domains/github.com/index.html" not in touched  # Paper III is not there
    assert result.rendered < 25
    assert tree(root / "site") == cold_build(root, tmp_path)


def test_a_build_into_another_folder_is_built_whole_and_kept_apart(tmp_path: Path) -> None:
    """Each output folder has its own record: two folders built in turn are each brought
    up to date from their own last build."""
    root = make_site(tmp_path / "blog", count=4)
    first, second = tmp_path / "first", tmp_path / "second"
    build(root, output=first, force_output=True)
    build(root, output=second, force_output=True)
    path = root / "digests" / "d02.md"
    path.write_text(path.read_text(encoding="utf-8").replace("- fast", "- faster"))
    for folder in (first, second):
        assert build(root, output=folder, force_output=True).parsed in (("digests/d02.md",), ())
    assert tree(first) == tree(second) == cold_build(root, tmp_path)


def test_an_edit_leaves_the_previous_site_in_the_standby_copy(tmp_path: Path) -> None:
    """An edit brings the standby copy up to date and swaps it in: the copy swapped out
    is exactly the site before the edit, and the next edit starts from it (its unchanged
    files stay hard links of the site's, not copies)."""
    root = make_site(tmp_path / "blog")
    build(root)
    standby = root / ".site.digestgen-standby"
    assert tree(standby) == tree(root / "site")
    for n in (2, 3):
        before = tree(root / "site")
        path = root / "digests" / f"d0{n}.md"
        path.write_text(path.read_text(encoding="utf-8").replace("- fast", "- faster"))
        build(root)
        assert tree(standby) == before
        shared = (root / "site" / "archive" / "index.html").stat().st_ino
        assert (standby / "archive" / "index.html").stat().st_ino == shared
    assert tree(root / "site") == cold_build(root, tmp_path)


def test_digests_round_trip_through_the_cache_codec(tmp_path: Path) -> None:
    """Every digest of the fixtures and of the example blog, head and body, comes back
    from the cache's JSON equal to the parsed one."""
    from conftest import FIXTURES_DIR, REPO_ROOT

    from digestgen.build.codec import decode_body, decode_head, encode_body, encode_head
    from digestgen.content.parse import parse_digest

    config = load_config(REPO_ROOT)
    paths = sorted(FIXTURES_DIR.glob("*.md")) + sorted((REPO_ROOT / "digests").glob("*.md"))
    for path in paths:
        digest_ = parse_digest(path.read_bytes(), f"digests/{path.name}", config)
        head = decode_head(json.loads(json.dumps(encode_head(digest_))))
        assert head == digest_.head(), path
        assert decode_body(head, json.loads(json.dumps(encode_body(digest_)))) == digest_, path


def test_a_feed_entry_follows_what_its_digest_says_of_it(tmp_path: Path) -> None:
    """A tag's feed names its item entries by their digest's number: a number given to
    the newest digest gives its entries new ids, as a cold build would."""
    root = make_site(tmp_path / "blog")
    build(root)
    path = root / "digests" / "d08.md"
    path.write_text(path.read_text(encoding="utf-8").replace("number: 8\n", ""))
    build(root)
    assert tree(root / "site") == cold_build(root, tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("tags:", "number: 77\ntags:"))
    build(root)
    assert b"digest/77#" in (root / "site" / "tags" / "theory" / "atom.xml").read_bytes()
    assert tree(root / "site") == cold_build(root, tmp_path)


def test_a_tags_numbered_pages_follow_its_name(tmp_path: Path) -> None:
    """A tag is shown by its most used spelling: when digest tags make another spelling
    win, every page of the tag says so, the numbered ones too (their links unchanged)."""
    root = make_site(tmp_path / "blog", count=2)
    for name, spelling, count, day in (
        ("a", "MachineLearning", 120, 1),
        ("b", "machinelearning", 119, 2),
    ):
        items = "".join(
            f"- [{name}{n}](https://{name}.example/{n}) - x #{spelling}\n" for n in range(count)
        )
        text = f'---\ntitle: "{name}"\ndate: 2024-05-0{day}\n---\n\n## S\n\n' + items
        (root / "digests" / f"{name}.md").write_text(text, encoding="utf-8")
    build(root)
    numbered = root / "site" / "tags" / "machinelearning" / "page" / "1" / "index.html"
    assert "Tag: MachineLearning" in numbered.read_text(encoding="utf-8")
    for n in (1, 2):  # two digest tags: 121 to 120
        path = root / "digests" / f"d0{n}.md"
        path.write_text(
            path.read_text(encoding="utf-8").replace("tags: [", "tags: [machinelearning, ")
        )
    build(root)
    assert "Tag: machinelearning" in numbered.read_text(encoding="utf-8")
    assert tree(root / "site") == cold_build(root, tmp_path)


def test_the_stats_page_follows_the_links_of_each_digest(tmp_path: Path) -> None:
    """A link made a text item changes the count of links the stats page shows, even
    when its host is not among the top domains."""
    root = make_site(tmp_path / "blog", count=2)
    hosts = "".join(f"- [h{n}](https://h{n % 16}.example/{n}) - x\n" for n in range(160))
    text = '---\ntitle: "Hosts"\ndate: 2024-05-01\n---\n\n## S\n\n' + hosts
    (root / "digests" / "hosts.md").write_text(text, encoding="utf-8")
    path = root / "digests" / "d02.md"
    path.write_text(path.read_text(encoding="utf-8") + "- [Rare](https://rare.example/x) - y\n")
    build(root)
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "- [Rare](https://rare.example/x) - y", "- Rare - y"
        )
    )
    build(root)
    assert tree(root / "site") == cold_build(root, tmp_path)
