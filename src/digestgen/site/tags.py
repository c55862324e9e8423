"""Tags: digest tags and item tags merged by slug, each with what carries it, oldest first."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import compress

from digestgen.model import DigestHead
from digestgen.site.items import ItemIndex
from digestgen.urls import slugify


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
    the places of its digests in ``Site.heads`` and the positions of its items
    (``ItemIndex``), both oldest first."""

    name: str
    slug: str
    url: str
    digests: tuple[int, ...]
    items: tuple[int, ...]

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


def collect_tags(heads: Sequence[DigestHead], items: ItemIndex) -> tuple[Tag, ...]:
    """Every tag of the digests ``heads`` (newest first) and of their ``items``, by slug."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    digests: dict[str, list[int]] = defaultdict(list)
    tagged: dict[str, list[int]] = defaultdict(list)
    for place in range(len(heads) - 1, -1, -1):
        for name in heads[place].tags:
            slug = tag_slug(name)
            spellings[slug][name] += 1
            if not digests[slug] or digests[slug][-1] != place:
                digests[slug].append(place)
    for position in compress(range(len(items)), items.tags):
        for name in items.tags[position].split(","):
            slug = tag_slug(name)
            spellings[slug][name] += 1
            tagged[slug].append(position)
    tags: list[Tag] = []
    for slug in sorted(spellings):
        name = min(spellings[slug].items(), key=lambda kv: (-kv[1], kv[0]))[0]
        tags.append(Tag(name, slug, f"tags/{slug}/", tuple(digests[slug]), tuple(tagged[slug])))
    return tuple(tags)


def top_tags(tags: Sequence[Tag], limit: int = 15) -> list[TagInfo]:
    """The most used tags, most first (ties by slug)."""
    ranked = sorted(tags, key=lambda t: (-t.count, t.slug))
    return [tag.info() for tag in ranked[:limit]]
