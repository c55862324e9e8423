"""Reading YAML mappings safely, keeping the line of every key for error messages."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from digestgen.errors import DigestError, collect

try:  # libyaml is several times faster when it is installed
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class SafeLoader(_BaseLoader):
    """``yaml.safe_load``'s loader, but dates stay text so that digestgen can
    report an impossible date such as 2020-13-45 at its own line."""


SafeLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True, slots=True)
class YamlMapping:
    """A YAML mapping with the 1-based source line of each of its keys."""

    values: dict[str, Any]
    lines: dict[str, int]
    line: int

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


def load_mapping(
    text: str,
    path: Path | str,
    first_line: int,
    error: type[DigestError],
    what: str,
) -> YamlMapping:
    """Parse ``text`` as a YAML mapping whose first line is ``first_line`` of ``path``.

    Every failure raises ``error`` pointing at the line in the file.
    """
    try:
        node = yaml.compose(text, Loader=SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark is not None else first_line
        column = mark.column + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise error(f"invalid YAML in {what}: {problem}", path, line, column) from None
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML in {what}: {exc}", path, first_line) from None
    if node is None:
        return YamlMapping({}, {}, first_line)
    if not isinstance(node, yaml.MappingNode):
        kind = {yaml.SequenceNode: "a list", yaml.ScalarNode: "a single value"}.get(
            type(node), "not a mapping"
        )
        raise error(
            f"{what} must be a mapping of 'key: value' lines, not {kind}",
            path,
            first_line + node.start_mark.line,
        )
    lines: dict[str, int] = {}
    problems: list[DigestError] = []
    for key_node, _ in node.value:
        key, line = str(key_node.value), first_line + key_node.start_mark.line
        if key in lines:  # PyYAML would silently keep the last one
            problems.append(
                error(f"duplicate key '{key}' (first at line {lines[key]})", path, line)
            )
        lines.setdefault(key, line)
    try:
        values = yaml.load(text, Loader=SafeLoader)
    except yaml.YAMLError as exc:  # a construction error, such as an unknown !tag
        mark = getattr(exc, "problem_mark", None)
        line = first_line + mark.line if mark is not None else first_line
        column = mark.column + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise error(f"invalid YAML in {what}: {problem}", path, line, column) from None
    if not isinstance(values, dict) or not all(isinstance(k, str) for k in values):
        raise error(f"{what} keys must be plain words", path, first_line)
    for key, value in values.items():
        bad = _first_bad_character(value)
        if bad is not None:
            problems.append(
                error(
                    f"'{key}' holds the control character U+{ord(bad):04X}, "
                    "which no page or feed can carry",
                    path,
                    lines.get(key, first_line),
                )
            )
    collect(problems)
    return YamlMapping(values, lines, first_line)


# Characters that XML 1.0 (and so every feed) cannot carry, and HTML forbids.
BAD_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def bad_character(text: str) -> re.Match[str] | None:
    """The first character of ``text`` that cannot appear in a page or a feed."""
    return BAD_CHARACTERS.search(text)


def _first_bad_character(value: Any) -> str | None:
    if isinstance(value, str):
        match = bad_character(value)
        return match.group() if match else None
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list):
        for part in value:
            found = _first_bad_character(part)
            if found is not None:
                return found
    return None


def unknown_keys(
    mapping: YamlMapping,
    known: tuple[str, ...],
    path: Path | str,
    error: type[DigestError],
    what: str,
) -> list[DigestError]:
    """One error per key not in ``known``, with a did-you-mean where one is close."""
    found: list[DigestError] = []
    for key in mapping.values:
        if key in known:
            continue
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f" (known keys: {', '.join(known)})"
        found.append(error(f"unknown {what} key '{key}'{hint}", path, mapping.line_of(key)))
    return found
