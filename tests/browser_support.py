"""Debian's Chromium for the browser tests: where it is, how it is started here, and
axe-core's accessibility check of a page."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("DIGESTGEN_CHROMIUM", "/usr/bin/chromium")
# No background traffic: this machine has no network but the package registries.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

AXE_JS = os.environ.get("AXE_JS", "")
IN_CI = os.environ.get("CI", "").lower() == "true"


def axe_js() -> str:
    """axe-core's script (``$AXE_JS``, which ``.ci/run`` sets): without it the axe check
    fails in CI and is skipped elsewhere, once the page's other checks have passed."""
    if not AXE_JS or not Path(AXE_JS).is_file():
        message = f"the accessibility check needs axe-core's axe.min.js in AXE_JS ({AXE_JS!r})"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return AXE_JS


def axe_problems(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page as shown (open shadow roots
    included), one line each."""
    if not page.evaluate("() => 'axe' in window"):
        page.add_script_tag(path=axe_js())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
