"""Build the clean news dataset: raw crawled text in, validated Parquet out.

    python flows/build.py                       # seeds/ -> output/
    python flows/build.py --input DIR --output DIR

Runs as a Prefect flow. Without PREFECT_API_URL, Prefect starts an embedded (ephemeral) API for
the run, so no server is needed; with PREFECT_API_URL set, the run is reported to that server.

Stages: list inputs → count lines recurring across (a sample of) the corpus → read batches
(retried I/O) → clean batches (transforms.document) →
drop exact duplicates → write a run snapshot → validate with Great Expectations → publish
atomically (see flows/files.py). Tasks always work on batches of documents, never one task
per document: a task run costs Prefect about 10 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# Defaults for a quiet, self-contained batch run; anything set in the environment wins.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed, State

from expectations.suite import ValidationOutcome, validate_articles
from flows.columns import articles_table, rejects_table
from flows.files import (
    OutputLocked,
    ReadResult,
    list_inputs,
    new_run_dir,
    output_lock,
    publish,
    read_input,
    write_json,
    write_parquet,
)
from transforms.corpus import (
    MIN_CORPUS_DOCUMENTS,
    SAMPLE_DOCUMENTS,
    RepeatedLines,
    count_documents_per_line,
    document_fingerprints,
)
from transforms.document import Article, Rejected, process_document

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INPUT = PROJECT_ROOT / "seeds"
DEFAULT_OUTPUT = PROJECT_ROOT / "output"
DEFAULT_BATCH_SIZE = 500


class ValidationFailed(RuntimeError):
    """The run's table broke the expectation suite; nothing was published."""

    def __init__(self, failed: list[str], result_path: Path) -> None:
        lines = "\n".join(f"  - {name}" for name in failed)
        super().__init__(
            f"validation failed, nothing published; failed expectations:\n{lines}\n"
            f"  full result: {result_path}"
        )
        self.failed = failed
        self.result_path = result_path


@dataclass
class RunSummary:
    """What a run did, for the terminal and for callers."""

    input_dir: str
    output_dir: str
    documents: int = 0
    articles: int = 0
    rejects: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    with_artifacts: int = 0
    validation: str = "not run"
    seconds: float = 0.0

    def render(self) -> str:
        rejects = ", ".join(f"{k} {v}" for k, v in sorted(self.rejects.items())) or "none"
        languages = ", ".join(f"{k} {v}" for k, v in self.languages.most_common()) or "none"
        return "\n".join(
            [
                f"documents read:   {self.documents} from {self.input_dir}",
                f"articles written: {self.articles} ({self.with_artifacts} with translation artifacts)",
                f"rejects:          {sum(self.rejects.values())} ({rejects})",
                f"languages:        {languages}",
                f"validation:       {self.validation}",
                f"output:           {self.output_dir}/articles, {self.output_dir}/rejects",
                f"time:             {self.seconds:.1f} s",
            ]
        )


