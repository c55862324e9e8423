"""How the commands talk to the terminal: colour (off with ``NO_COLOR`` or on a pipe),
progress bars, a build's warnings, check's findings, the server's log, user mistakes,
and the site's folder found from the current one."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import click

from digestgen.build import BuildResult
from digestgen.commands.check import ERROR, Finding, format_findings
from digestgen.config import CONFIG_FILE, checked_base_url, find_root
from digestgen.errors import DigestError, plural

# A build that ends sooner shows no progress bar.
PROGRESS_AFTER = 1.0
PHASES = {"parse": "parsing digests", "render": "making pages"}
# What the server says when a build failed, or when digestgen itself did.
_FAILED = re.compile(r"^(Traceback|error: )|\nerror: ")


def say(text: str, err: bool = False, fg: str | None = None) -> None:
    """Print a line, in colour ``fg`` on a terminal unless ``NO_COLOR`` is set."""
    plain = bool(os.environ.get("NO_COLOR"))
    click.echo(click.style(text, fg=fg) if fg else text, err=err, color=False if plain else None)


class UserError(click.ClickException):
    """A user mistake, printed as ``path:line: message`` lines (in red) without a
    traceback; exit status 1."""

    def show(self, file: object = None) -> None:
        say(self.message, err=True, fg="red")


def failed(exc: DigestError) -> UserError:
    """The mistakes that stopped a build, and their count."""
    errors = getattr(exc, "errors", [exc])
    lines = [str(e) for e in errors]
    lines.append(f"error: {plural(len(errors), 'problem')}; site not built")
    return UserError("\n".join(lines))


def refused(exc: DigestError) -> UserError:
    """A user mistake from a curator command: each problem on its own line."""
    errors = getattr(exc, "errors", [exc])
    return UserError("\n".join(str(e) if e.path else f"error: {e.message}" for e in errors))


def site_root(_ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path:
    """The folder given with ``--root``, else the first one upwards from the current
    folder that holds ``digestgen.yaml`` (as a path relative to the current folder)."""
    if value is not None:
        if not (value / CONFIG_FILE).exists():
            raise UserError(
                f"error: no {CONFIG_FILE} in {value}; start a site there with "
                f"'digestgen init {value}'"
            )
        return value
    here = Path.cwd()
    found = find_root(here)
    if found is None:
        raise UserError(
            f"error: no {CONFIG_FILE} in {here} or any folder above it; start a site with "
            "'digestgen init', or name its folder with --root"
        )
    return Path(os.path.relpath(found, here))


def base_url_param(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """A ``--base-url`` as the config would hold it, or a usage error saying why not."""
    try:
        return None if value is None else checked_base_url(value, "--base-url")
    except DigestError as exc:
        raise click.BadParameter(exc.message.replace("'base_url' must", "must")) from None


class Bars:
    """Click's progress bar for each phase of a build that has run over a second."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.start = time.monotonic()
        self.phase = ""
        self.bar: Any = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase != self.phase:
            if time.monotonic() - self.start < PROGRESS_AFTER:
                return
            self.close()
            self.phase = phase
            label = PHASES.get(phase, phase)
            self.bar = click.progressbar(length=total, label=label, file=self.stream)
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        """End the bar on screen (its line stays)."""
        if self.bar is not None:
            self.bar.render_finish()
            self.bar = None


@contextmanager
def progress(shown: bool) -> Iterator[Bars | None]:
    """Progress bars on a terminal's standard error; none on a pipe or when not ``shown``."""
    stream = sys.stderr
    if not shown or not stream.isatty():
        yield None
        return
    bars = Bars(stream)
    try:
        yield bars
    finally:
        bars.close()


def build_log(bars: Bars | None) -> Callable[[str], None]:
    """What ``build -v`` says of each phase, on its own line below the phase's bar."""

    def log(message: str) -> None:
        if bars is not None:
            bars.close()
        say(message, err=True)

    return log


def report_warnings(result: BuildResult) -> None:
    """The warnings of the digests this build parsed; those of the others in one line
    (the build that parsed them showed them)."""
    fresh = set(result.parsed)
    shown = [w for w in result.warnings if w.path is None or w.path in fresh]
    others = [w for w in result.warnings if w.path is not None and w.path not in fresh]
    for warning in shown:
        say(f"{warning.location()}: warning: {warning.message}", err=True, fg="yellow")
    if others:
        files = plural(len({w.path for w in others}), "unchanged digest")
        lead = "and " if shown else ""
        them = "it" if len(others) == 1 else "them"
        line = f"{lead}{plural(len(others), 'warning')} in {files}; 'digestgen check' lists {them}"
        say(line, err=True, fg="yellow")


def print_findings(findings: list[Finding], fmt: str, quiet: bool) -> None:
    """``digestgen check``'s findings in ``fmt``; as text, each in its colour and the
    count last (not when ``quiet``, which prints nothing when there is no error)."""
    text = format_findings(findings, fmt)
    if fmt != "text":
        say(text)
        return
    for finding in findings:
        say(str(finding), fg="red" if finding.severity == ERROR else "yellow")
    if not quiet:
        say(text.rsplit("\n", 1)[-1])


def serve_log(quiet: bool) -> Callable[[str], None]:
    """What the server says: failed builds in red, warnings in yellow; with ``quiet``,
    only failed builds and the address it serves on."""

    def log(message: str) -> None:
        bad = _FAILED.search(message) is not None
        if quiet and not bad and not message.startswith("serving "):
            return
        colour = "red" if bad else "yellow" if message.startswith("warning:") else None
        say(message, err=True, fg=colour)

    return log
