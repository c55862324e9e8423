"""``digestgen serve``: a live preview that rebuilds on every save and reloads the browser."""

from __future__ import annotations

from digestgen.serve.server import LiveServer, run
from digestgen.serve.watch import Change, Layout, classify

__all__ = ["Change", "Layout", "LiveServer", "classify", "run"]
