"""The site as a list of output jobs (pages, feeds, sitemap, static files), each keyed by
a fingerprint of everything it is made of, so that the build can skip unchanged ones."""

from __future__ import annotations

import contextlib
from array import array
from collections.abc import Callable, Mapping
from functools import partial
from itertools import compress
from operator import itemgetter
from pathlib import Path
from typing import cast

from digestgen.build.fingerprint import Fingerprinter, sha256
from digestgen.build.layout import digest_shape
from digestgen.build.output import Input, Inputs, Job, Traced
from digestgen.errors import ParseError
from digestgen.model import Digest, Item, Site
from digestgen.render.feeds import FeedSpec, digest_entry, render_feed, tag_entries, tag_selection
from digestgen.render.pages import THEME_DIR, Page, Renderer
from digestgen.render.search import SearchDocuments, SearchWords, WordStore, word_jobs, words_key
from digestgen.site.tags import Tag

# Folders of the site's own pages and files: a digest's page may not sit in one.
SITE_FOLDERS = ("archive", "tags", "links", "domains", "stats", "page", "search", "static")

# Templates rendered outside of pages, for feeds and the sitemap.
FRAGMENTS = ("feed_content.html", "feed_item.html", "sitemap.xml", "robots.txt")
_FIRST = itemgetter(0)
_SECOND = itemgetter(1)


