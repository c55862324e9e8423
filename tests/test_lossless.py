"""Lossless rendering: every link and every word of a digest body is on its page."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest
from conftest import (
    FIXTURES_DIR,
    MakeSite,
    body_of,
    digest_file,
    lossless_problems,
    three_digests,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digestgen.build import build
from digestgen.build.run import render_site
from digestgen.config import parse_config
from digestgen.content.parse import parse_site
from digestgen.model import Site


def html(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(path.read_bytes())


@pytest.mark.parametrize("path", sorted(FIXTURES_DIR.glob("*.md")), ids=lambda p: p.stem)
def test_fixture_page_is_lossless(path: Path, make_site: MakeSite) -> None:
    root = make_site({f"digests/{path.name}": path.read_text()})
    result = build(root)
    (digest,) = result.site.digests
    page = (root / "site" / digest.url / "index.html").read_bytes()
    assert lossless_problems(body_of(path.read_text()), page) == []


def test_blocks_between_items_render_in_source_order(make_site: MakeSite) -> None:
    path = FIXTURES_DIR / "blocks_between_items.md"
    root = make_site({f"digests/{path.name}": path.read_text()})
    build(root)
    text = (root / "site/digests/blocks_between_items/index.html").read_text()
    order = [
        "https://example.com/before",
        "A paragraph between items.",
        "<table>",
        "code between items",
        "An HTML block between items",
        "a comment between items",
        "https://example.com/after",
    ]
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions)


def test_example_blog_is_lossless(example_site: Path, example: Site, repo_root: Path) -> None:
    for digest in example.digests:
        source = (repo_root / digest.path).read_text()
        page = (example_site / digest.url / "index.html").read_bytes()
        assert lossless_problems(body_of(source), page) == [], digest.path


def test_lossless_check_notices_a_lost_word_and_a_lost_link() -> None:
    body = "- [A](https://a.example/) - hello world\n"
    whole = b"<html><body><main><a href='https://a.example/'>A</a> hello world</main></body></html>"
    assert lossless_problems(body, whole) == []
    no_word = whole.replace(b" world", b"")
    assert lossless_problems(body, no_word) == ["word 'world' appears 0 times, body has it 1"]
    no_link = whole.replace(b"https://a.example/", b"https://b.example/")
    assert lossless_problems(body, no_link) == ["missing href 'https://a.example/'"]
    pictured = "![pic](https://a.example/p.png) hello\n"
    page = b"<main><p>hello <img src='https://a.example/q.png' alt='pic'></p></main>"
    assert lossless_problems(pictured, page) == ["missing image 'https://a.example/p.png'"]


def test_ids_are_unique_and_fragment_links_resolve_on_every_page(make_site: MakeSite) -> None:
    files = three_digests()
    for path in sorted(FIXTURES_DIR.glob("*.md")):
        files[f"digests/{path.name}"] = path.read_text()
    files["digests/clash.md"] = digest_file(
        "Clash",
        "2024-02-02",
        "## Main\n\n- [Papers](https://example.com/) - x\n\n## Papers\n\n- papers\n"
        "\n## Site header\n\n- [Main](https://main/) - y\n",
    )
    root = make_site(files)
    build(root)
    for page in sorted((root / "site").rglob("*.html")):
        doc = html(page)
        ids = [str(i) for i in doc.xpath("//@id")]
        assert len(ids) == len(set(ids)), (page, sorted(i for i in ids if ids.count(i) > 1))
        for href in doc.xpath("//a/@href"):
            if href.startswith("#") and len(href) > 1:
                assert href[1:] in ids, (page, href)


WORDS = ["alpha", "beta", "naïve", "Schrödinger", "C#", "x86", "O(n)", "don't", "GPT-2", "3.5B"]
URLS = ["https://example.com/a", "https://example.com/a", "https://www.youtube.com/watch?v=q"]


def _words(draw: st.DrawFn, low: int = 1, high: int = 6) -> str:
    return " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=low, max_size=high)))


@st.composite
def _item(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["link", "label", "text", "auto"]))
    url = draw(st.sampled_from(URLS))
    head = {
        "link": f"[{_words(draw)}]({url}) - {_words(draw)}",
        "label": f"[video] [{_words(draw)}]({url}) - {_words(draw)}",
        "text": _words(draw),
        "auto": f"<{url}> {_words(draw)}",
    }[kind]
    if draw(st.booleans()):
        head += " #" + draw(st.sampled_from(["nlp", "cv", "deep-learning"]))
    lines = [f"- {head}"]
    for _ in range(draw(st.integers(0, 2))):
        lines.append(f"    - {_words(draw)}")
        if draw(st.booleans()):
            lines.append(f"        - {_words(draw)}")
    if draw(st.booleans()):
        lines.append(f"  > {_words(draw)}")
    return "\n".join(lines)


@st.composite
def _block(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["h2", "h3", "para", "items", "ordered", "code", "table", "html"]))
    if kind == "items":
        return "\n".join(draw(st.lists(_item(), min_size=1, max_size=4)))
    if kind == "ordered":
        return "\n".join(f"{n}. [{_words(draw)}](https://e.org/{n}) - z" for n in (1, 2))
    return {
        "h2": f"## {_words(draw)}",
        "h3": f"### {_words(draw)}",
        "para": _words(draw, 1, 12),
        "code": f"```\n{_words(draw)}\n```",
        "table": f"| {_words(draw)} | b |\n|---|---|\n| {_words(draw)} | c |",
        "html": f"<div>{_words(draw)}</div>\n\n<!-- {_words(draw)} -->",
    }[kind]


@settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.lists(_block(), min_size=1, max_size=8))
def test_any_mix_of_body_shapes_is_lossless(blocks: list[str]) -> None:
    body = "\n\n".join(blocks) + "\n"
    config = parse_config('title: "T"\nbase_url: "https://example.org/"\n')
    source = digest_file("Mix", "2024-01-01", body).encode()
    site = parse_site(config, [("digests/mix.md", source)])
    page = render_site(Path("/nonexistent-site-root"), site)["digests/mix/index.html"]
    assert lossless_problems(body, page) == []
    doc = lxml.html.document_fromstring(page)
    ids = [str(i) for i in doc.xpath("//@id")]
    assert len(ids) == len(set(ids))
    assert {h[1:] for h in doc.xpath("//a/@href") if h.startswith("#") and len(h) > 1} <= set(ids)


def test_item_labels_tags_and_notes_are_on_the_page(make_site: MakeSite) -> None:
    names = ("video_label", "tags", "nested_notes", "quote")
    root = make_site({f"digests/{n}.md": (FIXTURES_DIR / f"{n}.md").read_text() for n in names})
    build(root)
    out = root / "site"

    def item(page: str, anchor: str) -> lxml.html.HtmlElement:
        (element,) = html(out / page / "index.html").xpath(f"//*[@id='{anchor}']")
        return element

    video = item("digests/video_label", "youtube-com-watch-abc123")
    assert re.search(r"\bvideo\b", video.text_content())
    assert "https://www.youtube.com/watch?v=abc123" in video.xpath(".//a/@href")
    tagged = item("digests/tags", "example-com-tagged")
    assert {"/tags/nlp/", "/tags/deep-learning/"} <= set(tagged.xpath(".//a/@href"))
    assert item("digests/tags", "example-com-one-tag").xpath(".//a[@href='/tags/nlp/']")
    assert not item("digests/tags", "example-com-csharp").xpath(
        ".//a[starts-with(@href, '/tags/')]"
    )
    notes = item("digests/nested_notes", "example-com-deep")
    assert notes.xpath(".//ul/li/ul/li[contains(., 'Second-level note under two')]")
    quote = item("digests/quote", "example-com-quoted")
    assert "This is the quoted opening" in quote.xpath("string(.//blockquote)")
