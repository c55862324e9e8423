"""The benchmark archive generator: deterministic, and a valid site with all the features."""

from __future__ import annotations

import sys
from pathlib import Path

from digestgen.build import build

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from generate import generate


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
