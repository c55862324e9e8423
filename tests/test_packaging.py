"""The installed package carries the whole theme, not only what an editable install sees."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_every_theme_file_is_package_data() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    globs = config["tool"]["setuptools"]["package-data"]["digestgen"]
    package = REPO / "src/digestgen"
    shipped = {path for pattern in globs for path in package.glob(pattern) if path.is_file()}
    theme = {path for path in (package / "theme").rglob("*") if path.is_file()}
    assert theme, "the theme folder is empty"
    assert sorted(p.relative_to(package).as_posix() for p in theme - shipped) == []
