"""``digestgen add`` and ``digestgen publish`` edit drafts in place, byte for byte."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from curator_site import ISSUE_1, make_site

from digestgen.build import build
from digestgen.cli import main
from digestgen.commands.edit import NewItem, add_item, fetch_title, publish
from digestgen.content.digestfile import load_site
from digestgen.errors import DigestError
from digestgen.site.featured import find_featured

DRAFT = """
---
title: "Issue 2"
date: 2024-05-08
number: 2
draft: true   # flipped by publish
---

Intro with  two spaces and a trailing space\x20
| a | b |
|---|---|
| 1 | 2 |

## Papers

- [First](https://first.example/) - kept as it is
    - a note

### Deep

## Tools

Some text, no list yet.
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path / "site", {"issue-1.md": ISSUE_1, "issue-2.md": DRAFT})


def draft_path(root: Path) -> Path:
    return root / "digests/issue-2.md"


def without_line(data: bytes, number: int, newline: bytes = b"\n") -> bytes:
    lines = data.split(newline)
    return newline.join(lines[: number - 1] + lines[number:])


def section_urls(root: Path, title: str) -> list[str | None]:
    draft = next(d for d in load_site(root).digests if d.number == 2)
    sections = [s for top in draft.sections for s in (top, *top.subsections)]
    return [it.url for s in sections if s.title == title for it in s.content if hasattr(it, "url")]


def test_add_appends_under_its_section_and_keeps_every_other_byte(site: Path) -> None:
    before = draft_path(site).read_bytes()
    path, line, _, _ = add_item(site, NewItem("https://second.example/", "Second"), "papers")
    after = path.read_bytes()
    assert after.split(b"\n")[line - 1] == b"- [Second](https://second.example/)"
    assert without_line(after, line) == before
    assert section_urls(site, "Papers") == ["https://first.example/", "https://second.example/"]


def test_add_after_a_paragraph_starts_a_list_and_keeps_crlf_and_bom(site: Path) -> None:
    crlf = b"\xef\xbb\xbf" + draft_path(site).read_bytes().replace(b"\n", b"\r\n")
    draft_path(site).write_bytes(crlf)
    line = add_item(site, NewItem("https://tool.example/x", "Tool"), "Tools").line
    after = draft_path(site).read_bytes()
    assert after.startswith(b"\xef\xbb\xbf")
    assert after.split(b"\r\n")[line - 2 : line] == [b"", b"- [Tool](https://tool.example/x)"]
    assert without_line(without_line(after, line, b"\r\n"), line - 1, b"\r\n") == crlf
    assert section_urls(site, "Tools") == ["https://tool.example/x"]


def test_add_into_an_empty_subsection_and_a_new_section(site: Path) -> None:
    add_item(site, NewItem("https://deep.example/"), "Deep")
    add_item(site, NewItem("https://news.example/", "News", "fresh", ("ai", "news")), "News")
    assert section_urls(site, "Deep") == ["https://deep.example/"]
    assert section_urls(site, "News") == ["https://news.example/"]
    text = draft_path(site).read_text()
    # A new section goes before the closing sections that hold text but no items.
    assert text.endswith(
        "\n\n## News\n\n- [News](https://news.example/) - fresh #ai #news\n\n"
        "## Tools\n\nSome text, no list yet.\n"
    )
    item = find_featured(load_site(site), "https://news.example")[0][1]
    assert (item.title, item.commentary, item.tags) == ("News", "fresh", ("ai", "news"))


def test_add_escapes_markdown_in_titles_and_notes(site: Path) -> None:
    title, note = "A [weird] *title* <b> & #1", "costs $5 * 2_000 `x`"
    add_item(site, NewItem("https://weird.example/(x)", title, note), "Tools")
    item = find_featured(load_site(site), "https://weird.example/(x)")[0][1]
    assert (item.url, item.title, item.commentary) == ("https://weird.example/(x)", title, note)


