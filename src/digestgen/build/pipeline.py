"""The build: config -> digest files -> parse (cached) -> outputs with keys -> the folder.

Only this package writes the output folder. A build makes only the outputs whose key
changed (``plan``), writes only the files whose bytes changed, and brings them in so that
a failed or killed build leaves the previous site as it was (``write``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from digestgen.build.cache import CACHE_DIR, Cache, code_key
from digestgen.build.folder import output_folder, writes_reported
from digestgen.build.manifest import Manifest
from digestgen.build.sources import (
    Progress,
    Source,
    default_workers,
    parse_sources,
    scan,
    settled,
    with_data,
)
from digestgen.build.write import tidy
from digestgen.config import CONFIG_FILE, SiteConfig, checked_base_url, load_config
from digestgen.content.assemble import assemble_site
from digestgen.errors import DigestError, ParseError, collect, plural
from digestgen.model import Digest, DigestHead, Site

Log = Callable[[str], None]


@dataclass(frozen=True)
class BuildResult:
    """What a build did."""

    digests: int
    items: int
    files: int
    pages: int
    seconds: float
    rendered: int = 0
    written: int = 0
    phases: tuple[tuple[str, float], ...] = ()
    warnings: tuple[DigestError, ...] = ()
    config: SiteConfig | None = None
    # The digest files this build parsed (the others came from the cache, or were
    # unchanged since the last build).
    parsed: tuple[str, ...] = ()
    site: Site | None = field(default=None, repr=False, compare=False)

    def summary(self) -> str:
        return (
            f"built {plural(self.digests, 'digest')}, {plural(self.items, 'item')}, "
            f"{plural(self.pages, 'page')} ({plural(self.files, 'file')}) in {self.seconds:.2f} s"
        )

    def timings(self) -> str:
        """One line per phase of the build, with its time."""
        lines = [f"{name:<14} {seconds:7.3f} s" for name, seconds in self.phases]
        return "\n".join([*lines, f"{'total':<14} {self.seconds:7.3f} s"])


class _Clock:
    """Times the phases of a build and reports each one as it ends."""

    def __init__(self, log: Log | None) -> None:
        self.say = log or (lambda _msg: None)
        self.start = self.last = time.perf_counter()
        self.phases: list[tuple[str, float]] = []

    def lap(self, phase: str, done: str) -> None:
        """End ``phase``, saying what was ``done`` in it and in how long."""
        now = time.perf_counter()
        self.phases.append((phase, now - self.last))
        self.say(f"{done} in {now - self.last:.2f} s")
        self.last = now

    @property
    def total(self) -> float:
        return time.perf_counter() - self.start


def _folder_stamp(*folders: Path) -> str:
    """The names, sizes and times of the files below ``folders``."""
    digest = hashlib.blake2b(digest_size=16)
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                try:
                    st = path.stat()
                except OSError:  # a broken symlink
                    st = path.lstat()
                digest.update(f"{path}\x1f{st.st_size}\x1f{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _folder_bytes(folder: Path) -> str:
    """A hash of the names and bytes of the files below ``folder``."""
    digest = hashlib.blake2b(digest_size=16)
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(folder).as_posix().encode() + b"\x00")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def base_key(root: Path, config: SiteConfig, drafts: bool) -> str:
    """What every output depends on besides what it names: digestgen's code and theme,
    the site's templates, its config and whether drafts are built."""
    templates = _folder_bytes(root / config.templates_dir)
    return hashlib.blake2b(
        f"{code_key()}\x1f{templates}\x1f{config!r}\x1f{drafts}".encode(), digest_size=16
    ).hexdigest()