class Planner:
    """Builds the jobs of one site; ``keys`` holds each digest's parse key by ``id``.

    Without ``keys`` the jobs have no key, as for a build without cache. ``words``
    keeps each digest's search words between builds.
    """

    def __init__(
        self,
        root: Path,
        site: Site,
        renderer: Renderer,
        keys: Mapping[int, str] | None,
        base: str,
        words: WordStore | None = None,
        shapes: Mapping[int, str] | None = None,
    ) -> None:
        self.root = root
        self.keys = keys
        self.words = words
        self.site = site
        self.config = site.config
        self.renderer = renderer
        self.base = base
        self.keyed = keys is not None
        # Each digest's shape (by ``id``), where already worked out (``layout.Layout``).
        self.shapes = shapes or {}
        self.page_count = 0
        self.templates: list[str] = []
        self.featured = renderer.featured
        self.digest_keys: dict[str, str] = {}
        # Each digest's place in the site (and in ``inputs``), and its id by path.
        self._places = {id(d): n for n, d in enumerate(site.digests)}
        self._ids = {d.path: id(d) for d in site.digests}
        self.known: dict[int, str] = {}
        self.fingerprint = Fingerprinter(
            self.known, {Item: self._item_fingerprint, Tag: self._tag_fingerprint}, self._in_pair
        )
        if keys is not None:
            self.known.update(self._known(site, keys))
        self._content: dict[int, str] = {}

    @staticmethod
    def _in_pair(digest: object, item: object) -> str | None:
        """An item listed beside its own digest stands for its anchor alone: the digest's
        fingerprint (``_known``) covers its source, so its items, and what each item's
        "Also featured in" shows. Listings hold 114,000 such pairs at 1,000 digests."""
        if type(item) is Item and type(digest) is Digest and item.path == digest.path:
            return "#" + item.anchor
        return None

    def _tag_fingerprint(self, tag: Tag) -> str:
        """A tag (the tags overview holds them all) stands for its name, slug and URL, the
        digests that carry it, and the digest of each of its items, without reading the
        items themselves: a digest's fingerprint covers its source, so which of its items
        carry the tag, and ``collect_tags`` lists only a digest's own items, in site
        order. Walked item by item, the 18,000 tagged items of the benchmark's 1,000
        digests took 0.03 s to fingerprint, most of it reading them from memory."""
        carriers = list(map(id, tag.digests))
        owners = list(map(id, map(_FIRST, tag.items)))
        digests = list(map(self.known.get, carriers))
        listed = list(map(self.known.get, owners))
        if None in digests or None in listed:
            raise TypeError(f"tag {tag.slug!r} holds a digest without a key")
        self.fingerprint.take_all(carriers)
        self.fingerprint.take_all(owners)
        joined = ("\x1f".join(cast(list[str], fps)) for fps in (digests, listed))
        return "Tag:" + sha256(tag.name, tag.slug, tag.url, *joined)

    def _item_fingerprint(self, item: Item) -> str:
        """An item stands for its digest's parse key and its anchor, plus what its page
        shows of the earlier digests that featured the same link ("Also featured in").
        Made when a page lists it, not kept for every item: that would be a string per
        item for the whole build."""
        own = f"{self.digest_keys.get(item.path, '?')}#{item.anchor}"
        if item.path in self._ids:
            self.fingerprint.take(self._ids[item.path])
        earlier = self.featured.get(id(item))
        if earlier is None:
            return own
        return own + "".join(f"|{d.url}|{d.title}#{e.anchor}" for d, e in earlier)

    def _known(self, site: Site, keys: Mapping[int, str]) -> dict[int, str]:
        """Each digest by its parse key, plus the fingerprints of its items that show
        earlier digests (their titles are on its page)."""
        known: dict[int, str] = {}
        for digest in site.digests:
            self.digest_keys[digest.path] = keys.get(id(digest), "?")
        # The site's (digest, item) pairs whose item was featured before, in each
        # digest's item order, picked out in C.
        extras: dict[int, list[str]] = {}
        featured = self.featured.__contains__
        for digest, item in compress(site.links, map(featured, map(id, map(_SECOND, site.links)))):
            extras.setdefault(id(digest), []).append(self._item_fingerprint(item))
        for digest in site.digests:
            key = self.digest_keys[digest.path]
            extra = extras.get(id(digest))
            known[id(digest)] = sha256(key, *extra) if extra else key
        return known

    def key(self, *values: object) -> str | None:
        if not self.keyed:
            return None
        try:
            return self.fingerprint(self.base, *values)
        except TypeError:
            return None  # something we cannot fingerprint: render it every time

    def traced_key(self, *values: object) -> Traced | None:
        """The key with the digests it was made of, for an output whose values come from
        the site's layout (``digest_shape``) and from the digests it shows, by reference:
        while the layout stays, its key changes only with one of those digests."""
        if not self.keyed:
            return None
        try:
            key, used = self.fingerprint.traced(self.base, *values)
        except TypeError:
            return None
        return Traced(key, array("I", sorted(map(self._places.__getitem__, used))))

    def inputs(self) -> Inputs | None:
        """The digests as the inputs of the outputs' traced keys (see ``write_outputs``)."""
        if not self.keyed:
            return None
        return Inputs(
            self.base,
            [Input(d.path, self.known[id(d)], self._shape(d)) for d in self.site.digests],
        )

    def _shape(self, digest: Digest) -> Callable[[], str]:
        shape = self.shapes.get(id(digest))
        return partial(digest_shape, digest) if shape is None else partial(str, shape)

    def jobs(self) -> list[Job]:
        """Every output of the site, pages first."""
        pages = self.renderer.page_list()
        check_page_places(self.site, [page.path for page in pages])
        self.page_count = len(pages)
        self.templates = sorted({p.template for p in pages} | set(FRAGMENTS))
        jobs = [self._page(page) for page in pages]
        jobs += self._feeds()
        jobs.append(self._sitemap([page.path for page in pages]))
        jobs += self._static()
        jobs += self._exports()
        jobs += self._search()
        return jobs

    def _search(self) -> list[Job]:
        """The search index in parts, so that all cores make it and an edit makes again
        only the parts it changed: the list of shards, the shards of each group of words
        (keyed by the words they are made of) and each run of document chunks (keyed by
        the digests whose documents it holds)."""
        site = self.site
        words = SearchWords(site, self.keys, self.words)
        (index_name, index_prefix), *groups = word_jobs()
        jobs = [Job(index_name, partial(self._words_key, words, index_prefix), words.index)]
        documents = SearchDocuments(site)
        for number, run in enumerate(documents.groups):
            own = [(site.digests[i].title, site.digests[i].url) for i in run.owners]
            items = [site.digests[i] for i in run.digests]
            # Where each digest's documents start: an item added or removed in an earlier
            # digest moves them, and the run then holds other documents.
            starts = [documents.starts[i] for i in run.digests]
            span = (run.first, run.end, run.start, run.stop)
            key = partial(self.key, "search documents", span, items, starts, own)
            name = f"search:documents-{number:02x}"
            jobs.append(Job(name, key, partial(documents.documents, run)))
        for name, prefix in groups:
            keyed = partial(self._words_key, words, prefix)
            jobs.append(Job(name, keyed, partial(words.shards, prefix)))
        return jobs

    def _words_key(self, words: SearchWords, prefix: str) -> str | None:
        return words_key(self.base, words.fingerprint(prefix)) if self.keyed else None

    def _exports(self) -> list[Job]:
        """The newsletter editions ``export_formats`` asks for, one job per digest and format."""
        if not self.config.export_formats:
            return []
        # Imported only for a site that publishes editions (it brings the email modules).
        from digestgen.render.email import SITE_FILES, check_formats

        formats = check_formats(self.root, self.config)
        templates = self.root / self.config.templates_dir
        jobs = []
        for digest in self.site.digests:
            for fmt in formats:
                path = digest.url + SITE_FILES[fmt]
                produce = partial(_edition, self.site, digest, fmt, templates, path)
                jobs.append(Job(f"export:{path}", self.key("export", fmt, digest), produce))
        return jobs

    def _page(self, page: Page) -> Job:
        def produce() -> dict[str, bytes]:
            return {page.path: self.renderer.render_page(page).encode("utf-8")}

        key = partial(self.traced_key, "page", page.template, page.path, page.context)
        return Job(page.path, key, produce)

    # Feed readers resolve links against the feed, not the page: every link is absolute.
    def content(self, digest: Digest) -> str:
        """A digest's feed content, rendered once per process however many feeds carry it."""
        html = self._content.get(id(digest))
        if html is None:
            html = self._content[id(digest)] = self.renderer.fragment(
                "feed_content.html",
                digest=digest,
                url=self.renderer.abs_url,
                anchor_base=self.renderer.abs_url(digest.url),
            )
        return html

    def item_html(self, digest: Digest, item: Item) -> str:
        return self.renderer.fragment(
            "feed_item.html",
            it=item,
            url=self.renderer.abs_url,
            anchor_base=self.renderer.abs_url(digest.url),
        )

    def _feeds(self) -> list[Job]:
        config, site = self.config, self.site
        latest = site.digests[: config.feed_limit]

        def main_feed() -> dict[str, bytes]:
            entries = [digest_entry(site, d, self.content) for d in latest]
            spec = FeedSpec("", config.title, config.description, config.base_url, entries)
            return render_feed(site, spec, ("rss", "atom", "json"))

        jobs = [Job("feed:", self.key("feed", latest), main_feed)]
        for tag in self.renderer.tags:
            key = partial(self._tag_feed_key, tag)
            jobs.append(Job(f"feed:{tag.url}", key, partial(self._tag_feed, tag)))
        return jobs

    def _tag_feed_key(self, tag: Tag) -> Traced | None:
        # Keyed by the entries the feed keeps, not by the whole tag: an edit to an older
        # digest does not reach a feed of the latest entries. Worked out when needed (on
        # a worker, when the workers work out the keys).
        kept = tag_selection(self.site, tag, self.config.feed_limit)
        return self.traced_key("tag feed", tag.name, tag.url, kept)

    def _tag_feed(self, tag: Tag) -> dict[str, bytes]:
        config = self.config
        spec = FeedSpec(
            tag.url,
            f"{config.title}: {tag.name}",
            f"Digests and links tagged {tag.name}.",
            config.base_url + tag.url,
            tag_entries(self.site, tag, self.content, self.item_html, config.feed_limit),
        )
        return render_feed(self.site, spec, ("rss", "atom"))

    def _sitemap(self, paths: list[str]) -> Job:
        site, renderer = self.site, self.renderer
        lastmod = {d.url + "index.html": d.last_modified for d in site.digests}

        def produce() -> dict[str, bytes]:
            newest = max(lastmod.values(), default=None)
            entries = []
            for path in sorted(paths):
                if path.endswith("index.html"):
                    moment = lastmod.get(path) or newest
                    day = moment.date().isoformat() if moment is not None else ""
                    entries.append((site.config.base_url + path.removesuffix("index.html"), day))
            sitemap = renderer.fragment("sitemap.xml", entries=entries)
            return {
                "sitemap.xml": sitemap.encode("utf-8"),
                "robots.txt": renderer.fragment("robots.txt").encode("utf-8"),
            }

        return Job("sitemap", partial(self.traced_key, "sitemap", sorted(paths), lastmod), produce)

    def _static(self) -> list[Job]:
        """The theme's assets under ``static/``, overridden file by file by the site's."""
        found: dict[str, Path] = {}
        for folder in (THEME_DIR / "static", self.root / self.config.static_dir):
            if folder.is_dir():
                for path in sorted(folder.rglob("*")):
                    if path.is_file():
                        found["static/" + path.relative_to(folder).as_posix()] = path
        jobs = []
        for rel, path in sorted(found.items()):
            data = path.read_bytes()
            jobs.append(Job(rel, sha256(rel, data), _constant(rel, data)))
        return jobs


