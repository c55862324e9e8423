"""The feeds of a built site, read back with feedparser, lxml (Atom RELAX NG) and json."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import lxml.etree
import lxml.html
import pytest
from conftest import SCHEMAS_DIR, MakeSite, digest_file, three_digests

from digestgen.build import build

BASE = "https://example.org/blog/"
# one (2023-05-01) is edited on 2024-02-01: that is the newest date of the site.
UPDATED = "updated: 2024-02-01T10:30:00+00:00\n"


def feed_site(make_site: MakeSite, extra_config: str = "") -> Path:
    files = three_digests(extra_config, base_url=BASE)
    files["digests/one.md"] = files["digests/one.md"].replace("tags: [weekly]\n", UPDATED, 1)
    files["digests/one.md"] = files["digests/one.md"].replace(UPDATED, "tags: [weekly]\n" + UPDATED)
    root = make_site(files)
    build(root)
    return root / "site"


@pytest.fixture
def site(make_site: MakeSite) -> Path:
    return feed_site(make_site)


def parse(path: Path) -> Any:
    return feedparser.parse(path.read_bytes())


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def all_feeds(out: Path) -> list[Path]:
    return sorted(out.glob("*.xml")) + sorted(out.glob("tags/*/*.xml"))


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_feed_files_exist_for_site_and_each_tag(site: Path) -> None:
    for name in ("feed.xml", "atom.xml", "feed.json"):
        assert (site / name).is_file()
    tags = sorted(p.name for p in (site / "tags").iterdir() if p.is_dir())
    assert tags == ["nlp", "rust", "tools", "weekly"]
    for tag in tags:
        assert (site / "tags" / tag / "feed.xml").is_file()
        assert (site / "tags" / tag / "atom.xml").is_file()


def check_feeds(out: Path, base: str) -> int:
    """Every feed of a built site parses cleanly with what each entry needs; returns the count."""
    feeds = [p for p in all_feeds(out) if p.name != "sitemap.xml"]
    for path in feeds:
        parsed = parse(path)
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.version == ("atom10" if path.name == "atom.xml" else "rss20"), path
        assert parsed.entries, path
        assert parsed.feed.title and parsed.feed.link.startswith(base), path
        for entry in parsed.entries:
            assert entry.id and entry.title, (path, entry)
            assert entry.link.startswith(base + "digests/"), (path, entry.link)
            assert entry.get("published_parsed") is not None, (path, entry.id)
            content = entry.content[0].value
            assert content.strip(), (path, entry.id)
            tree = lxml.html.fragment_fromstring(content, create_parent="div")
            for ref in tree.xpath(".//@href | .//@src"):
                parts = urlsplit(str(ref))
                absolute = parts.scheme in ("http", "https") and parts.netloc
                assert absolute or parts.scheme == "mailto", (path, ref)
    return len(feeds)


def test_every_feed_parses_without_bozo(site: Path) -> None:
    assert check_feeds(site, BASE) == 10


def test_every_feed_of_the_example_blog_parses(example_site: Path) -> None:
    assert check_feeds(example_site, "https://example.org/digest/") > 10


def test_main_feed_entries(site: Path) -> None:
    for name in ("feed.xml", "atom.xml"):
        parsed = parse(site / name)
        assert parsed.feed.title == "Tiny"
        assert [e.title for e in parsed.entries] == ["Third", "Second", "First"]
        assert [e.link for e in parsed.entries] == [
            BASE + "digests/three/",
            BASE + "digests/two/",
            BASE + "digests/one/",
        ]
        ids = [e.id for e in parsed.entries]
        assert len(set(ids)) == 3
        assert all(i.startswith("tag:example.org,") for i in ids)
        for entry in parsed.entries:
            assert entry.content[0].value.strip(), (name, entry.id)
            assert entry.get("published_parsed") is not None
            if name == "atom.xml":
                assert entry.get("updated_parsed") is not None


def test_feed_links_point_home_and_to_themselves(site: Path) -> None:
    rss = parse(site / "feed.xml")
    assert rss.feed.link == BASE
    atom = parse(site / "atom.xml")
    links = {link.rel: link.href for link in atom.feed.links}
    assert links == {"alternate": BASE, "self": BASE + "atom.xml"}
    data = read_json(site / "feed.json")
    assert (data["home_page_url"], data["feed_url"]) == (BASE, BASE + "feed.json")
    tag = parse(site / "tags/nlp/atom.xml")
    tag_links = {link.rel: link.href for link in tag.feed.links}
    assert tag_links == {"alternate": BASE + "tags/nlp/", "self": BASE + "tags/nlp/atom.xml"}


def test_ids_agree_across_formats(site: Path) -> None:
    rss = [e.id for e in parse(site / "feed.xml").entries]
    atom = [e.id for e in parse(site / "atom.xml").entries]
    json_ids = [i["id"] for i in read_json(site / "feed.json")["items"]]
    assert rss == atom == json_ids


def test_rss_guid_is_not_a_permalink(site: Path) -> None:
    for path in [site / "feed.xml", *sorted(site.glob("tags/*/feed.xml"))]:
        guids = lxml.etree.parse(str(path)).xpath("//item/guid")
        assert guids
        assert all(g.get("isPermaLink") == "false" for g in guids), path


def test_dates_come_from_the_content(site: Path) -> None:
    atom = parse(site / "atom.xml")
    by_title = {e.title: e for e in atom.entries}
    assert moment(by_title["First"].published) == moment("2023-05-01T00:00:00+00:00")
    assert moment(by_title["First"].updated) == moment("2024-02-01T10:30:00+00:00")
    assert moment(by_title["Third"].published) == moment("2024-01-08T00:00:00+00:00")
    # The feed's date is that of its newest entry, not of the build.
    assert moment(atom.feed.updated) == moment("2024-02-01T10:30:00+00:00")
    rss = lxml.etree.parse(str(site / "feed.xml"))
    assert rss.findtext("channel/lastBuildDate") == "Thu, 01 Feb 2024 10:30:00 +0000"
    items = read_json(site / "feed.json")["items"]
    first = next(i for i in items if i["title"] == "First")
    assert moment(first["date_published"]) == moment("2023-05-01T00:00:00+00:00")
    assert moment(first["date_modified"]) == moment("2024-02-01T10:30:00+00:00")


def test_entry_content_is_the_digest_with_absolute_links(site: Path) -> None:
    for name in ("feed.xml", "atom.xml"):
        entry = next(e for e in parse(site / name).entries if e.title == "First")
        content = entry.content[0].value
        tree = lxml.html.fragment_fromstring(content, create_parent="div")
        hrefs = [str(h) for h in tree.xpath(".//@href | .//@src")]
        assert {"https://example.com/paper", "https://example.com/other"} <= set(hrefs)
        assert "Intro of the first." in tree.text_content()
        for href in hrefs:
            parts = urlsplit(href)
            assert parts.scheme in ("http", "https") and parts.netloc, (name, href)
    data = read_json(site / "feed.json")
    for item in data["items"]:
        tree = lxml.html.fragment_fromstring(item["content_html"], create_parent="div")
        for href in tree.xpath(".//@href | .//@src"):
            assert urlsplit(str(href)).scheme in ("http", "https"), href


def test_feed_limit_keeps_the_newest_digests(make_site: MakeSite) -> None:
    out = feed_site(make_site, "feed_limit: 2\n")
    for name in ("feed.xml", "atom.xml"):
        assert [e.title for e in parse(out / name).entries] == ["Third", "Second"]
    assert [i["title"] for i in read_json(out / "feed.json")["items"]] == ["Third", "Second"]
    # Entries beyond the limit do not set the feed's date.
    assert moment(parse(out / "atom.xml").feed.updated) == moment("2024-01-08T00:00:00+00:00")


def test_tag_feeds_hold_tagged_digests_and_items(site: Path) -> None:
    nlp = parse(site / "tags/nlp/atom.xml")
    links = sorted(e.link for e in nlp.entries)
    assert links == [
        BASE + "digests/one/#example-com-paper",
        BASE + "digests/two/#example-com-tool",
    ]
    assert all(e.content[0].value.strip() for e in nlp.entries)
    weekly = parse(site / "tags/weekly/feed.xml")
    assert sorted(e.link for e in weekly.entries) == [BASE + "digests/one/", BASE + "digests/two/"]
    assert weekly.feed.title.endswith("weekly")
    # An item's id is its digest's id and its anchor, the same in every tag's feed.
    digest_ids = {e.link: e.id for e in parse(site / "atom.xml").entries}
    assert {e.id for e in nlp.entries} == {
        digest_ids[BASE + "digests/one/"] + "#example-com-paper",
        digest_ids[BASE + "digests/two/"] + "#example-com-tool",
    }
    rust = parse(site / "tags/rust/feed.xml")
    assert [e.id for e in rust.entries] == [digest_ids[BASE + "digests/two/"] + "#example-com-tool"]


def test_ids_survive_edits_of_title_and_slug(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site(three_digests(base_url=BASE))
    build(root, output=tmp_path / "before", force_output=True)
    text = (root / "digests/two.md").read_text()
    (root / "digests/two.md").write_text(
        text.replace('title: "Second"', 'title: "Second, renamed"\nslug: "second-renamed"')
    )
    build(root, output=tmp_path / "after", force_output=True)
    for name in ("feed.xml", "atom.xml"):
        before = {e.id for e in parse(tmp_path / "before" / name).entries}
        after = parse(tmp_path / "after" / name)
        assert {e.id for e in after.entries} == before
        assert BASE + "digests/second-renamed/" in {e.link for e in after.entries}
    before_items = {e.id for e in parse(tmp_path / "before/tags/nlp/atom.xml").entries}
    after_items = {e.id for e in parse(tmp_path / "after/tags/nlp/atom.xml").entries}
    assert after_items == before_items


def test_ids_of_unnumbered_digests_survive_a_title_edit(
    make_site: MakeSite, tmp_path: Path
) -> None:
    root = make_site({"digests/a.md": digest_file("Old title", "2024-01-01", "- x\n")})
    build(root, output=tmp_path / "before", force_output=True)
    (root / "digests/a.md").write_text(digest_file("New title", "2024-01-01", "- x\n"))
    build(root, output=tmp_path / "after", force_output=True)
    before = [e.id for e in parse(tmp_path / "before/atom.xml").entries]
    after = [e.id for e in parse(tmp_path / "after/atom.xml").entries]
    assert before == after


def atom_schema() -> lxml.etree.RelaxNG:
    return lxml.etree.RelaxNG(lxml.etree.parse(str(SCHEMAS_DIR / "atom.rng")))


def test_every_atom_feed_is_valid_rfc4287(site: Path, example_site: Path) -> None:
    schema = atom_schema()
    paths = sorted(site.rglob("atom.xml")) + sorted(example_site.rglob("atom.xml"))
    assert len(paths) > 5
    for path in paths:
        doc = lxml.etree.parse(str(path))
        assert schema.validate(doc), (path, schema.error_log.last_error)


def test_json_feed_1_1_structure(site: Path) -> None:
    data = read_json(site / "feed.json")
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["title"] == "Tiny"
    assert data["language"] == "en"
    assert len(data["items"]) == 3
    for item in data["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert item["url"].startswith(BASE)
        assert item.get("content_html") or item.get("content_text")
        for key in ("date_published", "date_modified"):
            assert re.fullmatch(
                r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)", item[key]
            )
        assert set(item) <= {
            "id",
            "url",
            "external_url",
            "title",
            "content_html",
            "content_text",
            "summary",
            "image",
            "banner_image",
            "date_published",
            "date_modified",
            "authors",
            "tags",
            "language",
            "attachments",
        }
    second = next(i for i in data["items"] if i["title"] == "Second")
    assert second["tags"] == ["weekly", "tools"]


def test_feed_without_full_content_has_summaries(make_site: MakeSite) -> None:
    out = feed_site(make_site, "feed_full_content: false\n")
    parsed = parse(out / "atom.xml")
    assert not parsed.bozo
    for entry in parsed.entries:
        assert "content" not in entry
        assert entry.summary.strip()
    for item in read_json(out / "feed.json")["items"]:
        assert "content_html" not in item
        assert item["content_text"].strip()


def test_site_without_digests_has_valid_deterministic_feeds(
    make_site: MakeSite, tmp_path: Path
) -> None:
    root = make_site({"digests/.keep": ""})
    build(root, output=tmp_path / "a", force_output=True)
    build(root, output=tmp_path / "b", force_output=True)
    for name in ("feed.xml", "atom.xml", "feed.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert atom_schema().validate(lxml.etree.parse(str(tmp_path / "a/atom.xml")))
    assert not parse(tmp_path / "a/feed.xml").bozo


def test_ids_of_unnumbered_digests_survive_a_slug_and_date_edit(
    make_site: MakeSite, tmp_path: Path
) -> None:
    root = make_site({"digests/2024/a.md": digest_file("Title", "2024-01-01", "- x\n")})
    build(root, output=tmp_path / "before", force_output=True)
    (root / "digests/2024/a.md").write_text(
        digest_file("Title", "2024-01-02", "- x\n", extra="slug: renamed\n")
    )
    build(root, output=tmp_path / "after", force_output=True)
    before = [e.id for e in parse(tmp_path / "before/atom.xml").entries]
    after = parse(tmp_path / "after/atom.xml").entries
    assert [e.id for e in after] == before
    assert after[0].link.endswith("/digests/renamed/")


def test_feed_content_carries_no_page_chrome(make_site: MakeSite) -> None:
    """Feed readers show content as it is: no permalink marks after headings and items
    (what the item says, such as "also featured in", stays); one separator before the
    commentary."""
    body = "## Links\n\n- [Paper](https://example.com/paper) - a paper #nlp\n"
    root = make_site(
        {
            "digestgen.yaml": f'title: "T"\nbase_url: "{BASE}"\n',
            "digests/a.md": digest_file("A", "2024-01-01", body),
            "digests/b.md": digest_file("B", "2024-02-01", body),
        }
    )
    build(root)
    out = root / "site"
    page = lxml.html.parse(str(out / "digests/b/index.html")).getroot()
    assert page.xpath("//a[@class='permalink']")
    contents = [e.content[0].value for e in parse(out / "feed.xml").entries]
    contents += [e.content[0].value for e in parse(out / "tags/nlp/atom.xml").entries]
    contents += [i["content_html"] for i in read_json(out / "feed.json")["items"]]
    assert len(contents) == 6
    for content in contents:
        tree = lxml.html.fragment_fromstring(content, create_parent="div")
        assert "¶" not in tree.text_content()
        assert not tree.xpath(".//*[@class='permalink']")
        head = " ".join(tree.xpath(".//p[@class='item-head']")[0].text_content().split())
        assert head == "Paper (example.com) \u2013 a paper #nlp"


def test_json_feed_names_the_sites_icons(site: Path) -> None:
    data = read_json(site / "feed.json")
    for key, kind in (("icon", b"\x89PNG"), ("favicon", b"<svg")):
        assert data[key].startswith(BASE)
        assert (site / data[key].removeprefix(BASE)).read_bytes().startswith(kind)
