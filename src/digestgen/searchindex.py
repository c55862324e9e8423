"""The search box's prebuilt index: a manifest, token shards and result chunks, as files.

A query loads the manifest, the shard of each query word (words are sharded
by their first two characters) and the chunks holding the top results, so
the bytes a phone downloads grow with the query, not with the archive.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from functools import lru_cache
from itertools import pairwise

from digestgen.model import Site

FOLDER = "search/"
CHUNK = 25
FORMAT = 2
_TOKEN = re.compile(r"[^\W_]+")
_ASCII_SEPARATORS = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})


def fold(text: str) -> str:
    """Lower case without accents, as ``search.js`` folds queries."""
    if text.isascii():  # most text: nothing to decompose
        return text.lower()
    # Word by word (marks never cross a space), each distinct word folded once.
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
    if folded.isascii():  # the same runs, found by C string methods (several times faster)
        return folded.translate(_ASCII_SEPARATORS).split()
    return _TOKEN.findall(folded)


def shard_name(token: str) -> str:
    """``s-74-72`` for words starting with ``tr``: code points, safe on any host."""
    return "s-" + "-".join(f"{ord(c):x}" for c in token[:2])


def _documents(site: Site) -> tuple[list[list[str]], list[tuple[str, str]]]:
    """``[digest title, digest url, anchor, title, domain]`` per item, then one per digest
    (anchor ``""``), each with its title words and its other words.

    The digest's title and URL repeat in each of its items: neighbours in a chunk,
    so they cost little once compressed, and a result needs no other file.
    """
    docs: list[list[str]] = []
    words: list[tuple[str, str]] = []
    for digest, item in site.items():
        host = item.host or ""
        title = item.title or item.commentary[:80]
        docs.append([digest.title, digest.url, item.anchor, title, host])
        rest = [item.commentary, item.notes, " ".join(item.tags), host]
        words.append((item.title, " ".join(rest)))
    for digest in site.digests:
        docs.append([digest.title, digest.url, "", "", ""])
        intro = " ".join(block.text for block in digest.intro)
        words.append((digest.title, " ".join([" ".join(digest.tags), digest.summary, intro])))
    return docs, words


def _postings(words: list[tuple[str, str]]) -> dict[str, list[int]]:
    """Per word, the sorted ``id * 2 + in_title`` of its documents, delta-encoded."""
    found: dict[str, list[int]] = defaultdict(list)
    for doc_id, (title, rest) in enumerate(words):
        # Documents come in id order, so every list is sorted as it grows.
        in_title = set(tokens(title))
        for token in in_title:
            found[token].append(doc_id * 2 + 1)
        for token in set(tokens(rest)).difference(in_title):
            found[token].append(doc_id * 2)
    return {
        token: [values[0]] + [b - a for a, b in pairwise(values)] for token, values in found.items()
    }


def _dump(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def search_files(site: Site) -> dict[str, bytes]:
    """Every file of the search index under ``search/``, as ``{path: bytes}``.

    ``index.json``: format, chunk size and the shard names that exist (so that no
    query asks for a missing file). ``s-*.json``: ``{word: postings}``.
    ``c<n>.json``: documents ``n * CHUNK`` to ``(n + 1) * CHUNK - 1``.
    URLs are relative to the site root; the script prefixes the base path.
    """
    docs, words = _documents(site)
    shards: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for token, postings in sorted(_postings(words).items()):
        shards[shard_name(token)][token] = postings
    manifest = {
        "v": FORMAT,
        "chunk": CHUNK,
        "shards": sorted(shards),
    }
    out = {FOLDER + "index.json": _dump(manifest)}
    for name, shard in shards.items():
        out[f"{FOLDER}{name}.json"] = _dump(shard)
    for start in range(0, len(docs), CHUNK):
        out[f"{FOLDER}c{start // CHUNK}.json"] = _dump(docs[start : start + CHUNK])
    return out
