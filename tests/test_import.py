"""`digestgen import`: each format's fixture site becomes a digestgen site that builds,
keeps every article URL (as its page or a redirect), every link of every body, the feeds'
paths and entry ids, and the images of page bundles."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import unquote

import lxml.etree
import lxml.html
import pytest
import yaml
from conftest import FIXTURES_DIR, body_of, read_tree, reference_html
from sitefactory import run

from digestgen.commands.importer import detect_format

FORMATS = ("pelican", "hugo", "jekyll", "zola", "eleventy")


def fixture(fmt: str) -> Path:
    return FIXTURES_DIR / "import" / fmt


def imported(tmp_path: Path, fmt: str, name: str = "new") -> tuple[Path, dict[str, object]]:
    """Import the format's fixture into a new folder; the folder and the JSON report."""
    target = tmp_path / name
    result = run("import", fmt, str(fixture(fmt)), "--root", str(target), "--format", "json")
    assert result.exit_code == 0, result.output
    return target, json.loads(result.stdout)


def built(tmp_path: Path, fmt: str) -> tuple[Path, dict[str, object]]:
    root, report = imported(tmp_path, fmt)
    result = run("build", "--root", str(root))
    assert result.exit_code == 0, result.output
    return root, report


def front(path: Path) -> dict[str, object]:
    text = path.read_text("utf-8")
    data = yaml.safe_load(text.split("\n---\n", 1)[0].removeprefix("---\n"))
    assert isinstance(data, dict)
    return data


def digests(root: Path) -> dict[str, tuple[dict[str, object], str]]:
    """Each digest file: its front matter and its body."""
    return {
        p.relative_to(root).as_posix(): (front(p), body_of(p.read_text("utf-8")))
        for p in sorted((root / "digests").rglob("*.md"))
    }


def page_of(root: Path, url: str) -> Path:
    """The file the build wrote for a path below the site root."""
    path = root / "site" / url.lstrip("/")
    return path / "index.html" if url.endswith("/") else path


@pytest.mark.parametrize("fmt", FORMATS)
def test_format_is_detected_from_the_files(fmt: str) -> None:
    assert detect_format(fixture(fmt)) == fmt


@pytest.mark.parametrize("fmt", FORMATS)
def test_import_builds_and_keeps_every_link_on_its_page(tmp_path: Path, fmt: str) -> None:
    root, report = built(tmp_path, fmt)
    files = report["files"]
    assert isinstance(files, list) and files
    for rel, (meta, body) in digests(root).items():
        if meta.get("draft"):
            continue
        slug = meta["slug"]
        pages = list((root / "site").rglob(f"{slug}/index.html"))
        assert len(pages) == 1, (rel, pages)
        main = lxml.html.document_fromstring(pages[0].read_bytes()).xpath("//main")[0]
        wanted = lxml.html.fragment_fromstring(reference_html(body), create_parent="div")
        hrefs = set(main.xpath(".//a/@href"))
        assert set(wanted.xpath(".//a/@href")) <= hrefs, rel
        for href in wanted.xpath(".//a/@href"):
            # A relative link lands on a file; a placeholder the report lists as left
            # (a link to a Pelican page, which is no digest) stays as written.
            if not href.startswith(("http", "#", "%7B")):
                target = (pages[0].parent / href.split("#")[0]).resolve()
                assert target.is_dir() or target.is_file(), (rel, href)
                assert target.is_file() or (target / "index.html").is_file(), (rel, href)


@pytest.mark.parametrize("fmt", FORMATS)
def test_kept_urls_are_the_digest_pages(tmp_path: Path, fmt: str) -> None:
    root, report = built(tmp_path, fmt)
    titles = {meta["title"] for meta, _ in digests(root).values() if not meta.get("draft")}
    kept = report["kept"]
    assert isinstance(kept, list)
    shown = set()
    for url in kept:
        doc = lxml.html.document_fromstring(page_of(root, url).read_bytes())
        shown.add(doc.xpath("string(//h1)").strip())
    assert shown <= titles and len(shown) == len(kept)
    redirects = report["redirects"]
    assert isinstance(redirects, list)
    assert len(kept) + len({r["from"] for r in redirects}) >= len(titles)


REDIRECTING = ("hugo", "jekyll", "zola")


@pytest.mark.parametrize("fmt", REDIRECTING)
def test_every_redirected_url_is_a_redirect_page(tmp_path: Path, fmt: str) -> None:
    root, report = built(tmp_path, fmt)
    redirects = report["redirects"]
    assert isinstance(redirects, list) and redirects
    for redirect in redirects:
        page = page_of(root, unquote(redirect["from"]))
        doc = lxml.html.document_fromstring(page.read_bytes())
        assert doc.xpath("//meta[@http-equiv='refresh']"), redirect
        assert doc.xpath("//link[@rel='canonical']/@href")[0].endswith(redirect["to"])


