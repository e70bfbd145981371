"""Output folder of the flow: run snapshots, atomic publishing, and the lock against two runs.

Publishing is atomic. Each run writes a complete snapshot under OUTPUT/.runs/<run_id>/ and
then swaps one symlink, OUTPUT/current, to point at it. OUTPUT/articles,
OUTPUT/articles_by_language, OUTPUT/rejects, OUTPUT/validation, OUTPUT/README.md (the dataset
card) and OUTPUT/charts are fixed relative links into current/, so readers always see one whole run:
the previous one until the swap, the new one after it. A run that fails (or is killed) before
the swap leaves the published dataset as it was.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

RUNS_DIR = ".runs"
CURRENT = "current"
# What a run publishes. Named here, in a module that imports only the standard library, so
# that the command line can look at the published run before anything heavy is imported.
BY_LANGUAGE = "articles_by_language"  # flows/partitions.py
CARD = "README.md"  # the dataset card, flows/report.py
CHARTS = "charts"
PUBLISHED_DIRS = ("articles", BY_LANGUAGE, "rejects", "validation", CHARTS)
PUBLISHED_FILES = (CARD,)
LOCK_FILE = ".lock"
KEEP_RUNS = 2  # the published run and the one before it


# A snapshot that has been published holds this file; any other one in .runs/ is a run that
# failed or was killed, and the next run removes it before it needs the room.
PUBLISHED_MARK = ".published"
# errno values of a full disk or quota.
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})


class OutputLocked(RuntimeError):
    """Another run is writing to the same output folder, or the folder cannot be made or
    written at all (a path under a file, a read-only volume, no permission)."""


def is_no_space(err: BaseException) -> bool:
    return isinstance(err, OSError) and err.errno in NO_SPACE


def no_space_message(output: Path) -> str:
    """One line for a run that filled the disk, with the room left."""
    try:
        free = f"{shutil.disk_usage(output).free / 2**20:,.1f} MB free"
    except OSError:
        free = "free space unknown"
    return (
        f"no space left on the device of {output} ({free} when it filled): the run's snapshot was "
        "removed and the published dataset is unchanged; make room and run again"
    )


def discard_run(run_dir: Path, keep: tuple[str, ...] = ()) -> None:
    """Remove a failed run's snapshot, but for the folders named in `keep` (its validation
    result, which the failure message points at)."""
    if not keep:
        shutil.rmtree(run_dir, ignore_errors=True)
        return
    for entry in run_dir.iterdir() if run_dir.is_dir() else ():
        if entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)


def remove_unpublished(output: Path) -> None:
    """Remove the snapshots of runs that failed or were killed (held under the output lock, so
    no other run is writing one)."""
    runs = output / RUNS_DIR
    current = published_run(output)
    for run in runs.iterdir() if runs.is_dir() else ():
        if run != current and not (run / PUBLISHED_MARK).exists():
            shutil.rmtree(run, ignore_errors=True)


def write_json(data: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")


def new_run_dir(output: Path, run_id: str) -> Path:
    run_dir = output / RUNS_DIR / run_id
    run_dir.mkdir(parents=True, exist_ok=False)
    for name in PUBLISHED_DIRS:
        (run_dir / name).mkdir()
    return run_dir


def publish(output: Path, run_dir: Path) -> None:
    """Make `run_dir` the published dataset with one atomic rename, then prune old runs."""
    _ensure_fixed_links(output)
    link = output / CURRENT
    temporary = output / f".{CURRENT}.{run_dir.name}"
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    temporary.symlink_to(Path(RUNS_DIR) / run_dir.name)
    (run_dir / PUBLISHED_MARK).touch()
    os.replace(temporary, link)
    _fsync_dir(output)
    _prune_runs(output, keep=run_dir.name)


def published_run(output: Path) -> Path | None:
    link = output / CURRENT
    return link.resolve() if link.is_symlink() else None


def _ensure_fixed_links(output: Path) -> None:
    """articles -> current/articles, etc. A real folder left by an older layout is moved aside."""
    for name in PUBLISHED_DIRS + PUBLISHED_FILES:
        path = output / name
        if path.is_symlink():
            continue
        if path.exists():
            path.rename(output / f"{name}.old-{int(time.time())}")
        path.symlink_to(Path(CURRENT) / name)


def _prune_runs(output: Path, keep: str) -> None:
    runs = sorted((output / RUNS_DIR).iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    survivors = {keep} | {p.name for p in runs[:KEEP_RUNS]}
    for run in runs:
        if run.name not in survivors:
            shutil.rmtree(run, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_held_locks: dict[Path, int] = {}  # output folder -> how deep this process holds it


@contextlib.contextmanager
def output_lock(output: Path) -> Iterator[None]:
    """Hold the output folder for one run; a second run at the same time is refused. The same
    process may take it again inside (the command line takes it before the flow does)."""
    try:
        output.mkdir(parents=True, exist_ok=True)
        handle = open(output / LOCK_FILE, "a")  # noqa: SIM115  (closed below)
    except OSError as err:
        if is_no_space(err):
            raise
        raise OutputLocked(f"cannot write to {output}: {err.strerror or err}") from err
    with handle:
        yield from _locked(output, handle)


def _locked(output: Path, handle: Any) -> Iterator[None]:
    """`output_lock` once its lock file is open: flock it, unless this process holds it."""
    key = output.resolve()
    if key in _held_locks:
        _held_locks[key] += 1
        try:
            yield
        finally:
            _held_locks[key] -= 1
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        if err.errno in (errno.EAGAIN, errno.EACCES):
            raise OutputLocked(f"another run is writing to {output}; try again when it ends") from err
        raise
    _held_locks[key] = 1
    try:
        yield
    finally:
        del _held_locks[key]
        fcntl.flock(handle, fcntl.LOCK_UN)
