"""Digest files and folders linked from outside the site are refused unless the config
allows them, and a FIFO named like a source is an error instead of a hung build."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sitefactory import CONFIG, GOOD, make_site, run


def build(root: Path) -> tuple[int, list[str]]:
    result = run("build", "--root", str(root))
    assert "Traceback" not in result.stderr
    return result.exit_code, result.stderr.replace(f"{root}/", "").splitlines()


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "private"
    folder.mkdir()
    (folder / "secret.md").write_text(GOOD.format(n=9))
    return folder


def test_a_file_linked_from_outside_is_refused(tmp_path: Path, outside: Path) -> None:
    root = make_site(tmp_path / "site", {"a.md": GOOD.format(n=1)})
    (root / "digests" / "b.md").symlink_to(outside / "secret.md")
    code, errors = build(root)
    assert code == 1
    assert f"digests/b.md: links outside the site ({outside / 'secret.md'})" in errors
    assert not (root / "site").exists()


def test_a_folder_linked_from_outside_is_refused(tmp_path: Path, outside: Path) -> None:
    root = make_site(tmp_path / "site", {"a.md": GOOD.format(n=1)})
    (root / "digests" / "more").symlink_to(outside, target_is_directory=True)
    code, errors = build(root)
    assert code == 1
    assert f"digests/more: links outside the site ({outside})" in errors


def test_follow_symlinks_allows_them(tmp_path: Path, outside: Path) -> None:
    config = CONFIG + "follow_symlinks: true\n"
    root = make_site(tmp_path / "site", {"a.md": GOOD.format(n=1)}, config=config)
    (root / "digests" / "more").symlink_to(outside, target_is_directory=True)
    code, errors = build(root)
    assert code == 0, errors
    assert (root / "site" / "digests" / "secret" / "index.html").is_file()


def test_a_link_inside_the_site_is_followed(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", {"a.md": GOOD.format(n=1)})
    (root / "drafts").mkdir()
    (root / "drafts" / "c.md").write_text(GOOD.format(n=3))
    (root / "digests" / "c.md").symlink_to(root / "drafts" / "c.md")
    code, errors = build(root)
    assert code == 0, errors
    assert (root / "site" / "digests" / "c" / "index.html").is_file()


def test_a_fifo_digest_is_an_error_not_a_hang(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"a.md": GOOD.format(n=1)})
    os.mkfifo(root / "digests" / "pipe.md")
    code, errors = build(root)
    assert code == 1
    assert "digests/pipe.md: not a regular file; a digest is a file" in errors


def test_a_fifo_config_is_an_error_not_a_hang(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"a.md": GOOD.format(n=1)}, config=None)
    os.mkfifo(root / "digestgen.yaml")
    code, errors = build(root)
    assert code == 1
    assert errors[0] == "digestgen.yaml: cannot read config: not a regular file"
