"""Golden-file tests: a build of the repo's example blog equals ``tests/golden/`` byte for byte.

After an intended change of the output, rewrite the goldens with
``pytest tests/test_golden.py --regen-golden`` and review the diff.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
from conftest import GOLDEN_DIR, copy_example, read_tree

from digestgen.build import build

REGEN_HINT = "if the change is intended, run: pytest tests/test_golden.py --regen-golden"


@pytest.fixture(scope="module")
def built_files(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    # Built from a copy so that the output cannot depend on where the repo is.
    root = copy_example(repo_root, tmp_path_factory.mktemp("golden") / "example")
    build(root)
    return read_tree(root / "site")


@pytest.fixture(scope="module")
def example_files(built_files: dict[str, bytes]) -> dict[str, bytes]:
    """What the build makes; the static assets it only copies are checked apart, and the
    output folder's mark names a generation by digestgen's own code."""
    return {
        rel: data
        for rel, data in built_files.items()
        if not rel.startswith("static/") and rel != ".digestgen-site"
    }


def test_static_assets_are_the_theme_files_overridden_by_the_site(
    built_files: dict[str, bytes], repo_root: Path
) -> None:
    theme = repo_root / "src/digestgen/theme/static"
    expected = {
        f"static/{path.relative_to(folder).as_posix()}": path.read_bytes()
        for folder in (theme, repo_root / "static")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
    copied = {rel: data for rel, data in built_files.items() if rel.startswith("static/")}
    assert copied == expected
    assert "static/style.css" in copied


def test_golden_site(example_files: dict[str, bytes], regen_golden: bool) -> None:
    if regen_golden:
        shutil.rmtree(GOLDEN_DIR, ignore_errors=True)
        for rel, data in example_files.items():
            target = GOLDEN_DIR / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        pytest.skip(f"rewrote {len(example_files)} golden files in {GOLDEN_DIR}")
    golden = read_tree(GOLDEN_DIR)
    assert golden, f"no golden files in {GOLDEN_DIR}; {REGEN_HINT}"
    assert sorted(example_files) == sorted(golden), REGEN_HINT
    changed = [rel for rel in sorted(golden) if golden[rel] != example_files[rel]]
    if changed:
        rel = changed[0]
        diff = difflib.unified_diff(
            golden[rel].decode("utf-8", "replace").splitlines(),
            example_files[rel].decode("utf-8", "replace").splitlines(),
            f"golden/{rel}",
            f"built/{rel}",
            lineterm="",
        )
        shown = "\n".join(list(diff)[:60])
        pytest.fail(f"{len(changed)} files differ: {changed[:10]}\n{shown}\n{REGEN_HINT}")
