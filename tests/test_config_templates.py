"""Site config keys (defaults, unknown keys) and site templates/static overriding the theme."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from conftest import (
    MakeSite,
    read_tree,
    three_digests,
)

from digestgen.build import build
from digestgen.config import SiteConfig, parse_config
from digestgen.errors import ConfigError, RenderError


def html(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(path.read_bytes())


def test_config_defaults() -> None:
    config = parse_config('title: "T"\nbase_url: "https://example.org/blog"\n')
    assert config == SiteConfig(title="T", base_url="https://example.org/blog/")
    assert (config.per_page, config.feed_limit) == (10, 20)
    assert config.permalink == "/digests/{slug}/"
    assert (config.language, config.timezone, config.author, config.description) == (
        "en",
        "UTC",
        "",
        "",
    )
    assert (config.digests_dir, config.output_dir) == ("digests", "site")
    assert (config.static_dir, config.templates_dir) == ("static", "templates")
    assert config.feed_full_content is True
    assert (config.unsafe_html, config.drafts) == (False, False)
    assert config.base_path == "/blog/"


def test_config_unknown_key_is_an_error_with_its_line(make_site: MakeSite) -> None:
    root = make_site(
        {
            "digestgen.yaml": 'title: "T"\nbase_url: "https://example.org/"\nper_pgae: 5\n',
            **{k: v for k, v in three_digests().items() if k != "digestgen.yaml"},
        }
    )
    with pytest.raises(ConfigError) as caught:
        build(root)
    message = str(caught.value)
    assert message.startswith(f"{root / 'digestgen.yaml'}:3: ")
    assert "unknown config key 'per_pgae'" in message
    assert "did you mean 'per_page'?" in message
    assert not (root / "site").exists()


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('title: "T"\n', 1, "missing required key 'base_url'"),
        ('title: "T"\nbase_url: "ftp://x/"\n', 2, "'base_url' must be an absolute http(s) URL"),
        ('title: "T"\nbase_url: "https://x/"\nper_page: 0\n', 3, "'per_page' must be a whole"),
        ('title: "T"\nbase_url: "https://x/"\ntimezone: Mars/Base\n', 3, "unknown timezone"),
        ('title: "T"\nbase_url: "https://x/"\npermalink: "/{id}/"\n', 3, "'permalink' may use"),
        ('title: "T"\nbase_url: "https://x/"\ndrafts: "yes"\n', 3, "'drafts' must be true or"),
    ],
)
def test_config_mistakes(text: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "digestgen.yaml")
    assert str(caught.value).startswith(f"digestgen.yaml:{line}: ")
    assert words in str(caught.value)


def test_config_keys_change_the_output(make_site: MakeSite) -> None:
    root = make_site(
        three_digests(
            'permalink: "/{year}/{month}/{slug}/"\noutput_dir: "public"\n'
            'digests_dir: "posts"\nlanguage: "de"\n'
        )
    )
    (root / "digests").rename(root / "posts")
    build(root)
    out = root / "public"
    assert (out / "2023/05/one/index.html").is_file()
    assert (out / "2024/01/three/index.html").is_file()
    assert html(out / "index.html").get("lang") == "de"
    assert not (root / "site").exists()


def footer_text(page: Path) -> str:
    return " ".join(" ".join(html(page).xpath("//footer//text()")).split())


def test_site_template_overrides_a_theme_partial(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site(three_digests())
    build(root, output=tmp_path / "plain", force_output=True)
    theme_footer = footer_text(tmp_path / "plain/index.html")
    (root / "templates/partials").mkdir(parents=True)
    (root / "templates/partials/footer.html").write_text(
        "<p>Custom footer of {{ site.title }}</p>\n"
    )
    build(root)
    out = root / "site"
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 5
    for page in pages:
        text = footer_text(page)
        assert "Custom footer of Tiny" in text, page
        if theme_footer:
            assert theme_footer not in text
    # Only the one file is replaced: the rest of the theme still renders.
    plain = read_tree(tmp_path / "plain")
    assert {p.relative_to(out).as_posix() for p in out.rglob("*")} >= {
        k for k in plain if k.endswith(".html")
    }


def test_site_templates_can_render_one_theme_row(make_site: MakeSite) -> None:
    """The theme renders whole lists in one macro call; the one-row macros stay for site
    templates (``item_view`` of macros.html, ``link_entry`` of link_macros.html) and give
    the row the theme's list gives."""
    root = make_site(three_digests())
    (root / "templates").mkdir()
    (root / "templates/digest.html").write_text(
        '{% extends "base.html" %}\n'
        '{% from "macros.html" import item_view, item_views with context %}\n'
        '{% from "link_macros.html" import link_entry, link_entries %}\n'
        "{% block content %}{% set it = digest.items()|first %}"
        "<div id=one>{{ item_view(it) }}</div><div id=list>{{ item_views([it]) }}</div>"
        "<div id=link>{{ link_entry(digest, it) }}</div>"
        "<div id=links>{{ link_entries([(digest, it)]) }}</div>{% endblock %}\n"
    )
    build(root)
    html = (root / "site/digests/one/index.html").read_text()

    def between(start: str, end: str) -> str:
        return html.split(start)[1].split(end)[0].strip()

    one, many = between("<div id=one>", "</div>"), between("<div id=list>", "</div>")
    assert 'id="paper"' in one or "example.com/paper" in one
    assert one == many
    link, links = between("<div id=link>", "</div>"), between("<div id=links>", "</div>")
    assert "link-entry" in link and link == links


