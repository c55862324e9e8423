"""A build killed with SIGKILL at any instant leaves the output folder exactly as the old
site or exactly as the new one, and the next build removes what it left and writes the
new site exactly; then an edit builds on it as on any other build.

The instants are events the build makes (a folder or file appears, is replaced, a mark
names another generation), polled for and killed at; a few kills come at fixed times.
Each tree is compared whole with a cold build of the same input, the mark file with its
generation included.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from archivegen import generate_archive
from killing import (
    Ready,
    appears,
    build_to_end,
    changed_inode,
    kill_after,
    kill_when,
    leftovers,
    mark_changes,
    restore,
    tree,
)

from digestgen.build import CACHE_DIR, build

# Enough digests that a cold build parses them in a pool of processes.
DIGESTS = 30
# A build may pass an instant while the test looks away: then it is run again.
ATTEMPTS = 4
Input = Callable[[Path], None]
Tree = dict[str, bytes]


def _digest(root: Path, n: int) -> Path:
    return next((root / "digests").glob(f"*/issue-{n}.md"))


def old(root: Path) -> None:
    generate_archive(root, count=DIGESTS)


def mid(root: Path) -> None:
    """An edit of one digest's intro (its page, its feeds and search change)."""
    path = _digest(root, 25)
    path.write_text(path.read_text().replace("Intro for issue", "Intro, edited, for issue"))


def new(root: Path) -> None:
    """A title edited and a digest deleted: pages change, pages and folders go away."""
    path = _digest(root, 10)
    path.write_text(path.read_text().replace('title: "Issue 10:', 'title: "Issue ten:'))
    _digest(root, 20).unlink()


def third(root: Path) -> None:
    path = _digest(root, 5)
    path.write_text(path.read_text().replace("Intro for issue", "Intro, third, for issue"))


@pytest.fixture(autouse=True, scope="module")
def user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The user's cache (compiled templates) in the tests' own folder, for the builds
    of this process and of the ones it starts."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))
        yield


@pytest.fixture(scope="module")
def cold(tmp_path_factory: pytest.TempPathFactory, user_cache: None) -> dict[str, Tree]:
    """The site of each input, built cold in a folder of its own."""
    trees: dict[str, Tree] = {}
    steps: list[Input] = []
    for name, step in (("old", old), ("mid", mid), ("new", new), ("third", third)):
        steps.append(step)
        root = tmp_path_factory.mktemp(f"cold-{name}")
        for apply in steps:
            apply(root)
        build(root, workers=1)
        found = tree(root / "site")
        assert found is not None
        trees[name] = found
    return trees


@dataclass
class Scenario:
    """A site in the state a build starts from (``pristine``, copied to ``work`` for each
    run), the tree its output folder holds then (``None``: none) and the input it builds."""

    pristine: Path
    work: Path
    before: str | None

    def run_killed(self, kill: Callable[[Path], bool], cold: dict[str, Tree]) -> bool:
        """Kill a build of the new input; check the folder, the next build, an edit."""
        for _ in range(ATTEMPTS):
            restore(self.pristine, self.work)
            killed = kill(self.work)
            if killed:
                break
        site = self.work / "site"
        left = tree(site)
        expected = [cold["new"]] + ([cold[self.before]] if self.before else [None])
        assert left in expected, f"neither old nor new: {diff(left, expected)}"
        build_to_end(self.work)
        assert tree(site) == cold["new"], diff(tree(site), [cold["new"]])
        assert leftovers(self.work, site) == []
        third(self.work)
        build_to_end(self.work)
        assert tree(site) == cold["third"], diff(tree(site), [cold["third"]])
        return killed


def diff(found: Tree | None, expected: list[Tree | None]) -> str:
    """The paths in which ``found`` differs from each expected tree."""
    if found is None:
        return "no site"
    parts = []
    for other in expected:
        other = other or {}
        paths = sorted(p for p in found.keys() | other.keys() if found.get(p) != other.get(p))
        parts.append(", ".join(paths[:8]) + (" ..." if len(paths) > 8 else ""))
    return " | ".join(parts)


@pytest.fixture(scope="module")
def cold_build(tmp_path_factory: pytest.TempPathFactory, user_cache: None) -> Scenario:
    """No site and no cache yet: the first build of the new input."""
    base = tmp_path_factory.mktemp("cold-build")
    pristine = base / "pristine"
    old(pristine)
    mid(pristine)
    new(pristine)
    return Scenario(pristine, base / "work", None)


def _built(base: Path, steps: list[Input]) -> Path:
    """A site at ``base/work`` built from each input in turn, moved to ``base/pristine``
    (the build's record of an output folder is kept by its path: runs are at ``work``)."""
    work = base / "work"
    for step in steps:
        step(work)
        build(work, workers=1)
    work.rename(base / "pristine")
    return base / "pristine"


