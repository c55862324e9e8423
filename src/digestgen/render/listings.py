"""The listing pages: the home page, the link index, each tag's and each domain's pages,
cut into stable pages (``site.listings.stable_pages``), and the stats page."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from digestgen.render.context import Context, Files, Output, page
from digestgen.site.links import DomainInfo
from digestgen.site.listings import PageSlice, stable_pages
from digestgen.site.stats import bar_chart, items_over_time
from digestgen.site.tags import TagInfo, top_tags

LINKS_PER_PAGE = 50
# How many of the digests carrying a tag its first page shows, newest first.
TAG_DIGESTS = 10


def pagination(piece: PageSlice) -> dict[str, Any]:
    """What a template knows of where a page sits among its listing's pages."""
    return {"number": piece.number, "newer_url": piece.newer, "older_url": piece.older}


def _nav(piece: PageSlice) -> list[str]:
    return [str(piece.number), piece.newer or "", piece.older or ""]


def _shown(ctx: Context, positions: Sequence[int]) -> list[int]:
    """A page's entries as shown: newest digest first, page order within a digest."""
    place = ctx.listings.items.place
    return sorted(positions, key=lambda position: (place[position], position))


def _links_page(
    ctx: Context, template: str, piece: PageSlice, refs: Sequence[int], extra: dict[str, Any]
) -> Files:
    links = [ctx.item(position) for position in _shown(ctx, refs[piece.start : piece.stop])]
    title = extra["page_title"]
    context = {
        **extra,
        "page_title": title if piece.number is None else f"{title}, page {piece.number}",
        "links": links,
        "pagination": pagination(piece),
    }
    return page(ctx, piece.folder + "index.html", template, context)


def _link_listing(
    ctx: Context,
    template: str,
    folder: str,
    refs: Sequence[int],
    extra: tuple[dict[str, Any], str],
    first: tuple[dict[str, Any], list[str]],
) -> list[Output]:
    """The stable pages of a listing of the items at positions ``refs``. ``extra`` is
    what its numbered pages show besides their entries (their context, and that context
    named: a tag's or a domain's name), ``first`` what its first page shows besides (its
    context and what names it)."""
    outputs = []
    entries = ctx.listings.items.entries
    for piece in stable_pages(folder, len(refs), LINKS_PER_PAGE):
        shown, named = (first[0], first[1]) if piece.number is None else (extra[0], [extra[1]])
        inputs = [*_nav(piece), *named, *map(entries.__getitem__, refs[piece.start : piece.stop])]
        make = partial(_links_page, template=template, piece=piece, refs=refs, extra=shown)
        outputs.append(Output(piece.folder + "index.html", inputs, make))
    return outputs


def _home_page(ctx: Context, piece: PageSlice, places: Sequence[int]) -> Files:
    shown = sorted(places[piece.start : piece.stop])
    context = {
        "page_title": ctx.config.title if piece.number is None else f"Page {piece.number}",
        "digests": [ctx.digest(place) for place in shown],
        "pagination": pagination(piece),
    }
    return page(ctx, piece.folder + "index.html", "index.html", context)


def home_outputs(ctx: Context) -> list[Output]:
    """The latest digests, ``per_page`` a page, each card with its first item titles."""
    places = list(range(len(ctx.heads) - 1, -1, -1))
    outputs = []
    for piece in stable_pages("", len(places), ctx.config.per_page):
        inputs = ["home", *_nav(piece)]
        for place in places[piece.start : piece.stop]:
            head = ctx.heads[place]
            inputs += [head.key, ctx.show[place]]
        make = partial(_home_page, piece=piece, places=places)
        outputs.append(Output(piece.folder + "index.html", inputs, make))
    return outputs


def listing_outputs(ctx: Context) -> list[Output]:
    """The home page, the link index, the pages of each tag and domain, and stats."""
    outputs = home_outputs(ctx)
    links = {"page_title": "All links", "description": "Every link of every digest."}
    everything = range(len(ctx.listings.items))
    outputs += _link_listing(ctx, "links.html", "links/", everything, (links, ""), (links, []))
    for tag in ctx.listings.tags:
        extra = {
            "page_title": f"Tag: {tag.name}",
            "description": f"Digests and links tagged {tag.name}.",
            "tag": TagInfo(tag.name, tag.slug, tag.url, None),
            "digests": (),
            "digest_count": 0,
        }
        # The tag's count and its newest digests are on its first page only: the
        # numbered pages never change once full.
        places = list(reversed(tag.digests))[:TAG_DIGESTS]
        carriers = [ctx.heads[place] for place in places]
        inputs = [str(len(tag.digests)), *(ctx.heads[p].key + ctx.show[p] for p in places)]
        own = {**extra, "tag": tag.info(), "digests": carriers, "digest_count": len(tag.digests)}
        named = f"tag\x1f{tag.name}\x1f{tag.slug}"
        first = (own, [f"{named}\x1f{tag.count}", *inputs])
        outputs += _link_listing(ctx, "tag.html", tag.url, tag.items, (extra, named), first)
    for domain in ctx.listings.domains:
        extra = {
            "page_title": f"Links to {domain.host}",
            "description": f"Every link to {domain.host} in the digests.",
            "domain": DomainInfo(domain.host, domain.slug, domain.url, None),
        }
        named = f"domain\x1f{domain.host}\x1f{domain.slug}"
        first = ({**extra, "domain": domain.info()}, [f"{named}\x1f{domain.count}"])
        outputs += _link_listing(
            ctx, "domain.html", domain.url, domain.items, (extra, named), first
        )
    outputs.append(stats_output(ctx))
    return outputs


def stats_output(ctx: Context) -> Output:
    """Links per digest over time, the top domains and the top tags."""
    heads = ctx.heads
    inputs = [
        f"{s}\x1f{h.item_count}\x1f{h.link_count}" for s, h in zip(ctx.show, heads, strict=True)
    ]
    inputs += [f"{d.host}\x1f{d.slug}\x1f{d.count}" for d in ctx.listings.domains[:15]]
    inputs += [repr(t) for t in top_tags(ctx.listings.tags)]
    return Output("stats/index.html", inputs, _stats)


def _stats(ctx: Context) -> Files:
    tags = top_tags(ctx.listings.tags)
    domains = [domain.info() for domain in ctx.listings.domains[:15]]
    charts = {
        "items": items_over_time(ctx.heads),
        "domains": bar_chart([(d.host, d.count or 0) for d in domains], "Top domains", "c-dom"),
        "tags": bar_chart([(t.name, t.count or 0) for t in tags], "Top tags", "c-tag"),
    }
    context = {
        "page_title": "Stats",
        "description": "Links per digest, top domains and top tags.",
        "charts": charts,
        "digests": ctx.heads,
        "top_domains": domains,
        "top_tags": [(t.name, t.url, t.count) for t in tags],
    }
    return page(ctx, "stats/index.html", "stats.html", context)
