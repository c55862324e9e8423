"""Digests as JSON values, for the cache: data only, so a cache from anywhere can never
run code, and a value of the wrong shape is a ``ValueError`` (a miss), never a crash."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from digestgen.model import Block, Digest, DigestHead, Item, Section

_HEAD = len(DigestHead._fields)
_ITEM = len(Item._fields)
_BLOCK = len(Block._fields)


def encode_head(head: Digest | DigestHead) -> list[Any]:
    """A digest's head (the first fields of a digest) as a JSON value."""
    values: list[Any] = list(head[:_HEAD])
    fields = DigestHead._fields
    values[fields.index("date")] = head.date.isoformat()
    values[fields.index("updated")] = head.updated.isoformat() if head.updated else None
    return values


def _column(text: Any, count: int) -> str:
    """A column of ``count`` values joined by spaces, checked."""
    if not isinstance(text, str) or (text.count(" ") + 1 if count else 0) != count:
        raise ValueError("a column of another length")
    if count == 0 and text:
        raise ValueError("a column of another length")
    return text


def decode_head(value: Any) -> DigestHead:
    """The head ``encode_head`` gave; ``ValueError`` for anything else."""
    try:
        fields = list(value)
        if len(fields) != _HEAD:
            raise ValueError("not a digest head")
        (path, key, slug, url, title, date, updated, number, author, tags, summary, draft,
         image, feed_id, aliases, words, items, link_count, lines, anchors, keys, hosts,
         links, item_tags) = fields  # fmt: skip
        return DigestHead(
            str(path), str(key), str(slug), str(url), str(title),
            datetime.fromisoformat(date),
            datetime.fromisoformat(updated) if updated is not None else None,
            number if number is None else int(number),
            str(author), tuple(map(str, tags)), str(summary), bool(draft),
            image if image is None else str(image),
            feed_id if feed_id is None else str(feed_id),
            tuple(map(str, aliases)), int(words), int(items), int(link_count),
            tuple((str(name), int(line)) for name, line in lines),
            _column(anchors, items), _column(keys, items), _column(hosts, items),
            _column(links, items), _column(item_tags, items),
        )  # fmt: skip
    except (TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"not a digest head: {exc}") from None


def _section(section: Section) -> list[Any]:
    content = [list(part) for part in section.content]
    subsections = [_section(sub) for sub in section.subsections]
    return [*section[:5], content, subsections]


def encode_body(digest: Digest) -> list[Any]:
    """A digest's intro and sections as a JSON value."""
    return [[list(block) for block in digest.intro], [_section(s) for s in digest.sections]]


def _part(value: list[Any]) -> Item | Block:
    if len(value) == _ITEM:
        value[9] = tuple(value[9])  # tags
        return Item._make(value)
    if len(value) == _BLOCK:
        return Block._make(value)
    raise ValueError("neither an item nor a block")


def _decode_section(value: list[Any]) -> Section:
    title, title_html, anchor, level, line, content, subsections = value
    return Section(
        title,
        title_html,
        anchor,
        level,
        line,
        tuple(map(_part, content)),
        tuple(map(_decode_section, subsections)),
    )


def decode_body(head: DigestHead, value: Any) -> Digest:
    """The digest of ``head`` with the body ``encode_body`` gave; ``ValueError`` else."""
    try:
        intro, sections = value
        return Digest(
            *head,
            tuple(Block._make(block) for block in intro),
            tuple(map(_decode_section, sections)),
        )
    except (TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ValueError(f"not a digest body: {exc}") from None
