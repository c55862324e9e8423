"""The example blog in real headless Chromium: search, console, layout at 1280 and 390 px in
both colour schemes (nothing cut, no sideways scroll, a compact header) and axe-core."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import AXE_JS, CHROMIUM, CHROMIUM_ARGS, axe_problems
from conftest import copy_example

from digestgen.build import build

sync_api = pytest.importorskip("playwright.sync_api")

REPO = Path(__file__).resolve().parent.parent
PAGE_CHECKS = (Path(__file__).resolve().parent / "page_checks.js").read_text(encoding="utf-8")
PAGE_TYPES = {
    "home": "",
    "digest": "digests/ds-ml-digest-22/",
    "archive": "archive/",
    "tags": "tags/",
    "tag": "tags/nlp/",
    "links": "links/",
    "domains": "domains/",
    "domain": "domains/github.com/",
    "stats": "stats/",
    "404": "404.html",
    "notes digest": "digests/notes-and-long-titles/",
    "search": "",  # the home page, a query typed
}
# A digest beside the example's: text items, a section without items, long words and titles.
EXTRA_DIGEST = """---
title: "Notes, and titles long enough to wrap on a phone"
date: 2020-01-27
number: 23
tags: [meta]
---
## About this digest

Only a paragraph here: this section has no items.

## Long titles

