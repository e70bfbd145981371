"""The run's article index, and the columns that relate articles: `near_duplicate_of`, `story_id`.

Each bucket's task writes, next to its part, one index row per article in `index/<part name>`:
its MinHash signature, its number of distinct words and the key of its first words
(transforms/near_duplicates.py, 140 bytes) and its candidate topic words (transforms/stories.py,
60 hashes and weights). The index is kept in the run's snapshot with the dataset, and an
unchanged bucket's index part is linked into the next run with its articles, so an incremental
run relates its new articles to every published one without reading a published text again.

Once every bucket is done, `relate_articles` reads the index and a few columns of every part,
a part at a time: near-duplicates over all articles (it holds their signatures and keys,
about 230 bytes an article), then, with the signatures freed, stories over the originals
(their topic vectors, about 170 bytes each; the topic words are read twice, to count them over
the dataset, then to weigh them, and never held for all at once). A copy is in its original's
story. A million mostly distinct articles took 396 MB above the process and 29.5 s
(bench/relating.py); on disk the index takes about 560 bytes an article. The parts whose
marks changed are written again (`write_marks`); the run's checks (flows/run_checks.py) do
that, and with --drop-near-duplicates move the copies to rejects.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows.partitions import rewrite_partitions
from transforms.lines import text_words
from transforms.near_duplicates import (
    PERMUTATIONS,
    SIGNATURE_BYTES,
    SIGNATURE_DTYPE,
    find_near_duplicates,
    lead_key,
    signature,
)
from transforms.stories import (
    NO_DAY,
    TOPIC_TERMS,
    TermCounts,
    Topics,
    find_stories,
    topic_terms,
    topic_vectors,
)

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

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
ID_CHARS = 32  # a doc_id's hex digits (transforms.document.document_id)
TRIM_EVERY_PARTS = 64  # relating gives malloc's free pages back after reading this many parts
STORY_BATCH_ROWS = 32_768  # the topic words of so many articles at a time: about 16 MB


def _no_places() -> np.ndarray:
    return np.zeros(0, dtype=np.int32)


@dataclass
class Relations:
    """What `relate_articles` found: counts for the summary, and each part's marks, held as
    places among the distinct doc_ids (44 bytes an article; as strings, 110).

    >>> relations = Relations(ids=np.array([b"a1", b"b2"]), of_row=np.array([0, 1], np.int32),
    ...     near_of=np.array([-1, 0], np.int32), story_of=np.array([0, 0], np.int32),
    ...     rows={"part-1.parquet": slice(0, 2)})
    >>> [m.to_pylist() for m in relations.marks("part-1.parquet")]
    [[None, 'a1'], ['a1', 'a1']]
    """

    near_duplicate_groups: int = 0
    copies: int = 0
    stories: int = 0  # stories of more than one article
    largest_stories: list[tuple[int, str]] = field(default_factory=list)  # (articles, title)
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=f"S{ID_CHARS}"))  # distinct
    of_row: np.ndarray = field(default_factory=_no_places)  # each row's place in `ids`
    near_of: np.ndarray = field(default_factory=_no_places)  # each id's original's place, or -1
    story_of: np.ndarray = field(default_factory=_no_places)  # each id's story head's place
    rows: dict[str, slice] = field(default_factory=dict)  # each part's rows, in `of_row`
    changed: list[str] = field(default_factory=list)  # parts whose marks differ from the file's

    def marks(self, name: str) -> tuple[pa.Array, pa.Array]:
        """A part's `near_duplicate_of` and `story_id` (null at a place of -1)."""
        at = self.of_row[self.rows[name]]
        near, story = self.near_of[at], self.story_of[at]
        return _id_array(self.ids[near], present=near >= 0), _id_array(self.ids[story], present=story >= 0)

    def doc_ids(self, name: str) -> pa.Array:
        """A part's doc_ids, the rows of its marks."""
        return _id_array(self.ids[self.of_row[self.rows[name]]])


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
    try:
        with system_memory_pool():
            return _relate(run_dir, parts, threshold, drop)
    finally:
        release_free_memory()  # for the rest of the run: this process writes the marks next


