"""Faults: a run killed at any moment leaves the published dataset as it was; two runs on one
output folder cannot both write; the next run after a kill completes and is right; transient
I/O errors are retried without losing or doubling rows."""

from __future__ import annotations

import datetime as dt
import errno
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import flows.worker
from flows.cli import main
from flows.files import PUBLISHED_MARK, RUNS_DIR
from flows.incremental import Bucket
from flows.sources import READ_ATTEMPTS, Fields, list_sources, read_documents
from flows.worker import BucketParts, PartWriter
from tests.conftest import ROOT, SEEDS
from tests.corpus.build import build as build_corpus

pytestmark = pytest.mark.slow
BUILD = [sys.executable, str(ROOT / "flows" / "build.py")]
# Moments to kill the second run at, in seconds after its start: before, during and after
# the processing, around validation and publishing.
KILL_AFTER = (1.0, 3.5, 5.0, 6.0, 7.0)


def snapshot(out: Path) -> dict[str, list[dict]]:  # type: ignore[type-arg]
    return {
        folder: sorted(pq.read_table(out / folder).to_pylist(), key=lambda r: r["source_path"])
        for folder in ("articles", "rejects")
    }


def start(inp: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*BUILD, "--input", str(inp), "--output", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_killed_runs_publish_all_or_nothing(tmp_path: Path) -> None:
    out, reference = tmp_path / "out", tmp_path / "reference"
    build_corpus(tmp_path / "corpus")
    new_input = tmp_path / "corpus" / "input"
    for inp, target in ((SEEDS, out), (new_input, reference)):
        assert (
            subprocess.run([*BUILD, "--input", str(inp), "--output", str(target)], check=False).returncode
            == 0
        )
    old, new = snapshot(out), snapshot(reference)
    for delay in KILL_AFTER:
        run = start(new_input, out)
        time.sleep(delay)
        if run.poll() is None:
            os.kill(run.pid, signal.SIGKILL)
        run.wait()
        assert snapshot(out) in (old, new), f"killed after {delay} s: a mix was published"
    final = start(new_input, out)
    stdout, stderr = final.communicate(timeout=600)
    assert final.returncode == 0, stderr
    assert "Traceback" not in stdout + stderr and "Error logging to API" not in stderr
    assert "| WARNING |" not in stderr, stderr
    assert snapshot(out) == new
    assert all((run / PUBLISHED_MARK).exists() for run in (out / RUNS_DIR).iterdir())  # killed runs' gone


def test_a_run_that_ends_at_once_prints_no_warning(tmp_path: Path) -> None:
    """A run over an empty folder ends right after its report's artifacts are created: Prefect's
    event worker was still sending them at exit and warned about it."""
    (tmp_path / "in").mkdir()
    done = subprocess.run(
        [*BUILD, "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "articles written: 0" in done.stdout
    assert "Traceback" not in done.stderr and "| WARNING |" not in done.stderr, done.stderr


def test_two_runs_at_once_cannot_both_write(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first, second = start(SEEDS, out), start(SEEDS, out)
    results = [run.communicate(timeout=600) for run in (first, second)]
    codes = sorted(run.returncode for run in (first, second))
    messages = " ".join(err for _, err in results)
    assert codes == [0, 0] or (codes == [0, 1] and "another run is writing" in messages)
    assert len(snapshot(out)["articles"]) == 5


def test_a_transient_write_error_is_retried_without_duplicate_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first write of a run fails after its rows reached the file: the task's retry
    rewrites the bucket's part from the start, so no row is lost or written twice."""
    options = ["--input", str(SEEDS), "--workers", "1", "--batch-size", "2"]
    assert main([*options, "--output", str(tmp_path / "reference")]) == 0
    write, failed = PartWriter.write, []

    def flaky_write(self: PartWriter, table: pa.Table) -> None:
        write(self, table)
        if not failed:
            failed.append(self.path.name)
            raise OSError(errno.EIO, "Input/output error (injected)")

    monkeypatch.setattr(PartWriter, "write", flaky_write)
    assert main([*options, "--output", str(tmp_path / "out")]) == 0
    assert failed
    result = snapshot(tmp_path / "out")
    assert result == snapshot(tmp_path / "reference")
    doc_ids = [row["doc_id"] for row in result["articles"]]
    assert len(doc_ids) == len(set(doc_ids)) == 5


def test_a_transient_read_error_is_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed = sorted(SEEDS.iterdir())[0]
    read_bytes, failed = Path.read_bytes, []

    def flaky_read(self: Path) -> bytes:
        if self.name == seed.name and len(failed) < READ_ATTEMPTS - 1:
            failed.append(self)
            raise OSError(errno.EIO, "Input/output error (injected)")
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", flaky_read)
    (document,) = read_documents(SEEDS, next(s for s in list_sources(SEEDS) if s.path == seed.name))
    assert len(failed) == READ_ATTEMPTS - 1
    assert document.raw == seed.read_bytes()


def test_an_unreadable_file_is_rejected_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Permissions cannot be taken away from root, so the error is injected: a file that cannot
    be read for good (not a transient error) becomes a reject without retries."""
    (tmp_path / "secret.txt").write_text("A text that nobody may read.")
    attempts = []

    def forbidden(self: Path) -> bytes:
        attempts.append(self)
        raise PermissionError(errno.EACCES, "Permission denied (injected)", str(self))

    monkeypatch.setattr(Path, "read_bytes", forbidden)
    (source,) = list_sources(tmp_path)
    (document,) = read_documents(tmp_path, source)
    assert (document.reason, len(attempts)) == ("unreadable", 1)
    assert document.detail.startswith("PermissionError")


def test_a_bucket_whose_early_start_failed_is_cleaned_by_its_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command line starts cleaning buckets while Prefect boots, and each bucket's task
    takes that work over; when the early attempt failed, the task cleans the bucket itself."""
    options = ["--input", str(SEEDS), "--batch-size", "2", "--workers", "2"]
    assert main([*options, "--output", str(tmp_path / "reference")]) == 0
    assert "start Prefect" in capsys.readouterr().out  # the buckets were started early
    assert not flows.worker._early  # and every one was taken over by its task

    def failed_early_start(
        input_dir: str, buckets: list[Bucket], run_dir: str, fields: Fields, today: dt.date, size: int
    ) -> None:
        for bucket in buckets:
            failed: Future[BucketParts] = Future()
            failed.set_exception(OSError(errno.EIO, "Input/output error (injected)"))
            flows.worker._early[bucket.signature, run_dir, today] = failed

    monkeypatch.setattr(flows.worker, "start_early", failed_early_start)
    assert main([*options, "--output", str(tmp_path / "out")]) == 0
    assert snapshot(tmp_path / "out") == snapshot(tmp_path / "reference")


@pytest.fixture
def small_volume(tmp_path: Path) -> Iterator[Path | None]:
    """A 16 MB tmpfs (a run writes about 5 MB, its Data Docs most) when the tests run as root
    and may mount one, else None."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount_point)]
    mounted = os.geteuid() == 0 and subprocess.run(mount, capture_output=True, check=False).returncode == 0
    yield mount_point if mounted else None
    if mounted:  # lazily: the run's worker processes may still hold a file there
        subprocess.run(["umount", "--lazy", str(mount_point)], check=False)


def test_a_full_disk_fails_in_one_line_and_the_next_run_succeeds(
    tmp_path: Path,
    small_volume: Path | None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The disk fills mid-run: the published dataset stays, the failed run's snapshot goes (or
    every later run would fail too), one line says so, and once there is room a run succeeds."""
    out = (small_volume or tmp_path) / "out"
    dev = tmp_path / "corpus"
    build_corpus(dev)
    assert main(["--input", str(SEEDS), "--output", str(out), "--workers", "1"]) == 0
    published = snapshot(out)
    capsys.readouterr()
    filler = (small_volume or tmp_path) / "filler"
    if small_volume is not None:  # leave a few KB: the next run fills the disk as it writes
        free = os.statvfs(small_volume).f_bavail * os.statvfs(small_volume).f_frsize
        filler.write_bytes(b"\0" * (free - 64 * 1024))
    else:
        write = PartWriter.write

        def full_disk(self: PartWriter, table: pa.Table) -> None:
            if filler.exists():
                raise OSError(errno.ENOSPC, "No space left on device (injected)")
            write(self, table)

        filler.touch()
        monkeypatch.setattr(PartWriter, "write", full_disk)
    options = ["--input", str(dev / "input"), "--output", str(out), "--workers", "1"]
    assert main(options) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    (line,) = [line for line in captured.err.splitlines() if line.startswith("build failed")]
    assert "no space left" in line and str(out) in line and "MB free" in line
    assert snapshot(out) == published
    assert all((run / PUBLISHED_MARK).exists() for run in (out / RUNS_DIR).iterdir())
    filler.unlink()
    assert main(options) == 0
    assert len(snapshot(out)["articles"]) > len(published["articles"])
