"""Build the clean news dataset: raw crawled text in, validated Parquet out.

    python flows/build.py                       # seeds/ -> output/
    python flows/build.py --input DIR --output DIR

Runs as a Prefect flow. Without PREFECT_API_URL, Prefect starts an embedded (ephemeral) API for
the run, so no server is needed; with PREFECT_API_URL set, the run is reported to that server.

How a run goes:

1. list the inputs, hash what changed since the published run, and group them into buckets
   (flows/incremental.py);
2. one Prefect task per bucket whose inputs or code changed: read its documents (streaming),
   clean them in chunks (transforms.document, with corpus evidence from the chunk), and write
   its part files; buckets that did not change keep their parts from the published run;
3. check the parts in order: exact duplicates across buckets go to rejects, and the Great
   Expectations suite validates the articles chunk by chunk;
4. publish the run atomically (flows/files.py), or leave the published dataset as it was.

Tasks run in parallel processes (one per core), or on a Dask cluster with --dask-address.
From the command line, steps 1 and the start of 2 happen while Prefect's API server boots
(`head_start`); the flow then takes the plan and the work in progress over.
Memory stays flat: a task holds one chunk of documents, the flow holds one chunk of rows.
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import gc
import importlib
import logging
import os
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Defaults for a quiet, self-contained batch run; anything set in the environment wins.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Progress lines (flows/progress.py) reach the flow run's logs in Prefect's UI too.
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "newsclean")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")

from flows.embedded_api import EmbeddedApi, launch

# Run as a command, the embedded Prefect API starts booting now, before the imports below, and
# these run with the garbage collector paused (why: flows/embedded_api.py; main() resumes it).
_EARLY_API = launch() if __name__ == "__main__" and sys.argv[1:2] != ["inspect"] else None
if __name__ == "__main__":
    gc.disable()

from flows.cli import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_INPUT,
    DEFAULT_MAX_INVALID_SHARE,
    DEFAULT_OUTPUT,
    PROJECT_ROOT,
    flow_parameters,
    parse_args,
    parse_inspect_args,
    parse_serve_args,
    take_listing,
    up_to_date,
)

# Run as a command, a build with nothing to do ends here (the API it started stops with it).
if __name__ == "__main__" and (_UP_TO_DATE := up_to_date(sys.argv[1:], keep_listing=True)):
    print(_UP_TO_DATE)
    sys.exit(0)

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.deployments.runner import RunnerDeployment
from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.states import Failed, State
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from expectations.deferred_imports import import_gx
from expectations.suite import VALIDATED_COLUMNS, ArticleValidator, ValidationOutcome
from flows.columns import ARTICLE_SCHEMA, REJECT_SCHEMA, rejects_table
from flows.files import (
    BY_LANGUAGE,
    OutputLocked,
    new_run_dir,
    output_lock,
    publish,
    published_run,
    write_json,
)
from flows.incremental import Bucket, HashFiles, Plan, hash_files, plan_run, run_config
from flows.partitions import (
    PARTITIONED_SCHEMA,
    link_partitions,
    partition_dir,
    rewrite_partitions,
)
from flows.progress import LOGGER as PROGRESS_LOG
from flows.progress import Progress
from flows.report import RunSummary, publish_artifacts, write_dataset_card
from flows.sources import Fields
from flows.worker import (
    BucketParts,
    clean_bucket,
    ensure_pool,
    hash_files_in_parallel,
    local_pool,
    run_cpu_bound,
    start_early,
    take_early,
)
from transforms.document import Rejected
from transforms.language import UNDETERMINED

VALIDATION_CHUNK_ROWS = 100_000
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


def task_runner(workers: int, dask_address: str | None) -> TaskRunner[Any]:
    """Tasks on a Dask cluster when an address is given. Locally, tasks are threads that hand
    their CPU work to the worker processes of `flows.worker.local_pool`: Prefect itself stays in
    one process, with one embedded API. There are twice as many task threads as workers, so
    that a worker finds the next batch queued while Prefect records the one it just finished."""
    if dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=dask_address)
    return ThreadPoolTaskRunner(max_workers=2 * workers)


@task(retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def process_bucket(
    input_dir: str, bucket: Bucket, run_dir: str, fields: Fields, today: dt.date, chunk_size: int
) -> BucketParts:
    """Read, clean and write one bucket, in the local process pool or (on a Dask worker) here,
    unless the command line started it early. A retry rewrites its parts from the start."""
    early = take_early(bucket, run_dir, today)
    if early is not None:
        return early
    return run_cpu_bound(clean_bucket, input_dir, bucket, run_dir, fields, today, chunk_size)


@flow(name="build-news-dataset", task_runner=task_runner(os.cpu_count() or 1, None))
def build_dataset(
    input_dir: str = str(DEFAULT_INPUT),
    output_dir: str = str(DEFAULT_OUTPUT),
    batch_size: int = DEFAULT_BATCH_SIZE,
    full_refresh: bool = False,
    fields: Fields | None = None,
    max_invalid_share: float = DEFAULT_MAX_INVALID_SHARE,
    workers: int = 1,
) -> RunSummary:
    """Clean every input under `input_dir` and publish the dataset to `output_dir`, with
    `workers` processes (the command line starts them before the flow, a deployment here)."""
    with ensure_pool(workers):
        return _build(input_dir, output_dir, batch_size, full_refresh, fields, max_invalid_share)


def _build(
    input_dir: str,
    output_dir: str,
    batch_size: int,
    full_refresh: bool,
    fields: Fields | None,
    max_invalid_share: float,
) -> RunSummary:
    fields = fields or Fields()
    options = RunOptions(input_dir, output_dir, batch_size, full_refresh, fields, max_invalid_share)
    output_root = Path(output_dir)
    try:
        with output_lock(output_root):
            head_started = _take_head_start(options)
            begun = head_started or begin_run(options)
            plan, run_dir, today = begun.plan, begun.run_dir, begun.today
            summary = RunSummary(str(input_dir), str(output_dir), run_id=run_dir.name)
            stage = StageClock(summary.stage_seconds, since=begun.started)
            stage.done("list and hash inputs", at=begun.planned)
            if head_started:
                stage.done("start Prefect")  # while the first buckets were being cleaned

            pending: dict[str, Any] = {}
            parts: dict[str, BucketParts] = {}
            for bucket in plan.buckets:
                if bucket.key in plan.reusable:
                    parts[bucket.key] = _reuse(plan, run_dir, bucket)
                else:
                    pending[bucket.key] = process_bucket.submit(
                        input_dir, bucket, str(run_dir), fields, today, batch_size
                    )
            summary.buckets_reused, summary.buckets_processed = len(parts), len(pending)
            manifest = plan.manifest

            checker = RunChecker(run_dir, today, max_invalid_share)
            checker.add_rejects(
                [
                    Rejected(path, "duplicate", "read", f"same bytes as {first}")
                    for path, first in plan.copies
                ],
                "part-copies.parquet",
            )
            with Progress(sum(b.size for b in plan.buckets), len(plan.buckets)) as progress:
                for bucket in plan.buckets:
                    done = parts.get(bucket.key) or pending[bucket.key].result()
                    manifest.buckets[bucket.key] = checker.check(done)
                    progress.advance(bucket.size)
            stage.done("clean and check", minus=checker.validation_seconds)
            outcome = checker.finish()
            stage.done("validate", seconds=checker.validation_seconds)
            result_path = run_dir / "validation" / "result.json"
            write_json(outcome.result, result_path)
            checker.fill(summary, outcome)
            if not outcome.success:
                docs = checker.validator.docs_index
                summary.data_docs = str(docs) if docs else None
                summary.seconds = time.monotonic() - begun.started
                publish_artifacts(summary, run_dir / "rejects")
                raise ValidationFailed(outcome.failed, result_path, docs)
            manifest.save(run_dir)
            summary.data_docs = str(output_root / "validation" / "docs" / "index.html")
            summary.seconds = time.monotonic() - begun.started
            write_dataset_card(summary, run_dir)
            publish(output_root, run_dir)
            stage.done("report and publish")
    except (ValidationFailed, OutputLocked) as err:
        return Failed(message=str(err))  # type: ignore[return-value]
    summary.seconds = time.monotonic() - begun.started
    publish_artifacts(summary, output_root / "rejects")
    return summary


class StageClock:
    """Seconds per stage of a run, in the order the stages end."""

    def __init__(self, seconds: dict[str, float], since: float) -> None:
        self.seconds, self.last = seconds, since

    def done(
        self, name: str, minus: float = 0.0, seconds: float | None = None, at: float | None = None
    ) -> None:
        now = time.monotonic() if at is None else at
        self.seconds[name] = round(seconds if seconds is not None else now - self.last - minus, 2)
        self.last = now


@dataclass(frozen=True)
class RunOptions:
    """The options of a build, as the flow takes them."""

    input_dir: str
    output_dir: str
    batch_size: int
    full_refresh: bool
    fields: Fields
    max_invalid_share: float


@dataclass
class RunStart:
    """A run's plan and snapshot folder, made under the output lock before any task starts."""

    options: RunOptions
    plan: Plan
    run_dir: Path
    today: dt.date
    started: float
    planned: float


