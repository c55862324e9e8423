"""Parsing digests at most once: a persistent cache of parsed digests, misses parsed on all cores.

A digest's cache key is the SHA-256 of its path and bytes, the settings that
change how it parses (timezone, default author, raw HTML policy, permalink) and
the fingerprint of digestgen's code. An entry is the frozen
:class:`~digestgen.model.Digest` as bytes (``modelcodec``), signed, in the ``parsed``
table of the cache store (``cachestore.py``). Files that fail to parse are never cached,
so their errors are reported on every build.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import secrets
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from digestgen.build.cachefile import write_cache_file
from digestgen.build.cachestore import CacheStore, Signer
from digestgen.build.fingerprint import code_fingerprint, sha256, user_cache_dir
from digestgen.build.modelcodec import Warning, dump_digest, load_digest
from digestgen.build.workers import Relay, aside, chunks, fork_map, hand_off, use_processes
from digestgen.config import SiteConfig
from digestgen.content.assemble import assemble_site
from digestgen.content.sources import source_stats
from digestgen.errors import DigestError, ParseError
from digestgen.model import Digest, Site
from digestgen.render.search import WordStore, digest_terms, words_ahead

PARSE_SETTINGS = (
    "timezone",
    "author",
    "unsafe_html",
    "permalink",
    "url_aliases",
    "tracking_params",
)
# Below this many files to parse, starting processes costs more than it saves.
PARALLEL_MIN = 24
# From this many stored entries to load, a few misses are parsed beside the loading.
ASIDE_MIN = 64


Entry = tuple[Digest, tuple[Warning, ...]]


def dumps(digest: Digest, warnings: Sequence[DigestError] = ()) -> bytes:
    """A digest and the warnings its parse gave, as a cache entry (``modelcodec``)."""
    return dump_digest(digest, tuple((w.message, w.path, w.line, w.column) for w in warnings))


def loads(data: bytes | memoryview) -> Entry | None:
    """The entry in ``data``, or ``None`` when it is not one."""
    try:
        return load_digest(data)
    except (
        ValueError, EOFError, TypeError, KeyError, IndexError, AttributeError, ImportError,
        pickle.UnpicklingError,
    ):  # fmt: skip
        return None


def _warnings(plain: Sequence[Warning]) -> list[DigestError]:
    return [ParseError(message, path, line, column) for message, path, line, column in plain]


def parse_settings_key(config: SiteConfig) -> str:
    """What, besides a file's bytes, decides how it parses."""
    settings = [f"{name}={getattr(config, name)!r}" for name in PARSE_SETTINGS]
    return sha256(code_fingerprint(), *settings)


@dataclass(frozen=True, slots=True)
class Source:
    """One digest file: its path below the root, its cache key, and whether it is cached."""

    path: str
    key: str
    cached: bool


@dataclass(frozen=True, slots=True)
class WordsAhead:
    """What the process that parses an edit's files beside the loading needs to make the
    word groups the edit changed ahead, in a process of its own (``words_ahead``): the
    digests' paths in the last build's site order, the build's base key, the keys the
    last build recorded for the word jobs (by name), and the relay to hand them over."""

    paths: list[str]
    base: str
    recorded: dict[str, str | None]
    relay: Relay


@dataclass(frozen=True, slots=True)
class ParsedSite:
    """The site plus each digest's cache key (by ``id``), which page keys build on;
    ``beside``: the misses were parsed by a child while the stored entries loaded."""

    site: Site
    keys: dict[int, str]
    parsed: int
    cached: int
    beside: bool = False


def _user_secret() -> bytes:
    """A random key kept in the user's cache folder (mode 0600), made on first use.

    Cache entries are signed with it: a pickle that came with a site (a repository
    could hold a ``.digestgen-cache``) is never loaded, since unpickling runs code.
    Without a writable home, the key lives for one process: safe, just not reused.
    """
    path = user_cache_dir() / "cache-key"
    try:
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    key = secrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key)
    except FileExistsError:  # another build made it meanwhile
        return path.read_bytes()
    except OSError:
        pass
    return key


def user_signer() -> Signer:
    """Seals with this user's key (``_user_secret``), for everything the cache keeps."""
    return Signer(_user_secret())


