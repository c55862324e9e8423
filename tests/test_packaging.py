"""The installed package carries the whole theme, not only what an editable install sees."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
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


def _imported_modules(package: Path) -> set[str]:
    """The top-level names of every module the package's code imports."""
    names: set[str] = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def _requirement_name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_every_imported_package_is_a_declared_dependency() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    declared = {_requirement_name(req) for req in config["project"]["dependencies"]}
    distributions = importlib.metadata.packages_distributions()
    third_party = {
        name
        for name in _imported_modules(REPO / "src/digestgen")
        if name not in sys.stdlib_module_names and name not in {"digestgen", "__future__"}
    }
    assert third_party, "no third-party import found: the walk is broken"
    missing = {
        name: sorted(distributions.get(name, [name]))
        for name in third_party
        if not {d.lower().replace("_", "-") for d in distributions.get(name, [name])} & declared
    }
    assert missing == {}