def test_add_refuses_a_featured_link_and_says_where(site: Path) -> None:
    runner = CliRunner()
    url = "https://example.com/old?utm_medium=email"  # the same link as in issue 1
    refused = runner.invoke(main, ["add", "--root", str(site), url, "--section", "Papers"])
    assert refused.exit_code == 1
    assert "digests/issue-1.md:17: https://example.com/old is already featured" in refused.output
    assert b"example.com/old" not in draft_path(site).read_bytes()
    forced = runner.invoke(main, ["add", "--root", str(site), url, "--force", "--tag", "#old"])
    assert forced.exit_code == 0, forced.output
    assert forced.output.startswith(f"{draft_path(site)}:")
    assert len(find_featured(load_site(site), url)) == 2


def test_add_rejects_bad_urls_and_tags(site: Path) -> None:
    before = draft_path(site).read_bytes()
    with pytest.raises(DigestError, match="absolute http"):
        add_item(site, NewItem("javascript:alert(1)", "x"))
    with pytest.raises(DigestError, match="one word"):
        add_item(site, NewItem("https://ok.example/", "x", tags=("two words",)))
    assert draft_path(site).read_bytes() == before


def test_add_to_a_chosen_file(site: Path) -> None:
    before = (site / "digests/issue-1.md").read_text()
    path = add_item(site, NewItem("https://z.example/"), to=Path("digests/issue-1.md")).path
    assert path == site / "digests/issue-1.md"
    # After the last item (in "### Older"), not after the closing section without items.
    new = "still good\n- <https://z.example/>\n"
    assert path.read_text() == before.replace("still good\n", new)