def begin_run(options: RunOptions, hash_files: HashFiles = hash_files) -> RunStart:
    """Make the run's folder and plan the run: inputs listed and hashed (by `hash_files`),
    buckets, what the published run already has."""
    started = time.monotonic()
    config = run_config(PROJECT_ROOT, options.batch_size, options.fields, options.max_invalid_share)
    output_root = Path(options.output_dir)
    previous_run = published_run(output_root)
    run_dir = new_run_dir(output_root, f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}")
    input_root = Path(options.input_dir)
    plan = plan_run(
        input_root, run_dir, previous_run, config, options.batch_size, options.full_refresh,
        take_listing(input_root), hash_files,
    )  # fmt: skip
    return RunStart(options, plan, run_dir, dt.date.today(), started, time.monotonic())


_head_start: RunStart | None = None


def head_start(begun: RunStart) -> None:
    """Start cleaning a planned run's buckets in the local pool while Prefect's API boots; the
    flow, called next with the same options, takes the plan and the work over."""
    global _head_start
    options = begun.options
    start_early(
        options.input_dir, begun.plan.to_process, str(begun.run_dir), options.fields, begun.today,
        options.batch_size,
    )  # fmt: skip
    _head_start = begun


def _take_head_start(options: RunOptions) -> RunStart | None:
    global _head_start
    begun, _head_start = _head_start, None
    return begun if begun is not None and begun.options == options else None


