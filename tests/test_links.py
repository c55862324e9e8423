"""The link index, domains, also-featured, search data and stats on fixture digests."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pytest
from lxml import html

from digestgen.build import build
from digestgen.config import load_config
from digestgen.content.parse import parse_site, source_files
from digestgen.model import Digest, Item, Site
from digestgen.site.items import ItemIndex, shows_of
from digestgen.site.links import (
    also_featured,
    collect_domains,
    domain_slug,
    reading_minutes,
    table_of_contents,
)


def index(site: Site) -> ItemIndex:
    return ItemIndex.of(site.heads, shows_of(site.heads))


def pairs(site: Site, positions: Iterable[int]) -> list[tuple[Digest, Item]]:
    """The (digest, item) at each position of the site's items."""
    items = index(site)
    return [
        (site.digests[items.place[p]], list(site.digests[items.place[p]].items())[items.index[p]])
        for p in positions
    ]


OLD = """---
title: "Old digest"
date: 2021-01-04
tags: [Machine Learning]
---

## Videos

- [Intro to nets](https://youtu.be/abc123) - the classic #Deep-Learning
- [Some repo](https://github.com/a/b) - a repo
"""

NEW = """---
title: "New digest"
date: 2021-01-11
tags: [machine-learning, Tools]
---

Intro words here.

## Videos

- [Intro to nets, again](https://www.youtube.com/watch?v=abc123&utm_source=x) - seen #deep-learning
- [video] [Another talk](https://m.youtube.com/watch?v=zzz) - new one

### Short ones

- [Tiny](https://example.com/tiny/) - small

## Repos

- [Same repo](http://www.github.com/a/b/?fbclid=1) - again
- Just a note without a link, still an item
"""


def write_site(root: Path, extra: dict[str, str] | None = None) -> Path:
    (root / "digests").mkdir(parents=True)
    (root / "digestgen.yaml").write_text(
        'title: "T"\nbase_url: "https://example.org/blog/"\n', encoding="utf-8"
    )
    files = {"old.md": OLD, "new.md": NEW, **(extra or {})}
    for name, text in files.items():
        (root / "digests" / name).write_text(text, encoding="utf-8")
    return root


def load(root: Path) -> Site:
    config = load_config(root)
    return parse_site(config, source_files(root, config))


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return load(write_site(tmp_path / "src"))


def test_all_links_oldest_digest_first_in_page_order(site: Site) -> None:
    titles = [item.title or item.commentary for _, item in pairs(site, range(len(index(site))))]
    assert titles[:2] == ["Intro to nets", "Some repo"]
    assert titles[2:6] == ["Intro to nets, again", "Another talk", "Tiny", "Same repo"]
    assert titles[6].startswith("Just a note")


def test_domains_apply_host_aliases_and_count(site: Site) -> None:
    domains = {d.host: d for d in collect_domains(index(site))}
    assert set(domains) == {"youtube.com", "github.com", "example.com"}
    assert domains["youtube.com"].count == 3  # youtu.be, www. and m. all count as one host
    assert domains["github.com"].count == 2
    assert domains["youtube.com"].url == "domains/youtube.com/"
    assert collect_domains(index(site))[0].host == "youtube.com"  # most linked first


def test_also_featured_only_points_to_earlier_digests(site: Site) -> None:
    featured = also_featured(index(site))
    by_title = {pairs(site, [ref])[0][1].title: pairs(site, e) for ref, e in featured.items()}
    assert set(by_title) == {"Intro to nets, again", "Same repo"}
    ((digest, item),) = by_title["Intro to nets, again"]
    assert (digest.title, item.title) == ("Old digest", "Intro to nets")
    assert by_title["Same repo"][0][1].title == "Some repo"


def _featured_before(site: Site) -> dict[str, list[tuple[str, str]]]:
    """ "Also featured in" as defined: for each item, every item of an earlier digest (by
    date, number, then slug) with the same link, oldest digest first, each in page order;
    items named by (digest path, anchor)."""
    order = sorted(site.digests, key=lambda d: (d.date, d.number or 0, d.slug))
    out = {}
    for rank, digest in enumerate(order):
        for item in digest.items():
            earlier = [
                (other.path, its.anchor)
                for other in order[:rank]
                for its in other.items()
                if item.link is not None and its.link == item.link
            ]
            if earlier:
                out[f"{digest.path}#{item.anchor}"] = earlier
    return out


