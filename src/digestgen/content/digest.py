"""The digest from its parsed parts: its URL, counts, item columns and keys."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from digestgen.config import SiteConfig
from digestgen.content.frontmatter import FrontMatter
from digestgen.model import Block, Digest, Item, Section


def item_key(item: Item) -> str:
    """A hash of everything a page can show of ``item``: every field but where it sits
    in its file, so that lines added above it leave it as it is."""
    data = repr(item[: Item._fields.index("path")]).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def link_hash(link: str) -> str:
    """A short name of a normalised link: two items feature the same link when theirs
    are equal."""
    return hashlib.blake2b(link.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def digest_url(config: SiteConfig, front: FrontMatter) -> str:
    """The digest's path below the site root, from the permalink pattern."""
    local = front.date.astimezone(config.tz)
    path = config.permalink.format(
        slug=front.slug,
        number=front.number if front.number is not None else front.slug,
        year=f"{local.year:04d}",
        month=f"{local.month:02d}",
        day=f"{local.day:02d}",
    )
    return path.lstrip("/")


def make_digest(
    path: str,
    key: str,
    config: SiteConfig,
    front: FrontMatter,
    intro: tuple[Block, ...],
    sections: tuple[Section, ...],
) -> Digest:
    """The digest of file ``path`` (its content key ``key``) from its front matter and body."""
    items = [item for section in sections for item in section.items()]
    return Digest(
        path=path,
        key=key,
        slug=front.slug,
        url=digest_url(config, front),
        title=front.title,
        date=front.date,
        updated=front.updated,
        number=front.number,
        author=front.author,
        tags=front.tags,
        summary=front.summary,
        draft=front.draft,
        image=front.image,
        feed_id=front.feed_id,
        aliases=front.aliases,
        words=count_words(intro, sections),
        item_count=len(items),
        link_count=sum(1 for item in items if item.url is not None),
        key_lines=front.lines,
        anchors=" ".join(item.anchor for item in items),
        item_keys=" ".join(item.key for item in items),
        hosts=" ".join(item.host or "" for item in items),
        links=" ".join(link_hash(item.link) if item.link else "" for item in items),
        item_tags=" ".join(",".join(item.tags) for item in items),
        intro=intro,
        sections=sections,
    )


_WORD = re.compile(r"\w+")
# ASCII characters that are not ``\w``: each becomes a space, and ``split`` counts words.
_ASCII_NON_WORD = str.maketrans(
    {c: " " for c in map(chr, range(128)) if not (c.isalnum() or c == "_")}
)


def _word_count(text: str) -> int:
    r"""How many ``\w+`` runs ``text`` has (by C string methods when it is ASCII)."""
    if text.isascii():
        return len(text.translate(_ASCII_NON_WORD).split())
    return len(_WORD.findall(text))


def count_words(intro: Sequence[Block], sections: Sequence[Section]) -> int:
    """The words a reader reads on the digest's page: intro, headings, items and blocks."""
    words = sum(_word_count(block.text) for block in intro)
    stack = list(sections)
    while stack:
        section = stack.pop()
        words += _word_count(section.title)
        for part in section.content:
            if isinstance(part, Item):
                words += _word_count(f"{part.title} {part.commentary} {part.notes}")
            else:
                words += _word_count(part.text)
        stack.extend(section.subsections)
    return words
