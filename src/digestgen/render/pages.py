"""The Jinja environment and the HTML pages, returned as ``{path: text}``."""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypedDict

import jinja2
import markupsafe

from digestgen.build.fingerprint import code_fingerprint, user_cache_dir
from digestgen.build.layout import Groupings
from digestgen.config import SiteConfig
from digestgen.errors import RenderError
from digestgen.model import Block, Digest, Item, Section, Site
from digestgen.site.links import (
    Domain,
    Link,
    all_links,
    domain_path,
    reading_minutes,
    table_of_contents,
    top_tags,
)
from digestgen.site.stats import bar_chart, items_over_time
from digestgen.site.tags import Tag, TagInfo, by_year, neighbours, tag_url

THEME_DIR = Path(__file__).parent.parent / "theme"


class Pagination(TypedDict):
    number: int
    total: int
    previous_url: str | None
    next_url: str | None


class PageContext(TypedDict, total=False):
    """What a template sees. ``site``, ``page_title``, ``canonical`` and ``description``
    are in every page; the rest depends on the template (see README)."""

    site: SiteConfig
    page_title: str
    description: str
    canonical: str
    path: str
    tags: Sequence[Tag]
    digests: Sequence[Digest]
    pagination: Pagination
    digest: Digest
    older: Digest | None
    newer: Digest | None
    years: list[tuple[int, list[Digest]]]
    tag: TagInfo
    links: Sequence[Link]
    domains: Sequence[Domain]
    domain: Domain
    charts: dict[str, str]
    top_domains: Sequence[Domain]
    top_tags: Sequence[tuple[str, str, int]]


def group_content(content: Sequence[Item | Block]) -> Iterator[tuple[str, list[Any]]]:
    """Runs of consecutive items (``"items"``) and single blocks (``"block"``), in order."""
    run: list[Any] = []
    for part in content:
        if isinstance(part, Item):
            run.append(part)
            continue
        if run:
            yield "items", run
            run = []
        yield "block", [part]
    if run:
        yield "items", run


