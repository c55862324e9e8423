"""Debian's Chromium for the browser tests: where it is and how it is started here."""

from __future__ import annotations

import os

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