def feed_ids(root: Path) -> set[str]:
    return {str(meta["feed_id"]) for meta, _ in digests(root).values() if not meta.get("draft")}


def entry_ids(feed: Path) -> set[str]:
    tree = lxml.etree.parse(str(feed))
    found = tree.xpath(
        "//a:entry/a:id/text() | //item/guid/text()",
        namespaces={"a": "http://www.w3.org/2005/Atom"},
    )
    return {str(e) for e in found}


@pytest.mark.parametrize("fmt", FORMATS)
def test_feeds_keep_their_paths_and_entry_ids(tmp_path: Path, fmt: str) -> None:
    root, report = built(tmp_path, fmt)
    feeds = yaml.safe_load((root / "digestgen.yaml").read_text())["feeds"]
    olds = {f["old"] for f in report["feeds"] if f["old"] and "{" not in f["old"]}  # type: ignore[index, union-attr]
    assert olds <= set(feeds.values())
    for kind in ("rss", "atom"):
        assert entry_ids(root / "site" / feeds[kind]) == feed_ids(root), kind


@pytest.mark.parametrize("fmt", ["hugo", "zola"])
def test_page_bundle_images_are_shown(tmp_path: Path, fmt: str) -> None:
    root, _ = built(tmp_path, fmt)
    bundles = [p for p in (root / "digests").rglob("index.md")]
    assert bundles
    for bundle in bundles:
        slug = front(bundle)["slug"]
        [page] = list((root / "site").rglob(f"{slug}/index.html"))
        sources = lxml.html.document_fromstring(page.read_bytes()).xpath("//main//img/@src")
        assert sources
        assert all((page.parent / src).is_file() for src in sources)


def test_page_bundle_files_are_copied_beside_their_digest(tmp_path: Path) -> None:
    root, report = imported(tmp_path, "hugo")
    assert (root / "digests/posts/2024-03-issue-12/chart.png").read_bytes() == (
        fixture("hugo") / "content/posts/2024-03-issue-12/chart.png"
    ).read_bytes()
    meta = front(root / "digests/posts/2024-03-issue-12/index.md")
    assert meta["slug"] == "data-weekly-12"
    assert {
        "source": "content/posts/2024-03-issue-12/chart.png",
        "target": "digests/posts/2024-03-issue-12/chart.png",
    } in report["copied"]  # type: ignore[operator]


def test_pelican_static_image_is_copied_and_shown(tmp_path: Path) -> None:
    root, _ = built(tmp_path, "pelican")
    page = root / "site/blog/2023/05/03/this-week-in-rust-493/index.html"
    [src] = lxml.html.document_fromstring(page.read_bytes()).xpath("//main//img/@src")
    assert src == "../../../../../static/images/ferris.png"
    assert (page.parent / src).resolve().is_file()


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_imports_write_identical_files(tmp_path: Path, fmt: str) -> None:
    first, _ = imported(tmp_path, fmt, "one")
    second, _ = imported(tmp_path, fmt, "two")
    assert read_tree(first) == read_tree(second)


def test_import_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    result = run("import", str(fixture("pelican")), "--root", str(target))
    assert result.exit_code == 1
    assert f"{target} is not empty" in result.output
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]


def test_import_of_an_unknown_site_says_how_to_name_the_format(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    result = run("import", str(tmp_path / "site"), "--root", str(tmp_path / "new"))
    assert result.exit_code == 1
    assert "cannot tell which generator built" in result.output
    assert not (tmp_path / "new").exists()


def test_pelican_metadata_is_mapped_and_the_report_says_where(tmp_path: Path) -> None:
    root, report = imported(tmp_path, "pelican")
    config = yaml.safe_load((root / "digestgen.yaml").read_text())
    assert config["permalink"] == "/blog/{year}/{month}/{day}/{slug}/"
    assert config["feeds"] == {"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"}
    assert config["timezone"] == "America/New_York"
    meta = front(root / "digests/2023/2023-05-10-this-week-in-rust.md")
    assert meta["number"] == 494 and meta["tags"] == ["This Week in Rust", "rust", "weekly"]
    assert meta["updated"] == "2023-05-11T09:00:00-04:00"
    assert meta["feed_id"] == (
        "tag:this-week-in-rust.example,2023-05-10:/blog/2023/05/10/this-week-in-rust-494/"
    )
    body = body_of((root / "digests/2023/2023-05-17-this-week-in-rust.md").read_text())
    assert "[494](../../10/this-week-in-rust-494/)" in body
    assert "[rust](../../../../../tags/rust/)" in body
    guessed = {(g["where"], g["what"]) for g in report["guessed"]}  # type: ignore[union-attr]
    assert ("content/2023/2023-05-10-this-week-in-rust.md:1", "number 494") in guessed
    dropped = {(d["where"], d["what"]) for d in report["dropped"]}  # type: ignore[union-attr]
    assert ("content/2023/2023-05-17-this-week-in-rust.markdown:6", "Lang") in dropped
    assert (
        "content/2023/2023-05-10-this-week-in-rust.md:9",
        "{filename}/pages/about.md",
    ) in dropped
    assert report["urls"] == {"kept": 3, "redirected": 0}


def test_pelican_config_is_read_without_running_it(tmp_path: Path) -> None:
    source = tmp_path / "old"
    (source / "content").mkdir(parents=True)
    (source / "pelicanconf.py").write_text(
        'SITENAME = "Safe"\nSITEURL = "https://safe.example"\n'
        'open("RAN", "w").write("x")\nTIMEZONE = "UTC"\n'
    )
    (source / "content" / "a.md").write_text("Title: Safe 1\nDate: 2020-01-01\n\nBody\n")
    result = run("import", "pelican", str(source), "--root", str(tmp_path / "new"))
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "RAN").exists() and not Path("RAN").exists()
    assert (tmp_path / "new/digests/a.md").is_file()


