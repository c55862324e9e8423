"""The fingerprints that page keys are made of: the fast passes over lists of known values
and of listing pairs give the fingerprint the value-by-value walk gives, and every change
of what a pair stands for changes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from digestgen.fingerprint import Fingerprinter, sha256


@dataclass(frozen=True, slots=True)
class Owner:
    name: str


@dataclass(frozen=True, slots=True)
class Entry:
    owner: str
    anchor: str


OWNERS = [Owner(f"o{n}") for n in range(4)]
KNOWN = {id(owner): f"key-of-{owner.name}" for owner in OWNERS}
PAIRS = [(OWNERS[n % 4], Entry(f"o{n % 4}", f"a{n}")) for n in range(12)]


def in_pair(first: Any, second: Any) -> str | None:
    """Stands for an entry beside its own owner (as the planner does for an item beside
    its digest); ``None`` otherwise."""
    if type(second) is Entry and type(first) is Owner and second.owner == first.name:
        return "#" + second.anchor
    return None


def walked(fingerprinter: Fingerprinter, value: list[Any]) -> str:
    """The fingerprint of ``value`` with the list walked value by value."""
    parts: list[str] = []
    fingerprinter._parts(value, parts)
    return sha256("\x1f".join([f"[{len(value)}", *parts, "]"]))


LISTS = {
    "known values": list(OWNERS),
    "pairs": PAIRS,
    "pairs, one with an unknown first": [*PAIRS, (Owner("new"), Entry("new", "x"))],
    "pairs, one beside another owner": [*PAIRS, (OWNERS[0], Entry("o1", "a1"))],
    "a pair among other values": [*PAIRS[:3], "text", 4],
    "empty": [],
}


@pytest.mark.parametrize("name", sorted(LISTS))
def test_fast_passes_equal_the_walk(name: str) -> None:
    value = LISTS[name]
    fingerprinter = Fingerprinter(KNOWN, {Entry: lambda e: f"entry:{e.owner}#{e.anchor}"}, in_pair)
    assert fingerprinter(value) == walked(fingerprinter, value)
    assert fingerprinter(tuple(value)) == fingerprinter(value)


def test_a_pair_stands_for_its_first_and_what_pair_gives() -> None:
    by_type = {Entry: lambda e: f"entry:{e.owner}#{e.anchor}"}
    base = Fingerprinter(KNOWN, by_type, in_pair)(PAIRS)
    moved = [*PAIRS[:-1], (PAIRS[-1][0], Entry(PAIRS[-1][1].owner, "other"))]
    assert Fingerprinter(KNOWN, by_type, in_pair)(moved) != base
    rekeyed = {**KNOWN, id(OWNERS[1]): "new-key-of-o1"}
    assert Fingerprinter(rekeyed, by_type, in_pair)(PAIRS) != base
    assert Fingerprinter(KNOWN, by_type, in_pair)(list(reversed(PAIRS))) != base
    # Without ``pair``, the second value stands for what ``by_type`` gives.
    assert Fingerprinter(KNOWN, by_type)(PAIRS) != base
