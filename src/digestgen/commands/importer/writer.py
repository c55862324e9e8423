"""The import from end to end: read the old site, settle numbers, slugs and URLs, rewrite
internal links, check that digestgen parses every digest, then write the new site."""

from __future__ import annotations

import posixpath
import shutil
from pathlib import Path
from types import ModuleType

from digestgen.commands.importer.core import (
    Context,
    OldSite,
    Post,
    digest_text,
    guess_numbers,
    place,
    unique_slugs,
)
from digestgen.commands.importer.report import Report
from digestgen.commands.importer.tooling import checked_sections
from digestgen.config import CONFIG_FILE, parse_config
from digestgen.content.parse import parse_site
from digestgen.errors import DigestError, ParseError, collect

DIGESTS = "digests"


def refuse_non_empty(target: Path) -> None:
    """An import writes a new site only: never into a folder that holds anything."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise DigestError(
            f"{target} is not empty; an import writes a new site into an empty or new folder"
        )


def run_import(source: Path, target: Path, fmt: str, reader: ModuleType) -> Report:
    """Import the ``fmt`` site at ``source`` into the new folder ``target``."""
    refuse_non_empty(target)
    report = Report(fmt, str(source), str(target))
    old, posts = reader.read(source, report)
    if not posts:
        raise DigestError(f"no articles found in the {fmt} site at {source}")
    old.repeats = old.repeats or checked_sections(source, posts, report)
    guess_numbers(posts, report)
    unique_slugs(posts, report)
    config = parse_config(old.config_text(), target / CONFIG_FILE)
    place(posts, config, DIGESTS, report)
    context = Context(
        source, getattr(reader, "content_folder", lambda _s: "content")(source), {}, report
    )
    context.urls = {p.source.path: p.new_url for p in posts}
    for post in posts:
        post.body = reader.resolve(post, context)
    files = {f"{DIGESTS}/{p.target}": digest_text(p) for p in posts}
    _check(old.config_text(), files, posts, target)
    _write(target, old, posts, files, context, report)
    return report


def _check(config_text: str, files: dict[str, str], posts: list[Post], target: Path) -> None:
    """Parse the new site as a build would; a mistake is reported at its source file."""
    config = parse_config(config_text, target / CONFIG_FILE)
    try:
        parse_site(config, [(k, v.encode()) for k, v in sorted(files.items())], drafts=True)
    except DigestError as exc:
        by_path = {f"{DIGESTS}/{p.target}": p for p in posts}
        errors = [_at_source(error, by_path, files) for error in getattr(exc, "errors", [exc])]
        collect(errors)


def _at_source(error: DigestError, by_path: dict[str, Post], files: dict[str, str]) -> DigestError:
    """The error at the line of the old site's file that the digest's line came from."""
    post = by_path.get(error.path or "")
    if post is None:
        return error
    text = files[error.path or ""]
    body_line = text[: text.index("\n---\n", 3) + 5].count("\n") + 1
    line = error.line
    if line is not None:
        line = line - body_line + post.source.body_line if line >= body_line else 1
    return ParseError(error.message, post.source.path, line)


def _write(
    target: Path,
    old: OldSite,
    posts: list[Post],
    files: dict[str, str],
    context: Context,
    report: Report,
) -> None:
    target.mkdir(parents=True, exist_ok=True)
    (target / CONFIG_FILE).write_text(old.config_text(), "utf-8")
    for post in sorted(posts, key=lambda p: p.target):
        path = f"{DIGESTS}/{post.target}"
        out = target / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(files[path], "utf-8")
        report.files.append((post.source.path, path))
        for file, name in post.files:
            copy = out.parent / name
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, copy)
            rel = file.relative_to(context.source).as_posix()
            report.copied.append((rel, posixpath.join(posixpath.dirname(path), name)))
    for new, file in sorted({**dict((n, f) for f, n in old.static), **context.copies}.items()):
        out = target / new
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, out)
        report.copied.append((file.relative_to(context.source).as_posix(), new))
