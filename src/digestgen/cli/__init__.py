"""The ``digestgen`` command: thin wrappers that find the site, call into the package and
say what happened; user mistakes are ``path:line: message`` lines and exit status 1."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from digestgen import __version__
from digestgen.build import build as build_site
from digestgen.cli.terminal import (
    UserError,
    base_url_param,
    build_log,
    failed,
    print_findings,
    progress,
    refused,
    report_warnings,
    say,
    serve_log,
    site_root,
)
from digestgen.commands.check import ERROR, FORMATS, exit_status
from digestgen.errors import DigestError

# The other commands' modules are imported when their command runs: a build in which
# nothing changed takes less time than importing them all (HTTP client, CSS inliner...).

CONTEXT = {"help_option_names": ["-h", "--help"], "show_default": True, "max_content_width": 100}

_ROOT = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    callback=site_root,
    help="The site's folder (default: the first folder upwards from here with digestgen.yaml).",
)
_BASE_URL = click.option(
    "--base-url",
    metavar="URL",
    callback=base_url_param,
    help="Build for this address instead of the config's base_url (a preview elsewhere).",
)
_QUIET = click.option("--quiet", "-q", is_flag=True, help="Print errors only.")


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, prog_name="digestgen")
def main() -> None:
    """digestgen: a static-site generator for curated link digests.

    \b
    Examples:
      digestgen init my-digest && cd my-digest
      digestgen serve
      digestgen build
    """


@main.command()
@_ROOT
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the site (default: the config's output_dir, site/).",
)
@click.option(
    "--force-output",
    is_flag=True,
    help="Allow an --output folder outside the site's folder (named by an absolute path).",
)
@click.option("--drafts/--no-drafts", help="Include drafts (draft: true).")
@_BASE_URL
@_QUIET
@click.option("--verbose", "-v", is_flag=True, help="Say what each phase did.")
@click.option("--timings", is_flag=True, help="Print the time of each phase.")
def build(root: Path, output: Path | None, force_output: bool, **how: Any) -> None:
    """Build digests/ into site/, remaking only what changed.

    \b
    Examples:
      digestgen build
      digestgen build -v --drafts
      digestgen build --base-url http://localhost:9000/ -o /tmp/preview --force-output
    """
    quiet = how["quiet"]
    with progress(not quiet) as bars:
        log = build_log(bars) if how["verbose"] and not quiet else None
        try:
            result = build_site(
                root, output, how["drafts"], log, force_output=force_output,
                base_url=how["base_url"], progress=bars,
            )  # fmt: skip
        except DigestError as exc:
            raise failed(exc) from None
    if not quiet:
        report_warnings(result)
        say(result.summary())
    if how["timings"]:
        say(result.timings())


def run() -> None:
    """The ``digestgen`` console script and ``python -m digestgen``."""
    main.main()


# The curator's week: init, new, add, publish, export.


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="The new site's folder, as DIRECTORY (default: this folder).",
)
@click.option("--title", default="My digest", help="The site's title.")
@click.option(
    "--base-url",
    default="https://example.org/",
    callback=base_url_param,
    help="Where it will be published.",
)
def init(directory: Path | None, root: Path | None, title: str, base_url: str) -> None:
    """Start a new site in DIRECTORY, with a GitHub Pages workflow.

    \b
    Examples:
      digestgen init my-digest --title "DS/ML digest" --base-url https://me.github.io/digest/
      digestgen init --root my-digest
    """
    from digestgen.commands import scaffold

    if directory is not None and root is not None and directory != root:
        raise click.UsageError("name the new site's folder once: DIRECTORY or --root")
    try:
        written = scaffold.init_site(directory or root or Path("."), title, base_url)
    except DigestError as exc:
        raise refused(exc) from None
    for path in written:
        say(str(path))


@main.command()
@_ROOT
@click.option("--title", help="The title (default: the config's new_digest_title).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Its date, YYYY-MM-DD.")
def new(root: Path, title: str | None, day: datetime | None) -> None:
    """Start the next digest as a draft and print its path.

    \b
    Examples:
      digestgen new
      digestgen new --title "Special issue" --date 2024-06-01
    """
    from digestgen.commands import scaffold

    try:
        path = scaffold.new_digest(root, title, day.date() if day else None)
    except DigestError as exc:
        raise refused(exc) from None
    say(str(path))


@main.command()
@_ROOT
@click.argument("url")
@click.option("--title", help="The link's title.")
@click.option("--fetch-title", is_flag=True, help="Read the title from the page (5 s in all).")
@click.option(
    "--allow-private", is_flag=True, help="Let --fetch-title reach loopback and private addresses."
)
@click.option(
    "--section",
    help="The section (created when missing; default: the config's default_section, "
    "else the last section with items).",
)
@click.option("--note", help="Commentary after the link.")
@click.option("--tag", "tags", multiple=True, help="A tag; repeat for more.")
@click.option("--to", type=click.Path(dir_okay=False, path_type=Path), help="Digest file.")
@click.option("--force", is_flag=True, help="Add it even if it was featured before.")
@click.option("--keep-query", is_flag=True, help="Keep tracking parameters (utm_*...) in the URL.")
def add(root: Path, url: str, title: str | None, **how: Any) -> None:
    """Append a link to the newest draft, refusing one featured before.

    \b
    Examples:
      digestgen add https://arxiv.org/abs/2001.04451 --title "Reformer" --tag nlp
      digestgen add https://example.org/post --fetch-title --section Tools --note "a tool"
    """
    from digestgen.commands import edit as editing

    try:
        if how["fetch_title"] and not title:
            title = editing.fetch_title(url, allow_private=how["allow_private"])
        tags = tuple(t.lstrip("#") for t in how["tags"])
        item = editing.NewItem(url, title, how["note"], tags)
        added = editing.add_item(
            root, item, how["section"], how["to"], how["force"], how["keep_query"]
        )
    except DigestError as exc:
        raise refused(exc) from None
    say(f"{added.path}:{added.line}: added {added.url}")
    if added.removed:
        one = len(added.removed) == 1
        names = f"parameter{'' if one else 's'} {', '.join(added.removed)}"
        say(f"removed tracking {names} (--keep-query keeps {'it' if one else 'them'})", err=True)


@main.command()
@_ROOT
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option(
    "--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD (default: today)."
)
def publish(root: Path, file: Path | None, day: datetime | None) -> None:
    """Check the newest draft (or FILE), date it and release it.

    It sets its date (today in the site's timezone) and draft: false, and prints
    the warnings 'digestgen check' gives for it.

    \b
    Examples:
      digestgen publish
      digestgen publish digests/digest-7.md --date 2024-06-05
    """
    from digestgen.commands import edit as editing

    try:
        published = editing.publish(root, file, day.date() if day else None)
    except DigestError as exc:
        raise refused(exc) from None
    for finding in published.warnings:
        say(str(finding), err=True, fg="yellow")
    say(f"published {published.path}")


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
@click.option("--max-chars", type=click.IntRange(min=1), help="Split Markdown into messages.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write (default: standard output).",
)
def export(root: Path, digest: str, fmt: str, max_chars: int | None, output: Path | None) -> None:
    """The newsletter edition of DIGEST (a number, slug or file).

    \b
    Examples:
      digestgen export 12 -o issue-12.html
      digestgen export latest-slug --format markdown --max-chars 4000 -o issue.md
    """
    from digestgen.commands import export as exporting

    try:
        for path, data in exporting.export_digest(root, digest, fmt, max_chars, output):
            if path is None:
                click.echo(data, nl=False)
            else:
                path.write_bytes(data)
                say(str(path), err=True)
    except DigestError as exc:
        raise refused(exc) from None


@main.command(name="import")
@click.argument("args", nargs=-1, required=True, metavar="[FORMAT] SOURCE")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    help="The new site's folder (empty or new).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    help="The report's form.",
)
def import_(args: tuple[str, ...], root: Path, fmt: str) -> None:
    """Import a Pelican, Hugo, Jekyll, Zola or Eleventy site.

    SOURCE is the other generator's site; FORMAT names the generator when it cannot be told.

    \b
    Examples:
      digestgen import ../my-pelican-blog --root my-digest
      digestgen import hugo ../my-hugo-site --root my-digest --format json
    """
    from digestgen.commands.importer import FORMATS, import_site

    if len(args) > 2 or (len(args) == 2 and args[0] not in FORMATS):
        raise click.UsageError(f"give [FORMAT] SOURCE, FORMAT one of {', '.join(FORMATS)}")
    try:
        report = import_site(Path(args[-1]), root, args[0] if len(args) == 2 else None)
    except DigestError as exc:
        raise refused(exc) from None
    say(report.as_json() if fmt == "json" else report.as_text())


@main.command()
@_ROOT
@click.option("--host", default="127.0.0.1", help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, help="Port (0: any free one).")
@click.option("--drafts/--no-drafts", default=True, help="Show drafts (draft: true).")
@_BASE_URL
@_QUIET
def serve(
    root: Path, host: str, port: int, drafts: bool, base_url: str | None, quiet: bool
) -> None:
    """Serve a live preview, rebuilt and reloaded on every save.

    It serves on http://127.0.0.1:8000/ plus the path of base_url, from memory:
    site/ is not touched.

    \b
    Examples:
      digestgen serve
      digestgen serve --port 9000 --no-drafts
      digestgen serve --host 0.0.0.0 --base-url http://192.168.1.20:8000/
    """
    from digestgen.serve import run

    try:
        run(root, host, port, drafts=drafts, log=serve_log(quiet), base_url=base_url)
    except DigestError as exc:
        raise failed(exc) from None
    except OSError as exc:
        raise UserError(f"error: cannot serve on {host}:{port}: {exc.strerror}") from None


@main.command()
@_ROOT
@click.option("--since", type=int, metavar="N", help="Report only digests newer than number N.")
@click.option("--links", is_flag=True, help="Also check external links over HTTP (cached).")
@click.option("--timeout", type=float, default=10.0, help="Seconds per request for --links.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", help="Output.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@_QUIET
def check(
    root: Path, since: int | None, links: bool, timeout: float, fmt: str, **how: bool
) -> None:
    """Validate without writing; report repeated links and link hygiene.

    \b
    Examples:
      digestgen check
      digestgen check --links --timeout 5
      digestgen check --format github --since 120 --strict
    """
    from digestgen.commands.linkcheck import LinkOptions
    from digestgen.commands.validate import run_check

    options = LinkOptions(timeout=timeout) if links else None
    findings = run_check(root, since=since, links=options)
    shown = [f for f in findings if f.severity == ERROR] if how["quiet"] else findings
    print_findings(shown, fmt, how["quiet"])
    sys.exit(exit_status(findings, how["strict"]))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
