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
   Expectations suite validates the articles chunk by chunk; then near-duplicates and stories
   are found over every article (flows/article_index.py) and written into the parts;
4. publish the run atomically (flows/files.py), or leave the published dataset as it was.

Tasks run in parallel processes (one per core), or on a Dask cluster with --dask-address.
Memory stays flat: a task holds one chunk of documents, the flow holds one chunk of rows.
The command line is flows/cli.py; run as a command, steps 1 and the start of 2 happen while
Prefect's API server boots, and the flow takes the plan and the work in progress over
(flows/startup.py says how a run starts fast).
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import sys
import time
import uuid
from concurrent.futures import Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Defaults for a quiet, self-contained batch run; anything set in the environment wins.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Progress lines (flows/progress.py) reach the flow run's logs in Prefect's UI too.
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "newsclean")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")

if __name__ == "__main__":  # the command: start fast (flows/startup.py), then run it (flows/cli.py)
    from flows import startup

    startup.start_fast(sys.argv[1:])
    from flows.cli import main

    startup.exit_now(main())

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows.article_index import Relations, link_index
from flows.cli import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_INPUT,
    DEFAULT_MAX_INVALID_SHARE,
    DEFAULT_OUTPUT,
    PROJECT_ROOT,
)
from flows.files import (
    OutputLocked,
    discard_run,
    is_no_space,
    new_run_dir,
    no_space_message,
    output_lock,
    publish,
    published_run,
    remove_unpublished,
    write_json,
)
from flows.incremental import Bucket, HashFiles, Plan, hash_files, plan_run, run_config
from flows.partitions import link_partitions
from flows.progress import Progress
from flows.report import RunSummary, draw_charts, publish_artifacts, write_dataset_card
from flows.run_checks import RunChecker, ValidationFailed
from flows.sources import Fields, escaped_path
from flows.startup import take_head_start, take_listing
from flows.worker import BucketParts, clean_bucket, ensure_pool, run_cpu_bound, submit_cpu_bound, take_early
from transforms.document import Rejected
from transforms.near_duplicates import DEFAULT_THRESHOLD


def task_runner(workers: int, dask_address: str | None) -> TaskRunner[Any]:
    """Tasks on a Dask cluster when an address is given. Locally, tasks are threads that hand
    their CPU work to the worker processes of `flows.worker.local_pool`: Prefect itself stays in
    one process, with one embedded API. There are twice as many task threads as workers, so
    that a worker finds the next batch queued while Prefect records the one it just finished."""
    if dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=dask_address)
    return ThreadPoolTaskRunner(max_workers=2 * workers)


@dataclass(frozen=True)
class NoSpace:
    """A bucket's task found the disk full: no retry will help, so it says so instead of raising."""

    detail: str


