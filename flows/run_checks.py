"""Checking a run's parts as they come, in bucket order, before anything is published.

Each bucket's task writes its part files (articles and rejects); `RunChecker` then takes them
one by one: an article whose exact bytes an earlier bucket already had moves to rejects as a
`duplicate` (`SeenIds` remembers every id in compact sorted arrays), the articles are validated
by the Great Expectations suite in chunks of VALIDATION_CHUNK_ROWS rows (rows that break an
expectation move to rejects too, the run fails past `max_invalid_share`), and what the run's
summary reports (languages, days, artifact kinds, rejects by reason) is counted on the way.
Once every part is in, `relate_articles` fills `near_duplicate_of` and `story_id`, which the
"relations" suite validates before they are written. It begins in a worker while the last rows
are validated (`start_relating`), and runs again only if that validation dropped rows.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from concurrent.futures import Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from expectations.suite import (
    RELATION_COLUMNS,
    RELATIONS_SUITE,
    SUITE_NAME,
    VALIDATED_COLUMNS,
    ArticleValidator,
    ValidationOutcome,
)
from flows.article_index import Relations, relate_articles, write_marks
from flows.columns import ARTICLE_SCHEMA, REJECT_SCHEMA, rejects_table
from flows.files import BY_LANGUAGE
from flows.partitions import PARTITIONED_SCHEMA, partition_dir, rewrite_partitions
from flows.report import RunSummary
from flows.worker import BucketParts, map_cpu_bound, submit_cpu_bound
from transforms.document import Rejected
from transforms.language import UNDETERMINED

VALIDATION_CHUNK_ROWS = 100_000
MARKS_WRITTEN_AT_ONCE = 64  # parts whose marks are sent to the workers at once
CHECKED_COLUMNS = [*VALIDATED_COLUMNS, "translation_artifacts"]


class ValidationFailed(RuntimeError):
    """The run's table broke the expectation suite; nothing was published."""

    def __init__(self, failed: list[str], result_path: Path, docs: Path | None = None) -> None:
        lines = "\n".join(f"  - {name}" for name in failed)
        super().__init__(
            f"validation failed, nothing published; failed expectations:\n{lines}\n"
            f"  full result: {result_path}" + (f"\n  Data Docs: {docs}" if docs else "")
        )
        self.failed = failed
        self.result_path = result_path


class SeenIds:
    """The document ids a run has seen, to find duplicates across its buckets: 16 bytes an id
    in sorted NumPy arrays, merged as they grow (a Python set takes about 80 bytes an id, 80 MB
    for a million articles).

    >>> seen = SeenIds()
    >>> seen.add(np.array([b"a" * 16, b"b" * 16], "S16"))
    >>> seen.contains(np.array([b"b" * 16, b"c" * 16], "S16")).tolist()
    [True, False]
    """

    def __init__(self) -> None:
        self._runs: list[np.ndarray] = []  # sorted; each at most half the size of the one before

    def contains(self, ids: np.ndarray) -> np.ndarray:
        """Which of `ids` (dtype S16) were added before."""
        found = np.zeros(len(ids), dtype=bool)
        for run in self._runs:
            at = np.searchsorted(run, ids).clip(max=len(run) - 1)
            found |= run[at] == ids
        return found

    def add(self, ids: np.ndarray) -> None:
        if len(ids):
            self._runs.append(np.sort(ids))
        while len(self._runs) > 1 and len(self._runs[-2]) <= 2 * len(self._runs[-1]):
            last = self._runs.pop()
            self._runs[-1] = np.sort(np.concatenate([self._runs[-1], last]))


@dataclass
class _Pending:
    """A part whose rows wait for validation, and its manifest entry (updated if rows go)."""

    entry: dict[str, Any]
    table: pa.Table


@dataclass(frozen=True)
class _Relating:
    """`relate_articles` begun on these parts, when `invalid` rows had been dropped."""

    parts: list[str]
    invalid: int
    threshold: float
    drop: bool
    future: Future[Relations]


