"""The articles again, partitioned by language the Hive way: BY_LANGUAGE/language=xx/part-….

`articles/` holds every column in flat files (the contract the scorer and simple readers use).
`articles_by_language/` holds the same rows split by language, for readers with partition
discovery (DuckDB `hive_partitioning`, polars `scan_parquet`, pyarrow datasets, Spark): a query
on one language reads only that folder. As Hive requires, the files leave the `language` column
out (Spark refuses a column that is both in the files and in the path); readers add it from
the folder name. A part of `articles/` and its partition files share one file name.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows.columns import ARTICLE_SCHEMA
from flows.files import BY_LANGUAGE

PARTITION_COLUMN = "language"
PARTITIONED_SCHEMA = ARTICLE_SCHEMA.remove(ARTICLE_SCHEMA.get_field_index(PARTITION_COLUMN))


def partition_dir(run_dir: Path, language: str) -> Path:
    return run_dir / BY_LANGUAGE / f"{PARTITION_COLUMN}={language}"


class PartitionWriter:
    """Appends articles to one part's files, one per language, as row groups."""

    def __init__(self, run_dir: Path, name: str) -> None:
        self.run_dir, self.name = run_dir, name
        self._writers: dict[str, pq.ParquetWriter] = {}

    def write(self, table: pa.Table) -> None:
        for language in pc.unique(table[PARTITION_COLUMN]).to_pylist():
            rows = table.filter(pc.equal(table[PARTITION_COLUMN], language)).drop_columns(PARTITION_COLUMN)
            if language not in self._writers:
                folder = partition_dir(self.run_dir, language)
                folder.mkdir(parents=True, exist_ok=True)
                self._writers[language] = pq.ParquetWriter(
                    folder / self.name, PARTITIONED_SCHEMA, compression="zstd"
                )
            self._writers[language].write_table(rows.cast(PARTITIONED_SCHEMA))

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()

    def abort(self) -> None:
        """Close after a failed write, quietly: the part is written again or not at all."""
        for writer in self._writers.values():
            close_quietly(writer)


def close_quietly(writer: pq.ParquetWriter) -> None:
    """Close a writer whose file may not take another byte (a full disk); otherwise its
    finaliser tries again at garbage collection and prints the error as a traceback."""
    with contextlib.suppress(OSError):
        writer.close()


def partition_files(run_dir: Path, name: str) -> list[Path]:
    """The partition files of one part of articles/."""
    return sorted((run_dir / BY_LANGUAGE).glob(f"{PARTITION_COLUMN}=*/{name}"))


def rewrite_partitions(run_dir: Path, name: str, table: pa.Table) -> None:
    """Replace one part's partition files with `table`'s rows (after rows left the part)."""
    for path in partition_files(run_dir, name):
        path.unlink()  # may be a hard link into the previous run: never write through it
    writer = PartitionWriter(run_dir, name)
    writer.write(table)
    writer.close()


def link_partitions(previous_run: Path, run_dir: Path, name: str) -> None:
    """Hard-link an unchanged part's partition files from the previous run."""
    for path in partition_files(previous_run, name):
        target = run_dir / path.relative_to(previous_run)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.hardlink_to(path)
