"""Which saved files matter (``classify``), and the watchfiles threads that report them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath

from watchfiles import Change as FileChange
from watchfiles import DefaultFilter, watch

from digestgen.build.sources import block_signals
from digestgen.config import CONFIG_FILE, SiteConfig

# How long stopping waits for the watching threads (they notice within 0.2 s unless a
# build they started is still running).
STOP_SECONDS = 0.5


class Change(StrEnum):
    """What kind of source a changed path is."""

    CONFIG = "config"
    DIGEST = "digest"
    TEMPLATE = "template"
    STATIC = "static"


@dataclass(frozen=True, slots=True)
class Layout:
    """The site's source folders, relative to the root (from ``digestgen.yaml``)."""

    digests: str = "digests"
    templates: str = "templates"
    static: str = "static"

    @classmethod
    def of(cls, config: SiteConfig) -> Layout:
        return cls(config.digests_dir, config.templates_dir, config.static_dir)

    def folders(self) -> tuple[tuple[str, Change], ...]:
        return (
            (self.digests, Change.DIGEST),
            (self.templates, Change.TEMPLATE),
            (self.static, Change.STATIC),
        )


# Files editors write beside the real one while saving.
_EDITOR_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".bak", ".kate-swp")


def _is_editor_litter(name: str) -> bool:
    return (
        name.startswith((".#", "#"))
        or name.endswith(_EDITOR_SUFFIXES)
        or name == "4913"  # vim's probe file
        or (name.startswith(".") and name != ".")
    )


def classify(rel: str, layout: Layout) -> Change | None:
    """What a change of ``rel`` (a POSIX path relative to the site root) affects.

    ``None`` means it does not affect the site: editor backups and swap files,
    hidden files, non-Markdown files among the digests, anything else in the root.
    A source folder itself, or a folder holding one, counts as its kind (it was
    created, removed or renamed).
    """
    parts = PurePosixPath(rel).parts
    if not parts or _is_editor_litter(parts[-1]):
        return None
    if parts == (CONFIG_FILE,):
        return Change.CONFIG
    for folder, kind in layout.folders():
        folder_parts = PurePosixPath(folder).parts
        if parts[: len(folder_parts)] == folder_parts:
            inside = parts[len(folder_parts) :]
            if kind is Change.DIGEST and inside and "." in inside[-1]:
                # Markdown files are digests; the files beside an ``index.md`` are its page
                # bundle's (images); other files there are nobody's.
                name = inside[-1]
                return kind if name.endswith(".md") or len(inside) > 1 else None
            return kind
        if folder_parts[: len(parts)] == parts:
            return kind
    return None


class _Either:
    """An event that is set when either of two events is (watchfiles' stop_event)."""

    def __init__(self, first: threading.Event, second: threading.Event) -> None:
        self.first, self.second = first, second

    def is_set(self) -> bool:
        return self.first.is_set() or self.second.is_set()


# Called with the changed (kind, path) pairs; an empty set asks for a rescan.
OnChange = Callable[[set[tuple[Change, str]]], None]


class Watcher:
    """Two threads: the root (not recursive) for the config and source folders
    appearing or going, and the source folders recursively. The root is not
    watched recursively because it often holds a ``.venv`` or the output."""

    def __init__(self, root: Path, layout: Callable[[], Layout], on_change: OnChange) -> None:
        self.root = root.resolve()
        self.layout = layout
        self.on_change = on_change
        self.stop_event = threading.Event()
        self._restart = threading.Event()
        self._watching: list[Path] = []
        self._ready = (threading.Event(), threading.Event())
        self._threads = (
            threading.Thread(target=self._watch_root, name="digestgen-watch-root", daemon=True),
            threading.Thread(target=self._watch_sources, name="digestgen-watch", daemon=True),
        )

    def start(self, timeout: float = 10.0) -> None:
        """Start both threads and wait until they are watching."""
        for thread in self._threads:
            thread.start()
        for ready in self._ready:
            ready.wait(timeout)

    def stop(self) -> None:
        """Stop both threads; one still making a build after ``STOP_SECONDS`` is left to
        end by itself (it is a daemon: it does not keep the process alive)."""
        self.stop_event.set()
        deadline = time.monotonic() + STOP_SECONDS
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def _report(self, changes: Iterable[tuple[FileChange, str]]) -> set[tuple[Change, str]]:
        layout = self.layout()
        found: set[tuple[Change, str]] = set()
        for _what, raw in changes:
            path = Path(raw)
            if not path.is_relative_to(self.root):
                continue
            rel = path.relative_to(self.root).as_posix()
            kind = classify(rel, layout)
            if kind is not None:
                found.add((kind, rel))
        if found:
            self.on_change(found)
        return found

    def _folders(self) -> list[Path]:
        """The source folders that exist now."""
        paths = [self.root / folder for folder, _kind in self.layout().folders()]
        return [path for path in paths if path.is_dir()]

    def _watch_root(self) -> None:
        block_signals()
        # yield_on_timeout: the first (empty) yield tells that the watch is in place.
        for changes in watch(
            self.root,
            recursive=False,
            stop_event=self.stop_event,
            rust_timeout=200,
            yield_on_timeout=True,
        ):
            self._ready[0].set()
            if self._report(changes) and self._folders() != self._watching:
                self._restart.set()  # a source folder appeared or went, or the config moved one

    def _watch_sources(self) -> None:
        block_signals()
        rescan = False  # the first watch starts right after the initial build
        while not self.stop_event.is_set():
            self._restart.clear()
            existing = self._watching = self._folders()
            if not existing:
                self._ready[1].set()
                self.stop_event.wait(0.2)
                continue
            try:
                for changes in watch(
                    *existing,
                    watch_filter=DefaultFilter(),
                    # Yield 20 ms after the last event of a save (watchfiles waits 50).
                    step=20,
                    stop_event=_Either(self.stop_event, self._restart),
                    rust_timeout=200,
                    yield_on_timeout=True,
                ):
                    self._ready[1].set()
                    if rescan:
                        # Saves made while the watch was set up again went unreported.
                        rescan = False
                        self.on_change(set())
                    self._report(changes)
            except FileNotFoundError:
                # A folder went away between the check and the watch: look again.
                self.stop_event.wait(0.1)
            rescan = True
