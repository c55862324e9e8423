"""Search benchmark: digestgen's prebuilt index against Pagefind on a generated archive.

Generates N synthetic digests (deterministic), builds the site under a ``/bench/``
base path, builds a Pagefind index of the same items (one custom record per item,
linking to its permalink), then measures in headless Chromium, with a cold cache:
index size on disk, bytes loaded by the first query and time to first result.

    .venv/bin/python benchmarks/search_size.py --digests 1000

Needs the ``pagefind[bin]`` and ``playwright`` packages and /usr/bin/chromium.
Pagefind results are loaded as its UI does: the first 10 results' fragments.
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from html import escape
from pathlib import Path

# The browser tests' Chromium setup, shared rather than copied.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser_support import CHROMIUM, CHROMIUM_ARGS

from digestgen.build import build
from digestgen.config import load_config
from digestgen.model import Site

# fmt: off
SYLLABLES = (
    "ka", "lo", "mi", "ra", "te", "su", "no", "vi", "ba", "de", "fo", "gu", "ha", "je", "ki",
    "lu", "ma", "ne", "po", "qu", "ri", "sa", "to", "un", "ve", "wo", "xi", "ye", "zo",
)
COMMON = (
    "the", "a", "of", "and", "to", "in", "for", "with", "on", "is", "new", "how", "why", "what",
    "from", "by", "using", "model", "data", "fast", "release", "guide", "library", "paper",
    "notes", "tool", "python", "learning", "deep", "neural", "network", "training", "inference",
    "benchmark", "dataset", "graph", "language", "vision", "speech", "search", "compiler",
    "types",
)
# fmt: on
QUERIES = ("network", "transformer kalomi", "zoteve")


def _vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


class Writer:
    """Zipf-ish synthetic prose: a few common words, a long tail of rare ones."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        vocab = [*COMMON, "transformer", "kalomi", "zoteve", *_vocabulary(self.rng)]
        self.words = vocab
        self.weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(vocab))]

    def words_(self, low: int, high: int) -> str:
        count = self.rng.randint(low, high)
        return " ".join(self.rng.choices(self.words, self.weights, k=count))


def generate(root: Path, digests: int, seed: int = 1) -> None:
    """A site folder with ``digests`` digest files of 12-25 items in 3-5 sections."""
    writer = Writer(seed)
    rng = writer.rng
    hosts = [f"{writer.words_(1, 1)}{n}.example.com" for n in range(400)]
    host_weights = [1.0 / (rank + 1) for rank in range(len(hosts))]
    tags = [f"tag-{writer.words_(1, 1)}" for _ in range(60)]
    (root / "digests").mkdir(parents=True)
    (root / "digestgen.yaml").write_text(
        'title: "Bench"\nbase_url: "https://example.org/bench/"\n', encoding="utf-8"
    )
    day = date(2010, 1, 4)
    for number in range(1, digests + 1):
        lines = [
            "---",
            f'title: "Bench digest {number}"',
            f"date: {day.isoformat()}",
            f"number: {number}",
            f"tags: [{', '.join(rng.sample(tags, 2))}]",
            "---",
            "",
            writer.words_(20, 40).capitalize() + ".",
        ]
        for section in range(rng.randint(3, 5)):
            lines += ["", f"## {writer.words_(1, 3).title()} {section}", ""]
            for _ in range(rng.randint(3, 6)):
                host = rng.choices(hosts, host_weights)[0]
                path = writer.words_(2, 3).replace(" ", "/")
                title = writer.words_(4, 9).capitalize()
                tail = " ".join(f"#{t}" for t in rng.sample(tags, rng.randint(0, 2)))
                lines.append(
                    f"- [{title}](https://{host}/{path}) - {writer.words_(8, 30)} {tail}".rstrip()
                )
                for _ in range(rng.choice((0, 0, 1, 2, 3))):
                    lines.append(f"    - {writer.words_(10, 20)}")
        (root / "digests" / f"bench-{number:04d}.md").write_text(
            "\n".join(lines) + "\n", encoding="utf-8"
        )
        day += timedelta(days=7)


def _pagefind(site: Site, tmp: Path, out: Path) -> int:
    """Index every item as its own record with the Pagefind CLI; returns the record count.

    The Python API's ``add_custom_record`` takes ~0.1 s a record over its pipe (18,000
    records: half an hour), so each item becomes a tiny HTML page for the CLI instead:
    the same records, words and metadata.
    """
    pages = tmp / "pagefind-src"
    count = 0
    for digest, item in site.items():
        text = " ".join([item.commentary, item.notes, " ".join(item.tags), item.host or ""])
        page = (
            f'<!DOCTYPE html><html lang="en"><head><title>{escape(item.title)}</title></head>'
            f'<body><main data-pagefind-body><h1 data-pagefind-meta="title">'
            f"{escape(item.title)}</h1>"
            f'<p data-pagefind-meta="digest">{escape(digest.title)}</p><p>{escape(text)}</p>'
            "</main></body></html>"
        )
        target = pages / digest.slug / f"{item.anchor}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
        count += 1
    command = [sys.executable, "-m", "pagefind", "--site", str(pages), "--output-path", str(out)]
    subprocess.run([*command, "--silent"], check=True, timeout=1200)
    return count


def _single_file_size(site: Site) -> tuple[int, int]:
    """(bytes, gzip bytes) of the first design: every item in one JSON file."""
    numbers = {d.slug: n for n, d in enumerate(site.digests)}
    data = {
        "d": [[d.title, d.url, " ".join(d.tags), d.summary] for d in site.digests],
        "i": [
            [
                numbers[d.slug],
                i.anchor,
                i.title,
                i.host or "",
                " ".join(i.tags),
                f"{i.commentary} {i.notes}",
            ]
            for d, i in site.items()
        ],
    }
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return len(raw), len(gzip.compress(raw, 6))


