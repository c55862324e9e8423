"""The ``digestgen`` command: thin wrappers mapping user mistakes to exit status 1."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from digestgen import __version__
from digestgen.build import build as build_site
from digestgen.commands.check import FORMATS, exit_status, format_findings
from digestgen.errors import DigestError

# The other commands' modules are imported when their command runs: a build in which
# nothing changed takes less time than importing them all (HTTP client, CSS inliner...).


class _UserError(click.ClickException):
    """A user mistake, printed as ``path:line: message`` lines without a traceback."""

    def show(self, file: object = None) -> None:
        click.echo(self.message, err=True)


def _fail(exc: DigestError) -> _UserError:
    errors = getattr(exc, "errors", [exc])
    lines = [str(e) for e in errors]
    lines.append(f"error: {len(errors)} problem{'s' if len(errors) != 1 else ''}; site not built")
    return _UserError("\n".join(lines))


_ROOT = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    help="The site folder (holding digestgen.yaml).",
)


@click.group()
@click.version_option(__version__, prog_name="digestgen")
def main() -> None:
    """digestgen: a static-site generator for curated link digests."""


@main.command()
@_ROOT
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the site (default: site/ in the root).",
)
@click.option(
    "--force-output",
    is_flag=True,
    help="Allow an --output folder outside the site's folder (named by an absolute path).",
)
@click.option("--drafts", is_flag=True, help="Include digests marked draft: true.")
@click.option("--verbose", "-v", is_flag=True, help="Show each phase.")
@click.option("--timings", is_flag=True, help="Print the time of each phase.")
def build(
    root: Path, output: Path | None, force_output: bool, drafts: bool, verbose: bool, timings: bool
) -> None:
    """Build the site from digests/ into site/."""
    log = (lambda msg: click.echo(msg, err=True)) if verbose else None
    try:
        result = build_site(root, output=output, drafts=drafts, log=log, force_output=force_output)
    except DigestError as exc:
        raise _fail(exc) from None
    for warning in result.warnings:
        click.echo(f"{warning.location()}: warning: {warning.message}", err=True)
    click.echo(result.summary())
    if timings:
        click.echo(result.timings())


def run() -> None:
    """The ``digestgen`` console script and ``python -m digestgen``."""
    main.main()


# The curator's week: init, new, add, publish, export.


def _refuse(exc: DigestError) -> _UserError:
    """A user mistake from a curator command: each problem on its own line."""
    errors = getattr(exc, "errors", [exc])
    return _UserError("\n".join(str(e) if e.path else f"error: {e.message}" for e in errors))


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--title", default="My digest", help="The site's title.")
@click.option("--base-url", default="https://example.org/", help="Where it will be published.")
def init(directory: Path, title: str, base_url: str) -> None:
    """Start a new site in DIRECTORY that builds at once."""
    from digestgen.commands import scaffold

    try:
        written = scaffold.init_site(directory, title, base_url)
    except DigestError as exc:
        raise _refuse(exc) from None
    for path in written:
        click.echo(path)


@main.command()
@_ROOT
@click.option("--title", default=None, help="The title (default: new_digest_title).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="YYYY-MM-DD.")
def new(root: Path, title: str | None, day: datetime | None) -> None:
    """Start the next digest as a draft and print its path."""
    from digestgen.commands import scaffold

    try:
        path = scaffold.new_digest(root, title, day.date() if day else None)
    except DigestError as exc:
        raise _refuse(exc) from None
    click.echo(path)


@main.command()
@_ROOT
@click.argument("url")
@click.option("--title", default=None, help="The link's title.")
@click.option("--fetch-title", is_flag=True, help="Read the title from the page (5 s in all).")
@click.option(
    "--allow-private", is_flag=True, help="Let --fetch-title reach loopback and private addresses."
)
@click.option("--section", default=None, help="The section (created when missing).")
@click.option("--note", default=None, help="Commentary after the link.")
@click.option("--tag", "tags", multiple=True, help="A tag; repeat for more.")
@click.option("--to", type=click.Path(dir_okay=False, path_type=Path), help="Digest file.")
@click.option("--force", is_flag=True, help="Add it even if it was featured before.")
def add(
    root: Path,
    url: str,
    title: str | None,
    fetch_title: bool,
    allow_private: bool,
    section: str | None,
    note: str | None,
    tags: tuple[str, ...],
    to: Path | None,
    force: bool,
) -> None:
    """Append a link to the newest draft, refusing one featured before."""
    from digestgen.commands import edit as editing

    try:
        if fetch_title and not title:
            title = editing.fetch_title(url, allow_private=allow_private)
        new_item = editing.NewItem(url, title, note, tuple(t.lstrip("#") for t in tags))
        path, line = editing.add_item(root, new_item, section, to, force)
    except DigestError as exc:
        raise _refuse(exc) from None
    click.echo(f"{path}:{line}: added {url}")


@main.command()
@_ROOT
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="YYYY-MM-DD.")
def publish(root: Path, file: Path | None, day: datetime | None) -> None:
    """Check the newest draft (or FILE), date it today and clear its draft flag."""
    from digestgen.commands import edit as editing

    try:
        path = editing.publish(root, file, day.date() if day else None)
    except DigestError as exc:
        raise _refuse(exc) from None
    click.echo(f"published {path}")


@main.command()
@_ROOT
@click.argument("digest")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["email", "eml", "text", "markdown"]),
    default="email",
    help="Email HTML, a MIME message (HTML + text), plain text or Markdown.",
)
@click.option("--max-chars", type=click.IntRange(min=1), default=None, help="Split Markdown.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
def export(root: Path, digest: str, fmt: str, max_chars: int | None, output: Path | None) -> None:
    """The newsletter edition of DIGEST (a number, slug or file)."""
    from digestgen.commands import export as exporting

    try:
        for path, data in exporting.export_digest(root, digest, fmt, max_chars, output):
            if path is None:
                click.echo(data, nl=False)
            else:
                path.write_bytes(data)
                click.echo(path, err=True)
    except DigestError as exc:
        raise _refuse(exc) from None


@main.command(name="import")
@click.argument("args", nargs=-1, required=True, metavar="[FORMAT] SOURCE")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    help="The new site's folder (empty or new).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def import_(args: tuple[str, ...], root: Path, fmt: str) -> None:
    """Import a Pelican, Hugo, Jekyll, Zola or Eleventy site as a new digestgen site."""
    from digestgen.commands.importer import FORMATS, import_site

    if len(args) > 2 or (len(args) == 2 and args[0] not in FORMATS):
        raise click.UsageError(f"give [FORMAT] SOURCE, FORMAT one of {', '.join(FORMATS)}")
    try:
        report = import_site(Path(args[-1]), root, args[0] if len(args) == 2 else None)
    except DigestError as exc:
        raise _refuse(exc) from None
    click.echo(report.as_json() if fmt == "json" else report.as_text())


@main.command()
@_ROOT
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--no-drafts", is_flag=True, help="Hide digests marked draft: true.")
def serve(root: Path, host: str, port: int, no_drafts: bool) -> None:
    """Build, serve on http://127.0.0.1:8000/, rebuild and reload on every save."""
    from digestgen.serve import run

    try:
        run(root, host, port, drafts=not no_drafts, log=lambda msg: click.echo(msg, err=True))
    except DigestError as exc:
        raise _fail(exc) from None
    except OSError as exc:
        raise click.ClickException(f"cannot serve on {host}:{port}: {exc.strerror}") from None


@main.command()
@_ROOT
@click.option("--since", type=int, default=None, help="Report only digests newer than number N.")
@click.option("--links", is_flag=True, help="Also check external links over HTTP (cached).")
@click.option("--timeout", type=float, default=10.0, help="Seconds per request for --links.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", help="Output.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
def check(
    root: Path, since: int | None, links: bool, timeout: float, fmt: str, strict: bool
) -> None:
    """Validate everything without writing, then report repeated links and link hygiene."""
    from digestgen.commands.linkcheck import LinkOptions
    from digestgen.commands.validate import run_check

    options = LinkOptions(timeout=timeout) if links else None
    findings = run_check(root, since=since, links=options)
    click.echo(format_findings(findings, fmt))
    sys.exit(exit_status(findings, strict))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
