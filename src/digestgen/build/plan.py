"""Every output of the site with its key, and the run of those whose key changed.

An output's key is a hash of the build's base key (digestgen's code, the templates, the
config) and of what the output names as its inputs. An output whose key is the one the
last build recorded keeps its files; the others are made again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from digestgen.errors import ParseError
from digestgen.render.context import Context, Output
from digestgen.render.files import (
    alias_path,
    bundle_outputs,
    edition_outputs,
    feed_outputs,
    redirect_outputs,
    sitemap_output,
    static_outputs,
)
from digestgen.render.pages import page_outputs
from digestgen.render.search import search_outputs


def site_outputs(ctx: Context) -> list[Output]:
    """Every output of the site: pages, feeds, sitemap, static files, editions, redirects
    and the search index."""
    pages = page_outputs(ctx)
    page_paths = [output.name for output in pages]
    redirects = redirect_outputs(ctx)
    _check_redirects(ctx, redirects, set(page_paths))
    return [
        *pages,
        *feed_outputs(ctx),
        sitemap_output(ctx, page_paths),
        *static_outputs(ctx.root, ctx.config.static_dir, ctx.config.follow_symlinks),
        *bundle_outputs(ctx),
        *edition_outputs(ctx),
        *redirects,
        *search_outputs(ctx),
    ]


def _check_redirects(ctx: Context, redirects: list[Output], pages: set[str]) -> None:
    """An old address of a digest may not be a page of the site or another's old address."""
    seen: set[str] = set()
    for head in ctx.heads:
        for alias in head.aliases:
            path = alias_path(alias)
            if path in pages or path in seen:
                raise ParseError(
                    f"the old address {alias!r} is also a page of the site",
                    head.path,
                    head.line_of("aliases"),
                )
            seen.add(path)


def output_key(base: str, output: Output) -> str:
    """The key of ``output``: a hash of the base key, its name and its inputs."""
    text = "\x1e".join([base, output.name, *output.inputs])
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def file_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=12).hexdigest()


@dataclass
class Made:
    """The outputs of one build: each one's key and files (path: hash of the bytes), and
    the files made now."""

    jobs: dict[str, list[Any]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    ran: int = 0

    def paths(self) -> set[str]:
        return {path for _, paths in self.jobs.values() for path in paths}


def make_outputs(
    ctx: Context,
    outputs: list[Output],
    base: str,
    before: Mapping[str, list[Any]],
    progress: Callable[[str, int, int], None] | None = None,
) -> Made:
    """Make every output whose key differs from ``before`` (the last build's record);
    ``progress`` hears of each output done."""
    made = Made()
    for done, output in enumerate(outputs, 1):
        key = output_key(base, output)
        old = before.get(output.name)
        if old is not None and old[0] == key:
            made.jobs[output.name] = old
        else:
            files = output.make(ctx)
            made.ran += 1
            made.jobs[output.name] = [key, {p: file_hash(files[p]) for p in sorted(files)}]
            made.files.update(files)
        if progress is not None:
            progress("render", done, len(outputs))
    return made
