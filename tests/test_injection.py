"""Hostile text anywhere in a digest or the config is shown as text, never run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import lxml.etree
import lxml.html
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sitefactory import make_site, run

from digestgen.build.run import render_site
from digestgen.config import parse_config
from digestgen.content.parse import parse_digest, parse_site
from digestgen.errors import DigestError
from digestgen.model import Digest

PAYLOADS = [
    '<script>alert("XSS")</script>',
    '<img src=x onerror=alert("XSS")>',
    '"><svg onload=alert("XSS")>',
    "<iframe src=\"javascript:alert('XSS')\"></iframe>",
    "<a href=\"javascript:alert('XSS')\">click</a>",
    "<p style=\"background:url(javascript:alert('XSS'))\">styled</p>",
    "' onmouseover='alert(\"XSS\")' x='",
]
EVIL = " ".join(PAYLOADS)
# Inline SVG is allowed (the stats page draws its charts with it); an SVG payload is
# active only through a handler or a script, which the checks below catch.
DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "frame", "frameset", "base"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}


def _q(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid double-quoted YAML string


LINK_TITLE = "Link title " + EVIL.replace('"', "&quot;")


def hostile_site(root: Path) -> Path:
    digest = f"""---
title: {_q("Title " + EVIL)}
date: 2020-01-01
number: 1
author: {_q("Author " + EVIL)}
tags: [{_q("<script>alert(1)</script>")}, {_q('x" onmouseover="alert(1)')}, safe]
summary: {_q("Summary " + EVIL)}
---

Intro {EVIL}

## Section {EVIL}

