"""Real sites on disk for the error, check and validity tests."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from digestgen.cli import main

CONFIG = 'title: "Test digest"\nbase_url: "https://example.org/blog/"\n'
GOOD = """---
title: "Digest {n}"
date: 2020-01-{n:02d}
number: {n}
---

## Links

- [Link {n}](https://example.com/{n}) - commentary {n}
"""


def make_site(
    root: Path,
    digests: dict[str, str | bytes],
    config: str | bytes | None = CONFIG,
    templates: dict[str, str] | None = None,
) -> Path:
    """Write a site folder: ``digestgen.yaml``, ``digests/`` and optional ``templates/``."""
    (root / "digests").mkdir(parents=True, exist_ok=True)
    if config is not None:
        data = config.encode() if isinstance(config, str) else config
        (root / "digestgen.yaml").write_bytes(data)
    for name, text in digests.items():
        path = root / "digests" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode() if isinstance(text, str) else text)
    for name, text in (templates or {}).items():
        path = root / "templates" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def run(*args: str) -> Result:
    """Run the real command line, stderr kept apart from stdout."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
