"""The Jinja environment: the site's templates over the theme's, autoescaped, strict."""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from digestgen.config import SiteConfig
from digestgen.errors import RenderError
from digestgen.model import Block, Item
from digestgen.site.links import domain_path, reading_minutes, table_of_contents
from digestgen.site.tags import tag_url

THEME_DIR = Path(__file__).parent.parent / "theme"


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


class _BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's cache of compiled templates, whose failure to write costs a compile, not
    the build (the folder is shared by every digestgen process of the user)."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


class _SiteLoader(jinja2.FileSystemLoader):
    """The site's own templates. One reached through a symlink that leaves the site's
    folder is an error unless ``follow_symlinks`` (a contributed link must not publish the
    curator's other files); one that is not a regular file (a FIFO would block) too."""

    def __init__(self, folder: Path, root: Path, follow: bool) -> None:
        super().__init__(folder)
        self.folder, self.root, self.follow = folder, root, follow

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        parts = template.split("/")
        path = self.folder.joinpath(*parts)
        if ".." not in parts and (path.is_symlink() or path.exists()):
            where = path.relative_to(self.root).as_posix()
            target = os.path.realpath(path)
            inside = os.path.realpath(self.root)
            if os.path.commonpath([inside, target]) != inside and not self.follow:
                raise RenderError(f"links outside the site ({target})", where)
            if os.path.exists(target) and not os.path.isfile(target):
                raise RenderError("not a regular file; a template is a file", where)
        return super().get_source(environment, template)


def _site_root(site_templates: Path, templates_dir: str) -> Path:
    """The site's folder, the one ``templates_dir`` is named from."""
    parts = Path(templates_dir).parts
    relative = parts and ".." not in parts and not Path(templates_dir).is_absolute()
    if relative and site_templates.parts[-len(parts) :] == parts:
        return Path(*site_templates.parts[: -len(parts)])
    return site_templates.parent


def make_environment(
    config: SiteConfig, site_templates: Path | None, compiled: Path | None = None
) -> jinja2.Environment:
    """Site templates first, then the theme's; autoescape on, undefined names fail.
    ``compiled`` is a folder for compiled templates (the build names one per version of
    digestgen in the user's cache, never in the site: compiled code a site brought would
    run)."""
    loaders: list[jinja2.BaseLoader] = []
    if site_templates is not None and site_templates.is_dir():
        root = _site_root(site_templates, config.templates_dir)
        loaders.append(_SiteLoader(site_templates, root, config.follow_symlinks))
    loaders.append(jinja2.FileSystemLoader(THEME_DIR / "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Each build has its own environment, so an edited template is read again.
        auto_reload=False,
        bytecode_cache=_BytecodeCache(str(compiled)) if compiled is not None else None,
    )
    base = config.base_path

    def url(path: str = "") -> str:
        return base + path.lstrip("/")

    def abs_url(path: str = "") -> str:
        return config.base_url + path.lstrip("/")

    @jinja2.pass_context
    def url_filter(context: jinja2.runtime.Context, path: str = "") -> str:
        # The ``url`` the context holds: feed content passes one that makes absolute URLs.
        resolved: Any = context.resolve_or_missing("url")
        return str(resolved(path))

    helpers = {"url": url, "abs_url": abs_url, "tag_path": tag_url, "domain_path": domain_path}
    env.globals.update(
        helpers,
        anchor_base="",
        group_content=group_content,
        reading_minutes=reading_minutes,
        table_of_contents=table_of_contents,
    )
    # The same helpers as filters (``path|url``): Jinja calls a filter directly.
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


def template_error(exc: Exception) -> RenderError | None:
    """A ``path:line`` error pointing into the template that failed, if it is one."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return RenderError(f"template syntax error: {exc.message}", exc.filename, exc.lineno)
    frames = traceback.extract_tb(sys.exc_info()[2])
    for frame in reversed(frames):
        if frame.filename.endswith((".html", ".xml", ".txt")):
            return RenderError(f"template error: {exc}", frame.filename, frame.lineno)
    if isinstance(exc, jinja2.TemplateError):
        return RenderError(f"template error: {exc}")
    return None


class Renderer:
    """Renders templates of one site: every page sees ``site``, ``description``,
    ``canonical`` and ``path`` besides its own context."""

    def __init__(
        self, config: SiteConfig, site_templates: Path | None, compiled: Path | None = None
    ) -> None:
        self.config = config
        self.env = make_environment(config, site_templates, compiled)

    def abs_url(self, path: str = "") -> str:
        """An absolute URL for a path below the site root (feeds, emails)."""
        return self.config.base_url + path.lstrip("/")

    def render(self, template: str, path: str, context: dict[str, Any]) -> str:
        full: dict[str, Any] = {
            "site": self.config,
            "description": self.config.description,
            "canonical": self.config.base_url + path.removesuffix("index.html"),
            "path": path,
            **context,
        }
        try:
            return self.env.get_template(template).render(full)
        except (jinja2.TemplateError, TypeError, AttributeError, ValueError, KeyError) as exc:
            error = template_error(exc)
            if error is None:
                raise
            raise error from None

    def fragment(self, template: str, **context: Any) -> str:
        """A partial such as a feed entry's content, outside of any page."""
        return self.render(template, "", context)
