"""The build writes or deletes only an output folder that is absent, empty or marked by an
earlier build, inside the site's folder (outside it only when named by an absolute path
with ``--force-output``), and never the site's own files. Each refusal is a clear error
through the command line and through ``build()``, and nothing on disk changes: every
file below the test's folder keeps its bytes, and no file or folder comes or goes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sitefactory import CONFIG, GOOD, make_site, run

from digestgen.build import build
from digestgen.build.folder import MARK
from digestgen.errors import ConfigError


def everything(folder: Path) -> dict[str, bytes]:
    """Every file's bytes, folder and symlink below ``folder`` (nothing followed)."""
    found: dict[str, bytes] = {}
    for dirpath, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[rel] = b"<link> " + os.fsencode(os.readlink(path))
            elif path.is_dir():
                found[rel] = b"<folder>"
            elif path.is_file():
                found[rel] = path.read_bytes()
            else:
                found[rel] = b"<other>"
    return found


@dataclass
class Case:
    """A site and an output folder it must not write: the command line's arguments, the
    arguments of ``build()``, and what the error says."""

    args: list[str]
    kwargs: dict[str, object] = field(default_factory=dict)
    says: str = ""


def _victim(folder: Path) -> Path:
    """A folder of somebody's files."""
    (folder / "notes").mkdir(parents=True)
    (folder / "notes" / "diary.txt").write_text("private\n")
    (folder / "photo.jpg").write_bytes(bytes(range(256)))
    return folder


def _site(tmp: Path, extra_config: str = "") -> Path:
    root = make_site(tmp / "project" / "blog", {"a.md": GOOD.format(n=1)}, CONFIG + extra_config)
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return root


def config_escapes(tmp: Path) -> Case:
    """A cloned site whose config points two folders up."""
    _victim(tmp / "victim")
    _site(tmp, 'output_dir: "../../victim"\n')
    return Case([], says=f"digestgen.yaml:3: will not write the site to {tmp / 'victim'}")


def config_escapes_forced(tmp: Path) -> Case:
    """``--force-output`` is for a folder named on the command line, not by the config."""
    case = config_escapes(tmp)
    return Case(["--force-output"], {"force_output": True}, case.says)


def config_absolute(tmp: Path) -> Case:
    _victim(tmp / "victim")
    _site(tmp, f'output_dir: "{tmp / "victim"}"\n')
    return Case([], says="it is outside the site's folder")


def dot_git(tmp: Path) -> Case:
    root = _site(tmp)
    return Case(["-o", str(root / ".git")], says="it is the site's .git")


def inside_git(tmp: Path) -> Case:
    root = _site(tmp)
    return Case(["-o", str(root / ".git" / "site")], says="it is inside the site's .git")


def the_cache(tmp: Path) -> Case:
    """The cache of an earlier build."""
    root = _site(tmp)
    build(root, workers=1)
    return Case(["-o", str(root / ".digestgen-cache")], says="it is the build cache")


def config_file(tmp: Path) -> Case:
    _site(tmp, "output_dir: digestgen.yaml\n")
    return Case([], says="digestgen.yaml:3: will not write the site to")


def home_folder(tmp: Path) -> Case:
    """``-o ~/somewhere`` (the shell's expansion: an absolute path) without the flag."""
    _site(tmp)
    somewhere = _victim(tmp / "home" / "somewhere")
    return Case(["-o", str(somewhere)], says="outside the site's folder")


def home_folder_absent(tmp: Path) -> Case:
    """Not even an absent folder outside the site is made without the flag."""
    _site(tmp)
    (tmp / "home").mkdir()
    return Case(["-o", str(tmp / "home" / "somewhere")], says="outside the site's folder")


def unmarked_folder(tmp: Path) -> Case:
    root = _site(tmp)
    _victim(root / "public")
    return Case(["-o", str(root / "public")], says=f"it holds files of its own and no {MARK}")


def unmarked_forced(tmp: Path) -> Case:
    """The flag allows a folder outside the site, not one holding files of its own."""
    _site(tmp)
    victim = _victim(tmp / "victim")
    return Case(["-o", str(victim), "--force-output"], {"force_output": True}, "files of its own")


def relative_forced(tmp: Path) -> Case:
    """The flag allows a folder outside the site named by an absolute path only."""
    _site(tmp)
    (tmp / "public").mkdir()
    relative = os.path.relpath(tmp / "public")
    return Case(["-o", relative, "--force-output"], {"force_output": True}, "by an absolute path")


