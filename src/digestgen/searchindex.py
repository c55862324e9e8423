"""The search box's prebuilt index: a manifest, token shards and result chunks, as files.

A query loads the manifest, the shard of each query word (words are sharded
by their first two characters) and the chunks holding the top results, so
the bytes a phone downloads grow with the query, not with the archive.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from operator import sub
from pathlib import Path

from digestgen.model import Digest, Site

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


@dataclass(frozen=True, slots=True)
class DigestTerms:
    """What one digest adds to the index: its items' documents, their words as
    ``{word: [local id * 2 + in_title, ...]}``, and the digest's own document and words."""

    docs: list[list[str]]
    terms: dict[str, list[int]]
    digest_doc: list[str]
    digest_words: tuple[list[str], list[str]]

    def to_json(self, key: str) -> bytes:
        return _dump([FORMAT, key, self.docs, self.terms, self.digest_doc, list(self.digest_words)])

    @staticmethod
    def from_json(data: bytes, key: str) -> DigestTerms | None:
        """The entry stored for ``key``; ``None`` for anything else (cut short, another
        format or digest). Entries hold only words and titles, never code."""
        try:
            version, stored, docs, terms, doc, (title, rest) = json.loads(data)
        except (ValueError, TypeError):
            return None
        shapes = ((docs, list), (terms, dict), (doc, list), (title, list), (rest, list))
        if (version, stored) != (FORMAT, key) or not _shaped(shapes):
            return None
        return DigestTerms(docs, terms, doc, (title, rest))


def _shaped(pairs: tuple[tuple[object, type], ...]) -> bool:
    return all(isinstance(value, kind) for value, kind in pairs)


def _words(title: str, rest: str) -> tuple[list[str], list[str]]:
    """The distinct words of a document's title, and its other words not in the title."""
    in_title = dict.fromkeys(tokens(title))
    return list(in_title), [t for t in dict.fromkeys(tokens(rest)) if t not in in_title]


def digest_terms(digest: Digest) -> DigestTerms:
    """``[digest title, digest url, anchor, title, domain]`` per item with its words, and
    the digest's own document (anchor ``""``) with its words.

    The digest's title and URL repeat in each of its items: neighbours in a chunk,
    so they cost little once compressed, and a result needs no other file.
    """
    docs: list[list[str]] = []
    terms: dict[str, list[int]] = defaultdict(list)
    for local, item in enumerate(digest.items()):
        host = item.host or ""
        docs.append(
            [digest.title, digest.url, item.anchor, item.title or item.commentary[:80], host]
        )
        rest = " ".join([item.commentary, item.notes, " ".join(item.tags), host])
        title_words, other_words = _words(item.title, rest)
        for token in title_words:
            terms[token].append(local * 2 + 1)
        for token in other_words:
            terms[token].append(local * 2)
    intro = " ".join(block.text for block in digest.intro)
    rest = " ".join([" ".join(digest.tags), digest.summary, intro])
    own = [digest.title, digest.url, "", "", ""]
    return DigestTerms(docs, dict(terms), own, _words(digest.title, rest))