- [Incomprehensibilities of internationalization: an uncompromisingly thorough walkthrough](\
https://documentation.internationalization.example.com/guide) - a title that wraps #meta
- [video] [A short one](https://www.youtube.com/watch?v=abcdef) - with a label

## Remarks

- A remark without a link: a note, not a link
- Another remark
"""
# The page's cumulative layout shift so far, apart from shifts that follow the reader's input.
LAYOUT_SHIFT = """() => new Promise((done) => {
    let total = 0;
    new PerformanceObserver((list) => {
        for (const shift of list.getEntries()) if (!shift.hadRecentInput) total += shift.value;
    }).observe({type: 'layout-shift', buffered: true});
    setTimeout(() => done(total), 100);
})"""
MAIN_TOP = "() => document.querySelector('main').getBoundingClientRect().top"
# Wide enough for one row of header on a desktop; on a phone, at most 15 % of the screen.
VIEWS = {"1280-light": (1280, 900, "light"), "1280-dark": (1280, 900, "dark")}
VIEWS |= {"390-light": (390, 844, "light"), "390-dark": (390, 844, "dark")}

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium")


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean."""


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The example blog built under its base path and served on 127.0.0.1."""
    www = tmp_path_factory.mktemp("www")
    out = www / "digest"  # the example's base_url is https://example.org/digest/
    root = copy_example(REPO, tmp_path_factory.mktemp("blog"))
    (root / "digests/notes-and-long-titles.md").write_text(EXTRA_DIGEST, encoding="utf-8")
    build(root, output=out, force_output=True)

    def handler(*args: Any, **kwargs: Any) -> _Handler:
        return _Handler(*args, directory=str(www), **kwargs)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/digest/", out
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000)
        yield chromium
        chromium.close()


def test_search_finds_items_and_lands_on_the_anchor(
    browser: Any, site_url: tuple[str, Path]
) -> None:
    base, _ = site_url
    page = browser.new_page()
    page.set_default_timeout(10_000)
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(base + "archive/")
    assert not any("/search/" in url for url in fetched)  # the index loads on first use
    page.locator("#search-q").fill("tokenizers rust")
    hit = page.locator("#search-results li a").first
    hit.wait_for()
    assert any(url.endswith("/digest/search/index.json") for url in fetched)
    assert page.locator("#search-results li").count() == 1
    assert hit.inner_text() == "huggingface/tokenizers"
    assert hit.locator("mark").all_inner_texts() == ["tokenizers"]  # the words matched
    hit.click()
    page.wait_for_url("**/digests/ds-ml-digest-22/#github-com-huggingface-tokenizers")
    target = page.locator(":target")
    assert target.get_attribute("id") == "github-com-huggingface-tokenizers"
    assert target.is_visible()
    in_view = page.evaluate(
        "() => { const r = document.querySelector(':target').getBoundingClientRect();"
        " return r.top >= 0 && r.top < window.innerHeight; }"
    )
    assert in_view
    page.locator("#search-q").fill("zzzz-nothing-matches")
    page.locator("#search-status", has_text="No matches.").wait_for()
    page.close()


def test_search_matches_notes_tags_and_domains(browser: Any, site_url: tuple[str, Path]) -> None:
    base, _ = site_url
    page = browser.new_page()
    page.set_default_timeout(10_000)
    page.goto(base)
    # "reversible" is only in the nested notes of the Reformer item.
    page.locator("#search-q").fill("reversible")
    page.locator("#search-results li a", has_text="Reformer").wait_for()
    page.locator("#search-q").fill("distill.pub")
    page.locator("#search-results li a", has_text="Feature Visualization").wait_for()
    page.goto(base + "links/?q=lottery+sparse")  # the no-script form's target runs it too
    page.locator("#search-results li a", has_text="Lottery Ticket").wait_for()
    page.close()


def _errors_on(page: Any, url: str, built: Path, query: str = "pytorch") -> list[str]:
    errors: list[str] = []

    def on_console(msg: Any) -> None:
        if msg.type != "error":
            return
        source = msg.location.get("url", "")
        # The theme's style.css comes from the restyling branch; until it is merged
        # it is missing from the build, and only that 404 is expected.
        if source.endswith("/static/style.css") and not (built / "static/style.css").exists():
            return
        errors.append(f"{msg.text} ({source})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.wait_for_load_state("load")
    # Use the search box on every page too, so its script runs everywhere.
    if query:
        page.locator("#search-q").fill(query)
        page.locator("#search-results li").first.wait_for()
    return errors


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where each page's screenshot goes, for a person to look at."""
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots of the theme: {folder}")
    return folder


@pytest.fixture(scope="module", params=sorted(VIEWS))
def view(request: pytest.FixtureRequest, browser: Any) -> Iterator[tuple[str, Any]]:
    """A browser context of one size and colour scheme, shared by the module's pages."""
    width, height, scheme = VIEWS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    if AXE_JS and Path(AXE_JS).is_file():  # loaded with each page: quicker than a script tag
        context.add_init_script(path=AXE_JS)
    try:
        yield request.param, context
    finally:
        context.close()


def _header_problems(page: Any) -> list[str]:
    """The header fits one row on a desktop and 15 % of a phone's screen."""
    box = page.evaluate(
        """() => {
        const mid = (sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                               return (r.top + r.bottom) / 2; };
        return {height: document.querySelector('.site-header').getBoundingClientRect().height,
                rows: [mid('.site-title'), mid('.site-header nav'), mid('#search-q')],
                width: innerWidth, screen: innerHeight};
    }"""
    )
    problems = []
    if box["height"] > 0.15 * box["screen"]:
        problems.append(f"header {box['height']:.0f}px high in a {box['screen']}px screen")
    if box["width"] >= 1024 and max(box["rows"]) - min(box["rows"]) > 6:
        problems.append(f"header not one row: centres at {box['rows']}")
    return problems


@pytest.mark.parametrize("kind", sorted(PAGE_TYPES))
def test_page_type_reads_well(
    view: tuple[str, Any], site_url: tuple[str, Path], screenshots: Path, kind: str
) -> None:
    """Nothing cut, no sideways scroll, a compact header and no serious axe finding, with
    the search's results open over the page (a query of many results on "search")."""
    name, context = view
    base, built = site_url
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        errors = _errors_on(page, base + PAGE_TYPES[kind], built, "the" if kind == "search" else "")
        if kind == "search":
            page.locator("#search-results li").nth(11).wait_for()
        shot = screenshots / f"{kind.replace(' ', '-')}-{name}.png"
        page.screenshot(path=str(shot))
        assert errors == [], errors
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{kind} scrolls sideways by {overflow}px ({shot})"
        assert _header_problems(page) == [], shot
        assert page.evaluate(LAYOUT_SHIFT) < 0.01, f"{kind}: the page moves as it loads"
        if kind != "search":  # the page's own checks, then the search's results open on it
            assert page.evaluate(PAGE_CHECKS) == [], shot
            top = page.evaluate(MAIN_TOP)
            page.locator("#search-q").fill("pytorch")
            page.locator("#search-results li").first.wait_for()
            assert page.evaluate(MAIN_TOP) == top, f"{kind}: the results push the page down"
        assert page.evaluate(PAGE_CHECKS) == [], shot
        assert axe_problems(page) == [], f"{kind} {name}"
    finally:
        page.close()


def _luminance(rgb: str) -> float:
    """Relative luminance (WCAG) of a computed ``rgb(r, g, b)`` colour."""
    channels = [int(part) / 255 for part in rgb[rgb.index("(") + 1 : -1].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_stats_charts_readable_in_both_schemes(
    browser: Any, site_url: tuple[str, Path], scheme: str
) -> None:
    base, _ = site_url
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme=scheme)
    page = context.new_page()
    page.goto(base + "stats/")
    colours = page.evaluate(
        """() => {
        const style = (sel, prop) => getComputedStyle(document.querySelector(sel))[prop];
        let bg = 'rgba(0, 0, 0, 0)';
        for (let el = document.querySelector('.chart'); el; el = el.parentElement) {
          bg = getComputedStyle(el).backgroundColor;
          if (bg !== 'rgba(0, 0, 0, 0)') break;
        }
        if (bg === 'rgba(0, 0, 0, 0)')  // the canvas colour of the scheme
          bg = matchMedia('(prefers-color-scheme: dark)').matches ? 'rgb(18, 18, 18)'
                                                                  : 'rgb(255, 255, 255)';
        const text = style('.chart text.chart-label', 'fill');
        return {bg, text, bar: style('.chart .bar', 'fill')};
    }"""
    )
    assert _contrast(colours["text"], colours["bg"]) >= 4.5, colours
    assert _contrast(colours["bar"], colours["bg"]) >= 3, colours  # WCAG non-text contrast
    # Every chart's text reads at 12 px or more on the phone: its size times the scale.
    smallest = page.evaluate(
        """() => Math.min(...Array.from(document.querySelectorAll('.chart text'), (t) => {
        const svg = t.ownerSVGElement;
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        return parseFloat(getComputedStyle(t).fontSize) * scale;
    }))"""
    )
    assert smallest >= 12, smallest
    context.close()
