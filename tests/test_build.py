"""Build real sites into tmp dirs: the page set, pagination, archive, tags, 404, sitemap,
the base path, determinism, and what a failed build leaves behind."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
import pytest
from conftest import (
    FIXTURES_DIR,
    SCHEMAS_DIR,
    MakeSite,
    digest_file,
    read_tree,
    three_digests,
)

from digestgen.build import build
from digestgen.errors import DigestError, RenderError
from digestgen.model import Site
from digestgen.urls import slugify

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def html(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(path.read_bytes())


def rel_links(doc: lxml.html.HtmlElement, rel: str) -> list[str]:
    return [str(h) for h in doc.xpath(f"//a[@rel='{rel}']/@href | //link[@rel='{rel}']/@href")]


def digest_links(doc: lxml.html.HtmlElement, base_path: str) -> list[str]:
    """The digest pages a page links to, in document order, without repeats."""
    seen: list[str] = []
    for href in doc.xpath("//main//a/@href"):
        match = re.fullmatch(re.escape(base_path) + r"digests/([^/#]+)/", str(href))
        if match and match.group(1) not in seen:
            seen.append(match.group(1))
    return seen


def test_example_page_set(example_site: Path, example: Site) -> None:
    site = example
    files = set(read_tree(example_site))
    tags = {slugify(t) for d in site.digests for t in d.tags}
    tags |= {slugify(t) for _, i in site.items() for t in i.tags}
    expected = {
        "index.html",
        "404.html",
        "archive/index.html",
        "tags/index.html",
        "sitemap.xml",
        "robots.txt",
        "feed.xml",
        "atom.xml",
        "feed.json",
    }
    expected |= {f"digests/{d.slug}/index.html" for d in site.digests}
    expected |= {
        f"tags/{t}/{name}" for t in tags for name in ("index.html", "feed.xml", "atom.xml")
    }
    assert expected <= files
    # Other features add their own folders; these two hold exactly the pages above.
    assert {f for f in files if f.startswith(("digests/", "tags/"))} == {
        f for f in expected if f.startswith(("digests/", "tags/"))
    }
    assert {"digests/ds-ml-digest-20/index.html", "tags/sparsity/index.html"} <= files


def test_example_digest_pages_have_sections_and_item_anchors(
    example_site: Path, example: Site
) -> None:
    site = example
    for digest in site.digests:
        doc = html(example_site / digest.url / "index.html")
        assert digest.title in doc.xpath("string(//h1)")
        for section in digest.sections:
            if section.title:
                (target,) = doc.xpath(f"//*[@id='{section.anchor}']")
                level = f"h{section.level}"
                heading = target if target.tag == level else target.find(f".//{level}")
                assert heading is not None, (digest.path, section.anchor)
                assert section.title in heading.text_content()
        for item in digest.items():
            (element,) = doc.xpath(f"//*[@id='{item.anchor}']")
            if item.url:
                assert item.url in element.xpath(".//a/@href")
            assert item.commentary.split()[0] in element.text_content()
        ids = doc.xpath("//@id")
        assert len(ids) == len(set(ids)), "ids must be unique on a page"


def test_example_prev_next(example_site: Path, example: Site) -> None:
    site = example
    base = site.config.base_path
    urls = [d.url for d in site.digests]  # newest first
    for index, url in enumerate(urls):
        doc = html(example_site / url / "index.html")
        newer = [base + urls[index - 1]] if index > 0 else []
        older = [base + urls[index + 1]] if index + 1 < len(urls) else []
        assert rel_links(doc, "next") == newer
        assert rel_links(doc, "prev") == older


def test_pagination_with_per_page_1(make_site: MakeSite) -> None:
    root = make_site(three_digests("per_page: 1\n"))
    build(root)
    out = root / "site"
    pages = sorted(p.relative_to(out).as_posix() for p in out.glob("**/index.html"))
    # Numbered from the oldest digest; the home page holds the newest.
    assert [p for p in pages if p.startswith("page/") or p == "index.html"] == [
        "index.html",
        "page/1/index.html",
        "page/2/index.html",
    ]
    first, second, third = (
        html(out / p) for p in ("index.html", "page/2/index.html", "page/1/index.html")
    )
    assert digest_links(first, "/") == ["three"]
    assert digest_links(second, "/") == ["two"]
    assert digest_links(third, "/") == ["one"]
    assert (rel_links(first, "prev"), rel_links(first, "next")) == ([], ["/page/2/"])
    assert (rel_links(second, "prev"), rel_links(second, "next")) == (["/"], ["/page/1/"])
    assert (rel_links(third, "prev"), rel_links(third, "next")) == (["/page/2/"], [])
    assert not (out / "page/3").exists()


def test_home_page_default_per_page_is_10(make_site: MakeSite) -> None:
    files = {
        f"digests/d{n:02d}.md": digest_file(f"D{n}", f"2024-01-{n:02d}", f"- item {n}\n")
        for n in range(1, 13)
    }
    root = make_site(files)
    build(root)
    out = root / "site"
    # Fewer than two pages' worth: the home page holds them all.
    assert digest_links(html(out / "index.html"), "/") == [f"d{n:02d}" for n in range(12, 0, -1)]
    assert not (out / "page").exists()
    for n in range(13, 21):
        (root / f"digests/d{n:02d}.md").write_text(
            digest_file(f"D{n}", f"2024-01-{n:02d}", f"- item {n}\n"), encoding="utf-8"
        )
    build(root)
    assert digest_links(html(out / "index.html"), "/") == [f"d{n:02d}" for n in range(20, 10, -1)]
    assert digest_links(html(out / "page/1/index.html"), "/") == [
        f"d{n:02d}" for n in range(10, 0, -1)
    ]


def test_archive_groups_digests_by_year(make_site: MakeSite) -> None:
    root = make_site(three_digests())
    build(root)
    doc = html(root / "site/archive/index.html")
    year_of: dict[str, str] = {}
    year = None
    for element in doc.xpath("//main//*"):
        if element.tag in ("h2", "h3") and re.fullmatch(r"\s*\d{4}\s*", element.text_content()):
            year = element.text_content().strip()
        href = element.get("href", "") if element.tag == "a" else ""
        match = re.fullmatch(r"/digests/([^/]+)/", href)
        if match:
            assert year is not None, "a digest listed before any year heading"
            year_of[match.group(1)] = year
    assert year_of == {"three": "2024", "two": "2023", "one": "2023"}
    text = doc.xpath("string(//main)")
    assert text.index("2024") < text.index("2023"), "newest year first"


def test_archive_years_follow_the_site_timezone(make_site: MakeSite) -> None:
    root = make_site(
        {
            "digestgen.yaml": 'title: "T"\nbase_url: "https://example.org/"\n'
            'timezone: "Asia/Tokyo"\n',
            "digests/eve.md": digest_file("Eve", "2023-12-31T20:00:00+00:00", "- x\n"),
        }
    )
    build(root)
    headings = html(root / "site/archive/index.html").xpath("//main//h2/text()")
    assert [h.strip() for h in headings] == ["2024"]


def test_tag_pages_for_digest_tags_and_item_tags(make_site: MakeSite) -> None:
    root = make_site(three_digests())
    build(root)
    out = root / "site"
    tag_dirs = sorted(p.parent.name for p in (out / "tags").glob("*/index.html"))
    assert tag_dirs == ["nlp", "rust", "tools", "weekly"]
    weekly = html(out / "tags/weekly/index.html")
    assert digest_links(weekly, "/") == ["two", "one"]
    nlp_links = html(out / "tags/nlp/index.html").xpath("//main//a/@href")
    assert "/digests/one/#example-com-paper" in nlp_links
    assert "/digests/two/#example-com-tool" in nlp_links
    assert "https://example.com/paper" in nlp_links
    assert "https://example.com/other" not in nlp_links
    index_links = html(out / "tags/index.html").xpath("//main//a/@href")
    assert {f"/tags/{t}/" for t in tag_dirs} <= set(index_links)
    for tag in tag_dirs:
        assert (out / "tags" / tag / "feed.xml").is_file()
        assert (out / "tags" / tag / "atom.xml").is_file()
    page = html(out / "digests/two/index.html")
    assert {"/tags/nlp/", "/tags/rust/", "/tags/tools/"} <= set(page.xpath("//main//a/@href"))


def test_404_page(make_site: MakeSite) -> None:
    root = make_site(three_digests(base_url="https://example.org/blog/"))
    build(root)
    doc = html(root / "site/404.html")
    assert doc.xpath("//h1")
    for href in doc.xpath("//a/@href | //link/@href"):
        # 404.html is served at any path, so it may only use absolute links.
        assert href.startswith(("/blog/", "https://", "#")), href
    assert "/blog/" in doc.xpath("//a/@href")


def test_sitemap_and_robots(make_site: MakeSite) -> None:
    root = make_site(three_digests(base_url="https://example.org/blog/"))
    build(root)
    out = root / "site"
    schema = lxml.etree.XMLSchema(lxml.etree.parse(str(SCHEMAS_DIR / "sitemap.xsd")))
    sitemap = lxml.etree.parse(str(out / "sitemap.xml"))
    schema.assertValid(sitemap)
    locs = [str(loc) for loc in sitemap.xpath("//*[local-name()='loc']/text()")]
    pages = {p.relative_to(out).as_posix() for p in out.rglob("index.html")}
    assert sorted(locs) == sorted(
        "https://example.org/blog/" + p.removesuffix("index.html") for p in pages
    )
    lastmod = {
        url.findtext(f"{SITEMAP_NS}loc"): url.findtext(f"{SITEMAP_NS}lastmod")
        for url in sitemap.getroot()
    }
    assert lastmod["https://example.org/blog/digests/one/"] == "2023-05-01"
    assert lastmod["https://example.org/blog/"] == "2024-01-08"
    robots = (out / "robots.txt").read_text()
    assert "User-agent: *" in robots
    assert "Sitemap: https://example.org/blog/sitemap.xml" in robots.splitlines()


def test_every_link_and_asset_honours_the_base_path(make_site: MakeSite) -> None:
    files = three_digests(base_url="https://example.org/blog/")
    for path in sorted(FIXTURES_DIR.glob("*.md")):
        files[f"digests/{path.name}"] = path.read_text()
    root = make_site(files)
    build(root)
    out = root / "site"
    checked = 0
    for page in sorted(out.rglob("*.html")):
        rel = page.relative_to(out).as_posix()
        page_url = "https://example.org/blog/" + rel
        doc = html(page)
        refs = doc.xpath("//a/@href | //link/@href | //img/@src | //script/@src")
        for ref in refs:
            target = urljoin(page_url, str(ref))
            parts = urlsplit(target)
            if parts.netloc != "example.org":
                continue
            assert str(ref).startswith(("/blog/", "https://example.org/blog/", "#")), (rel, ref)
            assert parts.path.startswith("/blog/"), (rel, ref)
            local = parts.path.removeprefix("/blog/")
            local_file = out / local / "index.html" if local.endswith("/") or not local else None
            resolved = local_file if local_file is not None else out / local
            assert resolved.is_file(), f"{rel}: {ref} points at a missing file"
            checked += 1
    assert checked > 100
    for name in ("feed.xml", "atom.xml", "feed.json", "tags/weekly/atom.xml"):
        text = (out / name).read_text()
        urls = re.findall(r"https?://example\.org[^\s\"'<&]*", text)
        assert urls
        assert all(u.startswith("https://example.org/blog/") for u in urls), name


def test_two_builds_are_byte_identical(make_site: MakeSite, tmp_path: Path) -> None:
    files = three_digests()
    for path in sorted(FIXTURES_DIR.glob("*.md")):
        files[f"digests/{path.name}"] = path.read_text()
    root = make_site(files)
    build(root, output=tmp_path / "a", force_output=True)
    build(root, output=tmp_path / "b", force_output=True)
    first, second = read_tree(tmp_path / "a"), read_tree(tmp_path / "b")
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_build_does_not_depend_on_cwd_or_root_spelling(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(three_digests())
    build(root, output=tmp_path / "a", force_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    build(root, output=tmp_path / "b", force_output=True)
    monkeypatch.chdir(root)
    build(Path("."), output=tmp_path / "c", force_output=True)
    trees = [read_tree(tmp_path / name) for name in ("a", "b", "c")]
    assert trees[0] == trees[1] == trees[2]


def test_failed_build_leaves_site_untouched(make_site: MakeSite) -> None:
    root = make_site(three_digests())
    build(root)
    before = read_tree(root / "site")
    entries_before = sorted(p.name for p in root.iterdir())
    (root / "digests/bad.md").write_text("---\ntitle: Bad\ndate: not-a-date\n---\n- x\n")
    with pytest.raises(DigestError) as caught:
        build(root)
    # Digest paths are relative to the site root, wherever digestgen runs.
    assert str(caught.value).startswith("digests/bad.md:3: ")
    assert read_tree(root / "site") == before
    assert sorted(p.name for p in root.iterdir()) == entries_before, "no staging dirs left"


def test_failed_render_leaves_site_untouched(make_site: MakeSite) -> None:
    root = make_site(three_digests())
    build(root)
    before = read_tree(root / "site")
    (root / "templates").mkdir()
    (root / "templates/index.html").write_text("{{ nope.nope }}\n")
    with pytest.raises(RenderError):
        build(root)
    assert read_tree(root / "site") == before
    leftovers = [p.name for p in root.iterdir() if p.name.startswith(".site")]
    assert leftovers == [".site.digestgen-standby"]  # the copy an edit updates, not a leftover


def test_rebuild_removes_files_of_deleted_digests(make_site: MakeSite) -> None:
    root = make_site(three_digests())
    build(root)
    assert (root / "site/digests/three/index.html").is_file()
    (root / "digests/three.md").unlink()
    build(root)
    assert not (root / "site/digests/three").exists()


def test_drafts_are_left_out_unless_asked_for(make_site: MakeSite, tmp_path: Path) -> None:
    files = three_digests()
    files["digests/draft.md"] = digest_file(
        "Draft", "2024-02-01", "- [Secret](https://example.com/s) - soon\n", extra="draft: true\n"
    )
    root = make_site(files)
    build(root)
    assert not (root / "site/digests/draft").exists()
    assert b"Secret" not in (root / "site/feed.xml").read_bytes()
    build(root, output=tmp_path / "with-drafts", drafts=True, force_output=True)
    assert (tmp_path / "with-drafts/digests/draft/index.html").is_file()


def test_build_with_a_relative_root(make_site: MakeSite, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site(three_digests())
    monkeypatch.chdir(root)
    result = build(Path("."))
    assert len(result.site.digests) == 3
    assert os.path.isfile("site/index.html")


def test_builds_in_separate_processes_are_byte_identical(
    make_site: MakeSite, tmp_path: Path
) -> None:
    """Set and dict order must not leak into the output: hash seeds differ per process."""
    files = three_digests()
    for path in sorted(FIXTURES_DIR.glob("*.md")):
        files[f"digests/{path.name}"] = path.read_text()
    root = make_site(files)
    for seed in ("1", "2"):
        subprocess.run(
            [
                *(sys.executable, "-m", "digestgen", "build", "--root", str(root)),
                *("-o", str(tmp_path / seed), "--force-output"),
            ],
            cwd=tmp_path,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
            capture_output=True,
            timeout=120,
        )
    assert read_tree(tmp_path / "1") == read_tree(tmp_path / "2")


def test_distinct_tags_get_distinct_pages(make_site: MakeSite) -> None:
    """A page per tag: tags that differ only in non-ASCII letters or symbols must not merge."""
    root = make_site(
        {
            "digests/ru.md": digest_file(
                "Ru",
                "2024-01-01",
                "- [A](https://example.com/a) - x #нейросети\n"
                "- [B](https://example.com/b) - y #c\n",
                extra="tags: [обучение, c++]\n",
            )
        }
    )
    result = build(root)
    names = {t for d in result.site.digests for t in d.tags} | {
        t for _, i in result.site.items() for t in i.tags
    }
    assert names == {"нейросети", "обучение", "c", "c++"}
    pages = sorted((root / "site/tags").glob("*/index.html"))
    assert len(pages) == 4, [p.parent.name for p in pages]
    titles = {html(p).xpath("string(//h1)") for p in pages}
    assert all(any(name in title for title in titles) for name in names), titles


@pytest.mark.parametrize(("slug", "place"), [("archive", "archive/"), ("404.html", "404.html")])
def test_a_digest_slug_may_not_take_the_place_of_a_site_page(
    make_site: MakeSite, slug: str, place: str
) -> None:
    """With permalink /{slug}/, a digest called 'archive' would overwrite the archive
    page, and one called '404.html' would be a folder where the site's 404 page is."""
    root = make_site(
        {
            "digestgen.yaml": 'title: "T"\nbase_url: "https://example.org/"\n'
            'permalink: "/{slug}/"\n',
            "digests/mine.md": digest_file(
                "A digest", "2024-01-01", "- x\n", extra=f"slug: {slug}\n"
            ),
        }
    )
    with pytest.raises(DigestError) as caught:
        build(root)
    assert "digests/mine.md" in str(caught.value)
    assert f"the site's {place};" in str(caught.value), str(caught.value)
    assert not (root / "site").exists()