class _Pages(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html><head><title>\n  Caf\xc3\xa9 &amp; Co\n</title></head><body>hi</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def page_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/page"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_fetch_title_reads_the_page_title_from_a_local_server(site: Path, page_server: str) -> None:
    args = ["add", "--root", str(site), page_server, "--fetch-title", "--allow-private"]
    result = CliRunner().invoke(main, [*args, "--section", "Tools"])
    assert result.exit_code == 0, result.output
    item = find_featured(load_site(site), page_server)[0][1]
    assert item.title == "Café & Co"


def test_fetch_title_gives_up_on_a_silent_server() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # accepts the connection but never answers
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        with pytest.raises(DigestError, match="could not fetch"):
            fetch_title(url, timeout=0.5, allow_private=True)
    with pytest.raises(DigestError, match="only http"):
        fetch_title("file:///etc/hostname")


def test_publish_dates_and_releases_the_draft(site: Path) -> None:
    add_item(site, NewItem("https://deep.example/", "Deep one"), "Deep")
    add_item(site, NewItem("https://tool.example/", "Tool"), "Tools")
    before = draft_path(site).read_bytes()
    result = CliRunner().invoke(main, ["publish", "--root", str(site), "--date", "2024-05-09"])
    assert result.exit_code == 0, result.output
    after = draft_path(site).read_bytes()
    assert after.split(b"\n")[2:5] == [b"date: 2024-05-09", b"number: 2", b"draft: false"]
    assert after.split(b"\n")[5:] == before.split(b"\n")[5:]
    built = build(site)
    assert [d.number for d in built.site.digests] == [2, 1]
    assert (site / "site/digests/issue-2/index.html").exists()
    again = CliRunner().invoke(main, ["publish", "--root", str(site), "digests/issue-2.md"])
    assert again.exit_code == 1
    assert "already published" in again.output


def test_publish_refuses_empty_sections_and_repeated_links(site: Path) -> None:
    add_item(site, NewItem("https://arxiv.org/abs/1706.03762/", "Again"), "Tools", force=True)
    before = draft_path(site).read_bytes()
    with pytest.raises(DigestError) as caught:
        publish(site)
    messages = [str(e) for e in getattr(caught.value, "errors", [caught.value])]
    assert "digests/issue-2.md:18: section 'Deep' is empty; fill it or delete its heading" in (
        messages
    )
    assert any(
        m.startswith("digests/issue-2.md:") and "also featured: digests/issue-1.md:11" in m
        for m in messages
    )
    assert draft_path(site).read_bytes() == before


ISSUE_3 = """
---
title: "Issue 3"
date: 2024-05-15
number: 3
draft: true
---

## Papers

- [P](https://p.example/) - p

## Tools

- [T](https://t.example/) - t

That's all for this week.

## About this digest

<!-- recurring -->
Send links to links@example.org.
<!-- /recurring -->
"""


def test_add_strips_tracking_parameters_unless_kept(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", {"issue-3.md": ISSUE_3}, "tracking_params: [ref]\n")
    url = "https://x.example/a?utm_source=feed&id=7&Ref=home&fbclid=Ab1#part"
    added = CliRunner().invoke(main, ["add", "--root", str(root), url])
    assert added.exit_code == 0, added.output
    assert added.stdout.endswith(": added https://x.example/a?id=7#part\n")
    assert added.stderr == (
        "removed tracking parameters utm_source, Ref, fbclid (--keep-query keeps them)\n"
    )
    kept_url = "https://y.example/?utm_medium=email"
    kept = CliRunner().invoke(main, ["add", "--root", str(root), kept_url, "--keep-query"])
    assert kept.exit_code == 0 and kept.stderr == ""
    urls = [item.url for item in load_site(root).digests[0].items()]
    assert urls[-2:] == ["https://x.example/a?id=7#part", kept_url]


def test_add_goes_after_the_last_item_never_after_closing_text(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", {"issue-3.md": ISSUE_3})
    path = root / "digests/issue-3.md"
    added = add_item(root, NewItem("https://new.example/"))
    lines = path.read_text().splitlines()
    assert lines[added.line - 2 : added.line + 2] == [
        "- [T](https://t.example/) - t",
        "- <https://new.example/>",
        "",
        "That's all for this week.",
    ]
    add_item(root, NewItem("https://news.example/"), "News")
    assert "- <https://new.example/>\n\nThat's all for this week.\n\n## News\n\n" in (
        path.read_text()
    )
    assert path.read_text().endswith(
        "## News\n\n- <https://news.example/>\n\n## About this digest\n\n<!-- recurring -->\n"
        "Send links to links@example.org.\n<!-- /recurring -->\n"
    )


def test_add_uses_the_default_section_of_the_config(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", {"issue-3.md": ISSUE_3}, "default_section: papers\n")
    path = root / "digests/issue-3.md"
    add_item(root, NewItem("https://p2.example/"))
    assert "- [P](https://p.example/) - p\n- <https://p2.example/>\n\n## Tools" in path.read_text()
    (root / "digestgen.yaml").write_text(
        (root / "digestgen.yaml").read_text().replace("papers", "Links")
    )
    add_item(root, NewItem("https://l.example/"))
    assert "this week.\n\n## Links\n\n- <https://l.example/>\n\n## About" in path.read_text()


def test_add_to_a_fresh_draft_fills_its_first_empty_section(tmp_path: Path) -> None:
    fresh = ISSUE_3.replace("- [P](https://p.example/) - p\n\n", "").replace(
        "- [T](https://t.example/) - t\n\n", ""
    )
    root = make_site(tmp_path / "site", {"issue-3.md": fresh})
    add_item(root, NewItem("https://first.example/"))
    assert "## Papers\n\n- <https://first.example/>\n\n## Tools\n" in (
        (root / "digests/issue-3.md").read_text()
    )


def test_publish_prints_the_warnings_check_gives_for_the_digest(tmp_path: Path) -> None:
    draft = ISSUE_3.replace(
        "- [T](https://t.example/) - t",
        "- [Half a title...](https://t.example/?utm_source=x) - t\n\n#### Too deep",
    )
    root = make_site(tmp_path / "site", {"issue-1.md": ISSUE_1, "issue-3.md": draft})
    checked = CliRunner().invoke(main, ["check", "--root", str(root)])
    expected = [line for line in checked.stdout.splitlines() if "issue-3.md" in line]
    assert len(expected) == 3  # a skipped heading level, a tracking parameter, a cut title
    published = CliRunner().invoke(main, ["publish", "--root", str(root), "--date", "2024-05-15"])
    assert published.exit_code == 0, published.output
    assert published.stderr.splitlines() == expected
    assert published.stdout == f"published {root / 'digests/issue-3.md'}\n"
