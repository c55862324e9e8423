"""What the theme shows, read from built pages with lxml: counts, cards, separators, icons
and the stats charts' text."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from conftest import MakeSite, digest_file

from digestgen.build import build

LINKS = "".join(f"- [Link number {n}](https://example.com/{n}) - about {n}\n" for n in range(6))
NOTES = "- A remark of the week, without a link\n- Another remark\n- And a third one\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A digest of links with one text item and a section of text only, a digest of text
    items alone, and one of a single link."""
    root = tmp_path_factory.mktemp("theme")
    files = {
        "digestgen.yaml": 'title: "Theme"\nbase_url: "https://example.org/"\n',
        "digests/mixed.md": digest_file(
            "Mixed",
            "2024-03-01",
            "## About this digest\n\nJust a paragraph, no items.\n\n"
            f"## Links\n\n{LINKS}- A note among the links\n",
            extra='summary: "Six links and a note."\n',
        ),
        "digests/notes.md": digest_file("Notes", "2024-02-01", f"## Remarks\n\n{NOTES}"),
        "digests/one.md": digest_file(
            "One", "2024-01-01", "- [Single](https://example.net/single): the only one\n"
        ),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    build(root)
    return root / "site"


def page(site: Path, rel: str) -> lxml.html.HtmlElement:
    return lxml.html.parse(str(site / rel)).getroot()


def text(node: lxml.html.HtmlElement) -> str:
    return " ".join(node.text_content().split())


def test_counts_say_links_and_notes(site: Path) -> None:
    metas = {
        name: text(page(site, f"digests/{name}/index.html").xpath("//p[@class='meta']")[0])
        for name in ("mixed", "notes", "one")
    }
    assert metas["mixed"].endswith("· 6 links, 1 note")
    assert metas["notes"].endswith("· 3 notes")
    assert metas["one"].endswith("· 1 link")
    archive = [text(s) for s in page(site, "archive/index.html").xpath("//span[@class='count']")]
    assert archive == ["6 links, 1 note", "3 notes", "1 link"]
    stats = text(page(site, "stats/index.html").xpath("//main/p[@class='meta']")[0])
    assert stats == "3 digests, 7 links, 4 notes."


def test_contents_count_only_sections_with_items(site: Path) -> None:
    toc = page(site, "digests/mixed/index.html").xpath("//nav[@id='toc']//li")
    assert [text(li) for li in toc] == ["About this digest", "Links (6 links, 1 note)"]
    notes = page(site, "digests/notes/index.html").xpath("//nav[@id='toc']//li")
    assert [text(li) for li in notes] == ["Remarks (3 notes)"]


def test_home_cards_show_the_summary_and_the_first_links(site: Path) -> None:
    cards = page(site, "index.html").xpath("//article[contains(@class,'card')]")
    mixed, notes, one = cards
    assert text(mixed.xpath(".//p[@class='summary']")[0]) == "Six links and a note."
    rows = mixed.xpath(".//ul[@class='card-links']/li")
    assert [text(li) for li in rows] == [
        *(f"Link number {n} example.com" for n in range(4)),
        "and 2 more",
    ]
    assert rows[0].xpath("a/@href") == ["/digests/mixed/#example-com-0"]
    assert not notes.xpath(".//ul")  # text items have no title to list
    assert [text(li) for li in one.xpath(".//li")] == ["Single example.net"]


def test_commentary_alone_has_no_separator_and_the_digest_page_adds_one(site: Path) -> None:
    links = page(site, "links/index.html").xpath("//p[@class='commentary']")
    assert sorted(text(p) for p in links) == [f"about {n}" for n in range(6)] + ["the only one"]
    heads = page(site, "digests/mixed/index.html").xpath("//p[@class='item-head']")
    assert text(heads[0]).startswith("Link number 0 (example.com) \u2013 about 0")
    assert text(heads[-1]).startswith("A note among the links")  # a text item has none


def test_every_page_links_the_favicon_and_the_feed_icon(site: Path) -> None:
    for rel in ("index.html", "digests/one/index.html", "404.html", "tags/index.html"):
        doc = page(site, rel)
        icons = doc.xpath("//link[@rel='icon']/@href") + doc.xpath(
            "//link[@rel='apple-touch-icon']/@href"
        )
        feed_icons = doc.xpath("//header//a[@href='/feed.xml']/img/@src")
        assert len(icons) == 2 and feed_icons, rel
        for src in [*icons, *feed_icons]:
            assert (site / src.lstrip("/")).is_file(), (rel, src)
        assert doc.xpath("//header//a[@href='/feed.xml']/img/@alt") == ["RSS feed"]


def test_the_search_box_is_labelled_once(site: Path) -> None:
    form = page(site, "index.html").xpath("//form[@id='search']")[0]
    labels = form.xpath(".//label")
    assert len(labels) == 1 and labels[0].get("for") == "search-q"
    assert "visually-hidden" in labels[0].get("class")


def test_stats_chart_text_has_classes_of_its_own_and_whole_labels(
    make_site: MakeSite,
) -> None:
    host = "a-long-subdomain.discourse.haskell.org"
    root = make_site(
        {"digests/a.md": digest_file("A", "2024-01-01", f"- [X](https://{host}/x) - x\n")}
    )
    build(root)
    doc = page(root / "site", "stats/index.html")
    classes = {t.get("class") for t in doc.xpath("//svg//*[local-name()='text']")}
    assert classes == {"chart-label", "chart-value", "chart-tick"}
    labels = [t.text for t in doc.xpath("//svg//*[local-name()='text'][@class='chart-label']")]
    assert host in labels
