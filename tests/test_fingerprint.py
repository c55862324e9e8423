"""The fingerprints that page keys are made of: the fast passes over lists of known values
and of listing pairs give the fingerprint the value-by-value walk gives, and every change
of what a pair stands for changes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import pytest

from digestgen.build.fingerprint import Fingerprinter, sha256


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


@dataclass(frozen=True, slots=True)
class Holder:
    """A value that holds known values inside it, as a tag holds its digests."""

    label: str
    owners: tuple[Owner, ...]


def known_in(value: Any) -> set[int]:
    """The ids of the known values ``value`` holds, found by looking at it."""
    if id(value) in KNOWN:
        return {id(value)}
    if isinstance(value, list | tuple):
        return set().union(*map(known_in, value))
    if isinstance(value, Holder):
        return known_in(value.owners)
    return set()


@pytest.mark.parametrize("name", sorted(LISTS))
def test_traced_gives_the_fingerprint_and_the_known_values_taken_in(name: str) -> None:
    value = LISTS[name]
    fingerprinter = Fingerprinter(KNOWN, {Entry: lambda e: f"entry:{e.owner}#{e.anchor}"}, in_pair)
    fingerprint, used = fingerprinter.traced("page", value)
    assert fingerprint == fingerprinter("page", value)
    assert used == known_in(value)
    # A walk value by value takes in the same ones.
    fingerprinter.used = set()
    walked(fingerprinter, value)
    assert fingerprinter.used == known_in(value)


def test_traced_sees_into_a_value_fingerprinted_before() -> None:
    """A dataclass's fingerprint is kept once made; a traced call still finds the known
    values inside it, and leaves the kept fingerprints as they were."""
    holder = Holder("tag", (OWNERS[1], OWNERS[3]))
    fingerprinter = Fingerprinter(KNOWN)
    plain = fingerprinter(holder)
    assert fingerprinter.traced(holder) == (plain, {id(OWNERS[1]), id(OWNERS[3])})
    assert fingerprinter.used is None and len(fingerprinter.memo) == 1
    # ``take`` counts a value in for a ``by_type`` function, only while tracing.
    fingerprinter.take(id(OWNERS[0]))
    taking = Fingerprinter(KNOWN, {Entry: lambda e: taking.take(id(OWNERS[2])) or "entry"})
    assert taking.traced([Entry("x", "y")])[1] == {id(OWNERS[2])}


class Point(NamedTuple):
    x: int
    y: int


class Size(NamedTuple):
    x: int
    y: int


def test_a_named_tuple_is_fingerprinted_as_its_class_and_fields() -> None:
    """The model's records are named tuples: one is not a plain tuple of its values, nor a
    record of another class with the same values, and each field counts."""
    values = [Point(1, 2), Point(1, 2), (1, 2), Size(1, 2), Point(1, 3)]
    fingerprint = Fingerprinter({})  # its memo is by id: the values stay alive
    point, same, plain, other_class, other_field = map(fingerprint, values)
    assert point == same
    assert point not in {plain, other_class, other_field}
