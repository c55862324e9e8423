"""Shared fixtures: tiny sites written into tmp dirs, the example blog, the real corpus,
the lossless check of a digest page against its Markdown body, and ``--regen-golden``."""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path

import lxml.html
import pytest
from markdown_it import MarkdownIt

from digestgen.build import BuildResult, build
from digestgen.model import Site

REPO_ROOT = Path(__file__).resolve().parents[1]
# CI runs in a clone with shared/ beside it, i.e. <clone>/../shared.
CORPUS_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "haskell-weekly"
SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"

DEFAULT_CONFIG = 'title: "Test Digest"\nbase_url: "https://example.org/"\n'
WORD = re.compile(r"\w+")

Files = Mapping[str, str | bytes]
MakeSite = Callable[..., Path]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        default=False,
        help="Rewrite tests/golden/ from a build of the example blog instead of comparing.",
    )
    parser.addoption(
        "--start-method",
        choices=["fork", "spawn", "forkserver"],
        default=None,
        help="Start worker processes this way (macOS and Windows spawn them).",
    )


def pytest_configure(config: pytest.Config) -> None:
    method = config.getoption("--start-method")
    if method is not None:
        multiprocessing.set_start_method(method, force=True)


@pytest.fixture(scope="session")
def regen_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-golden"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout's root, holding the example blog (digestgen.yaml + digests/)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The Haskell Weekly corpus; skipped when absent locally, a failure on CI."""
    if not (CORPUS_DIR / "digests").is_dir():
        reason = f"Haskell Weekly corpus not found at {CORPUS_DIR} (expected <clone>/../shared)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return CORPUS_DIR


def write_files(root: Path, files: Files) -> Path:
    """Write ``{relative path: text or bytes}`` below ``root``."""
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def make_site(tmp_path: Path) -> MakeSite:
    """``make_site({path: content}, name="site-root")`` writes a tiny site and returns its root.

    A ``digestgen.yaml`` naming the site at https://example.org/ is added unless given.
    """

    def make(files: Files, name: str = "blog") -> Path:
        root = tmp_path / name
        root.mkdir(parents=True, exist_ok=True)
        if "digestgen.yaml" not in files:
            write_files(root, {"digestgen.yaml": DEFAULT_CONFIG})
        return write_files(root, files)

    return make


def digest_file(
    title: str, date: str, body: str, *, extra: str = "", number: int | None = None
) -> str:
    """The text of a digest file with front matter."""
    front = f'title: "{title}"\ndate: {date}\n'
    if number is not None:
        front += f"number: {number}\n"
    return f"---\n{front}{extra}---\n{body}"


def three_digests(extra_config: str = "", base_url: str = "https://example.org/") -> dict[str, str]:
    """A small site: two digests in 2023, one in 2024, digest tags and item tags."""
    return {
        "digestgen.yaml": f'title: "Tiny"\nbase_url: "{base_url}"\n{extra_config}',
        "digests/one.md": digest_file(
            "First",
            "2023-05-01",
            "Intro of the first.\n\n## Papers\n\n"
            "- [Paper](https://example.com/paper) - a paper #nlp\n"
            "- [Other](https://example.com/other) - no tag\n",
            number=1,
            extra="tags: [weekly]\n",
        ),
        "digests/two.md": digest_file(
            "Second",
            "2023-11-20",
            "## Tools\n\n- [Tool](https://example.com/tool) - a tool #NLP #rust\n",
            number=2,
            extra="tags: [weekly, tools]\n",
        ),
        "digests/three.md": digest_file(
            "Third",
            "2024-01-08",
            "## News\n\n- [News](https://example.com/news) - the news\n",
            number=3,
        ),
    }


def read_tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` as ``{posix relative path: bytes}``."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def copy_example(repo: Path, target: Path) -> Path:
    """A copy of the repo's example blog (config, digests, and any site templates/static)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(repo / "digestgen.yaml", target / "digestgen.yaml")
    for folder in ("digests", "templates", "static"):
        if (repo / folder).is_dir():
            shutil.copytree(repo / folder, target / folder)
    return target


@pytest.fixture(scope="session")
def example_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildResult, Path]:
    """The example blog built once per session into a tmp dir: the result and the folder."""
    out = tmp_path_factory.mktemp("example") / "site"
    return build(REPO_ROOT, output=out, force_output=True), out


@pytest.fixture(scope="session")
def example(example_build: tuple[BuildResult, Path]) -> Site:
    """The example blog's model, as its build parsed it."""
    return example_build[0].site


@pytest.fixture(scope="session")
def example_site(example_build: tuple[BuildResult, Path]) -> Path:
    """The output folder of the example blog's build."""
    return example_build[1]


def body_of(source: str) -> str:
    """The Markdown body of a digest file: everything after the closing ``---``."""
    lines = source.replace("\r\n", "\n").split("\n")
    assert re.match(r"^---[ \t]*$", lines[0]), "digest must start with front matter"
    for index in range(1, len(lines)):
        if re.match(r"^---[ \t]*$", lines[index]):
            return "\n".join(lines[index + 1 :])
    raise AssertionError("front matter never closed")


def reference_html(body: str) -> str:
    """The body rendered by plain markdown-it (CommonMark + tables + strikethrough)."""
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    return str(md.render(body))


def _fragment(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")


def hrefs_of(html_tree: lxml.html.HtmlElement) -> set[str]:
    return {str(h) for h in html_tree.xpath(".//a/@href")}


def words_of(html_tree: lxml.html.HtmlElement) -> Counter[str]:
    """The words of the text, split at tags too (``<a>x</a>by`` is the words ``x`` ``by``)."""
    return Counter(WORD.findall(" ".join(html_tree.xpath(".//text()"))))


def page_main(page: bytes) -> lxml.html.HtmlElement:
    """The ``<main>`` of a page, or its ``<body>`` when a theme has no ``<main>``."""
    doc = lxml.html.document_fromstring(page)
    mains = doc.xpath("//main")
    return mains[0] if mains else doc.body


def lossless_problems(body: str, page: bytes) -> list[str]:
    """What of the body is missing from its page: hrefs, image sources, and words (counted)."""
    reference = _fragment(reference_html(body))
    main = page_main(page)
    problems = [f"missing href {h!r}" for h in sorted(hrefs_of(reference) - hrefs_of(main))]
    images = {str(s) for s in reference.xpath(".//img/@src")} - set(main.xpath(".//img/@src"))
    problems += [f"missing image {src!r}" for src in sorted(images)]
    have = words_of(main)
    for word, count in sorted(words_of(reference).items()):
        if have[word] < count:
            problems.append(f"word {word!r} appears {have[word]} times, body has it {count}")
    return problems
