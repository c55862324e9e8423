"""The preview's site, held in memory for the life of the server.

One session keeps the parsed digests, the key of every output and every file of the
site. A save re-reads the files whose stamp changed, parses those, and makes again only
the outputs whose key changed; the server answers from the files in memory. The first
build takes what the build cache has (and parses the rest on all cores); digests parsed
later are added to the cache too, so the next ``digestgen build`` finds them.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from digestgen.build.cache import CACHE_DIR, Cache
from digestgen.build.pipeline import base_key
from digestgen.build.plan import make_outputs, site_outputs
from digestgen.build.run import make_context, make_renderer
from digestgen.build.sources import (
    Cancelled,
    Source,
    default_workers,
    parse_sources,
    scan,
    settled,
    with_data,
)
from digestgen.config import SiteConfig, load_config
from digestgen.content.assemble import assemble_site
from digestgen.errors import DigestError, collect
from digestgen.model import Digest, DigestHead
from digestgen.render.context import KeptInMemory
from digestgen.render.templates import Renderer


@dataclass(frozen=True)
class Outcome:
    """How one build ended: its summary and config when it succeeded, the user's
    mistakes as ``digestgen build`` prints them (``error``), or, for our own bug, a
    one-line ``bug`` and its ``traceback``. ``files`` is the site it made."""

    summary: str = ""
    config: SiteConfig | None = None
    files: Mapping[str, bytes] | None = None
    error: str = ""
    bug: str = ""
    traceback: str = ""


class Session:
    """The site of ``root`` in memory; ``build()`` brings it up to date."""

    def __init__(self, root: Path, drafts: bool, base_url: str | None = None) -> None:
        self.root = root
        self.drafts = drafts
        self.base_url = base_url
        self.records: dict[str, list[Any]] = {}
        self.scanned_ns = 0
        self.digests: dict[str, tuple[Digest, list[DigestError]]] = {}
        self.kept = KeptInMemory()
        self.jobs: dict[str, list[Any]] = {}
        self.files: dict[str, bytes] = {}
        self.base = ""
        self.renderer: Renderer | None = None
        # Set when the server stops: a parse in processes ends its workers at once.
        self.cancel = threading.Event()

    def build(self) -> Outcome:
        """Bring the site up to date; every way it can end, as an ``Outcome``."""
        try:
            return self._build()
        except Cancelled:
            return Outcome(error="stopped")
        except DigestError as exc:
            return Outcome(error=str(exc))
        except Exception as exc:
            return Outcome(bug=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())

    def _build(self) -> Outcome:
        start = time.perf_counter()
        config = load_config(self.root)
        if self.base_url is not None:
            config = replace(config, base_url=self.base_url)
        base = base_key(self.root, config, self.drafts)
        if base != self.base:
            self.kept = KeptInMemory()  # other templates or settings
            self.renderer = None
        began = time.time_ns()
        found = scan(self.root, config, self.records, settled(self.scanned_ns))
        sources = [s if s.key in self.digests else with_data(self.root, config, s) for s in found]
        self._parse(config, sources)
        heads = [self.digests[s.key][0].head() for s in sources if s.key in self.digests]
        warnings = [w for s in sources if s.key in self.digests for w in self.digests[s.key][1]]
        by_path = {self.digests[s.key][0].path: self.digests[s.key][0] for s in sources}
        site = assemble_site(config, heads, _bodies(by_path), [], self.drafts, warnings)
        self.renderer = self.renderer or make_renderer(self.root, site)
        ctx = make_context(self.root, site, self.kept, self.renderer)
        made = make_outputs(ctx, site_outputs(ctx), base, self.jobs if base == self.base else {})
        self._commit(made.jobs, made.files)
        self.records = {s.path: s.record(config) for s in sources}
        self.scanned_ns = began
        self.base = base
        self.digests = {s.key: self.digests[s.key] for s in sources if s.key in self.digests}
        seconds = time.perf_counter() - start
        summary = (
            f"built {len(site.heads)} digests: {made.ran} outputs made, "
            f"{len(made.files)} files in {seconds:.3f} s"
        )
        return Outcome(summary, config, MappingProxyType(self.files))

    def _parse(self, config: SiteConfig, sources: list[Source]) -> None:
        """Parse the sources not in memory: from the build cache where it has them."""
        missing = [s for s in sources if s.key not in self.digests]
        if not missing:
            return
        with Cache(self.root / CACHE_DIR) as cache:
            for key, (head, warnings) in cache.heads([s.key for s in missing]).items():
                body = cache.body(head)
                if body is not None:
                    self.digests[key] = (body, warnings)
            todo = [s for s in missing if s.key not in self.digests]
            # Processes are started, not forked: the server runs threads.
            spawn = multiprocessing.get_context("spawn")
            parsed = parse_sources(config, todo, default_workers(), spawn, cancel=self.cancel)
            errors: list[DigestError] = []
            fresh = []
            for (_, digest, warnings, failed), source in zip(parsed, todo, strict=True):
                errors += failed
                if digest is not None:
                    self.digests[source.key] = (digest, warnings)
                    fresh.append((digest, warnings))
            cache.put_digests(fresh)
        collect(errors)

    def _commit(self, jobs: dict[str, list[Any]], made: dict[str, bytes]) -> None:
        """The new files in place of the old ones; files of outputs now gone removed."""
        files = dict(self.files)
        live = {path for _, paths in jobs.values() for path in paths}
        for path in [p for p in files if p not in live]:
            del files[path]
        files.update(made)
        self.files = files
        self.jobs = jobs


def _bodies(by_path: dict[str, Digest]) -> Callable[[DigestHead], Digest]:
    def body(head: DigestHead) -> Digest:
        return by_path[head.path]

    return body
