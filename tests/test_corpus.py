"""All Haskell Weekly issues build in one build, and no link or word of a body is lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import feedparser
import lxml.etree
import pytest
from conftest import SCHEMAS_DIR, body_of, lossless_problems

from digestgen.build import BuildResult, build


@pytest.fixture(scope="module")
def corpus_out(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of one build of the whole corpus (read-only, so built elsewhere)."""
    return tmp_path_factory.mktemp("corpus") / "site"


@pytest.fixture(scope="module")
def corpus_build(corpus_dir: Path, corpus_out: Path) -> BuildResult:
    # A build keeps its cache in the site's folder (.digestgen-cache): build a copy, so
    # that the shared corpus is never written to.
    copy = corpus_out.parent / "corpus-copy"
    shutil.copytree(corpus_dir, copy, ignore=shutil.ignore_patterns(".digestgen-cache"))
    return build(copy, output=corpus_out, force_output=True)


def test_every_issue_is_published(corpus_build: BuildResult, corpus_dir: Path) -> None:
    sources = sorted((corpus_dir / "digests").glob("*.md"))
    assert len(sources) == 538
    assert len(corpus_build.site.digests) == len(sources)
    numbers = sorted(d.number for d in corpus_build.site.digests if d.number is not None)
    assert len(numbers) == len(set(numbers)) == len(sources)
    assert sum(d.item_count for d in corpus_build.site.digests) > 538 * 3


def test_every_issue_has_its_page(corpus_build: BuildResult, corpus_out: Path) -> None:
    site = corpus_build.site
    missing = [d.path for d in site.digests if not (corpus_out / d.url / "index.html").is_file()]
    assert missing == []


def test_every_link_and_word_of_every_issue_is_on_its_page(
    corpus_build: BuildResult, corpus_out: Path, corpus_dir: Path
) -> None:
    failures: list[str] = []
    for digest in corpus_build.site.digests:
        source = (corpus_dir / "digests" / Path(digest.path).name).read_text(encoding="utf-8")
        page = (corpus_out / digest.url / "index.html").read_bytes()
        problems = lossless_problems(body_of(source), page)
        failures += [f"{digest.path}: {p}" for p in problems[:5]]
    assert failures == [], f"{len(failures)} problems, first: " + "\n".join(failures[:30])


def test_corpus_feeds_are_valid(corpus_build: BuildResult, corpus_out: Path) -> None:
    schema = lxml.etree.RelaxNG(lxml.etree.parse(str(SCHEMAS_DIR / "atom.rng")))
    assert schema.validate(lxml.etree.parse(str(corpus_out / "atom.xml"))), schema.error_log
    parsed = feedparser.parse((corpus_out / "feed.xml").read_bytes())
    assert not parsed.bozo
    assert len(parsed.entries) == 20
    sitemap = lxml.etree.XMLSchema(lxml.etree.parse(str(SCHEMAS_DIR / "sitemap.xsd")))
    sitemap.assertValid(lxml.etree.parse(str(corpus_out / "sitemap.xml")))