@task(retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def process_bucket(
    input_dir: str, bucket: Bucket, run_dir: str, fields: Fields, today: dt.date, chunk_size: int
) -> BucketParts | NoSpace:
    """Read, clean and write one bucket, in the local process pool or (on a Dask worker) here,
    unless the command line started it early. A retry rewrites its parts from the start."""
    try:
        early = take_early(bucket, run_dir, today)
        if early is not None:
            return early
        return run_cpu_bound(clean_bucket, input_dir, bucket, run_dir, fields, today, chunk_size)
    except OSError as err:
        if is_no_space(err):
            return NoSpace(str(err))
        raise


@flow(name="build-news-dataset", task_runner=task_runner(os.cpu_count() or 1, None))
def build_dataset(
    input_dir: str = str(DEFAULT_INPUT),
    output_dir: str = str(DEFAULT_OUTPUT),
    batch_size: int = DEFAULT_BATCH_SIZE,
    full_refresh: bool = False,
    fields: Fields | None = None,
    max_invalid_share: float = DEFAULT_MAX_INVALID_SHARE,
    workers: int = 1,
    near_duplicate_threshold: float = DEFAULT_THRESHOLD,
    drop_near_duplicates: bool = False,
) -> RunSummary:
    """Clean every input under `input_dir` and publish the dataset to `output_dir`, with
    `workers` processes (the command line starts them before the flow, a deployment here)."""
    with ensure_pool(workers):
        options = RunOptions(
            input_dir, output_dir, batch_size, full_refresh, fields or Fields(), max_invalid_share,
            near_duplicate_threshold, drop_near_duplicates,
        )  # fmt: skip
        return _build(options)


def _build(options: RunOptions) -> RunSummary:
    input_dir, fields, batch_size = options.input_dir, options.fields, options.batch_size
    output_root = Path(options.output_dir)
    run_dir: Path | None = None
    pending: dict[str, Any] = {}
    charts: Future[list[tuple[str, str]]] | None = None
    relating: Future[Relations] | None = None
    try:
        with output_lock(output_root):
            head_started = take_head_start(options)
            begun = head_started or begin_run(options)
            plan, run_dir, today = begun.plan, begun.run_dir, begun.today
            summary = RunSummary(input_dir, options.output_dir, run_id=run_dir.name)
            stage = StageClock(summary.stage_seconds, since=begun.started)
            stage.done("list and hash inputs", at=begun.planned)
            if head_started:
                stage.done("start Prefect")  # while the first buckets were being cleaned

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

            checker = RunChecker(run_dir, today, options.max_invalid_share)
            checker.add_rejects(
                [
                    Rejected(escaped_path(path), "duplicate", "read", f"same bytes as {escaped_path(first)}")
                    for path, first in plan.copies
                ]
                + [
                    Rejected(escaped_path(path), reason, "list", detail)
                    for path, reason, detail in plan.manifest.set_aside
                ],
                "part-listing.parquet",
            )
            with Progress(sum(b.size for b in plan.buckets), len(plan.buckets)) as progress:
                for bucket in plan.buckets:
                    done = parts.get(bucket.key) or pending[bucket.key].result()
                    if isinstance(done, NoSpace):
                        raise OSError(errno.ENOSPC, done.detail)
                    manifest.buckets[bucket.key] = checker.check(done)
                    progress.advance(bucket.size)
            stage.done("clean and check", minus=checker.validation_seconds)
            validated = checker.validation_seconds  # the step validates what is pending first
            relating = checker.start_relating(options.near_duplicate_threshold, options.drop_near_duplicates)
            checker.validate_pending()  # every row counted: a worker draws the charts meanwhile
            if not options.drop_near_duplicates:  # (dropped copies would leave the counts)
                counts = (checker.articles, checker.languages, checker.days)
                charts = submit_cpu_bound(draw_charts, *counts, run_dir)
            checker.finish_relating()
            drawn = charts.result() if charts else None
            stage.done("near-duplicates and stories", minus=checker.validation_seconds - validated)
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
                discard_run(run_dir, keep=("validation",))  # the result the message points at
                raise ValidationFailed(outcome.failed, result_path, docs)
            manifest.save(run_dir)
            summary.data_docs = str(output_root / "validation" / "docs" / "index.html")
            summary.seconds = time.monotonic() - begun.started
            write_dataset_card(summary, run_dir, drawn)
            publish(output_root, run_dir)
            stage.done("report and publish")
    except (ValidationFailed, OutputLocked) as err:
        return Failed(message=str(err))  # type: ignore[return-value]
    except BaseException as err:  # nothing published: the run's snapshot goes, once its tasks end
        message = no_space_message(output_root) if is_no_space(err) else None
        for future in pending.values():
            future.wait()
        if charts is not None:
            wait([charts])
        if relating is not None:
            wait([relating])
        if run_dir is not None:
            discard_run(run_dir)
        if message:
            return Failed(message=message)  # type: ignore[return-value]
        raise
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
    near_duplicate_threshold: float = DEFAULT_THRESHOLD
    drop_near_duplicates: bool = False


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
    remove_unpublished(Path(options.output_dir))
    o = options
    near = (o.near_duplicate_threshold, o.drop_near_duplicates)
    config = run_config(PROJECT_ROOT, o.batch_size, o.fields, o.max_invalid_share, near)
    output_root = Path(options.output_dir)
    previous_run = published_run(output_root)
    run_dir = new_run_dir(output_root, f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}")
    input_root = Path(options.input_dir)
    plan = plan_run(
        input_root, run_dir, previous_run, config, options.batch_size, options.full_refresh,
        take_listing(input_root), hash_files,
    )  # fmt: skip
    return RunStart(options, plan, run_dir, dt.date.today(), started, time.monotonic())


def _reuse(plan: Plan, run_dir: Path, bucket: Bucket) -> BucketParts:
    """Link an unchanged bucket's parts from the published run into the new one."""
    previous_run, entry = plan.previous_run, plan.reusable[bucket.key]
    assert previous_run is not None  # a bucket is reusable only from a published run
    for folder, name in (("articles", entry["articles"]), ("rejects", entry["rejects"])):
        if name:
            os.link(previous_run / folder / name, run_dir / folder / name)
    if entry["articles"]:
        link_partitions(previous_run, run_dir, entry["articles"])
        link_index(previous_run, run_dir, entry["articles"])
    return BucketParts(
        bucket.key, bucket.signature, entry["articles"], entry["rejects"], entry.get("skipped", {})
    )
