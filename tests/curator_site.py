"""Small real sites on disk for the curator command tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

CONFIG = """\
title: "Test digest"
base_url: "https://example.org/blog/"
timezone: "Europe/Berlin"
"""


def make_site(root: Path, digests: dict[str, str], config: str = "") -> Path:
    """Write ``digestgen.yaml`` and ``digests/NAME`` files (dedented) under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "digestgen.yaml").write_text(CONFIG + textwrap.dedent(config), "utf-8")
    folder = root / "digests"
    folder.mkdir(exist_ok=True)
    for name, text in digests.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip("\n"), "utf-8")
    return root


ISSUE_1 = """
---
title: "Issue 1"
date: 2024-05-01
number: 1
---

Welcome to the first issue.

## Papers

- [Attention Is All You Need](https://arxiv.org/abs/1706.03762) - the transformer #nlp
    - Nested note
- [video] [A talk](https://www.youtube.com/watch?v=abc) - worth an hour

### Older

- [Old paper](http://www.example.com/old/?utm_source=feed) - still good

## Tools

<!-- recurring -->
Send links to links@example.org.
<!-- /recurring -->

Not recurring: this paragraph stays behind.
"""