def _reuse(plan: Plan, run_dir: Path, bucket: Bucket) -> BucketParts:
    """Link an unchanged bucket's parts from the published run into the new one."""
    previous_run, entry = plan.previous_run, plan.reusable[bucket.key]
    assert previous_run is not None  # a bucket is reusable only from a published run
    for folder, name in (("articles", entry["articles"]), ("rejects", entry["rejects"])):
        if name:
            os.link(previous_run / folder / name, run_dir / folder / name)
    if entry["articles"]:
        link_partitions(previous_run, run_dir, entry["articles"])
    return BucketParts(bucket.key, bucket.signature, entry["articles"], entry["rejects"])


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


class RunChecker:
    """Checks the parts of a run in bucket order: exact duplicates across buckets and rows that
    break an expectation move to rejects (the part is rewritten without them), the articles
    are validated in chunks, and what the summary reports is counted.

    Rows rejected by validation fail the run only when they exceed `max_invalid_share` of all
    rows; a failure that is not about rows (a missing column) always fails it."""

    def __init__(self, run_dir: Path, today: dt.date, max_invalid_share: float) -> None:
        self.run_dir, self.today, self.max_invalid_share = run_dir, today, max_invalid_share
        self.validator = ArticleValidator(today, run_dir / "validation" / "docs")
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
        }
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
                self._validate_pending()
        return entry

    def _validate_pending(self) -> None:
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

    def _validate(self, table: pa.Table) -> ValidationOutcome:
        started = time.monotonic()
        outcome = self.validator.validate(table.to_pandas())
        self.validation_seconds += time.monotonic() - started
        return outcome

    def _count(self, table: pa.Table) -> None:
        self.articles += table.num_rows
        self.languages.update(table["language"].to_pylist())
        found = pc.greater(pc.list_value_length(table["translation_artifacts"]), 0)
        self.with_artifacts += pc.sum(found).as_py() or 0
        kinds = pc.struct_field(pc.list_flatten(table["translation_artifacts"]), "kind")
        self.artifact_kinds.update(kinds.to_pylist())
        self.days.update(day for day in table["published_date"].to_pylist() if day is not None)

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
        summary.rejects, summary.languages = self.rejects, self.languages
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
        self._validate_pending()
        for folder, schema in (("articles", ARTICLE_SCHEMA), ("rejects", REJECT_SCHEMA)):
            if not any((self.run_dir / folder).glob("*.parquet")):  # readers expect a file
                pq.write_table(schema.empty_table(), self.run_dir / folder / "part-empty.parquet")
        if not any((self.run_dir / BY_LANGUAGE).glob("*/*.parquet")):
            empty = partition_dir(self.run_dir, UNDETERMINED)
            empty.mkdir(parents=True)
            pq.write_table(PARTITIONED_SCHEMA.empty_table(), empty / "part-empty.parquet")
        if not self.outcomes:
            self.outcomes.append(self._validate(ARTICLE_SCHEMA.empty_table()))
        evaluated = sum(o.evaluated for o in self.outcomes)
        table_level = sorted({name for o in self.outcomes for name in o.table_level})
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
            result={"chunks": [o.result for o in self.outcomes], "rows_rejected": self.invalid},
            evaluated=evaluated,
        )


