"""The CPU-bound work of a run, kept free of Prefect so worker processes start fast.

`clean_bucket` reads one bucket's documents as a stream, cleans them in chunks and appends the
rows to the bucket's part files. The flow runs it either in a local pool of worker processes
(`local_pool`, one per core, forked after the language data is loaded so that every worker
shares it) or directly on a Dask worker.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import logging
import multiprocessing
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from flows.archives import fetched_from
from flows.article_index import INDEX_DIR, INDEX_SCHEMA, index_table
from flows.columns import ARTICLE_SCHEMA, REJECT_SCHEMA, articles_table, rejects_table
from flows.incremental import Bucket, HashFiles, hash_files
from flows.lifetime import die_with_parent
from flows.partitions import PartitionWriter, close_quietly
from flows.sources import Fields, RawDocument, read_documents
from transforms.artifacts import preload as preload_word_frequencies
from transforms.corpus import (
    MIN_CORPUS_DOCUMENTS,
    RepeatedLines,
    count_documents_per_line,
    text_fingerprints,
)
from transforms.document import (
    TEXT_ROADS,
    Article,
    Prepared,
    Rejected,
    clean_document,
    prepare_document,
)
from transforms.language import preload as preload_language_profiles
from transforms.metadata import Given

ROW_GROUP_ROWS = 10_000
# Planning hashes files in processes from this many on (fewer: starting them costs more), this
# many per task sent to a process.
PARALLEL_HASH_MIN_FILES = 5_000
HASH_CHUNK_FILES = 1_000
# A worker's garbage collector runs after this many new container objects, not Python's 700.
# Cleaning makes and frees many small tuples, lists and arrays per line, nearly all freed at
# once by reference counting; each young collection also walks the survivors (the caches'
# entries). Rarer collections cut a worker's CPU by about 4% on the bench corpus, and the few
# reference cycles still go within a few thousand documents.
WORKER_GC_THRESHOLD = 20_000
T = TypeVar("T")
_pool: ProcessPoolExecutor | None = None
# Buckets the command line started before the flow's tasks existed: (signature, run_dir, today).
_early: dict[tuple[str, str, dt.date], Future[BucketParts]] = {}


@dataclass(frozen=True)
class BucketParts:
    """The part files one bucket produced (names inside articles/ and rejects/)."""

    key: str
    signature: str
    articles: str | None
    rejects: str | None
    skipped: dict[str, int] = field(default_factory=dict)  # archive records that are no documents


class PartWriter:
    """Rows appended in row groups to one Parquet file, opened on the first rows."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path, self.schema = path, schema
        self._writer: pq.ParquetWriter | None = None

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        if self._writer is None:
            self.path.parent.mkdir(exist_ok=True)
            self._writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")
        self._writer.write_table(table, row_group_size=ROW_GROUP_ROWS)

    def close(self) -> str | None:
        if self._writer is None:
            return None
        self._writer.close()
        return self.path.name

    def abort(self) -> None:
        """Close after a failed write, quietly (flows/partitions.py says why)."""
        if self._writer is not None:
            close_quietly(self._writer)


