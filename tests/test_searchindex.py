"""The sharded search index: what a query loads and what it finds, decoded as search.js does."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

from digestgen.build.cachestore import SEAL, CacheStore
from digestgen.config import parse_config
from digestgen.content.parse import parse_site
from digestgen.model import Site
from digestgen.render.search import (
    CHUNK,
    WORD_GROUPS,
    SearchDocuments,
    SearchWords,
    digest_documents,
    digest_terms,
    fold,
    group_row,
    search_files,
    shard_name,
    tokens,
    word_group,
)

DIGEST = """---
title: "Café digest"
date: 2021-01-11
tags: [Tools]
summary: "About résumés."
---

## Links

- [Naïve Bayes explained](https://www.example.com/bayes) - a classic #ml
    - with worked examples in Rust
- [Bayesian optimisation](https://youtu.be/xyz) - tuning knobs
- A text item about bayes
"""


def make_site(*texts: str) -> Site:
    config = parse_config('title: "T"\nbase_url: "https://example.org/b/"\n')
    sources = [(f"digests/d{n}.md", text.encode()) for n, text in enumerate(texts)]
    return parse_site(config, sources)


def query(
    files: dict[str, bytes], text: str, loaded: set[str] | None = None, limit: int = 1000
) -> list[tuple[str, str, str]]:
    """The search script's algorithm in Python: (title, url, meta) of the top results.

    The paths it reads are added to ``loaded``.
    """
    seen = set() if loaded is None else loaded

    def read(path: str) -> object:
        seen.add(path)
        return json.loads(files[path])

    manifest = json.loads(files["search/index.json"])
    seen.add("search/index.json")
    scores: dict[int, int] | None = None
    for word in dict.fromkeys(tokens(text)):
        path = f"search/{shard_name(word)}.json"
        shard = read(path) if shard_name(word) in manifest["shards"] else {}
        assert isinstance(shard, dict)
        hits: dict[int, int] = {}
        for token, deltas in shard.items():
            if token.startswith(word):
                value = 0
                for delta in deltas:
                    value += delta
                    hits[value >> 1] = max(hits.get(value >> 1, 0), 3 if value & 1 else 1)
        scores = (
            hits if scores is None else {i: s + hits[i] for i, s in scores.items() if i in hits}
        )
    ranked = sorted((scores or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    out = []
    for doc_id, _ in ranked[:limit]:
        chunk = read(f"search/c{doc_id // manifest['chunk']}.json")
        assert isinstance(chunk, list)
        d_title, d_url, anchor, title, host = chunk[doc_id % manifest["chunk"]]
        if anchor:
            out.append((title, f"{d_url}#{anchor}", host))
        else:
            out.append((d_title, d_url, "digest"))
    return out


def test_fold_and_tokens_match_the_script() -> None:
    assert fold("Naïve CAFÉ") == "naive cafe"
    assert tokens("huggingface/tokenizers, v1.4_rc") == [
        "huggingface",
        "tokenizers",
        "v1",
        "4",
        "rc",
    ]
    assert shard_name("transformer") == "s-74-72"
    assert shard_name("é") == "s-e9"


def test_queries_find_titles_notes_tags_and_domains() -> None:
    site = make_site(DIGEST)
    files = search_files(site)
    url = site.digests[0].url
    found = query(files, "bayes")
    # Title matches first, in page order; the text item and the digest's summary do not
    # carry "bayes" in a title, so they follow.
    assert [title for title, _, _ in found][:2] == [
        "Naïve Bayes explained",
        "Bayesian optimisation",
    ]
    assert found[0][1] == f"{url}#example-com-bayes"
    assert found[0][2] == "example.com"
    assert "A text item about bayes" in [title for title, _, _ in found]
    assert query(files, "rust")[0][0] == "Naïve Bayes explained"  # from the nested notes
    assert query(files, "NAIVE ml")[0][0] == "Naïve Bayes explained"  # folded, with a tag
    assert query(files, "youtube")[0][0] == "Bayesian optimisation"  # the aliased host
    assert query(files, "resume") == [("Café digest", url, "digest")]  # the digest itself
    assert query(files, "bayes knobs") == [
        ("Bayesian optimisation", f"{url}#youtu-be-xyz", "youtube.com")
    ]
    assert query(files, "nothing") == []


def test_first_query_loads_little_of_a_large_archive() -> None:
    items = "".join(
        f"- [Entry {n} topic{n % 50}](https://e{n % 7}.org/{n}) - words\n" for n in range(900)
    )
    texts = [
        f'---\ntitle: "D{d}"\ndate: 2021-01-{d + 1:02d}\n---\n\n## S\n\n' + items for d in range(3)
    ]
    files = search_files(make_site(*texts))
    chunks = [p for p in files if p.startswith("search/c")]
    assert len(chunks) == -(-(2700 + 3) // CHUNK)
    total = sum(len(data) for data in files.values())
    loaded: set[str] = set()
    found = query(files, "topic7", loaded, limit=20)
    assert [title for title, _, _ in found[:2]] == ["Entry 7 topic7", "Entry 57 topic7"]
    assert len(query(files, "topic7")) == 3 * 18  # n % 50 == 7 in each digest
    # The manifest, one shard and the chunks of the top 20 results, not the archive.
    assert len([p for p in loaded if "/s-" in p]) == 1
    assert sum(len(files[p]) for p in loaded) < total / 2


def test_index_is_deterministic(tmp_path: Path) -> None:
    assert search_files(make_site(DIGEST)) == search_files(make_site(DIGEST))


def test_each_group_of_words_makes_its_own_shards() -> None:
    """The build makes the word shards in groups, one job each (so that an edit makes
    again only the groups whose words it changed): every shard is made by the group of
    its words, by one group only, and index.json lists exactly the shards made."""
    site = make_site(DIGEST, DIGEST.replace("Café", "Zebra").replace("bayes", "zeta"))
    words = SearchWords(site)
    groups = [dict(words.shards(group_row(g))) for g in range(WORD_GROUPS)]
    made = [path for group in groups for path in group]
    assert len(made) == len(set(made)) and sum(1 for group in groups if group) > 1
    for number, group in enumerate(groups):
        for path, data in group.items():
            assert {word_group(word[:2]) for word in json.loads(data)} == {number}
            assert {shard_name(word) for word in json.loads(data)} == {path[7:-5]}
    (index,) = words.index().values()
    assert sorted(json.loads(index)["shards"]) == sorted(path[7:-5] for path in made)
    together = {**one_walk_documents(site), **words.index()}
    for group in groups:
        together.update(group)
    assert together == search_files(site)


def test_word_shards_hold_every_posting_in_id_order_delta_encoded() -> None:
    """The shards, merged from each digest's gaps, against postings made the plain way:
    every item's words with their absolute ids (``id * 2 + in_title``), the digests' own
    documents after all items, each list sorted and delta-encoded. Words recur within a
    digest, across digests and in the digests' own documents."""
    texts = [
        DIGEST,
        DIGEST.replace("Café", "Bayes café").replace("classic", "bayes classic"),
        DIGEST.replace("2021-01-11", "2020-06-01").replace("tuning", "bayes tuning bayes"),
    ]
    site = make_site(*texts)
    postings: dict[str, list[int]] = {}
    documents = 0
    for digest in site.digests:
        terms = digest_terms(digest)
        for token, values in terms.terms.items():
            postings.setdefault(token, []).extend(documents * 2 + v for v in values)
        documents += terms.count
    for digest in site.digests:
        title, rest = digest_terms(digest).digest_words
        for token in title:
            postings.setdefault(token, []).append(documents * 2 + 1)
        for token in rest:
            postings.setdefault(token, []).append(documents * 2)
        documents += 1
    expected = {
        token: [ids[0], *(b - a for a, b in pairwise(ids))] for token, ids in postings.items()
    }
    assert all(ids == sorted(ids) for ids in postings.values())
    assert len(postings["bayes"]) > len(site.digests) + 3
    words = SearchWords(site)
    found: dict[str, list[int]] = {}
    for group in range(WORD_GROUPS):
        for _, data in words.shards(group_row(group)):
            found.update(json.loads(data))
    assert found == expected


def one_walk_documents(site: Site) -> dict[str, bytes]:
    """The ``c<n>.json`` chunks made in one walk of the site, as the build made them
    before it cut them into runs: the reference the runs are checked against."""
    files: dict[str, bytes] = {}
    docs: list[list[str]] = []
    owns: list[list[str]] = []
    for digest in site.digests:
        items, own = digest_documents(digest)
        docs += items
        owns.append(own)
    docs += owns
    for number in range(0, len(docs), CHUNK):
        chunk = docs[number : number + CHUNK]
        text = json.dumps(chunk, ensure_ascii=False, separators=(",", ":"))
        files[f"search/c{number // CHUNK}.json"] = text.encode("utf-8")
    return files


def test_the_runs_of_document_chunks_are_the_whole_set() -> None:
    """The build makes the document chunks in runs, one job each (so that an edit makes
    again only the run that holds its documents): for archives whose item counts put
    chunk edges inside digests, between them and inside the digests' own documents, and
    for digests without items, the runs together are the chunks made in one walk."""
    text_item = "- A text item, no link\n"
    for counts in ([0], [3], [1, 0, 24, 26, 0, 50], [7] * 60, [0] * 30 + [25] * 9, [30] * 17):
        texts = [
            DIGEST.split("## Links")[0] + "## Links\n\n" + text_item * count
            if count
            else DIGEST.split("## Links")[0] + "Only an intro.\n"
            for count in counts
        ]
        site = make_site(*texts)
        assert sum(d.item_count for d in site.digests) == sum(counts)
        documents = SearchDocuments(site)
        runs: dict[str, bytes] = {}
        for run in documents.groups:
            made = dict(documents.documents(run))
            assert runs.keys().isdisjoint(made), counts
            runs.update(made)
        assert runs == one_walk_documents(site), counts


def test_seal_runs_are_each_groups_seals_in_the_order_asked(tmp_path: Path) -> None:
    """A group's seals come in the order of the keys asked for, one after another; a group
    that lacks an entry of one of them, or holds one too short to carry a seal, is left
    out (its key is then made from the entries themselves), and so is a whole store that
    cannot be read."""
    store = CacheStore(tmp_path / "entries.sqlite")
    seal = {key: bytes([n]) * SEAL for n, key in enumerate("abc", start=1)}
    rows = [(f"00:{k}", seal[k] + b"words") for k in "abc"]
    rows += [(f"01:{k}", seal[k] + b"other") for k in "ab"]  # c has no entry here
    rows += [("02:a", seal["a"]), ("02:b", b"short"), ("02:c", seal["c"])]
    rows += [("00:z", b"z" * 40)]  # a digest not asked for
    store.put_many("terms", rows)
    assert store.seal_runs("terms", ["c", "a", "b"]) == {"00:": seal["c"] + seal["a"] + seal["b"]}
    assert store.seal_runs("terms", ["a"]) == {"00:": seal["a"], "01:": seal["a"], "02:": seal["a"]}
    (tmp_path / "entries.sqlite").write_bytes(b"not a database" * 100)
    assert CacheStore(tmp_path / "entries.sqlite").seal_runs("terms", ["a"]) == {}
