"""Raw HTML in a digest never runs: not on its page, in a feed or in the email edition.

The policy's tokenizer and a browser may read raw HTML differently (comments such as
``<!-->`` are the classic case); the sanitizer has the last word. Output is parsed as a
browser parses it (html5lib) and checked for scripts, handlers, unsafe URLs and
elements that content must never bring.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import html5lib
import pytest
from activecontent import page_problems, site_problems
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sitefactory import make_site, run

CONFIG = 'title: "T"\nbase_url: "https://example.org/"\nexport_formats: [email]\n'

# The classic payloads of OWASP's XSS filter evasion cheat sheet, as a digest holds them.
OWASP = [
    "<SCRIPT SRC=https://xss.rocks/xss.js></SCRIPT>",
    "javascript:/*--></title></style></textarea></script></xmp>"
    "<svg/onload='+/\"/+/onmouseover=1/+/[*/[]/+alert(1)//'>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>',
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<IMG SRC= onmouseover=\"alert('xxs')\">",
    "<IMG onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    '<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114'
    "&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116"
    '&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;"
    "&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105"
    "&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040"
    "&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65"
    "&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0D;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    '<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>',
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    '<SCRIPT/SRC="http://xss.rocks/xss.js"></SCRIPT>',
    '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    "<SCRIPT SRC=http://xss.rocks/xss.js?< B >",
    "<SCRIPT SRC=//xss.rocks/.j>",
    "<IMG SRC=\"`<javascript:alert>`('XSS')\"",
    "<iframe src=http://xss.rocks/scriptlet.html <",
    '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<IMG DYNSRC=\"javascript:alert('XSS')\">",
    "<IMG LOWSRC=\"javascript:alert('XSS')\">",
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<IMG SRC='vbscript:msgbox(\"XSS\")'>",
    "<svg/onload=alert('XSS')>",
    "<BODY ONLOAD=alert('XSS')>",
    "<BGSOUND SRC=\"javascript:alert('XSS');\">",
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    "<STYLE>@import'http://xss.rocks/xss.css';</STYLE>",
    '<META HTTP-EQUIV="Link" Content="<http://xss.rocks/xss.css>; REL=stylesheet">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,'
    'PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">',
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    '<IFRAME SRC=# onmouseover="alert(document.cookie)"></IFRAME>',
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
    "<TABLE><TD BACKGROUND=\"javascript:alert('XSS')\">",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">",
    "<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">",
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.rocks/scriptlet.html"></OBJECT>',
    '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIwMDAvc'
    "3ZnIiB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHhtbG5zOnhsaW5rPSJodHRwOi8vd3d3LnczLm9y"
    'Zy8xOTk5L3hsaW5rIiB2ZXJzaW9uPSIxLjAiIHg9IjAiIHk9IjAiIHdpZHRoPSIxOTQiIGhlaWdodD0iMjAw">',
    '<SCRIPT a=">" SRC="httx://xss.rocks/xss.js"></SCRIPT>',
    '<SCRIPT a=`>` SRC="httx://xss.rocks/xss.js"></SCRIPT>',
    "<A HREF=\"javascript:document.location='http://www.google.com/'\">XSS</A>",
    '<a href="jav&#x09;ascript:alert(1)">tab</a>',
    '<a href="&#x6A;avascript&colon;alert(1)">named colon</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<svg><a xlink:href="javascript:alert(1)"><text x=20 y=20>XSS</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<form><button formaction=javascript:alert(1)>X</button></form>",
    "<details open ontoggle=alert(1)>",
    '<!--><img src=x onerror="alert(1)">-->',
    '<!--->x<img src=x onerror="alert(1)">-->',
    '<!-- a --!><img src=x onerror="alert(1)">-->',
    "<![CDATA[><img src=x onerror=alert(1)>]]>",
    "<?xml ><img src=x onerror=alert(1)>?>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<title><img src=x onerror=alert(1)></title>",
    "<textarea><img src=x onerror=alert(1)></textarea>",
]


def digest_with(fragments: list[str]) -> str:
    """A digest holding each fragment inline in a section title, a commentary and a
    nested note, and as a block between items and inside an item's notes."""
    parts = ["---\ntitle: x\ndate: 2020-01-02\n---\n"]
    for n, raw in enumerate(fragments):
        inline = " ".join(raw.split("\n"))
        block = "\n".join(line for line in raw.split("\n") if line.strip())
        parts.append(
            f"## Section {n} {inline}\n\n"
            f"- [Item {n}](https://example.com/{n}) - says {inline}\n"
            f"    - note {inline}\n"
            f"        - nested {inline}\n\n"
            + "".join(f"    {line}\n" for line in block.split("\n"))
            + f"\nbetween {n}\n\n{block}\n\n"
        )
    return "\n".join(parts)


def built_problems(root: Path) -> dict[str, list[str]]:
    result = run("build", "--root", str(root))
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    return site_problems(root / "site")


def test_the_owasp_payloads_never_run(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"x.md": digest_with(OWASP)}, config=CONFIG)
    assert built_problems(root) == {}
    email = (root / "site" / "digests" / "x" / "email.html").read_bytes()
    assert page_problems(email) == []


