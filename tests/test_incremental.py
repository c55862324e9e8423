"""Incremental builds: a cached build is byte-identical to a cold one, and touches only
the files whose bytes changed."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import marshal
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from digestgen.build import CACHE_DIR, STORE_FILE, build, output, parsecache, seed_output
from digestgen.build.cachestore import SEAL, CacheStore, Signer
from digestgen.build.parsecache import dumps, loads, user_signer
from digestgen.build.plan import digest_shape
from digestgen.cli import main
from digestgen.config import load_config
from digestgen.content.parse import parse_site, source_files
from digestgen.errors import DigestError, RenderError
from digestgen.render.search import (
    SHARDS_ROW,
    WORD_GROUPS,
    SearchDocuments,
    group_row,
    word_group,
)

# The prefixes of a digest's search word entries: one per group, one for its shards.
WORD_ROWS = {*map(group_row, range(WORD_GROUPS)), SHARDS_ROW}
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


def cache_rows(root: Path, table: str) -> dict[str, bytes]:
    """The entries of one table of the site's cache store, read with SQLite itself."""
    with contextlib.closing(sqlite3.connect(root / CACHE_DIR / STORE_FILE)) as db:
        return dict(db.execute(f"SELECT key, data FROM {table}"))


def words_by_digest(root: Path) -> dict[str, set[str]]:
    """The search words' entries of the cache, by digest parse key: the prefix of each
    (one per group of words, and one for the digest's shard names)."""
    found: dict[str, set[str]] = {}
    for key in cache_rows(root, "terms"):
        prefix, parse_key = key.split(":")
        found.setdefault(parse_key, set()).add(prefix + ":")
    return found


def set_cache_row(root: Path, table: str, key: str, data: bytes) -> None:
    with contextlib.closing(sqlite3.connect(root / CACHE_DIR / STORE_FILE)) as db, db:
        db.execute(f"UPDATE {table} SET data = ? WHERE key = ?", (data, key))


