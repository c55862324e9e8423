"""The built HTML, feeds and sitemap are valid, and every internal link has its target.

Checked on the example blog and on a large generated archive with the Nu Html Checker
(``VNU_JAR``), feedparser, the Atom RELAX NG grammar, the sitemap schema and a link walk.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import feedparser
import lxml.etree
import lxml.html
import pytest
from archivegen import generate_archive
from sitefactory import run

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = Path(__file__).resolve().parent / "schemas"
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="module", params=["example", "archive"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example blog of this repository, or a generated archive, built into a folder."""
    if request.param == "example":
        root = REPO
    else:
        root = generate_archive(tmp_path_factory.mktemp("archive"), count=150)
    output = tmp_path_factory.mktemp(f"{request.param}-site") / "site"
    result = run("build", "--root", str(root), "--output", str(output), "--force-output")
    assert result.exit_code == 0, result.stderr
    return output


def _base_url(site: Path) -> str:
    return json.loads((site / "feed.json").read_text())["home_page_url"]


def _vnu() -> list[str]:
    jar = os.environ.get("VNU_JAR", "")
    java = shutil.which("java")
    if not jar or not Path(jar).is_file() or java is None:
        message = f"the Nu Html Checker needs java and VNU_JAR (VNU_JAR={jar!r}, java={java})"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return [java, "-Xss4m", "-jar", jar]


def test_html_is_valid(built: Path) -> None:
    pages = sorted(str(p) for p in built.rglob("*.html"))
    styles = sorted(str(p) for p in built.rglob("*.css"))
    assert len(pages) >= 10 and styles
    proc = subprocess.run(
        [*_vnu(), "--errors-only", "--also-check-css", "--format", "json", *pages, *styles],
        capture_output=True,
        text=True,
        timeout=600,
    )
    messages = json.loads(proc.stderr or proc.stdout or '{"messages": []}')["messages"]
    problems = [f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}" for m in messages]
    assert problems == []
    assert proc.returncode == 0


def _feeds(site: Path) -> list[Path]:
    return sorted([*site.rglob("feed.xml"), *site.rglob("atom.xml")])


@functools.cache
def _parsed(path: Path) -> feedparser.FeedParserDict:
    return feedparser.parse(path.read_bytes())


def test_feeds_parse_without_bozo(built: Path) -> None:
    feeds = _feeds(built)
    assert len(feeds) >= 2
    for path in feeds:
        parsed = _parsed(path)
        assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')}"
        assert parsed.version, path
        assert parsed.entries or path.parent != built, path


def test_json_feeds_follow_json_feed_1_1(built: Path) -> None:
    # feedparser 6.0 reads no JSON Feed; these are the spec's required members and types.
    for path in sorted(built.rglob("feed.json")):
        feed = json.loads(path.read_text(encoding="utf-8"))
        assert feed["version"] == "https://jsonfeed.org/version/1.1"
        assert isinstance(feed["title"], str) and feed["title"]
        assert isinstance(feed["items"], list) and feed["items"], path
        for item in feed["items"]:
            assert isinstance(item["id"], str) and item["id"]
            assert isinstance(item.get("content_html", item.get("content_text")), str)
            assert item["url"].startswith(feed["home_page_url"])


def test_atom_feeds_match_the_relax_ng_grammar(built: Path) -> None:
    grammar = lxml.etree.RelaxNG(lxml.etree.parse(str(SCHEMAS / "atom.rng")))
    feeds = sorted(built.rglob("atom.xml"))
    assert feeds
    for path in feeds:
        document = lxml.etree.parse(str(path))
        assert grammar.validate(document), f"{path}: {grammar.error_log}"


def test_sitemap_matches_its_schema(built: Path) -> None:
    schema = lxml.etree.XMLSchema(lxml.etree.parse(str(SCHEMAS / "sitemap.xsd")))
    document = lxml.etree.parse(str(built / "sitemap.xml"))
    assert schema.validate(document), schema.error_log
    base = _base_url(built)
    locs = [e.text or "" for e in document.iter("{*}loc")]
    assert locs and all(loc.startswith(base) for loc in locs)
    for loc in locs:
        assert _target(built, base, loc) is not None, loc


def _target(site: Path, base: str, url: str) -> Path | None:
    """The file an absolute URL of this site points to, or ``None`` when there is none."""
    path = unquote(urlsplit(url).path)
    base_path = urlsplit(base).path
    if not path.startswith(base_path):
        return None
    rel = path[len(base_path) :]
    candidate = site / rel
    if rel == "" or rel.endswith("/"):
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def _links(page: Path) -> Iterator[str]:
    tree = lxml.html.fromstring(page.read_bytes())
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for name in ("href", "src"):
            value = element.get(name)
            if value is not None:
                yield value


def _ids(page: Path, cache: dict[Path, set[str]]) -> set[str]:
    if page not in cache:
        tree = lxml.html.fromstring(page.read_bytes())
        cache[page] = {e.get("id") or "" for e in tree.iter() if isinstance(e.tag, str)}
        cache[page] |= {e.get("name") or "" for e in tree.iter("a")}
    return cache[page]


def test_every_internal_link_and_asset_has_a_target(built: Path) -> None:
    base = _base_url(built)
    base_parts = urlsplit(base)
    ids: dict[Path, set[str]] = {}
    missing: list[str] = []
    checked = 0
    for page in sorted(built.rglob("*.html")):
        page_url = urljoin(base, page.relative_to(built).as_posix())
        for link in _links(page):
            absolute = urljoin(page_url, link)
            parts = urlsplit(absolute)
            if (parts.scheme, parts.netloc) != (base_parts.scheme, base_parts.netloc):
                continue
            checked += 1
            target = _target(built, base, absolute)
            if target is None:
                missing.append(f"{page.relative_to(built)}: {link}")
            elif parts.fragment and unquote(parts.fragment) not in _ids(target, ids):
                missing.append(f"{page.relative_to(built)}: {link} (no such anchor)")
    assert checked > 50
    assert missing == []


def test_feed_links_point_into_the_site(built: Path) -> None:
    base = _base_url(built)
    ids: dict[Path, set[str]] = {}
    for path in _feeds(built):
        parsed = _parsed(path)
        for entry in parsed.entries:
            target = _target(built, base, entry.link)
            assert target is not None, (path, entry.link)
            fragment = urlsplit(entry.link).fragment
            assert not fragment or fragment in _ids(target, ids), (path, entry.link)
