"""The newsletter edition of a digest: inlined-CSS email HTML, plain text, portable Markdown."""

from __future__ import annotations

import hashlib
import html
import re
import textwrap
from email.message import EmailMessage
from email.policy import SMTP
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import css_inline

from digestgen.config import CONFIG_FILE, SiteConfig
from digestgen.errors import ConfigError, DigestError
from digestgen.model import Block, Digest, Item, Site
from digestgen.render.templates import make_environment

FORMATS = ("email", "text", "markdown")
SITE_FILES = {"email": "email.html", "text": "digest.txt", "markdown": "digest.md"}
EMAIL_TEMPLATE = "email/digest.html"
IMAGE_WIDTH = 552  # the email's 600 px column less its padding
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#~|&])")
_MD_LINE_START = re.compile(r"^(\d+)([.)])|^([-+=])", re.MULTILINE)
WRAP = 72


def page_url(site: Site, digest: Digest) -> str:
    return site.config.base_url + digest.url


class _StartTags(HTMLParser):
    """Every real start tag: where it starts, its name, attributes and source text (never
    text that looks like a tag, inside ``<code>`` or an attribute value)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[tuple[int, int], str, list[tuple[str, str | None]], str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((self.getpos(), tag, attrs, self.get_starttag_text() or ""))

    handle_startendtag = handle_starttag


def _start_tags(markup: str) -> _StartTags:
    finder = _StartTags()
    finder.feed(markup)
    finder.close()
    return finder


def _tag_text(tag: str, attrs: list[tuple[str, str | None]], closed: bool) -> str:
    rendered = "".join(
        f' {name}="{html.escape(value, quote=True)}"' if value is not None else f" {name}"
        for name, value in attrs
    )
    return f"<{tag}{rendered}{' /' if closed else ''}>"


def absolute_links(markup: str, base: str) -> str:
    """Every ``href``/``src`` attribute of an element made absolute against ``base``, and
    every image given the column's width. An HTML parser finds the tags, so that text
    such as ``<code>href="/x"</code>`` stays as written."""
    # HTMLParser counts lines by "\n" alone (not by str.splitlines' other breaks).
    line_starts = [0, *(match.end() for match in re.finditer("\n", markup))]
    out: list[str] = []
    done = 0
    for (line, column), tag, attrs, source in _start_tags(markup).tags:
        fixed = [
            (name, urljoin(base, value) if name in ("href", "src") and value else value)
            for name, value in attrs
        ]
        if tag == "img" and all(name != "width" for name, _ in attrs):
            fixed.append(("width", str(IMAGE_WIDTH)))
        if fixed == attrs:
            continue
        at = line_starts[line - 1] + column
        out += [markup[done:at], _tag_text(tag, fixed, source.endswith("/>"))]
        done = at + len(source)
    return "".join([*out, markup[done:]])


def email_html(site: Site, digest: Digest, site_templates: Path | None = None) -> str:
    """The digest as one self-contained email page: styles inlined, links absolute."""
    env = make_environment(site.config, site_templates)
    base = page_url(site, digest)
    page = env.get_template(EMAIL_TEMPLATE).render(
        site=site.config,
        digest=digest,
        page_url=base,
        absolute=lambda url: urljoin(base, url),
    )
    inliner = css_inline.CSSInliner(
        keep_style_tags=False,
        keep_link_tags=False,
        load_remote_stylesheets=False,
        apply_width_attributes=True,
    )
    return absolute_links(inliner.inline(page), base)


class _TableRows(HTMLParser):
    """The cells of an HTML table, row by row, as text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None and self.rows:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


