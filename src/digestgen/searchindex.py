"""The search box's prebuilt index: a manifest, token shards and result chunks, as files.

A query loads the manifest, the shard of each query word (words are sharded
by their first two characters) and the chunks holding the top results, so
the bytes a phone downloads grow with the query, not with the archive.
"""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from operator import sub

from digestgen.cachestore import CacheStore
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
    """The words one digest adds to the index: its items' words as
    ``{word: [local id * 2 + in_title, ...]}`` (``count`` items) and the digest's own."""

    count: int
    terms: dict[str, list[int]]
    digest_words: tuple[list[str], list[str]]

    def to_json(self, key: str) -> bytes:
        return _dump([FORMAT, key, self.count, self.terms, list(self.digest_words)])

    @staticmethod
    def from_json(data: bytes, key: str) -> DigestTerms | None:
        """The entry stored for ``key``; ``None`` for anything else (cut short, another
        format or digest). Entries hold only words, never code."""
        try:
            version, stored, count, terms, (title, rest) = json.loads(data)
        except (ValueError, TypeError):
            return None
        shapes = ((count, int), (terms, dict), (title, list), (rest, list))
        if (version, stored) != (FORMAT, key) or not _shaped(shapes):
            return None
        return DigestTerms(count, terms, (title, rest))


def _shaped(pairs: tuple[tuple[object, type], ...]) -> bool:
    return all(isinstance(value, kind) for value, kind in pairs)


def _words(title: str, rest: str) -> tuple[list[str], list[str]]:
    """The distinct words of a document's title, and its other words not in the title."""
    in_title = dict.fromkeys(tokens(title))
    return list(in_title), [t for t in dict.fromkeys(tokens(rest)) if t not in in_title]


def digest_documents(digest: Digest) -> tuple[list[list[str]], list[str]]:
    """``[digest title, digest url, anchor, title, domain]`` per item, and the digest's
    own document (anchor ``""``).

    The digest's title and URL repeat in each of its items: neighbours in a chunk,
    so they cost little once compressed, and a result needs no other file.
    """
    docs = [
        [digest.title, digest.url, item.anchor, item.title or item.commentary[:80], item.host or ""]
        for item in digest.items()
    ]
    return docs, [digest.title, digest.url, "", "", ""]


def digest_terms(digest: Digest) -> DigestTerms:
    """The words of each item of ``digest`` (title apart) and of the digest itself."""
    terms: dict[str, list[int]] = defaultdict(list)
    count = 0
    for local, item in enumerate(digest.items()):
        host = item.host or ""
        rest = " ".join([item.commentary, item.notes, " ".join(item.tags), host])
        title_words, other_words = _words(item.title, rest)
        for token in title_words:
            terms[token].append(local * 2 + 1)
        for token in other_words:
            terms[token].append(local * 2)
        count += 1
    intro = " ".join(block.text for block in digest.intro)
    rest = " ".join([" ".join(digest.tags), digest.summary, intro])
    return DigestTerms(count, dict(terms), _words(digest.title, rest))


class TermsCache:
    """Each digest's :class:`DigestTerms` as JSON in the cache store's ``terms`` table, by
    the digest's parse key (which covers its bytes and digestgen's code), so an edit
    computes the words of one digest only."""

    def __init__(self, store: CacheStore) -> None:
        self.store = store

    @contextlib.contextmanager
    def reader(self) -> Iterator[Callable[[str], DigestTerms | None]]:
        """A lookup of one digest's words at a time (see ``CacheStore.reader``)."""
        with self.store.reader("terms") as get:

            def load(key: str) -> DigestTerms | None:
                data = get(key)
                return DigestTerms.from_json(data, key) if data is not None else None

            yield load

    def put_many(self, entries: Iterable[tuple[str, bytes]]) -> None:
        """Keep ``(key, DigestTerms JSON)`` entries."""
        self.store.put_many("terms", entries)

    def prune(self, keep: set[str]) -> None:
        self.store.keep_only("terms", keep)


@contextlib.contextmanager
def _no_reader() -> Iterator[Callable[[str], DigestTerms | None]]:
    yield lambda _key: None


