"""The search box's prebuilt index: a manifest, token shards and result chunks, as files.

A query loads the manifest, the shard of each query word (words are sharded
by their first two characters) and the chunks holding the top results, so
the bytes a phone downloads grow with the query, not with the archive.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
import unicodedata
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from operator import sub

from digestgen.build.cachestore import CacheStore, Signer
from digestgen.build.fingerprint import sha256
from digestgen.content.sources import file_order
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


# The word shards are made by this many jobs, each the shards of a fixed group of
# two-letter prefixes: an edit runs again only the groups whose words it changed.
WORD_GROUPS = 16
# The cache entry of a digest's shard names, beside its entry per group.
SHARDS_ROW = "p:"


@lru_cache(maxsize=1 << 14)
def _prefix_shard(prefix: str) -> tuple[str, int]:
    name = shard_name(prefix)
    return name, zlib.crc32(name.encode("ascii")) % WORD_GROUPS


def word_group(token: str) -> int:
    """The group of a word's shard (a word's shard, and so its group, depends only on
    its first two characters; pass those)."""
    return _prefix_shard(token)[1]


def group_row(group: int) -> str:
    """The prefix of a group's cache entries: ``"0a:"``."""
    return f"{group:02x}:"


def word_jobs() -> list[tuple[str, str]]:
    """The word half's jobs, as ``(name, prefix of their entries)``: the list of shards,
    then each group's shards."""
    groups = map(group_row, range(WORD_GROUPS))
    return [("search", SHARDS_ROW), *((f"search:words-{p[:-1]}", p) for p in groups)]


def words_key(base: str, fingerprint: str) -> str:
    """A word job's key: the build's base key and what its files are made of."""
    return sha256(base, fingerprint)


@dataclass(frozen=True, slots=True)
class DigestTerms:
    """The words one digest adds to the index: its items' words as
    ``{word: [local id * 2 + in_title, ...]}`` (``count`` items) and the digest's own."""

    count: int
    terms: dict[str, list[int]]
    digest_words: tuple[list[str], list[str]]

    def rows(self) -> list[tuple[str, bytes]]:
        """The digest's words cut by group, pickled, each under its group's prefix
        (``group_row``), plus the names of its shards (``SHARDS_ROW``). A group's entry
        holds the digest's item count in every case: the ids of later digests follow it.
        A word's postings are kept as the shards write them: the first, then the gaps
        (``SearchWords.shards`` then joins digests with one subtraction each)."""
        terms: list[dict[str, list[int]]] = [{} for _ in range(WORD_GROUPS)]
        titles: list[list[str]] = [[] for _ in range(WORD_GROUPS)]
        others: list[list[str]] = [[] for _ in range(WORD_GROUPS)]
        title, rest = self.digest_words
        # Each distinct prefix's shard and group looked up once, not once per word.
        prefixes = {token[:2] for token in self.terms}
        prefixes.update(token[:2] for token in title)
        prefixes.update(token[:2] for token in rest)
        shard_of = {prefix: _prefix_shard(prefix) for prefix in prefixes}
        for token, values in self.terms.items():
            terms[shard_of[token[:2]][1]][token] = [values[0], *map(sub, values[1:], values)]
        for own, into in ((title, titles), (rest, others)):
            for token in own:
                into[shard_of[token[:2]][1]].append(token)
        rows = [
            (group_row(g), _pickle((FORMAT, g, self.count, terms[g], titles[g], others[g])))
            for g in range(WORD_GROUPS)
        ]
        shards = sorted({shard for shard, _ in shard_of.values()})
        rows.append((SHARDS_ROW, _pickle((FORMAT, shards))))
        return rows


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
    return docs, own_document(digest)


def own_document(digest: Digest) -> list[str]:
    """The document of the digest itself (anchor ``""``)."""
    return [digest.title, digest.url, "", "", ""]


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


# A digest's entries: ``(prefix, pickle)``.
Rows = Iterable[tuple[str, bytes]]
# Word groups' files made ahead: ``{prefix: (fingerprint, [(path, bytes)])}``.
MadeAhead = dict[str, tuple[str, list[tuple[str, bytes]]]]