class RunChecker:
    """Checks the parts of a run in bucket order: exact duplicates across buckets and rows that
    break an expectation move to rejects (the part is rewritten without them), the articles
    are validated in chunks, and what the summary reports is counted.

    Rows rejected by validation fail the run only when they exceed `max_invalid_share` of all
    rows; a failure that is not about rows (a missing column) always fails it."""

    def __init__(self, run_dir: Path, today: dt.date, max_invalid_share: float) -> None:
        self.run_dir, self.today, self.max_invalid_share = run_dir, today, max_invalid_share
        self.validator = ArticleValidator(today, run_dir / "validation" / "docs")
        self.relations_outcomes: list[ValidationOutcome] = []
        self.validation_seconds = 0.0
        self.days: Counter[dt.date] = Counter()
        self.artifact_kinds: Counter[str] = Counter()
        self.seen = SeenIds()
        self.pending: list[_Pending] = []
        self.pending_rows = 0
        self.outcomes: list[ValidationOutcome] = []
        self.invalid = 0
        self.broken: Counter[str] = Counter()
        self.articles = 0
        self.with_artifacts = 0
        self.rejects: Counter[str] = Counter()
        self.languages: Counter[str] = Counter()
        self.formats: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self.entries: dict[str, dict[str, Any]] = {}  # manifest entries by article part
        self.relations = Relations()
        self._relating: _Relating | None = None

    def add_rejects(self, rejects: list[Rejected], name: str) -> None:
        """Rejects decided by the flow itself (not by a bucket's task)."""
        if rejects:
            pq.write_table(rejects_table(rejects), self.run_dir / "rejects" / name, compression="zstd")
            self.rejects.update(r.reason for r in rejects)

    def check(self, parts: BucketParts) -> dict[str, Any]:
        """Take one bucket's parts; returns its manifest entry."""
        entry: dict[str, Any] = {
            "signature": parts.signature,
            "articles": parts.articles,
            "rejects": parts.rejects,
            "skipped": parts.skipped,
        }
        self.skipped.update(parts.skipped)
        if parts.articles:
            self.entries[parts.articles] = entry
        if parts.rejects:
            reasons = pq.read_table(self.run_dir / "rejects" / parts.rejects, columns=["reason"])
            self.rejects.update(reasons["reason"].to_pylist())
        if parts.articles:
            table = pq.read_table(self.run_dir / "articles" / parts.articles, columns=CHECKED_COLUMNS)
            doc_ids = np.array([bytes.fromhex(doc_id) for doc_id in table["doc_id"].to_pylist()], "S16")
            copies = self.seen.contains(doc_ids)
            if copies.any():
                details = ["same bytes as an earlier document" if c else "" for c in copies]
                table = self._drop_rows(entry, table, details, "duplicate", "clean")
            self.seen.add(doc_ids[~copies])
            self.pending.append(_Pending(entry, table))
            self.pending_rows += table.num_rows
            if self.pending_rows >= VALIDATION_CHUNK_ROWS:
                self.validate_pending()
        return entry

    def start_relating(self, threshold: float, drop: bool) -> Future[Relations]:
        """Begin relating the articles (`finish_relating`) in a worker, on the parts as they
        stand, so that it overlaps the validation of the last rows here: a core would otherwise
        wait through that. Only rows that validation drops make it stale (it then runs again).
        Returns the worker's future, for a run that fails before `finish_relating` to wait on."""
        parts = list(self.entries)
        future = submit_cpu_bound(relate_articles, self.run_dir, parts, threshold, drop)
        self._relating = _Relating(parts, self.invalid, threshold, drop, future)
        return future

    def finish_relating(self) -> None:
        """Fill `near_duplicate_of` and `story_id` across every part checked, as begun by
        `start_relating(threshold, drop)`; with `drop`, the copies then move to rejects as
        `near_duplicate` (the original's doc_id in `detail`) and leave the counts."""
        begun, self._relating = self._relating, None
        if begun is None:
            raise RuntimeError("finish_relating before start_relating")
        self.validate_pending()  # every row counted and every part final, before the marks
        drop, parts = begun.drop, list(self.entries)
        if (begun.parts, begun.invalid) == (parts, self.invalid):
            relations = begun.future.result()
        else:
            wait([begun.future])  # it may still read parts that validation rewrote
            relations = relate_articles(self.run_dir, parts, begun.threshold, drop)
        self.relations = relations
        if not self._validate_marks(relations):
            return  # the run fails in `finish`, naming the expectations; nothing is written
        # The marks as strings, a batch of parts at a time (all at once: 70 bytes an article here).
        for start in range(0, len(relations.changed), MARKS_WRITTEN_AT_ONCE):
            changed = relations.changed[start : start + MARKS_WRITTEN_AT_ONCE]
            map_cpu_bound(write_marks, [self.run_dir] * len(changed), changed, map(relations.marks, changed))
        if not drop:
            return
        for name in relations.rows:
            near, _ = relations.marks(name)
            if near.null_count == len(near):
                continue
            table = pq.read_table(self.run_dir / "articles" / name, columns=CHECKED_COLUMNS)
            self._count(table.filter(pc.is_valid(near)), sign=-1)
            details = [original or "" for original in near.to_pylist()]
            self._drop_rows(self.entries[name], table, details, "near_duplicate", "clean")

    def _validate_marks(self, relations: Relations) -> bool:
        """The relating columns, with their own suite: the articles' suite ran before they were
        filled. A failure is the run's (they are computed, not read), never a row's."""
        chunk: list[pa.Table] = []
        rows = 0
        for n, name in enumerate(relations.rows, start=1):
            doc_ids = relations.doc_ids(name)
            chunk.append(
                pa.table(dict(zip(RELATION_COLUMNS, (doc_ids, *relations.marks(name)), strict=True)))
            )
            rows += len(doc_ids)
            if rows >= VALIDATION_CHUNK_ROWS or n == len(relations.rows):
                outcome = self._validate(pa.concat_tables(chunk), RELATIONS_SUITE)
                self.relations_outcomes.append(outcome)
                chunk, rows = [], 0
        return all(outcome.success for outcome in self.relations_outcomes)

    def validate_pending(self) -> None:
        """Validate the articles checked since the last chunk: then every row is counted."""
        if not self.pending:
            return
        chunk = pa.concat_tables([p.table.select(list(VALIDATED_COLUMNS)) for p in self.pending])
        outcome = self._validate(chunk)
        self.outcomes.append(outcome)
        offset = 0
        for pending in self.pending:
            rows = pending.table.num_rows
            details = ["; ".join(outcome.failed_rows.get(offset + i, [])) for i in range(rows)]
            table = pending.table
            if any(details):
                self.invalid += sum(1 for d in details if d)
                self.broken.update(name for d in details if d for name in d.split("; "))
                table = self._drop_rows(pending.entry, table, details, "validation", "validate")
            self._count(table)
            offset += rows
        self.pending, self.pending_rows = [], 0

    def _validate(self, table: pa.Table, suite: str = SUITE_NAME) -> ValidationOutcome:
        started = time.monotonic()
        outcome = self.validator.validate(table.to_pandas(), suite)
        self.validation_seconds += time.monotonic() - started
        return outcome

    def _count(self, table: pa.Table, sign: int = 1) -> None:
        """Count a table's rows into the summary (`sign` -1: take them out again)."""
        self.articles += sign * table.num_rows
        found = pc.greater(pc.list_value_length(table["translation_artifacts"]), 0)
        self.with_artifacts += sign * (pc.sum(found).as_py() or 0)
        kinds = pc.struct_field(pc.list_flatten(table["translation_artifacts"]), "kind")
        days = [day for day in table["published_date"].to_pylist() if day is not None]
        languages, formats = table["language"].to_pylist(), table["source_format"].to_pylist()
        for counter, values in (
            (self.languages, languages), (self.formats, formats), (self.artifact_kinds, kinds.to_pylist()),
            (self.days, days),
        ):  # fmt: skip
            if sign > 0:
                counter.update(values)
                continue
            counter.subtract(values)
            for key in [k for k, n in counter.items() if n <= 0]:
                del counter[key]

    def _drop_rows(
        self, entry: dict[str, Any], table: pa.Table, details: list[str], reason: str, stage: str
    ) -> pa.Table:
        """Rewrite a part without the rows that have a detail; they join its rejects. A part
        rewritten so is not reused by the next run (it re-checks the bucket)."""
        keep = pa.array([not d for d in details], pa.bool_())
        part = self.run_dir / "articles" / entry["articles"]
        full = pq.read_table(part)
        kept = full.filter(keep)
        part.unlink()  # a reused part is a hard link: never write through it
        pq.write_table(kept, part, compression="zstd")
        rewrite_partitions(self.run_dir, entry["articles"], kept)
        dropped = full.select(["source_path", "doc_id"]).filter(pc.invert(keep)).to_pylist()
        moved = rejects_table(
            [
                Rejected(row["source_path"], reason, stage, d, row["doc_id"])
                for row, d in zip(dropped, [d for d in details if d], strict=True)
            ]
        )
        entry["rejects"] = entry["rejects"] or f"checked-{entry['articles']}"
        entry["filtered"] = True
        rejects_path = self.run_dir / "rejects" / entry["rejects"]
        if rejects_path.exists():
            moved = pa.concat_tables([pq.read_table(rejects_path), moved])
            rejects_path.unlink()
        pq.write_table(moved, rejects_path, compression="zstd")
        self.rejects[reason] += len(dropped)
        return table.filter(keep)

    def fill(self, summary: RunSummary, outcome: ValidationOutcome) -> None:
        """Copy what the checks counted into the run's summary."""
        summary.documents = self.articles + sum(self.rejects.values())
        summary.articles, summary.with_artifacts = self.articles, self.with_artifacts
        summary.rejects, summary.languages, summary.formats = self.rejects, self.languages, self.formats
        summary.skipped = self.skipped
        relations = self.relations
        summary.near_duplicate_groups, summary.near_duplicate_copies = (
            relations.near_duplicate_groups,
            relations.copies,
        )
        summary.stories, summary.largest_stories = relations.stories, relations.largest_stories
        summary.artifact_kinds, summary.days = self.artifact_kinds, self.days
        summary.failed = outcome.failed
        if outcome.success:
            rejected = f", {self.invalid} rows rejected by it" if self.invalid else ""
            summary.validation = (
                f"passed ({outcome.evaluated} rows{rejected}, result in {summary.output_dir}/validation)"
            )
        else:
            summary.validation = f"failed ({len(outcome.failed)} expectations)"

    def finish(self) -> ValidationOutcome:
        """Validate what is left, make sure articles/ and rejects/ have a file, and decide."""
        self.validate_pending()
        for folder, schema in (("articles", ARTICLE_SCHEMA), ("rejects", REJECT_SCHEMA)):
            if not any((self.run_dir / folder).glob("*.parquet")):  # readers expect a file
                pq.write_table(schema.empty_table(), self.run_dir / folder / "part-empty.parquet")
        if not any((self.run_dir / BY_LANGUAGE).glob("*/*.parquet")):
            empty = partition_dir(self.run_dir, UNDETERMINED)
            empty.mkdir(parents=True)
            pq.write_table(PARTITIONED_SCHEMA.empty_table(), empty / "part-empty.parquet")
        if not self.outcomes:
            self.outcomes.append(self._validate(ARTICLE_SCHEMA.empty_table()))
        started = time.monotonic()
        self.validator.build_docs()
        self.validation_seconds += time.monotonic() - started
        evaluated = sum(o.evaluated for o in self.outcomes)
        table_level = sorted({name for o in self.outcomes for name in o.table_level})
        table_level += sorted({name for o in self.relations_outcomes for name in o.failed})
        too_many = self.invalid > self.max_invalid_share * max(evaluated, 1)
        failed = table_level + (
            [f"{name}: {n} rows" for name, n in self.broken.most_common()]
            + [f"{self.invalid} of {evaluated} rows broke an expectation "
               f"(more than {self.max_invalid_share:.0%})"]
            if too_many
            else []
        )  # fmt: skip
        return ValidationOutcome(
            success=not failed,
            failed=failed,
            result={
                "chunks": [o.result for o in self.outcomes],
                "relations": [o.result for o in self.relations_outcomes],
                "rows_rejected": self.invalid,
            },
            evaluated=evaluated,
        )