class TermsCache:
    """Each digest's :class:`DigestTerms` as JSON, by the digest's parse key (which covers
    its bytes and digestgen's code), so an edit computes the words of one digest only."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, digest: Digest, key: str | None) -> DigestTerms:
        path = self.folder / f"{key}.json"
        if key is not None:
            try:
                found = DigestTerms.from_json(path.read_bytes(), key)
                if found is not None:
                    return found
            except OSError:
                pass
        made = digest_terms(digest)
        if key is not None:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_bytes(made.to_json(key))
                os.replace(tmp, path)
            except OSError:
                pass  # the next build computes them again
        return made

    def prune(self, keep: set[str]) -> None:
        try:
            names = os.listdir(self.folder)
        except OSError:
            return
        for name in names:
            if name.endswith(".json") and name[:-5] not in keep:
                (self.folder / name).unlink(missing_ok=True)


class _Index:
    """The index as it is built, one digest at a time: postings as compact arrays of
    ``id * 2 + in_title`` (4 bytes a posting, not a Python int), documents written out a
    chunk at a time. Memory stays a small multiple of the postings' count."""

    def __init__(self) -> None:
        self.postings: dict[str, array[int]] = {}
        self.ready: list[tuple[str, bytes]] = []  # chunk files not yet handed on
        self.chunk: list[list[str]] = []
        self.documents = 0

    def add_document(self, doc: list[str]) -> None:
        self.chunk.append(doc)
        self.documents += 1
        if len(self.chunk) == CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.chunk:
            number = (self.documents - 1) // CHUNK
            self.ready.append((f"{FOLDER}c{number}.json", _dump(self.chunk)))
            self.chunk = []

    def add_postings(self, token: str, values: Iterable[int]) -> None:
        found = self.postings.get(token)
        if found is None:
            found = self.postings[token] = array("I")
        found.extend(values)

    def take(self) -> list[tuple[str, bytes]]:
        ready, self.ready = self.ready, []
        return ready

    def shard_names(self) -> list[str]:
        return sorted({shard_name(token) for token in self.postings})

    def shards(self) -> Iterator[tuple[str, bytes]]:
        """``(path, bytes)`` of every shard, each postings list delta-encoded."""
        by_shard: dict[str, list[str]] = defaultdict(list)
        for token in sorted(self.postings):
            by_shard[shard_name(token)].append(token)
        for name, words in by_shard.items():
            shard = {}
            for token in words:
                # Every array grew in id order, so it is sorted already.
                values = self.postings[token]
                shard[token] = [values[0], *map(sub, values[1:], values)]
            yield f"{FOLDER}{name}.json", _dump(shard)


def _dump(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def search_files(
    site: Site, keys: Mapping[int, str] | None = None, cache: Path | None = None
) -> dict[str, bytes]:
    """Every file of the search index under ``search/``, as ``{path: bytes}``
    (see :func:`iter_search_files`)."""
    return dict(iter_search_files(site, keys, cache))


def iter_search_files(
    site: Site, keys: Mapping[int, str] | None = None, cache: Path | None = None
) -> Iterator[tuple[str, bytes]]:
    """Every file of the search index under ``search/``, as ``(path, bytes)`` made one at
    a time (an archive of 10,000 digests has a hundred megabytes of them).

    ``index.json``: format, chunk size and the shard names that exist (so that no
    query asks for a missing file). ``s-*.json``: ``{word: postings}``, where a
    posting is ``id * 2 + in_title`` delta-encoded. ``c<n>.json``: documents
    ``n * CHUNK`` to ``(n + 1) * CHUNK - 1``; ids count every item of every digest in
    site order, then every digest. URLs are relative to the site root; the script
    prefixes the base path. With ``keys`` (each digest's parse key by ``id``) and a
    ``cache`` folder, each digest's words are kept there between builds.
    """
    terms = TermsCache(cache) if cache is not None and keys is not None else None
    index = _Index()
    own: list[tuple[list[str], tuple[list[str], list[str]]]] = []
    for digest in site.digests:
        if terms is not None and keys is not None:
            part = terms.get(digest, keys.get(id(digest)))
        else:
            part = digest_terms(digest)
        offset = index.documents * 2
        for token, values in part.terms.items():
            index.add_postings(token, [offset + value for value in values])
        for doc in part.docs:
            index.add_document(doc)
        own.append((part.digest_doc, part.digest_words))
        yield from index.take()
    for doc, (title_words, other_words) in own:
        number = index.documents * 2
        for token in title_words:
            index.add_postings(token, (number + 1,))
        for token in other_words:
            index.add_postings(token, (number,))
        index.add_document(doc)
    index.flush()
    yield from index.take()
    if terms is not None and keys is not None:
        terms.prune({keys[id(d)] for d in site.digests if id(d) in keys})
    manifest = {"v": FORMAT, "chunk": CHUNK, "shards": index.shard_names()}
    yield FOLDER + "index.json", _dump(manifest)
    yield from index.shards()