@pytest.mark.parametrize("output", [".", "digests", "templates", "static"])
def test_output_over_the_sources_is_refused(make_site: MakeSite, output: str) -> None:
    """Swapping the output in replaces that folder: it must never be the sources."""
    files = {
        **three_digests(),
        "templates/partials/footer.html": "<p>mine</p>\n",
        "static/extra.css": "body{}\n",
    }
    root = make_site(files)
    before = read_tree(root)
    with pytest.raises(DigestError):
        build(root, output=root / output)
    assert read_tree(root) == before


def test_output_dir_key_over_the_sources_is_refused(make_site: MakeSite) -> None:
    root = make_site(three_digests('output_dir: "digests"\n'))
    before = read_tree(root)
    with pytest.raises(DigestError):
        build(root)
    assert read_tree(root) == before


def test_og_image_is_an_absolute_url_below_the_base(make_site: MakeSite) -> None:
    """Open Graph wants absolute URLs; a digest names its image relative to the site root."""
    files = three_digests(base_url="https://example.org/blog/")
    files["digests/three.md"] = files["digests/three.md"].replace(
        "number: 3\n", "number: 3\nimage: static/cover.png\n"
    )
    files["digests/two.md"] = files["digests/two.md"].replace(
        "number: 2\n", "number: 2\nimage: https://cdn.example.net/two.png\n"
    )
    files["static/cover.png"] = b"\x89PNG\r\n\x1a\n"
    root = make_site(files)
    build(root)
    out = root / "site"

    def og_image(slug: str) -> list[str]:
        doc = html(out / "digests" / slug / "index.html")
        return [str(c) for c in doc.xpath("//meta[@property='og:image']/@content")]

    assert og_image("three") == ["https://example.org/blog/static/cover.png"]
    assert og_image("two") == ["https://cdn.example.net/two.png"]
    assert og_image("one") == []


