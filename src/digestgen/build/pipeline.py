"""The build pipeline: config -> scan -> parse (cached) -> plan -> render and write ``site/``.

This is the only module that decides what the output folder gets; ``output.py``
does the writing. A build renders only what changed since the last build into
a staging folder and moves it in only when everything succeeded, so a failed
build leaves the previous site as it was. Caches live in ``.digestgen-cache/``
under the site root; deleting that folder only makes the next build slower.
"""

from __future__ import annotations

import gc
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from digestgen.build.cachestore import CacheStore, Signer
from digestgen.build.fingerprint import code_fingerprint, folder_fingerprint, sha256
from digestgen.build.output import SUFFIX as MANIFEST_SUFFIX
from digestgen.build.output import Inputs, Job, Manifest, listed_early, pairs, write_outputs
from digestgen.build.parsecache import (
    ParseCache,
    Source,
    WordsAhead,
    parse_cached,
    scan,
    user_signer,
)
from digestgen.build.workers import Relay, default_workers
from digestgen.config import CONFIG_FILE, SiteConfig, load_config
from digestgen.errors import ConfigError, DigestError, ParseError
from digestgen.model import Site
from digestgen.render.search import WordStore, word_jobs

Log = Callable[[str], None]
CACHE_DIR = ".digestgen-cache"
# The cache's entries (parsed digests, search words), in ``CACHE_DIR``.
STORE_FILE = "entries.sqlite"


@dataclass(frozen=True)
class BuildResult:
    """What a build did. ``site`` is loaded on first use (a no-change build skips it)."""

    digests: int
    items: int
    files: int
    pages: int
    seconds: float
    rendered: int = 0
    written: int = 0
    # Outputs kept as they were without working out their key: no digest they are made
    # of changed, and the site's layout is the same (``output.Traced``).
    kept: int = 0
    phases: tuple[tuple[str, float], ...] = ()
    warnings: tuple[DigestError, ...] = ()
    load_site: Callable[[], Site] = field(default=lambda: _no_site(), repr=False, compare=False)
    # The config the build read (``site.config`` without loading the site).
    config: SiteConfig | None = None

    @cached_property
    def site(self) -> Site:
        return self.load_site()

    def summary(self) -> str:
        return (
            f"built {self.digests} digests, {self.items} items, {self.pages} pages "
            f"({self.files} files) in {self.seconds:.2f} s"
        )

    def timings(self) -> str:
        """One line per phase of the build, with its time."""
        lines = [f"{name:<14} {seconds:7.3f} s" for name, seconds in self.phases]
        return "\n".join([*lines, f"{'total':<14} {self.seconds:7.3f} s"])


def _no_site() -> Site:
    raise RuntimeError("this build result has no site")


class _Clock:
    """Times the phases of a build and reports each one as it ends."""

    def __init__(self, log: Log | None) -> None:
        self.say = log or (lambda _msg: None)
        self.start = self.last = time.perf_counter()
        self.phases: list[tuple[str, float]] = []

    def lap(self, phase: str, detail: str) -> None:
        now = time.perf_counter()
        self.phases.append((phase, now - self.last))
        self.say(f"{phase}: {detail} ({now - self.last:.2f} s)")
        self.last = now

    @property
    def total(self) -> float:
        return time.perf_counter() - self.start


def input_key(root: Path, config: SiteConfig, sources: list[Source], base: str, out: Path) -> str:
    """Everything a build reads: when it equals the last build's, the site is up to date."""
    static = folder_fingerprint(root / config.static_dir)
    return sha256(base, static, str(out), *(s.key for s in sources))


def check_output(root: Path, config: SiteConfig, out: Path) -> None:
    """Refuse an output folder that would replace the sources: the site root or a folder
    above it, or the digests, templates or static folder or one inside them."""
    root = root.resolve()
    named = {
        "digests_dir": root / config.digests_dir,
        "templates_dir": root / config.templates_dir,
        "static_dir": root / config.static_dir,
    }
    if root.is_relative_to(out):
        problem = "the site's own folder" if out == root else "a folder that holds the site"
    else:
        inside = [k for k, folder in named.items() if out.is_relative_to(folder.resolve())]
        if not inside:
            return
        problem = f"the '{inside[0]}' folder or inside it"
    raise ConfigError(
        f"the output folder {out} is {problem}; building there would replace the sources",
        root / CONFIG_FILE,
    )