class WordStore:
    """Each digest's words, cut by group (``DigestTerms.rows``), in the cache store's
    ``terms`` table under ``<group prefix><digest's parse key>`` (the parse key covers the
    digest's bytes and digestgen's code). Entries are pickles sealed by ``signer`` (an
    HMAC with the user's key), as parsed digests are: an entry not written by this user's
    digestgen is a miss and never loaded, so a cache that came with a site can neither
    run code (unpickling can) nor plant words in its index."""

    def __init__(self, store: CacheStore, signer: Signer) -> None:
        self.store = store
        self.signer = signer
        # Parse keys in the order of their files, and the seal runs of their entries
        # (``seal_runs``), read ahead by the process that parsed an edit's files
        # (``parsecache``): a build whose digests have those keys takes them instead of
        # reading them again.
        self.presealed: tuple[list[str], dict[str, bytes]] | None = None
        # The files of the word groups whose entries an edit changed, made by a process
        # forked by the parse beside the build (``words_ahead``), by group prefix with
        # the fingerprint they were made of; the call waits for them, ``None`` if none.
        self.made_ahead: Callable[[], MadeAhead | None] | None = None
        # How many of them this build took.
        self.taken_ahead = 0

    def signed(self, entries: Iterable[tuple[str, Rows]]) -> list[tuple[str, bytes]]:
        """``(parse key, rows)`` as the table keeps them."""
        return [
            (prefix + key, self.signer.seal(data)) for key, rows in entries for prefix, data in rows
        ]

    def put(self, entries: Iterable[tuple[str, Rows]]) -> None:
        self.store.put_many("terms", self.signed(entries))

    def group(self, prefix: str) -> dict[str, memoryview]:
        """The entries under ``prefix`` whose seal holds, by parse key."""
        out: dict[str, memoryview] = {}
        for key, data in self.store.with_prefix("terms", prefix).items():
            body = self.signer.open(data)
            if body is not None:
                out[key] = body
        return out

    def seal_runs(self, keys: Sequence[str]) -> dict[str, bytes]:
        """For each group prefix, the seals of the entries of the digests of parse keys
        ``keys``, in that order (``CacheStore.seal_runs``), unchecked: equal seals mean
        equal entries (a seal is a keyed hash of its entry), so they stand for the entries
        in a fingerprint. An entry itself is only ever used once its seal holds."""
        return self.store.seal_runs("terms", keys)

    @staticmethod
    def tables() -> dict[str, list[str]]:
        """The table of the words and the prefixes of its entries, for
        ``CacheStore.keep_only``: each digest's entries under any other prefix (an
        earlier layout's) are dropped with those of digests no source uses any more."""
        return {"terms": [*map(group_row, range(WORD_GROUPS)), SHARDS_ROW]}


# One encoder for every file: ``json.dumps`` with options makes a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _pickle(data: object) -> bytes:
    """A cache entry: a pickle, about three times faster to make than JSON (a digest's
    words cut in 16 groups took 0.5 ms as JSON, 0.17 ms pickled) and faster to load
    (entries are signed, and only signed ones are ever loaded)."""
    return pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)


def _dump(data: object) -> bytes:
    return _ENCODER.encode(data).encode("utf-8")


def search_files(site: Site) -> dict[str, bytes]:
    """Every file of the search index under ``search/``, as ``{path: bytes}``.

    ``index.json``: format, chunk size and the shard names that exist (so that no
    query asks for a missing file). ``s-*.json``: ``{word: postings}``, where a
    posting is ``id * 2 + in_title`` delta-encoded. ``c<n>.json``: documents
    ``n * CHUNK`` to ``(n + 1) * CHUNK - 1``; ids count every item of every digest in
    site order, then every digest. URLs are relative to the site root; the script
    prefixes the base path. The build makes the list of shards, each group of shards
    (``SearchWords``) and each run of chunks (``SearchDocuments``) as separate jobs, on
    all cores.
    """
    words = SearchWords(site)
    documents = SearchDocuments(site)
    files: dict[str, bytes] = {}
    for run in documents.groups:
        files.update(documents.documents(run))
    files.update(words.index())
    for group in range(WORD_GROUPS):
        files.update(words.shards(group_row(group)))
    return files


# The document chunks are made by this many jobs, each a run of consecutive chunks.
DOCUMENT_GROUPS = 16


@dataclass(frozen=True, slots=True)
class DocumentGroup:
    """A run of document chunks, ``first`` to ``end`` (excluded), and what they hold: the
    items of ``digests`` (indexes into the site's digests) and the own documents of
    ``owners``, where they fall between document ids ``start`` and ``stop``."""

    first: int
    end: int
    start: int
    stop: int
    digests: range
    owners: range


