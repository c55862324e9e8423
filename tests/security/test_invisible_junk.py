"""Characters that HTML and XML cannot carry are warnings at path:line:col, left out of
the pages and feeds, and never stop a build."""

from __future__ import annotations

from pathlib import Path

import lxml.etree
import lxml.html
import pytest
from sitefactory import GOOD, make_site, run

JUNK = {
    "U+0002": "\x02",
    "U+001F": "\x1f",
    "U+007F": "\x7f",
    "U+0085": "\x85",
    "U+009F": "\x9f",
    "U+FFFE": "\ufffe",
    "U+FFFF": "\uffff",
}


@pytest.mark.parametrize("name", list(JUNK))
def test_junk_in_a_link_is_a_warning_and_left_out(tmp_path: Path, name: str) -> None:
    char = JUNK[name]
    body = f"## S\n\n- [Ti{char}tle](https://example.com/a{char}b) - note{char}s\n"
    text = f"---\ntitle: x\ndate: 2020-01-02\n---\n\n{body}"
    make_site(tmp_path, {"a.md": text})
    result = run("build", "--root", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    warnings = result.stderr.replace(f"{tmp_path}/", "").splitlines()
    message = f"control character {name} cannot appear in a page or a feed; it is left out"
    line = body.split("\n")[2]
    columns = [index + 1 for index, c in enumerate(line) if c == char]
    assert warnings == [f"digests/a.md:8:{column}: warning: {message}" for column in columns]
    page = (tmp_path / "site" / "digests" / "a" / "index.html").read_bytes()
    assert char.encode() not in page
    tree = lxml.html.fromstring(page)
    assert tree.xpath("//a[@href='https://example.com/ab']/text()") == ["Title"]
    lxml.etree.parse(str(tmp_path / "site" / "feed.xml"))  # a well-formed feed


def test_a_lone_surrogate_in_the_bytes_is_an_encoding_error_not_a_traceback(
    tmp_path: Path,
) -> None:
    # UTF-8 cannot encode a lone surrogate: such bytes are a decoding mistake.
    text = b"---\ntitle: x\ndate: 2020-01-02\n---\n\n- a \xed\xa0\x80 b\n"
    make_site(tmp_path, {"a.md": text, "b.md": GOOD.format(n=2)})
    result = run("build", "--root", str(tmp_path))
    assert result.exit_code == 1
    assert "digests/a.md:6: not valid UTF-8" in result.stderr
    assert "Traceback" not in result.stderr


def test_junk_in_front_matter_values_is_a_warning(tmp_path: Path) -> None:
    text = (
        '---\ntitle: "A\\x01B"\ndate: 2020-01-02\nsummary: S\x02T\n---\n\n- [a](https://a.org) b\n'
    )
    make_site(tmp_path, {"a.md": text})
    result = run("build", "--root", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    warnings = result.stderr.replace(f"{tmp_path}/", "").splitlines()
    assert (
        "digests/a.md:2: warning: 'title' holds the control character U+0001, which no page "
        "or feed can carry; it is left out"
    ) in warnings
    assert any(
        w.startswith("digests/a.md:4:11: warning: control character U+0002") for w in warnings
    )
    page = lxml.html.fromstring((tmp_path / "site" / "digests" / "a" / "index.html").read_bytes())
    assert page.xpath("//h1/text()") == ["AB"]
    assert "ST" in (tmp_path / "site" / "feed.xml").read_text()
