"""The build pipeline: config -> parse -> render and feeds -> write ``site/``.

This is the only module that writes the output folder. A build writes into a
temporary folder beside it and swaps it in at the end, so a failed build
leaves the previous site as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from digestgen.config import SiteConfig, load_config
from digestgen.export import site_exports
from digestgen.feeds import FeedSpec, digest_entry, render_feed, tag_entries
from digestgen.model import Digest, Item, Site
from digestgen.parse import parse_site, source_files
from digestgen.render import THEME_DIR, Renderer
from digestgen.searchindex import search_files

Log = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class BuildResult:
    site: Site
    files: int
    pages: int
    seconds: float

    def summary(self) -> str:
        items = sum(d.item_count for d in self.site.digests)
        return (
            f"built {len(self.site.digests)} digests, {items} items, {self.pages} pages "
            f"({self.files} files) in {self.seconds:.2f} s"
        )


def _feeds(site: Site, renderer: Renderer) -> dict[str, bytes]:
    config = site.config

    # Feed readers resolve links against the feed, not the page: make every link absolute.
    def content(digest: Digest) -> str:
        return renderer.fragment(
            "feed_content.html",
            digest=digest,
            url=renderer.abs_url,
            anchor_base=renderer.abs_url(digest.url),
        )

    def item_html(digest: Digest, item: Item) -> str:
        return renderer.fragment(
            "feed_item.html",
            it=item,
            url=renderer.abs_url,
            anchor_base=renderer.abs_url(digest.url),
        )

    latest = site.digests[: config.feed_limit]
    out = render_feed(
        site,
        FeedSpec(
            "",
            config.title,
            config.description,
            config.base_url,
            [digest_entry(site, d, content) for d in latest],
        ),
        ("rss", "atom", "json"),
    )
    for tag in renderer.tags:
        spec = FeedSpec(
            tag.url,
            f"{config.title}: {tag.name}",
            f"Digests and links tagged {tag.name}.",
            config.base_url + tag.url,
            tag_entries(site, tag, content, item_html)[: config.feed_limit],
        )
        out.update(render_feed(site, spec, ("rss", "atom")))
    return out


def _sitemap(site: Site, renderer: Renderer, pages: Mapping[str, str]) -> dict[str, bytes]:
    lastmod = {d.url + "index.html": d.last_modified for d in site.digests}
    newest = max(lastmod.values(), default=None)
    entries = []
    for path in sorted(pages):
        if path.endswith("index.html"):
            moment = lastmod.get(path) or newest
            day = moment.date().isoformat() if moment is not None else ""
            entries.append((site.config.base_url + path.removesuffix("index.html"), day))
    return {
        "sitemap.xml": renderer.fragment("sitemap.xml", entries=entries).encode("utf-8"),
        "robots.txt": renderer.fragment("robots.txt").encode("utf-8"),
    }


def _static_files(root: Path, config: SiteConfig) -> dict[str, bytes]:
    """The theme's assets under ``static/``, overridden file by file by the site's."""
    out: dict[str, bytes] = {}
    for folder in (THEME_DIR / "static", root / config.static_dir):
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    out["static/" + path.relative_to(folder).as_posix()] = path.read_bytes()
    return out


def render_site(root: Path, site: Site) -> tuple[dict[str, bytes], int]:
    """Every output file as ``{path: bytes}``, and how many of them are HTML pages."""
    renderer = Renderer(site, root / site.config.templates_dir)
    pages = renderer.pages()
    files: dict[str, bytes] = {path: text.encode("utf-8") for path, text in pages.items()}
    files.update(_feeds(site, renderer))
    files.update(_sitemap(site, renderer, pages))
    files.update(_static_files(root, site.config))
    files.update(site_exports(root, site))
    files.update(search_files(site))
    return files, len(pages)


def write_site(output: Path, files: Mapping[str, bytes]) -> None:
    """Write all files into a fresh folder beside ``output``, then swap it in."""
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
    try:
        for rel, data in sorted(files.items()):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        os.chmod(staging, 0o755)
        old = None
        if output.exists():
            old = output.with_name(f".{output.name}.old-{os.getpid()}")
            output.rename(old)
        staging.rename(output)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def build(
    root: Path,
    output: Path | None = None,
    drafts: bool = False,
    log: Log | None = None,
) -> BuildResult:
    """Build the site at ``root``; raises ``DigestError`` for the user's mistakes."""
    started = time.perf_counter()
    say = log or (lambda _msg: None)
    config = load_config(root)
    say(f"config: {root / 'digestgen.yaml'}")
    site = parse_site(config, source_files(root, config), drafts=drafts)
    say(f"parsed {len(site.digests)} digests in {time.perf_counter() - started:.2f} s")
    files, pages = render_site(root, site)
    say(f"rendered {len(files)} files in {time.perf_counter() - started:.2f} s")
    write_site(output or root / config.output_dir, files)
    return BuildResult(site, len(files), pages, time.perf_counter() - started)
