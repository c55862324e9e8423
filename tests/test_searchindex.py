"""The search index: what a query loads and what it finds, decoded as search.js does."""

from __future__ import annotations

import json
from pathlib import Path

from digestgen.build.run import render_site
from digestgen.config import parse_config
from digestgen.content.parse import parse_site
from digestgen.model import Site
from digestgen.render.search import RANGE, digest_terms, fold, shard_name, tokens

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


def search_files(site: Site) -> dict[str, bytes]:
    files = render_site(Path("/nonexistent-site-root"), site)
    return {path: data for path, data in files.items() if path.startswith("search/")}


def query(
    files: dict[str, bytes], text: str, loaded: set[str] | None = None, limit: int = 1000
) -> list[tuple[str, str, str]]:
    """The search script's algorithm in Python: (title, url, meta) of the top results,
    best first (ties: the newer digest, then page order). The paths it reads are added
    to ``loaded``."""
    seen = set() if loaded is None else loaded

    def read(path: str) -> object:
        seen.add(path)
        return json.loads(files[path])

    index = read("search/index.json")
    assert isinstance(index, dict) and index["version"] == 3
    scores: dict[tuple[int, int, int], int] | None = None
    for word in dict.fromkeys(tokens(text)):
        hits: dict[tuple[int, int, int], int] = {}
        for number, listed in enumerate(index["ranges"]):
            if shard_name(word) not in listed["s"]:
                continue
            shard = read(f"search/r{number}/{shard_name(word)}.json")
            assert isinstance(shard, dict)
            for token, postings in shard.items():
                if token.startswith(word):
                    for digest, value in zip(postings[::2], postings[1::2], strict=True):
                        doc = (number, digest, value >> 1)
                        hits[doc] = max(hits.get(doc, 0), 3 if value & 1 else 1)
        scores = (
            hits if scores is None else {d: s + hits[d] for d, s in scores.items() if d in hits}
        )
    ranked = sorted((scores or {}).items(), key=lambda kv: (-kv[1], -kv[0][0], -kv[0][1], kv[0][2]))
    out = []
    for (number, digest, doc), _ in ranked[:limit]:
        slug = index["ranges"][number]["d"][digest]
        docs = read(f"search/d/{slug}.json")
        assert isinstance(docs, dict)
        if doc == 0:
            out.append((docs["t"], docs["u"], "digest"))
        else:
            anchor, title, host = docs["i"][doc - 1]
            out.append((title, f"{docs['u']}#{anchor}", host))
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
    # Title matches first, in page order; the text item does not carry "bayes" in a title.
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


def test_a_query_loads_little_of_a_large_archive() -> None:
    items = "".join(
        f"- [Entry {n} topic{n % 50}](https://e{n % 7}.org/{n}) - words\n" for n in range(100)
    )
    texts = [
        f'---\ntitle: "D{d}"\ndate: 2021-{1 + d // 28:02d}-{1 + d % 28:02d}\n---\n\n## S\n\n'
        + items
        for d in range(RANGE + 6)
    ]
    files = search_files(make_site(*texts))
    index = json.loads(files["search/index.json"])
    assert [len(r["d"]) for r in index["ranges"]] == [RANGE, 6]  # numbered from the oldest
    total = sum(len(data) for data in files.values())
    loaded: set[str] = set()
    found = query(files, "topic7", loaded, limit=20)
    # The newest digest first, in page order.
    assert [title for title, _, _ in found[:2]] == ["Entry 7 topic7", "Entry 57 topic7"]
    assert found[0][1].startswith("digests/d69/")
    assert len(query(files, "topic7")) == (RANGE + 6) * 2  # n % 50 == 7 in each digest
    # The index, one shard a range and the documents of the digests of the top 20.
    assert len([p for p in loaded if "/s-" in p]) == 2
    assert sum(len(files[p]) for p in loaded) < total / 4


def test_the_index_is_deterministic() -> None:
    assert search_files(make_site(DIGEST)) == search_files(make_site(DIGEST))


def test_terms_name_documents_by_their_place_in_the_digest() -> None:
    """Document 0 is the digest itself, document n its n-th item; each posting is
    ``doc * 2 + in_title``, and a word in a title is not listed again for the rest."""
    (digest,) = make_site(DIGEST).digests
    terms = digest_terms(digest)
    assert terms["cafe"] == [1]  # the digest's title
    assert terms["resumes"] == [0]  # its summary
    assert terms["bayes"] == [3, 6]  # item 1's title, the text of item 3 (no title)
    assert terms["bayesian"] == [5]
    assert terms["rust"] == [2]  # item 1's notes
    assert terms["youtube"] == [4]  # item 2's host