def deployment(args: argparse.Namespace) -> RunnerDeployment:
    """The scheduled deployment `serve` runs: this flow, the options as parameters, a cron."""
    parameters = flow_parameters(args)
    parameters["fields"] = vars(parameters["fields"])
    # to_deployment returns a coroutine only when called from async code.
    served: RunnerDeployment = build_dataset.to_deployment(  # type: ignore[assignment]
        name=args.name,
        cron=args.cron,
        parameters=parameters,
        description="Clean the crawled news under input_dir and publish the dataset to output_dir.",
        tags=["newsclean"],
    )
    return served


def embedded_api() -> EmbeddedApi | None:
    """The embedded Prefect API this run uses, or None when Prefect is configured with a server
    (PREFECT_API_URL in the environment or in the active Prefect profile)."""
    if PREFECT_API_URL.value():
        if _EARLY_API is not None:
            _EARLY_API.stop()
        return None
    return launch()


def _import_while_api_boots() -> None:
    """Import now what the run needs once Prefect's API is up, so that it overlaps the API's
    start: Great Expectations (two seconds), and the encoder Prefect imports when it creates
    the flow run (a quarter of a second)."""
    import_gx()
    importlib.import_module("fastapi.encoders")


def _embedded_api_settings(url: str) -> dict[Any, Any]:
    """Prefect settings for a run on the embedded API. No flow-run heartbeats: they let a server
    mark a run whose process died as crashed, and this server dies with the process; without
    them the run also ends at once instead of waiting up to a second for the heartbeat thread."""
    return {PREFECT_API_URL: url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not gc.isenabled():  # paused for the imports (above): what they made lives to the end
        gc.freeze()
        gc.enable()
    if argv[:1] == ["inspect"]:
        return inspect_command(parse_inspect_args(argv[1:]))
    if argv[:1] == ["serve"]:
        return serve_command(parse_serve_args(argv[1:]))
    args = parse_args(argv)
    show_progress_lines()
    logging.getLogger("EventsWorker").addFilter(DRAIN_NOTICE)
    runner = task_runner(args.workers, args.dask_address)
    api = embedded_api()
    parameters = flow_parameters(args)
    options = RunOptions(**{name: value for name, value in parameters.items() if name != "workers"})
    try:
        with output_lock(Path(options.output_dir)):
            # While Prefect's API boots: plan the run and start cleaning in the local pool.
            begun = begin_run(options, hash_files_in_parallel(parameters["workers"]))
            if not begun.plan.to_process:
                parameters["workers"] = 1  # nothing to clean: no worker processes, no language data
            with local_pool(parameters["workers"]):
                head_start(begun)
                threading.Thread(target=_import_while_api_boots, daemon=True).start()
                settings = _embedded_api_settings(api.wait()) if api else {}
                with temporary_settings(updates=settings):
                    state: State = build_dataset.with_options(task_runner=runner)(
                        **parameters, return_state=True
                    )
                    for handler in PROGRESS_LOG.handlers:
                        handler.flush()  # progress lines still queued for the API, while it runs
    except OutputLocked as err:
        print(f"build failed: {err}", file=sys.stderr)
        return 1
    if not state.is_completed():
        print(f"build failed: {state.message}", file=sys.stderr)
        return 1
    print(state.result().render())
    return 0


def serve_command(args: argparse.Namespace) -> int:
    """Serve the deployment until interrupted: Prefect starts a run at every tick of the cron."""
    from prefect import serve

    show_progress_lines()
    api = embedded_api()
    if api:
        print(
            "PREFECT_API_URL is not set: serving with an embedded API that lives as long as this "
            "command (no UI). Start `prefect server start` and set PREFECT_API_URL to see the runs.",
            file=sys.stderr,
        )
    settings = _embedded_api_settings(api.wait()) if api else {}
    with temporary_settings(updates=settings):
        serve(deployment(args))
    return 0


def inspect_command(args: argparse.Namespace) -> int:
    from flows.inspection import NotFound, render

    try:
        print(render(args.output, args.doc_id, args.input))
    except NotFound as err:
        print(err, file=sys.stderr)
        return 1
    except BrokenPipeError:  # piped into `head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


class _ProgressLines(logging.StreamHandler):  # type: ignore[type-arg]
    """Progress lines on stderr (Prefect adds its own handler that sends them to the API).
    Always the current sys.stderr, not the one of the first run in this process (which a
    caller, a test capturing output say, may have closed since)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


def show_progress_lines() -> None:
    """Progress lines on stderr when it is not a terminal (a terminal gets a bar instead)."""
    if not sys.stderr.isatty() and not any(isinstance(h, _ProgressLines) for h in PROGRESS_LOG.handlers):
        handler = _ProgressLines(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        PROGRESS_LOG.addHandler(handler)


class _DrainNotice(logging.Filter):
    """Drops the "Still processing items" notice of Prefect's event worker. It comes when the
    process ends right after the run's last events (the report's artifacts): the worker sends
    them before the process exits, and says so as a warning that looks like trouble."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Still processing items")


DRAIN_NOTICE = _DrainNotice()  # one instance: a logger adds a filter it already has only once


def exit_now(code: int) -> None:
    """Exit without freeing the word lists and language profiles object by object, which
    takes Python about 2 s at shutdown: run the exit handlers (Prefect sends its last events
    and logs, the embedded API stops), flush, and end the process."""
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
