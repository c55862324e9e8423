"""``digestgen init`` and ``digestgen new`` on real folders."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import fields
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from click.testing import CliRunner
from conftest import read_tree
from curator_site import ISSUE_1, make_site

from digestgen.build import build
from digestgen.cli import main
from digestgen.commands.scaffold import new_digest, next_publication_day, publication_days
from digestgen.config import SiteConfig, load_config
from digestgen.content.digestfile import load_site
from digestgen.errors import ConfigError, DigestError


def test_init_writes_a_site_that_builds_at_once(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path / "blog"), "--title", "Weekly"])
    assert result.exit_code == 0, result.output
    root = tmp_path / "blog"
    config_lines = (root / "digestgen.yaml").read_text().splitlines()
    for field in fields(SiteConfig):
        index = next(i for i, line in enumerate(config_lines) if line.startswith(f"{field.name}:"))
        assert config_lines[index - 1].startswith("# "), field.name
    assert load_config(root).title == "Weekly"
    ignored = (root / ".gitignore").read_text().splitlines()
    assert {"/site/", "/.site.digestgen-*", "/.digestgen-cache/"} <= set(ignored)
    workflow = yaml.safe_load((root / ".github/workflows/pages.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    build_step = steps.index({"run": "digestgen build"})
    assert any(s.get("with", {}).get("path") == "site" for s in steps[build_step:])
    [cache] = [s for s in steps[:build_step] if s.get("uses", "").startswith("actions/cache@")]
    key, prefix = cache["with"]["key"], cache["with"]["restore-keys"]
    assert cache["with"]["path"] == ".digestgen-cache"
    # Each run saves under a key of its own; the last one is restored by the prefix.
    assert key.startswith(prefix) and "${{ github.run_id }}" in key[len(prefix) :]
    assert workflow["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages@")
    assert workflow[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads 'on' as true
    built = build(root)
    assert len(built.site.digests) == 1
    page = (root / "site/digests/digest-1/index.html").read_text()
    assert "https://commonmark.org/help/" in page


def test_init_ignores_what_builds_make(tmp_path: Path) -> None:
    """In a git repository, the site, its standby copy and the cache stay out of git."""
    root = tmp_path / "blog"
    assert CliRunner().invoke(main, ["init", "--root", str(root)]).exit_code == 0
    build(root)
    (root / "digests/digest-1.md").write_text(
        (root / "digests/digest-1.md").read_text().replace("Reading", "Read")
    )
    build(root)  # an edit: the standby copy is made
    assert (root / ".site.digestgen-standby").is_dir() and (root / ".digestgen-cache").is_dir()
    subprocess.run(["git", "init", "-q", str(root)], check=True, timeout=30)
    status = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=all"],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout  # fmt: skip
    assert sorted(line[3:] for line in status.splitlines()) == [
        ".github/workflows/pages.yml",
        ".gitignore",
        "digestgen.yaml",
        "digests/digest-1.md",
    ]


def test_init_takes_its_folder_once(tmp_path: Path) -> None:
    both = CliRunner().invoke(main, ["init", str(tmp_path / "a"), "--root", str(tmp_path / "b")])
    assert both.exit_code == 2
    assert "name the new site's folder once: DIRECTORY or --root" in both.stderr
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    wrong = CliRunner().invoke(main, ["init", str(tmp_path / "a"), "--base-url", "example.org"])
    assert wrong.exit_code == 2
    assert "Invalid value for '--base-url': must be an absolute http(s) URL" in wrong.stderr
    assert not (tmp_path / "a").exists()


def test_the_build_cache_serves_another_checkout(tmp_path: Path) -> None:
    """What the Pages workflow does: a new checkout (new file times, no site) with the
    last run's .digestgen-cache parses nothing again and builds the same site."""
    root = tmp_path / "run-1"
    CliRunner().invoke(main, ["init", str(root)])
    for number in (2, 3):
        text = (root / "digests/digest-1.md").read_text()
        text = text.replace("number: 1", f"number: {number}").replace(
            "Digest 1", f"Digest {number}"
        )
        (root / f"digests/digest-{number}.md").write_text(
            text.replace("](https://", f"](https://{number}.")
        )
    first = build(root)
    assert len(first.parsed) == 3
    later = time.time_ns() + 5_000_000_000
    for name in ("run-2", "run-3"):
        shutil.copytree(root, tmp_path / name, ignore=shutil.ignore_patterns("site", ".site.*"))
        for path in (tmp_path / name).rglob("*.md"):
            os.utime(path, ns=(later, later))
    other = tmp_path / "run-2"
    second = build(other)
    assert second.parsed == ()
    assert second.rendered == first.rendered  # every page made, from the cached digests
    result = CliRunner().invoke(main, ["build", "--root", str(tmp_path / "run-3"), "-v"])
    assert result.exit_code == 0, result.output
    assert "parsed 0 of 3 digests (3 from the cache)" in result.stderr
    assert read_tree(other / "site") == read_tree(root / "site")


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("mine\n")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert ".gitignore" in result.output
    assert (tmp_path / ".gitignore").read_text() == "mine\n"
    assert not (tmp_path / "digestgen.yaml").exists()
    assert not (tmp_path / "digests").exists()


