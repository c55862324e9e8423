"""The benchmark's archives and edits: deterministic, valid sites, and each edit the
benchmark times builds what a cold build builds."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from digestgen.build import build

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from generate import generate
from run import EDITS, apply_edit
from tools import yaml_header


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


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


def test_the_twir_shaped_archive_has_its_shape(tmp_path: Path) -> None:
    generate(tmp_path, 4, items=100, shape="twir")
    text = (tmp_path / "digests" / "digest-00004.md").read_text(encoding="utf-8")
    assert text.count("\n## ") >= 7 and text.count("\n### ") == 8
    assert "## Upcoming Events" in text or "## Final Comment Period" in text
    result = build(tmp_path, workers=1)
    assert result.items == 4 * 100
    assert result.items - result.site.heads[0].link_count >= 0


@pytest.mark.parametrize("kind", EDITS)
def test_each_benchmark_edit_builds_what_a_cold_build_builds(tmp_path: Path, kind: str) -> None:
    root = tmp_path / "blog"
    generate(root, 8, items=30, shape="twir")
    build(root)
    before = tree(root / "site")
    for round_ in range(2):
        apply_edit(kind, root / "digests", round_, yaml_header)
        build(root)
    assert tree(root / "site") != before
    cold = tmp_path / "cold"
    shutil.copytree(
        root, cold, ignore=shutil.ignore_patterns("site", ".site.*", ".digestgen-cache")
    )
    build(cold)
    assert tree(root / "site") == tree(cold / "site")
