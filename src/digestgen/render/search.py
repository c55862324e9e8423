"""The search box's prebuilt index, as files keyed by digest, never by global position.

Digests are taken in ranges of ``RANGE``, numbered from the oldest, so a new digest joins
the newest range and an edit changes only its own range's files. Each range has its word
shards (``search/r<n>/s-<prefix>.json``: the words of its digests by their first two
letters); each digest its documents (``search/d/<slug>.json``); ``search/index.json``
lists the ranges, their digests and which shards each range has. A query loads the index,
the shard of each query word in each range that has it, and the documents of the digests
of its top results: the bytes grow with the query, not with the archive.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache, partial

from digestgen.model import Digest
from digestgen.render.context import Context, Files, Output

FOLDER = "search/"
FORMAT = 3
# Digests per range of the index.
RANGE = 64
_TOKEN = re.compile(r"[^\W_]+")
_ASCII_SEPARATORS = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})
# One encoder for every file: ``json.dumps`` with options makes a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def fold(text: str) -> str:
    """Lower case without accents, as ``search.js`` folds queries."""
    if text.isascii():
        return text.lower()
    return " ".join(
        word.lower() if word.isascii() else _fold_word(word) for word in text.split(" ")
    )


@lru_cache(maxsize=1 << 16)
def _fold_word(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.category(c).startswith("M")).lower()


def tokens(text: str) -> list[str]:
    """The searchable words of a text: runs of letters and digits, folded."""
    folded = fold(text)
    if folded.isascii():
        return folded.translate(_ASCII_SEPARATORS).split()
    return _TOKEN.findall(folded)


@lru_cache(maxsize=1 << 14)
def shard_name(token: str) -> str:
    """``s-74-72`` for words starting with ``tr``: code points, safe on any host."""
    return "s-" + "-".join(f"{ord(c):x}" for c in token[:2])


def _add(terms: dict[str, list[int]], text: str, value: int, skip: set[str]) -> None:
    for token in dict.fromkeys(tokens(text)):
        if token not in skip:
            terms[token].append(value)


def digest_terms(digest: Digest) -> dict[str, list[int]]:
    """The words of a digest's documents: ``{word: [doc * 2 + in_title, ...]}``, where
    document 0 is the digest itself (title; tags, summary and intro) and document ``n``
    its ``n``-th item (title; commentary, notes, tags and host)."""
    terms: dict[str, list[int]] = defaultdict(list)
    own = set(tokens(digest.title))
    _add(terms, digest.title, 1, set())
    intro = " ".join(block.text for block in digest.intro)
    _add(terms, " ".join([*digest.tags, digest.summary, intro]), 0, own)
    for number, item in enumerate(digest.items(), 1):
        title = set(tokens(item.title))
        _add(terms, item.title, number * 2 + 1, set())
        rest = " ".join([item.commentary, item.notes, *item.tags, item.host or ""])
        _add(terms, rest, number * 2, title)
    return dict(terms)


def digest_documents(digest: Digest) -> dict[str, object]:
    """A digest's documents: its title and page, and ``[anchor, title, host]`` per item.
    URLs are relative to the site root; the script adds the base path."""
    items = [
        [item.anchor, item.title or item.commentary[:80], item.host or ""]
        for item in digest.items()
    ]
    return {"t": digest.title, "u": digest.url, "i": items}


def _dump(data: object) -> bytes:
    return _ENCODER.encode(data).encode("utf-8")


def _range_shards(ctx: Context, places: Sequence[int]) -> dict[str, dict[str, list[int]]]:
    """The shards of one range: ``{shard: {word: [digest, value, digest, value, ...]}}``,
    the digest being its place in the range (oldest first)."""
    shards: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for offset, place in enumerate(places):
        for word, values in ctx.keep("terms", place, digest_terms).items():
            postings = shards[shard_name(word)].setdefault(word, [])
            for value in values:
                postings += (offset, value)
    return shards


def _range_key(ctx: Context, places: Sequence[int]) -> str:
    joined = "\x1f".join(ctx.heads[place].key for place in places)
    return hashlib.blake2b(joined.encode(), digest_size=16).hexdigest()


def _range_files(ctx: Context, number: int, places: Sequence[int]) -> Files:
    shards = _range_shards(ctx, places)
    ctx.keep_value("range-shards", _range_key(ctx, places), lambda: sorted(shards))
    return {f"{FOLDER}r{number}/{name}.json": _dump(words) for name, words in shards.items()}


def _shard_names(ctx: Context, places: Sequence[int]) -> list[str]:
    return sorted(_range_shards(ctx, places))


def _index(ctx: Context, ranges: list[list[int]]) -> Files:
    listed = []
    for places in ranges:
        key = _range_key(ctx, places)
        shards = ctx.keep_value("range-shards", key, partial(_shard_names, ctx, places))
        listed.append({"d": [ctx.heads[p].slug for p in places], "s": shards})
    return {f"{FOLDER}index.json": _dump({"version": FORMAT, "ranges": listed})}


def _documents(ctx: Context, place: int, path: str) -> Files:
    return {path: _dump(ctx.keep("documents", place, digest_documents))}


def search_outputs(ctx: Context) -> list[Output]:
    """The index, each range's shards and each digest's documents."""
    heads = ctx.heads
    oldest_first = list(range(len(heads) - 1, -1, -1))
    ranges = [oldest_first[start : start + RANGE] for start in range(0, len(heads), RANGE)]
    outputs = []
    for number, places in enumerate(ranges):
        inputs = [heads[p].key for p in places]
        make = partial(_range_files, number=number, places=places)
        outputs.append(Output(f"search:r{number}", inputs, make))
    keys = [f"{heads[p].slug}\x1f{heads[p].key}" for p in oldest_first]
    outputs.append(Output("search:index", keys, partial(_index, ranges=ranges)))
    for place, head in enumerate(heads):
        path = f"{FOLDER}d/{head.slug}.json"
        outputs.append(Output(path, [head.key], partial(_documents, place=place, path=path)))
    return outputs
