"""Hostile sizes and depths are `path:line` errors or parse in linear time, never a
traceback or a hung build."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sitefactory import CONFIG, GOOD, make_site, run

from digestgen.config import parse_config
from digestgen.content.parse import parse_digest
from digestgen.markdown.engine import Engine

HEAD = "---\ntitle: x\ndate: 2020-01-02\n---\n\nIntro.\n\n"
NESTING = {
    "quotes": ">" * 500 + " deep\n",
    "lists": "".join("  " * depth + "- deep\n" for depth in range(500)),
    "list markers": "- " * 500 + "deep\n",
    "emphasis": "*a " * 500 + "deep" + " a*" * 500 + "\n",
    "strong": "**" * 500 + "deep" + "**" * 500 + "\n",
}


def build_errors(root: Path) -> list[str]:
    result = run("build", "--root", str(root))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.stderr
    return result.stderr.replace(f"{root}/", "").splitlines()[:-1]


@pytest.mark.parametrize("case", list(NESTING))
def test_deep_nesting_is_an_error_at_its_line(tmp_path: Path, case: str) -> None:
    make_site(tmp_path, {"a.md": HEAD + NESTING[case], "b.md": GOOD.format(n=2)})
    [error] = build_errors(tmp_path)
    line = 8 + (32 if case == "lists" else 0)  # the 33rd list starts 32 lines down
    assert error == (
        f"digests/a.md:{line}: quotes, lists, emphasis or links nest deeper than 32 levels "
        "here; flatten them"
    )


def test_nesting_stops_at_its_depth() -> None:
    config = parse_config(CONFIG)
    engine = Engine()
    ok = parse_digest(HEAD + ">" * 32 + " deep\n", "a.md", config, engine)
    assert "deep" in ok.intro[-1].text
    with pytest.raises(Exception, match="nest deeper than 32 levels"):
        parse_digest(HEAD + ">" * 33 + " deep\n", "a.md", config, engine)


def test_a_date_beyond_the_calendar_is_an_error_at_its_line(tmp_path: Path) -> None:
    text = "---\ntitle: x\ndate: 9999-12-31T23:00:00-12:00\n---\n\n- [a](https://a.org) b\n"
    make_site(tmp_path, {"a.md": text})
    assert build_errors(tmp_path) == [
        "digests/a.md:3: 'date' '9999-12-31T23:00:00-12:00' lies beyond the years 1 to 9999 in UTC"
    ]


def test_a_digest_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    body = "- [a](https://a.org) " + "word " * 2000 + "\n"
    config = CONFIG + "max_digest_bytes: 5000\n"
    make_site(tmp_path, {"a.md": HEAD + body, "b.md": GOOD.format(n=2)}, config=config)
    size = len((HEAD + body).encode())
    assert build_errors(tmp_path) == [
        f"digests/a.md:1: the file holds {size:,} bytes, more than 'max_digest_bytes' (5,000); "
        "split it or raise the limit in digestgen.yaml"
    ]


def _parse_seconds(body: str) -> float:
    config = parse_config(CONFIG)
    engine = Engine()
    started = time.perf_counter()
    parse_digest(HEAD + body, "a.md", config, engine)
    return time.perf_counter() - started


LINES = {
    "links": lambda n: "- " + " ".join(f"[l{i}](https://e{i % 50}.org/{i})" for i in range(n)),
    "tag words": lambda n: "- [x](https://e.org/) " + " ".join(f"#t{i}" for i in range(n)) + " .",
    "references": lambda n: (
        "- "
        + " ".join(f"[l{i}]" for i in range(n))
        + "\n\n"
        + "".join(f"[l{i}]: https://e.org/{i}\n" for i in range(n))
    ),
}


@pytest.mark.parametrize("case", list(LINES))
def test_thirty_thousand_links_on_a_line_parse_in_linear_time(case: str) -> None:
    make = LINES[case]
    small = min(_parse_seconds(make(3_000)) for _ in range(2))
    large = _parse_seconds(make(30_000))
    # Ten times the input: linear time is about ten times as long; quadratic, a hundred.
    assert large < max(30 * small, 1.0), (small, large)
