"""``digestgen export``: email HTML, MIME message, plain text and Markdown, from one model."""

from __future__ import annotations

import email
from email.message import Message
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner
from curator_site import ISSUE_1, make_site

from digestgen.build import build
from digestgen.cli import main
from digestgen.commands.export import find_digest
from digestgen.content.digestfile import load_site
from digestgen.content.parse import parse_digest
from digestgen.errors import ConfigError, DigestError
from digestgen.model import Digest, Item, Site
from digestgen.render.email import email_html, markdown_messages, plain_text

RICH = """
---
title: "Issue 3"
date: 2024-05-15
number: 3
image: /static/cover.png
summary: "Relative links, images, labels and tables."
---

See [the archive](../../archive/) first.

## Links

- [Local page](../local/) - relative to the digest page #meta
    - ![a chart](chart.png) under a note
- [podcast] [Episode 5](https://pod.example/5#t=10) - with a *label* and `code`
- A text item with no link
    - 1. a note that looks like a list

| model | size |
|-------|------|
| tiny  | 1M   |

### Deeper

- [Deep link](https://deep.example/a_b?q=1&r=2) - under a subsection #deep-dive
"""


@pytest.fixture
def site_root(tmp_path: Path) -> Path:
    return make_site(tmp_path / "site", {"issue-1.md": ISSUE_1, "issue-3.md": RICH})


def loaded(root: Path) -> tuple[Site, Digest]:
    site = load_site(root)
    return site, find_digest(site, root, "3")


def same_items(items: list[Item]) -> list[tuple[object, ...]]:
    return [(i.label, i.url, i.title, i.commentary, i.tags, i.notes) for i in items]


def test_email_has_inlined_css_absolute_urls_and_every_item(site_root: Path) -> None:
    site, digest = loaded(site_root)
    page = email_html(site, digest, site_root / "templates")
    doc = lxml.html.document_fromstring(page)
    assert doc.xpath("//style | //link | //script") == []
    assert doc.xpath("//*[@class='item-link' and not(@style)]") == []
    urls = doc.xpath("//@href | //@src")
    assert urls and all(u.startswith(("https://", "http://")) for u in urls), urls
    hrefs = set(doc.xpath("//a/@href"))
    page_url = "https://example.org/blog/digests/issue-3/"
    for item in digest.items():
        if item.url:
            local = "https://example.org/blog/digests/local/"
            assert (item.url if "://" in item.url else local) in hrefs
    assert "https://example.org/blog/archive/" in hrefs
    assert page_url in hrefs
    assert "A text item with no link" in doc.text_content()
    images = doc.xpath("//img")
    assert {i.get("src") for i in images} == {
        "https://example.org/static/cover.png",  # '/static' is the host's root, as in browsers
        page_url + "chart.png",
    }
    assert all(i.get("width") for i in images)
    assert doc.xpath("//table[@class='container']/@width") == ["600"]


def test_plain_text_lists_links_as_numbered_references(site_root: Path) -> None:
    site, digest = loaded(site_root)
    text = plain_text(site, digest)
    refs = text.rsplit("\nReferences\n----------\n\n")[1].splitlines()
    assert refs[:2] == [
        "[1] https://example.org/blog/archive/",
        "[2] https://example.org/blog/digests/local/",
    ]
    assert "* Local page [2]\n  relative to the digest page #meta\n" in text
    assert "* [podcast] Episode 5 [3]\n" in text
    assert "[3] https://pod.example/5#t=10" in refs
    assert "model | size\ntiny | 1M\n" in text
    assert "<" not in text


def test_markdown_export_parses_back_into_the_same_items(site_root: Path) -> None:
    site, digest = loaded(site_root)
    (message,) = markdown_messages(site, digest)
    front = '---\ntitle: "x"\ndate: 2024-05-15\n---\n'
    again = parse_digest(front + message, "again.md", site.config)
    absolute = [
        (i.label, i.url if i.url is None or "://" in i.url else "https://example.org/blog/digests/local/",
         i.title, i.commentary, i.tags, i.notes)
        for i in digest.items()
    ]  # fmt: skip
    assert same_items(list(again.items())) == absolute
    assert [s.title for s in again.sections] == ["Links"]
    assert "| tiny | 1M |" in message


