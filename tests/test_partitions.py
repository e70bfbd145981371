"""articles_by_language/: the articles partitioned by language, read with partition discovery."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from flows.cli import main
from flows.columns import ARTICLE_SCHEMA
from flows.incremental import Manifest
from flows.partitions import BY_LANGUAGE, PARTITIONED_SCHEMA

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def output(corpus_output: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the corpus run, which the rerun test may change."""
    copy = tmp_path_factory.mktemp("partitions") / "out"
    shutil.copytree(corpus_output, copy, symlinks=True)
    return copy


def flat(out: Path) -> dict[str, str]:
    table = pq.read_table(out / "articles", columns=["doc_id", "language"])
    return dict(zip(table["doc_id"].to_pylist(), table["language"].to_pylist(), strict=True))


def test_one_folder_per_language_holding_exactly_its_rows(output: Path) -> None:
    expected = flat(output)
    assert len(set(expected.values())) >= 10
    folders = sorted(p.name for p in (output / BY_LANGUAGE).iterdir())
    assert folders == sorted(f"language={code}" for code in set(expected.values()))
    for folder in (output / BY_LANGUAGE).iterdir():
        for part in folder.glob("*.parquet"):
            assert pq.read_schema(part).names == PARTITIONED_SCHEMA.names  # no language column
            doc_ids = pq.read_table(part, columns=["doc_id"])["doc_id"].to_pylist()
            assert {expected[d] for d in doc_ids} == {folder.name.removeprefix("language=")}


def test_duckdb_polars_and_pyarrow_discover_the_partitions(output: Path) -> None:
    expected = flat(output)
    pattern = str(output / BY_LANGUAGE / "*" / "*.parquet")
    duck = duckdb.sql(f"SELECT doc_id, language FROM read_parquet('{pattern}', hive_partitioning = true)")
    assert dict(duck.fetchall()) == expected
    frame = pl.scan_parquet(pattern, hive_partitioning=True).select("doc_id", "language").collect()
    assert dict(frame.iter_rows()) == expected
    dataset = ds.dataset(output / BY_LANGUAGE, format="parquet", partitioning="hive")
    table = dataset.to_table(columns=["doc_id", "language"])
    assert dict(zip(table["doc_id"].to_pylist(), table["language"].to_pylist(), strict=True)) == expected
    english = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{pattern}', hive_partitioning = true) WHERE language = 'en'"
    ).fetchall()
    assert english == [(sum(1 for code in expected.values() if code == "en"),)]


def test_partition_files_carry_the_column_descriptions(output: Path) -> None:
    part = next((output / BY_LANGUAGE).glob("*/*.parquet"))
    schema = pq.read_schema(part)
    for name in schema.names:
        assert schema.field(name).metadata == ARTICLE_SCHEMA.field(name).metadata


def test_an_unchanged_rerun_keeps_the_same_partitions(output: Path, tmp_path: Path) -> None:
    before = {p.relative_to(output / BY_LANGUAGE): p.read_bytes() for p in (output / BY_LANGUAGE).glob("*/*")}
    inp = Path(Manifest.load(output / "current").input_dir)
    assert main(["--input", str(inp), "--output", str(output), "--batch-size", "8"]) == 0
    after = {p.relative_to(output / BY_LANGUAGE): p.read_bytes() for p in (output / BY_LANGUAGE).glob("*/*")}
    assert after == before