def make_site(root: Path, count: int = 8) -> Path:
    (root / "digests").mkdir(parents=True)
    (root / "digestgen.yaml").write_text(CONFIG, encoding="utf-8")
    for n in range(1, count + 1):
        tags = "ml, nlp" if n % 2 else "ml"
        (root / "digests" / f"d{n:02d}.md").write_text(digest(n, tags), encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's cache (signing key, compiled templates) in the test's own folder."""
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
    shutil.copytree(root, cold, ignore=shutil.ignore_patterns(CACHE_DIR, "site"))
    build(cold, workers=1)
    return tree(cold / "site")


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


def test_nothing_changed_rewrites_nothing(tmp_path: Path) -> None:
    root = make_site(tmp_path / "blog")
    assert build(root).config == load_config(root)
    before = mtimes(root / "site")
    result = build(root)
    assert result.written == 0 and result.rendered == 0
    assert mtimes(root / "site") == before
    assert result.config == load_config(root)  # without loading the site
    assert len(result.site.digests) == 8  # the site is still there, loaded on demand
    assert [phase for phase, _ in result.phases] == ["config", "scan", "check"]


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
    assert touched == changed  # every rewritten file has new bytes
    assert "digests/d02/index.html" in touched
    # Its neighbours, other digests and the tag pages do not show the item's commentary.
    assert not any(p.startswith("digests/") and "d02" not in p for p in touched)
    assert not any(p.startswith("tags/") and p.endswith("index.html") for p in touched)
    assert result.written == len(touched)


@pytest.mark.parametrize("workers", [1, 2])
def test_an_output_file_changed_by_hand_is_repaired(tmp_path: Path, workers: int) -> None:
    """On two workers the output folder is listed by a forked process while the site
    loads (``output.listed_early``), on one in the build's own process."""
    assert threading.active_count() == 1  # else the listing would not fork
    root = make_site(tmp_path / "blog")
    build(root)
    good = tree(root / "site")
    (root / "site" / "index.html").write_text("scribbled")
    (root / "site" / "feed.xml").unlink()
    (root / "site" / "stray.txt").write_text("not ours")
    build(root, workers=workers)
    assert tree(root / "site") == good


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failed_build_leaves_the_site_untouched(tmp_path: Path, workers: int) -> None:
    root = make_site(tmp_path / "blog")
    build(root)
    good, before = tree(root / "site"), mtimes(root / "site")
    (root / "digests" / "d01.md").write_text(digest(1).replace("Intro", "Changed intro"))
    (root / "templates").mkdir()
    (root / "templates" / "digest.html").write_text("{{ no_such_name }}")
    with pytest.raises(RenderError):
        build(root, workers=workers)
    assert tree(root / "site") == good and mtimes(root / "site") == before
    assert [p.name for p in tmp_path.joinpath("blog").iterdir() if p.name.startswith(".site")] == []
    (root / "templates" / "digest.html").unlink()
    build(root)
    assert tree(root / "site") == cold_build(root, tmp_path)


def test_a_digest_error_stops_the_build_before_its_listing_is_taken(tmp_path: Path) -> None:
    """The output folder's listing, made by a forked process from the start, is never
    taken when a digest fails to parse: the build waits for that process and raises,
    and the next build, the digest mended, is whole."""
    assert threading.active_count() == 1  # else the listing would not fork
    root = make_site(tmp_path / "blog")
    build(root)
    good, before = tree(root / "site"), mtimes(root / "site")
    text = (root / "digests" / "d02.md").read_text(encoding="utf-8")
    (root / "digests" / "d02.md").write_text(text.replace("date:", "datum:"), encoding="utf-8")
    with pytest.raises(DigestError, match=r"d02\.md"):
        build(root, workers=2)
    assert tree(root / "site") == good and mtimes(root / "site") == before
    (root / "digests" / "d02.md").write_text(text, encoding="utf-8")
    build(root, workers=2)
    assert tree(root / "site") == good


def test_parse_errors_are_reported_on_every_build(tmp_path: Path) -> None:
    root = make_site(tmp_path / "blog")
    (root / "digests" / "bad.md").write_text("---\ntitle: x\n---\n\n[a](javascript:alert(1))\n")
    for _ in range(2):
        with pytest.raises(DigestError) as info:
            build(root)
        assert "bad.md" in str(info.value) and "date" in str(info.value)


def test_parallel_build_equals_serial_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enough digests for the parser to use worker processes, and the renderer made to
    use them for the 109 outputs (it starts them from ``PARALLEL_MIN`` jobs)."""
    monkeypatch.setattr(output, "PARALLEL_MIN", 1)
    root = make_site(tmp_path / "blog", count=40)
    serial = tmp_path / "serial"
    build(root, output=serial, workers=1)
    shutil.rmtree(root / CACHE_DIR)
    result = build(root, output=tmp_path / "parallel", workers=2)
    assert result.rendered > 48
    assert tree(tmp_path / "parallel") == tree(serial)


def test_a_few_misses_are_parsed_beside_the_loading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit's few files to parse go to a child process, which also prunes the store,
    while the build loads the stored entries (here from one stored entry on): the site
    equals a cold build, the edited digest's old entries are gone and its new ones kept,
    and a file that fails to parse there is parsed again by the build, which reports it.
    Each build runs on a copy of the built site, as a new process would find it (a
    process that built a site keeps its digests in memory and loads none)."""
    assert threading.active_count() == 1  # else the build would not fork
    monkeypatch.setattr(parsecache, "ASIDE_MIN", 1)
    built = make_site(tmp_path / "built")
    build(built, workers=2)
    before = cache_rows(built, "parsed")
    text = (built / "digests" / "d02.md").read_text(encoding="utf-8")

    def copy(name: str) -> Path:
        shutil.copytree(built, tmp_path / name, symlinks=True)
        for manifest in (tmp_path / name / CACHE_DIR).glob("manifest-*"):
            manifest.unlink()  # it describes the original's output folder
        return tmp_path / name

    inline = copy("inline")
    root = copy("edited")
    for site in (inline, root):
        edited = text.replace("- fast", "- faster")
        (site / "digests" / "d02.md").write_text(edited, encoding="utf-8")
    messages: list[str] = []
    build(root, workers=2, log=messages.append)
    assert any("1 parsed now beside the loading" in m for m in messages), messages
    assert tree(root / "site") == cold_build(root, tmp_path)
    # The same build with the parse in the build's own process: the same keys, the
    # search groups' among them (their seals were read by the child above).
    monkeypatch.setattr(parsecache, "ASIDE_MIN", 10**9)
    messages.clear()
    build(inline, workers=2, log=messages.append)
    assert not any("beside" in m for m in messages), messages
    assert _job_keys(inline) == _job_keys(root)
    assert tree(inline / "site") == tree(root / "site")
    after = cache_rows(root, "parsed")
    assert len(after) == len(before) == 8 and len(set(after) - set(before)) == 1
    assert words_by_digest(root) == {key: WORD_ROWS for key in after}
    root = copy("broken")
    (root / "digests" / "d02.md").write_text(text.replace("- fast", "- quick"), encoding="utf-8")
    (root / "digests" / "d04.md").write_text("---\ntitle: x\n---\n\n- [a](https://a.org) - b\n")
    with pytest.raises(DigestError) as info:
        build(root, workers=2)
    assert "digests/d04.md:" in str(info.value) and "date" in str(info.value)
    assert tree(root / "site") == tree(built / "site")


def test_the_word_groups_an_edit_changed_are_made_beside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process that parses an edit's files forks one that makes the search word
    groups the edit changed, in the last build's site order, while the build loads and
    plans the site: the build takes those made of its own entries in its own order
    (the site equals a cold build), and makes the others itself (an edit that moves a
    digest puts the digests in another order)."""
    assert threading.active_count() == 1  # else the build would not fork
    monkeypatch.setattr(parsecache, "ASIDE_MIN", 1)
    root = make_site(tmp_path / "blog")
    build(root, workers=2)
    path = root / "digests" / "d02.md"
    text = path.read_text(encoding="utf-8")
    messages: list[str] = []

    def edit(new: str) -> str:
        path.write_text(new, encoding="utf-8")
        messages.clear()
        parsecache._RECENT.clear()  # as a new process finds it: no digests in memory
        build(root, workers=2, log=messages.append)
        assert any("beside the loading" in m for m in messages), messages
        assert tree(root / "site") == cold_build(root, tmp_path)
        return next(m for m in messages if "rendered" in m)

    # Words gone and new: their groups, and the list of shards (new shards), changed.
    said = edit(text.replace("- fast", "- quicker zebra"))
    groups = {word_group(word[:2]) for word in ("fast", "quicker", "zebra")}
    assert f"{len(groups) + 1} word groups made beside" in said, said
    said = edit(text.replace("- fast", "- quicker zebra yak"))
    assert f"{1 + 1} word groups made beside" in said, said
    # A digest moved to the top: another order, no word group made beside is taken.
    said = edit(text.replace("date: 2024-01-03", "date: 2024-03-01") + "more words\n")
    assert "made beside" not in said, said


def test_keys_worked_out_on_the_workers_skip_the_same_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With enough jobs, the workers work out the keys of an incremental build and skip
    the unchanged jobs themselves (here from the first job, on two workers). The builds
    equal those whose keys the parent works out, and cold builds: same files, same jobs
    run, same files written."""
    assert threading.active_count() == 1  # else the build would not fork workers
    monkeypatch.setattr(output, "PARALLEL_MIN", 1)  # workers even for the few jobs here
    on_workers, in_parent = make_site(tmp_path / "a"), make_site(tmp_path / "b")

    def both(step: str) -> None:
        results = []
        for root, least in ((on_workers, 1), (in_parent, 10**9)):
            monkeypatch.setattr(output, "KEYS_ON_WORKERS_MIN", least)
            before = mtimes(root / "site") if (root / "site").exists() else {}
            result = build(root, workers=2)
            after = mtimes(root / "site")
            touched = sorted(p for p in after if after[p] != before.get(p))
            results.append((result.rendered, result.written, touched, _job_keys(root)))
        assert results[0] == results[1], step
        assert (
            tree(on_workers / "site")
            == tree(in_parent / "site")
            == cold_build(on_workers, tmp_path)
        ), step

    both("first build")
    both("nothing changed")
    for root in (on_workers, in_parent):
        text = (root / "digests" / "d02.md").read_text(encoding="utf-8")
        (root / "digests" / "d02.md").write_text(text.replace("- fast", "- faster"))
    both("an edit")
    for root in (on_workers, in_parent):
        (root / "digests" / "d03.md").write_text(digest(3, "ml, vision"), encoding="utf-8")
        (root / "digests" / "d05.md").unlink()
    both("a tag added, a digest deleted")


def _manifest(root: Path) -> output.Manifest:
    (path,) = (root / CACHE_DIR).glob("manifest-*.bin")
    manifest = output.Manifest.load(path, str((root / "site").resolve()), user_signer())
    assert manifest is not None
    return manifest


def test_outputs_whose_digests_did_not_change_keep_their_keys_unworked(tmp_path: Path) -> None:
    """Each output records the digests its key was made of. An edit that keeps the site's
    layout (a comment, not a tag) keeps every output made only of other digests without
    working out its key; an edit that changes the layout works out every key again."""
    root = make_site(tmp_path / "blog")
    build(root)
    manifest = _manifest(root)
    jobs, names = manifest.jobs, list(manifest.sources)
    # The digests (by their place in the site, newest first) each output was made of.
    made_of = {name: None if e[2] is None else {names[n] for n in e[2]} for name, e in jobs.items()}
    assert made_of["digests/d03/index.html"] == {f"digests/d0{n}.md" for n in (2, 3, 4)}
    tagged = {f"digests/d{n:02d}.md" for n in (1, 3, 5, 7)}
    assert tagged <= (made_of["tags/nlp/index.html"] or set())
    assert "digests/d02.md" not in (made_of["tags/nlp/index.html"] or set())
    assert made_of["sitemap"] == set()  # made of paths and dates: the layout alone
    assert made_of["search"] is None  # keyed by its own entries, every time
    assert names == [f"digests/d{n:02d}.md" for n in range(8, 0, -1)]
    made_of_others = {
        name for name, used in made_of.items() if used is not None and "digests/d02.md" not in used
    }

    text = (root / "digests" / "d02.md").read_text(encoding="utf-8")
    (root / "digests" / "d02.md").write_text(text.replace("- fast", "- faster"), encoding="utf-8")
    result = build(root)
    assert result.kept == len(made_of_others) > 10
    assert {n for n, e in _manifest(root).jobs.items() if e[0] != jobs[n][0]} <= set(
        jobs
    ) - made_of_others
    assert tree(root / "site") == cold_build(root, tmp_path)

    (root / "digests" / "d03.md").write_text(digest(3, "ml, vision"), encoding="utf-8")
    result = build(root)
    assert result.kept == 0
    assert tree(root / "site") == cold_build(root, tmp_path)
    # The next edit that keeps the layout keeps outputs again.
    text = (root / "digests" / "d02.md").read_text(encoding="utf-8")
    (root / "digests" / "d02.md").write_text(text.replace("- faster", "- fast"), encoding="utf-8")
    assert build(root).kept > 0
    assert tree(root / "site") == cold_build(root, tmp_path)


# Edits to d02 (``digest(2)``), as (old text, new text), and whether the site keeps its
# layout through them: which pages there are, what they list, in which order.
EDITS = {
    "a comment": ("- fast", "- faster", True),
    "a note": ("a note with `code`", "a note with more `code`", True),
    "a nested note added": ("a nested note\n", "a nested note\n        - and another\n", True),
    "the intro": ("Intro of digest 2", "The intro of digest 2", True),
    "a quote": ("> a quote 2", "> another quote 2", True),
    "a summary added": ("tags: [ml]", 'tags: [ml]\nsummary: "In short"', True),
    "a line added above the items": ("\n## Papers", "\nMore intro.\n\n## Papers", True),
    "a tag of an item": ("#theory", "#theory #fresh", False),
    "a tag of the digest": ("tags: [ml]", "tags: [ml, fresh]", False),
    "a link": ("arxiv.org/abs/2)", "arxiv.org/abs/2b)", False),
    "a link to another host": ("github.com/x/2", "gitlab.com/x/2", False),
    "an item's title": ("[Paper 2]", "[Paper Two]", False),
    "an item added": ("- [Paper 2]", "- [New](https://new.example/) - new\n- [Paper 2]", False),
    "an item removed": ("- [video] [Talk 2](https://youtube.com/watch?v=2) - a talk\n", "", False),
    "a section's title": ("## Papers", "## Papers and preprints", False),
    "the title": ('title: "Digest 2"', 'title: "Digest two"', False),
    "the date": ("date: 2024-01-03", "date: 2024-03-03", False),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_every_kind_of_edit_builds_what_a_cold_build_builds(tmp_path: Path, edit: str) -> None:
    """An edit of any part of a digest gives the cold build's site. Only the edits that
    keep the layout keep outputs without working out their keys."""
    old, new, keeps_layout = EDITS[edit]
    root = make_site(tmp_path / "blog")
    build(root)
    path = root / "digests" / "d02.md"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    result = build(root)
    assert (result.kept > 0) == keeps_layout
    assert tree(root / "site") == cold_build(root, tmp_path)


def test_the_tags_overview_follows_the_items_it_holds(tmp_path: Path) -> None:
    """The tags overview's tags stand for the digests that carry them and those of their
    items, not for the items (``Planner._tag_fingerprint``): a template that shows the
    items there still follows an edit of one, in a digest that carries the tag only on
    that item, and of a digest's own tags."""
    root = make_site(tmp_path / "blog")
    path = root / "digests" / "d02.md"
    path.write_text(digest(2, tags=""), encoding="utf-8")  # its items' tags only
    (root / "templates").mkdir()
    (root / "templates" / "tags.html").write_text(
        "{% for tag in tags %}<h2>{{ tag.name }}</h2>"
        "{% for d in tag.digests %}<p>{{ d.title }}</p>{% endfor %}"
        "{% for d, i in tag.items %}<li>{{ d.title }}: {{ i.commentary }}</li>{% endfor %}"
        "{% endfor %}",
        encoding="utf-8",
    )
    build(root)
    overview = root / "site" / "tags" / "index.html"
    text = path.read_text(encoding="utf-8")
    for old, new in [
        ("about things #theory", "about other things #theory"),
        ('title: "Digest 2"', 'title: "Digest two"'),
        ("tags: []", "tags: [fresh]"),
    ]:
        text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
        build(root)
        assert tree(root / "site") == cold_build(root, tmp_path), new
    shown = overview.read_text(encoding="utf-8")
    assert "Digest two: about other things" in shown
    assert "<h2>fresh</h2><p>Digest two</p>" in shown


def test_groupings_read_back_are_those_worked_out(tmp_path: Path) -> None:
    """Read back from their record, the groupings (tags, domains, "also featured in")
    equal those worked out, down to the very items; a digest whose parse key is new is
    shaped again, and a new shape, another order, another key's seal or a broken record
    gets them worked out (and recorded) again."""
    from digestgen.build.cachestore import read_sealed, write_sealed
    from digestgen.build.layout import GROUPINGS_FILE, Groupings, remembered_layout

    root = make_site(tmp_path / "blog")
    digests = root / "digests"
    again = "- [Again](https://arxiv.org/abs/1) - featured before #theory\n"
    (digests / "d03.md").write_text(digest(3) + again, encoding="utf-8")
    (digests / "d06.md").write_text(digest(6) + "- [Twin](https://a_b.example/) - x\n")
    (digests / "d07.md").write_text(digest(7) + "- [Twin](https://a-b.example/) - y\n")
    config = load_config(root)
    site = parse_site(config, source_files(root, config))
    keys = {id(d): f"key-{d.path}" for d in site.digests}
    path, signer = tmp_path / "groupings.bin", user_signer()

    def same(got: Groupings, expected: Groupings) -> None:
        assert got == expected
        pairs = [(a.items, b.items) for a, b in zip(got.tags, expected.tags, strict=True)]
        pairs += [
            (a[1], b[1]) for a, b in zip(got.domain_links, expected.domain_links, strict=True)
        ]
        pairs += [(got.featured[k], v) for k, v in expected.featured.items()]
        for a, b in pairs:
            assert all(x is y for x, y in zip(a, b, strict=True))

    fresh = Groupings.of(site)
    assert fresh.featured and any(len(links) == 2 for _, links in fresh.domain_links)
    first = remembered_layout(site, keys, path, signer)
    record = read_sealed(path, signer)
    same(first.groupings, fresh)
    second = remembered_layout(site, keys, path, signer)
    same(second.groupings, fresh)
    assert second.shapes == first.shapes and read_sealed(path, signer) == record
    assert second.groupings.tags[0] is not fresh.tags[0]  # read back, not worked out

    # A new parse key: the digest is shaped again, and its shape is the same.
    keys[id(site.digests[2])] = "another key"
    same(remembered_layout(site, keys, path, signer).groupings, fresh)
    record = read_sealed(path, signer)
    assert record[3][2] == "another key"

    # A tag added to an item: a new shape, new groupings.
    (digests / "d02.md").write_text(digest(2).replace("#theory", "#theory #fresh"))
    changed = parse_site(config, source_files(root, config))
    olds = zip(changed.digests, site.digests, strict=True)
    changed_keys = {id(d): keys[id(old)] for d, old in olds}
    changed_keys[id(changed.digests[6])] = "new key of d02"
    same(remembered_layout(changed, changed_keys, path, signer).groupings, Groupings.of(changed))
    assert "fresh" in [tag[1] for tag in read_sealed(path, signer)[5]]

    # Another order of the same digests, a record sealed with another key, a broken one.
    reordered = dataclasses.replace(site, digests=site.digests[::-1])
    same(remembered_layout(reordered, keys, path, signer).groupings, Groupings.of(reordered))
    remembered_layout(site, keys, path, Signer(b"another key"))
    same(remembered_layout(site, keys, path, signer).groupings, fresh)
    path.write_bytes(signer.seal(marshal.dumps([1, "x"])))
    same(remembered_layout(site, keys, path, signer).groupings, fresh)

    # A build takes them from its record while the shapes stay: one planted there, with
    # another spelling of a tag, shows after an edit of a comment.
    build(root)
    record_path = root / CACHE_DIR / GROUPINGS_FILE
    record = read_sealed(record_path, signer)
    record[5] = [("Planted", *tag[1:]) if tag[1] == "nlp" else tag for tag in record[5]]
    write_sealed(record_path, signer, record)
    text = (digests / "d05.md").read_text(encoding="utf-8")
    (digests / "d05.md").write_text(text.replace("- fast", "- faster"), encoding="utf-8")
    build(root)
    assert "Tag: Planted" in (root / "site/tags/nlp/index.html").read_text(encoding="utf-8")


def test_a_manifest_not_sealed_with_the_users_key_is_never_loaded(tmp_path: Path) -> None:
    """The manifest is marshalled, which is not safe for data of unknown origin (a cache
    folder could come with a site): one whose seal does not hold is ignored, and the
    next build makes the whole site as from scratch, then seals a manifest of its own.
    A manifest of the JSON format of earlier versions is removed."""
    root = make_site(tmp_path / "blog")
    build(root)
    (path,) = (root / CACHE_DIR).glob("manifest-*.bin")
    sealed = path.read_bytes()
    assert user_signer().open(sealed) is not None
    # The same manifest behind another key's seal, as a site's own cache folder would be.
    path.write_bytes(Signer(b"another user's key" * 2).seal(sealed[SEAL:]))
    old_format = root / CACHE_DIR / "manifest-0123456789abcdef.json"
    old_format.write_text('{"version": 2}', encoding="utf-8")
    text = (root / "digests" / "d02.md").read_text(encoding="utf-8")
    (root / "digests" / "d02.md").write_text(text.replace("- fast", "- faster"), encoding="utf-8")
    before = mtimes(root / "site")
    result = build(root)
    assert result.kept == 0 and result.rendered == len(_manifest(root).jobs)
    after = mtimes(root / "site")
    assert all(after[p] != before.get(p) for p in after)  # the whole folder made again
    assert tree(root / "site") == cold_build(root, tmp_path)
    assert not old_format.exists()
    assert user_signer().open(path.read_bytes()) is not None
    (root / "digests" / "d02.md").write_text(text, encoding="utf-8")
    assert build(root).kept > 0  # the manifest the last build sealed is loaded


def _same_model(loaded: object, parsed: object) -> None:
    """Equal, and of the same types all the way down (a named tuple equals a plain tuple
    of the same fields), dates with the same time zone object kind."""
    assert type(loaded) is type(parsed)
    if isinstance(parsed, datetime):
        assert isinstance(loaded, datetime)
        assert (loaded, repr(loaded), loaded.tzinfo) == (parsed, repr(parsed), parsed.tzinfo)
    elif isinstance(parsed, tuple):
        assert isinstance(loaded, tuple) and len(loaded) == len(parsed)
        for a, b in zip(loaded, parsed, strict=True):
            _same_model(a, b)
    else:
        assert loaded == parsed


def test_cached_digests_round_trip_through_the_cache_codec(tmp_path: Path) -> None:
    """A digest loaded from the cache equals the parsed one, field by field and type by
    type (digest, sections, items, blocks, dates in the site's zone, warnings), and has
    the same shape (the layout compares shapes of digests parsed in one build and loaded
    in another). Bytes the codec did not write are no entry."""
    root = make_site(tmp_path / "blog", count=2)
    (root / "digestgen.yaml").write_text(CONFIG + 'timezone: "Europe/Paris"\n', encoding="utf-8")
    text = digest(2).replace("number: 2\n", "number: 2\nupdated: 2024-03-05 10:30\n")
    (root / "digests" / "d02.md").write_text(text + "\n## Empty\n", encoding="utf-8")
    config = load_config(root)
    parsed = parse_site(config, source_files(root, config))
    warnings = parsed.warnings
    assert warnings and any(d.intro for d in parsed.digests)
    assert any(s.subsections for d in parsed.digests for s in d.sections)
    assert any(d.updated is not None for d in parsed.digests)
    for digest_ in parsed.digests:
        mine = [w for w in warnings if w.path == digest_.path]
        entry = loads(dumps(digest_, mine))
        assert entry is not None
        loaded, plain = entry
        _same_model(loaded, digest_)
        assert plain == tuple((w.message, w.path, w.line, w.column) for w in mine)
        assert digest_shape(loaded) == digest_shape(digest_)
        assert digest_shape(digest_._replace(title=digest_.title + "!")) != digest_shape(digest_)
    good = dumps(parsed.digests[0])
    for broken in (b"", b"\x80not marshal", good[: len(good) // 2], pickle.dumps((1, 2))):
        assert loads(broken) is None


def test_timings_flag_prints_each_phase(tmp_path: Path) -> None:
    root = make_site(tmp_path / "blog", count=2)
    result = CliRunner().invoke(main, ["build", "--root", str(root), "--timings"])
    assert result.exit_code == 0, result.output
    for phase in ("config", "scan", "parse", "plan", "render+write", "total"):
        assert phase in result.output
    again = CliRunner().invoke(main, ["build", "--root", str(root), "--timings"])
    assert "check" in again.output and "parse" not in again.output


def test_cache_is_under_the_site_root_and_pruned(tmp_path: Path) -> None:
    root = make_site(tmp_path / "blog", count=3)
    build(root)
    before = cache_rows(root, "parsed")
    assert len(before) == 3
    assert words_by_digest(root) == {key: WORD_ROWS for key in before}
    (root / "digests" / "d01.md").write_text(digest(1, extra="changed"))
    build(root)
    after = cache_rows(root, "parsed")
    assert len(after) == 3 and len(set(after) - set(before)) == 1
    assert words_by_digest(root) == {key: WORD_ROWS for key in after}
    # Rows no build would read: a digest key under an unknown prefix, a stale key
    # under a known one, and stale keys in the parsed table. The next build drops them.
    kept = next(iter(after))
    planted = {"terms": ["zz:" + kept, "0a:" + "f" * 64, "0a:" + kept + "x"], "parsed": ["e" * 64]}
    with contextlib.closing(sqlite3.connect(root / CACHE_DIR / STORE_FILE)) as db, db:
        for table, keys in planted.items():
            db.executemany(f"INSERT INTO {table} VALUES (?, ?)", [(k, b"x" * 40) for k in keys])
    (root / "digests" / "d03.md").write_text(digest(3, extra="changed"))
    build(root)
    after = cache_rows(root, "parsed")
    assert len(after) == 3
    assert words_by_digest(root) == {key: WORD_ROWS for key in after}
    # One file holds the entries: no file per digest, and the folders of the earlier
    # layout (a file per entry) are removed by the next build.
    assert sorted(p.name for p in (root / CACHE_DIR).iterdir() if p.is_dir()) == []
    for old in ("parsed", "search"):
        (root / CACHE_DIR / old).mkdir()
        (root / CACHE_DIR / old / "0123.pickle").write_bytes(b"old")
    (root / "digests" / "d02.md").write_text(digest(2, extra="changed"))
    build(root)
    assert sorted(p.name for p in (root / CACHE_DIR).iterdir() if p.is_dir()) == []


def test_the_store_reads_ahead_in_the_order_it_is_given(tmp_path: Path) -> None:
    """A reader given the order of the keys to come reads them a batch at a time and
    still answers any key: asked in that order, out of it, missing, not announced, or
    from a store that cannot be read."""
    store = CacheStore(tmp_path / "entries.sqlite")
    keys = [f"k{n:03d}" for n in range(150)]
    store.put_many("parsed", [(k, k.encode() * 3) for k in keys if k != "k070"])
    ahead = [*keys, "k999"]
    with store.reader("parsed", ahead) as get:
        assert [get(k) for k in keys[:70]] == [k.encode() * 3 for k in keys[:70]]
        assert get("k070") is None  # announced, not stored
        assert get("k005") == b"k005" * 3  # asked again, out of order
        assert get("k140") == b"k140" * 3  # ahead of the batch
        assert [get(k) for k in keys[71:140]] == [k.encode() * 3 for k in keys[71:140]]
        assert get("k999") is None
        assert get("k001") == b"k001" * 3 and get("k001") == b"k001" * 3
        assert get("other") is None  # not announced
    with store.reader("parsed") as get:
        assert get("k149") == b"k149" * 3
    (tmp_path / "entries.sqlite").write_bytes(b"not a database" * 100)
    with CacheStore(tmp_path / "entries.sqlite").reader("parsed", ahead) as get:
        assert get("k001") is None


class _Planted:
    """What a hostile site could ship in its cache: unpickling it would run code."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, ("open('PWNED', 'w').write('x')",))


def test_a_cache_entry_not_signed_by_this_user_is_never_loaded(tmp_path: Path) -> None:
    """The next build runs as a new process, as the command does: one that built the site
    before keeps its digests in memory and would not read the store at all."""
    root = make_site(tmp_path / "blog", count=3)
    build(root)
    good = tree(root / "site")
    entries = cache_rows(root, "parsed")
    assert len(entries) == 3
    for key in entries:
        set_cache_row(root, "parsed", key, b"\0" * 32 + pickle.dumps(_Planted()))
    shutil.rmtree(root / "site")
    subprocess.run(
        [sys.executable, "-m", "digestgen", "build", "--root", str(root)],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert not (tmp_path / "PWNED").exists()
    assert tree(root / "site") == good
    # The planted entries were replaced by good ones.
    assert all(
        data != b"\0" * 32 + pickle.dumps(_Planted())
        for data in cache_rows(root, "parsed").values()
    )


def test_a_process_that_builds_again_reuses_the_digests_it_loaded(tmp_path: Path) -> None:
    """``digestgen serve`` builds on every save in one process: unchanged digests are the
    objects of the last build (not loaded again), the edited one is new, the site exact;
    and a digest the store lost meanwhile is stored again from memory."""
    root = make_site(tmp_path / "blog")
    first = build(root).site
    text = (root / "digests" / "d03.md").read_text(encoding="utf-8")
    (root / "digests" / "d03.md").write_text(text.replace("Paper 3", "Paper III"))
    # The entry of a digest that stays as it is (the edited one's goes with the edit).
    lost = next(k for k, data in cache_rows(root, "parsed").items() if b"d03.md" not in data)
    with contextlib.closing(sqlite3.connect(root / CACHE_DIR / STORE_FILE)) as db, db:
        db.execute("DELETE FROM parsed WHERE key = ?", (lost,))
    second = build(root).site
    before = {d.path: d for d in first.digests}
    for digest in second.digests:
        if digest.path == "digests/d03.md":
            assert digest is not before[digest.path]
        else:
            assert digest is before[digest.path]
    assert tree(root / "site") == cold_build(root, tmp_path)
    assert lost in cache_rows(root, "parsed")
    assert len(cache_rows(root, "parsed")) == 8


def test_files_added_to_the_site_by_hand_go_with_the_next_build_that_writes(
    tmp_path: Path,
) -> None:
    """A build that finds nothing changed leaves the output folder alone; the next build
    that writes removes the files no job made (and the folders that leaves empty). A
    symlink to a file goes; a symlinked folder is not walked, so what it links to is safe."""
    root = make_site(tmp_path / "blog")
    build(root)
    site = root / "site"
    (site / "notes" / "deep").mkdir(parents=True)
    (site / "notes" / "deep" / "todo.txt").write_text("mine", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep", encoding="utf-8")
    (site / "linked").symlink_to(outside, target_is_directory=True)
    (site / "link.txt").symlink_to(outside / "keep.txt")
    assert build(root).written == 0
    assert (site / "notes" / "deep" / "todo.txt").exists()
    text = (root / "digests" / "d03.md").read_text(encoding="utf-8")
    (root / "digests" / "d03.md").write_text(text.replace("Paper 3", "Paper III"))
    build(root)
    assert not (site / "notes").exists()
    assert not (site / "link.txt").is_symlink()
    assert (site / "linked").is_symlink()
    assert (outside / "keep.txt").read_text(encoding="utf-8") == "keep"
    (site / "linked").unlink()
    assert tree(site) == cold_build(root, tmp_path)


def test_a_broken_cache_store_is_made_again(tmp_path: Path) -> None:
    """A cache file cut short or overwritten is not a database: the build starts a new
    one and its output is still exact."""
    root = make_site(tmp_path / "blog")
    build(root)
    store = root / CACHE_DIR / STORE_FILE
    for leftover in (root / CACHE_DIR).glob(STORE_FILE + "-*"):
        leftover.unlink()
    store.write_bytes(b"not a database " * 100)
    text = (root / "digests" / "d03.md").read_text(encoding="utf-8")
    (root / "digests" / "d03.md").write_text(text.replace("Paper 3", "Paper III"))
    result = build(root)
    assert result.digests == 8
    assert tree(root / "site") == cold_build(root, tmp_path)
    assert len(cache_rows(root, "parsed")) == 8


def test_a_cache_store_locked_by_another_build_costs_only_its_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holding the write lock for longer than a build waits: the build
    reads what it can, skips its writes and still makes the exact site."""
    import digestgen.build.cachestore

    root = make_site(tmp_path / "blog")
    build(root)
    monkeypatch.setattr(digestgen.build.cachestore, "BUSY_SECONDS", 0.1)
    text = (root / "digests" / "d04.md").read_text(encoding="utf-8")
    (root / "digests" / "d04.md").write_text(text.replace("Paper 4", "Paper IV"))
    before = cache_rows(root, "parsed")
    other = sqlite3.connect(root / CACHE_DIR / STORE_FILE, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # holds the write lock
        build(root)
    finally:
        other.close()
    assert tree(root / "site") == cold_build(root, tmp_path)
    assert cache_rows(root, "parsed") == before  # nothing written while locked
    # The next build that parses keeps what the locked one could not.
    text = (root / "digests" / "d05.md").read_text(encoding="utf-8")
    (root / "digests" / "d05.md").write_text(text.replace("Paper 5", "Paper V"))
    build(root)
    assert len(set(cache_rows(root, "parsed")) - set(before)) == 2
    assert len(cache_rows(root, "parsed")) == 8
    assert tree(root / "site") == cold_build(root, tmp_path)


def test_pages_from_main_stay_exact_in_cached_builds(tmp_path: Path) -> None:
    """Link, domain and stats pages, search files, export editions and "Also featured in"
    (which shows an earlier digest's title on a later page) follow every edit."""
    root = make_site(tmp_path / "blog", count=4)
    digests = root / "digests"
    config = CONFIG + "export_formats: [email, text, markdown]\n"
    (root / "digestgen.yaml").write_text(config, encoding="utf-8")
    repeat = "- [Again](https://arxiv.org/abs/1) - featured before\n"
    (digests / "d03.md").write_text(digest(3) + repeat, encoding="utf-8")
    build(root)
    site = root / "site"
    for path in ("links/index.html", "domains/index.html", "stats/index.html"):
        assert (site / path).is_file(), path
    assert (site / "search/index.json").is_file()
    assert (site / "digests/d03/email.html").is_file()
    assert b"Also featured in" in (site / "digests/d03/index.html").read_bytes()
    assert tree(site) == cold_build(root, tmp_path)

    (digests / "d01.md").write_text(digest(1).replace("Digest 1", "First one"), encoding="utf-8")
    build(root)
    assert b"First one" in (site / "digests/d03/index.html").read_bytes()
    assert tree(site) == cold_build(root, tmp_path)
    (digests / "d04.md").write_text(digest(4, extra="[x](https://new.example/p)"))
    build(root)
    assert tree(site) == cold_build(root, tmp_path)
    (root / "digestgen.yaml").write_text(CONFIG, encoding="utf-8")
    build(root)
    assert not (site / "digests/d03/email.html").exists()
    assert tree(site) == cold_build(root, tmp_path)


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


def test_manifests_of_removed_outputs_are_dropped(tmp_path: Path) -> None:
    """``digestgen serve`` builds into a new folder each time: old manifests must not pile up."""
    root = make_site(tmp_path / "blog", count=2)
    first, second = tmp_path / "out-1", tmp_path / "out-2"
    build(root, output=first)
    shutil.rmtree(first)
    build(root, output=second)
    build(root)
    manifests = sorted((root / CACHE_DIR).glob("manifest-*.bin"))
    assert len(manifests) == 2  # out-2 and site/, not the removed out-1


def test_a_same_size_edit_within_the_clock_tick_is_seen(tmp_path: Path) -> None:
    """The scan trusts a file's recorded size and mtime only when it last changed well
    before the previous scan: an edit that keeps both (a coarse clock) is still seen."""
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


def test_the_scan_records_are_reused_and_follow_deletions(tmp_path: Path) -> None:
    root = make_site(tmp_path / "blog")
    build(root)
    record = root / CACHE_DIR / "scan.json"
    assert record.is_file()
    (root / "digests" / "d08.md").unlink()
    (root / "digests" / "sub").mkdir()
    (root / "digests" / "sub" / "d09.md").write_text(digest(9), encoding="utf-8")
    result = build(root)
    assert result.digests == 8
    assert "digests/sub/d09.md" in record.read_text(encoding="utf-8")
    assert "digests/d08.md" not in record.read_text(encoding="utf-8")
    assert tree(root / "site") == cold_build(root, tmp_path)


def test_broken_search_cache_entries_are_computed_again(tmp_path: Path) -> None:
    """The search index keeps each digest's words in the cache, by group, signed; an entry
    that is cut short, not a pickle, or not signed with the user's key (planted words)
    is computed again, never loaded, and stored again. A group's key is made of its
    entries' seals: an entry broken behind its own seal leaves the key as it was (the
    shards made from the sound entry stay), and is mended when its group is made again."""
    root = make_site(tmp_path / "blog")
    build(root)
    entries = cache_rows(root, "terms")
    assert len(entries) == 8 * len(WORD_ROWS)
    scanned = json.loads((root / CACHE_DIR / "scan.json").read_text(encoding="utf-8"))
    edited = scanned["files"]["digests/d05.md"][3]
    others = sorted(k for k in entries if not k.startswith(SHARDS_ROW) and edited not in k)
    # The edit below takes the word "5" out of d05 and brings "v" in: their groups are
    # made again, the others are not.
    remade = {group_row(word_group(word)) for word in ("5", "v")}
    kept = [k for k in others if k[:3] not in remade]
    short, unsigned = kept[0], kept[-1]
    behind_own_seal = next(k for k in others if k[:3] in remade)
    set_cache_row(root, "terms", short, entries[short][:20])
    # A well-formed entry of planted words, behind the signature of another entry.
    body = list(pickle.loads(entries[unsigned][32:]))
    body[3] = {"planted": [0]}
    set_cache_row(root, "terms", unsigned, entries[short][:32] + pickle.dumps(tuple(body)))
    body = list(pickle.loads(entries[behind_own_seal][32:]))
    body[3] = {"planted": [0]}
    planted = entries[behind_own_seal][:32] + pickle.dumps(tuple(body))
    set_cache_row(root, "terms", behind_own_seal, planted)
    text = (root / "digests" / "d05.md").read_text(encoding="utf-8")
    (root / "digests" / "d05.md").write_text(text.replace("Paper 5", "Paper V"), encoding="utf-8")
    build(root)
    assert tree(root / "site") == cold_build(root, tmp_path)
    assert b"planted" not in b"".join(tree(root / "site").values())
    # The broken entries were stored again, and the old d05's are gone.
    again = cache_rows(root, "terms")
    assert len(again) == 8 * len(WORD_ROWS)
    assert all(again[key] == entries[key] for key in (short, unsigned, behind_own_seal))
    # Garbage behind an entry's own seal, in a group no edit makes again: the group's
    # key holds, its shards stay as made from the sound entry, and nothing is loaded.
    garbage = kept[len(kept) // 2]
    set_cache_row(root, "terms", garbage, entries[garbage][:32] + b"\x80not a pickle")
    text = (root / "digests" / "d05.md").read_text(encoding="utf-8")
    (root / "digests" / "d05.md").write_text(text.replace("Paper V", "Paper 5"), encoding="utf-8")
    build(root)
    assert tree(root / "site") == cold_build(root, tmp_path)


def _job_keys(root: Path) -> dict[str, str | None]:
    return {name: entry[0] for name, entry in _manifest(root).jobs.items()}


def test_an_edit_reaches_only_the_listing_pages_that_hold_the_digest(tmp_path: Path) -> None:
    """Listing pages (link index, domain, tag) are keyed by their own slice of items: an
    edit to a digest changes the keys of the pages that list its items, not the others."""
    root = tmp_path / "blog"
    (root / "digests").mkdir(parents=True)
    (root / "digestgen.yaml").write_text(CONFIG, encoding="utf-8")
    for n in (1, 2, 3):
        items = "".join(
            f"- [Post {n}-{i}](https://example.com/{n}/{i}) - words #shared\n" for i in range(30)
        )
        text = f'---\ntitle: "D{n}"\ndate: 2024-0{n}-01\n---\n\n## S\n\n{items}'
        (root / "digests" / f"d{n}.md").write_text(text, encoding="utf-8")
    build(root)
    before = _job_keys(root)
    old = (root / "digests" / "d1.md").read_text(encoding="utf-8")
    # 90 links, 50 a page, newest first: d1, the oldest digest, is on the second pages only.
    (root / "digests" / "d1.md").write_text(old.replace("1/29) - words", "1/29) - edited"))
    site = build(root).site
    after = _job_keys(root)
    changed = {name for name in after if after[name] != before.get(name)}
    for listing in ("links/", "domains/example.com/", "tags/shared/"):
        assert f"{listing}page/2/index.html" in changed
        assert f"{listing}index.html" not in changed
    assert "digests/d1/index.html" in changed and "digests/d3/index.html" not in changed
    # The search words: only the groups of the words that changed ("edited" came into
    # an item, "words" left it) are made again.
    groups = {word_group(word[:2]) for word in ("edited", "words")}
    made = {name for name in changed if name.startswith("search:words-")}
    assert made == {f"search:words-{group_row(group)[:-1]}" for group in groups}
    # The documents: only the runs of chunks that hold d1's.
    edited = next(n for n, d in enumerate(site.digests) if d.path == "digests/d1.md")
    runs = SearchDocuments(site).groups
    holding = {n for n, run in enumerate(runs) if edited in run.digests or edited in run.owners}
    made = {name for name in changed if name.startswith("search:documents-")}
    assert made == {f"search:documents-{n:02x}" for n in holding} and len(holding) < len(runs)
    assert tree(root / "site") == cold_build(root, tmp_path)


def test_an_item_removed_before_other_digests_moves_their_search_documents(
    tmp_path: Path,
) -> None:
    """The search documents are numbered across the site: removing an item from the
    newest digest moves every later digest's documents down one place, so the runs of
    chunks that hold them are made again although those digests did not change."""
    root = tmp_path / "blog"
    (root / "digests").mkdir(parents=True)
    (root / "digestgen.yaml").write_text(CONFIG, encoding="utf-8")
    for n in range(1, 9):
        items = "".join(f"- [Post {n}-{i}](https://example.com/{n}/{i}) - w\n" for i in range(30))
        text = f'---\ntitle: "D{n}"\ndate: 2024-0{n}-01\n---\n\n## S\n\n{items}'
        (root / "digests" / f"d{n}.md").write_text(text, encoding="utf-8")
    build(root)
    newest = root / "digests" / "d8.md"
    lines = newest.read_text(encoding="utf-8").splitlines(True)
    newest.write_text("".join(line for line in lines if "[Post 8-3]" not in line))
    before = tree(root / "site")
    build(root)
    after = tree(root / "site")
    assert tree(root / "site") == cold_build(root, tmp_path)
    # The oldest digest's documents sit in the last chunks, which did change.
    last = max(p for p in after if p.startswith("search/c"))
    assert after[last] != before[last]


def test_a_seeded_output_folder_is_updated_incrementally(tmp_path: Path) -> None:
    """``seed_output`` (how ``digestgen serve`` starts its second build folder) hard-links a
    built folder and hands on its manifest: the next build into the copy renders only what
    changed, and never touches the original."""
    root = make_site(tmp_path / "blog")
    first, second = tmp_path / "out-a", tmp_path / "out-b"
    build(root, output=first)
    original = tree(first)
    assert seed_output(root, first, second)
    assert not seed_output(root, first, second)  # never over an existing folder
    again = build(root, output=second)
    assert (again.rendered, again.written) == (0, 0)
    text = (root / "digests" / "d02.md").read_text(encoding="utf-8")
    (root / "digests" / "d02.md").write_text(text.replace("- fast", "- faster"))
    edited = build(root, output=second)
    assert 0 < edited.rendered < 20
    assert tree(first) == original
    assert tree(second) == cold_build(root, tmp_path)