def test_markdown_splits_into_messages_at_item_boundaries(site_root: Path) -> None:
    site, digest = loaded(site_root)
    (whole,) = markdown_messages(site, digest)
    messages = markdown_messages(site, digest, max_chars=260)
    assert len(messages) > 2
    assert all(len(m) <= 260 for m in messages)
    front = '---\ntitle: "x"\ndate: 2024-05-15\n---\n'
    found = [
        same_items(list(parse_digest(front + m, "m.md", site.config).items())) for m in messages
    ]
    flat = [item for part in found for item in part]
    assert flat == same_items(list(parse_digest(front + whole, "w.md", site.config).items()))
    assert all(m.startswith(("# ", "## ", "### ")) for m in messages)
    with pytest.raises(DigestError, match="does not fit --max-chars 40"):
        markdown_messages(site, digest, max_chars=40)


def test_export_command_writes_every_format(site_root: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    root = ["--root", str(site_root)]
    text = runner.invoke(main, ["export", *root, "issue-3", "--format", "text"])
    assert text.exit_code == 0, text.output
    assert text.output.startswith("Issue 3\n=======\n")
    out = tmp_path / "out.md"
    split = runner.invoke(
        main, ["export", *root, "digests/issue-3.md", "--format", "markdown", "--max-chars", "300",
               "-o", str(out)],
    )  # fmt: skip
    assert split.exit_code == 0, split.output
    parts = sorted(tmp_path.glob("out-*.md"))
    assert len(parts) >= 2 and all(len(p.read_text()) <= 300 for p in parts)
    eml = runner.invoke(main, ["export", *root, "3", "--format", "eml"])
    again = runner.invoke(main, ["export", *root, "3", "--format", "eml"])
    assert eml.stdout_bytes == again.stdout_bytes
    message = email.message_from_bytes(eml.stdout_bytes)
    assert message.get_content_type() == "multipart/alternative"
    payload = message.get_payload()
    assert isinstance(payload, list)
    parts_by_type = {p.get_content_type(): p for p in payload if isinstance(p, Message)}
    assert set(parts_by_type) == {"text/plain", "text/html"}
    missing = runner.invoke(main, ["export", *root, "99"])
    assert missing.exit_code == 1
    assert "no digest with number, slug or file '99'" in missing.output


def test_build_writes_the_editions_the_config_asks_for(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"issue-3.md": RICH}, "export_formats: [email, text, markdown]\n")
    build(root)
    folder = root / "site/digests/issue-3"
    assert "<style" not in (folder / "email.html").read_text()
    assert (folder / "digest.txt").read_text().startswith("Issue 3\n")
    assert (folder / "digest.md").read_text().startswith("# Issue 3\n")
    (root / "digestgen.yaml").write_text(
        (root / "digestgen.yaml").read_text().replace("markdown]", "pdf]")
    )
    with pytest.raises(ConfigError, match="not pdf"):
        build(root)


def test_raw_html_links_become_absolute_too(tmp_path: Path) -> None:
    raw = RICH.replace(
        "See [the archive](../../archive/) first.",
        "<p><a href='../../tags/'>Tags</a> <img src='pic.png' alt=''></p>",
    )
    root = make_site(tmp_path, {"issue-3.md": raw}, "unsafe_html: true\n")
    site, digest = loaded(root)
    doc = lxml.html.document_fromstring(email_html(site, digest))
    assert "https://example.org/blog/tags/" in doc.xpath("//a/@href")
    (picture,) = doc.xpath("//img[contains(@src, 'pic.png')]")
    assert picture.get("src") == "https://example.org/blog/digests/issue-3/pic.png"
    assert picture.get("width") == "552"
