"""Reading YAML mappings safely, keeping the line of every key for error messages.

PyYAML resolves plain scalars by YAML 1.1 (``010`` is 8, ``no`` is false, ``1.10``
is 1.1). Here every scalar stays the text it was written as: a plain one becomes a
``Plain`` string, a quoted one a ``str``, and each field's validator decides what
the text means (``number`` reads YAML 1.2 core integers, a flag only ``true`` or
``false``). Aliases are expanded by a walk that counts what it builds, so that an
alias bomb fails at its key's line instead of filling the memory.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from digestgen.errors import DigestError, collect

try:  # libyaml is several times faster when it is installed
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader  # type: ignore[assignment]

# How many values one key's value may expand to through aliases, and how many
# alias uses a whole mapping may hold: far above any config or front matter.
MAX_VALUES = 10_000
MAX_ALIASES = 1_000
# How much of a value an error message quotes.
QUOTE_LIMIT = 60
_CORE = "tag:yaml.org,2002:"
# The tags the resolver gives untagged scalars; any other tag was written in the text.
_SCALAR_TAGS = {
    f"{_CORE}{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "merge", "value")
}
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = ("true", "True", "TRUE")
_FALSE = ("false", "False", "FALSE")
_INTEGER = re.compile(r"^(?:([-+]?[0-9]+)|0o([0-7]+)|0x([0-9a-fA-F]+))$")


class Plain(str):
    """A plain (unquoted) scalar's text, as written: its field's type says what it means."""

    __slots__ = ()


def as_integer(value: Any) -> int | None:
    """A plain scalar read as a YAML 1.2 core integer (``10``, ``010``, ``0o17``, ``0x1F``)."""
    if not isinstance(value, Plain):
        return None
    match = _INTEGER.match(value)
    if match is None:
        return None
    decimal, octal, hexadecimal = match.groups()
    if decimal is not None:
        return int(decimal, 10)
    return int(octal, 8) if octal is not None else int(hexadecimal, 16)


def as_flag(value: Any) -> bool | None:
    """A plain scalar read as a YAML 1.2 core boolean: ``true`` or ``false`` in the
    spellings YAML 1.2 allows; anything else is ``None``."""
    if isinstance(value, Plain):
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
    return None


def quoted(value: Any) -> str:
    """A value for an error message: its ``repr``, cut to a few dozen characters."""
    text = repr(value)
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 3] + "..."


@dataclass(frozen=True, slots=True)
class YamlMapping:
    """A YAML mapping with the 1-based source line of each of its keys, and the
    mistakes found in it that do not stop a build (``warnings``)."""

    values: dict[str, Any]
    lines: dict[str, int]
    line: int
    warnings: tuple[DigestError, ...] = ()

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


class _TooBig(Exception):
    """An alias expansion passed the limits."""


class _BadTag(Exception):
    def __init__(self, node: yaml.Node) -> None:
        super().__init__(node.tag)
        self.node = node


class _Builder:
    """Turns composed nodes into Python values, counting values and alias uses."""

    def __init__(self) -> None:
        self.values = 0
        self.aliases = 0
        self.seen: set[int] = set()

    def build(self, node: yaml.Node) -> Any:
        self.values += 1
        if self.values > MAX_VALUES:
            raise _TooBig
        if id(node) in self.seen:  # a node reached a second time is an alias use
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _TooBig
        else:
            self.seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != f"{_CORE}seq":
                raise _BadTag(node)
            return [self.build(child) for child in node.value]
        if node.tag != f"{_CORE}map":
            raise _BadTag(node)
        return {self._key(key): self.build(value) for key, value in node.value}

    def _key(self, node: yaml.Node) -> Any:
        key = self.build(node)
        return key if isinstance(key, str) else repr(key)

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag not in _SCALAR_TAGS:
            raise _BadTag(node)
        text = str(node.value)
        if node.style:  # quoted or a block scalar: text
            return text
        return None if _NULL.match(text) else Plain(text)


def _compose(
    text: str, path: Path | str, first_line: int, error: type[DigestError], what: str
) -> yaml.Node | None:
    """The node tree of ``text``; a syntax error is raised at the line where the broken
    construct starts (a string or list left open runs to the end of the input, and
    is reported where it was opened)."""
    try:
        return yaml.compose(text, Loader=SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if (
            exc.context_mark is not None
            and exc.problem_mark is not None
            and not text[exc.problem_mark.index :].strip()
        ):
            mark = exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        line = first_line + mark.line if mark is not None else first_line
        column = mark.column + 1 if mark is not None else None
        raise error(f"invalid YAML in {what}: {problem}", path, line, column) from None
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML in {what}: {exc}", path, first_line) from None


def _built(
    builder: _Builder,
    node: yaml.Node,
    key: str,
    where: tuple[Path | str, int, int],
    error: type[DigestError],
    what: str,
) -> Any:
    """The value of ``key``; an alias bomb or a tag is an error at its line."""
    path, first_line, line = where
    try:
        return builder.build(node)
    except _TooBig:
        raise error(
            f"{quoted(key)} expands YAML aliases to more than {MAX_VALUES} values "
            f"or {MAX_ALIASES} alias uses",
            path,
            line,
        ) from None
    except _BadTag as bad:
        mark = bad.node.start_mark
        raise error(
            f"invalid YAML in {what}: unknown tag {quoted(bad.node.tag)}; "
            "only plain values, lists and mappings are read",
            path,
            first_line + mark.line,
            mark.column + 1,
        ) from None


def load_mapping(
    text: str,
    path: Path | str,
    first_line: int,
    error: type[DigestError],
    what: str,
) -> YamlMapping:
    """Parse ``text`` as a YAML mapping whose first line is ``first_line`` of ``path``.

    Every failure raises ``error`` pointing at the line in the file. A control
    character in a value (through a YAML escape) is dropped with a warning.
    """
    node = _compose(text, path, first_line, error, what)
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
    values: dict[str, Any] = {}
    problems: list[DigestError] = []
    warnings: list[DigestError] = []
    builder = _Builder()
    for key_node, value_node in node.value:
        line = first_line + key_node.start_mark.line
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _SCALAR_TAGS:
            raise error(f"{what} keys must be plain words", path, line)
        key = str(key_node.value)
        if key in lines:  # PyYAML would silently keep the last one
            problems.append(
                error(f"duplicate key '{key}' (first at line {lines[key]})", path, line)
            )
            continue
        lines[key] = line
        where = (path, first_line, line)
        value = _built(builder, value_node, key, where, error, what)
        values[key] = _cleaned(value, key, path, line, error, warnings)
    collect(problems)
    return YamlMapping(values, lines, first_line, tuple(warnings))


# Characters that XML 1.0 (and so every feed) cannot carry, and HTML forbids: C0
# controls but tab and line breaks, DEL, C1 controls, lone surrogates, U+FFFE/U+FFFF.
BAD_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def bad_character(text: str) -> re.Match[str] | None:
    """The first character of ``text`` that cannot appear in a page or a feed."""
    return BAD_CHARACTERS.search(text)


def _cleaned(
    value: Any,
    key: str,
    path: Path | str,
    line: int,
    error: type[DigestError],
    warnings: list[DigestError],
) -> Any:
    """``value`` without the characters no page can carry, each drop a warning."""
    if isinstance(value, str):
        match = bad_character(value)
        if match is None:
            return value
        warnings.append(
            error(
                f"'{key}' holds the control character U+{ord(match.group()):04X}, "
                "which no page or feed can carry; it is left out",
                path,
                line,
            )
        )
        kept = BAD_CHARACTERS.sub("", value)
        return Plain(kept) if isinstance(value, Plain) else kept
    if isinstance(value, list):
        return [_cleaned(part, key, path, line, error, warnings) for part in value]
    if isinstance(value, dict):
        return {
            _cleaned(k, key, path, line, error, warnings): _cleaned(
                v, key, path, line, error, warnings
            )
            for k, v in value.items()
        }
    return value


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
        found.append(error(f"unknown {what} key {quoted(key)}{hint}", path, mapping.line_of(key)))
    return found