def compiled_templates() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between builds and processes, checked against each
    template's source (an edited template is compiled again). They live in the user's
    cache folder, never in the site: loading compiled code a site brought would run it.
    The folder is named by digestgen's code fingerprint: compiled code depends on our
    filters too (Jinja fixes at compile time whether a filter is passed the context)."""
    folder = user_cache_dir() / "templates" / code_fingerprint()[:16]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.utime(folder)  # in use: kept by the pruning below
        _prune_unused(folder.parent, keep=folder)
    except OSError:
        return None
    return _BytecodeCache(str(folder))


class _BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's cache of compiled templates, whose failure to write costs a compile, not
    the build (the folder is shared by every digestgen process of the user)."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


UNUSED_DAYS = 30


def _prune_unused(parent: Path, keep: Path) -> None:
    """Remove other digestgen versions' compiled templates once unused for a month
    (not sooner: another installed version may be building right now)."""
    cutoff = time.time() - UNUSED_DAYS * 86400
    for other in parent.iterdir():
        if other != keep and other.stat().st_mtime < cutoff:
            if other.is_dir():
                shutil.rmtree(other, ignore_errors=True)
            else:
                other.unlink(missing_ok=True)


try:  # the C escaper behind markupsafe.escape (markupsafe 3)
    from markupsafe._speedups import _escape_inner
except ImportError:  # another markupsafe: its own escape, unchanged
    _escape_inner = None  # type: ignore[assignment]

_new_str = str.__new__


def fast_escape(value: Any) -> markupsafe.Markup:
    """``markupsafe.escape``, the same text, without its Python-level ``Markup`` constructor
    for the commonest cases: a plain string (escaped by markupsafe's own C code) and a
    value already marked safe (returned as it is). Autoescaped output calls this for
    every ``{{ }}``: 1.8 million times in a cold build of 1,000 digests, where
    ``markupsafe.escape`` took 0.8-1.0 us a call against 0.4-0.5 us here (a loop over
    1.8 million short strings, alternated)."""
    if type(value) is str and _escape_inner is not None:
        return _new_str(markupsafe.Markup, _escape_inner(value))
    if type(value) is markupsafe.Markup:
        return value
    return markupsafe.escape(value)


class _Template(jinja2.Template):
    """A template whose autoescaped output goes through ``fast_escape``. Jinja's compiled
    code takes ``escape`` from its module's namespace, which is swapped here, after
    compiling or loading the code; if a Jinja version names it otherwise, the template
    keeps markupsafe's."""

    @classmethod
    def from_code(
        cls,
        environment: jinja2.Environment,
        code: Any,
        globals: Any,
        uptodate: Callable[[], bool] | None = None,
    ) -> jinja2.Template:
        template = super().from_code(environment, code, globals, uptodate)
        namespace = template.root_render_func.__globals__
        if namespace.get("escape") is markupsafe.escape:
            namespace["escape"] = fast_escape
        return template


def make_environment(config: SiteConfig, site_templates: Path | None) -> jinja2.Environment:
    """Site templates first, then the theme's; autoescape on, undefined names fail."""
    loaders: list[jinja2.BaseLoader] = []
    if site_templates is not None and site_templates.is_dir():
        loaders.append(jinja2.FileSystemLoader(site_templates))
    loaders.append(jinja2.FileSystemLoader(THEME_DIR / "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Compile each template once per build instead of checking its file on every use;
        # each build has its own environment, so an edited template is read again.
        auto_reload=False,
        bytecode_cache=compiled_templates(),
    )
    env.template_class = _Template
    base = config.base_path

    def url(path: str = "") -> str:
        return base + path.lstrip("/")

    def abs_url(path: str = "") -> str:
        return config.base_url + path.lstrip("/")

    @jinja2.pass_context
    def url_filter(context: jinja2.runtime.Context, path: str = "") -> str:
        # The ``url`` the context holds: feed content passes one that makes absolute URLs.
        resolved: Callable[[str], str] = context.resolve_or_missing("url")
        return resolved(path)

    helpers = {"url": url, "abs_url": abs_url, "tag_path": tag_url}
    env.globals.update(helpers, anchor_base="", group_content=group_content)
    # The same helpers as filters (``path|url``): Jinja calls a filter directly, a
    # global function through the context, with checks on every call.
    env.filters.update(helpers, url=url_filter)
    zone = config.tz

    # A digest's date is shown beside each of its links: formatted once per date.
    @lru_cache(maxsize=4096)
    def date(moment: datetime, fmt: str = "%B %-d, %Y") -> str:
        return moment.astimezone(zone).strftime(fmt)

    @lru_cache(maxsize=4096)
    def isodate(moment: datetime) -> str:
        return moment.astimezone(zone).isoformat()

    env.filters.update(date=date, isodate=isodate)
    return env


def _template_error(exc: Exception, env: jinja2.Environment) -> RenderError:
    """A ``path:line`` error pointing into the template that failed."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return RenderError(f"template syntax error: {exc.message}", exc.filename, exc.lineno)
    frames = traceback.extract_tb(sys.exc_info()[2])
    for frame in reversed(frames):
        if frame.filename.endswith((".html", ".xml", ".txt")):
            return RenderError(f"template error: {exc}", frame.filename, frame.lineno)
    return RenderError(f"template error: {exc}")


@dataclass(frozen=True, slots=True)
class Page:
    """One HTML page to render: where it goes, its template and what the template sees."""

    path: str
    template: str
    context: PageContext


class Renderer:
    """Renders the site's pages through one Jinja environment."""

    def __init__(
        self, site: Site, site_templates: Path | None, groupings: Groupings | None = None
    ) -> None:
        """``groupings``, the site's links grouped (``Groupings.of(site)`` if not given)."""
        self.site = site
        self.config = site.config
        self.env = make_environment(site.config, site_templates)
        grouped = groupings or Groupings.of(site)
        self.tags = grouped.tags
        self.domain_links = grouped.domain_links
        self.domains = tuple(domain for domain, _ in self.domain_links)
        self.featured = featured = grouped.featured

        # Hosts are normalised once here, not once per listing of an item.
        def featured_in(item: Item) -> tuple[tuple[Digest, Item], ...]:
            return featured.get(id(item), ())

        self.env.globals.update(
            also_featured=featured_in,
            domain_path=domain_path,
            reading_minutes=reading_minutes,
            table_of_contents=table_of_contents,
        )
        self.env.filters.update(also_featured=featured_in, domain_path=domain_path)

    def abs_url(self, path: str = "") -> str:
        """An absolute URL for a path below the site root (used in feeds)."""
        return self.config.base_url + path.lstrip("/")

    def render(self, template: str, path: str, context: PageContext) -> str:
        full: dict[str, Any] = {
            "site": self.config,
            "description": self.config.description,
            "canonical": self.config.base_url + path.removesuffix("index.html"),
            "path": path,
            **context,
        }
        try:
            return self.env.get_template(template).render(full)
        except (jinja2.TemplateError, TypeError, AttributeError, ValueError) as exc:
            error = _template_error(exc, self.env)
            if error.path is None and not isinstance(exc, jinja2.TemplateError):
                raise
            raise error from None

    def pages(self) -> dict[str, str]:
        """Every page rendered, as ``{path: html}``."""
        return {page.path: self.render_page(page) for page in self.page_list()}

    def render_page(self, page: Page) -> str:
        return self.render(page.template, page.path, page.context)

    def page_list(self) -> list[Page]:
        """Every page of the site, not yet rendered (the build renders only changed ones).

        A page's context holds digests and items themselves, and values worked out from
        what ``plan.digest_shape`` covers (titles, dates, tags, links, counts). A value
        worked out from anything else of a digest (its commentary, notes, blocks, intro,
        summary, word count or lines) must sit on a page that also holds that digest: a
        page's key is kept while the digests it holds keep theirs."""
        out: list[Page] = []
        out.extend(self.index_pages())
        for index, digest in enumerate(self.site.digests):
            older, newer = neighbours(self.site, index)
            path = digest.url + "index.html"
            out.append(
                Page(
                    path,
                    "digest.html",
                    {
                        "page_title": digest.title,
                        "description": digest.summary or self.config.description,
                        "digest": digest,
                        "older": older,
                        "newer": newer,
                    },
                )
            )
        out.append(
            Page(
                "archive/index.html",
                "archive.html",
                {"page_title": "Archive", "years": by_year(self.site.digests, self.site)},
            )
        )
        out.append(Page("tags/index.html", "tags.html", {"page_title": "Tags", "tags": self.tags}))
        for tag in self.tags:
            pages = self.paginated(
                "tag.html",
                tag.url,
                tag.items,
                LINKS_PER_PAGE,
                {
                    "page_title": f"Tag: {tag.name}",
                    "description": f"Digests and links tagged {tag.name}.",
                    "tag": TagInfo.of(tag),
                    "digests": tag.digests,
                },
            )
            for later in pages[1:]:  # the digests carrying the tag are listed on its first page
                later.context["digests"] = ()
            out.extend(pages)
        out.append(Page("404.html", "404.html", {"page_title": "Page not found"}))
        out.extend(self.link_pages())
        return out

    def paginated(
        self,
        template: str,
        folder: str,
        entries: Sequence[Link],
        per_page: int,
        context: PageContext,
    ) -> list[Page]:
        """``folder``, ``folder/page/2/``...: ``entries`` as ``links``, ``per_page`` a page."""
        total = max(1, math.ceil(len(entries) / per_page))

        def page_path(number: int) -> str:
            return folder if number == 1 else f"{folder}page/{number}/"

        out: list[Page] = []
        for number in range(1, total + 1):
            path = page_path(number) + "index.html"
            title = context["page_title"]
            page = context.copy()
            page["page_title"] = title if number == 1 else f"{title}, page {number}"
            page["links"] = entries[(number - 1) * per_page : number * per_page]
            page["pagination"] = {
                "number": number,
                "total": total,
                "previous_url": page_path(number - 1) if number > 1 else None,
                "next_url": page_path(number + 1) if number < total else None,
            }
            out.append(Page(path, template, page))
        return out

    def link_pages(self) -> list[Page]:
        """The link index, the domains overview and pages, and the stats page."""
        out = self.paginated(
            "links.html",
            "links/",
            all_links(self.site),
            LINKS_PER_PAGE,
            {"page_title": "All links", "description": "Every link of every digest."},
        )
        out.append(
            Page(
                "domains/index.html",
                "domains.html",
                {"page_title": "Domains", "domains": self.domains},
            )
        )
        for domain, links in self.domain_links:
            out.extend(
                self.paginated(
                    "domain.html",
                    domain.url,
                    links,
                    LINKS_PER_PAGE,
                    {
                        "page_title": f"Links to {domain.host}",
                        "description": f"Every link to {domain.host} in the digests.",
                        "domain": domain,
                    },
                )
            )
        tags = top_tags(self.site, tags=self.tags)
        domains = self.domains[:15]
        charts = {
            "items": items_over_time(self.site),
            "domains": bar_chart([(d.host, d.count) for d in domains], "Top domains", "c-dom"),
            "tags": bar_chart([(n, c) for n, _, c in tags], "Top tags", "c-tag"),
        }
        out.append(
            Page(
                "stats/index.html",
                "stats.html",
                {
                    "page_title": "Stats",
                    "description": "Links per digest, top domains and top tags.",
                    "charts": charts,
                    "digests": self.site.digests,
                    "top_domains": domains,
                    "top_tags": tags,
                },
            )
        )
        return out

    def index_pages(self) -> list[Page]:
        per_page = self.config.per_page
        digests = self.site.digests
        total = max(1, math.ceil(len(digests) / per_page))

        def page_path(number: int) -> str:
            return "" if number == 1 else f"page/{number}/"

        out: list[Page] = []
        for number in range(1, total + 1):
            path = page_path(number) + "index.html"
            out.append(
                Page(
                    path,
                    "index.html",
                    {
                        "page_title": self.config.title if number == 1 else f"Page {number}",
                        "digests": digests[(number - 1) * per_page : number * per_page],
                        "pagination": {
                            "number": number,
                            "total": total,
                            "previous_url": page_path(number - 1) if number > 1 else None,
                            "next_url": page_path(number + 1) if number < total else None,
                        },
                    },
                )
            )
        return out

    def fragment(self, template: str, **context: Any) -> str:
        """A partial such as a feed entry's content, outside of any page."""
        return self.render(template, "", {"site": self.config, **context})  # type: ignore[typeddict-item]


LINKS_PER_PAGE = 50


def newest(site: Site) -> datetime | None:
    return max((d.last_modified for d in site.digests), default=None)


__all__ = ["Callable", "Page", "PageContext", "Renderer", "Section", "newest"]