class _TextOf(HTMLParser):
    """The text of an HTML fragment, without tags or comments."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def table_rows(markup: str) -> list[list[str]]:
    parser = _TableRows()
    parser.feed(markup)
    return [row for row in parser.rows if row]


def block_lines(block: Block, markdown: bool) -> list[str]:
    """A block's text lines; a table keeps its rows (a Markdown table when ``markdown``)."""
    if block.kind == "html_block":
        # Raw HTML: only its words travel (comments such as recurring markers do not).
        words = _TextOf()
        words.feed(block.html)
        text = "\n".join(line.strip() for line in "".join(words.parts).splitlines())
        lines = [line for line in text.splitlines() if line]
        return [escape_md(line) if markdown else line for line in lines]
    if block.kind != "table":
        return [escape_md(line) if markdown else line for line in block.text.splitlines()]
    rows = table_rows(block.html)
    if not markdown:
        return [" | ".join(row) for row in rows]
    lines = ["| " + " | ".join(escape_md(cell) for cell in row) + " |" for row in rows]
    if lines:
        lines.insert(1, "|" + "---|" * len(rows[0]))
    return lines


def _links_in(markup: str) -> list[str]:
    """The ``href`` of every element of an HTML fragment, in order."""
    return [
        value
        for _, _, attrs, _ in _start_tags(markup).tags
        for name, value in attrs
        if name == "href" and value
    ]