def test_new_numbers_names_and_titles_from_patterns(tmp_path: Path) -> None:
    seven = ISSUE_1.replace("number: 1", "number: 7").replace("Issue 1", "Issue 7")
    root = make_site(
        tmp_path,
        {"a.md": ISSUE_1, "b.md": seven.replace("2024-05-01", "2024-05-08")},
        'new_digest_file: "{year}/issue-{number:03d}.md"\n'
        'new_digest_title: "DS/ML digest {number}"\n',
    )
    path = new_digest(root, day=date(2024, 5, 15))
    assert path == root / "digests/2024/issue-008.md"
    draft = next(d for d in load_site(root).digests if d.path == "digests/2024/issue-008.md")
    assert (draft.number, draft.title, draft.slug) == (8, "DS/ML digest 8", "issue-008")
    assert draft.draft
    assert draft.date.date() == date(2024, 5, 15)
    assert draft.item_count == 0
    (root / "digests/2024/issue-009.md").mkdir()  # something already has the next name
    with pytest.raises(DigestError, match="already exists"):
        new_digest(root, day=date(2024, 5, 15))


def test_new_copies_headings_empty_and_carries_recurring_blocks(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"issue-1.md": ISSUE_1})
    text = new_digest(root, day=date(2024, 5, 8)).read_text()
    body = text.split("---\n", 2)[2]
    assert body == (
        "\n## Papers\n\n### Older\n\n## Tools\n\n"
        "<!-- recurring -->\nSend links to links@example.org.\n<!-- /recurring -->\n"
    )
    assert "draft: true" in text


def test_new_takes_sections_from_config(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"issue-1.md": ISSUE_1}, "sections: [News, Tools, Papers]\n")
    text = new_digest(root, "Special", day=date(2024, 5, 8)).read_text()
    assert 'title: "Special"' in text
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == ["## News", "## Tools", "## Papers"]
    assert "Send links to links@example.org." in text


def test_schedule_gives_the_next_publication_day(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"issue-1.md": ISSUE_1}, "schedule: weekly on wednesday\n")
    config = load_config(root)
    monday, wednesday = date(2024, 5, 6), date(2024, 5, 8)
    assert next_publication_day(root, config, monday, None) == wednesday
    assert next_publication_day(root, config, wednesday, wednesday) == date(2024, 5, 15)
    # 'new' without a date: the next Wednesday after the previous digest (May 1st).
    path = new_digest(root, now=date(2024, 4, 30))
    assert "date: 2024-05-08" in path.read_text()
    assert publication_days("weekly on monday and thursday")(date(2024, 5, 9))
    assert publication_days("monthly on day 1")(date(2024, 6, 1))
    assert not publication_days("weekdays")(date(2024, 5, 11))


def test_unreadable_schedule_points_at_its_config_line(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"issue-1.md": ISSUE_1}, "schedule: fortnightly-ish\n")
    with pytest.raises(ConfigError) as caught:
        new_digest(root)
    assert str(caught.value).startswith(f"{root / 'digestgen.yaml'}:4: cannot read")


def test_new_command_prints_the_path_and_dates_today_in_the_site_timezone(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"issue-1.md": ISSUE_1})
    before = datetime.now(ZoneInfo("Europe/Berlin")).date()
    result = CliRunner().invoke(main, ["new", "--root", str(root)])
    after = datetime.now(ZoneInfo("Europe/Berlin")).date()
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    assert path == root / "digests/digest-2.md"
    dated = [line for line in path.read_text().splitlines() if line.startswith("date: ")]
    assert dated[0] in (f"date: {before.isoformat()}", f"date: {after.isoformat()}")


def test_recurring_regions_in_the_intro_and_without_an_end_marker(tmp_path: Path) -> None:
    previous = """
    ---
    title: "Issue 1"
    date: 2024-05-01
    number: 1
    ---

    <!-- recurring -->
    **Sponsor:** Acme.
    <!-- /recurring -->

    Only this week.

    ## Jobs

    - [A job](https://jobs.example/1) - gone next week

    <!-- recurring: the footer -->
    Hiring? Write to us.

    The end of the section comes with it.
    """
    root = make_site(tmp_path, {"issue-1.md": previous})
    text = new_digest(root, day=date(2024, 5, 8)).read_text()
    assert text.split("---\n", 2)[2] == (
        "\n<!-- recurring -->\n**Sponsor:** Acme.\n<!-- /recurring -->\n\n## Jobs\n\n"
        "<!-- recurring: the footer -->\nHiring? Write to us.\n\n"
        "The end of the section comes with it.\n"
    )


def test_config_lists_must_be_lists_of_words(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"issue-1.md": ISSUE_1}, "sections: Papers\n")
    with pytest.raises(ConfigError, match="'sections' must be a list of words"):
        load_config(root)
