"""How long from saving a digest to the browser showing it, on a copy of a site.

    python benchmarks/serve_latency.py [--root .] [--edits 10] [--browser]

Reports, per save: the time until the server announces the new build on its
event stream (what makes open tabs reload), and with --browser the time until
headless Chromium (/usr/bin/chromium) shows the reloaded page.
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from digestgen.serve import LiveServer

# The browser tests' Chromium setup, shared rather than copied.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser_support import CHROMIUM, CHROMIUM_ARGS


def _events(url: str) -> http.client.HTTPResponse:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    conn.request("GET", "/__digestgen__/events")
    return conn.getresponse()


def _next_state(resp: http.client.HTTPResponse) -> str:
    while True:
        line = resp.fp.readline().decode()
        if line.startswith("data:"):
            return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("."))
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--browser", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="serve-latency-"))
    shutil.copy(args.root / "digestgen.yaml", work / "digestgen.yaml")
    shutil.copytree(args.root / "digests", work / "digests")
    digest = sorted((work / "digests").rglob("*.md"))[-1]
    original = digest.read_text(encoding="utf-8")
    event_times: list[float] = []
    page_times: list[float] = []
    with LiveServer(work, port=0) as server:
        stream = _events(server.url)
        _next_state(stream)
        page = None
        if args.browser:
            from playwright.sync_api import sync_playwright

            pw = sync_playwright().start()
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            # The default permalink, /digests/{slug}/, with the file name as slug.
            page.goto(server.url + f"digests/{digest.stem}/")
            page.locator("html[data-digestgen-live=connected]").wait_for(state="attached")
        for n in range(args.edits):
            marker = f"latency-marker-{n}"
            started = time.perf_counter()
            digest.write_text(original.replace("\n---\n", f"\n---\n\n{marker}\n", 1), "utf-8")
            _next_state(stream)
            event_times.append(time.perf_counter() - started)
            if page is not None:
                page.wait_for_function(
                    f"() => document.body.innerText.includes('{marker}')", timeout=30_000
                )
                page_times.append(time.perf_counter() - started)
            time.sleep(0.3)
        if page is not None:
            browser.close()
            pw.stop()
    shutil.rmtree(work)

    def show(name: str, times: list[float]) -> None:
        print(
            f"{name}: median {statistics.median(times):.3f} s, max {max(times):.3f} s "
            f"over {len(times)} saves"
        )

    show("save -> reload event", event_times)
    if page_times:
        show("save -> page shows it (Chromium)", page_times)


if __name__ == "__main__":
    main()