class SearchDocuments:
    """The ``c<n>.json`` chunks of one site cut into ``DOCUMENT_GROUPS`` runs, so that an
    edit makes again only the run that holds the edited digest's documents (the ids of
    the others do not move while every digest keeps its number of items)."""

    def __init__(self, site: Site) -> None:
        self.site = site
        # The id of each digest's first item, and the number of item documents.
        self.starts = [0, *accumulate(d.item_count for d in site.digests)]
        self.items = self.starts[-1]
        total = self.items + len(site.digests)
        chunks = -(-total // CHUNK)
        self.groups = []
        for number in range(DOCUMENT_GROUPS):
            first = chunks * number // DOCUMENT_GROUPS
            end = chunks * (number + 1) // DOCUMENT_GROUPS
            start, stop = first * CHUNK, min(end * CHUNK, total)
            low = bisect_right(self.starts, start) - 1
            high = bisect_left(self.starts, min(stop, self.items))
            items = range(low, max(low, high)) if start < min(stop, self.items) else range(0)
            owners = range(max(start - self.items, 0), max(stop - self.items, 0))
            self.groups.append(DocumentGroup(first, end, start, stop, items, owners))

    def documents(self, group: DocumentGroup) -> Iterator[tuple[str, bytes]]:
        """The chunks of ``group``, a chunk at a time."""
        docs: list[list[str]] = []
        digests = self.site.digests
        for index in group.digests:
            items, _ = digest_documents(digests[index])
            skip = max(group.start - self.starts[index], 0)
            docs += items[skip : group.stop - self.starts[index]]
        docs += [own_document(digests[index]) for index in group.owners]
        for number in range(group.first, group.end):
            chunk = docs[(number - group.first) * CHUNK : (number - group.first + 1) * CHUNK]
            if chunk:
                yield f"{FOLDER}c{number}.json", _dump(chunk)


class SearchWords:
    """The word half of the search index for one build: ``index.json`` (``index``) and the
    shards of each group (``shards``), with the fingerprint of what each is made of
    (``fingerprint``). Each digest's rows (``DigestTerms.rows``) come from ``store`` by
    the digest's parse key (``keys``, by ``id``); the missing ones are made from the
    digest and stored. The files of a group that a process forked by the parse made
    ahead (``WordStore.made_ahead``) are taken as they are when they were made of the
    same entries."""

    def __init__(
        self, site: Site, keys: Mapping[int, str] | None = None, store: WordStore | None = None
    ) -> None:
        keyed = keys if store is not None else None
        self._start(
            [(d.path, keyed.get(id(d)) if keyed is not None else None, d) for d in site.digests],
            store,
        )

    @staticmethod
    def of_files(paths: Sequence[str], keys: Sequence[str], store: WordStore) -> SearchWords:
        """The words of the digests of ``paths`` (in site order) and parse ``keys``, all
        in ``store``, without the digests themselves."""
        words = SearchWords.__new__(SearchWords)
        words._start([(path, key, None) for path, key in zip(paths, keys, strict=True)], store)
        return words

    def _start(
        self, digests: list[tuple[str, str | None, Digest | None]], store: WordStore | None
    ) -> None:
        # Each digest's path, parse key and the digest itself (to make missing rows from).
        self._digests = digests
        self.store = store
        self._made: dict[int, dict[str, bytes]] = {}
        # The entries last read. A group's key comes from its seals; only when some are
        # missing is it made from the entries, and the job then makes its files from
        # the same read instead of reading them again.
        self._last: tuple[str, list[bytes | memoryview]] | None = None
        # Each group's seals (``_seals``), read once.
        self._sealed: dict[str, bytes] | None = None

    def rows(self, prefix: str) -> list[bytes | memoryview]:
        """Every digest's entry under ``prefix``, in site order. Raises ``LookupError``
        for an entry that is missing from the store of words made without digests."""
        if self._last is not None and self._last[0] == prefix:
            return self._last[1]
        stored = self.store.group(prefix) if self.store is not None else {}
        out: list[bytes | memoryview] = []
        new: list[tuple[str, list[tuple[str, bytes]]]] = []
        for place, (_, key, digest) in enumerate(self._digests):
            data: bytes | memoryview | None = stored.get(key) if key is not None else None
            if data is None:
                made = self._made.get(place)
                if made is None:
                    if digest is None:
                        raise LookupError(f"no words stored for {key}")
                    rows = digest_terms(digest).rows()
                    made = self._made[place] = dict(rows)
                    if key is not None:
                        new.append((key, rows))
                data = made[prefix]
            out.append(data)
        if new and self.store is not None:
            self.store.put(new)
        self._last = (prefix, out)
        return out

    def fingerprint(self, prefix: str) -> str:
        """What the files made from the entries under ``prefix`` depend on: the seals of
        the stored entries (32 bytes a digest, read without the entries), or the entries
        themselves when some are missing from the store."""
        seals = self._seals(prefix)
        if seals is not None:
            return hashlib.sha256(b"".join([b"sealed:", prefix.encode("utf-8"), seals])).hexdigest()
        digest = hashlib.sha256(prefix.encode("utf-8"))
        for data in self.rows(prefix):
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)
        return digest.hexdigest()

    def _seals(self, prefix: str) -> bytes | None:
        """Every digest's seal under ``prefix``, in the order of the digests' files (as
        ``scan`` lists them), one after another, behind a hash of the files in site order
        (a group's shards depend on both; neither moves when a digest's words change);
        ``None`` if one is missing. All groups' seals are read at once, on first use,
        unless the store has them already (``WordStore.presealed``)."""
        if self.store is None:
            return None
        if self._sealed is None:
            by_file = sorted(self._digests, key=lambda digest: file_order(digest[0]))
            keys = [key for _, key, _ in by_file if key]
            if len(keys) != len(self._digests):
                self._sealed = {}
                return None
            ahead = self.store.presealed
            runs = ahead[1] if ahead is not None and ahead[0] == keys else None
            if runs is None:
                runs = self.store.seal_runs(keys)
            files = "\x1f".join(path for path, _, _ in self._digests)
            order = hashlib.sha256(files.encode("utf-8")).digest()
            self._sealed = {prefix: order + run for prefix, run in runs.items()}
        return self._sealed.get(prefix)

    def _made_ahead(self, prefix: str) -> list[tuple[str, bytes]] | None:
        """The files of ``prefix`` made ahead (``WordStore.made_ahead``) of the same
        entries as this build's, or ``None``."""
        store = self.store
        if store is None or store.made_ahead is None:
            return None
        made = store.made_ahead()
        if not made or prefix not in made:
            return None
        fingerprint, files = made[prefix]
        if fingerprint != self.fingerprint(prefix):
            return None
        store.taken_ahead += 1
        return files

    def index(self) -> dict[str, bytes]:
        """``index.json``, listing every shard."""
        ahead = self._made_ahead(SHARDS_ROW)
        if ahead is not None:
            return dict(ahead)
        shards: set[str] = set()
        for data in self.rows(SHARDS_ROW):
            shards.update(pickle.loads(data)[1])
        index = {"v": FORMAT, "chunk": CHUNK, "shards": sorted(shards)}
        return {FOLDER + "index.json": _dump(index)}

    def shards(self, prefix: str) -> Iterator[tuple[str, bytes]]:
        """The ``s-*.json`` shards of one group, a shard at a time. Each word's postings
        are delta-encoded as they grow, by joining the digests' own gaps (``rows``): one
        subtraction per word and digest, the rest copied in C (a group of 1,000 digests
        in 0.02 s instead of 0.04). They are kept as 4-byte arrays, not Python ints: an
        archive of 10,000 digests has tens of millions."""
        postings: dict[str, array[int]] = {}
        # Each word's last posting so far, as an id (not a gap).
        last: dict[str, int] = {}
        documents = 0
        ahead = self._made_ahead(prefix)
        if ahead is not None:
            yield from ahead
            return
        owns: list[tuple[list[str], list[str]]] = []
        for data in self.rows(prefix):
            _format, _group, count, terms, title_words, other_words = pickle.loads(data)
            offset = documents * 2
            # The hot loop of the index, inline.
            for token, gaps in terms.items():
                first = offset + gaps[0]
                found = postings.get(token)
                if found is None:
                    found = postings[token] = array("I", gaps)
                    found[0] = first
                else:
                    found.append(first - last[token])
                    found.extend(gaps[1:])
                last[token] = first + sum(gaps) - gaps[0]
            documents += count
            owns.append((title_words, other_words))
        for title_words, other_words in owns:
            for own, flag in ((title_words, 1), (other_words, 0)):
                for token in own:
                    posting = documents * 2 + flag
                    found = postings.get(token)
                    if found is None:
                        postings[token] = array("I", (posting,))
                    else:
                        found.append(posting - last[token])
                    last[token] = posting
            documents += 1
        by_shard: dict[str, list[str]] = defaultdict(list)
        for token in sorted(postings):
            by_shard[shard_name(token)].append(token)
        for name, words in by_shard.items():
            shard = {token: postings[token].tolist() for token in words}
            yield f"{FOLDER}{name}.json", _dump(shard)


def words_ahead(
    paths: Sequence[str],
    keys: Sequence[str],
    store: WordStore,
    base: str,
    recorded: Mapping[str, str | None],
) -> MadeAhead:
    """The files of the word jobs whose key is not the one the last build ``recorded``
    (by job name), for the digests of ``paths`` (in the last build's site order) and
    parse ``keys``, whose entries are all in ``store``. Made by a process that the parse
    of an edit forks while the build loads the site (``parsecache``): the build takes the
    files made of the same entries, in the same order, as its own (``SearchWords``)."""
    words = SearchWords.of_files(paths, keys, store)
    made: MadeAhead = {}
    for name, prefix in word_jobs():
        fingerprint = words.fingerprint(prefix)
        if recorded.get(name) != words_key(base, fingerprint):
            index = prefix == SHARDS_ROW
            files = list(words.index().items()) if index else list(words.shards(prefix))
            made[prefix] = (fingerprint, files)
    return made
