"""Writes a deterministic, realistic digest archive for benchmarks.

``python benchmarks/generate.py OUT --digests 1000 --items 40`` creates
``OUT/digestgen.yaml`` and ``OUT/digests/digest-NNNNN.md``: weekly digests with
sections, subsections, nested notes, quotes, tables, code, non-ASCII text,
digest and item tags, link labels and a few hundred domains that repeat.
``--shape twir`` writes digests shaped as This Week in Rust's: ~100 short items in
10 to 15 sections (community updates in subsections, merged pull requests, RFCs,
events without links, jobs, a quote), thousands of hosts, about 17 KB a digest. The
same arguments always give byte-identical files.
"""

from __future__ import annotations

import argparse
import random
from datetime import date, timedelta
from pathlib import Path

_ASCII = (
    "model data training paper library release benchmark faster memory compiler type "
    "inference vision language graph kernel cluster stream query index cache parser "
    "runtime network gradient dataset sparse dense attention token vector search "
    "pipeline deploy monitor latency throughput scale shard replica schema migration"
)
_UNICODE = (
    "naïve café résumé Zürich façade coöperate São Kraków Straße déjà-vu "
    "数据 模型 学习 データ 機械 학습 Привет данные модель обучение 🚀 ✓ λ → ∑"
)
ASCII_WORDS = tuple(_ASCII.split(" "))
UNICODE_WORDS = tuple(_UNICODE.split(" "))
# A real archive (Haskell Weekly) has non-ASCII text on about 4% of its lines; at
# this share of words about 5% of the generated lines have some (--unicode 0.1
# gives the much heavier mix of the first benchmarks).
UNICODE_SHARE = 0.003
SECTIONS = ("Papers", "Tools", "Articles", "Videos", "Releases", "Jobs", "Events", "Café & Cœur")
SUBSECTIONS = ("Sparsity and pruning", "Compilers", "Über-tooling", "Data engineering")
TAGS = (
    "nlp",
    "cv",
    "theory",
    "pytorch",
    "rust",
    "haskell",
    "python",
    "databases",
    "gpu",
    "compilers",
    "security",
    "ops",
    "web",
    "sparsity",
    "graphs",
    "audio",
    "robotics",
    "math",
)
LABELS = ("video", "paper", "podcast", "job", "slides")
TLDS = ("org", "com", "io", "dev", "net", "ai")


