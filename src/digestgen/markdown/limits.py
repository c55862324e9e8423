"""How deep a digest body may nest: our tree walks recurse, and are kept far from
Python's recursion limit."""

from __future__ import annotations

# How deep quotes, lists, emphasis and links may sit inside each other (a list item
# adds no level of its own): far beyond any digest, and far below what the parsers'
# and our own recursion can take.
MAX_NESTING = 32
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
