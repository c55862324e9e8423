"""The site's other outputs: feeds, the sitemap, static files, newsletter editions and
redirect pages, each naming what it shows as a page does."""

from __future__ import annotations

import html
from datetime import datetime
from functools import partial
from pathlib import Path
from urllib.parse import unquote

from digestgen.config import FEED_KINDS, FeedPaths
from digestgen.content.sources import outside_site, walk_site
from digestgen.errors import ConfigError
from digestgen.render.context import Context, Files, Output
from digestgen.render.email import SITE_FILES, check_formats, digest_edition
from digestgen.render.feeds import (
    FeedSpec,
    digest_entry,
    digest_id,
    digest_summary,
    item_entry,
    render_feed,
)
from digestgen.render.templates import THEME_DIR
from digestgen.site.tags import Tag

# How many item titles stand for a digest without a summary in its feed entry.
SUMMARY_ITEMS = 12


def feed_paths(paths: FeedPaths, slug: str = "") -> dict[str, str]:
    """The feeds to write, by kind, at their paths (a tag's slug put in)."""
    found = {kind: getattr(paths, kind) for kind in FEED_KINDS}
    return {kind: path.replace("{slug}", slug) for kind, path in found.items() if path}


def _summary(ctx: Context, place: int) -> str:
    titles = [i.title or i.commentary for i in ctx.items(place)[:SUMMARY_ITEMS]]
    return digest_summary(ctx.heads[place], titles)


def _main_feed(ctx: Context, places: list[int]) -> Files:
    config = ctx.config
    entries = [
        digest_entry(config, ctx.heads[p], ctx.feed_content(p), _summary(ctx, p)) for p in places
    ]
    spec = FeedSpec("", config.title, config.description, config.base_url, entries)
    return render_feed(config, spec, feed_paths(config.feeds))


def _tag_selection(ctx: Context, tag: Tag) -> list[tuple[int, int | None]]:
    """What a tag's feed holds, newest first: its digests ``(place, None)`` and its items
    ``(place, position)``, at most ``feed_limit`` of them."""
    heads, base, items = ctx.heads, ctx.config.base_url, ctx.listings.items
    rows: list[tuple[datetime, str, int, int | None]] = [
        (heads[p].last_modified, digest_id(base, heads[p]), p, None) for p in tag.digests
    ]
    for position in tag.items:
        place = items.place[position]
        head = heads[place]
        item_id = f"{digest_id(base, head)}#{items.anchors[position]}"
        rows.append((head.last_modified, item_id, place, position))
    rows.sort(key=lambda row: (row[0], row[1]), reverse=True)
    return [(place, ref) for _, _, place, ref in rows[: ctx.config.feed_limit]]


def _tag_feed(ctx: Context, tag: Tag) -> Files:
    config, renderer = ctx.config, ctx.renderer
    entries = []
    for place, ref in _tag_selection(ctx, tag):
        head = ctx.heads[place]
        if ref is None:
            entries.append(
                digest_entry(config, head, ctx.feed_content(place), _summary(ctx, place))
            )
            continue
        _, item = ctx.item(ref)
        base = renderer.abs_url(head.url)
        content = renderer.fragment(
            "feed_item.html", it=item, url=renderer.abs_url, anchor_base=base
        )
        entries.append(item_entry(config, head, item, content))
    title, about = f"{config.title}: {tag.name}", f"Digests and links tagged {tag.name}."
    spec = FeedSpec(tag.url, title, about, config.base_url + tag.url, entries)
    return render_feed(config, spec, feed_paths(config.tag_feeds, tag.slug))


def feed_outputs(ctx: Context) -> list[Output]:
    """The site's feeds of its latest digests, and each tag's feeds."""
    heads = ctx.heads
    latest = list(range(min(len(heads), ctx.config.feed_limit)))
    outputs = [Output("feed:", [heads[p].key for p in latest], partial(_main_feed, places=latest))]
    for tag in ctx.listings.tags:
        inputs = [tag.name, tag.slug]
        entries = ctx.listings.items.entries
        for place, position in _tag_selection(ctx, tag):
            head = heads[place]
            if position is None:
                inputs.append(head.key)
            else:  # an item's entry names its digest's id, dates and author too
                dates = f"{head.date.isoformat()}\x1f{head.last_modified.isoformat()}"
                named = f"{digest_id(ctx.config.base_url, head)}\x1f{dates}\x1f{head.author}"
                inputs.append(entries[position] + named)
        outputs.append(Output(f"feed:{tag.url}", inputs, partial(_tag_feed, tag=tag)))
    return outputs


def _sitemap(ctx: Context, pages: list[str]) -> Files:
    lastmod = {h.url + "index.html": h.last_modified for h in ctx.heads}
    newest = max(lastmod.values(), default=None)
    entries = []
    for path in pages:
        moment = lastmod.get(path) or newest
        day = moment.date().isoformat() if moment is not None else ""
        entries.append((ctx.config.base_url + path.removesuffix("index.html"), day))
    renderer = ctx.renderer
    return {
        "sitemap.xml": renderer.fragment("sitemap.xml", entries=entries).encode("utf-8"),
        "robots.txt": renderer.fragment("robots.txt").encode("utf-8"),
    }


