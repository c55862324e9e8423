"""Repeats that mean something: a link featured again as news is reported with both places;
links of blocks that recur every week (credits, chat channels, open RFCs) are not."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sitefactory import CONFIG, make_site, run

from digestgen.urls import normalize_url

WEEKS = 30
EDITORS = ["https://github.com/nellshamrell", "https://github.com/llogiq"]
CHANNELS = ["https://discord.gg/rust-lang", "https://rust-lang.zulipchat.com/"]
# True repeats: (week, section, url featured again); every other link is new or recurring.
TRUE_REPEATS = [
    (7, "community", "https://blog.example/6/0"),  # the week after, in the news
    (12, "community", "https://blog.example/3/2"),  # nine weeks later
    (20, "community", "https://host.example/a//b/"),  # host.example/a/b/ in week 15
    (25, "community", "https://blog.example/25/1"),  # twice in one digest
    (28, "community", "https://github.com/rust-lang/rfcs/pull/5"),  # an RFC, now as news
]


def _community(week: int) -> list[str]:
    links = [f"https://blog.example/{week}/{i}" for i in range(5)]
    if week == 15:
        links.append("https://host.example/a/b/")
    links += [url for w, section, url in TRUE_REPEATS if w == week and section == "community"]
    return links


def _rfcs(week: int) -> list[str]:
    """Each RFC is listed three weeks running while its comment period is open."""
    return [f"https://github.com/rust-lang/rfcs/pull/{n}" for n in range(week - 2, week + 1)]


def issue(week: int) -> str:
    """One weekly issue shaped like This Week in Rust's."""
    lines = [
        "---",
        f"title: This Week in Rust {week}",
        f"date: {date(2020, 1, 1) + timedelta(weeks=week)}",
        f"number: {week}",
        "---",
        "",
        "## Updates from Rust Community",
        "",
        *(f"- [Post]({url}) - a post" for url in _community(week)),
        "",
        "## Final Comment Period",
        "",
        *(f"- [RFC]({url}) - in its final comment period" for url in _rfcs(week)),
        "",
        "## Chat",
        "",
        *(f"- [Channel]({url})" for url in CHANNELS),
        "",
        "## Credits",
        "",
        *(f"- [Editor]({url})" for url in EDITORS[: 1 + (week > 10)]),
        "",
    ]
    return "\n".join(lines)


def _archive(root: Path, extra_config: str = "") -> Path:
    digests = {f"twir-{week:03d}.md": issue(week) for week in range(1, WEEKS + 1)}
    return make_site(root, digests, CONFIG + extra_config)


def _line_of(root: Path, week: int, url: str, nth: int = 1) -> int:
    lines = (root / "digests" / f"twir-{week:03d}.md").read_text().splitlines()
    hits = [n for n, line in enumerate(lines, 1) if f"({url})" in line]
    return hits[nth - 1]


def _repeats(root: Path) -> list[tuple[str, str]]:
    result = run("check", "--root", str(root), "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    return [
        (f"{f['path']}:{f['line']}", f["message"])
        for f in findings
        if f["code"] == "duplicate-link"
    ]


def test_only_true_repeats_are_reported_with_both_places(tmp_path: Path) -> None:
    root = _archive(tmp_path)
    found = _repeats(root)
    rfc = "https://github.com/rust-lang/rfcs/pull/5"
    expected_places = [
        (7, "https://blog.example/6/0", 6, "https://blog.example/6/0"),
        (12, "https://blog.example/3/2", 3, "https://blog.example/3/2"),
        (20, "https://host.example/a//b/", 15, "https://host.example/a/b/"),
        (25, "https://blog.example/25/1", 25, "https://blog.example/25/1"),
        (28, rfc, 5, rfc),
    ]
    want = []
    for week, url, first_week, first_url in expected_places:
        nth = 2 if week == first_week else 1
        here = f"digests/twir-{week:03d}.md:{_line_of(root, week, url, nth)}"
        there = f"digests/twir-{first_week:03d}.md:{_line_of(root, first_week, first_url)}"
        want.append((here, there))
    assert [(place, message.split(" at ")[1].split(" ")[0]) for place, message in found] == want
    assert "was already featured as https://host.example/a/b/ at" in found[2][1]