def build(
    root: Path,
    output: Path | None = None,
    drafts: bool = False,
    log: Log | None = None,
    workers: int | None = None,
    force_output: bool = False,
    base_url: str | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Build the site at ``root``; raises ``DigestError`` for the user's mistakes.

    ``output`` replaces the config's output folder (a folder outside the site only with
    ``force_output``); ``base_url`` the config's address (for a preview elsewhere);
    ``progress`` hears how far the parse and the making of outputs are.
    """
    clock = _Clock(log)
    config = load_config(root)
    if base_url is not None:
        config = replace(config, base_url=checked_base_url(base_url, root / CONFIG_FILE))
    out = output_folder(root, config, output, force_output)
    with writes_reported(root, out), Cache(root / CACHE_DIR) as cache:
        previous = Manifest.load(cache.folder, out)
        tidy(out, previous.standby_generation() if previous is not None else None)
        base = base_key(root, config, drafts)
        records = previous.sources if previous is not None else {}
        since = settled(previous.written_ns) if previous is not None else 0
        sources = scan(root, config, records, since)
        # Static files, and the files beside digests (page bundles' images).
        statics = _folder_stamp(root / config.static_dir, root / config.digests_dir)
        clock.lap("scan", f"found {plural(len(sources), 'digest file')}")
        if previous is not None and _unchanged(previous, base, sources, statics):
            return _nothing_to_do(previous, config, clock)
        kept = cache.heads([s.key for s in sources])
        sources = [s if s.key in kept else with_data(root, config, s) for s in sources]
        count = workers or default_workers()
        site, parsed = load_site(root, config, sources, kept, cache, drafts, count, progress)
        cached = f"{len(sources) - len(parsed)} from the cache"
        clock.lap("parse", f"parsed {len(parsed)} of {plural(len(sources), 'digest')} ({cached})")
        from digestgen.build.run import write_site

        manifest = Manifest(str(out), "", base, statics)
        manifest.sources = {s.path: s.record(config) for s in sources}
        manifest.warnings = [[w.message, w.path, w.line, w.column] for w in site.warnings]
        written = write_site(root, out, site, cache, manifest, previous, progress, clock.lap)
        clock.lap("write", f"wrote {plural(written.written, 'file')}")
        manifest.commit(cache.folder)
        cache.prune([s.key for s in sources], f"{base}:")
        clock.lap("record", "the manifest and the cache")
    return BuildResult(
        len(site.heads), manifest.summary["items"], written.files, manifest.summary["pages"],
        clock.total, written.ran, written.written, tuple(clock.phases), site.warnings, config,
        tuple(parsed), site,
    )  # fmt: skip


def _unchanged(previous: Manifest, base: str, sources: Sequence[Source], statics: str) -> bool:
    """Whether the last build read exactly what this one would."""
    if previous.base != base or previous.statics != statics:
        return False
    return {s.path: s.key for s in sources} == {p: r[3] for p, r in previous.sources.items()}


def _nothing_to_do(previous: Manifest, config: SiteConfig, clock: _Clock) -> BuildResult:
    clock.lap("check", "nothing changed since the last build")
    summary = previous.summary
    warnings = tuple(ParseError(*w) for w in previous.warnings)
    files = sum(len(paths) for _, paths in previous.jobs.values())
    return BuildResult(
        summary.get("digests", 0), summary.get("items", 0), files, summary.get("pages", 0),
        clock.total, phases=tuple(clock.phases), warnings=warnings, config=config,
    )  # fmt: skip


def load_site(
    root: Path,
    config: SiteConfig,
    sources: Sequence[Source],
    kept: Mapping[str, tuple[DigestHead, list[DigestError]]],
    cache: Cache,
    drafts: bool,
    workers: int,
    progress: Progress | None = None,
) -> tuple[Site, list[str]]:
    """The site: each digest's head from the cache where it is ``kept``, the others parsed
    (and kept); bodies are read from the cache when a page needs one."""
    todo = [s for s in sources if s.key not in kept]
    parsed = parse_sources(config, todo, workers, progress=progress)
    errors: list[DigestError] = []
    fresh: list[tuple[Digest, list[DigestError]]] = []
    for _, digest, warnings, failed in parsed:
        errors += failed
        if digest is not None:
            fresh.append((digest, warnings))
    bodies = {digest.path: digest for digest, _ in fresh}
    heads: list[DigestHead] = []
    warnings_all: list[DigestError] = []
    by_path = {digest.path: (digest.head(), warnings) for digest, warnings in fresh}
    for source in sources:
        head, warnings = kept.get(source.key) or by_path.get(source.path) or (None, [])
        if head is not None:
            heads.append(head)
            warnings_all += warnings
    cache.put_digests(fresh)
    collect(errors)

    def body(head: DigestHead) -> Digest:
        found = bodies.get(head.path) or cache.body(head)
        return found if found is not None else _parse_again(root, config, head, cache)

    site = assemble_site(config, heads, body, [], drafts, warnings_all)
    return site, [digest.path for digest, _ in fresh]


def _parse_again(root: Path, config: SiteConfig, head: DigestHead, cache: Cache) -> Digest:
    """The digest of ``head``, parsed again: the cache kept its head but not its body."""
    source = with_data(root, config, Source(head.path, (0, 0, 0), ""))
    parsed = parse_sources(config, [source], 1)
    (_, digest, warnings, errors) = parsed[0]
    collect(errors)
    if digest is None or digest.key != head.key:
        raise ParseError("this digest changed during the build; build again", head.path)
    cache.put_digests([(digest, warnings)])
    return digest
