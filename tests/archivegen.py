"""A large, varied, deterministic digest archive for the output-validity tests."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

WORDS = (
    *[
        "model",
        "data",
        "graph",
        "parser",
        "naïve",
        "café",
        "Zürich",
        "über",
        "learning",
        "sparse",
        "tensor",
        "rust",
        "haskell",
    ],
    *[
        "monad",
        "lens",
        "compiler",
        "proof",
        "type",
        "effect",
        "stream",
        "queue",
        "cache",
        "vector",
        "kernel",
        "shader",
    ],
    *("<b>bold</b>", "R&D", "a<b", "C++", "C#", "100%", '"quoted"', "'single'"),
    *("\u2014", "\u2013", "\u2026", "\u00bd", "日本語", "emoji🙂"),
)
TAGS = ("nlp", "cv", "rust", "haskell", "pytorch", "theory", "tools", "c++", "Data Science")
HOSTS = ("arxiv.org", "github.com", "www.youtube.com", "example.com", "blog.example.org")
LABELS = ("video", "paper", "podcast", "repo")


def _words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def _item(rng: random.Random, n: int, k: int) -> list[str]:
    url = f"https://{rng.choice(HOSTS)}/{n}/{k}?q={rng.randint(1, 9)}&amp;x=1"
    label = f"[{rng.choice(LABELS)}] " if rng.random() < 0.15 else ""
    tags = " #" + rng.choice(TAGS[:7]) if rng.random() < 0.3 else ""
    title = _words(rng, 2, 8).replace("[", "(").replace("]", ")")
    lines = [f"- {label}[{title}]({url}) - {_words(rng, 0, 14)}{tags}"]
    for _ in range(rng.choice((0, 0, 1, 2, 3))):
        lines.append(f"    - {_words(rng, 3, 12)}")
        if rng.random() < 0.2:
            lines.append(f"        - deeper: `code <x>` and **strong** {_words(rng, 1, 5)}")
    if rng.random() < 0.1:
        lines.append(f"    > {_words(rng, 4, 12)}")
    if rng.random() < 0.05:
        lines += ["", "    ```python", "    print('<hello>' & 1)", "    ```"]
    return lines


def _body(rng: random.Random, n: int) -> list[str]:
    lines = [f"Intro for issue {n}: {_words(rng, 5, 20)} <br> <small>small print</small>", ""]
    k = 0
    for s in range(rng.randint(1, 5)):
        lines += [f"## {_words(rng, 1, 4)} {s}", ""]
        for _ in range(rng.randint(1, 8)):
            k += 1
            lines += _item(rng, n, k)
        lines.append("")
        if rng.random() < 0.3:
            lines += [f"### Sub {s} {_words(rng, 1, 3)}", ""]
            for _ in range(rng.randint(1, 4)):
                k += 1
                lines += _item(rng, n, k)
            lines.append("")
        if rng.random() < 0.1:
            lines += ["| a | b |", "|---|---|", f"| {rng.randint(1, 99)} | <mark>x</mark> |", ""]
    return lines


def generate_archive(root: Path, count: int = 150, seed: int = 20) -> Path:
    """Write a site with ``count`` digests into ``root`` and return ``root``."""
    rng = random.Random(seed)
    (root / "digests").mkdir(parents=True, exist_ok=True)
    (root / "digestgen.yaml").write_text(
        'title: "Generated & <Archive>"\nbase_url: "https://example.org/archive/"\n'
        'description: "A generated archive: tags, sections & odd characters."\n'
        'author: "Gen Erator"\nper_page: 7\ntimezone: "Europe/Berlin"\n',
        encoding="utf-8",
    )
    start = date(2015, 1, 5)
    for n in range(1, count + 1):
        tags = sorted(set(rng.sample(TAGS, rng.randint(0, 3))))
        day = start + timedelta(days=7 * n)
        front = [
            "---",
            f'title: "Issue {n}: {_words(rng, 1, 4).replace(chr(34), "")}"',
            f"date: {day.isoformat()}",
            f"number: {n}",
            f"tags: [{', '.join(repr(t) for t in tags)}]",
        ]
        if rng.random() < 0.5:
            front.append(f'summary: "{_words(rng, 4, 12).replace(chr(34), "")}"')
        sub = root / "digests" / str(day.year)
        sub.mkdir(exist_ok=True)
        text = "\n".join([*front, "---", "", *_body(rng, n)]) + "\n"
        (sub / f"issue-{n}.md").write_text(text, encoding="utf-8")
    return root
