"""``find_featured``: where a link already appeared, across the parsed site."""

from __future__ import annotations

from pathlib import Path

from curator_site import ISSUE_1, make_site

from digestgen.content.digestfile import load_site
from digestgen.site.featured import describe, find_featured

DRAFT = """
---
title: "Issue 2"
date: 2024-05-08
number: 2
draft: true
---

- [Again](https://youtu.be/abc?utm_campaign=x) - a short link to a video seen before
- [Other](https://arxiv.org/abs/1706.03762#section-2) - another part of the same page
"""


def test_finds_a_link_under_all_its_spellings(tmp_path: Path) -> None:
    site = load_site(make_site(tmp_path, {"issue-1.md": ISSUE_1, "issue-2.md": DRAFT}))
    found = find_featured(site, "http://www.youtube.com/watch?v=abc")
    assert [(d.number, it.title, it.line) for d, it in found] == [
        (2, "Again", 8),
        (1, "A talk", 13),
    ]
    assert describe(*found[1]) == "digests/issue-1.md:13 (Issue 1)"
    # The fragment names a different part of the page, so it is a different link.
    assert [it.title for _, it in find_featured(site, "https://arxiv.org/abs/1706.03762/")] == [
        "Attention Is All You Need"
    ]
    assert find_featured(site, "https://nowhere.example/") == []


def test_published_only_site_does_not_see_drafts(tmp_path: Path) -> None:
    site = load_site(
        make_site(tmp_path, {"issue-1.md": ISSUE_1, "issue-2.md": DRAFT}), drafts=False
    )
    assert [d.number for d, _ in find_featured(site, "https://youtube.com/watch?v=abc")] == [1]
