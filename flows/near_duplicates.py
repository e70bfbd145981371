"""The run's near-duplicate index and the `near_duplicate_of` column (transforms/near_duplicates.py).

Each bucket's task writes the MinHash signatures of its articles next to its part, in
`near_duplicates/<part name>` (doc_id and 512 bytes per article). The index is kept in the run's
snapshot with the dataset, and an unchanged bucket's index part is linked into the next run
with its articles, so an incremental run compares its new articles with every published one
without reading a published text again. Once every bucket is done, `find_originals` groups
all signatures of the run; the parts whose `near_duplicate_of` changed are written again with
it (`write_marks`), or, with --drop-near-duplicates, without their copies (the run's checks do
that, flows/run_checks.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows.partitions import rewrite_partitions
from transforms.document import Article
from transforms.near_duplicates import PERMUTATIONS, SIGNATURE_BYTES, find_near_duplicates, signature

INDEX_DIR = "near_duplicates"
INDEX_SCHEMA = pa.schema(
    [pa.field("doc_id", pa.string(), nullable=False), pa.field("signature", pa.binary(SIGNATURE_BYTES))]
)
# What decides which copy is the original, in this order (nulls last).
ORIGINAL_ORDER = ("published_date", "fetched_at", "source_path")


class NearDuplicateCounts(NamedTuple):
    groups: int  # sets of articles with more than one member
    copies: int  # articles that point at an original


def index_table(articles: list[Article]) -> pa.Table:
    """The index rows of a bucket's articles."""
    signatures = [signature(a.text).tobytes() for a in articles]
    return pa.table({"doc_id": [a.doc_id for a in articles], "signature": signatures}, schema=INDEX_SCHEMA)


def link_index(previous_run: Path, run_dir: Path, name: str) -> None:
    """Link an unchanged part's index from the previous run (a run before the index has none:
    `mark_near_duplicates` then computes it from the part's text)."""
    source = previous_run / INDEX_DIR / name
    if source.exists():
        (run_dir / INDEX_DIR).mkdir(exist_ok=True)
        os.link(source, run_dir / INDEX_DIR / name)


def find_originals(
    run_dir: Path, parts: list[str], threshold: float
) -> tuple[NearDuplicateCounts, dict[str, pa.Array]]:
    """The originals of the run's articles: for each part, its rows' `near_duplicate_of`
    (only the parts where it differs from what the part holds)."""
    tables = [_part_keys(run_dir, name) for name in parts]
    if not tables:
        return NearDuplicateCounts(0, 0), {}
    keys = pa.concat_tables(tables)
    doc_ids = keys["doc_id"].to_numpy(zero_copy_only=False)
    unique_ids, first, which = np.unique(doc_ids, return_index=True, return_inverse=True)
    column = keys["signature"].combine_chunks()
    signatures = np.frombuffer(column.buffers()[1], dtype=np.uint32, count=len(keys) * PERMUTATIONS)
    signatures = signatures.reshape(len(keys), PERMUTATIONS)[first]
    found = find_near_duplicates(signatures, _rank(keys.take(pa.array(first))), threshold)
    pointers = [None if o < 0 else str(unique_ids[o]) for o in found.original.tolist()]
    # An exact copy in another bucket has the same doc_id: the checks drop it, it points nowhere.
    original = [
        p if p != d else None for p, d in zip((pointers[w] for w in which.tolist()), doc_ids, strict=True)
    ]
    changed, start = {}, 0
    for name, table in zip(parts, tables, strict=True):
        values = pa.array(original[start : start + table.num_rows], pa.string())
        start += table.num_rows
        if not values.equals(table["near_duplicate_of"].combine_chunks()):
            changed[name] = values
    return NearDuplicateCounts(found.groups, sum(v is not None for v in original)), changed


def _part_keys(run_dir: Path, name: str) -> pa.Table:
    """A part's doc_ids, signatures, the columns that order copies, and its current marks."""
    columns = ["doc_id", *ORIGINAL_ORDER, "near_duplicate_of"]
    table = pq.read_table(run_dir / "articles" / name, columns=columns)
    index_path = run_dir / INDEX_DIR / name
    if index_path.exists():
        index = pq.read_table(index_path)
        signatures = index["signature"].take(pc.index_in(table["doc_id"], value_set=index["doc_id"]))
    else:
        texts = pq.read_table(run_dir / "articles" / name, columns=["text"])["text"].to_pylist()
        signatures = pa.chunked_array(
            [[signature(t).tobytes() for t in texts]], INDEX_SCHEMA.field("signature").type
        )
    return table.append_column("signature", signatures)


def _rank(keys: pa.Table) -> np.ndarray:
    """Each row's place in the order that chooses originals."""
    order = pc.sort_indices(keys, sort_keys=[(c, "ascending", "at_end") for c in ORIGINAL_ORDER])
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order.to_numpy()] = np.arange(len(keys))
    return rank


def write_marks(run_dir: Path, name: str, values: pa.Array) -> None:
    """Rewrite a part (and its partition files) with these `near_duplicate_of` values."""
    path = run_dir / "articles" / name
    table = pq.read_table(path)
    column = table.schema.get_field_index("near_duplicate_of")
    table = table.set_column(column, table.schema.field(column), values)
    path.unlink()  # a reused part is a hard link into the published run: never write through it
    pq.write_table(table, path, compression="zstd")
    rewrite_partitions(run_dir, name, table)