def render_site(root: Path, site: Site) -> tuple[dict[str, bytes], int]:
    """Every output file as ``{path: bytes}``, and how many of them are HTML pages (no cache)."""
    from digestgen.build.plan import Planner
    from digestgen.render.pages import Renderer

    renderer = Renderer(site, root / site.config.templates_dir)
    planner = Planner(root, site, renderer, None, "")
    files: dict[str, bytes] = {}
    for job in planner.jobs():
        files.update(pairs(job.produce()))
    return files, planner.page_count


def build(
    root: Path,
    output: Path | None = None,
    drafts: bool = False,
    log: Log | None = None,
    workers: int | None = None,
) -> BuildResult:
    """Build the site at ``root``; raises ``DigestError`` for the user's mistakes.

    The cyclic collector runs rarely during the build (``_collector_eased``)."""
    with _collector_eased():
        return _build(root, output, drafts, log, workers)


def _build(
    root: Path, output: Path | None, drafts: bool, log: Log | None, workers: int | None
) -> BuildResult:
    """The build itself (``build``).

    Steps: read the config; scan the digest files (hashing them); stop there if
    nothing the last build read has changed; parse what the cache lacks; plan
    every output with its key; render and write what changed.
    """
    clock = _Clock(log)
    workers = workers or default_workers()
    store = CacheStore(root / CACHE_DIR / STORE_FILE)
    parse_cache = ParseCache(store)
    config = load_config(root)
    out = (output or root / config.output_dir).resolve()
    check_output(root, config, out)
    clock.lap("config", str(root / "digestgen.yaml"))

    sources = scan(root, config, parse_cache)
    base = render_key(root, config, drafts)
    inputs = input_key(root, config, sources, base, out)
    manifest_path = _manifest_path(root, out)
    previous = Manifest.load(manifest_path, str(out), parse_cache.signer)
    clock.lap("scan", f"{len(sources)} digest files")

    def load_site() -> Site:
        return parse_cached(root, config, parse_cache, sources, drafts, workers).site

    if previous is not None and previous.inputs == inputs and previous.unchanged(out):
        clock.lap("check", "nothing changed")
        s = previous.summary
        warnings = tuple(ParseError(*w) for w in previous.warnings)
        return BuildResult(
            s["digests"], s["items"], len(previous.files), s["pages"], clock.total,
            phases=tuple(clock.phases), warnings=warnings, load_site=load_site, config=config,
        )  # fmt: skip

    with listed_early(out, workers, previous is not None) as on_disk, Relay() as relay:
        with _collector_paused():
            terms = WordStore(store, parse_cache.signer)
            ahead = _words_ahead(previous, base, relay)
            parsed = parse_cached(root, config, parse_cache, sources, drafts, workers, terms, ahead)
        site = parsed.site
        clock.lap(
            "parse",
            f"parsed {len(site.digests)} digests "
            f"({parsed.parsed} parsed now{' beside the loading' if parsed.beside else ''}, "
            f"{parsed.cached} cached)",
        )

        jobs, pages, traced = _plan(root, site, parsed.keys, base, terms, parse_cache.signer)
        clock.lap("plan", f"{len(jobs)} outputs")

        written, manifest = write_outputs(out, jobs, previous, on_disk(), workers, traced)
    clock.lap(
        "render+write",
        f"{written.ran} rendered, {written.written} files written, "
        f"{written.kept} kept as their digests are"
        + (f", {terms.taken_ahead} word groups made beside" if terms.taken_ahead else ""),
    )

    items = len(site.links)
    manifest.inputs = inputs
    manifest.summary = {"digests": len(site.digests), "items": items, "pages": pages}
    manifest.warnings = [(w.message, w.path, w.line, w.column) for w in site.warnings]
    manifest.save(manifest_path, parse_cache.signer)
    Manifest.prune(manifest_path.parent, manifest_path, parse_cache.signer)
    _drop_old_entries(root / CACHE_DIR)
    return BuildResult(
        len(site.digests), items, len(written.files), pages, clock.total,
        written.ran, written.written, written.kept, tuple(clock.phases), site.warnings,
        lambda: site, config,
    )  # fmt: skip