def test_also_featured_follows_its_definition_on_many_repeats(tmp_path: Path) -> None:
    """Links featured in three digests, twice in one digest, in digests of one day (the
    slug orders them) and once only, beside text items."""
    links = ["https://a.org/1", "https://a.org/2", "https://b.org/x", "https://c.org/"]
    extra = {}
    for n in range(8):
        day = f"2022-03-{1 + n // 3:02d}"  # three digests a day
        picks = [links[(n + k) % 4] for k in range(3)] + [f"https://once.org/{n}", links[n % 4]]
        body = "".join(f"- [L{n}-{k}]({url}) - c\n" for k, url in enumerate(picks))
        extra[f"s{7 - n}.md"] = f'---\ntitle: "S{n}"\ndate: {day}\n---\n\n## A\n\n{body}- a note\n'
    site = load(write_site(tmp_path / "src", extra))
    expected = _featured_before(site)
    assert len(expected) == 7 * 4  # every digest but the oldest: its 4 repeated links
    found = {
        f"{pairs(site, [ref])[0][0].path}#{pairs(site, [ref])[0][1].anchor}": [
            (d.path, i.anchor) for d, i in pairs(site, earlier)
        ]
        for ref, earlier in also_featured(index(site)).items()
    }
    assert found == expected


def test_domains_follow_their_definition_when_hosts_share_a_slug(tmp_path: Path) -> None:
    """Each domain holds the links of every host of its slug, oldest digest first, page
    order within one, named by the first host met, counted; text items have none.
    ``a_b.example`` and ``a-b.example`` share the folder ``domains/a-b.example/``."""
    hosts = ["a_b.example", "a-b.example", "c.example", "a-b.example"]
    extra = {}
    for n in range(5):
        body = "".join(
            f"- [L{n}-{k}](https://{hosts[(n + k) % 4]}/{n}/{k}) - c\n" for k in range(3)
        )
        extra[f"h{n}.md"] = (
            f'---\ntitle: "H{n}"\ndate: 2022-04-0{n + 1}\n---\n\n## A\n\n{body}- a note\n'
        )
    site = load(write_site(tmp_path / "src", extra))
    expected: dict[str, list[tuple[Digest, Item]]] = {}
    names: dict[str, str] = {}
    for digest in reversed(site.digests):
        for item in digest.items():
            if item.host is not None:
                slug = domain_slug(item.host)
                names.setdefault(slug, item.host)
                expected.setdefault(slug, []).append((digest, item))
    found = collect_domains(index(site))
    assert {d.slug: pairs(site, d.items) for d in found} == expected
    assert {d.slug: (d.host, d.count) for d in found} == {
        slug: (names[slug], len(links)) for slug, links in expected.items()
    }
    shared = {d.slug: d for d in found}["a-b.example"]
    assert shared.host == names["a-b.example"] and shared.count > 5
    assert [d.count for d in found] == sorted((d.count for d in found), reverse=True)


def test_toc_and_reading_time(site: Site) -> None:
    new = site.digests[0]
    toc = table_of_contents(new)
    assert [(e.title, e.level, e.count) for e in toc] == [
        ("Videos", 2, 3),
        ("Short ones", 3, 1),
        ("Repos", 2, 2),
    ]
    assert reading_minutes(new) == 1


def test_reading_time_grows_with_words(tmp_path: Path) -> None:
    long_item = "- [Long](https://example.com/long) - " + "word " * 1000 + "\n"
    text = '---\ntitle: "Long"\ndate: 2021-02-01\n---\n\n## S\n\n' + long_item
    site = load(write_site(tmp_path / "src", {"long.md": text}))
    assert reading_minutes(site.digests[0]) == 5  # 1,000+ words at 230 a minute


def test_built_pages(tmp_path: Path) -> None:
    root = write_site(tmp_path / "src")
    out = tmp_path / "out"
    build(root, output=out, force_output=True)
    links = html.parse(str(out / "links/index.html")).getroot()
    hrefs = links.xpath("//ul[contains(@class,'link-index')]//a[@class='item-link']/@href")
    assert len(hrefs) == 7
    new = load(root).digests[0]
    assert hrefs[0] == f"/blog/{new.url}#{next(new.items()).anchor}"
    entry = links.xpath("//li[contains(@class,'link-entry')]")[1]
    assert entry.xpath(".//span[@class='label']/text()") == ["video"]
    assert entry.xpath(".//a[@class='domain']/@href") == ["/blog/domains/youtube.com/"]
    assert "New digest" in entry.text_content()

    domain = html.parse(str(out / "domains/youtube.com/index.html")).getroot()
    assert len(domain.xpath("//li[contains(@class,'link-entry')]")) == 3
    overview = html.parse(str(out / "domains/index.html")).getroot()
    assert overview.xpath("//ol[@class='domain-list']/li[1]")[0].text_content().split() == [
        "youtube.com",
        "(3)",
    ]

    digest = html.parse(str(out / new.url / "index.html")).getroot()
    back = digest.xpath("//p[@class='also-featured']/a")
    assert [a.text for a in back] == ["Old digest", "Old digest"]
    assert back[0].get("href").startswith("/blog/digests/old/#")
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    assert "Also featured in" not in feed  # a feed entry is the digest, without site links
    toc = digest.xpath("//nav[@id='toc']//a/@href")
    assert toc == ["#videos", "#short-ones", "#repos"]
    assert digest.xpath("//p[@class='reading-time']/text()") == ["1 min read"]
    assert digest.xpath("//form[@role='search']/@data-index") == ["/blog/search/"]
    index = json.loads((out / "search/index.json").read_text(encoding="utf-8"))
    assert index["ranges"][0]["s"] and index["ranges"][0]["d"] == ["old", "new"]
    documents = json.loads((out / "search/d/new.json").read_text(encoding="utf-8"))
    first = next(new.items())
    assert (documents["t"], documents["u"]) == ("New digest", new.url)
    assert documents["i"][0] == [first.anchor, first.title, "youtube.com"]


