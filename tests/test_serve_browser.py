"""End to end in headless Chromium: the open page reloads itself after a save."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, axe_problems
from serve_support import copy_example_blog, edit

from digestgen.serve import LiveServer

# Generous: Chromium itself may be slow to paint on a loaded 2-core machine.
BROWSER_WAIT_MS = 10_000

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def page() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def test_the_page_reloads_itself_and_shows_build_errors(page: object, tmp_path: Path) -> None:
    site = copy_example_blog(tmp_path / "blog")
    digest = site / "digests/ds-ml-digest-22.md"
    assert isinstance(page, sync_api.Page)
    with LiveServer(site, port=0) as server:
        page.goto(server.url + "digests/ds-ml-digest-22/")
        assert page.locator("h1").inner_text() == "2020 DS/ML digest 22"
        # Wait for the event stream, then mark this document: a reload forgets the mark.
        page.locator("html[data-digestgen-live=connected]").wait_for(
            state="attached", timeout=BROWSER_WAIT_MS
        )
        page.evaluate("() => { window.__notReloaded = true; }")
        edit(digest, 'title: "2020 DS/ML digest 22"', 'title: "Digest 22, live"')
        page.wait_for_function(
            "() => !window.__notReloaded && document.querySelector('h1')?.textContent === "
            "'Digest 22, live'",
            timeout=BROWSER_WAIT_MS,
        )
        # A broken save: the overlay appears over the last good page, without a reload.
        page.evaluate("() => { window.__notReloaded = true; }")
        edit(digest, "date: 2020-01-20", "date: whenever")
        overlay = page.locator("#__digestgen_overlay")
        overlay.wait_for(state="visible", timeout=BROWSER_WAIT_MS)
        assert "digests/ds-ml-digest-22.md:3: " in overlay.locator("pre").inner_text()
        assert page.evaluate("() => window.__notReloaded") is True
        # The next good save clears it and reloads.
        edit(digest, "date: whenever", "date: 2020-01-20")
        overlay.wait_for(state="detached", timeout=BROWSER_WAIT_MS)
        page.wait_for_function("() => !window.__notReloaded", timeout=BROWSER_WAIT_MS)
        assert page.locator("h1").inner_text() == "Digest 22, live"


# The overlay's colours and the page's under it, read inside its shadow root.
OVERLAY_COLOURS = """() => {
    const root = document.getElementById('__digestgen_overlay').shadowRoot;
    const pre = getComputedStyle(root.querySelector('pre'));
    const box = getComputedStyle(root.querySelector('.box'));
    return [pre.color, box.backgroundColor, pre.backgroundColor, root.textContent];
}"""


def _on_top(page: object, selector: str) -> bool:
    """Whether the middle of the element is what a click there would reach."""
    assert isinstance(page, sync_api.Page)
    return bool(
        page.evaluate(
            """(sel) => { const el = document.querySelector(sel);
            const r = el.getBoundingClientRect();
            return el.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));
        }""",
            selector,
        )
    )


def test_the_error_overlay_reads_well_with_and_without_a_good_build(
    page: object, tmp_path: Path
) -> None:
    """The first build fails: the page says there is no good build, the error sits under
    its heading. A later failure: the overlay over the last good page says so, and hides
    away. The page's styles (its <pre>) never reach the overlay, in either scheme."""
    site = copy_example_blog(tmp_path / "blog")
    digest = site / "digests/ds-ml-digest-22.md"
    edit(digest, "date: 2020-01-20", "date: whenever")
    assert isinstance(page, sync_api.Page)
    with LiveServer(site, port=0) as server:
        page.goto(server.url)
        error = page.locator("#__digestgen_overlay pre")
        error.wait_for(timeout=BROWSER_WAIT_MS)
        assert "digests/ds-ml-digest-22.md:3: " in error.inner_text()
        overlay = page.locator("#__digestgen_overlay").inner_text()
        assert "no good build yet" in page.evaluate(OVERLAY_COLOURS)[3]
        assert "last good build" not in overlay + page.evaluate(OVERLAY_COLOURS)[3]
        assert _on_top(page, "h1") and _on_top(page, "main p")
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            assert axe_problems(page) == [], scheme

        edit(digest, "date: whenever", "date: 2020-01-20")
        page.locator("h1", has_text="DS/ML Digest").wait_for(timeout=BROWSER_WAIT_MS)
        page.goto(server.url + "digests/ds-ml-digest-22/")
        page.locator("html[data-digestgen-live=connected]").wait_for(
            state="attached", timeout=BROWSER_WAIT_MS
        )
        edit(digest, "date: 2020-01-20", "date: whenever")
        error.wait_for(timeout=BROWSER_WAIT_MS)
        assert "showing the last good build" in page.evaluate(OVERLAY_COLOURS)[3]
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            text, box, pre_background, _ = page.evaluate(OVERLAY_COLOURS)
            assert pre_background == "rgba(0, 0, 0, 0)", scheme  # not the theme's <pre>
            assert text != box, scheme
            assert axe_problems(page) == [], scheme
        page.locator("#__digestgen_overlay button", has_text="Hide").click()
        page.locator("#__digestgen_overlay").wait_for(state="detached")
        assert _on_top(page, "h1")
