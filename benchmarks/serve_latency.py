"""How long from saving a digest to headless Chromium showing the updated page, for each
kind of edit, under ``digestgen serve`` (the site held in memory).

    python benchmarks/serve_latency.py --root ../shared/corpora/haskell-weekly
    python benchmarks/serve_latency.py --generate 700 --items 100 --repeat 5

The root is copied first. For each edit (the kinds of benchmarks/run.py) the page that
shows it is open in Chromium: the edited digest's page, or the home page for a new
digest. The time is from the save to the page having reloaded with the new build (its
live script names the new generation); the server's own build time is printed beside.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from digestgen.serve import LiveServer

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser_support import CHROMIUM, CHROMIUM_ARGS
from generate import generate
from run import EDITS, apply_edit, digest_files
from tools import yaml_header


def _page_of(server: LiveServer, kind: str, folder: Path) -> str:
    """The address of the page that shows an edit of ``kind``."""
    if kind == "new-digest":
        return server.url
    files = digest_files(folder)
    path = files[len(files) // 2] if kind in ("old-comment", "retitle") else files[-1]
    site = server.session
    for head in site.digests.values():
        if head[0].path == path.relative_to(folder.parent).as_posix():
            return server.url + head[0].url
    raise SystemExit(f"no page for {path}")


def _generation(page: object) -> str:
    return str(
        page.evaluate(  # type: ignore[attr-defined]
            "() => document.querySelector('script[data-generation]').dataset.generation"
        )
    )


def measure(root: Path, kinds: list[str], repeat: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    logs: list[str] = []
    with LiveServer(root, port=0, log=logs.append) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        for kind in kinds:
            for n in range(repeat):
                page.goto(_page_of(server, kind, root / "digests"))
                page.locator("html[data-digestgen-live=connected]").wait_for(state="attached")
                before = _generation(page)
                time.sleep(0.3)  # the save is not mixed into the page's own loading
                started = time.perf_counter()
                apply_edit(kind, root / "digests", n, yaml_header)
                page.wait_for_function(
                    "(old) => { const s = document.querySelector('script[data-generation]');"
                    " return s && s.dataset.generation !== old; }",
                    arg=before,
                    timeout=60_000,
                )
                page.wait_for_load_state("load")
                times[kind].append(time.perf_counter() - started)
        browser.close()
    builds = [line for line in logs if line.startswith("built ")]
    print("\n".join(builds[-len(kinds) * repeat :]))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=None)
    parser.add_argument("--generate", type=int, default=0, help="digests of a twir archive")
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--edits", default=",".join(EDITS))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="serve-latency-"))
    root = work / "site"
    if args.generate:
        generate(root, args.generate, args.items, shape="twir")
    else:
        source = args.root or Path(".")
        shutil.copytree(source, root, ignore=shutil.ignore_patterns("site", ".site.*"))
    try:
        times = measure(root, [k for k in args.edits.split(",") if k], args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for kind, values in times.items():
        print(
            f"{kind}: save -> page shown, median {statistics.median(values):.3f} s, "
            f"max {max(values):.3f} s over {len(values)} saves"
        )


if __name__ == "__main__":
    main()
