"""The run's article index, and the columns that relate articles: `near_duplicate_of`, `story_id`.

Each bucket's task writes, next to its part, one index row per article in `index/<part name>`:
its MinHash signature, its number of distinct words and the key of its first words
(transforms/near_duplicates.py, 524 bytes) and its candidate topic words (transforms/stories.py,
60 hashes and weights). The index is kept in the run's snapshot with the dataset, and an
unchanged bucket's index part is linked into the next run with its articles, so an incremental
run relates its new articles to every published one without reading a published text again.

Once every bucket is done, `relate_articles` reads the index and a few columns of every part:
near-duplicates over all articles, then stories over the originals (a copy is in its
original's story). The parts whose marks changed are written again (`write_marks`); the
run's checks (flows/run_checks.py) do that, and with --drop-near-duplicates move the copies
to rejects.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows.partitions import rewrite_partitions
from transforms.lines import text_words
from transforms.near_duplicates import (
    PERMUTATIONS,
    SIGNATURE_BYTES,
    find_near_duplicates,
    lead_key,
    signature,
)
from transforms.stories import NO_DAY, Topics, find_stories, topic_terms

INDEX_DIR = "index"
INDEX_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("signature", pa.binary(SIGNATURE_BYTES)),
        pa.field("distinct_words", pa.uint32()),
        pa.field("lead", pa.uint64()),
        pa.field("topic_terms", pa.list_(pa.uint32())),
        pa.field("topic_weights", pa.list_(pa.float32())),
    ]
)
# What decides which copy is the original, and which article heads a story (nulls last).
ORIGINAL_ORDER = ("published_date", "fetched_at", "source_path")
MARKS = ("near_duplicate_of", "story_id")
LARGEST_STORIES = 5


@dataclass
class Relations:
    """What `relate_articles` found: counts for the summary, and each part's marks."""

    near_duplicate_groups: int = 0
    copies: int = 0
    stories: int = 0  # stories of more than one article
    largest_stories: list[tuple[int, str]] = field(default_factory=list)  # (articles, title)
    marks: dict[str, tuple[pa.Array, pa.Array]] = field(default_factory=dict)  # per part
    doc_ids: dict[str, pa.ChunkedArray] = field(default_factory=dict)  # per part, the marks' rows
    changed: list[str] = field(default_factory=list)  # parts whose marks differ from the file's


def index_table(doc_ids: list[str], texts: list[str], languages: list[str]) -> pa.Table:
    """The index rows of a bucket's articles."""
    words = [text_words(text) for text in texts]
    topics = [topic_terms(*args) for args in zip(texts, words, languages, strict=True)]
    word_sets = [set(w) for w in words]
    return pa.table(
        {
            "doc_id": doc_ids,
            "signature": [signature(w).tobytes() for w in word_sets],
            "distinct_words": [len(w) for w in word_sets],
            "lead": [lead_key(w) for w in words],
            "topic_terms": [terms for terms, _ in topics],
            "topic_weights": [weights for _, weights in topics],
        },
        schema=INDEX_SCHEMA,
    )


def link_index(previous_run: Path, run_dir: Path, name: str) -> None:
    """Link an unchanged part's index from the previous run (a run before the index has none:
    `relate_articles` then computes it from the part's text, once, and keeps it)."""
    source = previous_run / INDEX_DIR / name
    if source.exists():
        (run_dir / INDEX_DIR).mkdir(exist_ok=True)
        os.link(source, run_dir / INDEX_DIR / name)


def relate_articles(run_dir: Path, parts: list[str], threshold: float, drop: bool = False) -> Relations:
    """Near-duplicates and stories of every article in the run's parts (with `drop`, the
    stories are counted without the copies, which leave the dataset)."""
    with system_memory_pool():
        return _relate(run_dir, parts, threshold, drop)


@contextlib.contextmanager
def system_memory_pool() -> Iterator[None]:
    """Arrow allocates on the system allocator meanwhile. What the step frees of Arrow's
    buffers then goes back to malloc, where the NumPy arrays that follow reuse it; Arrow's
    default pool (mimalloc) keeps it. Relating 186,900 articles peaked at 883 MB so, against
    1,146 MB (bench/run.py's 200,000-article corpus)."""
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