class ParseCache:
    """Parsed digests in the cache store's ``parsed`` table, each signed; unreadable,
    unsigned or missing entries are misses."""

    def __init__(self, store: CacheStore, secret: bytes | None = None) -> None:
        self.store = store
        self.folder = store.path.parent
        self.signer = Signer(secret) if secret is not None else user_signer()

    def _open(self, data: bytes) -> Entry | None:
        blob = self.signer.open(data)
        if blob is None:
            return None  # not written by this user's digestgen: never loaded
        return loads(blob)

    @contextlib.contextmanager
    def reader(self, ahead: Sequence[str] = ()) -> Iterator[Callable[[str], Entry | None]]:
        """A lookup of one entry at a time, read ahead in the order of ``ahead`` (see
        ``CacheStore.reader``)."""
        with self.store.reader("parsed", ahead) as get:

            def load(key: str) -> Entry | None:
                data = get(key)
                return self._open(data) if data is not None else None

            yield load

    def signed(self, entries: Iterable[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
        """``(key, pickle)`` entries as the ``parsed`` table keeps them."""
        return [(key, self.signer.seal(blob)) for key, blob in entries]

    def stored(self) -> set[str]:
        """The keys of the entries the cache holds."""
        return self.store.keys("parsed")

    def prune(self, keep: set[str], words: WordStore | None = None) -> None:
        """Drop entries no source file uses any more, so the cache does not grow forever,
        and with ``words``, their search words (in the same transaction)."""
        tables = {"parsed": ("",), **(words.tables() if words is not None else {})}
        self.store.keep_only(keep, tables)


# File system clocks can be coarse (ext4 ticks every few milliseconds, FAT every 2 s):
# a file changed this shortly before a scan is hashed again by the next one, since a
# second change could have kept its size and modification time.
RACY_NS = 2_000_000_000


def scan(root: Path, config: SiteConfig, cache: ParseCache) -> list[Source]:
    """Every digest file with its key (the bytes are hashed, not kept: memory stays small).

    A file whose size, modification time and inode are those the last scan recorded
    keeps the key it had then (as git's index does), so an unchanged archive is not
    read at all; ``.digestgen-cache/scan.json`` holds those records.
    """
    settings = parse_settings_key(config)
    record = cache.folder / "scan.json"
    known, trusted_before = _load_scan(record, settings)
    started = time.time_ns()
    sources: list[Source] = []
    seen: dict[str, list[int | str]] = {}
    hashed = 0
    stored = cache.stored()
    for rel, st in source_stats(root, config):
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        old = known.get(rel)
        if old is not None and old[:3] == stamp and st.st_mtime_ns < trusted_before:
            key = str(old[3])
        else:
            key = sha256(settings, rel, (root / rel).read_bytes())
            hashed += 1
        seen[rel] = [*stamp, key]
        sources.append(Source(rel, key, key in stored))
    if hashed or seen.keys() != known.keys():
        _save_scan(record, settings, started, seen)
    return sources


def _load_scan(path: Path, settings: str) -> tuple[dict[str, list[int | str]], int]:
    """The last scan's records and the time before which its files' stamps are trusted."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw["settings"] == settings and isinstance(raw["files"], dict):
            return raw["files"], int(raw["scanned"]) - RACY_NS
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return {}, 0


def _save_scan(path: Path, settings: str, started: int, files: dict[str, list[int | str]]) -> None:
    data = {"settings": settings, "scanned": started, "files": files}
    write_cache_file(path, json.dumps(data, separators=(",", ":")).encode("utf-8"))


# The work of a parse run, inherited by forked workers instead of being pickled to them.
_WORK: tuple[Path, SiteConfig, Sequence[Source], bool] | None = None

# A parsed source: its index, its pickle and its search words (``DigestTerms.rows``);
# ``None`` for a file that failed to parse or changed since it was scanned (the parent
# parses it again itself, to report its errors).
Parsed = tuple[int, bytes | None, list[tuple[str, bytes]] | None]


def _parse_chunk(indexes: Sequence[int]) -> list[Parsed]:
    """Parse some sources; return their pickles (and search words, if asked for)."""
    from digestgen.content.parse import parse_digest
    from digestgen.markdown.engine import make_markdown

    assert _WORK is not None
    root, config, sources, with_terms = _WORK
    settings = parse_settings_key(config)
    md = make_markdown()
    out: list[Parsed] = []
    for index in indexes:
        source = sources[index]
        try:
            data = (root / source.path).read_bytes()
            if sha256(settings, source.path, data) != source.key:
                raise OSError("changed since the scan")
            warnings: list[DigestError] = []
            digest = parse_digest(data, source.path, config, md, warnings)
            blob = dumps(digest, warnings)
        except (DigestError, OSError):
            out.append((index, None, None))
            continue
        # The digest's words for the search index, made here while it is at hand (on
        # every core), so the index's jobs only read them.
        words = digest_terms(digest).rows() if with_terms else None
        out.append((index, blob, words))
    return out


def _parse_misses(
    root: Path,
    config: SiteConfig,
    sources: Sequence[Source],
    workers: int,
    with_terms: bool,
    in_memory: Collection[str],
) -> Iterator[list[Parsed]]:
    """The misses (neither in the store nor ``in_memory``) parsed, in pieces as they are
    done (on worker processes if it pays)."""
    global _WORK
    misses = [i for i, s in enumerate(sources) if not s.cached and s.key not in in_memory]
    if not misses:
        return
    # Loaded once here, before the workers fork, rather than once in each of them.
    import digestgen.content.parse  # noqa: F401

    _WORK = (root, config, sources, with_terms)
    try:
        if use_processes(workers, len(misses), PARALLEL_MIN):
            yield from fork_map(_parse_chunk, chunks(misses, workers, 16, 16), workers)
        else:
            yield _parse_chunk(misses)
    finally:
        _WORK = None


# The entries of this process's last build, by key, under its cache store's path (only
# a build of the same site uses them). A long-lived process (``digestgen serve``) builds
# again on every save: the digests that did not change are taken from here instead of
# being loaded again (the model is frozen, so sharing it is safe; a key covers the
# file's bytes, the parse settings and digestgen's code).
_RECENT: dict[Path, dict[str, Entry]] = {}

# Parsed digests kept in the cache per transaction (a few per build, not one per digest).
STORE_BATCH = 256


def _keep(
    cache: ParseCache, terms: WordStore | None, sources: Sequence[Source], done: list[Parsed]
) -> None:
    """Store what was parsed, and its search words, in the cache."""
    parsed = [(sources[i].key, blob) for i, blob, _ in done if blob is not None]
    tables = {"parsed": cache.signed(parsed)}
    if terms is not None:
        words = [(sources[i].key, rows) for i, _, rows in done if rows is not None]
        tables["terms"] = terms.signed(words)
    cache.store.put_tables(tables)


def _parse_and_prune(
    root: Path,
    config: SiteConfig,
    sources: Sequence[Source],
    misses: list[int],
    cache: ParseCache,
    terms: WordStore | None,
    ahead: WordsAhead | None,
) -> tuple[list[Parsed], dict[str, bytes] | None]:
    """What a child process does beside a build that loads the rest (``parse_cached``):
    parse the misses and store them, read the seal runs of every source's search words
    (``WordStore.presealed``), drop the entries no source uses, and with ``ahead``, fork
    the process that makes the word groups the edit changed."""
    global _WORK
    _WORK = (root, config, sources, terms is not None)
    done = _parse_chunk(misses)
    _keep(cache, terms, sources, done)
    keys = [s.key for s in sources]
    runs = terms.seal_runs(keys) if terms is not None else None
    cache.prune(set(keys), terms)
    if ahead is not None and terms is not None and runs is not None:
        terms.presealed = (keys, runs)
        key_of = {s.path: s.key for s in sources}
        paths = [path for path in ahead.paths if path in key_of]
        made = partial(
            words_ahead, paths, [key_of[p] for p in paths], terms, ahead.base, ahead.recorded
        )
        hand_off(made, ahead.relay)
    return done, runs


def _load_cached(
    cache: ParseCache, sources: Sequence[Source], found: list[Entry | None], before: Collection[str]
) -> None:
    """Load the stored entries of the sources not found yet (nor kept in ``before``)."""
    wanted = [
        index
        for index, source in enumerate(sources)
        if found[index] is None and source.cached and source.key not in before
    ]
    with cache.reader([sources[i].key for i in wanted]) as load:
        for index in wanted:
            found[index] = load(sources[index].key)


def parse_cached(
    root: Path,
    config: SiteConfig,
    cache: ParseCache,
    sources: Sequence[Source],
    drafts: bool = False,
    workers: int = 1,
    terms: WordStore | None = None,
    ahead: WordsAhead | None = None,
) -> ParsedSite:
    """The site from ``scan``'s sources, parsing only the cache's misses, on ``workers``
    processes, and keeping what they parsed in the cache; with ``terms``, a parsed
    digest's search words are kept there too.

    A few misses beside many stored entries (an edit) are parsed by a child process on
    the second core, which stores them, reads the search words' seals and prunes the
    store, while this one loads the entries: at 1,000 digests that takes the parser's
    modules, the parse, the seals and the prune (about 0.08 s) off the build's path."""
    found: list[Entry | None] = [None] * len(sources)
    parsed = 0
    before = _RECENT.get(cache.store.path, {})
    misses = [i for i, s in enumerate(sources) if not s.cached and s.key not in before]
    stored = sum(1 for s in sources if s.cached and s.key not in before)
    beside = False  # the child parsed the misses and pruned the store
    if 0 < len(misses) < PARALLEL_MIN and stored >= ASIDE_MIN and use_processes(workers, 1, 1):
        work = partial(_parse_and_prune, root, config, sources, misses, cache, terms, ahead)
        with aside(work) as take:
            if ahead is not None:
                ahead.relay.forked()
            _load_cached(cache, sources, found, before)
            result: tuple[list[Parsed], dict[str, bytes] | None] | None = take()
        # Without the child's result, the misses are parsed below, one by one.
        if result is not None:
            done, runs = result
            beside = True
            parsed = _found_parsed(done, found)
            if terms is not None and runs is not None:
                terms.presealed = ([s.key for s in sources], runs)
                if ahead is not None:
                    terms.made_ahead = ahead.relay.take
    else:
        pending: list[Parsed] = []
        for part in _parse_misses(root, config, sources, workers, terms is not None, before):
            parsed += _found_parsed(part, found)  # loaded as they come: they never pile up
            pending += part
            if len(pending) >= STORE_BATCH:
                _keep(cache, terms, sources, pending)
                pending = []
        _keep(cache, terms, sources, pending)
        _load_cached(cache, sources, found, before)
    digests: list[Digest] = []
    keys: dict[int, str] = {}
    errors: list[DigestError] = []
    warnings: list[DigestError] = []
    md = None
    recent: dict[str, Entry] = {}
    # Entries to store again: kept in memory from the last build but gone from the store
    # (it was broken or locked then), or found broken there and parsed again here.
    refill: list[tuple[str, bytes]] = []
    for index, source in enumerate(sources):
        entry = found[index] or before.get(source.key)
        if entry is not None and found[index] is None and not source.cached:
            refill.append((source.key, dumps(entry[0], _warnings(entry[1]))))
        if entry is None:  # a failed parse, or a cache entry that vanished or broke
            # Imported here: a build whose digests all come from the cache never needs them.
            from digestgen.content.parse import parse_digest
            from digestgen.markdown.engine import make_markdown

            md = md or make_markdown()
            own: list[DigestError] = []
            try:
                data = (root / source.path).read_bytes()
                digest = parse_digest(data, source.path, config, md, own)
            except DigestError as exc:
                errors.extend(getattr(exc, "errors", [exc]))
                continue
            if sha256(parse_settings_key(config), source.path, data) == source.key:
                refill.append((source.key, dumps(digest, own)))
            warnings += own
        else:
            recent[source.key] = entry
            digest = entry[0]
            warnings += _warnings(entry[1])
        digests.append(digest)
        keys[id(digest)] = source.key
    del found
    _RECENT.clear()
    _RECENT[cache.store.path] = recent
    cache.store.put_many("parsed", cache.signed(refill))
    site = assemble_site(config, digests, errors, drafts, warnings)
    if not beside:
        cache.prune({s.key for s in sources}, terms)
    # Only published digests: they stay alive with the site, so their ids stay theirs.
    published = {id(d): keys[id(d)] for d in site.digests}
    return ParsedSite(site, published, parsed, len(sources) - parsed, beside)


def _found_parsed(done: Sequence[Parsed], found: list[Entry | None]) -> int:
    """Put the parsed entries of ``done`` in their places; returns how many there were."""
    count = 0
    for index, blob, _ in done:
        if blob is not None:
            found[index] = loads(blob)
            count += 1
    return count
