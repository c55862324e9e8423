"""The ``digestgen`` command run through click's CliRunner on sites in tmp dirs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from conftest import MakeSite, read_tree, three_digests

from digestgen import __version__
from digestgen.cli import main

SUMMARY = re.compile(
    r"built (\d+) digests?, (\d+) items?, (\d+) pages? \((\d+) files?\) in \d+(\.\d+)? s"
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_build_prints_one_summary_line(make_site: MakeSite) -> None:
    root = make_site(three_digests())
    code, out, err = run("build", "--root", str(root))
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 1
    match = SUMMARY.fullmatch(lines[0])
    assert match, lines[0]
    digests, items, pages, files = (int(match.group(n)) for n in range(1, 5))
    built = read_tree(root / "site")
    del built[".digestgen-site"]  # the output folder's mark: not a file of the site
    assert (digests, items) == (3, 4)
    assert pages == sum(1 for name in built if name.endswith(".html"))
    assert files == len(built)
    assert err == ""


def test_build_with_output_option(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site(three_digests())
    code, out, _ = run(
        "build", "--root", str(root), "-o", str(tmp_path / "public"), "--force-output"
    )
    assert code == 0
    assert (tmp_path / "public/index.html").is_file()
    assert not (root / "site").exists()
    assert SUMMARY.fullmatch(out.strip())


def test_verbose_build_says_what_each_phase_did(make_site: MakeSite) -> None:
    root = make_site(three_digests())
    code, out, err = run("build", "--root", str(root), "--verbose")
    assert code == 0
    assert len(out.splitlines()) == 1
    lines = err.splitlines()
    assert re.fullmatch(r"found 3 digest files in \d+\.\d\d s", lines[0])
    assert re.fullmatch(r"parsed 3 of 3 digests \(0 from the cache\) in \d+\.\d\d s", lines[1])
    assert re.fullmatch(r"listed (\d+) outputs in \d+\.\d\d s", lines[2])
    listed = lines[2].split()[1]
    assert re.fullmatch(rf"made {listed} of {listed} outputs in \d+\.\d\d s", lines[3])
    assert re.fullmatch(r"wrote \d+ files in \d+\.\d\d s", lines[4])
    assert re.fullmatch(r"the manifest and the cache in \d+\.\d\d s", lines[5])
    digest = root / "digests/two.md"
    digest.write_text(digest.read_text().replace("a tool", "a better tool"))
    _, _, err = run("build", "--root", str(root), "-v")
    assert "parsed 1 of 3 digests (2 from the cache) in " in err
    _, _, err = run("build", "--root", str(root), "-v")
    assert "nothing changed since the last build in " in err


def test_build_error_prints_path_and_line_and_exits_1(make_site: MakeSite) -> None:
    files = three_digests()
    files["digests/bad.md"] = "---\ntitle: Bad\ndate: 2024-01-01\ntitel: typo\n---\n- x\n"
    root = make_site(files)
    code, out, err = run("build", "--root", str(root))
    assert code == 1
    assert "Traceback" not in out + err
    assert (
        "digests/bad.md:4: unknown front matter key 'titel'; did you mean 'title'?"
        in err.splitlines()
    )
    assert err.splitlines()[-1] == "error: 1 problem; site not built"
    assert not (root / "site").exists()
    assert out == ""


def test_build_reports_every_problem_of_every_file(make_site: MakeSite) -> None:
    files = three_digests()
    files["digests/bad1.md"] = "---\ntitle: One\ndate: 2024-13-45\n---\n- x\n"
    files["digests/bad2.md"] = "---\ndate: 2024-01-01\n---\n- [x](javascript:alert(1)) - y\n"
    root = make_site(files)
    code, _, err = run("build", "--root", str(root))
    assert code == 1
    lines = err.splitlines()
    assert any(line.startswith("digests/bad1.md:3: ") for line in lines)
    assert any(line.startswith("digests/bad2.md:") for line in lines)
    assert sum("bad2.md" in line for line in lines) >= 2  # no title, and the unsafe link
    assert re.fullmatch(r"error: \d+ problems; site not built", lines[-1])
    assert "Traceback" not in err


def test_config_error_through_the_cli(make_site: MakeSite) -> None:
    root = make_site({"digestgen.yaml": 'title: "T"\nbase_url: "https://x/"\nfeed_limt: 3\n'})
    (root / "digests").mkdir()
    code, _, err = run("build", "--root", str(root))
    assert code == 1
    assert err.startswith(f"{root / 'digestgen.yaml'}:3: unknown config key 'feed_limt'")


def test_missing_config_is_a_user_error(tmp_path: Path) -> None:
    code, _, err = run("build", "--root", str(tmp_path))
    assert code == 1
    assert err == (
        f"error: no digestgen.yaml in {tmp_path}; start a site there with "
        f"'digestgen init {tmp_path}'\n"
    )


def test_failed_build_keeps_the_previous_site(make_site: MakeSite) -> None:
    root = make_site(three_digests())
    assert run("build", "--root", str(root))[0] == 0
    before = read_tree(root / "site")
    (root / "digests/one.md").write_text("no front matter\n")
    code, _, err = run("build", "--root", str(root))
    assert code == 1
    assert "digests/one.md:1: missing front matter" in err
    assert read_tree(root / "site") == before


def test_version_via_python_m(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "digestgen", "--version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"digestgen, version {__version__}"


def test_build_as_a_process_ends_with_its_output_flushed(
    make_site: MakeSite, tmp_path: Path
) -> None:
    """A build process ends without tearing down its model (``os._exit``): what it printed
    still reaches a pipe (block-buffered, not line-buffered), and a failed build still
    exits with 1 and its errors."""
    root = make_site(three_digests())
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}

    def build_process() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "digestgen", "build", "--root", str(root), "--timings"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
            check=False,
        )

    done = build_process()
    assert done.returncode == 0, done.stderr
    assert SUMMARY.fullmatch(done.stdout.splitlines()[0])
    assert done.stdout.splitlines()[-1].startswith("total")
    (root / "digests/one.md").write_text("no front matter\n")
    failed = build_process()
    assert failed.returncode == 1
    assert "digests/one.md:1: missing front matter" in failed.stderr
    assert failed.stdout == ""


def test_help_lists_build() -> None:
    code, out, _ = run("--help")
    assert code == 0
    assert "build" in out