@task(retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def read_batch(input_dir: str, paths: list[str]) -> list[ReadResult]:
    """Read a batch of input files (I/O; transient errors are retried)."""
    root = Path(input_dir)
    return [read_input(root, path) for path in paths]


@task(cache_policy=NO_CACHE)
def count_batch(files: list[ReadResult]) -> Counter[int]:
    """First pass: in how many documents of the batch each line occurs."""
    return count_documents_per_line(document_fingerprints(f.raw) for f in files if f.raw is not None)


@task(cache_policy=NO_CACHE)
def clean_batch(files: list[ReadResult], today: dt.date, repeated: RepeatedLines) -> list[Article | Rejected]:
    """Turn a batch of raw files into articles and rejects (pure CPU work)."""
    out: list[Article | Rejected] = []
    for item in files:
        if item.raw is None:
            out.append(Rejected(item.source_path, "unreadable", "read", item.error or ""))
        else:
            out.append(process_document(item.raw, item.source_path, today, repeated))
    return out


def find_repeated_lines(input_root: Path, paths: list[str], batch_size: int) -> RepeatedLines:
    """The corpus evidence: lines recurring across a sample of the input (transforms/corpus.py)."""
    if len(paths) < MIN_CORPUS_DOCUMENTS:
        return RepeatedLines()
    sample = paths[:: -(-len(paths) // SAMPLE_DOCUMENTS)]
    reads = [read_batch.submit(str(input_root), batch) for batch in batched(sample, batch_size)]
    counts = [count_batch.submit(read) for read in reads]  # type: ignore[call-overload]
    return RepeatedLines.from_counts(sum((c.result() for c in counts), Counter()))


def batched(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


@task(cache_policy=NO_CACHE)
def validate_batch(articles: list[Article], today: dt.date) -> ValidationOutcome:
    """Run the expectation suite on the run's articles table."""
    return validate_articles(articles_table(articles).to_pandas(), today)


def drop_duplicates(results: list[Article | Rejected]) -> list[Article | Rejected]:
    """Exact copies of a file (same bytes, same doc_id) are kept once, at the first path."""
    first_path: dict[str, str] = {}
    out: list[Article | Rejected] = []
    for result in results:
        if isinstance(result, Article):
            if result.doc_id in first_path:
                out.append(
                    Rejected(result.source_path, "duplicate", "clean",
                             f"same bytes as {first_path[result.doc_id]}", result.doc_id)
                )  # fmt: skip
                continue
            first_path[result.doc_id] = result.source_path
        out.append(result)
    return out


@flow(name="build-news-dataset")
def build_dataset(
    input_dir: str = str(DEFAULT_INPUT),
    output_dir: str = str(DEFAULT_OUTPUT),
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> RunSummary:
    """Clean every file under `input_dir` and publish the dataset to `output_dir`."""
    started = time.monotonic()
    today = dt.date.today()
    input_root, output_root = Path(input_dir), Path(output_dir)
    summary = RunSummary(str(input_dir), str(output_dir))
    paths = list_inputs(input_root)
    summary.documents = len(paths)
    repeated = find_repeated_lines(input_root, paths, batch_size)
    reads = [read_batch.submit(str(input_root), batch) for batch in batched(paths, batch_size)]
    # Prefect hands each read's result to its clean task once the read is done.
    cleaned = [clean_batch.submit(read, today, repeated) for read in reads]  # type: ignore[call-overload]
    results = drop_duplicates([r for future in cleaned for r in future.result()])
    articles = [r for r in results if isinstance(r, Article)]
    rejects = [r for r in results if isinstance(r, Rejected)]

    try:
        with output_lock(output_root):
            run_dir = new_run_dir(output_root, f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}")
            write_parquet(articles_table(articles), run_dir / "articles" / "part-00000.parquet")
            write_parquet(rejects_table(rejects), run_dir / "rejects" / "part-00000.parquet")
            outcome = validate_batch(articles, today)
            result_path = run_dir / "validation" / "result.json"
            write_json(outcome.result, result_path)
            if not outcome.success:
                raise ValidationFailed(outcome.failed, result_path)
            publish(output_root, run_dir)
    except (ValidationFailed, OutputLocked) as err:
        return Failed(message=str(err))  # type: ignore[return-value]

    summary.articles = len(articles)
    summary.rejects = Counter(r.reason for r in rejects)
    summary.languages = Counter(a.language for a in articles)
    summary.with_artifacts = sum(1 for a in articles if a.translation_artifacts)
    summary.validation = f"passed ({outcome.evaluated} rows, result in {output_dir}/validation)"
    summary.seconds = time.monotonic() - started
    return summary


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python flows/build.py",
        description="Turn a folder of raw crawled news text into a clean, validated Parquet dataset.",
        epilog="Runs Prefect in embedded mode unless PREFECT_API_URL points at a server.",
    )
    parser.add_argument(
        "--input", type=Path, default=DEFAULT_INPUT,
        help="folder of raw documents, read recursively, any encoding (default: seeds/)",
    )  # fmt: skip
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT,
        help="folder to publish articles/, rejects/ and validation/ into (default: output/)",
    )  # fmt: skip
    parser.add_argument(
        "--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
        help=f"documents per Prefect task (default: {DEFAULT_BATCH_SIZE})",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if not args.input.is_dir():
        parser.error(f"--input {args.input}: not a folder")
    if args.batch_size < 1:
        parser.error("--batch-size must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    state: State = build_dataset(
        input_dir=str(args.input.resolve()),
        output_dir=str(args.output.resolve()),
        batch_size=args.batch_size,
        return_state=True,
    )
    if not state.is_completed():
        print(f"build failed: {state.message}", file=sys.stderr)
        return 1
    print(state.result().render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