def test_the_comment_trick_is_named_in_a_warning(tmp_path: Path) -> None:
    body = '\n<!--><img src=x onerror="alert(1)">-->\n'
    text = f"---\ntitle: x\ndate: 2020-01-02\n---\n{body}"
    root = make_site(tmp_path, {"x.md": text}, config=CONFIG)
    result = run("build", "--root", str(root))
    assert result.exit_code == 0, result.stderr
    assert "digests/x.md:6: warning: raw HTML <img onerror=...> is shown as text" in (
        result.stderr.replace(f"{root}/", "")
    )
    page = (root / "site" / "digests" / "x" / "index.html").read_bytes()
    main = html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False).find(".//main")
    assert main is not None and main.find(".//img") is None
    assert '<img src=x onerror="alert(1)">' in "".join(main.itertext())


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("<details><summary>More</summary>", "<details> is never closed"),
        ("</div>", "</div> closes nothing"),
        ("<div><b>x</div>", "<b> is never closed"),
    ],
)
def test_unbalanced_raw_html_is_repaired_with_a_warning(
    tmp_path: Path, raw: str, problem: str
) -> None:
    body = f"## S\n\n- [a](https://a.org) b\n\n{raw}\n\n- [c](https://c.org) d\n"
    text = f"---\ntitle: x\ndate: 2020-01-02\n---\n\n{body}"
    root = make_site(tmp_path, {"x.md": text}, config=CONFIG)
    result = run("build", "--root", str(root))
    assert result.exit_code == 0, result.stderr
    message = f"raw HTML is not balanced ({problem}); it is repaired within this block"
    assert f"digests/x.md:10: warning: {message}" in result.stderr.replace(f"{root}/", "")
    page = (root / "site" / "digests" / "x" / "index.html").read_bytes()
    tree = html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False)
    # The second item stays outside: nothing the block left open swallowed it.
    assert tree.find(".//main//li//a[@href='https://c.org']") is not None
    for element in tree.iterfind(".//main//*"):
        if element.tag in ("details", "div", "b"):
            assert element.find(".//a[@href='https://c.org']") is None


TAG_NAMES = """script img a svg math iframe object embed base form meta link style div details b
p table td mglyph foreignObject animate set use title textarea noscript template button mtext"""
TAGS = st.sampled_from(TAG_NAMES.split())
ATTRIBUTE_WORDS = """onerror onload ONclick onmouseover href src xlink:href action formaction style
srcdoc data to values attributeName title alt"""
ATTRIBUTE_NAMES = st.sampled_from(ATTRIBUTE_WORDS.split())
URLS = st.sampled_from(
    [
        *("javascript:alert(1)", "JaVaScRiPt:alert(1)", " java\tscript:alert(1)"),
        *("jav&#x09;ascript:alert(1)", "&#106;avascript:alert(1)", "javascript&colon;alert(1)"),
        *("data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "&#x64;ata:x"),
        *("java\nscript:1", "x", "alert(1)", "https://example.com/", "  javascript:1"),
    ]
)
ATTRIBUTES = st.builds(
    lambda name, value, quote: f" {name}={quote}{value}{quote}",
    ATTRIBUTE_NAMES,
    URLS,
    st.sampled_from(['"', "'", ""]),
)
START_TAGS = st.builds(
    lambda tag, attrs, end: f"<{tag}{''.join(attrs)}{end}",
    TAGS,
    st.lists(ATTRIBUTES, max_size=3),
    st.sampled_from([">", "/>", " >", ""]),
)
PIECES = st.one_of(
    START_TAGS,
    TAGS.map(lambda tag: f"</{tag}>"),
    st.sampled_from(["<!--", "-->", "--!>", "<!-->", "<!--->", "<!-- c -->", "<!x>", "<?x>"]),
    st.sampled_from(["<![CDATA[", "]]>", "text", "&", "<", ">", '"', "'", " ", "\n", "&lt;"]),
)
RAW_HTML = st.lists(PIECES, min_size=1, max_size=12).map("".join)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(RAW_HTML, min_size=1, max_size=3))
def test_generated_raw_html_never_runs(fragments: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = make_site(Path(folder), {"x.md": digest_with(fragments)}, config=CONFIG)
        result = run("build", "--root", str(root))
        assert "Traceback" not in result.stderr
        if result.exit_code != 0:  # only a link written with an unsafe scheme stops it
            assert "link with unsafe scheme" in result.stderr, result.stderr
            return
        assert site_problems(root / "site") == {}
        assert page_problems((root / "site/digests/x/email.html").read_bytes()) == []


def test_the_example_blog_has_no_active_content(example_site: Path) -> None:
    assert site_problems(example_site) == {}


def test_the_haskell_weekly_archive_has_no_active_content(corpus_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "hw"
    shutil.copytree(corpus_dir, root, ignore=shutil.ignore_patterns("site", ".digestgen-cache"))
    result = run("build", "--root", str(root), "--output", str(tmp_path / "out"), "--force-output")
    assert result.exit_code == 0, result.stderr
    assert site_problems(tmp_path / "out", pages="digests/*/index.html") == {}