def fifo_mark(tmp: Path) -> Case:
    """A mark that is a FIFO is no mark (and is not read: reading it would hang)."""
    root = _site(tmp)
    victim = _victim(root / "public")
    os.mkfifo(victim / MARK)
    return Case(["-o", str(victim)], says="files of its own")


def linked_mark(tmp: Path) -> Case:
    """A mark that is a symlink to a real mark is no mark either."""
    root = _site(tmp)
    build(root, workers=1)
    victim = _victim(root / "public")
    (victim / MARK).symlink_to(root / "site" / MARK)
    return Case(["-o", str(victim)], says="files of its own")


def a_file(tmp: Path) -> Case:
    root = _site(tmp, "output_dir: notes.txt\n")
    (root / "notes.txt").write_text("my notes\n")
    return Case([], says="it is not a folder")


def parent(tmp: Path) -> Case:
    root = _site(tmp)
    return Case(["-o", str(root.parent)], says="it is the site's own folder or holds it")


def site_root(tmp: Path) -> Case:
    root = _site(tmp)
    return Case(["-o", str(root)], says="it is the site's own folder or holds it")


def linked_output(tmp: Path) -> Case:
    """The output folder a symlink to a folder outside the site."""
    root = _site(tmp)
    _victim(tmp / "victim")
    (root / "site").symlink_to(tmp / "victim", target_is_directory=True)
    return Case([], says=f"will not write the site to {tmp / 'victim'}: it is outside")


def digests_by_dotdot(tmp: Path) -> Case:
    root = _site(tmp)
    return Case(["-o", str(root / "site" / ".." / "digests")], says="it is the digests folder")


CASES: dict[str, Callable[[Path], Case]] = {
    f.__name__: f
    for f in (
        config_escapes, config_escapes_forced, config_absolute, dot_git, inside_git,
        the_cache, config_file, home_folder, home_folder_absent, unmarked_folder,
        unmarked_forced, relative_forced, fifo_mark, linked_mark, a_file, parent, site_root,
        linked_output, digests_by_dotdot,
    )
}  # fmt: skip


def _root(tmp: Path) -> Path:
    return tmp / "project" / "blog"


@pytest.mark.parametrize("name", CASES)
def test_refused_on_the_command_line(name: str, tmp_path: Path) -> None:
    case = CASES[name](tmp_path)
    before = everything(tmp_path)
    # A process of its own, bounded in time: a read that blocks would hang the test.
    command = [sys.executable, "-m", "digestgen", "build", "--root", str(_root(tmp_path))]
    result = subprocess.run(command + case.args, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert "will not write the site to" in first and case.says in first, first
    assert everything(tmp_path) == before


# A FIFO mark is tried in a process of its own only (a regression would block, not fail).
@pytest.mark.parametrize("name", [name for name in CASES if name != "fifo_mark"])
def test_refused_by_build(name: str, tmp_path: Path) -> None:
    case = CASES[name](tmp_path)
    before = everything(tmp_path)
    output = Path(case.args[case.args.index("-o") + 1]) if "-o" in case.args else None
    with pytest.raises(ConfigError) as caught:
        build(_root(tmp_path), output=output, workers=1, **case.kwargs)  # type: ignore[arg-type]
    assert case.says in str(caught.value)
    assert everything(tmp_path) == before


def test_a_file_named_with_o_is_a_usage_error(tmp_path: Path) -> None:
    root = _site(tmp_path)
    (root / "notes.txt").write_text("my notes\n")
    before = everything(tmp_path)
    result = run("build", "--root", str(root), "-o", str(root / "notes.txt"))
    assert result.exit_code == 2
    assert "is a file" in result.output and "Traceback" not in result.output
    with pytest.raises(ConfigError, match="it is not a folder"):
        build(root, output=root / "notes.txt")
    assert everything(tmp_path) == before


def test_folders_the_build_may_write(tmp_path: Path) -> None:
    """Absent, empty, or marked by an earlier build; outside the site with the flag."""
    root = _site(tmp_path)
    (root / "empty").mkdir()
    build(root, output=root / "empty", workers=1)
    assert (root / "empty" / MARK).is_file()
    build(root, output=root / "empty", workers=1)  # marked now
    outside = tmp_path / "published"
    result = run("build", "--root", str(root), "-o", str(outside), "--force-output")
    assert result.exit_code == 0, result.output
    assert (outside / "index.html").is_file()
    assert run("build", "--root", str(root), "-o", str(outside), "--force-output").exit_code == 0