def _dump(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def search_files(
    site: Site, keys: Mapping[int, str] | None = None, cache: CacheStore | None = None
) -> dict[str, bytes]:
    """Every file of the search index under ``search/``, as ``{path: bytes}``.

    ``index.json``: format, chunk size and the shard names that exist (so that no
    query asks for a missing file). ``s-*.json``: ``{word: postings}``, where a
    posting is ``id * 2 + in_title`` delta-encoded. ``c<n>.json``: documents
    ``n * CHUNK`` to ``(n + 1) * CHUNK - 1``; ids count every item of every digest in
    site order, then every digest. URLs are relative to the site root; the script
    prefixes the base path. The build makes the two halves as two jobs, on two cores.
    """
    return {**dict(iter_search_documents(site)), **dict(iter_search_words(site, keys, cache))}


def iter_search_documents(site: Site) -> Iterator[tuple[str, bytes]]:
    """The ``c<n>.json`` files (see :func:`search_files`), a chunk at a time."""
    chunk: list[list[str]] = []
    number = 0
    owns: list[list[str]] = []
    for digest in site.digests:
        docs, own = digest_documents(digest)
        owns.append(own)
        for doc in docs:
            chunk.append(doc)
            if len(chunk) == CHUNK:
                yield f"{FOLDER}c{number}.json", _dump(chunk)
                chunk, number = [], number + 1
    for doc in owns:
        chunk.append(doc)
        if len(chunk) == CHUNK:
            yield f"{FOLDER}c{number}.json", _dump(chunk)
            chunk, number = [], number + 1
    if chunk:
        yield f"{FOLDER}c{number}.json", _dump(chunk)


def iter_search_words(
    site: Site,
    keys: Mapping[int, str] | None = None,
    cache: CacheStore | None = None,
    part: int = 0,
    parts: int = 1,
) -> Iterator[tuple[str, bytes]]:
    """``index.json`` and the ``s-*.json`` shards (see :func:`search_files`), a shard at a
    time. Postings are kept as 4-byte arrays while they grow, not as Python ints: an
    archive of 10,000 digests has tens of millions. With ``keys`` (each digest's parse
    key by ``id``) and a ``cache`` store, each digest's words are kept there between
    builds, so an edit tokenises one digest. ``part`` of ``parts`` makes only the shards
    of the words whose first character's code point is ``part`` modulo ``parts`` (so
    that several cores share the work); part 0 also writes ``index.json``."""
    terms = TermsCache(cache) if cache is not None and keys is not None else None
    made: list[tuple[str, bytes]] = []
    postings: dict[str, array[int]] = {}
    prefixes: set[str] = set()  # of every word, for index.json

    def add(token: str, values: Iterable[int]) -> None:
        if part == 0:
            prefixes.add(token[:2])
        if ord(token[0]) % parts != part:
            return
        found = postings.get(token)
        if found is None:
            found = postings[token] = array("I")
        found.extend(values)

    documents = 0
    owns: list[tuple[list[str], list[str]]] = []
    with terms.reader() if terms is not None else _no_reader() as load:
        for digest in site.digests:
            key = keys.get(id(digest)) if keys is not None else None
            words = load(key) if key is not None else None
            if words is None:
                words = digest_terms(digest)
                if key is not None:
                    made.append((key, words.to_json(key)))
            offset = documents * 2
            if part == 0:
                prefixes.update(token[:2] for token in words.terms)
            # The hot loop of the index: inline, and only this part's words.
            for token, values in words.terms.items():
                if ord(token[0]) % parts == part:
                    found = postings.get(token)
                    if found is None:
                        found = postings[token] = array("I")
                    found.extend(map(offset.__add__, values))
            documents += words.count
            owns.append(words.digest_words)
    for title_words, other_words in owns:
        for token in title_words:
            add(token, (documents * 2 + 1,))
        for token in other_words:
            add(token, (documents * 2,))
        documents += 1
    if terms is not None and keys is not None:
        terms.put_many(made)
        if part == 0:
            terms.prune({keys[id(d)] for d in site.digests if id(d) in keys})
    by_shard: dict[str, list[str]] = defaultdict(list)
    for token in sorted(postings):
        by_shard[shard_name(token)].append(token)
    if part == 0:
        shards = sorted({shard_name(prefix) for prefix in prefixes})
        yield FOLDER + "index.json", _dump({"v": FORMAT, "chunk": CHUNK, "shards": shards})
    for name, tokens in by_shard.items():
        # Every array grew in id order, so it is sorted already: delta-encode it.
        shard = {
            token: [postings[token][0], *map(sub, postings[token][1:], postings[token])]
            for token in tokens
        }
        yield f"{FOLDER}{name}.json", _dump(shard)
