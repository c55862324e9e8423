"""The short-cut for plain URLs gives exactly what markdown-it's normalizeLink gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from markdown_it.common.normalize_url import normalizeLink

from digestgen.markdown import PLAIN_URL, fast_normalize_link, make_markdown


@given(st.from_regex(PLAIN_URL, fullmatch=True))
def test_plain_urls_are_left_as_normalizeLink_leaves_them(url: str) -> None:
    assert fast_normalize_link(url) == normalizeLink(url)


@given(st.text(max_size=40).map(lambda tail: "https://example.org/" + tail))
def test_other_urls_go_through_normalizeLink(url: str) -> None:
    assert fast_normalize_link(url) == normalizeLink(url)


def test_links_in_html_are_the_same_as_with_the_plain_parser() -> None:
    text = (
        "[a](https://Example.org/a_(b)?q=1&r=2#x) [b](https://ex.com/é d) "
        "[c](https://ex.com/%41%zz) [d](mailto:a@b.c) [e](/relative path)\n"
    )
    ours = make_markdown()
    plain = make_markdown()
    plain.normalizeLink = normalizeLink  # type: ignore[method-assign]
    assert ours.render(text) == plain.render(text)