def _size(paths: list[Path]) -> tuple[int, int]:
    """(bytes, gzip -6 bytes) of the files."""
    raw = sum(p.stat().st_size for p in paths)
    gz = sum(len(gzip.compress(p.read_bytes(), 6)) for p in paths)
    return raw, gz


@contextmanager
def serve(folder: Path) -> Iterator[tuple[str, list[str]]]:
    """A static server for ``folder`` on 127.0.0.1 and a free port, stopped on exit,
    with the list of paths it served (requests from Pagefind's web worker included,
    which the page's resource timing does not see)."""
    served: list[str] = []

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(folder), **kwargs)  # type: ignore[arg-type]

        def do_GET(self) -> None:
            served.append(self.path.split("?")[0])
            super().do_GET()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", served
    finally:
        server.shutdown()
        server.server_close()


VANILLA_JS = """async (query) => {
  const list = document.getElementById('search-results');
  const input = document.getElementById('search-q');
  const t0 = performance.now();
  const done = new Promise(resolve => new MutationObserver((m, obs) => {
    if (list.children.length) { obs.disconnect(); resolve(); }
  }).observe(list, {childList: true}));
  input.focus();
  input.value = query;
  input.dispatchEvent(new Event('input'));
  await done;
  return {ms: performance.now() - t0, hits: list.children.length};
}"""

PAGEFIND_JS = """async ([query, base]) => {
  const t0 = performance.now();
  const pf = await import(base + 'pagefind/pagefind.js');
  await pf.options({baseUrl: base});
  const search = await pf.search(query);
  const data = await Promise.all(search.results.slice(0, 10).map(r => r.data()));
  return {ms: performance.now() - t0, hits: data.length};
}"""


def _bytes_of(paths: list[str], www: Path) -> tuple[int, int]:
    """(bytes, gzip -6 bytes) of the files behind the served paths (Pagefind's files are
    compressed already, so its two numbers are about the same)."""
    files = [www / p.lstrip("/") for p in paths]
    return _size([f for f in files if f.is_file()])


def measure(
    www: Path, page: str, base: str, queries: Sequence[str], repeat: int = 5
) -> list[tuple[str, str, float, int, int, int]]:
    """``(engine, query, median ms, bytes, gzip bytes, results)`` per query."""
    from playwright.sync_api import sync_playwright

    rows = []
    with serve(www) as (origin, served), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for engine, script in (("digestgen", VANILLA_JS), ("pagefind", PAGEFIND_JS)):
            for query in queries:
                times = []
                for _ in range(repeat):  # a fresh context each time: a cold cache
                    context = browser.new_context()
                    tab = context.new_page()
                    tab.goto(origin + page)
                    tab.wait_for_load_state("load")
                    served.clear()
                    arg = query if engine == "digestgen" else [query, base]
                    result = tab.evaluate(script, arg)
                    raw, gz = _bytes_of(served, www)
                    times.append(result["ms"])
                    context.close()
                rows.append((engine, query, statistics.median(times), raw, gz, result["hits"]))
        browser.close()
    return rows


def main() -> None:
    """Generate (or take) a site, build it, index it both ways, measure, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digests", type=int, default=1000, help="how many to generate")
    parser.add_argument("--root", type=Path, help="measure this site instead of generating one")
    parser.add_argument("--query", action="append", help="a query (repeatable)")
    parser.add_argument("--repeat", type=int, default=5, help="cold runs per query (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root, www = args.root or Path(tmp) / "src", Path(tmp) / "www"
        if args.root is None:
            generate(root, args.digests)
        base = load_config(root).base_path
        out = www / base.strip("/")
        result = build(root, output=out)
        print(result.summary())
        started = time.perf_counter()
        records = _pagefind(result.site, Path(tmp), out / "pagefind")
        print(f"pagefind: {records} records indexed in {time.perf_counter() - started:.1f} s")
        single = _single_file_size(result.site)
        print(f"single-file JSON index: {single[0] / 1e6:.2f} MB, {single[1] / 1e6:.2f} MB gzip")
        ours_paths = [p for p in (out / "search").rglob("*") if p.is_file()]
        ours = _size([*ours_paths, out / "static/search.js"])
        theirs_paths = [p for p in (out / "pagefind").rglob("*") if p.is_file()]
        theirs = _size(theirs_paths)
        print(
            f"digestgen index + script: {ours[0] / 1e6:.2f} MB, {ours[1] / 1e6:.2f} MB gzip, "
            f"{len(ours_paths) + 1} files"
        )
        print(
            f"pagefind: {theirs[0] / 1e6:.2f} MB, {theirs[1] / 1e6:.2f} MB gzip, "
            f"{len(theirs_paths)} files"
        )
        page = f"{base}{result.site.digests[0].url}"
        print("| engine | query | time to first result (median) | bytes loaded | gzip | results |")
        print("|---|---|---|---|---|---|")
        for engine, query, ms, raw, gz, hits in measure(
            www, page, base, args.query or QUERIES, args.repeat
        ):
            cells = [
                engine,
                f"`{query}`",
                f"{ms:.0f} ms",
                f"{raw / 1e3:.0f} kB",
                f"{gz / 1e3:.0f} kB",
            ]
            print("| " + " | ".join([*cells, str(hits)]) + " |")


if __name__ == "__main__":
    main()
