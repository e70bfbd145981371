"""The same flow on a Dask cluster gives the same dataset as the local run, row for row."""

from __future__ import annotations

from pathlib import Path

import distributed
import pyarrow.parquet as pq
import pytest

from flows.cli import main
from tests.corpus.build import build as build_corpus

pytestmark = pytest.mark.slow


def dataset(out: Path) -> tuple[list[dict], list[dict]]:  # type: ignore[type-arg]
    articles = sorted(pq.read_table(out / "articles").to_pylist(), key=lambda r: r["source_path"])
    rejects = sorted(pq.read_table(out / "rejects").to_pylist(), key=lambda r: r["source_path"])
    return articles, rejects


def test_dask_cluster_run_equals_local_run(tmp_path: Path) -> None:
    build_corpus(tmp_path)
    inp = tmp_path / "input"
    local_out, dask_out = tmp_path / "local", tmp_path / "dask"
    assert main(["--input", str(inp), "--output", str(local_out), "--batch-size", "8"]) == 0
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        code = main(["--input", str(inp), "--output", str(dask_out), "--batch-size", "8",
                     "--dask-address", cluster.scheduler_address])  # fmt: skip
    assert code == 0
    local, on_dask = dataset(local_out), dataset(dask_out)
    assert len(local[0]) > 20
    assert on_dask == local
