"""Every curator mistake is a `path:line: message`, all in one run, exit 1, site/ untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from sitefactory import CONFIG, GOOD, make_site, run, snapshot

HEAD = "---\ntitle: x\ndate: 2020-01-01\n"


def build_errors(root: Path) -> list[str]:
    """Build through the real CLI; the stderr lines, with the root taken off the paths."""
    result = run("build", "--root", str(root))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    lines = result.stderr.replace(f"{root}/", "").splitlines()
    assert lines[-1].startswith("error: ") and "site not built" in lines[-1]
    return lines[:-1]


FRONT_MATTER_CASES = {
    "missing": (b"Just text\n", "digests/bad.md:1: missing front matter"),
    "unterminated": (
        b"---\ntitle: x\ndate: 2020-01-01\n\n- item\n",
        "digests/bad.md:1: front matter is never closed",
    ),
    "invalid YAML, line offset into the file": (
        b"---\ntitle: x\ndate: 2020-01-01\nsummary: [a, b\nauthor: me\n---\n",
        "digests/bad.md:5:7: invalid YAML in front matter:",
    ),
    "mapping value inside a value": (
        b"---\ntitle: x\ndate: 2020-01-01\nsummary: a: b\n---\n",
        "digests/bad.md:4:11: invalid YAML in front matter: mapping values are not allowed",
    ),
    "not a mapping": (
        b"---\n- title\n- date\n---\n",
        "digests/bad.md:2: front matter must be a mapping of 'key: value' lines, not a list",
    ),
    "required field missing": (
        b"---\ntitle: x\n---\n",
        "digests/bad.md:2: missing required key 'date'",
    ),
    "list as title": (
        b"---\ntitle: [a, b]\ndate: 2020-01-01\n---\n",
        "digests/bad.md:2: 'title' must be text, not ['a', 'b']",
    ),
    "date: yesterday": (
        b"---\ntitle: x\ndate: yesterday\n---\n",
        "digests/bad.md:3: 'date' must be a date like 2024-05-31",
    ),
    "impossible date": (
        b"---\ntitle: x\ndate: 2020-13-45\n---\n",
        "digests/bad.md:3: 'date' must be a date like 2024-05-31 or a date and time like "
        "2024-05-31T09:00:00+02:00, not '2020-13-45'",
    ),
    "number: twenty": (
        HEAD.encode() + b"number: twenty\n---\n",
        "digests/bad.md:4: 'number' must be a whole number like 20, not 'twenty'",
    ),
    "unknown key": (
        HEAD.encode() + b"sumary: hi\n---\n",
        "digests/bad.md:4: unknown front matter key 'sumary'; did you mean 'summary'?",
    ),
    "duplicate key": (
        HEAD.encode() + b"title: y\n---\n",
        "digests/bad.md:4: duplicate key 'title' (first at line 2)",
    ),
    "not UTF-8": (
        HEAD.encode() + b"---\n\n- caf\xe9 au lait\n",
        "digests/bad.md:6: not valid UTF-8: byte 0xe9 at byte offset 40",
    ),
    "empty file": (b"", "digests/bad.md:1: empty file"),
    "unknown YAML tag": (
        HEAD.encode() + b"summary: !!python/object:os.system x\n---\n",
        "digests/bad.md:4:10: invalid YAML in front matter: unknown tag",
    ),
    "javascript: image": (
        HEAD.encode() + b"image: ' javascript:alert(1)'\n---\n",
        "digests/bad.md:4: 'image' with unsafe scheme 'javascript:' is not allowed",
    ),
    "javascript: link": (
        HEAD.encode()
        + b"---\n\n## S\n\n- [ok](https://a.org) fine\n- [x](javascript:alert(1)) y\n",
        "digests/bad.md:9: link with unsafe scheme 'javascript:' is not allowed",
    ),
    "data: link, upper case, spaced": (
        HEAD.encode() + b"---\n\n- [x](<  DATA:text/html,hi>) y\n",
        "digests/bad.md:6: link with unsafe scheme 'data:' is not allowed",
    ),
    "vbscript: link in a note": (
        HEAD.encode() + b"---\n\n- [a](https://a.org) b\n    - see [x](VBScript:msgbox) too\n",
        "digests/bad.md:7: link with unsafe scheme 'vbscript:' is not allowed",
    ),
}


@pytest.mark.parametrize("case", list(FRONT_MATTER_CASES))
def test_digest_mistake_is_reported_at_its_line(tmp_path: Path, case: str) -> None:
    data, expected = FRONT_MATTER_CASES[case]
    make_site(tmp_path, {"good.md": GOOD.format(n=1), "bad.md": data})
    errors = build_errors(tmp_path)
    assert any(line.startswith(expected) for line in errors), errors


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    text = "---\ntitle: Café\ndate: 2020-01-02\n---\n\n## S\n\n- [a](https://a.org) b\n"
    crlf = text.replace("\n", "\r\n").encode()
    make_site(tmp_path, {"bom.md": b"\xef\xbb\xbf" + text.encode(), "crlf.md": crlf})
    (tmp_path / "digests" / "crlf.md").write_bytes(crlf.replace(b"2020-01-02", b"2020-01-03"))
    (tmp_path / "digests" / "crlf.md").write_bytes(
        crlf.replace(b"2020-01-02", b"2020-01-03").replace(b"Caf\xc3\xa9", b"CRLF")
    )
    result = run("build", "--root", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    page = (tmp_path / "site" / "digests" / "bom" / "index.html").read_text()
    assert "<h1>Café</h1>" in page and "\ufeff" not in page
    assert "<h1>CRLF</h1>" in (tmp_path / "site" / "digests" / "crlf" / "index.html").read_text()


def test_crlf_keeps_line_numbers(tmp_path: Path) -> None:
    text = "---\r\ntitle: x\r\ndate: 2020-01-01\r\nnumbr: 3\r\n---\r\n"
    make_site(tmp_path, {"bad.md": text})
    assert build_errors(tmp_path) == [
        "digests/bad.md:4: unknown front matter key 'numbr'; did you mean 'number'?"
    ]


def test_every_mistake_in_one_run_and_previous_site_kept(tmp_path: Path) -> None:
    make_site(tmp_path, {"a.md": GOOD.format(n=1), "b.md": GOOD.format(n=2)})
    assert run("build", "--root", str(tmp_path)).exit_code == 0
    before = snapshot(tmp_path / "site")
    (tmp_path / "digests" / "b.md").write_text(
        "---\ntitle: [x]\ndate: yesterday\ntitel: t\n---\n\n- [x](javascript:go) y\n"
    )
    (tmp_path / "digests" / "c.md").write_text("no front matter\n")
    errors = build_errors(tmp_path)
    assert errors == [
        "digests/b.md:2: 'title' must be text, not ['x']",
        "digests/b.md:3: 'date' must be a date like 2024-05-31 or a date and time like "
        "2024-05-31T09:00:00+02:00, not 'yesterday'",
        "digests/b.md:4: unknown front matter key 'titel'; did you mean 'title'?",
        "digests/b.md:7: link with unsafe scheme 'javascript:' is not allowed: 'javascript:go'",
        "digests/c.md:1: missing front matter: a digest starts with a '---' line, then "
        "'title:' and 'date:', then another '---' line",
    ]
    assert snapshot(tmp_path / "site") == before
    # No staging folder is left behind; the build cache and the standby copy of the site
    # (which the next edit updates and swaps in) stay.
    left = sorted(p.name for p in tmp_path.iterdir() if p.name != ".digestgen-cache")
    assert left == [".site.digestgen-standby", "digestgen.yaml", "digests", "site"]


def test_same_slug_and_number_name_both_files(tmp_path: Path) -> None:
    one = "---\ntitle: a\ndate: 2020-01-01\nnumber: 7\nslug: same\n---\n"
    make_site(tmp_path, {"a.md": one, "b.md": one.replace("title: a", "title: b")})
    errors = build_errors(tmp_path)
    # Each at the line of its key, in both files.
    assert "digests/b.md:5: slug 'same' is also used by digests/a.md:5" in errors
    assert "digests/b.md:4: number 7 is also used by digests/a.md:4" in errors
    assert len(errors) == 2  # not a third time as "page 'digests/same/' is also written"


def test_two_digests_on_one_page_name_both_files(tmp_path: Path) -> None:
    """With ``permalink: /{slug}{number}/``, slug ``a`` number 12 and slug ``a1`` number 2
    would write the same page."""
    config = CONFIG + 'permalink: "/{slug}{number}/"\n'
    one = "---\ntitle: a\ndate: 2020-01-01\nnumber: 12\nslug: a\n---\n"
    two = "---\ntitle: b\ndate: 2020-02-01\nnumber: 2\nslug: a1\n---\n"
    make_site(tmp_path, {"a.md": one, "b.md": two}, config)
    errors = build_errors(tmp_path)
    assert errors == ["digests/b.md:5: page 'a12/' is also written by digests/a.md:5"]


CONFIG_CASES = {
    "invalid YAML": (
        CONFIG + "description: [a\n",
        "digestgen.yaml:3:14: invalid YAML in config:",
    ),
    "not a mapping": ("- a\n- b\n", "digestgen.yaml:1: config must be a mapping"),
    "unknown key": (
        CONFIG + "per_pgae: 5\n",
        "digestgen.yaml:3: unknown config key 'per_pgae'; did you mean 'per_page'?",
    ),
    "relative base_url": (
        'title: "T"\nbase_url: "/blog/"\n',
        "digestgen.yaml:2: 'base_url' must be an absolute http(s) URL",
    ),
    "ftp base_url": (
        'title: "T"\ndescription: d\nbase_url: "ftp://example.org/"\n',
        "digestgen.yaml:3: 'base_url' must be an absolute http(s) URL",
    ),
    "missing title": (
        'base_url: "https://e.org/"\n',
        "digestgen.yaml:1: missing required key 'title'",
    ),
    "wrong type": (CONFIG + "per_page: many\n", "digestgen.yaml:3: 'per_page' must be"),
    "bad url_aliases": (CONFIG + "url_aliases: [a]\n", "digestgen.yaml:3: 'url_aliases' must"),
}


@pytest.mark.parametrize("case", list(CONFIG_CASES))
def test_config_mistake_is_reported_at_its_line(tmp_path: Path, case: str) -> None:
    config, expected = CONFIG_CASES[case]
    make_site(tmp_path, {"a.md": GOOD.format(n=1)}, config=config)
    errors = build_errors(tmp_path)
    assert any(line.startswith(expected) for line in errors), errors


def test_missing_config(tmp_path: Path) -> None:
    make_site(tmp_path, {"a.md": GOOD.format(n=1)}, config=None)
    result = run("build", "--root", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: no digestgen.yaml in {tmp_path}; start a site there with "
        f"'digestgen init {tmp_path}'"
    ]


def test_unreadable_config(tmp_path: Path) -> None:
    make_site(tmp_path, {"a.md": GOOD.format(n=1)}, config=None)
    (tmp_path / "digestgen.yaml").mkdir()  # unreadable even for root, unlike chmod 000
    [error] = build_errors(tmp_path)
    assert error.startswith("digestgen.yaml: cannot read config:")


def test_config_not_utf8(tmp_path: Path) -> None:
    make_site(tmp_path, {"a.md": GOOD.format(n=1)}, config=CONFIG.encode() + b"author: \xff\n")
    [error] = build_errors(tmp_path)
    assert error.startswith("digestgen.yaml:3: not UTF-8 text: byte 0xff at byte offset 67")


BODY = HEAD + "---\n\nIntro with <br> a <small>small</small>, <mark>mark</mark> <!-- note -->.\n"


def test_raw_html_escaped_by_default_and_formatting_kept(tmp_path: Path) -> None:
    body = BODY + '\n- [a](https://a.org) b <script>alert(1)</script> <b onclick="x()">c</b>\n'
    make_site(tmp_path, {"a.md": body})
    result = run("build", "--root", str(tmp_path))
    assert result.exit_code == 0
    page = (tmp_path / "site" / "digests" / "a" / "index.html").read_text()
    assert "<br>" in page and "<small>small</small>" in page and "<mark>mark</mark>" in page
    assert "<!-- note -->" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert '&lt;b onclick="x()"&gt;' in page
    warning = (
        "digests/a.md:8: warning: raw HTML <script>, <b onclick=...> is shown as "
        "text; only harmless formatting tags pass (set 'unsafe_html: true' in digestgen.yaml "
        "to allow all)"
    )
    assert warning in result.stderr.replace(f"{tmp_path}/", "").splitlines()


def test_raw_html_passes_with_unsafe_html(tmp_path: Path) -> None:
    body = BODY + '\n- [a](https://a.org) b <b onclick="x()">c</b>\n'
    make_site(tmp_path, {"a.md": body}, config=CONFIG + "unsafe_html: true\n")
    result = run("build", "--root", str(tmp_path))
    assert result.exit_code == 0 and "warning" not in result.stderr
    page = (tmp_path / "site" / "digests" / "a" / "index.html").read_text()
    assert '<b onclick="x()">c</b>' in page


def test_empty_section_and_skipped_heading_are_warnings(tmp_path: Path) -> None:
    body = HEAD + "---\n\n## Empty\n\n## Full\n\n- [a](https://a.org) b\n\n#### Deep\n\ntext\n"
    make_site(tmp_path, {"a.md": body})
    result = run("build", "--root", str(tmp_path))
    assert result.exit_code == 0
    assert result.stderr.replace(f"{tmp_path}/", "").splitlines() == [
        "digests/a.md:6: warning: section 'Empty' is empty",
        "digests/a.md:12: warning: heading level skips from h2 to h4; use ### here",
    ]
    assert (tmp_path / "site" / "digests" / "a" / "index.html").is_file()


def test_subsection_first_skips_a_level(tmp_path: Path) -> None:
    body = HEAD + "---\n\n### Straight to h3\n\n- [a](https://a.org) b\n"
    make_site(tmp_path, {"a.md": body})
    result = run("build", "--root", str(tmp_path))
    assert "digests/a.md:6: warning: heading level skips from h1 to h3" in result.stderr


TEMPLATE_CASES = {
    "syntax error": (
        '{% extends "base.html" %}\n{% block content %}\n<p>{{ digest.title }}</p>\n'
        "{% if %}\n{% endblock %}\n",
        "templates/digest.html:4: template syntax error: Expected an expression",
    ),
    "undefined variable": (
        '{% extends "base.html" %}\n{% block content %}\n<p>{{ digest.title }}</p>\n\n'
        "<p>{{ no_such_name }}</p>\n{% endblock %}\n",
        "templates/digest.html:5: template error: 'no_such_name' is undefined",
    ),
    "undefined attribute": (
        '{% extends "base.html" %}\n{% block content %}\n{{ digest.subtitle }}\n{% endblock %}\n',
        "templates/digest.html:3: template error:",
    ),
    "unknown filter": (
        '{% extends "base.html" %}\n{% block content %}\n\n{{ digest.title|shout }}\n'
        "{% endblock %}\n",
        "templates/digest.html:4: template syntax error: No filter named 'shout'",
    ),
}


@pytest.mark.parametrize("case", list(TEMPLATE_CASES))
def test_site_template_mistake_points_into_the_template(tmp_path: Path, case: str) -> None:
    template, expected = TEMPLATE_CASES[case]
    make_site(tmp_path, {"a.md": GOOD.format(n=1)})
    assert run("build", "--root", str(tmp_path)).exit_code == 0
    before = snapshot(tmp_path / "site")
    make_site(tmp_path, {}, templates={"digest.html": template})
    errors = build_errors(tmp_path)
    assert any(line.startswith(expected) for line in errors), errors
    assert snapshot(tmp_path / "site") == before


def test_included_partial_mistake_points_into_the_partial(tmp_path: Path) -> None:
    make_site(
        tmp_path,
        {"a.md": GOOD.format(n=1)},
        templates={"partials/footer.html": "<p>\n{{ site.owner }}</p>\n"},
    )
    errors = build_errors(tmp_path)
    assert errors[0].startswith("templates/partials/footer.html:2: template error:"), errors
