"""Front matter and config read by YAML 1.2 core rules, each field's type deciding what
its text means, with alias bombs refused fast and no message quoting an expanded value."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sitefactory import CONFIG, GOOD, make_site, run


def built_ok(root: Path) -> dict[str, object]:
    result = run("build", "--root", str(root))
    assert result.exit_code == 0, result.stderr
    return json.loads((root / "site" / "feed.json").read_text(encoding="utf-8"))


def build_errors(root: Path) -> list[str]:
    result = run("build", "--root", str(root))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.stderr
    return result.stderr.replace(f"{root}/", "").splitlines()[:-1]


def digest(front: str) -> str:
    return f"---\n{front}---\n\n## S\n\n- [a](https://example.com/a) b\n"


def test_text_fields_take_the_text_as_written(tmp_path: Path) -> None:
    front = "title: no\ndate: 2020-01-02\nsummary: 1.10\nslug: 0x1F\nauthor: 1:30\n"
    make_site(tmp_path, {"a.md": digest(front)})
    feed = built_ok(tmp_path)
    item = feed["items"][0]  # type: ignore[index]
    assert item["title"] == "no"
    assert item["summary"] == "1.10"
    assert item["url"].endswith("/digests/0x1F/")
    assert item["authors"] == [{"name": "1:30"}]


def test_number_reads_yaml_1_2_integers(tmp_path: Path) -> None:
    make_site(tmp_path, {"a.md": digest("title: x\ndate: 2020-01-02\nnumber: 010\n")})
    feed = built_ok(tmp_path)
    assert feed["items"][0]["id"].endswith("/digest/10")  # type: ignore[index]


@pytest.mark.parametrize("word", ["true", "True", "TRUE"])
def test_a_flag_takes_the_yaml_1_2_spellings(tmp_path: Path, word: str) -> None:
    make_site(
        tmp_path,
        {
            "a.md": digest(f"title: x\ndate: 2020-01-02\ndraft: {word}\n"),
            "b.md": GOOD.format(n=3),
        },
    )
    feed = built_ok(tmp_path)
    assert [i["title"] for i in feed["items"]] == ["Digest 3"]  # type: ignore[index]


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "y", "1"])
def test_a_flag_refuses_yaml_1_1_words(tmp_path: Path, word: str) -> None:
    make_site(tmp_path, {"a.md": digest(f"title: x\ndate: 2020-01-02\ndraft: {word}\n")})
    assert build_errors(tmp_path) == [
        f"digests/a.md:4: 'draft' must be true or false, not '{word}'"
    ]


def test_config_fields_are_typed_the_same_way(tmp_path: Path) -> None:
    config = CONFIG + "title: no\nper_page: 010\nunsafe_html: off\n"
    config = config.replace('title: "Test digest"\n', "")
    make_site(tmp_path, {"a.md": GOOD.format(n=1)}, config=config)
    assert build_errors(tmp_path) == [
        "digestgen.yaml:4: 'unsafe_html' must be true or false, not 'off'"
    ]
    (tmp_path / "digestgen.yaml").write_text(config.replace("off", "FALSE"))
    feed = built_ok(tmp_path)
    assert feed["title"] == "no"


BOMB = """\
summary:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_an_alias_bomb_in_front_matter_fails_fast_at_its_line(tmp_path: Path) -> None:
    assert len(BOMB) < 1024
    make_site(tmp_path, {"a.md": digest("title: x\ndate: 2020-01-02\n" + BOMB)})
    started = time.monotonic()
    errors = build_errors(tmp_path)
    assert time.monotonic() - started < 1.0
    assert any(line.startswith("digests/a.md:4: 'summary' expands YAML aliases") for line in errors)
    assert all("lol" not in line for line in errors), errors


def test_an_alias_bomb_in_the_config_fails_fast_at_its_line(tmp_path: Path) -> None:
    make_site(tmp_path, {"a.md": GOOD.format(n=1)}, config=CONFIG + BOMB)
    started = time.monotonic()
    errors = build_errors(tmp_path)
    assert time.monotonic() - started < 1.0
    assert any(
        line.startswith("digestgen.yaml:3: 'summary' expands YAML aliases") for line in errors
    )
    assert all("lol" not in line for line in errors), errors


def test_a_message_quotes_only_the_start_of_a_long_value(tmp_path: Path) -> None:
    long_list = "[" + ", ".join(f"word{n}" for n in range(500)) + "]"
    make_site(tmp_path, {"a.md": digest(f"title: {long_list}\ndate: 2020-01-02\n")})
    [error] = build_errors(tmp_path)
    assert error.startswith("digests/a.md:2: 'title' must be text, not ['word0', 'word1'")
    assert len(error) < 120 and error.endswith("...")


def test_a_string_left_open_is_reported_where_it_starts(tmp_path: Path) -> None:
    front = 'title: x\nsummary: "never closed\ndate: 2020-01-02\nauthor: me\nnumber: 3\n'
    make_site(tmp_path, {"a.md": digest(front)})
    errors = build_errors(tmp_path)
    assert errors[0].startswith("digests/a.md:3:10: invalid YAML in front matter:"), errors


def test_python_tags_and_other_tags_are_refused(tmp_path: Path) -> None:
    make_site(
        tmp_path,
        {"a.md": digest("title: x\ndate: 2020-01-02\nsummary: !!binary aGk=\n")},
    )
    assert build_errors(tmp_path)[0].startswith(
        "digests/a.md:4:10: invalid YAML in front matter: unknown tag"
    )