def sitemap_output(ctx: Context, page_paths: list[str]) -> Output:
    """The sitemap (every page, each digest's with its last change) and robots.txt."""
    pages = sorted(p for p in page_paths if p.endswith("index.html"))
    dates = [f"{h.url}\x1f{h.last_modified.isoformat()}" for h in ctx.heads]
    return Output("sitemap", [*pages, *dates], partial(_sitemap, pages=pages))


def _gone(source: Path) -> ConfigError:
    return ConfigError("this file went away during the build; build again", source)


def _copy(_ctx: Context, path: str, source: Path) -> Files:
    try:
        return {path: source.read_bytes()}
    except FileNotFoundError:
        raise _gone(source) from None


def _files_below(root: Path, folder: Path, follow: bool = False, skip: str = "") -> dict[str, Path]:
    """The files below ``folder`` by their path in it (``skip``: a suffix of files that are
    not copied). A file or folder reached through a symlink that leaves the site's folder
    is an error unless ``follow`` (the config's ``follow_symlinks``), as in the digests
    folder (``walk_site``)."""
    real = outside_site(root, folder)
    if real is not None and not follow:
        raise ConfigError(f"links outside the site ({real})", folder.relative_to(root).as_posix())
    outside: list[tuple[str, str]] = []
    found = {
        rel: Path(entry.path)
        for rel, entry in walk_site(
            root, folder, follow, lambda name: not (skip and name.endswith(skip)), outside
        )
        if entry.is_file()
    }
    if outside:
        rel, target = min(outside)
        where = (folder / rel).relative_to(root).as_posix()
        raise ConfigError(f"links outside the site ({target})", where)
    return dict(sorted(found.items()))


def _copied(rel: str, path: Path) -> Output:
    """A file copied as it is; named by its size and time (its bytes are read when it is
    copied, and written only when they differ)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise _gone(path) from None
    return Output(
        rel,
        [str(path), str(st.st_size), str(st.st_mtime_ns)],
        partial(_copy, path=rel, source=path),
    )


def static_outputs(root: Path, static_dir: str, follow: bool = False) -> list[Output]:
    """The theme's assets under ``static/``, overridden file by file by the site's own
    (``follow``: the site's may link out of its folder)."""
    found: dict[str, Path] = {}
    theme = THEME_DIR / "static"
    found.update((f"static/{rel}", path) for rel, path in _files_below(theme, theme).items())
    if (root / static_dir).is_dir():
        files = _files_below(root, root / static_dir, follow)
        found.update((f"static/{rel}", path) for rel, path in files.items())
    return [_copied(rel, path) for rel, path in sorted(found.items())]


def bundle_outputs(ctx: Context) -> list[Output]:
    """The files beside a digest stored as ``<name>/index.md`` (a page bundle: its
    images), copied beside its page."""
    outputs = []
    for head in ctx.heads:
        if head.path.rsplit("/", 1)[-1] != "index.md":
            continue
        folder = ctx.root / head.path.rsplit("/", 1)[0]
        for rel, path in _files_below(ctx.root, folder, ctx.config.follow_symlinks, ".md").items():
            outputs.append(_copied(head.url + rel, path))
    return outputs


def _edition(ctx: Context, place: int, fmt: str, path: str) -> Files:
    templates = ctx.root / ctx.config.templates_dir
    return {path: digest_edition(ctx.site, ctx.digest(place), fmt, templates)}


def edition_outputs(ctx: Context) -> list[Output]:
    """The newsletter editions ``export_formats`` asks for, beside each digest's page."""
    if not ctx.config.export_formats:
        return []
    formats = check_formats(ctx.root, ctx.config)
    outputs = []
    for place, head in enumerate(ctx.heads):
        for fmt in formats:
            path = head.url + SITE_FILES[fmt]
            make = partial(_edition, place=place, fmt=fmt, path=path)
            outputs.append(Output(path, [head.key, fmt], make))
    return outputs


REDIRECT = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>Moved: {title}</title>
<link rel="canonical" href="{target}">
<meta http-equiv="refresh" content="0; url={target}">
<meta name="robots" content="noindex">
</head>
<body>
<p>This page has moved to <a href="{target}">{title}</a>.</p>
</body>
</html>
"""


def _redirect(ctx: Context, path: str, target: str, title: str) -> Files:
    page = REDIRECT.format(
        lang=html.escape(ctx.config.language),
        title=html.escape(title),
        target=html.escape(target, quote=True),
    )
    return {path: page.encode("utf-8")}


def alias_path(alias: str) -> str:
    """The file an old address is served from (``/a/b/`` is ``a/b/index.html``; an
    address is percent-encoded, a file name is not)."""
    path = unquote(alias).lstrip("/")
    return path + "index.html" if path.endswith("/") or not path else path


def redirect_outputs(ctx: Context) -> list[Output]:
    """A redirect page at each old address of a digest (its ``aliases``)."""
    outputs = []
    for head in ctx.heads:
        target = ctx.config.base_url + head.url
        for alias in head.aliases:
            path = alias_path(alias)
            make = partial(_redirect, path=path, target=target, title=head.title)
            outputs.append(Output(path, [target, head.title], make))
    return outputs
