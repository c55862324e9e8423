"""``digestgen import``: a site of Pelican, Hugo, Jekyll, Zola or Eleventy as a new
digestgen site that keeps every article's URL, the feeds' paths and their entry ids."""

from __future__ import annotations

import importlib
from pathlib import Path

from digestgen.commands.importer.report import Report
from digestgen.commands.importer.writer import run_import
from digestgen.errors import DigestError

FORMATS = ("pelican", "hugo", "jekyll", "zola", "eleventy")
_ELEVENTY_CONFIGS = (
    "eleventy.config.js",
    "eleventy.config.mjs",
    "eleventy.config.cjs",
    ".eleventy.js",
)


def detect_format(source: Path) -> str:
    """The generator of the site at ``source``, from the files only it has."""
    if (source / "pelicanconf.py").is_file():
        return "pelican"
    if any((source / name).is_file() for name in ("hugo.toml", "hugo.yaml", "hugo.json")):
        return "hugo"
    if (source / "config.toml").is_file():
        text = (source / "config.toml").read_text("utf-8", "replace")
        return "zola" if "base_url" in text else "hugo"
    if (source / "_config.yml").is_file() or (source / "_posts").is_dir():
        return "jekyll"
    if any((source / name).is_file() for name in _ELEVENTY_CONFIGS):
        return "eleventy"
    package = source / "package.json"
    if package.is_file() and "@11ty/eleventy" in package.read_text("utf-8", "replace"):
        return "eleventy"
    if (source / "config.yaml").is_file():
        return "hugo"
    raise DigestError(
        f"cannot tell which generator built {source}; name it, as in "
        f"'digestgen import pelican {source}' ({', '.join(FORMATS)})"
    )


def import_site(source: Path, target: Path, fmt: str | None = None) -> Report:
    """Import the site at ``source`` (of format ``fmt``, detected when ``None``) into the
    new, empty folder ``target``; returns the report. Nothing is written on a mistake."""
    if not source.is_dir():
        raise DigestError(f"{source} is not a folder")
    fmt = fmt or detect_format(source)
    if fmt not in FORMATS:
        raise DigestError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    reader = importlib.import_module(f"digestgen.commands.importer.{fmt}")
    return run_import(source, target, fmt, reader)


__all__ = ["FORMATS", "Report", "detect_format", "import_site"]
