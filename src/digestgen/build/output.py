"""Writing the site incrementally: run only the output jobs whose inputs changed, on all
cores, and touch only the files whose bytes changed.

Every output file comes from a :class:`Job` with a key (a fingerprint of all it
is made of). A :class:`Manifest` in the cache remembers, per output folder, each
job's key and each file's SHA-256, size and mtime. A job runs again when its key
changed or one of its files was changed or removed by hand.

Safety: jobs write into a staging folder beside the output; only when all of
them succeeded are the staged files moved in (``os.replace``, each atomic) and
stale files deleted. A failing template or feed leaves the site untouched. Only
an I/O error during that last, short step can leave a mix of old and new
files, which the next build repairs, since the manifest is written only after it.
When there is no previous site (or no manifest for it), the whole staging
folder is swapped in at once, as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from digestgen.build.cachestore import Signer, read_sealed, write_sealed
from digestgen.build.fingerprint import sha256 as sha256_hex
from digestgen.build.workers import aside, chunks, fork_map, use_processes

# Below this many jobs to run, starting processes costs more than it saves. A worker
# forked from a process that holds the whole model copies each memory page of it that
# it touches (reference counts are written to), and so does the parent while the worker
# lives: the 59 outputs of one edit at 1,000 digests rendered in 0.16-0.19 s on one core,
# in 0.23-0.28 s on two. A first build, or an edit that changes the layout (every key
# worked out, on the workers), has thousands.
PARALLEL_MIN = 128
# From this many jobs whose keys are worked out when needed, the workers work them out
# (and skip the unchanged jobs) instead of the parent, one job after another, before
# any worker starts: keys then take a share of every core, beside the jobs that run.
KEYS_ON_WORKERS_MIN = 256
MANIFEST_VERSION = 3
# A manifest's file name ends so (``manifest-<hash of its output folder>.bin``).
SUFFIX = ".bin"


# What a job produces: ``{path: bytes}``, or ``(path, bytes)`` pairs made one at a time
# (a job with many large files, the search index, then never holds them all at once).
Files = Mapping[str, bytes] | Iterator[tuple[str, bytes]]


@dataclass(frozen=True, slots=True)
class Traced:
    """A key with the inputs it was made of (their places in :class:`Inputs`, in order):
    while the layout of the site stays the same, the key stays the same as long as none
    of them changed, so a later build need not work it out again. The numbers are an
    array (4 bytes each) because a cold build of 10,000 digests sends 600,000 of them
    back from its workers and keeps them."""

    key: str | None
    inputs: array[int]


Key = str | Traced | None


@dataclass(frozen=True, slots=True)
class Job:
    """Produces one or more output files. ``key`` ``None`` means: always run it. A
    callable key is worked out when it is needed: by the parent when an earlier build
    may have made the job's files already, by the worker that runs the job otherwise
    (a build from scratch then keys its pages on every core)."""

    name: str
    key: Key | Callable[[], Key]
    produce: Callable[[], Files]

    def worked(self) -> Key:
        """The key, worked out if it is a callable."""
        return self.key() if callable(self.key) else self.key

    def resolved(self) -> Job:
        """The job with its key worked out."""
        return self if not callable(self.key) else Job(self.name, self.worked(), self.produce)


@dataclass(frozen=True, slots=True)
class Input:
    """Something many outputs are made of (a digest), by name: ``fingerprint`` stands
    for all of it, ``shape`` (worked out only when the fingerprint is new) for what of it
    can shape outputs that do not show it (which pages exist, what they list)."""

    name: str
    fingerprint: str
    shape: Callable[[], str]


@dataclass(frozen=True, slots=True)
class Inputs:
    """The inputs of a build, in order, and what else shapes every output (``base``)."""

    base: str
    items: Sequence[Input]


def pairs(files: Files) -> Iterable[tuple[str, bytes]]:
    """The ``(path, bytes)`` of what a job produced."""
    return files.items() if isinstance(files, Mapping) else files


# A job's entry in the manifest: its key, its files and the places of the inputs its key
# was made of (``None``: not known, so the key is worked out every time).
Entry = tuple[str | None, list[str], "array[int] | None"]


@dataclass(slots=True)
class Manifest:
    """What the last build wrote into one output folder, and from which inputs."""

    output: str
    inputs: str = ""
    jobs: dict[str, Entry] = field(default_factory=dict)
    # path -> (sha256, size, mtime_ns)
    files: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    summary: dict[str, int] = field(default_factory=dict)
    # The parse warnings of the build: (message, path, line, column).
    warnings: list[tuple[str, str | None, int | None, int | None]] = field(default_factory=list)
    # What the build's outputs were made of (``Inputs``): their layout (the base and every
    # input's shape, in order) and each input's fingerprint and shape, by name.
    layout: str = ""
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, output: str, signer: Signer) -> Manifest | None:
        """The manifest at ``path`` if it describes ``output`` and its seal holds (it was
        written by this user's digestgen); ``None`` otherwise."""
        raw = read_sealed(path, signer)
        if raw is None:
            return None
        try:
            (version, recorded, inputs, layout, sources, jobs, files, summary, warnings) = raw
            if version != MANIFEST_VERSION or recorded != output:
                return None
            return cls(
                output=output,
                inputs=inputs,
                jobs={
                    name: (key, names, None if used is None else array("I", used))
                    for name, (key, names, used) in jobs.items()
                },
                files=files,
                summary=summary,
                warnings=warnings,
                layout=layout,
                sources=sources,
            )
        except (ValueError, TypeError, AttributeError):
            return None

    def save(self, path: Path, signer: Signer) -> None:
        """Write the manifest, sealed with ``signer``'s key (``load`` takes no other)."""
        jobs = {
            name: (key, files, None if used is None else used.tobytes())
            for name, (key, files, used) in self.jobs.items()
        }
        data = (
            MANIFEST_VERSION, self.output, self.inputs, self.layout, self.sources, jobs,
            self.files, self.summary, self.warnings,
        )  # fmt: skip
        # Without a manifest the next build just does everything again. Marshalled rather
        # than JSON: at 1,000 digests (a 1.4 MB manifest) an edit's build loads it in 0.01 s
        # instead of 0.02-0.03 s and saves it in 0.01 s instead of 0.05-0.07 s.
        write_sealed(path, signer, data)

    @staticmethod
    def prune(folder: Path, keep: Path, signer: Signer) -> None:
        """Delete the manifests of output folders that no longer exist (``digestgen serve``
        builds into a new temporary folder each time), keeping ``keep``, and those of the
        JSON format of earlier versions."""
        for path in folder.glob(f"manifest-*{SUFFIX}"):
            raw = read_sealed(path, signer) if path != keep else None
            with contextlib.suppress(OSError, TypeError, IndexError):
                if raw is not None and not Path(raw[1]).exists():
                    path.unlink()
        for path in folder.glob("manifest-*.json"):
            path.unlink(missing_ok=True)

    def intact(self, found: Mapping[str, tuple[int, int]]) -> dict[str, str]:
        """``{path: sha256}`` of the recorded files still on disk (``found``) as written."""
        return {
            path: sha
            for path, (sha, size, mtime) in self.files.items()
            if found.get(path) == (size, mtime)
        }

    def unchanged(self, output: Path) -> bool:
        """Whether every recorded file is in the output folder as written (a stat each;
        a file added by hand is left for the next build that writes to remove)."""
        try:
            return all(
                _stamp(os.stat(os.path.join(output, path))) == (size, mtime)
                for path, (_, size, mtime) in self.files.items()
            )
        except OSError:
            return False


def _stamp(st: os.stat_result) -> tuple[int, int]:
    return st.st_size, st.st_mtime_ns


def _on_disk(output: Path) -> dict[str, tuple[int, int]]:
    """``{relative path: (size, mtime_ns)}`` of every file below ``output``, as ``os.walk``
    sees them (a symlink to a folder is neither walked nor a file), with each path built
    as the walk goes down instead of from the folder's path at every level."""
    found: dict[str, tuple[int, int]] = {}
    if not output.is_dir():
        return found
    stack = [(str(output), "")]
    while stack:
        folder, prefix = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir():
                    if not entry.is_symlink():
                        stack.append((entry.path, prefix + entry.name + "/"))
                else:
                    st = entry.stat()
                    found[prefix + entry.name] = (st.st_size, st.st_mtime_ns)
    return found


@contextlib.contextmanager
def listed_early(
    output: Path, workers: int, wanted: bool
) -> Iterator[Callable[[], dict[str, tuple[int, int]]]]:
    """The listing of ``output`` (``_on_disk``), made by a forked process meanwhile: a
    build lists its output folder (5,100 files at 1,000 digests, 0.06-0.09 s) on the
    second core while it loads and plans the site on the first. Yields the function that
    gives the listing; without ``wanted`` (no earlier build to compare with), or where
    this process cannot fork, it lists there and then. A listing never handed over
    (the child failed) is made again in this process."""
    if not wanted or not use_processes(workers, 1, 1):
        yield lambda: _on_disk(output)
        return
    with aside(lambda: _on_disk(output)) as take:

        def listing() -> dict[str, tuple[int, int]]:
            found = take()
            return found if isinstance(found, dict) else _on_disk(output)

        yield listing


@dataclass(frozen=True, slots=True)
class WriteResult:
    """Which files the build produced (with their SHA-256) and how much work it did:
    jobs run, files written, and jobs kept without working out their key (``Traced``)."""

    files: dict[str, str]
    ran: int
    written: int
    kept: int = 0


@dataclass(frozen=True, slots=True)
class _Run:
    """A run's work, inherited by forked workers instead of being pickled to them:
    the jobs, the intact output files' SHA-256 (to stage only changed bytes), the
    staging folder, and the manifest entries of the jobs to run only if their key
    changed (a job whose key and files are as recorded is skipped)."""

    jobs: Sequence[Job]
    intact: Mapping[str, str]
    staging: Path
    recorded: Mapping[str, Entry]


_RUN: _Run | None = None

# ``(job index, job key, inputs it was made of, {path: sha} or None if the job failed,
# files staged, skipped)``; a job skipped as unchanged keeps its recorded files.
_Result = tuple[int, str | None, "array[int] | None", dict[str, str] | None, int, bool]


def _split(key: Key) -> tuple[str | None, array[int] | None]:
    """A worked-out key and the inputs it was made of, if traced."""
    return (key.key, key.inputs) if isinstance(key, Traced) else (key, None)


def _unchanged(key: str | None, before: Entry | None, intact: Mapping[str, str]) -> bool:
    """Whether a job with ``key`` can keep the files its manifest entry ``before`` records."""
    return (
        key is not None
        and before is not None
        and before[0] == key
        and all(path in intact for path in before[1])
    )


def _run_chunk(indexes: Sequence[int]) -> list[_Result]:
    """Run some jobs, staging the files whose bytes differ from the intact output."""
    assert _RUN is not None
    jobs, intact, staging = _RUN.jobs, _RUN.intact, _RUN.staging
    out: list[_Result] = []
    made: set[str] = set()  # folders this process made already: one mkdir each
    for index in indexes:
        shas: dict[str, str] = {}
        staged = 0
        try:
            job = jobs[index]
            key, used = _split(job.worked())
            if _unchanged(key, _RUN.recorded.get(job.name), intact):
                out.append((index, key, used, {}, 0, True))
                continue
            for path, data in pairs(job.produce()):
                sha = shas[path] = hashlib.sha256(data).hexdigest()
                if intact.get(path) != sha:
                    target = os.path.join(staging, path)
                    folder = os.path.dirname(target)
                    if folder not in made:
                        os.makedirs(folder, exist_ok=True)
                        made.add(folder)
                    with open(target, "wb") as stream:
                        stream.write(data)
                    staged += 1
        except OSError:
            raise  # the disk, not the job: stop the build
        except Exception:
            out.append((index, None, None, None, 0, False))  # the parent runs it again to raise it
            continue
        out.append((index, key, used, shas, staged, False))
    return out


def _run_jobs(run: _Run, workers: int) -> list[_Result]:
    global _RUN
    _RUN = run
    jobs = run.jobs
    try:
        everything = list(range(len(jobs)))
        if use_processes(workers, len(jobs), PARALLEL_MIN):
            # The aggregate pages and feeds (tags, archive) come last in the list and are
            # the slowest: hand them out first, so no worker is left with one at the end.
            backwards = everything[::-1]
            results = []
            for part in fork_map(_run_chunk, chunks(backwards, workers, 16, 16), workers):
                results.extend(part)
        else:
            results = _run_chunk(everything)
        for index, _, _, shas, _, _ in results:
            if shas is None:
                dict(pairs(jobs[index].produce()))  # raises the job's error, with its traceback
        return results
    finally:
        _RUN = None


def _layout(
    inputs: Inputs | None, previous: Manifest | None
) -> tuple[str, dict[str, tuple[str, str]], set[int] | None]:
    """The layout of ``inputs``, their fingerprints and shapes by name, and the places of
    those that changed since ``previous`` (``None`` when the layout changed, or is not
    known: the places then mean other inputs). A shape is worked out only for an input
    whose fingerprint the previous build did not have."""
    if inputs is None:
        return "", {}, None
    before = previous.sources if previous is not None else {}
    sources: dict[str, tuple[str, str]] = {}
    for item in inputs.items:
        recorded = before.get(item.name)
        if recorded is not None and recorded[0] == item.fingerprint:
            sources[item.name] = recorded
        else:
            sources[item.name] = (item.fingerprint, item.shape())
    parts = [f"{name}\x1f{shape}" for name, (_, shape) in sources.items()]
    layout = sha256_hex(inputs.base, *parts)
    if previous is None or not previous.layout or previous.layout != layout:
        return layout, sources, None
    changed = {
        place
        for place, (name, (fp, _)) in enumerate(sources.items())
        if before.get(name, ("",))[0] != fp
    }
    return layout, sources, changed


def _same_inputs(before: Entry, changed: set[int], intact: Mapping[str, str]) -> bool:
    """Whether a job whose key was made of ``before``'s inputs keeps its key and files:
    none of those inputs changed, in a site of the same layout, and its files are intact."""
    used = before[2]
    return (
        used is not None
        and before[0] is not None
        and changed.isdisjoint(used)
        and all(path in intact for path in before[1])
    )


@dataclass(slots=True)
class _Triage:
    """Which jobs run (``todo``), and the files and manifest entries of those that keep
    theirs; ``skippable`` holds the entries of the jobs that run with their key still to
    work out, so that whoever works it out skips them if it did not change."""

    todo: list[Job]
    files: dict[str, str]
    entries: dict[str, Entry]
    kept: int
    skippable: Mapping[str, Entry]


def _triage(
    jobs: Sequence[Job],
    recorded: Mapping[str, Entry],
    changed: set[int] | None,
    intact: Mapping[str, str],
    incremental: bool,
    workers: int,
) -> _Triage:
    """Keep the jobs none of whose inputs changed (``changed``, when the layout is the
    same), then those whose key, worked out here, is as recorded; the rest run."""
    todo: list[Job] = []
    files: dict[str, str] = {}
    entries: dict[str, Entry] = {}
    # Jobs made of a digest that changed: their keys are all but sure to change, so the
    # process that runs each works its key out (and still skips it if it did not change).
    by_runner: dict[str, Entry] = {}
    for job in jobs:
        before = recorded.get(job.name)
        if before is not None and changed is not None:
            if _same_inputs(before, changed, intact):
                files.update((path, intact[path]) for path in before[1])
                entries[job.name] = before
                continue
            if before[2] is not None and callable(job.key):
                by_runner[job.name] = before
        todo.append(job)
    kept = len(jobs) - len(todo)
    deferred = sum(
        1
        for job in todo
        if callable(job.key) and job.name in recorded and job.name not in by_runner
    )
    on_workers = incremental and use_processes(workers, deferred, KEYS_ON_WORKERS_MIN)
    left, todo = todo, []
    for job in left:
        before = recorded.get(job.name)
        if before is None or job.name in by_runner or (on_workers and callable(job.key)):
            todo.append(job)
            continue
        job = job.resolved()
        key, used = _split(job.worked())
        if _unchanged(key, before, intact):
            files.update((path, intact[path]) for path in before[1])
            entries[job.name] = (key, before[1], used)
            continue
        todo.append(job)
    skippable = recorded if on_workers else by_runner if incremental else {}
    return _Triage(todo, files, entries, kept, skippable)


def write_outputs(
    output: Path,
    jobs: Sequence[Job],
    previous: Manifest | None,
    on_disk: dict[str, tuple[int, int]],
    workers: int = 1,
    inputs: Inputs | None = None,
) -> tuple[WriteResult, Manifest]:
    """Run the jobs that need it and bring ``output`` up to date; returns the new manifest.

    With ``inputs``, a job whose key was traced (:class:`Traced`) by the previous build
    keeps that key without working it out, as long as the site's layout is the same and
    none of the inputs it was made of changed. ``on_disk`` is the listing of ``output``
    (``listed_early``)."""
    intact = previous.intact(on_disk) if previous is not None else {}
    incremental = bool(intact)
    recorded = previous.jobs if previous is not None else {}
    layout, sources, changed = _layout(inputs, previous)
    plan = _triage(jobs, recorded, changed, intact, incremental, workers)
    todo, files, job_files = plan.todo, plan.files, plan.entries
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
    try:
        run = _Run(todo, intact if incremental else {}, staging, plan.skippable)
        results = _run_jobs(run, workers)
        written = ran = 0
        for index, key, used, shas, staged, skipped in results:
            assert shas is not None
            name = todo[index].name
            if skipped:  # unchanged, found by its worker
                before = run.recorded[name]
                files.update((path, intact[path]) for path in before[1])
                job_files[name] = (key, before[1], used)
                continue
            files.update(shas)
            job_files[name] = (key, sorted(shas), used)
            written += staged
            ran += 1
        if incremental:
            moved = _commit_changes(staging, output, files, on_disk)
            # Only the moved files have new sizes and mtimes; the rest are as recorded.
            found = {path: on_disk[path] for path in files if path in on_disk}
            found.update(_stat(output, moved))
        else:
            _swap_in(staging, output)
            found = _on_disk(output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    manifest = Manifest(output=str(output.resolve()), jobs=job_files)
    manifest.files = {path: (sha, *found[path]) for path, sha in files.items() if path in found}
    manifest.layout, manifest.sources = layout, sources
    return WriteResult(files, ran, written, plan.kept), manifest


def _swap_in(staging: Path, output: Path) -> None:
    """Replace the whole output folder with the staging folder."""
    os.chmod(staging, 0o755)
    old = None
    if output.exists():
        old = output.with_name(f".{output.name}.old-{os.getpid()}")
        output.rename(old)
    staging.rename(output)
    if old is not None:
        shutil.rmtree(old)


def _stat(output: Path, paths: Iterable[str]) -> dict[str, tuple[int, int]]:
    found = {}
    for path in paths:
        st = os.stat(output / path)
        found[path] = (st.st_size, st.st_mtime_ns)
    return found


def _commit_changes(
    staging: Path, output: Path, keep: Iterable[str], on_disk: Mapping[str, object]
) -> list[str]:
    """Move the staged files into ``output``, delete the files no job produced (of those
    ``on_disk`` before), and return the moved files' paths."""
    moved: list[str] = []
    for folder, _dirs, names in os.walk(staging):
        rel = Path(folder).relative_to(staging)
        for name in names:
            target = output / rel / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(Path(folder) / name, target)
            moved.append((rel / name).as_posix())
    wanted = set(keep)
    stale = [path for path in on_disk if path not in wanted]
    for path in stale:
        (output / path).unlink()
    for parent in sorted({(output / path).parent for path in stale}, reverse=True):
        # Remove folders the deletions emptied, up to the output folder itself.
        while parent != output and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return moved