def test_tag_pages_merge_spellings_and_list_items(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(write_site(tmp_path / "src"), output=out, force_output=True)
    page = html.parse(str(out / "tags/machine-learning/index.html")).getroot()
    assert page.xpath("//h1/text()") == ["Tag: Machine Learning"]  # original spelling shown
    assert len(page.xpath("//article[@class='card']")) == 2
    deep = html.parse(str(out / "tags/deep-learning/index.html")).getroot()
    assert len(deep.xpath("//li[contains(@class,'link-entry')]")) == 2
    assert (out / "tags/deep-learning/feed.xml").is_file()


def _entries(page: Path) -> list[str]:
    tree = html.parse(str(page)).getroot()
    return [
        str(t)
        for t in tree.xpath("//li[contains(@class,'link-entry')]//a[@class='item-link']/text()")
    ]


def test_link_index_pages_are_numbered_from_the_oldest_link(tmp_path: Path) -> None:
    """Page N holds links (N-1)*50 to N*50-1 counted from the oldest; the index's first
    page holds the newest ones (50 to 99 of them), newest digest first."""
    many = "".join(f"- [L{n}](https://example.com/{n}) - c\n" for n in range(120))
    text = '---\ntitle: "Many"\ndate: 2021-03-01\n---\n\n## S\n\n' + many
    out = tmp_path / "out"
    build(write_site(tmp_path / "src", {"many.md": text}), output=out, force_output=True)
    pages = sorted(p.relative_to(out).as_posix() for p in out.glob("links/**/index.html"))
    assert pages == ["links/index.html", "links/page/1/index.html"]
    # The oldest 50: 2 of the old digest, 5 of the new one and L0 to L42 of "Many".
    first = _entries(out / "links/page/1/index.html")
    assert first[:43] == [f"L{n}" for n in range(43)] and first[-2:] == [
        "Intro to nets",
        "Some repo",
    ]
    assert len(first) == 50
    assert _entries(out / "links/index.html") == [f"L{n}" for n in range(43, 120)]
    one = html.parse(str(out / "links/page/1/index.html")).getroot()
    assert one.xpath("//a[@rel='prev']/@href") == ["/blog/links/"]  # the newer page
    assert one.xpath("//a[@rel='next']") == []
    assert "page 1" in one.xpath("//h1")[0].text_content()
    assert (out / "domains/example.com/page/1/index.html").is_file()


def test_numbered_pages_keep_their_links_as_new_ones_arrive(tmp_path: Path) -> None:
    """A new link changes the index's first page only; every 50 links a numbered page
    appears, and the page before it now points to it, its links unchanged."""

    def many(count: int) -> str:
        items = "".join(f"- [L{n}](https://example.com/{n}) - c\n" for n in range(count))
        return '---\ntitle: "Many"\ndate: 2021-03-01\n---\n\n## S\n\n' + items

    root = write_site(tmp_path / "src", {"many.md": many(120)})
    build(root)
    site = root / "site"
    page_one = (site / "links/page/1/index.html").read_bytes()
    (root / "digests" / "many.md").write_text(many(121), encoding="utf-8")
    build(root)
    assert (site / "links/page/1/index.html").read_bytes() == page_one
    assert _entries(site / "links/index.html")[-1] == "L120"
    (root / "digests" / "many.md").write_text(many(150), encoding="utf-8")
    build(root)
    assert _entries(site / "links/page/1/index.html") == _entries_of(page_one)
    assert _entries(site / "links/page/2/index.html") == [f"L{n}" for n in range(43, 93)]
    assert _entries(site / "links/index.html") == [f"L{n}" for n in range(93, 150)]
    one = html.parse(str(site / "links/page/1/index.html")).getroot()
    assert one.xpath("//a[@rel='prev']/@href") == ["/blog/links/page/2/"]


def _entries_of(page: bytes) -> list[str]:
    tree = html.fromstring(page)
    return [
        str(t)
        for t in tree.xpath("//li[contains(@class,'link-entry')]//a[@class='item-link']/text()")
    ]


def test_stats_page_draws_accessible_svg(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(write_site(tmp_path / "src"), output=out, force_output=True)
    page = html.parse(str(out / "stats/index.html")).getroot()
    svgs = page.xpath("//svg")
    assert len(svgs) == 3
    for svg in svgs:
        assert svg.get("role") == "img"
        title_id, desc_id = svg.get("aria-labelledby").split()
        assert svg.xpath(f".//title[@id='{title_id}']/text()")
        assert svg.xpath(f".//desc[@id='{desc_id}']/text()")
    bars = svgs[0].xpath(".//rect[@class='bar']")
    assert len(bars) == 2  # one bar per digest
    heights = [float(b.get("height")) for b in bars]
    assert heights[1] > heights[0]  # 5 links in the newer digest, 2 in the older
    assert "youtube.com: 3" in svgs[1].xpath(".//desc/text()")[0]
    assert not page.xpath("//script[not(@src)]")  # drawn at build time


def test_the_sites_own_aliases_and_tracking_params_shape_domains_and_repeats(
    tmp_path: Path,
) -> None:
    """``url_aliases`` and ``tracking_params`` are the rules of ``check``; the domain pages and
    "also featured in" follow the same ones, and editing them rebuilds the pages."""
    blog = "- [Post](https://blog.example.com/post?ref=feed) - a post\n"
    later = "- [Post again](https://example.com/post) - same post\n"
    extra = {
        "a.md": '---\ntitle: "A"\ndate: 2021-02-01\n---\n\n## S\n\n' + blog,
        "b.md": '---\ntitle: "B"\ndate: 2021-03-01\n---\n\n## S\n\n' + later,
    }
    root = write_site(tmp_path / "src", extra)
    build(root)
    assert (root / "site" / "domains" / "blog.example.com" / "index.html").is_file()
    page_b = (root / "site" / "digests" / "b" / "index.html").read_text(encoding="utf-8")
    assert "Also featured in" not in page_b.split("Post again")[1].split("</li>")[0]

    config = (root / "digestgen.yaml").read_text(encoding="utf-8")
    config += "url_aliases:\n  blog.example.com: example.com\ntracking_params: [ref]\n"
    (root / "digestgen.yaml").write_text(config, encoding="utf-8")
    site = load(root)
    (post,) = [item for _, item in site.items() if item.title == "Post"]
    assert (post.link, post.host, post.domain) == (
        "https://example.com/post",
        "example.com",
        "blog.example.com",
    )
    build(root)
    assert not (root / "site" / "domains" / "blog.example.com").exists()
    domain = (root / "site" / "domains" / "example.com" / "index.html").read_text(encoding="utf-8")
    assert "Post again" in domain and ">Post<" in domain
    page_b = (root / "site" / "digests" / "b" / "index.html").read_text(encoding="utf-8")
    entry = page_b.split("Post again")[1].split("</li>")[0]
    assert "Also featured in" in entry and 'href="/blog/digests/a/#' in entry


def test_tag_pages_list_their_links_a_page_at_a_time(tmp_path: Path) -> None:
    """A tag with more links than a page holds gets numbered pages, like the link index;
    the digests carrying the tag and its count are on its first page only."""
    items = "".join(
        f"- [Paper {n}](https://example.com/p{n}) - read it #papers\n" for n in range(110)
    )
    extra = {
        "many.md": f'---\ntitle: "Many"\ndate: 2021-05-01\ntags: [papers]\n---\n\n## S\n\n{items}'
    }
    root = write_site(tmp_path / "src", extra)
    build(root)
    first = html.fromstring((root / "site" / "tags" / "papers" / "index.html").read_bytes())
    numbered = html.fromstring(
        (root / "site" / "tags" / "papers" / "page" / "1" / "index.html").read_bytes()
    )
    first_links = first.xpath("//ul[@class='items']/li//a[@class='item-link']/text()")
    numbered_links = numbered.xpath("//ul[@class='items']/li//a[@class='item-link']/text()")
    assert numbered_links == [f"Paper {n}" for n in range(50)]
    assert first_links == [f"Paper {n}" for n in range(50, 110)]
    assert first.xpath("//article[contains(@class, 'card')]//h3/a/text()") == ["Many"]
    assert numbered.xpath("//article[contains(@class, 'card')]") == []
    assert numbered.xpath("//a[@rel='prev']/@href") == ["/blog/tags/papers/"]
    assert "page 1" in numbered.xpath("//h1")[0].text_content()
    sitemap = (root / "site" / "sitemap.xml").read_text(encoding="utf-8")
    assert "https://example.org/blog/tags/papers/page/1/" in sitemap