def test_named_sections_limit_the_check_to_them(tmp_path: Path) -> None:
    root = _archive(tmp_path, "repeats: {sections: [Updates from Rust Community]}\n")
    weeks = [int(place.split("twir-")[1][:3]) for place, _ in _repeats(root)]
    # The RFC featured as news in week 28 was listed before only outside the named section.
    assert weeks == [7, 12, 20, 25]


def test_named_section_reports_a_repeat_in_consecutive_weeks_and_subsections(
    tmp_path: Path,
) -> None:
    def digest(n: int, heading: str) -> str:
        return (
            f"---\ntitle: D{n}\ndate: 2020-02-0{n}\nnumber: {n}\n---\n\n"
            f"## Updates from Rust Community\n\n### {heading}\n\n"
            "- [Weekly](https://newsletter.example/issue) - the newsletter\n\n"
            "## Sponsors\n\n- [Sponsor](https://sponsor.example/) - thanks\n"
        )

    root = make_site(
        tmp_path,
        {f"d{n}.md": digest(n, "Newsletters") for n in (1, 2, 3)},
        CONFIG + "repeats:\n  sections: [updates from rust community]\n",
    )
    found = _repeats(root)
    assert [place for place, _ in found] == ["digests/d2.md:11", "digests/d3.md:11"]
    assert all("at digests/d1.md:11 " in message for _, message in found)


def test_without_config_a_recurring_block_is_not_a_repeat(tmp_path: Path) -> None:
    sponsor = "- [Sponsor](https://sponsor.example/) - thanks\n"

    def digest(n: int) -> str:
        return (
            f"---\ntitle: D{n}\ndate: 2020-02-0{n}\nnumber: {n}\n---\n\n"
            f"## News\n\n- [N{n}](https://news.example/{n})\n\n## Sponsors\n\n{sponsor}"
        )

    root = make_site(tmp_path, {f"d{n}.md": digest(n) for n in (1, 2, 3, 4)})
    assert _repeats(root) == []
    # Named sections: the sponsor block is outside them, so it is never compared.
    (root / "digestgen.yaml").write_text(CONFIG + "repeats: {sections: [News]}\n")
    assert _repeats(root) == []


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("https://host.example/a//b/", "https://host.example/a/b/"),
        ("https://host.example/a/./b/../c", "https://host.example/a/c"),
        ("https://host.example/%7euser/caf%c3%a9", "https://host.example/~user/caf%C3%A9"),
        ("https://host.example/p#Caf%c3%a9", "https://host.example/p/#Caf%C3%A9"),
        ("http://www.host.example/a//b?utm_source=x", "https://host.example/a/b/"),
    ],
)
def test_normalisation_collapses_spellings(first: str, second: str) -> None:
    assert normalize_url(first) == normalize_url(second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("https://host.example/a%2Fb", "https://host.example/a/b"),  # an escaped slash
        ("https://host.example/p#v1", "https://host.example/p#v2"),  # fragments kept
        ("https://host.example/A", "https://host.example/a"),  # paths keep their case
    ],
)
def test_normalisation_keeps_different_links_apart(first: str, second: str) -> None:
    assert normalize_url(first) != normalize_url(second)


def test_config_repeats_must_name_sections(tmp_path: Path) -> None:
    root = make_site(tmp_path, {}, CONFIG + "repeats: {sections: News}\n")
    result = run("check", "--root", str(root))
    assert result.exit_code == 1
    assert (
        f"{root}/digestgen.yaml:3: error: 'repeats' must be a mapping such as "
        "{sections: [News, Articles]}, not {'sections': 'News'}"
    ) in result.stdout