def test_digest_files_are_found_in_nested_folders_in_path_order(
    make_site: MakeSite, tmp_path: Path
) -> None:
    """Every ``*.md`` below ``digests/``, nested folders included, sorted by path parts; a
    symlink to a file counts, a broken symlink and a symlink to a folder do not (a linked
    folder could reach anywhere), and neither do other files."""
    from digestgen.config import load_config
    from digestgen.content.sources import source_names, source_stats

    def one(title: str, day: int) -> str:
        return digest_file(
            title, f"2024-01-{day:02d}", f"## S\n\n- [L](https://example.com/{day}) - c\n"
        )

    root = make_site(
        {
            "digests/b.md": one("B", 2),
            "digests/a-b/c.md": one("C", 3),
            "digests/a/z.md": one("Z", 4),
            "digests/a/deeper/y.md": one("Y", 5),
            "digests/notes.txt": "not a digest",
        }
    )
    outside = root / "elsewhere"  # in the site; links out of it are tests/security's
    outside.mkdir()
    (outside / "x.md").write_text(one("X", 6), encoding="utf-8")
    (root / "digests" / "linked.md").symlink_to(outside / "x.md")
    (root / "digests" / "broken.md").symlink_to(outside / "missing.md")
    (root / "digests" / "folder").symlink_to(outside, target_is_directory=True)
    config = load_config(root)
    expected = [
        "digests/a/deeper/y.md",
        "digests/a/z.md",
        "digests/a-b/c.md",
        "digests/b.md",
        "digests/linked.md",
    ]
    assert source_names(root, config) == expected
    assert [st.st_size for _, st in source_stats(root, config)] == [
        (root / rel).stat().st_size for rel in expected
    ]
    result = build(root)
    assert result.digests == 5
    titles = sorted(d.title for d in result.site.digests)
    assert titles == ["B", "C", "X", "Y", "Z"]
