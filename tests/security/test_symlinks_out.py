"""Static files, templates and the files beside a page-bundle digest reached through a
symlink that leaves the site are refused with ``path: links outside the site (target)``,
and nothing of the target is published; ``follow_symlinks: true`` allows them, and a link
that stays inside the site is followed as before."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sitefactory import CONFIG, GOOD, make_site, run

SECRET = b"the curator's private key\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the site holding files nobody means to publish."""
    folder = tmp_path / "private"
    for rel in ("id_rsa", "keys/id_rsa", "404.html", "templates/404.html"):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(SECRET)
    return folder


def _site(tmp_path: Path, follow: bool = False) -> Path:
    config = CONFIG + ("follow_symlinks: true\n" if follow else "")
    root = make_site(tmp_path / "site", {"a.md": GOOD.format(n=1)}, config)
    bundle = root / "digests" / "post"
    bundle.mkdir()
    (bundle / "index.md").write_text(GOOD.format(n=2))
    (root / "static").mkdir()
    (root / "static" / "style.css").write_text("body { color: black; }\n")
    return root


def _build(root: Path) -> tuple[int, list[str]]:
    result = run("build", "--root", str(root))
    assert "Traceback" not in result.output
    return result.exit_code, result.output.replace(f"{root}/", "").splitlines()


def _published(root: Path) -> list[str]:
    """The files of the built site that hold the secret."""
    site = root / "site"
    if not site.is_dir():
        return []
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*")
        if p.is_file() and SECRET in p.read_bytes()
    )


# Where a link is put (below the site), what it points to (below ``outside``), the files
# of the site that publish it, and where the error points (the link, or the template
# reached through a linked folder) and to what.
LINKS = {
    "static file": ("static/key.txt", "id_rsa", "static/key.txt", "static/key.txt", "id_rsa"),
    "static folder": ("static/vendor", "keys", "static/vendor/id_rsa", "static/vendor", "keys"),
    "static folder itself": ("static", "keys", "static/id_rsa", "static", "keys"),
    "template": ("templates/404.html", "404.html", "404.html", "templates/404.html", "404.html"),
    "templates folder": (
        "templates", "templates", "404.html", "templates/404.html", "templates/404.html"
    ),
    "bundle file": (
        "digests/post/photo.jpg", "id_rsa", "digests/post/photo.jpg", "digests/post/photo.jpg",
        "id_rsa",
    ),
    "bundle folder": (
        "digests/post/images", "keys", "digests/post/images/id_rsa", "digests/post/images",
        "keys",
    ),
}  # fmt: skip
# A linked folder inside a folder that is walked is not entered when it stays in the site.
NOT_ENTERED = ("static folder", "bundle folder")


def _link(root: Path, base: Path, where: str, target: str) -> None:
    link = root / where
    if link.is_dir():
        shutil.rmtree(link)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(base / target, target_is_directory=(base / target).is_dir())


@pytest.mark.parametrize("kind", LINKS)
def test_a_link_out_of_the_site_is_refused(kind: str, tmp_path: Path, outside: Path) -> None:
    where, target, _, shown, reached = LINKS[kind]
    root = _site(tmp_path)
    _link(root, outside, where, target)
    code, lines = _build(root)
    assert code == 1
    assert f"{shown}: links outside the site ({outside / reached})" in lines
    assert not (root / "site").exists()


@pytest.mark.parametrize("kind", LINKS)
def test_follow_symlinks_allows_it(kind: str, tmp_path: Path, outside: Path) -> None:
    where, target, published, _, _ = LINKS[kind]
    root = _site(tmp_path, follow=True)
    _link(root, outside, where, target)
    code, lines = _build(root)
    assert code == 0, lines
    assert _published(root) == [published]


@pytest.mark.parametrize("kind", LINKS)
def test_a_link_inside_the_site_is_kept(kind: str, tmp_path: Path, outside: Path) -> None:
    """The same links to a copy inside the site: a file is read through its link, a
    linked folder is entered unless it stays in the site below a walked folder."""
    where, target, published, _, _ = LINKS[kind]
    root = _site(tmp_path)
    shutil.copytree(outside, root / "shared")
    _link(root, root / "shared", where, target)
    code, lines = _build(root)
    assert code == 0, lines
    assert _published(root) == ([] if kind in NOT_ENTERED else [published])


def test_a_fifo_template_is_an_error_not_a_hang(tmp_path: Path) -> None:
    root = _site(tmp_path)
    (root / "templates").mkdir()
    os.mkfifo(root / "templates" / "404.html")
    code, lines = _build(root)
    assert code == 1
    assert "templates/404.html: not a regular file; a template is a file" in lines