def test_text_report_lists_redirects(tmp_path: Path) -> None:
    result = run("import", str(fixture("jekyll")), "--root", str(tmp_path / "new"))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[1] == "urls: 0 kept, 3 redirected"
    start = lines.index("redirects:")
    assert lines[start + 1 :] == [
        "  /2019/05/17/second-friday.html -> /2019/05/17/second-friday/",
        "  /issues/three/ -> /2019/05/24/third/",
        "  /links/weekly/2019/05/10/old-name.html -> /2019/05/10/old-name/",
    ]


def test_a_source_mistake_is_reported_at_its_line_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    source = tmp_path / "old"
    (source / "_posts").mkdir(parents=True)
    (source / "_config.yml").write_text("title: T\nurl: https://t.example\n")
    (source / "_posts" / "2020-01-01-a.md").write_text(
        "---\ntitle: A\n---\nText\n\n- [bad](javascript:alert(1))\n"
    )
    result = run("import", str(source), "--root", str(tmp_path / "new"))
    assert result.exit_code == 1
    assert "_posts/2020-01-01-a.md:6: link with unsafe scheme 'javascript:'" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "new").exists()


def test_the_old_sites_link_checker_names_the_sections_checked_for_repeats(
    tmp_path: Path,
) -> None:
    """A checker script's STRICT_TITLES (This Week in Rust's tools/inspect_links.py) become
    ``repeats.sections``, spelled as the digests spell the heading; the script is read,
    never run."""
    source = tmp_path / "old"
    shutil.copytree(fixture("pelican"), source)
    ran = tmp_path / "ran"
    (source / "tools").mkdir()
    (source / "tools/inspect_links.py").write_text(
        "import pathlib\n"
        f"pathlib.Path({str(ran)!r}).write_text('ran')\n"
        "STRICT_TITLES = [\n    'updates from rust community',\n]\n"
    )
    target = tmp_path / "new"
    result = run("import", str(source), "--root", str(target), "--format", "json")
    assert result.exit_code == 0, result.output
    assert not ran.exists()
    config = yaml.safe_load((target / "digestgen.yaml").read_text())
    assert config["repeats"] == {"sections": ["Updates from Rust Community"]}
    mapped = json.loads(result.stdout)["mapped"]
    assert {"from": "tools/inspect_links.py:3 STRICT_TITLES", "to": "repeats.sections",
            "count": 1} in mapped  # fmt: skip
    # A link featured again under that heading is a repeat; featured under it once and
    # in another section once, it is not (without the setting it would be).
    newest, older = sorted((target / "digests/2023").glob("*.md"))[::-1][:2]
    link = "* [A post seen twice](https://blog.example/seen-twice/)\n"
    heading = "## Updates from Rust Community\n"
    originals = {path: path.read_text("utf-8") for path in (newest, older)}
    for path, text in originals.items():
        assert heading in text
        path.write_text(text.replace(heading, heading + "\n" + link, 1), "utf-8")
    checked = run("check", "--root", str(target))
    assert "blog.example/seen-twice" in checked.output, checked.output
    older.write_text(originals[older] + "\n## Elsewhere\n\n" + link, "utf-8")
    assert "seen-twice" not in run("check", "--root", str(target)).output
    config_file = target / "digestgen.yaml"
    kept = [
        line for line in config_file.read_text().splitlines() if not line.startswith("repeats:")
    ]
    config_file.write_text("\n".join(kept) + "\n")
    without = run("check", "--root", str(target))
    assert "blog.example/seen-twice" in without.output, without.output
