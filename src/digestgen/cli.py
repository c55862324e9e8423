"""The ``digestgen`` command: thin wrappers mapping user mistakes to exit status 1."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from digestgen import __version__
from digestgen.build import build as build_site
from digestgen.errors import DigestError


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
    click.echo(result.summary())


@main.command()
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    help="The site folder (holding digestgen.yaml).",
)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