def clean_bucket(
    input_dir: str, bucket: Bucket, run_dir: str, fields: Fields, today: dt.date, chunk_size: int
) -> BucketParts:
    """Read, clean and write one bucket; exact copies inside it are rejected as duplicates."""
    root, run = Path(input_dir), Path(run_dir)
    name = f"part-{bucket.key}-{bucket.signature[:8]}.parquet"
    articles = PartWriter(run / "articles" / name, ARTICLE_SCHEMA)
    by_language = PartitionWriter(run, name)
    rejects = PartWriter(run / "rejects" / name, REJECT_SCHEMA)
    index = PartWriter(run / INDEX_DIR / name, INDEX_SCHEMA)
    seen: dict[str, str] = {}
    skipped: Counter[str] = Counter()
    documents = _documents(root, bucket, fields, skipped)
    try:
        for chunk in _chunks(documents, chunk_size):
            results = clean_chunk(chunk, today)
            kept, dropped = [], []
            for result in results:
                if isinstance(result, Article) and result.doc_id in seen:
                    detail = f"same bytes as {seen[result.doc_id]}"
                    dropped.append(Rejected(result.source_path, "duplicate", "clean", detail, result.doc_id))
                elif isinstance(result, Article):
                    seen[result.doc_id] = result.source_path
                    kept.append(result)
                else:
                    dropped.append(result)
            table = articles_table(kept)
            articles.write(table)
            by_language.write(table)
            rejects.write(rejects_table(dropped))
            index.write(
                index_table([a.doc_id for a in kept], [a.text for a in kept], [a.language for a in kept])
            )
    except BaseException:
        for writer in (articles, by_language, rejects, index):
            writer.abort()
        raise
    by_language.close()
    index.close()
    return BucketParts(bucket.key, bucket.signature, articles.close(), rejects.close(), dict(skipped))


def _documents(root: Path, bucket: Bucket, fields: Fields, skipped: Counter[str]) -> Iterator[RawDocument]:
    """The bucket's documents, streamed; archive records that are none are counted in `skipped`."""
    for source in bucket.sources:
        for document in read_documents(root, source, fields, bucket.span):
            if document.skipped is None:
                yield document
            else:
                skipped[document.skipped] += 1


def clean_chunk(chunk: list[RawDocument], today: dt.date) -> list[Article | Rejected]:
    """Clean a chunk of documents with the corpus evidence the chunk itself provides."""
    prepared: list[Prepared | Rejected] = [
        prepare_document(doc.raw, doc.source_path, doc.source_format, doc.charset, fetched_from(doc))
        if doc.raw is not None
        else Rejected(doc.source_path, doc.reason or "unreadable", "read", doc.detail)
        for doc in chunk
    ]
    judged = [p for p in prepared if isinstance(p, Prepared) and p.source_format in TEXT_ROADS]
    texts = [p.repaired.text for p in judged]  # the documents corpus evidence is for
    repeated = RepeatedLines()
    if len(texts) >= MIN_CORPUS_DOCUMENTS:
        repeated = RepeatedLines.from_counts(count_documents_per_line(text_fingerprints(t) for t in texts))
    return [
        _clean_safely(p, today, repeated, doc.given) if isinstance(p, Prepared) else p
        for p, doc in zip(prepared, chunk, strict=True)
    ]


def _clean_safely(
    prepared: Prepared, today: dt.date, repeated: RepeatedLines, given: Given | None
) -> Article | Rejected:
    """One document that trips a bug becomes a reject with the error, not a failed run."""
    try:
        return clean_document(prepared, today, repeated, given)
    except Exception as err:
        detail = f"{type(err).__name__}: {err}"[:300]
        return Rejected(prepared.source_path, "internal_error", "clean", detail, prepared.doc_id)


