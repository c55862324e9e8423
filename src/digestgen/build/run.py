"""Making the outputs whose key changed and bringing their files into the output folder
(a full build, or an edit through the standby copy: ``write``)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digestgen.build.cache import Cache, code_key, user_cache
from digestgen.build.folder import (
    generation_of,
    read_mark,
    standby_of,
)
from digestgen.build.manifest import Manifest
from digestgen.build.plan import Made, make_outputs, site_outputs
from digestgen.build.sources import Progress
from digestgen.build.write import (
    rebuild_standby,
    remove_tree,
    swap_in_standby,
    sync_standby,
    write_full,
)
from digestgen.model import Site
from digestgen.render.context import Context
from digestgen.render.templates import Renderer
from digestgen.site.listings import Listings

# Other versions' compiled templates are removed once unused for this long (not sooner:
# another installed digestgen may be building right now).
UNUSED_DAYS = 30


def prune_unused(parent: Path, keep: Path) -> None:
    """Remove the compiled templates of other digestgen versions unused for a month."""
    os.utime(keep)
    cutoff = time.time() - UNUSED_DAYS * 86400
    for other in parent.iterdir():
        if other != keep and other.stat().st_mtime < cutoff:
            remove_tree(other)


class KeptInCache:
    """Values worked out from digests, kept in the cache under the build's base key (so
    that other templates or settings never see them). New values are held until
    ``save``, which writes them in one transaction: a commit per value would wait on the
    disk each time, and a transaction open through the build would lock out another."""

    def __init__(self, cache: Cache, base: str) -> None:
        self.cache = cache
        self.prefix = f"{base}:"
        self.new: dict[tuple[str, str], Any] = {}

    def get(self, kind: str, key: str) -> Any:
        found = self.new.get((kind, key))
        return found if found is not None else self.cache.get(kind, self.prefix + key)

    def put(self, kind: str, key: str, value: Any) -> None:
        self.new[(kind, key)] = value

    def save(self) -> None:
        rows = [
            (kind, self.prefix + key, "" if kind == "range-shards" else key, value)
            for (kind, key), value in self.new.items()
        ]
        self.cache.put_many(rows)
        self.new.clear()


@dataclass
class Written:
    """What ``write_site`` did, and the manifest of the new generation."""

    manifest: Manifest
    ran: int
    written: int
    files: int


def make_renderer(root: Path, site: Site) -> Renderer:
    """The templates of ``site``. Compiled templates are kept in the user's cache, by
    digestgen's code (compiled code a site brought would run)."""
    return Renderer(site.config, root / site.config.templates_dir, _compiled_templates())


def make_context(
    root: Path, site: Site, kept: Any = None, renderer: Renderer | None = None
) -> Context:
    """The context the outputs of ``site`` are made from (with ``renderer`` if given: the
    preview keeps one while the templates and settings stay)."""
    renderer = renderer or make_renderer(root, site)
    return Context(site, Listings.of(site.heads), renderer, root, kept)


def _compiled_templates() -> Path | None:
    folder = user_cache() / "templates" / code_key()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        prune_unused(folder.parent, keep=folder)
    except OSError:
        return None
    return folder


def write_site(
    root: Path,
    out: Path,
    site: Site,
    cache: Cache,
    manifest: Manifest,
    previous: Manifest | None,
    progress: Progress | None = None,
    lap: Callable[[str, str], None] | None = None,
) -> Written:
    """Make what changed and bring it into ``out``; ``manifest`` (for the new generation)
    gets the outputs' keys and files, ``progress`` hears of each output made, and
    ``lap`` of each phase's end (its name and what it did)."""
    lap = lap or (lambda _phase, _detail: None)
    base = manifest.base
    kept = KeptInCache(cache, base)
    ctx = make_context(root, site, kept)
    outputs = site_outputs(ctx)
    lap("plan", f"listed {len(outputs)} outputs")
    before = previous.jobs if previous is not None and previous.base == base else {}
    if previous is not None and previous.base != base:
        before = {name: [None, paths] for name, (_, paths) in previous.jobs.items()}
    made = make_outputs(ctx, outputs, base, before, progress)
    kept.save()
    lap("render", f"made {made.ran} of {len(outputs)} outputs")
    pages = sum(1 for output in outputs if output.name.endswith(".html"))
    manifest.jobs = made.jobs
    manifest.summary = {
        "digests": len(site.heads),
        "items": sum(head.item_count for head in site.heads),
        "pages": pages,
    }
    files = len(made.paths())
    if previous is None:
        manifest.generation = generation_of(made.jobs)
        _write_whole(cache, out, made, manifest)
        return Written(manifest, made.ran, files, files)
    written = _write_changes(cache, out, made, manifest, previous)
    return Written(manifest, made.ran, written, files)


def _write_whole(cache: Cache, out: Path, made: Made, manifest: Manifest) -> None:
    Manifest.forget(cache.folder, out)
    manifest.standby = {"generation": manifest.generation, "lag": []}
    write_full(out, made.files, manifest.generation, lambda: manifest.save_pending(cache.folder))


def _changes(out: Path, made: Made, previous: Manifest) -> dict[str, bytes | None]:
    """The files whose bytes differ from the site's, and those it no longer has."""
    changed: dict[str, bytes | None] = {}
    for rel, data in made.files.items():
        try:
            if (out / rel).read_bytes() == data:
                continue
        except OSError:
            pass
        changed[rel] = data
    now = made.paths()
    for _, paths in previous.jobs.values():
        for rel in paths:
            if rel not in now:
                changed[rel] = None
    return changed


def _write_changes(
    cache: Cache, out: Path, made: Made, manifest: Manifest, previous: Manifest
) -> int:
    changed = _changes(out, made, previous)
    manifest.standby = previous.standby
    manifest.generation = generation_of(made.jobs)
    if not changed and manifest.generation == previous.generation:
        return 0
    previous.syncing(cache.folder)
    standby = previous.standby
    if standby is None or read_mark(standby_of(out)) != standby["generation"]:
        rebuild_standby(out)
        lag: list[str] = []
    else:
        lag = list(standby["lag"])
    if not sync_standby(out, changed, lag, manifest.generation):
        raise RuntimeError("the standby copy of the site went missing")
    manifest.standby = {"generation": previous.generation, "lag": sorted(changed)}
    manifest.save_pending(cache.folder)
    swap_in_standby(out)
    return sum(1 for data in changed.values() if data is not None)


def render_site(root: Path, site: Site) -> dict[str, bytes]:
    """Every output file of ``site`` as ``{path: bytes}``, made now (no cache, no folder)."""
    ctx = make_context(root, site)
    made = make_outputs(ctx, site_outputs(ctx), "", {})
    return made.files
