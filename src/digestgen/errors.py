"""The exception types of digestgen (every user mistake carries a location), and the
counting of things in messages."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class DigestError(Exception):
    """A mistake in the user's content, config or templates, with where it is.

    Printed as ``path:line:column: message``; line and column are 1-based and
    may be unknown (``None``).
    """

    def __init__(
        self,
        message: str,
        path: Path | str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column

    def location(self) -> str:
        """``path:line:column`` with the parts that are known."""
        parts = [self.path or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"

    def sort_key(self) -> tuple[str, int, int]:
        return (self.path or "", self.line or 0, self.column or 0)

    def __reduce__(self) -> tuple[type[DigestError], tuple[object, ...]]:
        # Pickled with its location (a parse in another process reports its errors).
        return (type(self), (self.message, self.path, self.line, self.column))


class ConfigError(DigestError):
    """A mistake in ``digestgen.yaml``."""


class ParseError(DigestError):
    """A mistake in a digest file."""


class RenderError(DigestError):
    """A mistake in a site's own template."""


class DigestErrors(DigestError):
    """Several mistakes found in one run, reported together."""

    def __init__(self, errors: Iterable[DigestError]) -> None:
        self.errors = sorted(errors, key=lambda e: e.sort_key())
        first = self.errors[0] if self.errors else DigestError("no errors")
        super().__init__(first.message, first.path, first.line, first.column)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)

    def __reduce__(self) -> tuple[type[DigestError], tuple[object, ...]]:
        return (type(self), (self.errors,))


def collect(errors: list[DigestError]) -> None:
    """Raise the gathered errors, if any, as one exception."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DigestErrors(errors)


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 digest``, ``2 digests`` (``nouns`` for a plural that is not ``noun + "s"``):
    every count a message shows reads as a sentence would."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"
