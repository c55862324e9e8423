"""The ``digestgen`` command: thin wrappers mapping user mistakes to exit status 1."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from digestgen import __version__
from digestgen.build import build as build_site
from digestgen.check import FORMATS, exit_status, format_findings
from digestgen.errors import DigestError
from digestgen.linkcheck import LinkOptions
from digestgen.validate import run_check


class _UserError(click.ClickException):
    """A user mistake, printed as ``path:line: message`` lines without a traceback."""

    def show(self, file: object = None) -> None:
        click.echo(self.message, err=True)


def _fail(exc: DigestError) -> _UserError:
    errors = getattr(exc, "errors", [exc])
    lines = [str(e) for e in errors]
    lines.append(f"error: {len(errors)} problem{'s' if len(errors) != 1 else ''}; site not built")
    return _UserError("\n".join(lines))


@click.group()
@click.version_option(__version__, prog_name="digestgen")
def main() -> None:
    """digestgen: a static-site generator for curated link digests."""


@main.command()
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    help="The site folder (holding digestgen.yaml).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the site (default: site/ in the root).",
)
@click.option("--drafts", is_flag=True, help="Include digests marked draft: true.")
@click.option("--verbose", "-v", is_flag=True, help="Show each phase.")
def build(root: Path, output: Path | None, drafts: bool, verbose: bool) -> None:
    """Build the site from digests/ into site/."""
    log = (lambda msg: click.echo(msg, err=True)) if verbose else None
    try:
        result = build_site(root, output=output, drafts=drafts, log=log)
    except DigestError as exc:
        raise _fail(exc) from None
    for warning in result.site.warnings:
        click.echo(f"{warning.location()}: warning: {warning.message}", err=True)
    click.echo(result.summary())


@main.command()
@click.option(
    "--root", type=click.Path(file_okay=False, path_type=Path), default=".", help="The site folder."
)
@click.option("--since", type=int, default=None, help="Report only digests newer than number N.")
@click.option("--links", is_flag=True, help="Also check external links over HTTP (cached).")
@click.option("--timeout", type=float, default=10.0, help="Seconds per request for --links.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", help="Output.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
def check(
    root: Path, since: int | None, links: bool, timeout: float, fmt: str, strict: bool
) -> None:
    """Validate everything without writing, then report repeated links and link hygiene."""
    options = LinkOptions(timeout=timeout) if links else None
    findings = run_check(root, since=since, links=options)
    click.echo(format_findings(findings, fmt))
    sys.exit(exit_status(findings, strict))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