def _words_ahead(previous: Manifest | None, base: str, relay: Relay) -> WordsAhead | None:
    """What the parse of an edit needs to make the word groups it changes ahead (a
    process of its own, while this one loads and plans the site): the last build's site
    order and its word jobs' keys. Their files are taken only when made of the same
    entries, in the same order, as this build's."""
    if previous is None:
        return None
    recorded = {name: previous.jobs[name][0] for name, _ in word_jobs() if name in previous.jobs}
    return WordsAhead(list(previous.sources), base, recorded, relay)


# Where earlier builds kept one file per cache entry, before the cache store.
OLD_ENTRY_FOLDERS = ("parsed", "search")


def _drop_old_entries(cache: Path) -> None:
    """Remove the entry folders of the cache's earlier layout (the store replaced them)."""
    for name in OLD_ENTRY_FOLDERS:
        if (cache / name).is_dir():
            shutil.rmtree(cache / name, ignore_errors=True)


def _manifest_path(root: Path, out: Path) -> Path:
    """Where the manifest of the output folder ``out`` (resolved) is kept."""
    return root / CACHE_DIR / f"manifest-{sha256(str(out))[:16]}{MANIFEST_SUFFIX}"


def seed_output(root: Path, built: Path, target: Path) -> bool:
    """Make ``target`` a copy of the output folder ``built`` that the next build into it
    can update incrementally: files hard-linked (same bytes, size and mtime, no copying)
    and ``built``'s manifest recorded for ``target``. A build replaces files rather than
    writing into them, so the two folders never change each other. Returns whether it
    seeded anything (``False`` leaves ``target`` for a full build)."""
    built, target = built.resolve(), target.resolve()
    signer = user_signer()
    manifest = Manifest.load(_manifest_path(root, built), str(built), signer)
    if manifest is None or target.exists():
        return False
    try:
        for path in manifest.files:
            destination = target / path
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.link(built / path, destination)
    except OSError:
        shutil.rmtree(target, ignore_errors=True)
        return False
    manifest.output = str(target)
    manifest.save(_manifest_path(root, target), signer)
    return True


# Young objects the collector lets pile up before it looks for cycles (Python's own
# default is 700): a build makes millions of objects that live until it ends, and
# almost none in cycles.
COLLECT_AFTER = (200_000, 30, 30)


@contextmanager
def _collector_eased() -> Iterator[None]:
    """The cyclic collector runs rarely while a build makes its pages: with Python's
    thresholds, an edit at 1,000 digests spent 0.05-0.08 s (a twentieth of the build)
    in about 190 collections that found no garbage, the plan's and the render's
    objects walked again and again. The caller's thresholds come back afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(*COLLECT_AFTER)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the model loads: it has no cycles, and the
    collector would walk its millions of young objects again and again (a third of the
    loading time). Loaded, the model is frozen out of the collector's sight: a later
    collection (in the build, or in a worker process rendering pages) does not walk it,
    so a worker does not copy the model's memory pages by touching them; refcounting
    still frees it. The previous build's frozen objects are handed back first."""
    was_enabled = gc.isenabled()
    gc.unfreeze()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def render_key(root: Path, config: SiteConfig, drafts: bool) -> str:
    """What every output depends on besides its own content: code, theme, templates, config."""
    templates = folder_fingerprint(root / config.templates_dir)
    return sha256(code_fingerprint(), templates, repr(config), f"drafts={drafts}")


def _plan(
    root: Path, site: Site, keys: Mapping[int, str], base: str, words: WordStore, signer: Signer
) -> tuple[list[Job], int, Inputs | None]:
    """Every output job of the site, how many pages there are, and the inputs of the
    jobs' traced keys."""
    # Imported here: a build that finds nothing changed never needs Jinja or feedgen.
    from digestgen.build.layout import GROUPINGS_FILE, remembered_layout
    from digestgen.build.plan import Planner, warm_templates
    from digestgen.render.pages import Renderer

    layout = remembered_layout(site, keys, root / CACHE_DIR / GROUPINGS_FILE, signer)
    renderer = Renderer(site, root / site.config.templates_dir, layout.groupings)
    planner = Planner(root, site, renderer, keys, base, words, layout.shapes)
    jobs = planner.jobs()
    warm_templates(renderer, planner.templates)
    return jobs, planner.page_count, planner.inputs()