@pytest.fixture(scope="module")
def full_build(tmp_path_factory: pytest.TempPathFactory, user_cache: None) -> Scenario:
    """The old site built, then the cache lost: a full build of the new input over it."""
    base = tmp_path_factory.mktemp("full-build")
    pristine = _built(base, [old, mid])
    shutil.rmtree(pristine / CACHE_DIR)
    new(pristine)
    return Scenario(pristine, base / "work", "mid")


@pytest.fixture(scope="module")
def edit_build(tmp_path_factory: pytest.TempPathFactory, user_cache: None) -> Scenario:
    """The site built and edited once (its standby copy lags): an edit to the new input."""
    base = tmp_path_factory.mktemp("edit-build")
    pristine = _built(base, [old, mid])
    new(pristine)
    return Scenario(pristine, base / "work", "mid")


@pytest.fixture(scope="module")
def edit_no_standby(tmp_path_factory: pytest.TempPathFactory, user_cache: None) -> Scenario:
    """The site built and edited, its standby copy gone: the edit makes it again first."""
    base = tmp_path_factory.mktemp("edit-no-standby")
    pristine = _built(base, [old, mid])
    shutil.rmtree(pristine / ".site.digestgen-standby")
    new(pristine)
    return Scenario(pristine, base / "work", "mid")


Instant = Callable[[Path], Ready]
STAGING, STANDBY = ".site.digestgen-new", ".site.digestgen-standby"


def _after(first: Instant, then: Instant) -> Instant:
    """An instant: ``then`` holds after ``first`` has held."""

    def make(root: Path) -> Ready:
        ready_first, ready_then = first(root), then(root)
        seen = [False]

        def ready() -> bool:
            seen[0] = seen[0] or ready_first()
            return seen[0] and ready_then()

        return ready

    return make


COLD_INSTANTS: dict[str, Instant] = {
    "staging made": lambda root: appears(root, STAGING),
    "manifest pending": lambda root: appears(root / CACHE_DIR, ".pending"),
    "standby made": lambda root: appears(root, STANDBY),
}
FULL_INSTANTS: dict[str, Instant] = {
    "staging marked": lambda root: appears(root / STAGING, ".digestgen-site"),
    "standby removed": lambda root: lambda: not (root / STANDBY).exists(),
    "manifest pending": lambda root: appears(root / CACHE_DIR, ".pending"),
    "swapped": lambda root: mark_changes(root / "site"),
    "standby again": _after(
        lambda root: lambda: not (root / STANDBY).exists(),
        lambda root: appears(root, STANDBY),
    ),
}
EDIT_INSTANTS: dict[str, Instant] = {
    "standby unknown": lambda root: appears(root / CACHE_DIR, ".syncing"),
    "standby page replaced": lambda root: changed_inode(root / STANDBY / "archive/index.html"),
    "standby page removed": lambda root: changed_inode(
        root / STANDBY / "digests/issue-20/index.html"
    ),
    "standby marked": lambda root: mark_changes(root / STANDBY),
    "manifest pending": lambda root: appears(root / CACHE_DIR, ".pending"),
    "swapped": lambda root: mark_changes(root / "site"),
}
STANDBY_INSTANTS: dict[str, Instant] = {
    "standby being made": lambda root: appears(root, STANDBY),
    "standby made": lambda root: appears(root / STANDBY, ".digestgen-site"),
}
TIMES = (0.5, 1.5)


def _instant(instant: Instant) -> Callable[[Path], bool]:
    return lambda root: kill_when(root, instant(root))


@pytest.mark.parametrize("name", COLD_INSTANTS)
def test_cold_build_killed(name: str, cold_build: Scenario, cold: dict[str, Tree]) -> None:
    assert cold_build.run_killed(_instant(COLD_INSTANTS[name]), cold), "it ended first"


@pytest.mark.parametrize("name", FULL_INSTANTS)
def test_full_build_killed(name: str, full_build: Scenario, cold: dict[str, Tree]) -> None:
    assert full_build.run_killed(_instant(FULL_INSTANTS[name]), cold), "it ended first"


@pytest.mark.parametrize("name", EDIT_INSTANTS)
def test_edit_killed(name: str, edit_build: Scenario, cold: dict[str, Tree]) -> None:
    assert edit_build.run_killed(_instant(EDIT_INSTANTS[name]), cold), "it ended first"


@pytest.mark.parametrize("name", STANDBY_INSTANTS)
def test_edit_making_its_standby_killed(
    name: str, edit_no_standby: Scenario, cold: dict[str, Tree]
) -> None:
    assert edit_no_standby.run_killed(_instant(STANDBY_INSTANTS[name]), cold), "it ended first"


@pytest.mark.parametrize("seconds", TIMES)
@pytest.mark.parametrize("kind", ["cold", "full", "edit"])
def test_killed_at_a_time(
    kind: str, seconds: float, request: pytest.FixtureRequest, cold: dict[str, Tree]
) -> None:
    scenario: Scenario = request.getfixturevalue(f"{kind}_build")
    scenario.run_killed(lambda root: kill_after(root, seconds), cold)
