"""The keys an imported site uses: ``feeds``, ``tag_feeds`` and ``repeats`` in the config,
``feed_id`` and ``aliases`` in front matter, and a page bundle's slug."""

from __future__ import annotations

import pytest

from digestgen.config import FeedPaths, parse_config
from digestgen.content.parse import parse_digest
from digestgen.errors import DigestError

BASE = 'title: "T"\nbase_url: "https://example.org/"\n'


def test_feed_paths_default_and_given() -> None:
    assert parse_config(BASE).feeds == FeedPaths("feed.xml", "atom.xml", "feed.json")
    config = parse_config(BASE + "feeds: {rss: /rss.xml, atom: atom.xml, json: null}\n")
    assert config.feeds == FeedPaths("rss.xml", "atom.xml", None)
    config = parse_config(BASE + 'tag_feeds: {rss: "tags/{slug}/index.xml"}\n')
    assert config.tag_feeds == FeedPaths("tags/{slug}/index.xml", "tags/{slug}/atom.xml", None)
    assert parse_config(BASE + "repeats: {sections: [News]}\n").repeats.sections == ("News",)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "feeds: {rss: ../x.xml}",
            "digestgen.yaml:3: 'feeds' must be a mapping of file paths below the site root",
        ),
        ("feeds: {atom: feed/}", "digestgen.yaml:3: 'feeds' must be a mapping of file paths"),
        ("feeds: {html: x.html}", "digestgen.yaml:3: 'feeds' must be a mapping of feed paths"),
        ("tag_feeds: {rss: tags.xml}", "'tag_feeds' must be a mapping of paths that each hold"),
        ("repeats: [News]", "digestgen.yaml:3: 'repeats' must be a mapping such as"),
    ],
)
def test_bad_feed_and_repeat_settings_are_errors_at_their_line(line: str, message: str) -> None:
    with pytest.raises(DigestError) as caught:
        parse_config(BASE + line + "\n", "digestgen.yaml")
    assert message in str(caught.value)


DIGEST = '---\ntitle: "A"\ndate: 2020-01-01\n{extra}---\n- [x](https://x.org/)\n'


def test_feed_id_and_aliases_are_read() -> None:
    config = parse_config(BASE)
    extra = 'feed_id: "tag:x.org,2020-01-01:/a/"\naliases: [/2020/a.html, /old/a/]\n'
    digest = parse_digest(DIGEST.format(extra=extra), "digests/a.md", config)
    assert digest.feed_id == "tag:x.org,2020-01-01:/a/"
    assert digest.aliases == ("/2020/a.html", "/old/a/")
    plain = parse_digest(DIGEST.format(extra=""), "digests/a.md", config)
    assert plain.feed_id is None and plain.aliases == ()


@pytest.mark.parametrize("alias", ["https://x.org/a/", "old/a/", "/a/../b/", "/a?x=1", "//x.org/"])
def test_an_alias_must_be_a_path_below_the_root(alias: str) -> None:
    with pytest.raises(DigestError) as caught:
        parse_digest(
            DIGEST.format(extra=f"aliases: ['{alias}']\n"), "digests/a.md", parse_config(BASE)
        )
    assert str(caught.value) == (
        "digests/a.md:4: 'aliases' must be a list of paths below the site root such as "
        f"[/2019/05/old-name.html], not {alias!r}"
    )


def test_a_page_bundle_takes_its_folder_name_as_slug() -> None:
    config = parse_config(BASE)
    bundle = parse_digest(DIGEST.format(extra=""), "digests/2024/issue-12/index.md", config)
    assert bundle.slug == "issue-12" and bundle.url == "digests/issue-12/"
    top = parse_digest(DIGEST.format(extra=""), "digests/index.md", config)
    assert top.slug == "index"
    named = parse_digest(DIGEST.format(extra="slug: twelve\n"), "digests/x/index.md", config)
    assert named.slug == "twelve"