def _wrap(text: str, indent: str = "", first: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        WRAP,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [(first or indent).rstrip()]


def plain_text(site: Site, digest: Digest) -> str:
    """The digest as plain text, its links listed at the end as numbered references."""
    base = page_url(site, digest)
    refs: list[str] = []

    def ref(url: str) -> str:
        url = urljoin(base, url)
        if url not in refs:
            refs.append(url)
        return f"[{refs.index(url) + 1}]"

    moment = digest.date.astimezone(site.config.tz).strftime("%B %-d, %Y")
    out = [digest.title, "=" * len(digest.title), "", f"{moment} · {site.config.title}", base, ""]

    def block(part: Block) -> None:
        lines = block_lines(part, markdown=False)
        for line in lines:
            out.extend(_wrap(line))
        marks = " ".join(ref(u) for u in _links_in(part.html))
        if marks:
            out.append(marks)
        if lines or marks:
            out.append("")

    for intro in digest.intro:
        block(intro)
    for section in digest.all_sections():
        if section.title:
            underline = "-" if section.level == 2 else "~"
            out.extend([section.title, underline * len(section.title), ""])
        for part in section.content:
            if isinstance(part, Block):
                block(part)
                continue
            head = f"[{part.label}] " if part.label else ""
            head += part.title if part.url else ""
            links = ([part.url] if part.url else []) + _links_in(part.commentary_html)
            links += _links_in(part.notes_html)
            marks = " ".join(dict.fromkeys(ref(u) for u in links))
            out.extend(_wrap(" ".join(w for w in (head, marks) if w), "  ", "* "))
            comment = " ".join([part.commentary, *(f"#{t}" for t in part.tags)]).strip()
            if comment:
                out.extend(_wrap(comment, "  "))
            for note in part.notes.splitlines():
                out.extend(_wrap(note, "    ", "  - "))
            out.append("")
    if refs:
        out.extend(["References", "----------", ""])
        out.extend(f"[{n}] {url}" for n, url in enumerate(refs, 1))
    return "\n".join(out).rstrip("\n") + "\n"


def escape_md(text: str) -> str:
    """Text shown as it is by any Markdown renderer."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LINE_START.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], escaped)


def _md_destination(url: str) -> str:
    return f"<{url}>" if re.search(r"[\s()<>]", url) else url


def markdown_item(item: Item, base: str) -> str:
    """One item as a Markdown list item that digestgen parses back into the same item."""
    head = "- "
    if item.label and item.url:
        head += f"[{escape_md(item.label)}] "
    if item.url:
        head += f"[{escape_md(item.title)}]({_md_destination(urljoin(base, item.url))})"
        if item.commentary:
            head += " - "
    head += escape_md(item.commentary)
    head += "".join(f" #{tag}" for tag in item.tags)
    notes = [f"    - {escape_md(line.strip())}" for line in item.notes.splitlines()]
    return "\n".join([head.rstrip(), *notes])


def markdown_units(site: Site, digest: Digest) -> list[tuple[str, str, bool]]:
    """(section heading, text, is an item) pieces in order; items are never split."""
    base = page_url(site, digest)
    moment = digest.date.astimezone(site.config.tz).strftime("%B %-d, %Y")
    intro = [f"# {escape_md(digest.title)}", f"{moment} · [Read on the web]({base})"]
    intro += [text for b in digest.intro if (text := "\n".join(block_lines(b, markdown=True)))]
    units = [("", "\n\n".join(intro), False)]
    for section in digest.all_sections():
        heading = f"{'#' * section.level} {escape_md(section.title)}" if section.title else ""
        for part in section.content:
            if isinstance(part, Item):
                units.append((heading, markdown_item(part, base), True))
            elif text := "\n".join(block_lines(part, markdown=True)):
                units.append((heading, text, False))
    return units


def markdown_messages(site: Site, digest: Digest, max_chars: int | None = None) -> list[str]:
    """Portable Markdown; with ``max_chars``, several messages split between items.

    A message that starts inside a section repeats the section's heading.
    """
    messages: list[str] = []
    current, last_heading, last_was_item = "", "", False

    def piece_for(heading: str, text: str, is_item: bool, fresh: bool) -> str:
        if fresh:
            return f"{heading}\n\n{text}" if heading else text
        if heading != last_heading:
            return f"\n\n{heading}\n\n{text}" if heading else f"\n\n{text}"
        return f"\n{text}" if is_item and last_was_item else f"\n\n{text}"

    for heading, text, is_item in markdown_units(site, digest):
        piece = piece_for(heading, text, is_item, not current)
        if max_chars is not None and current and len(current) + len(piece) > max_chars:
            messages.append(current)
            current = ""
            piece = piece_for(heading, text, is_item, True)
        if max_chars is not None and len(piece) > max_chars:
            raise DigestError(
                f"a piece of {len(piece)} characters does not fit --max-chars {max_chars}",
                digest.path,
            )
        current += piece
        last_heading, last_was_item = heading, is_item
    messages.append(current)
    return [m.rstrip("\n") + "\n" for m in messages]


def email_message(site: Site, digest: Digest, site_templates: Path | None = None) -> bytes:
    """A MIME message: the plain text with the email HTML as its alternative."""
    message = EmailMessage(policy=SMTP)
    message["Subject"] = digest.title
    message["MIME-Version"] = "1.0"
    message.set_content(plain_text(site, digest))
    message.add_alternative(email_html(site, digest, site_templates), subtype="html")
    # A boundary from the content, not a random one, so that the same digest gives the same bytes.
    message.set_boundary("digestgen-" + hashlib.sha256(digest.path.encode()).hexdigest()[:24])
    return message.as_bytes()


def check_formats(root: Path, config: SiteConfig) -> tuple[str, ...]:
    """The ``export_formats`` of the config; an unknown one is an error."""
    unknown = [f for f in config.export_formats if f not in FORMATS]
    if unknown:
        raise ConfigError(
            f"'export_formats' may list only {', '.join(FORMATS)}, not {', '.join(unknown)}",
            root / CONFIG_FILE,
        )
    return tuple(config.export_formats)


def digest_edition(site: Site, digest: Digest, fmt: str, templates: Path | None) -> bytes:
    """One edition of one digest, as published beside its page."""
    if fmt == "email":
        text = email_html(site, digest, templates)
    elif fmt == "text":
        text = plain_text(site, digest)
    else:
        text = markdown_messages(site, digest)[0]
    return text.encode("utf-8")


def site_exports(root: Path, site: Site) -> dict[str, bytes]:
    """The editions that ``export_formats`` asks for, beside each digest page."""
    formats = check_formats(root, site.config)
    templates = root / site.config.templates_dir
    return {
        digest.url + SITE_FILES[fmt]: digest_edition(site, digest, fmt, templates)
        for digest in site.digests
        for fmt in formats
    }
