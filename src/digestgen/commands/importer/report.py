"""The import report: what was imported, mapped, dropped or guessed, and which URLs were
kept or redirected; printed as text or as one JSON document."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from digestgen.errors import plural


@dataclass(frozen=True, slots=True)
class Note:
    """One thing the import left out or made up, at ``where`` (``path:line``)."""

    where: str
    what: str
    why: str


@dataclass(slots=True)
class Report:
    """Everything one import did, filled in as it goes; sorted when shown."""

    format: str
    source: str
    target: str
    files: list[tuple[str, str]] = field(default_factory=list)
    copied: list[tuple[str, str]] = field(default_factory=list)
    mapped: Counter[tuple[str, str]] = field(default_factory=Counter)
    dropped: list[Note] = field(default_factory=list)
    guessed: list[Note] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    redirects: list[tuple[str, str]] = field(default_factory=list)
    feeds: list[tuple[str, str, str]] = field(default_factory=list)

    def drop(self, where: str, what: str, why: str) -> None:
        self.dropped.append(Note(where, what, why))

    def guess(self, where: str, what: str, why: str) -> None:
        self.guessed.append(Note(where, what, why))

    def as_dict(self) -> dict[str, object]:
        """The report as plain data, every list sorted, for ``--format json``."""
        return {
            "format": self.format,
            "source": self.source,
            "target": self.target,
            "files": [{"source": s, "digest": t} for s, t in sorted(self.files)],
            "copied": [{"source": s, "target": t} for s, t in sorted(self.copied)],
            "mapped": [
                {"from": old, "to": new, "count": n}
                for (old, new), n in sorted(self.mapped.items())
            ],
            "dropped": [_note(n) for n in _sorted(self.dropped)],
            "guessed": [_note(n) for n in _sorted(self.guessed)],
            "urls": {"kept": len(self.kept), "redirected": len(self.redirects)},
            "kept": sorted(self.kept),
            "redirects": [{"from": old, "to": new} for old, new in sorted(self.redirects)],
            "feeds": [
                {"feed": kind, "old": old, "path": new} for kind, old, new in sorted(self.feeds)
            ],
        }

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)

    def as_text(self) -> str:
        """The report as the terminal shows it: a summary, then each section."""
        lines = [
            f"imported {plural(len(self.files), 'digest')} from {self.format} site {self.source} "
            f"into {self.target}",
            f"urls: {len(self.kept)} kept, {len(self.redirects)} redirected",
        ]
        if self.copied:
            copied = plural(len(self.copied), "file")
            lines.append(f"copied {copied} beside their digests or to static/")
        lines += ["", "metadata mapped:"]
        lines += [f"  {old} -> {new} ({n})" for (old, new), n in sorted(self.mapped.items())]
        lines += ["", "feeds:"]
        lines += [
            f"  {kind}: {old or '(none)'} -> {new or '(none)'}"
            for kind, old, new in sorted(self.feeds)
        ]
        for title, notes in (("dropped", self.dropped), ("guessed", self.guessed)):
            if notes:
                lines += ["", f"{title}:"]
                lines += [f"  {n.where}: {n.what}: {n.why}" for n in _sorted(notes)]
        if self.redirects:
            lines += ["", "redirects:"]
            lines += [f"  {old} -> {new}" for old, new in sorted(self.redirects)]
        return "\n".join(lines)


def _note(note: Note) -> dict[str, str]:
    return {"where": note.where, "what": note.what, "why": note.why}


def _sorted(notes: list[Note]) -> list[Note]:
    """Notes in file order: by path, then line number, then text."""

    def key(note: Note) -> tuple[str, int, str, str]:
        path, _, line = note.where.rpartition(":")
        if path and line.isdigit():
            return (path, int(line), note.what, note.why)
        return (note.where, 0, note.what, note.why)

    return sorted(notes, key=key)
