"""`digestgen check`: validation without writing, repeated links, link hygiene, output formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sitefactory import CONFIG, GOOD, make_site, run, snapshot

from digestgen.config import parse_config
from digestgen.content.parse import parse_digest


def digest(n: int, *items: str, number: bool = True) -> str:
    head = f"---\ntitle: Digest {n}\ndate: 2020-02-{n:02d}\n"
    head += f"number: {n}\n" if number else ""
    return head + "---\n\n## Links\n\n" + "".join(f"- {item}\n" for item in items)


def check(root: Path, *args: str) -> tuple[int, list[str]]:
    result = run("check", "--root", str(root), *args)
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout.replace(f"{root}/", "").splitlines()


def test_repeat_across_digests_names_both_places(tmp_path: Path) -> None:
    make_site(
        tmp_path,
        {
            "d1.md": digest(1, "[A](https://example.com/a) first", "[B](https://b.org/) b"),
            "d2.md": digest(
                2, "[Other](https://other.org/) o", "[A again](https://example.com/a) x"
            ),
        },
    )
    code, lines = check(tmp_path)
    assert code == 1
    assert lines[0] == (
        "digests/d2.md:10: error: link featured twice: https://example.com/a was already featured "
        "at digests/d1.md:9 (mark an intended repeat with <!-- repeat --> or list it in "
        "duplicate_allow)"
    )
    assert lines[-1] == "1 error, 0 warnings"


def test_repeat_inside_one_digest(tmp_path: Path) -> None:
    make_site(tmp_path, {"d1.md": digest(1, "[A](https://a.org/x) a", "[A2](https://a.org/x) b")})
    code, lines = check(tmp_path)
    assert code == 1 and lines[0].startswith("digests/d1.md:10: error: link featured twice")
    assert "at digests/d1.md:9 " in lines[0]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("http://example.com/p", "https://example.com/p"),
        ("https://EXAMPLE.com/p", "https://example.com/p"),
        ("https://www.example.com/p", "https://example.com/p"),
        ("https://example.com/p?utm_source=x&utm_medium=y", "https://example.com/p"),
        ("https://example.com/p?id=3&fbclid=abc", "https://example.com/p?id=3"),
        ("https://example.com/p/", "https://example.com/p"),
        ("https://youtu.be/abc123", "https://www.youtube.com/watch?v=abc123"),
        (
            "https://np.reddit.com/r/haskell/comments/x1",
            "https://www.reddit.com/r/haskell/comments/x1",
        ),
        ("https://example.com/p#part", "https://example.com/p/#part"),
    ],
)
def test_default_normalisation_finds_the_same_link(tmp_path: Path, first: str, second: str) -> None:
    make_site(
        tmp_path, {"d1.md": digest(1, f"[a]({first}) a"), "d2.md": digest(2, f"[b]({second}) b")}
    )
    code, lines = check(tmp_path)
    [repeat] = [line for line in lines if "featured twice" in line]
    assert code == 1 and repeat.startswith("digests/d2.md:9: error: link featured twice")
    assert f"was already featured as {first} at digests/d1.md:9 " in repeat


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("https://example.com/changelog#v1", "https://example.com/changelog#v2"),
        ("https://example.com/p?id=1", "https://example.com/p?id=2"),
        ("https://example.com/p", "https://example.org/p"),
    ],
)
def test_different_links_are_not_repeats(tmp_path: Path, first: str, second: str) -> None:
    make_site(
        tmp_path, {"d1.md": digest(1, f"[a]({first}) a"), "d2.md": digest(2, f"[b]({second}) b")}
    )
    assert check(tmp_path) == (0, ["0 errors, 0 warnings"])


def test_configured_aliases_and_tracking_params(tmp_path: Path) -> None:
    config = CONFIG + "url_aliases:\n  blog.example.com: example.com\ntracking_params: [ref]\n"
    make_site(
        tmp_path,
        {
            "d1.md": digest(1, "[a](https://blog.example.com/post) a"),
            "d2.md": digest(2, "[b](https://example.com/post?ref=newsletter) b"),
        },
        config=config,
    )
    code, lines = check(tmp_path)
    assert code == 1
    assert lines[0].startswith("digests/d2.md:9: error: link featured twice")
    assert lines[1] == "digests/d2.md:9: warning: tracking parameters left in the link: ref"


def test_marker_and_allow_list_accept_a_repeat(tmp_path: Path) -> None:
    config = CONFIG + "duplicate_allow: ['https://patreon.com/me']\n"
    make_site(
        tmp_path,
        {
            "d1.md": digest(1, "[A](https://a.org/x) a", "[Support](https://patreon.com/me) s"),
            "d2.md": digest(
                2,
                "[A](https://a.org/x) follow-up <!-- repeat -->",
                "[Support](https://www.patreon.com/me/) s",
            ),
        },
        config=config,
    )
    assert check(tmp_path) == (0, ["0 errors, 0 warnings"])
    assert not (tmp_path / "site").exists()


def test_repeat_marker_is_invisible(tmp_path: Path) -> None:
    text = digest(1, "[A](https://a.org/x) follow-up <!-- repeat -->")
    item = next(parse_digest(text, "d1.md", parse_config(CONFIG)).items())
    assert item.commentary == "follow-up"  # feeds and summaries never show the marker
    make_site(tmp_path, {"d1.md": text})
    assert run("build", "--root", str(tmp_path)).exit_code == 0
    page = (tmp_path / "site" / "digests" / "d1" / "index.html").read_text()
    assert "follow-up <!-- repeat -->" in page and "&lt;!--" not in page


def test_since_reports_only_newer_digests(tmp_path: Path) -> None:
    # A link in the same section three weeks running is a recurring block unless the
    # section is named as one whose every link is news.
    make_site(
        tmp_path,
        {
            "d1.md": digest(1, "[A](https://a.org/x) a"),
            "d2.md": digest(2, "[A](https://a.org/x) old repeat", "[T...](https://t.org) t"),
            "d3.md": digest(3, "[A](https://a.org/x) new repeat", "[T…](https://t.org/2) t"),
        },
        config=CONFIG + "repeats: {sections: [Links]}\n",
    )
    code, lines = check(tmp_path, "--since", "2")
    assert code == 1
    assert [line.split(": ")[0] for line in lines[:-1]] == ["digests/d3.md:9", "digests/d3.md:10"]
    assert "at digests/d1.md:9" in lines[0]
    assert lines[-1] == "1 error, 1 warning"
    code, lines = check(tmp_path)
    assert lines[-1] == "2 errors, 2 warnings"


def test_link_hygiene(tmp_path: Path) -> None:
    make_site(
        tmp_path,
        {
            "d1.md": digest(
                1,
                "[Post](https://a.org/p?utm_source=tw&id=1&gclid=9) tracked",
                "[A long title that goes on...](https://a.org/t) cut",
                "[Another one…](https://a.org/u) cut",
                "[https://a.org/bare](https://a.org/bare) bare",
                "[](https://a.org/empty) empty",
                "[a.org/bare/too](https://a.org/bare/too/) bare without scheme",
                "[Plain](http://a.org/plain) plain http",
            )
        },
    )
    code, lines = check(tmp_path)
    assert code == 0
    assert lines == [
        "digests/d1.md:9: warning: tracking parameters left in the link: gclid, utm_source",
        "digests/d1.md:10: warning: title looks truncated: 'A long title that goes on...'",
        "digests/d1.md:11: warning: title looks truncated: 'Another one…'",
        "digests/d1.md:12: warning: a bare URL is used as the title: 'https://a.org/bare'",
        "digests/d1.md:13: warning: link has no title: https://a.org/empty",
        "digests/d1.md:14: warning: a bare URL is used as the title: 'a.org/bare/too'",
        "0 errors, 6 warnings",
    ]
    assert check(tmp_path, "--strict")[0] == 1
    (tmp_path / "digestgen.yaml").write_text(CONFIG + "check_http: true\n")
    code, lines = check(tmp_path)
    assert "digests/d1.md:15: warning: plain http: link (is there an https: version?): " in (
        "\n".join(lines)
    )


def test_json_and_github_formats(tmp_path: Path) -> None:
    make_site(
        tmp_path,
        {
            "d1.md": digest(1, "[A](https://a.org/x) a"),
            "d2.md": digest(2, "[A](https://a.org/x) b", "[T...](https://t.org) t"),
        },
    )
    result = run("check", "--root", str(tmp_path), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["errors"] == 1 and report["warnings"] == 1
    first = report["findings"][0]
    assert first["severity"] == "error" and first["code"] == "duplicate-link"
    assert first["path"] == "digests/d2.md" and first["line"] == 9
    result = run("check", "--root", str(tmp_path), "--format", "github")
    lines = result.stdout.splitlines()
    path = "digests/d2.md"
    assert lines[0].startswith(f"::error file={path},line=9,title=digestgen duplicate-link::")
    assert "link featured twice: https://a.org/x" in lines[0]
    assert lines[1].startswith(f"::warning file={path},line=10,title=digestgen truncated-title::")


def test_check_validates_everything_and_writes_nothing(tmp_path: Path) -> None:
    make_site(
        tmp_path,
        {
            "d1.md": GOOD.format(n=1),
            "bad.md": "---\ntitle: x\ndate: 2020-13-45\n---\n\n- [x](javascript:y) z\n",
        },
    )
    before = snapshot(tmp_path)
    code, lines = check(tmp_path)
    assert code == 1
    assert lines == [
        "digests/bad.md:3: error: 'date' must be a date like 2024-05-31 or a date and time like "
        "2024-05-31T09:00:00+02:00, not '2020-13-45'",
        "digests/bad.md:6: error: link with unsafe scheme 'javascript:' is not allowed: "
        "'javascript:y'",
        "2 errors, 0 warnings",
    ]
    assert snapshot(tmp_path) == before


def test_check_renders_the_templates(tmp_path: Path) -> None:
    make_site(
        tmp_path,
        {"d1.md": GOOD.format(n=1)},
        templates={
            "index.html": '{% extends "base.html" %}\n{% block content %}\n{{ oops }}\n'
            "{% endblock %}\n"
        },
    )
    code, lines = check(tmp_path)
    assert code == 1
    assert lines[0] == "templates/index.html:3: error: template error: 'oops' is undefined"
    assert not (tmp_path / "site").exists()


def test_check_reports_content_warnings_and_checks_drafts(tmp_path: Path) -> None:
    draft = digest(2, "[A](https://a.org/x) again").replace(
        "number: 2\n", "number: 2\ndraft: true\n"
    )
    make_site(
        tmp_path,
        {
            "d1.md": digest(1, "[A](https://a.org/x) a") + "\n## Nothing here\n",
            "d2.md": draft,
        },
    )
    code, lines = check(tmp_path)
    assert code == 1
    assert lines == [
        "digests/d1.md:11: warning: section 'Nothing here' is empty",
        lines[1],
        "1 error, 1 warning",
    ]
    assert lines[1].startswith("digests/d2.md:10: error: link featured twice")


def test_example_blog_checks_without_crashing() -> None:
    root = Path(__file__).resolve().parent.parent
    result = run("check", "--root", str(root), "--format", "json")
    report = json.loads(result.stdout)
    assert result.exit_code == (1 if report["errors"] else 0)
    assert all(f["path"] and f["line"] for f in report["findings"])
