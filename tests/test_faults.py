"""Faults: a run killed at any moment leaves the published dataset as it was; two runs on one
output folder cannot both write; the next run after a kill completes and is right."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

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
    assert "Traceback" not in stdout + stderr
    assert snapshot(out) == new


def test_two_runs_at_once_cannot_both_write(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first, second = start(SEEDS, out), start(SEEDS, out)
    results = [run.communicate(timeout=600) for run in (first, second)]
    codes = sorted(run.returncode for run in (first, second))
    messages = " ".join(err for _, err in results)
    assert codes == [0, 0] or (codes == [0, 1] and "another run is writing" in messages)
    assert len(snapshot(out)["articles"]) == 5
