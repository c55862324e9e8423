"""``digestgen export``: one digest's newsletter edition, to a file or standard output."""

from __future__ import annotations

from pathlib import Path

from digestgen.config import load_config
from digestgen.content.parse import parse_site, source_files
from digestgen.errors import ParseError
from digestgen.model import Digest, Site
from digestgen.render.email import email_html, email_message, markdown_messages, plain_text


def find_digest(site: Site, root: Path, wanted: str) -> Digest:
    """A digest by number, slug or file path."""
    for digest in site.digests:
        if wanted in (str(digest.number), digest.slug, digest.path):
            return digest
        if (root / digest.path).resolve() == Path(wanted).resolve():
            return digest
    raise ParseError(f"no digest with number, slug or file {wanted!r}", site.config.digests_dir)


def export_digest(
    root: Path, wanted: str, fmt: str, max_chars: int | None = None, output: Path | None = None
) -> list[tuple[Path | None, bytes]]:
    """The files to write for ``digestgen export`` (path ``None``: standard output).

    Split Markdown goes to ``NAME-1.md``, ``NAME-2.md``... beside ``output``;
    on standard output the messages are separated by a ``<!-- message N of M -->`` line.
    """

    config = load_config(root)
    sources = source_files(root, config)
    # A digest named by its file needs only that file parsed (a site may hold hundreds).
    named = {(root / p).resolve(): (p, data) for p, data in sources}
    chosen = named.get(Path(wanted).resolve()) or named.get((root / wanted).resolve())
    site = parse_site(config, [chosen] if chosen else sources, drafts=True)
    digest = find_digest(site, root, wanted)
    templates = root / config.templates_dir
    if fmt == "email":
        return [(output, email_html(site, digest, templates).encode("utf-8"))]
    if fmt == "eml":
        return [(output, email_message(site, digest, templates))]
    if fmt == "text":
        return [(output, plain_text(site, digest).encode("utf-8"))]
    messages = markdown_messages(site, digest, max_chars)
    if len(messages) == 1:
        return [(output, messages[0].encode("utf-8"))]
    if output is not None:
        return [
            (output.with_name(f"{output.stem}-{n}{output.suffix or '.md'}"), m.encode("utf-8"))
            for n, m in enumerate(messages, 1)
        ]
    total = len(messages)
    joined = "\n".join(f"<!-- message {n} of {total} -->\n{m}" for n, m in enumerate(messages, 1))
    return [(None, joined.encode("utf-8"))]