@contextlib.contextmanager
def system_memory_pool() -> Iterator[None]:
    """Arrow allocates on the system allocator meanwhile. What the step frees of Arrow's
    buffers then goes back to malloc, where the NumPy arrays that follow reuse it; Arrow's
    default pool (mimalloc) keeps it. Relating 186,707 articles (bench/run.py's corpus of
    200,000) peaked at 278 MB so, against 300 MB."""
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


def _relate(run_dir: Path, parts: list[str], threshold: float, drop: bool) -> Relations:
    if not parts:
        return Relations()
    found = _read_for_near_duplicates(run_dir, parts)
    ids, first, which = _first_of_each(found.ids)
    # An exact copy in another bucket is held once (the checks drop it): only then a copy.
    unique = slice(None) if len(first) == len(found.ids) else first
    signatures = found.signatures[unique]
    del found.signatures
    rank = _rank(found.order)[unique]
    del found.order
    near = find_near_duplicates(signatures, rank, threshold, found.sizes[unique], found.leads[unique])
    del signatures
    originals = np.flatnonzero(near.original < 0)
    stories = find_stories(
        _story_vectors(run_dir, parts, found, first[originals]),
        found.languages[unique][originals],
        found.days[unique][originals],
        rank[originals],
    )
    head = np.empty(len(ids), dtype=np.int64)
    head[originals] = originals[stories]
    copies = near.original >= 0
    head[copies] = head[near.original[copies]]
    kept = ~copies if drop else np.ones(len(ids), dtype=bool)
    sizes = np.bincount(head[kept], minlength=len(ids))
    relations = Relations(
        near.groups, int(copies.sum()), int((sizes > 1).sum()),  # a copy makes its original's story two
        ids=ids, of_row=which.astype(np.int32), near_of=near.original.astype(np.int32),
        story_of=head.astype(np.int32), rows=dict(zip(parts, found.rows, strict=True)),
    )  # fmt: skip
    largest = sorted(np.flatnonzero(sizes > 1).tolist(), key=lambda story: (-sizes[story], rank[story]))
    largest = largest[:LARGEST_STORIES]
    titles: dict[int, tuple[int, str]] = {}  # story: (rank, title) of its first titled article
    for name, rows in zip(parts, found.rows, strict=True):
        at = which[rows]
        table = pq.read_table(run_dir / "articles" / name, columns=["title", *MARKS], use_threads=False)
        marks = relations.marks(name)
        if any(not m.equals(table[c].combine_chunks()) for m, c in zip(marks, MARKS, strict=True)):
            relations.changed.append(name)
        in_largest = np.flatnonzero(np.isin(head[at], largest) & kept[at])
        for n, title in zip(in_largest.tolist(), table["title"].take(in_largest).to_pylist(), strict=True):
            story, place = int(head[at[n]]), int(rank[at[n]])
            if title and (story not in titles or place < titles[story][0]):
                titles[story] = (place, title)
    relations.largest_stories = [
        (int(sizes[story]), titles[story][1] if story in titles else "(no title)") for story in largest
    ]
    return relations


@dataclass
class _ReadForRelating:
    """What relating holds of every row of the parts (in their order) while it finds the
    near-duplicates: about 180 bytes a row, 128 of them the signature. `rows` are each part's
    positions among them; `index_rows` each part's rows in its index file when the checks
    took rows out of the part (else None)."""

    ids: np.ndarray  # doc_id as bytes
    signatures: np.ndarray
    sizes: np.ndarray
    leads: np.ndarray
    languages: np.ndarray  # small codes
    days: np.ndarray
    order: pa.Table  # ORIGINAL_ORDER
    rows: list[slice] = field(default_factory=list)
    index_rows: list[pa.Array | None] = field(default_factory=list)


