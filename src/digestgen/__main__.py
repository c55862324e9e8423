"""Entry point for ``python -m digestgen``."""

from digestgen.cli import run

run()
