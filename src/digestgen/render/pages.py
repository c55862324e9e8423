"""The site's HTML pages as outputs: each names what it shows and renders from a context.

A digest's page shows its digest (by key), its neighbours' titles and the earlier
digests that featured its links. A listing page shows its entries (each item's key and
its digest's title, page and date) and where its neighbours are. The overviews show
names and counts. Nothing else reaches a page, so its inputs are its key.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any, NamedTuple

from digestgen.errors import ParseError
from digestgen.render.context import Context, Files, Output, page
from digestgen.render.files import feed_paths
from digestgen.render.listings import listing_outputs
from digestgen.site.links import Domain, by_year

# Folders of the site's own pages and files: a digest's page may not sit in one.
SITE_FOLDERS = ("archive", "tags", "links", "domains", "stats", "page", "search", "static")
# The site's own files besides its feeds (whose paths are settings).
SITE_FILES = ("sitemap.xml", "robots.txt", "404.html")


def _digest_page(ctx: Context, place: int, first: int) -> Files:
    heads, items = ctx.heads, ctx.listings.items
    digest = ctx.digest(place)
    featured: dict[str, list[tuple[Any, Any]]] = {}
    for position, earlier in _featured_of(ctx, first, digest.item_count):
        featured[items.anchors[position]] = [
            (heads[items.place[p]], Anchor(items.anchors[p])) for p in earlier
        ]
    context = {
        "page_title": digest.title,
        "description": digest.summary or ctx.config.description,
        "digest": digest,
        "older": heads[place + 1] if place + 1 < len(heads) else None,
        "newer": heads[place - 1] if place > 0 else None,
        "featured": featured,
    }
    return page(ctx, digest.url + "index.html", "digest.html", context)


class Anchor(NamedTuple):
    """An earlier item as "also featured in" links it: by its anchor."""

    anchor: str


def _featured_of(ctx: Context, first: int, count: int) -> Iterable[tuple[int, tuple[int, ...]]]:
    """The items of a digest (``count`` of them from position ``first``) featured before,
    each with the earlier items."""
    featured = ctx.listings.featured
    for position in range(first, first + count):
        earlier = featured.get(position)
        if earlier:
            yield position, earlier


def digest_outputs(ctx: Context) -> list[Output]:
    """One page per digest."""
    heads, items = ctx.heads, ctx.listings.items
    outputs = []
    first = len(items)
    for place, head in enumerate(heads):
        first -= head.item_count  # positions run from the oldest digest
        inputs = [head.key]
        for neighbour in (place - 1, place + 1):
            inputs.append(ctx.show[neighbour] if 0 <= neighbour < len(heads) else "")
        for position, earlier in _featured_of(ctx, first, head.item_count):
            inputs.append(str(position - first))
            inputs += (ctx.show[items.place[p]] + items.anchors[p] for p in earlier)
        path = head.url + "index.html"
        outputs.append(Output(path, inputs, partial(_digest_page, place=place, first=first)))
    return outputs


def overview_outputs(ctx: Context) -> list[Output]:
    """The archive, the tags and domains overviews and the 404 page."""
    heads, listings = ctx.heads, ctx.listings
    archive = [
        f"{s}\x1f{h.item_count}\x1f{h.link_count}\x1f{h.draft}"
        for s, h in zip(ctx.show, heads, strict=True)
    ]
    tag_names = [f"{t.name}\x1f{t.slug}\x1f{t.count}" for t in listings.tags]
    return [
        Output("archive/index.html", archive, _archive),
        Output("tags/index.html", tag_names, _tags_overview),
        *domain_overview_outputs(ctx),
        Output("404.html", (), _not_found),
    ]


# The domains overview shows the most linked hosts; every host is listed on the page of
# its first character, so that a new link changes one such page, not a list of all.
TOP_DOMAINS = 50


def _letter(slug: str) -> str:
    return slug[0] if slug[0].isalpha() else "0"


def _domain_groups(ctx: Context) -> dict[str, list[Domain]]:
    groups: dict[str, list[Domain]] = {}
    for domain in sorted(ctx.listings.domains, key=lambda d: d.slug):
        groups.setdefault(_letter(domain.slug), []).append(domain)
    return groups


def domain_overview_outputs(ctx: Context) -> list[Output]:
    """The domains overview (the most linked hosts, and a page per first character)."""
    groups = _domain_groups(ctx)
    letters = [f"{letter}\x1f{len(hosts)}" for letter, hosts in groups.items()]
    top = [f"{d.host}\x1f{d.slug}\x1f{d.count}" for d in ctx.listings.domains[:TOP_DOMAINS]]
    total = str(len(ctx.listings.domains))
    index = _letters(groups)
    overview = partial(_domains_overview, letters=index)
    outputs = [Output("domains/index.html", [total, *letters, *top], overview)]
    for letter, hosts in groups.items():
        path = f"domains/by/{letter}/index.html"
        named = [f"{d.host}\x1f{d.slug}\x1f{d.count}" for d in hosts]
        make = partial(_domains_of, letter=letter, hosts=hosts, letters=index)
        outputs.append(Output(path, [*letters, *named], make))
    return outputs


def _letters(groups: dict[str, list[Domain]]) -> list[tuple[str, str, int]]:
    return [(letter, f"domains/by/{letter}/", len(hosts)) for letter, hosts in groups.items()]


def _archive(ctx: Context) -> Files:
    years = by_year(ctx.heads, ctx.config.tz)
    return page(
        ctx, "archive/index.html", "archive.html", {"page_title": "Archive", "years": years}
    )


def _tags_overview(ctx: Context) -> Files:
    tags = [tag.info() for tag in ctx.listings.tags]
    return page(ctx, "tags/index.html", "tags.html", {"page_title": "Tags", "tags": tags})


def _domains_overview(ctx: Context, letters: list[tuple[str, str, int]]) -> Files:
    top = [domain.info() for domain in ctx.listings.domains[:TOP_DOMAINS]]
    context = {
        "page_title": "Domains",
        "domains": top,
        "total": len(ctx.listings.domains),
        "letters": letters,
        "letter": None,
    }
    return page(ctx, "domains/index.html", "domains.html", context)


def _domains_of(
    ctx: Context, letter: str, hosts: list[Domain], letters: list[tuple[str, str, int]]
) -> Files:
    title = "Domains: 0-9 and others" if letter == "0" else f"Domains: {letter.upper()}"
    context = {
        "page_title": title,
        "domains": [domain.info() for domain in hosts],
        "total": len(ctx.listings.domains),
        "letters": letters,
        "letter": letter,
    }
    return page(ctx, f"domains/by/{letter}/index.html", "domains.html", context)


def _not_found(ctx: Context) -> Files:
    return page(ctx, "404.html", "404.html", {"page_title": "Page not found"})


def page_outputs(ctx: Context) -> list[Output]:
    """Every HTML page of the site."""
    outputs = listing_outputs(ctx)
    outputs += digest_outputs(ctx)
    outputs += overview_outputs(ctx)
    check_page_places(ctx, [output.name for output in outputs])
    return outputs


def check_page_places(ctx: Context, paths: list[str]) -> None:
    """A digest's page may not take the place of a site page (with a permalink such as
    ``/{slug}/``, a digest called ``archive`` would overwrite the archive), nor its folder
    the place of one of the site's own files (its feeds, sitemap.xml, robots.txt)."""
    digest_pages = {h.url + "index.html" for h in ctx.heads}
    firsts = {h.url.strip("/").split("/", 1)[0] for h in ctx.heads}
    taken: dict[str, str] = {}
    for path in sorted((p for p in paths if p.split("/", 1)[0] in firsts), reverse=True):
        if path in digest_pages:
            continue
        taken[path] = path
        parts = path.split("/")[:-1]
        for end in range(1, len(parts) + 1):
            taken["/".join(parts[:end]) + "/"] = path
    files = {*feed_paths(ctx.config.feeds).values(), *SITE_FILES}
    for head in ctx.heads:
        folder = head.url.strip("/")
        top = folder.split("/", 1)[0]
        clash = (taken.get(head.url) if head.url else None) or taken.get(folder)
        clash = clash or _file_in_the_way(folder, files)
        if top in SITE_FOLDERS or clash or not folder:
            place = clash if clash else (f"{top}/" if folder else "index.html")
            raise ParseError(
                f"this digest's page {head.url or '/'} would take the place of the site's "
                f"{place}; change its slug or the 'permalink' setting",
                head.path,
                head.line_of("slug"),
            )


def _file_in_the_way(folder: str, files: set[str]) -> str | None:
    """The site file whose path is ``folder`` or a folder above it, if there is one."""
    parts = folder.split("/")
    for end in range(1, len(parts) + 1):
        if "/".join(parts[:end]) in files:
            return "/".join(parts[:end])
    return None