def _chunks(items: Iterable[RawDocument], size: int) -> Iterator[list[RawDocument]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def run_cpu_bound(function: Callable[..., T], *args: Any) -> T:
    """Run in the local worker pool when there is one, else here (e.g. on a Dask worker)."""
    return submit_cpu_bound(function, *args).result()


def submit_cpu_bound(function: Callable[..., T], *args: Any) -> Future[T]:
    """Start in the local worker pool when there is one, to be awaited later; else run here,
    at once (the future is done)."""
    if _pool is not None:
        return _pool.submit(function, *args)
    done: Future[T] = Future()
    try:
        done.set_result(function(*args))
    except Exception as err:
        done.set_exception(err)
    return done


def map_cpu_bound(function: Callable[..., T], *iterables: Iterable[Any]) -> list[T]:
    """`map` in the local worker pool when there is one, else here."""
    if _pool is None:
        return list(map(function, *iterables))
    return list(_pool.map(function, *iterables))


def start_early(
    input_dir: str, buckets: list[Bucket], run_dir: str, fields: Fields, today: dt.date, chunk_size: int
) -> None:
    """Start cleaning buckets in the local pool before their Prefect tasks exist.

    The command line does this while Prefect's API server boots, seconds in which the workers
    would otherwise wait. Each bucket's task then takes its result over with `take_early`
    (or, if that work failed, does it again). Without a local pool, nothing starts early."""
    if _pool is None:
        return
    for bucket in buckets:
        _early[bucket.signature, run_dir, today] = _pool.submit(
            clean_bucket, input_dir, bucket, run_dir, fields, today, chunk_size
        )


def take_early(bucket: Bucket, run_dir: str, today: dt.date) -> BucketParts | None:
    """The parts an early start made for this bucket of this run; None if there was none, or
    it failed (the caller then cleans the bucket itself, rewriting its parts)."""
    future = _early.pop((bucket.signature, run_dir, today), None)
    if future is None or future.cancelled() or future.exception() is not None:
        return None
    return future.result()


@contextlib.contextmanager
def local_pool(workers: int, start_method: str = "fork") -> Iterator[None]:
    """A pool of `workers` processes for the duration of a run (none for one worker).

    The command line loads the language data first and forks the workers before Prefect starts
    any thread, so they start at once and share that memory. Inside a flow run that has no pool
    yet (a deployment's run, where threads already run), "forkserver" starts clean workers that
    load the data themselves.
    """
    global _pool
    if workers <= 1:  # documents are cleaned here, if any: the data loads on the first one
        yield
        return
    if start_method == "fork":
        # Forked workers share what this process loaded, and inherit its objects frozen: their
        # garbage collector leaves them alone, which keeps the pages shared and saves it
        # walking them (a few percent of a worker's time). This process unfreezes its own
        # once the workers exist.
        preload_language_profiles()
        preload_word_frequencies()
        gc.freeze()
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context(start_method), initializer=_start_worker
    )
    list(pool.map(_ready, range(workers)))  # start every worker now
    gc.unfreeze()
    _pool = pool
    try:
        yield
    finally:
        _pool = None
        _early.clear()
        pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def ensure_pool(workers: int) -> Iterator[None]:
    """The running pool if there is one, else a pool of `workers` started from this thread."""
    if _pool is not None or workers <= 1:
        yield
        return
    with local_pool(workers, start_method="forkserver"):
        yield


def hash_files_in_parallel(workers: int) -> HashFiles:
    """A `hash_files` for planning that reads and hashes in `workers` forked processes when
    there are many files: on a first run, or after every file was touched, hashing is most of
    the planning, and one core did it while the others waited. For a process that has no other
    thread yet (the command, before Prefect starts one): a fork of a threaded process can
    deadlock in the child."""

    def hash_all(root: str, paths: list[str]) -> list[str]:
        if workers < 2 or len(paths) < PARALLEL_HASH_MIN_FILES:
            return hash_files(root, paths)
        chunks = [paths[i : i + HASH_CHUNK_FILES] for i in range(0, len(paths), HASH_CHUNK_FILES)]
        with multiprocessing.get_context("fork").Pool(workers, initializer=die_with_parent) as pool:
            hashed = pool.imap(functools.partial(hash_files, root), chunks)
            return [digest for digests in hashed for digest in digests]

    return hash_all


# Libraries that log notices about one document ("discarding data: None" from trafilatura on a
# page without an article, wordfreq's "nearest match" for a language it lacks): that document's
# row or reject already says what became of it, and a run's console is for the run.
# Set where this module is imported: by the command, which may clean in its own process, and by
# every worker process.
QUIET_LOGGERS = ("trafilatura", "htmldate", "courlan", "wordfreq")
for _name in QUIET_LOGGERS:
    logging.getLogger(_name).setLevel(logging.ERROR)


def _start_worker() -> None:
    die_with_parent()
    gc.set_threshold(WORKER_GC_THRESHOLD, *gc.get_threshold()[1:])
    preload_language_profiles()  # at once when forked: the parent has loaded them
    preload_word_frequencies()


def _ready(_: int) -> None:
    """A no-op that makes the pool start a worker."""