- [Link text {EVIL}](https://example.com/a "{LINK_TITLE}") - Commentary {EVIL}
    - Note {EVIL}
    - See [the docs](https://example.com/d "{LINK_TITLE}") too
    - Another note <svg><script>alert("XSS")</script></svg>
- [Plain](https://example.com/b?q=%22%3E%3Cscript%3E) - query that looks like a payload #safe

### Sub {EVIL}

- [<img src=x onerror=alert(1)>](https://example.com/c) - {EVIL}

<div onclick="alert('XSS')">block html</div>

<script>alert("block")</script>
"""
    config = f"title: {_q('Site ' + EVIL)}\nbase_url: https://example.org/\n"
    config += f"description: {_q('Description ' + EVIL)}\nauthor: {_q('Owner ' + EVIL)}\n"
    config += "export_formats: [email, text, markdown]\n"  # the newsletter editions too
    return make_site(root, {"evil.md": digest}, config=config)


def _unsafe_url(value: str) -> bool:
    cleaned = "".join(ch for ch in value if ch > " ").lower()
    return cleaned.startswith(("javascript:", "vbscript:", "data:"))


def active_parts(html: str) -> Iterator[str]:
    """Every script, handler, dangerous URL or style in an HTML document or fragment."""
    if not html.strip():
        return
    tree = lxml.html.fromstring(html)
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        # The theme's own search script is the one script a page may carry.
        own_script = (
            element.tag.lower() == "script"
            and (element.get("src") or "").endswith("/static/search.js")
            and not (element.text or "").strip()
        )
        if element.tag.lower() in DANGEROUS_TAGS and not own_script:
            yield f"<{element.tag}>"
        for name, value in element.attrib.items():
            lowered = name.lower()
            if lowered.startswith("on"):
                yield f"{element.tag} {name}={value!r}"
            if lowered in URL_ATTRS and _unsafe_url(value):
                yield f"{element.tag} {name}={value!r}"
            # The email edition inlines the theme's CSS; a payload's style is never that.
            if lowered == "style" and any(w in value.lower() for w in ("xss", "alert", "script:")):
                yield f"{element.tag} style={value!r}"


@pytest.fixture(scope="module")
def hostile_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = hostile_site(tmp_path_factory.mktemp("hostile"))
    result = run("build", "--root", str(root))
    assert result.exit_code == 0, result.stderr
    return root / "site"


def test_no_payload_is_active_in_any_page(hostile_output: Path) -> None:
    pages = sorted(hostile_output.rglob("*.html"))
    assert len(pages) >= 6
    for page in pages:
        assert list(active_parts(page.read_text())) == [], page


def test_payloads_are_shown_as_text(hostile_output: Path) -> None:
    page = lxml.html.fromstring((hostile_output / "digests/evil/index.html").read_text())
    text = page.text_content()
    for where in ("Title", "Section", "Link text", "Commentary", "Note", "Sub", "Intro"):
        assert f'{where} <script>alert("XSS")</script> <img src=x onerror' in text, where
    assert "Author " in text and 'onerror=alert("XSS")' in text
    title = page.find(".//title").text_content()
    assert title.startswith('Title <script>alert("XSS")</script>')
    titles = [a.get("title") or "" for a in page.iter("a")]
    assert any(t.startswith('Link title <script>alert("XSS")</script>') for t in titles)


def _xml_html_fields(path: Path) -> Iterator[str]:
    tree = lxml.etree.parse(str(path))  # a payload must not break the XML either
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        name = lxml.etree.QName(element).localname
        html_carrier = name in ("description", "encoded") or (
            name in ("content", "summary", "title", "subtitle") and element.get("type") == "html"
        )
        if html_carrier and element.text:
            yield element.text


def test_no_payload_is_active_in_any_feed(hostile_output: Path) -> None:
    feeds = sorted(hostile_output.rglob("*.xml"))
    assert any(p.name == "atom.xml" for p in feeds) and any(p.name == "feed.xml" for p in feeds)
    seen_content = 0
    for feed in feeds:
        for html in _xml_html_fields(feed):
            seen_content += 1
            assert list(active_parts(html)) == [], feed
    assert seen_content > 0
    for path in sorted(hostile_output.rglob("feed.json")):
        data = json.loads(path.read_text())
        for item in data["items"]:
            assert list(active_parts(item.get("content_html", ""))) == [], path
        assert data["title"].startswith("Site <script>")  # plain text, as JSON Feed says


def test_sitemap_holds_only_site_urls(hostile_output: Path) -> None:
    tree = lxml.etree.parse(str(hostile_output / "sitemap.xml"))
    locs = [e.text or "" for e in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert locs and all(loc.startswith("https://example.org/") for loc in locs)
    assert not any("<" in loc or '"' in loc for loc in locs)


@pytest.mark.parametrize(
    ("link", "line"),
    [
        ("[x](javascript:alert(1)) text", 6),
        ("[x](JaVaScRiPt:alert(1))", 6),
        ("[x](&#106;avascript:alert(1))", 6),
        ("<javascript:alert(1)>", 6),
        ("![x](data:image/svg+xml;base64,PHN2Zz4=)", 6),
        ("[x](vbscript:msgbox)", 6),
        ("[x](%20javascript:alert(1))", 6),
        # reported where the URL is written: the reference definition
        ("[x][ref] text\n\n[ref]: javascript:alert(1)\n", 8),
    ],
)
def test_unsafe_link_schemes_are_errors(tmp_path: Path, link: str, line: int) -> None:
    make_site(tmp_path, {"a.md": f"---\ntitle: a\ndate: 2020-01-01\n---\n\n- {link}\n"})
    result = run("build", "--root", str(tmp_path))
    assert result.exit_code == 1
    assert f"digests/a.md:{line}: link with unsafe scheme" in result.stderr
    assert not (tmp_path / "site").exists()


CONFIG = parse_config("title: T\nbase_url: https://example.org/\n")
KEYS = st.sampled_from(
    ["title", "date", "number", "slug", "author", "tags", "summary", "draft", "updated", "image"]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.dates().map(str)
    | st.datetimes().map(str)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)
FRONT_MATTER = st.dictionaries(KEYS | st.text(max_size=8), VALUES, max_size=6)
MARKDOWNISH = st.lists(
    st.sampled_from([*"-*#[]()<>`!:/ \n\tabc&;\"'=\x07", "https://", "## ", "- [", "javascript:"])
).map("".join)


def _parse(data: bytes | str) -> Digest | None:
    try:
        return parse_digest(data, "x.md", CONFIG)
    except DigestError:
        return None


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text() | MARKDOWNISH)
def test_arbitrary_text_gives_a_model_or_our_error(text: str) -> None:
    for data in (text, "---\n" + text, "---\ntitle: a\ndate: 2020-01-01\n---\n" + text):
        result = _parse(data)
        assert result is None or isinstance(result, Digest)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary())
def test_arbitrary_bytes_give_a_model_or_our_error(data: bytes) -> None:
    result = _parse(b"---\ntitle: a\ndate: 2020-01-01\n---\n" + data)
    assert result is None or isinstance(result, Digest)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(FRONT_MATTER, st.text(max_size=200))
def test_arbitrary_front_matter_gives_a_model_or_our_error(
    front: dict[str, object], body: str
) -> None:
    data = "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + body
    result = _parse(data)
    assert result is None or isinstance(result, Digest)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=60), MARKDOWNISH)
def test_whatever_parses_also_renders(title: str, body: str) -> None:
    data = "---\n" + yaml.safe_dump({"title": title or "t", "date": "2020-01-01"}) + "---\n" + body
    try:
        site = parse_site(CONFIG, [("digests/x.md", data.encode("utf-8", "surrogatepass"))])
    except DigestError:
        return
    files = render_site(Path("/nonexistent-site-root"), site)
    assert sum(path.endswith(".html") for path in files) >= 4 and "atom.xml" in files