class Archive:
    """One generator; its random stream is seeded, so output depends only on arguments."""

    def __init__(self, seed: int, items: int, unicode: float = UNICODE_SHARE) -> None:
        self.rng = random.Random(seed)
        self.items = items
        self.unicode = unicode
        self.domains = [f"{self.word_ascii()}{n}.{self.rng.choice(TLDS)}" for n in range(300)]

    def word_ascii(self) -> str:
        return self.rng.choice(("alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa"))

    def words(self, low: int, high: int) -> str:
        return " ".join(self.word() for _ in range(self.rng.randint(low, high)))

    def word(self) -> str:
        if self.rng.random() < self.unicode:
            return self.rng.choice(UNICODE_WORDS)
        return self.rng.choice(ASCII_WORDS)

    def sentence(self, low: int = 6, high: int = 16) -> str:
        text = self.words(low, high)
        return text[:1].upper() + text[1:] + "."

    def url(self, number: int, index: int) -> str:
        domain = self.rng.choice(self.domains[:40] if self.rng.random() < 0.5 else self.domains)
        return f"https://{domain}/{self.word_ascii()}/{number}-{index}?ref=digest"

    def inline(self) -> str:
        """Commentary with emphasis, code and an occasional second link."""
        parts = [self.words(4, 12)]
        roll = self.rng.random()
        if roll < 0.3:
            parts.append(f"*{self.words(1, 3)}*")
        elif roll < 0.5:
            parts.append(f"`{self.word_ascii()}()`")
        elif roll < 0.6:
            parts.append(f"([source](https://{self.rng.choice(self.domains)}/src))")
        parts.append(self.words(2, 8))
        return " ".join(parts)

    def notes(self, depth: int = 1) -> list[str]:
        pad = "    " * depth
        lines: list[str] = []
        for _ in range(self.rng.choice((0, 0, 1, 2, 3))):
            lines.append(f"{pad}- {self.inline()}")
            if depth < 3 and self.rng.random() < 0.3:
                lines.extend(self.notes(depth + 1))
        if depth == 1 and self.rng.random() < 0.1:
            lines.append(f"{pad}> {self.sentence()}")
        return lines

    def item(self, number: int, index: int) -> list[str]:
        label = f"[{self.rng.choice(LABELS)}] " if self.rng.random() < 0.1 else ""
        tags = ""
        if self.rng.random() < 0.3:
            tags = " " + " ".join(f"#{t}" for t in self.rng.sample(TAGS, self.rng.randint(1, 2)))
        if self.rng.random() < 0.05:
            return [f"- {self.sentence()} {self.inline()}{tags}", *self.notes()]
        title = self.words(3, 9).capitalize()
        line = f"- {label}[{title}]({self.url(number, index)}) - {self.inline()}{tags}"
        return [line, *self.notes()]

    def block(self) -> list[str]:
        roll = self.rng.random()
        if roll < 0.35:
            return [f"> {self.sentence()}", f"> {self.sentence()}"]
        if roll < 0.7:
            rows = ["| Model | Score | Notes |", "|---|---:|---|"]
            for _ in range(self.rng.randint(2, 4)):
                score = f"{self.rng.randint(1, 99)}.{self.rng.randint(0, 9)}"
                rows.append(f"| {self.word_ascii()} | {score} | {self.words(2, 5)} |")
            return rows
        return [
            "```python",
            f"def {self.word_ascii()}(x):",
            f"    return x * {self.rng.randint(2, 9)}",
            "```",
        ]

    def digest(self, number: int, day: date) -> str:
        tags = sorted(self.rng.sample(TAGS, self.rng.randint(1, 4)))
        lines = [
            "---",
            f'title: "Weekly digest {number}: {self.words(2, 4)}"',
            f"date: {day.isoformat()}",
            f"number: {number}",
            f"tags: [{', '.join(tags)}]",
            f'summary: "{self.sentence(8, 14)}"',
            "---",
            "",
            f"{self.sentence(10, 24)} — {self.rng.choice(UNICODE_WORDS)}",
            "",
        ]
        sections = self.rng.sample(SECTIONS, self.rng.randint(3, 5))
        per = [self.items // len(sections)] * len(sections)
        per[0] += self.items - sum(per)
        index = 0
        for name, count in zip(sections, per, strict=True):
            lines += [f"## {name}", ""]
            sub_at = count // 2 if count > 6 and self.rng.random() < 0.4 else -1
            for k in range(count):
                if k == sub_at:
                    lines += ["", f"### {self.rng.choice(SUBSECTIONS)}", ""]
                if k and self.rng.random() < 0.06:
                    lines += ["", *self.block(), ""]
                lines += self.item(number, index)
                index += 1
            lines.append("")
        return "\n".join(lines)


COMMUNITY = (
    "Official",
    "Foundation",
    "Newsletters",
    "Project/Tooling Updates",
    "Observations/Thoughts",
    "Rust Walkthroughs",
    "Research",
    "Miscellaneous",
)
TWIR_SECTIONS = (
    "Crate of the Week",
    "Calls for Testing",
    "Call for Participation; projects and speakers",
    "Updates from the Rust Project",
    "Rust Compiler Performance Triage",
    "Approved RFCs",
    "Final Comment Period",
    "New and Updated RFCs",
    "Upcoming Events",
    "Jobs",
    "Quote of the Week",
)


class TwirArchive(Archive):
    """Digests shaped as This Week in Rust's (``--shape twir``)."""

    def __init__(self, seed: int, items: int, unicode: float = UNICODE_SHARE) -> None:
        super().__init__(seed, items, unicode)
        self.hosts = [f"{self.word_ascii()}-{n}.{self.rng.choice(TLDS)}" for n in range(4000)]

    def link(self, number: int, index: int) -> str:
        roll = self.rng.random()
        if roll < 0.3:
            return f"https://github.com/rust-lang/rust/pull/{number * 1000 + index}"
        host = self.rng.choice(self.hosts[:200] if roll < 0.6 else self.hosts)
        return f"https://{host}/{self.word_ascii()}/{number}-{index}"

    def short_item(self, number: int, index: int) -> list[str]:
        title = self.words(4, 10).capitalize()
        line = f"* [{title}]({self.link(number, index)})"
        roll = self.rng.random()
        if roll < 0.35:
            line += f" - {self.words(4, 12)}"
        if self.rng.random() < 0.03:
            line += f" #{self.rng.choice(TAGS)}"
        lines = [line]
        if roll > 0.95:
            lines.append(f"    * {self.words(3, 8)}")
        return lines

    def digest(self, number: int, day: date) -> str:
        lines = [
            "---",
            f'title: "This Week in Rust {number}"',
            f"date: {day.isoformat()}",
            f"number: {number}",
            f"tags: [{self.rng.choice(('rust', 'weekly'))}]",
            "---",
            "",
            f"Hello and welcome to another issue of *This Week in Rust*! {self.sentence()}",
            "",
            "## Updates from Rust Community",
            "",
        ]
        index = 0
        community = self.items * 45 // 100
        for name in COMMUNITY:
            lines += [f"### {name}", ""]
            for _ in range(community // len(COMMUNITY)):
                lines += self.short_item(number, index)
                index += 1
            lines.append("")
        rest = self.items - index
        sections = TWIR_SECTIONS[: self.rng.randint(6, len(TWIR_SECTIONS))]
        for position, name in enumerate(sections):
            lines += [f"## {name}", "", self.sentence(8, 20), ""]
            count = rest // len(sections) + (rest % len(sections) if position == 0 else 0)
            for _ in range(count):
                if name == "Upcoming Events":
                    lines.append(f"* {day.isoformat()} | Virtual | {self.words(3, 6)}")
                else:
                    lines += self.short_item(number, index)
                index += 1
            if name == "Quote of the Week":
                lines += ["", f"> {self.sentence(10, 30)}"]
            lines.append("")
        lines += ["", f"*This Week in Rust is edited by: {self.words(2, 4)}.*", ""]
        return "\n".join(lines)


def generate(
    out: Path,
    digests: int,
    items: int = 40,
    seed: int = 1,
    unicode: float = UNICODE_SHARE,
    shape: str = "mixed",
) -> None:
    """Write the archive into ``out`` (created if needed)."""
    kind = TwirArchive if shape == "twir" else Archive
    archive = kind(seed, items, unicode)
    folder = out / "digests"
    folder.mkdir(parents=True, exist_ok=True)
    (out / "digestgen.yaml").write_text(
        'title: "Benchmark Weekly"\nbase_url: "https://example.org/"\n'
        'description: "A generated archive."\nauthor: "Bench"\ntimezone: "UTC"\n',
        encoding="utf-8",
    )
    start = date(2000, 1, 3)
    for number in range(1, digests + 1):
        text = archive.digest(number, start + timedelta(weeks=number - 1))
        (folder / f"digest-{number:05d}.md").write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--digests", type=int, default=1000)
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--unicode", type=float, default=UNICODE_SHARE, help="share of words")
    parser.add_argument("--shape", choices=("mixed", "twir"), default="mixed")
    args = parser.parse_args()
    generate(args.out, args.digests, args.items, args.seed, args.unicode, args.shape)


if __name__ == "__main__":
    main()