def _edition(site: Site, digest: Digest, fmt: str, templates: Path, path: str) -> dict[str, bytes]:
    from digestgen.render.email import digest_edition

    return {path: digest_edition(site, digest, fmt, templates)}


def check_page_places(site: Site, paths: list[str]) -> None:
    """A digest's page may not take the place of a site page (with a permalink such as
    ``/{slug}/``, a digest called ``archive`` would overwrite the archive)."""
    digest_pages = {d.url + "index.html" for d in site.digests}
    # Every folder that holds a site page (not a digest's), and the site pages themselves,
    # under the first folder of a digest's page: no other can be its place (and most
    # site pages are not there: 3.2-3.7 ms instead of 5.1-11.5 ms at 1,000 digests).
    firsts = {d.url.strip("/").split("/", 1)[0] for d in site.digests}
    taken: dict[str, str] = {}
    for path in sorted((p for p in paths if p.split("/", 1)[0] in firsts), reverse=True):
        if path in digest_pages:
            continue
        taken[path] = path
        parts = path.split("/")[:-1]
        for end in range(1, len(parts) + 1):
            taken["/".join(parts[:end]) + "/"] = path
    for digest in site.digests:
        folder = digest.url.strip("/")
        top = folder.split("/", 1)[0]
        clash = taken.get(digest.url) if digest.url else None
        clash = clash or taken.get(folder)
        if top in SITE_FOLDERS or clash or not folder:
            place = clash if clash else (f"{top}/" if folder else "index.html")
            raise ParseError(
                f"this digest's page {digest.url or '/'} would take the place of the site's "
                f"{place}; change its slug or the 'permalink' setting",
                digest.path,
                digest.line_of("slug"),
            )


def _constant(path: str, data: bytes) -> Callable[[], dict[str, bytes]]:
    return lambda: {path: data}


def warm_templates(renderer: Renderer, names: list[str]) -> None:
    """Compile templates before worker processes fork, so that each is compiled once."""
    for name in names:
        # A broken template fails later, at its page, with its line.
        with contextlib.suppress(Exception):
            renderer.env.get_template(name)
