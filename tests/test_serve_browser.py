"""End to end in headless Chromium: the open page reloads itself after a save."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS
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
        assert "digests/ds-ml-digest-22.md:3: " in overlay.inner_text()
        assert page.evaluate("() => window.__notReloaded") is True
        # The next good save clears it and reloads.
        edit(digest, "date: whenever", "date: 2020-01-20")
        overlay.wait_for(state="detached", timeout=BROWSER_WAIT_MS)
        page.wait_for_function("() => !window.__notReloaded", timeout=BROWSER_WAIT_MS)
        assert page.locator("h1").inner_text() == "Digest 22, live"
