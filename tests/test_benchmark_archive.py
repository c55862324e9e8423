"""The benchmark archive generator: deterministic, and a valid site with all the features."""

from __future__ import annotations

import sys
from pathlib import Path

from digestgen.build import build

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from generate import generate
from run import edit


def test_generated_archive_is_deterministic_and_builds(tmp_path: Path) -> None:
    generate(tmp_path / "a", 6, items=40)
    generate(tmp_path / "b", 6, items=40)
    files = sorted((tmp_path / "a" / "digests").glob("*.md"))
    assert len(files) == 6
    for path in files:
        assert path.read_bytes() == (tmp_path / "b" / "digests" / path.name).read_bytes()
    text = "".join(p.read_text(encoding="utf-8") for p in files)
    for feature in ("\n### ", "\n    - ", "\n        - ", "> ", "|---|", "```", " #"):
        assert feature in text, feature
    assert any(ord(c) > 127 for c in text)
    result = build(tmp_path / "a", workers=1)
    assert result.items == 6 * 40
    assert (tmp_path / "a" / "site" / "digests" / "digest-00003" / "index.html").is_file()


def test_the_benchmark_edit_changes_words_and_keeps_tags(tmp_path: Path) -> None:
    """The edit the benchmark times changes one item's commentary, round after round,
    and leaves its tags (which decide the tag pages) as they were."""
    generate(tmp_path, 3, items=5)
    middle = sorted((tmp_path / "digests").glob("*.md"))[1]
    text = middle.read_text(encoding="utf-8")
    start = text.index("\n- ") + 1
    end = text.index("\n", start)
    middle.write_text(text[:end] + " #kept #two" + text[end:], encoding="utf-8")
    first = build(tmp_path, workers=1).site.digests[1]
    for round_ in (1, 2):
        edit(tmp_path, round_)
        site = build(tmp_path, workers=1).site
        digest = next(d for d in site.digests if d.path == first.path)
        before, after = next(first.items()), next(digest.items())
        assert after.tags == before.tags == ("kept", "two")
        assert after.commentary != before.commentary
        assert after.commentary.endswith(f"(edit {round_})")
        assert after.commentary.count("(edit") == 1
