"""The command line as a new user meets it: help, finding the site, drafts, another
address, quiet and coloured output, plurals and warnings, on real sites in tmp dirs."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest
from click import Option
from click.testing import CliRunner, Result
from conftest import MakeSite, digest_file, three_digests

from digestgen.cli import main
from digestgen.commands.importer.report import Report

ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")
YELLOW, RED = "\x1b[33m", "\x1b[31m"


def run(*args: str, color: bool = False, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="digestgen", color=color, env=env)


def flat(text: str) -> str:
    """Help text with its wrapping undone."""
    return " ".join(text.split())


def examples(help_text: str) -> list[str]:
    """The lines of the ``Examples:`` paragraph of a help text."""
    lines = help_text.splitlines()
    start = lines.index("  Examples:") + 1
    end = next(i for i in range(start, len(lines)) if not lines[i].strip())
    return [line.strip() for line in lines[start:end]]


@pytest.mark.parametrize("name", sorted(main.commands))
def test_h_is_help_and_every_help_has_examples(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no site here: help needs none
    short, long = run(name, "-h"), run(name, "--help")
    assert short.exit_code == 0, short.output
    assert short.stdout == long.stdout
    assert short.stdout.startswith(f"Usage: digestgen {name} ")
    found = examples(short.stdout)
    assert found and all(line.startswith(f"digestgen {name}") for line in found), found
    assert "-h, --help" in short.stdout


def test_the_group_help_has_examples_and_h() -> None:
    result = run("-h")
    assert result.exit_code == 0
    assert result.stdout == run("--help").stdout
    assert "digestgen build" in examples(result.stdout)


def test_help_shows_defaults_and_documents_every_option() -> None:
    assert "Email HTML, a MIME message (HTML + text), plain text or Markdown. [default: email]" in (
        flat(run("export", "-h").stdout)
    )
    assert "-o, --output FILE The file to write (default: standard output)." in flat(
        run("export", "-h").stdout
    )
    assert "Seconds per request for --links. [default: 10.0]" in flat(run("check", "-h").stdout)
    assert "--format [text|json|github] Output. [default: text]" in flat(run("check", "-h").stdout)
    serve = flat(run("serve", "-h").stdout)
    assert "[default: 8000; 0<=x<=65535]" in serve
    assert "--drafts / --no-drafts Show drafts (draft: true). [default: drafts]" in serve
    build = flat(run("build", "-h").stdout)
    assert "--drafts / --no-drafts Include drafts (draft: true). [default: no-drafts]" in build
    for name, command in main.commands.items():
        undocumented = [p.name for p in command.params if isinstance(p, Option) and not p.help]
        assert undocumented == [], name


def test_the_site_is_found_from_a_folder_inside_it(
    make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(three_digests())
    (root / "digests/deeper").mkdir()
    monkeypatch.chdir(root / "digests/deeper")
    result = run("build")
    assert result.exit_code == 0, result.output
    assert (root / "site/index.html").is_file()
    assert not (root / "digests/deeper/site").exists()
    assert run("check").exit_code == 0


def test_no_site_names_the_folder_and_suggests_init(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for command in (["build"], ["check"], ["serve"], ["new"], ["add", "https://a.example/"]):
        result = run(*command)
        assert result.exit_code == 1
        assert result.stderr == (
            f"error: no digestgen.yaml in {tmp_path} or any folder above it; start a site "
            "with 'digestgen init', or name its folder with --root\n"
        )


def test_drafts_are_built_only_when_asked_and_warned_about_only_then(
    make_site: MakeSite,
) -> None:
    files = three_digests()
    files["digests/draft.md"] = digest_file(
        "Draft", "2024-02-01", "## Empty\n\n## Full\n\n- [D](https://d.example/)\n",
        extra="draft: true\n",
    )  # fmt: skip
    root = make_site(files)
    page = root / "site/digests/draft/index.html"
    drafts = run("build", "--root", str(root), "--drafts")
    assert drafts.exit_code == 0 and page.exists()
    assert drafts.stderr == "digests/draft.md:6: warning: section 'Empty' is empty\n"
    for hidden in (["--no-drafts"], []):
        plain = run("build", "--root", str(root), *hidden)
        assert plain.exit_code == 0 and not page.exists()
        assert plain.stderr == ""


def test_build_for_another_address(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site(three_digests())
    out = tmp_path / "preview"
    args = ["--root", str(root), "-o", str(out), "--force-output"]
    result = run("build", *args, "--base-url", "http://localhost:9000/pr-7")
    assert result.exit_code == 0, result.output
    page = lxml.html.fromstring((out / "digests/one/index.html").read_bytes())
    assert page.xpath("//link[@rel='canonical']/@href") == [
        "http://localhost:9000/pr-7/digests/one/"
    ]
    assert "http://localhost:9000/pr-7/" in (out / "feed.xml").read_text()
    assert "https://example.org/" not in (out / "feed.xml").read_text()
    wrong = run("build", *args, "--base-url", "/pr-7/")
    assert wrong.exit_code == 2
    assert "Invalid value for '--base-url': must be an absolute http(s) URL" in wrong.stderr


def warned_site(make_site: MakeSite) -> Path:
    files = three_digests()
    for name in ("one", "three"):
        files[f"digests/{name}.md"] += "\n## Later\n"  # an empty section: a warning
    return make_site(files)


def test_a_build_shows_the_warnings_of_what_it_parsed_and_counts_the_others(
    make_site: MakeSite,
) -> None:
    root = warned_site(make_site)
    cold = run("build", "--root", str(root))
    assert cold.stderr.splitlines() == [
        "digests/one.md:14: warning: section 'Later' is empty",
        "digests/three.md:10: warning: section 'Later' is empty",
    ]
    two = root / "digests/two.md"
    two.write_text(two.read_text().replace("a tool", "a good tool"))
    assert run("build", "--root", str(root)).stderr == (
        "2 warnings in 2 unchanged digests; 'digestgen check' lists them\n"
    )
    one = root / "digests/one.md"
    one.write_text(one.read_text().replace("a paper", "a good paper"))
    assert run("build", "--root", str(root)).stderr.splitlines() == [
        "digests/one.md:14: warning: section 'Later' is empty",
        "and 1 warning in 1 unchanged digest; 'digestgen check' lists it",
    ]
    listed = run("check", "--root", str(root)).stdout.splitlines()
    assert listed == [
        "digests/one.md:14: warning: section 'Later' is empty",
        "digests/three.md:10: warning: section 'Later' is empty",
        "0 errors, 2 warnings",
    ]


def test_counts_read_as_sentences(make_site: MakeSite) -> None:
    root = make_site(
        {"digests/a.md": digest_file("A", "2024-01-01", "- [A](https://a.example/)\n")}
    )
    result = run("build", "--root", str(root))
    assert re.fullmatch(
        r"built 1 digest, 1 item, \d+ pages \(\d+ files\) in \d+\.\d\d s\n", result.stdout
    )
    report = Report("hugo", "old", "new", files=[("a.md", "digests/a.md")], copied=[("i", "j")])
    assert report.as_text().splitlines()[:3] == [
        "imported 1 digest from hugo site old into new",
        "urls: 0 kept, 0 redirected",
        "copied 1 file beside their digests or to static/",
    ]


def test_quiet_prints_errors_only(make_site: MakeSite) -> None:
    root = warned_site(make_site)
    quiet = run("build", "--root", str(root), "--quiet")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    assert (root / "site/index.html").is_file()
    checked = run("check", "--root", str(root), "-q")
    assert (checked.exit_code, checked.stdout) == (0, "")
    (root / "digests/two.md").write_text("no front matter\n")
    failed = run("build", "--root", str(root), "-q")
    assert failed.exit_code == 1
    lines = failed.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith("digests/two.md:1: missing front matter")
    assert lines[1] == "error: 1 problem; site not built"
    checked = run("check", "--root", str(root), "-q")
    assert checked.exit_code == 1
    assert checked.stdout.startswith("digests/two.md:1: error: missing front matter")
    assert len(checked.stdout.splitlines()) == 1


def test_colour_on_a_terminal_only_and_never_with_no_color(make_site: MakeSite) -> None:
    root = warned_site(make_site)
    coloured = run("build", "--root", str(root), color=True)
    assert coloured.stderr.splitlines()[0] == (
        f"{YELLOW}digests/one.md:14: warning: section 'Later' is empty\x1b[0m"
    )
    assert not ANSI.search(coloured.stdout)  # the summary is plain
    (root / "digests/two.md").write_text("no front matter\n")
    failed = run("check", "--root", str(root), color=True)
    assert failed.stdout.startswith(f"{RED}digests/two.md:1: error: missing front matter")
    assert RED in run("build", "--root", str(root), color=True).stderr
    for args in (["build"], ["check"]):
        for env in ({"NO_COLOR": "1"}, None):
            result = run(*args, "--root", str(root), color=env is not None, env=env)
            assert result.output and not ANSI.search(result.output), (args, env)
