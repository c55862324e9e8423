"""How deep a digest body may nest, and which bodies markdown-it.rs should not parse.

Our tree walks recurse, and markdown-it.rs overflows its stack (a crash no exception
reports) on bodies nested tens of thousands deep; both are kept far from their limits.
"""

from __future__ import annotations

import re

# How deep quotes, lists, emphasis and links may sit inside each other (a list item
# adds no level of its own): far beyond any digest, and far below what the parsers'
# and our own recursion can take.
MAX_NESTING = 32
# A body that could nest deeper than markdown-it.rs's stack can take (a line starting
# with thousands of '>' or list markers, or many thousands of emphasis or image
# delimiters: 100,000 nested images overflow it), or that holds many reference
# definitions (which markdown-it.rs resolves in quadratic time), is parsed by
# markdown-it-py, whose nesting is bounded. Links alone never nest: a line of 30,000
# of them stays with markdown-it.rs.
_DEEP_PREFIX = re.compile(r"^[ \t>*+\-0-9.)]{1000}", re.MULTILINE)
_UNDERSCORE_OPENER = re.compile(r"(?<!\w)_")
_DELIMITER_LIMIT = 20_000
_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:", re.MULTILINE)
_DEFINITION_LIMIT = 200
# The nodes that count as a level of nesting.
_NESTS = frozenset(
    {"blockquote", "bullet_list", "ordered_list", "em", "strong", "strikethrough", "link"}
    | {"autolink", "image"}
)


def deeper(depth: int, name: str, offset: int) -> int:
    """The nesting depth inside a node named ``name`` at ``depth``; raises
    ``NestingError`` past ``MAX_NESTING``."""
    if name not in _NESTS:
        return depth
    if depth >= MAX_NESTING:
        raise NestingError(offset)
    return depth + 1


class NestingError(ValueError):
    """A body nests deeper than ``MAX_NESTING``; ``offset`` is the byte offset of the
    block where it passes the limit."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"nested deeper than {MAX_NESTING} levels")
        self.offset = offset


def hard_for_rust(body: str) -> bool:
    """Whether markdown-it.rs could overflow its stack or take quadratic time on ``body``."""
    delimiters = body.count("*") + body.count("~") + body.count("![")
    if "_" in body:
        delimiters += len(_UNDERSCORE_OPENER.findall(body))
    if delimiters > _DELIMITER_LIMIT or _DEEP_PREFIX.search(body) is not None:
        return True
    return "]:" in body and len(_DEFINITION.findall(body)) > _DEFINITION_LIMIT


__all__ = ["MAX_NESTING", "NestingError", "deeper", "hard_for_rust"]
