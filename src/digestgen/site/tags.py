"""Tags: digest tags and item tags merged by slug, each with what carries it, oldest first."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from digestgen.model import DigestHead
from digestgen.urls import slugify

# An item of the site: the place of its digest in ``Site.heads`` and its own in the digest.
Ref = tuple[int, int]


@dataclass(frozen=True, slots=True)
class TagInfo:
    """What every page of a tag shows of it: its name, URL and how many carry it."""

    name: str
    slug: str
    url: str
    count: int | None


@dataclass(frozen=True, slots=True)
class Tag:
    """A tag as shown (its most used spelling) with its URL slug and what carries it:
    the places of its digests in ``Site.heads`` and its items, both oldest first."""

    name: str
    slug: str
    url: str
    digests: tuple[int, ...]
    items: tuple[Ref, ...]

    @property
    def count(self) -> int:
        return len(self.digests) + len(self.items)

    def info(self) -> TagInfo:
        return TagInfo(self.name, self.slug, self.url, self.count)


_TAG_SYMBOLS = {"+": " plus ", "#": " sharp ", "&": " and "}


@cache
def tag_slug(name: str) -> str:
    """The URL name of a tag: case and spaces folded (``Deep Learning`` and
    ``deep-learning`` share a page), symbols spelled out so ``c++`` is not ``c``."""
    spelled = "".join(_TAG_SYMBOLS.get(char, char) for char in name)
    return slugify(spelled) or "tag"


def tag_url(name: str) -> str:
    return f"tags/{tag_slug(name)}/"


def collect_tags(heads: Sequence[DigestHead]) -> tuple[Tag, ...]:
    """Every tag of the digests ``heads`` (newest first) and of their items, by slug."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    digests: dict[str, list[int]] = defaultdict(list)
    items: dict[str, list[Ref]] = defaultdict(list)
    for place in range(len(heads) - 1, -1, -1):
        head = heads[place]
        for name in head.tags:
            slug = tag_slug(name)
            spellings[slug][name] += 1
            if not digests[slug] or digests[slug][-1] != place:
                digests[slug].append(place)
        for index, ref in enumerate(head.refs):
            for name in ref.tags:
                slug = tag_slug(name)
                spellings[slug][name] += 1
                items[slug].append((place, index))
    tags: list[Tag] = []
    for slug in sorted(spellings):
        name = min(spellings[slug].items(), key=lambda kv: (-kv[1], kv[0]))[0]
        tags.append(Tag(name, slug, f"tags/{slug}/", tuple(digests[slug]), tuple(items[slug])))
    return tuple(tags)


def top_tags(tags: Sequence[Tag], limit: int = 15) -> list[TagInfo]:
    """The most used tags, most first (ties by slug)."""
    ranked = sorted(tags, key=lambda t: (-t.count, t.slug))
    return [tag.info() for tag in ranked[:limit]]