def test_undefined_variable_in_a_site_template_fails_with_path_and_line(
    make_site: MakeSite,
) -> None:
    root = make_site(three_digests())
    (root / "templates/partials").mkdir(parents=True)
    footer = root / "templates/partials/footer.html"
    footer.write_text("<p>fine</p>\n<p>{{ no_such_variable }}</p>\n")
    with pytest.raises(RenderError) as caught:
        build(root)
    message = str(caught.value)
    assert message.startswith(f"{footer}:2: "), message
    assert "no_such_variable" in message
    assert not (root / "site").exists()


def test_template_syntax_error_has_path_and_line(make_site: MakeSite) -> None:
    root = make_site(three_digests())
    (root / "templates").mkdir()
    page = root / "templates/404.html"
    page.write_text('{% extends "base.html" %}\n{% block content %}\n{% if %}\n{% endblock %}\n')
    with pytest.raises(RenderError) as caught:
        build(root)
    assert str(caught.value).startswith(f"{page}:3: ")


def test_site_static_files_override_the_theme_file_by_file(
    make_site: MakeSite, tmp_path: Path
) -> None:
    root = make_site(three_digests())
    build(root, output=tmp_path / "plain", force_output=True)
    theme_static = {
        k: v for k, v in read_tree(tmp_path / "plain").items() if k.startswith("static/")
    }
    assert "static/style.css" in theme_static, "base.html links static/style.css"
    (root / "static/img").mkdir(parents=True)
    (root / "static/style.css").write_text("body { color: red }\n")
    (root / "static/img/logo.svg").write_text("<svg/>\n")
    build(root)
    out = read_tree(root / "site")
    assert out["static/style.css"] == b"body { color: red }\n"
    assert out["static/img/logo.svg"] == b"<svg/>\n"
    for name, data in theme_static.items():
        if name != "static/style.css":
            assert out[name] == data


def test_other_versions_compiled_templates_go_only_once_unused_for_a_month(
    tmp_path: Path,
) -> None:
    """Another installed digestgen may be building right now with its own compiled
    templates: they are removed only when nobody used them for 30 days."""
    import os
    import time

    from digestgen.build.run import UNUSED_DAYS, prune_unused

    keep, fresh, stale = tmp_path / "ours", tmp_path / "other", tmp_path / "old"
    for folder in (keep, fresh, stale):
        folder.mkdir()
        (folder / "__jinja2_x.cache").write_bytes(b"x")
    legacy = tmp_path / "__jinja2_legacy.cache"
    legacy.write_bytes(b"x")
    old = time.time() - (UNUSED_DAYS + 1) * 86400
    for path in (keep, stale, legacy):
        os.utime(path, (old, old))
    prune_unused(tmp_path, keep=keep)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other", "ours"]