def _relate(run_dir: Path, parts: list[str], threshold: float, drop: bool) -> Relations:
    tables = [_part_keys(run_dir, name) for name in parts]
    if not tables:
        return Relations()
    keys = pa.concat_tables(tables)
    doc_ids = keys["doc_id"].to_numpy(zero_copy_only=False)
    unique_ids, first, which = np.unique(doc_ids, return_index=True, return_inverse=True)
    unique = keys.take(pa.array(first))  # an exact copy in another bucket: the checks drop it
    del keys, doc_ids  # the index is held once from here: the parts keep what their marks need
    tables = [table.select(["doc_id", *MARKS]) for table in tables]
    rank = _rank(unique)
    column = unique["signature"].combine_chunks()
    signatures = np.frombuffer(column.buffers()[1], dtype=np.uint32, count=len(unique) * PERMUTATIONS)
    sizes = unique["distinct_words"].to_numpy().astype(np.float64)
    leads = unique["lead"].to_numpy()
    unique = unique.drop_columns(["signature", "distinct_words", "lead"])
    near = find_near_duplicates(signatures.reshape(len(unique), PERMUTATIONS), rank, threshold, sizes, leads)
    del column, signatures
    originals = np.flatnonzero(near.original < 0)
    of_originals = unique.take(pa.array(originals))
    stories = find_stories(
        _topics(of_originals), of_originals["language"].to_pylist(), _days(of_originals), rank[originals]
    )
    head = np.empty(len(unique), dtype=np.int64)
    head[originals] = originals[stories]
    copies = near.original >= 0
    head[copies] = head[near.original[copies]]
    near_of = np.where(copies, unique_ids[near.original.clip(0)], None)[which]
    story_of = unique_ids[head][which]
    kept = np.flatnonzero(~copies) if drop else np.arange(len(unique))
    multi = int((np.bincount(head[kept]) > 1).sum())  # a copy makes its original's story one of two
    relations = Relations(near.groups, int(copies.sum()), multi, _largest(unique, head, rank, kept))
    start = 0
    for name, table in zip(parts, tables, strict=True):
        end = start + table.num_rows
        marks = (pa.array(near_of[start:end], pa.string()), pa.array(story_of[start:end], pa.string()))
        relations.marks[name] = marks
        relations.doc_ids[name] = table["doc_id"]
        if any(not m.equals(table[c].combine_chunks()) for m, c in zip(marks, MARKS, strict=True)):
            relations.changed.append(name)
        start = end
    return relations


def write_marks(run_dir: Path, name: str, marks: tuple[pa.Array, pa.Array]) -> None:
    """Rewrite a part (and its partition files) with these `near_duplicate_of` and `story_id`."""
    path = run_dir / "articles" / name
    table = pq.read_table(path)
    for column, values in zip(MARKS, marks, strict=True):
        at = table.schema.get_field_index(column)
        table = table.set_column(at, table.schema.field(at), values)
    path.unlink()  # a reused part is a hard link into the published run: never write through it
    pq.write_table(table, path, compression="zstd")
    rewrite_partitions(run_dir, name, table)


def _part_keys(run_dir: Path, name: str) -> pa.Table:
    """A part's doc_ids, the columns that order and label articles, its current marks, and
    its index rows in the part's order."""
    columns = ["doc_id", "language", "title", *ORIGINAL_ORDER, *MARKS]
    table = pq.read_table(run_dir / "articles" / name, columns=columns)
    index_path = run_dir / INDEX_DIR / name
    if index_path.exists() and pq.read_schema(index_path).equals(INDEX_SCHEMA):
        index = pq.read_table(index_path)
    else:  # a part of a run before the index, or before its present columns
        texts = pq.read_table(run_dir / "articles" / name, columns=["text"])["text"].to_pylist()
        index = index_table(table["doc_id"].to_pylist(), texts, table["language"].to_pylist())
        index_path.parent.mkdir(exist_ok=True)
        index_path.unlink(missing_ok=True)  # an older one is a hard link into the published run
        pq.write_table(index, index_path, compression="zstd")  # for the runs after this one
    if not index["doc_id"].equals(table["doc_id"]):  # the checks took rows out of the part
        index = index.take(pc.index_in(table["doc_id"], value_set=index["doc_id"]))
    for column in INDEX_SCHEMA.names[1:]:
        table = table.append_column(column, index[column])
    return table


def _rank(keys: pa.Table) -> np.ndarray:
    """Each row's place in the order that chooses originals and story heads."""
    order = pc.sort_indices(keys, sort_keys=[(c, "ascending", "at_end") for c in ORIGINAL_ORDER])
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order.to_numpy()] = np.arange(len(keys))
    return rank


def _topics(keys: pa.Table) -> Topics:
    """The index's topic words of these rows, as flat arrays."""
    terms = keys["topic_terms"].combine_chunks()
    weights = keys["topic_weights"].combine_chunks()
    offsets = terms.offsets.to_numpy() - terms.offsets[0].as_py()
    return Topics(terms.flatten().to_numpy(), weights.flatten().to_numpy(), offsets.astype(np.int64))


def _days(keys: pa.Table) -> np.ndarray:
    """Each article's day number: its publication date, else the day it was fetched."""
    published = keys["published_date"].to_pylist()
    fetched = keys["fetched_at"].to_pylist()
    return np.array(
        [
            p.toordinal() if p is not None else f.date().toordinal() if f is not None else NO_DAY
            for p, f in zip(published, fetched, strict=True)
        ],
        dtype=np.int64,
    )


def _largest(unique: pa.Table, head: np.ndarray, rank: np.ndarray, kept: np.ndarray) -> list[tuple[int, str]]:
    """The largest stories of more than one of the `kept` articles: their size and a title,
    the first of their articles' titles (in the order that makes the head)."""
    titles = unique["title"].to_pylist()
    sizes = Counter(head[kept].tolist())
    named: dict[int, str] = {}
    for n in kept[np.argsort(rank[kept])].tolist():
        if titles[n] and sizes[int(head[n])] > 1:
            named.setdefault(int(head[n]), titles[n])
    largest = sorted((item for item in sizes.items() if item[1] > 1), key=lambda item: (-item[1], item[0]))
    return [(size, named.get(story, "(no title)")) for story, size in largest[:LARGEST_STORIES]]