def _first_of_each(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct ids in the order they first come, where each first comes, and each row's
    place among them.

    >>> [a.tolist() for a in _first_of_each(np.array([b"b", b"a", b"b"]))]
    [[b'b', b'a'], [0, 1], [0, 1, 0]]
    """
    ordered = ids[np.argsort(ids)]
    if not (ordered[1:] == ordered[:-1]).any():  # the checks drop exact copies: the usual case
        every = np.arange(len(ids))
        return ids, every, every
    del ordered
    distinct, first, which = np.unique(ids, return_index=True, return_inverse=True)
    by_first = np.argsort(first)
    place = np.empty(len(by_first), dtype=np.int64)
    place[by_first] = np.arange(len(by_first))
    return distinct[by_first], first[by_first], place[which]


def _read_for_near_duplicates(run_dir: Path, parts: list[str]) -> _ReadForRelating:
    """Read the parts' keys and index one part at a time into arrays of all rows."""
    counts = [pq.ParquetFile(run_dir / "articles" / name).metadata.num_rows for name in parts]
    total = sum(counts)
    found = _ReadForRelating(
        ids=np.zeros(total, dtype=f"S{ID_CHARS}"),
        signatures=np.zeros((total, PERMUTATIONS), dtype=SIGNATURE_DTYPE),
        sizes=np.zeros(total, dtype=np.uint32),
        leads=np.zeros(total, dtype=np.uint64),
        languages=np.zeros(total, dtype=np.int16),
        days=np.zeros(total, dtype=np.int64),
        order=pa.table({}),
    )
    language_codes: dict[str, int] = {}
    orders, start = [], 0
    for name, count in zip(parts, counts, strict=True):
        columns = ["doc_id", "language", *ORIGINAL_ORDER]
        table = pq.read_table(run_dir / "articles" / name, columns=columns, use_threads=False)
        index, index_rows = _part_index(run_dir, name, table)
        rows = slice(start, start + count)
        found.rows.append(rows)
        found.index_rows.append(index_rows)
        found.ids[rows] = table["doc_id"].to_numpy(zero_copy_only=False).astype(found.ids.dtype)
        column = index["signature"].combine_chunks()
        found.signatures[rows] = np.frombuffer(
            column.buffers()[1], dtype=SIGNATURE_DTYPE, count=(column.offset + count) * PERMUTATIONS
        ).reshape(-1, PERMUTATIONS)[column.offset :]
        found.sizes[rows] = index["distinct_words"].to_numpy()
        found.leads[rows] = index["lead"].to_numpy()
        languages = table["language"].to_pylist()
        found.languages[rows] = [language_codes.setdefault(code, len(language_codes)) for code in languages]
        found.days[rows] = _days(table)
        orders.append(table.select(list(ORIGINAL_ORDER)))
        start += count
        if len(orders) % TRIM_EVERY_PARTS == 0:
            release_free_memory()
    found.order = pa.concat_tables(orders)
    return found


def release_free_memory() -> None:
    """Give the pages malloc holds free back to the system (glibc's `malloc_trim`; elsewhere
    nothing). Reading a part at a time frees its buffers for the next, but they stay with
    malloc: reading the index of a million articles held 194 MB so beyond its 340 MB of arrays
    (and 286 MB with Arrow's reading threads, whose allocations go to other arenas)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _part_index(run_dir: Path, name: str, table: pa.Table) -> tuple[pa.Table, pa.Array | None]:
    """A part's index rows (`table`: its doc_id and language) in the part's order, and where
    they are in the index file when that is not the part's order (else None)."""
    index_path = run_dir / INDEX_DIR / name
    columns = ["doc_id", "signature", "distinct_words", "lead"]
    if index_path.exists() and pq.read_schema(index_path).equals(INDEX_SCHEMA):
        index = pq.read_table(index_path, columns=columns, use_threads=False)
    else:  # a part of a run before the index, or before its present columns
        texts = pq.read_table(run_dir / "articles" / name, columns=["text"])["text"].to_pylist()
        index = index_table(table["doc_id"].to_pylist(), texts, table["language"].to_pylist())
        index_path.parent.mkdir(exist_ok=True)
        index_path.unlink(missing_ok=True)  # an older one is a hard link into the published run
        pq.write_table(index, index_path, compression="zstd")  # for the runs after this one
        index = index.select(columns)
    if index["doc_id"].equals(table["doc_id"]):
        return index, None
    index_rows = pc.index_in(table["doc_id"], value_set=index["doc_id"])  # the checks took rows out
    return index.take(index_rows), index_rows


def _story_vectors(run_dir: Path, parts: list[str], found: _ReadForRelating, rows: np.ndarray) -> csr_matrix:
    """The topic vectors of these rows (positions among all rows, in order), from the parts'
    index read twice, STORY_BATCH_ROWS rows at a time: once to count the words over the
    dataset, once to weigh them."""
    from scipy.sparse import csr_matrix

    counts = TermCounts()
    for topics in _topics_in_batches(run_dir, parts, found, rows, weights=False):
        counts.add(topics)
    # Filled a batch at a time (stacking the batches' matrices would hold them twice).
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indices = np.empty(len(rows) * TOPIC_TERMS, dtype=np.int32)
    values = np.empty(len(rows) * TOPIC_TERMS, dtype=np.float32)
    row = value = 0
    for topics in _topics_in_batches(run_dir, parts, found, rows, weights=True):
        vectors = topic_vectors(topics, counts)
        indices[value : value + vectors.nnz] = vectors.indices
        values[value : value + vectors.nnz] = vectors.data
        indptr[row + 1 : row + vectors.shape[0] + 1] = vectors.indptr[1:] + value
        row, value = row + vectors.shape[0], value + vectors.nnz
    return csr_matrix((values[:value], indices[:value], indptr), shape=(len(rows), len(counts.counted()[0])))


def _topics_in_batches(
    run_dir: Path, parts: list[str], found: _ReadForRelating, rows: np.ndarray, weights: bool
) -> Iterator[Topics]:
    """The topic words of these rows (positions among all rows, in order), in batches of
    whole parts of about STORY_BATCH_ROWS rows (without their weights: zeros)."""
    columns = ["topic_terms", "topic_weights"] if weights else ["topic_terms"]
    batch: list[pa.Table] = []
    batch_rows = 0
    for name, part_rows, index_rows in zip(parts, found.rows, found.index_rows, strict=True):
        low, high = np.searchsorted(rows, [part_rows.start, part_rows.stop])
        if low < high:
            index = pq.read_table(run_dir / INDEX_DIR / name, columns=columns, use_threads=False)
            wanted = rows[low:high] - part_rows.start
            if index_rows is not None:
                wanted = index_rows.to_numpy()[wanted]
            if len(wanted) < index.num_rows or np.any(wanted != np.arange(len(wanted))):
                index = index.take(pa.array(wanted))
            batch.append(index)
            batch_rows += index.num_rows
        if batch and (batch_rows >= STORY_BATCH_ROWS or name == parts[-1]):
            yield _topics(pa.concat_tables(batch))
            batch, batch_rows = [], 0


def _id_array(ids: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    """doc_id bytes as a string array (null where not `present`)."""
    mask = None if present is None else ~present
    return pa.array(ids, pa.binary(), mask=mask).cast(pa.string())


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


def _rank(keys: pa.Table) -> np.ndarray:
    """Each row's place in the order that chooses originals and story heads."""
    order = pc.sort_indices(keys, sort_keys=[(c, "ascending", "at_end") for c in ORIGINAL_ORDER])
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order.to_numpy()] = np.arange(len(keys))
    return rank


def _topics(keys: pa.Table) -> Topics:
    """The index's topic words of these rows, as flat arrays (weights zero where `keys` has
    none)."""
    terms = keys["topic_terms"].combine_chunks()
    offsets = terms.offsets.to_numpy() - terms.offsets[0].as_py()
    flat = terms.flatten().to_numpy()
    if "topic_weights" not in keys.column_names:
        return Topics(flat, np.zeros(len(flat), dtype=np.float32), offsets.astype(np.int64))
    return Topics(flat, keys["topic_weights"].combine_chunks().flatten().to_numpy(), offsets.astype(np.int64))


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
