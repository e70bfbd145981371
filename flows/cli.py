"""The command line: a build (the default command), `serve` and `inspect`, and their options.

    python flows/build.py [build options]          # one run (flows/build.py is the entry point)
    python flows/build.py serve [options] [--cron]  # the scheduled Prefect deployment
    python flows/build.py inspect DOC_ID            # one document, line by line

It loads light: the start-up check (flows/startup.py) parses a build's options here before
Prefect is imported; `main` imports the flow itself (flows/build.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows import startup
from flows.sources import Fields
from transforms.near_duplicates import DEFAULT_THRESHOLD

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INPUT = PROJECT_ROOT / "seeds"
DEFAULT_OUTPUT = PROJECT_ROOT / "output"
DEFAULT_BATCH_SIZE = 500
DEFAULT_MAX_INVALID_SHARE = 0.05
DEPLOYMENT_NAME = "nightly"
DEFAULT_CRON = "0 3 * * *"  # every day at 03:00 UTC


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Options of a build (the default command)."""
    parser = _options_parser(
        "python flows/build.py",
        "Turn a folder of raw crawled news text into a clean, validated Parquet dataset.",
    )
    return _checked(parser, parser.parse_args(argv))


def parse_serve_args(argv: list[str]) -> argparse.Namespace:
    """Options of `serve`: a build's options, and the schedule."""
    parser = _options_parser(
        "python flows/build.py serve",
        "Serve the build as a Prefect deployment that runs on a cron schedule with these options.",
    )
    parser.add_argument("--cron", default=DEFAULT_CRON, help=f"schedule, UTC (default: '{DEFAULT_CRON}')")
    parser.add_argument(
        "--name", default=DEPLOYMENT_NAME, help=f"deployment name (default: {DEPLOYMENT_NAME})"
    )
    args = _checked(parser, parser.parse_args(argv))
    if args.dask_address:
        parser.error("a served deployment runs its tasks on this machine; --dask-address is for one-off runs")
    return args


def parse_inspect_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python flows/build.py inspect",
        description="Show one document: its raw input line by line with what the flow did to each "
        "line, and its cleaned text with the translation artifacts marked.",
    )
    parser.add_argument("doc_id", help="the doc_id of an article or a reject")
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="published dataset (default: output/)"
    )
    parser.add_argument("--input", type=Path, help="input folder (default: the one the run read)")
    return parser.parse_args(argv)


def _options_parser(prog: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description=description,
        epilog="Runs Prefect in embedded mode unless PREFECT_API_URL points at a server. "
        "Other commands: 'serve' (a scheduled Prefect deployment), 'inspect DOC_ID' (one document).",
    )
    parser.add_argument(
        "--input", type=Path, default=DEFAULT_INPUT,
        help="folder of raw documents, read recursively: text files in any encoding, .txt.gz, "
        "shards of many records (.jsonl, .json, .csv, .tsv, gzipped too, .parquet), HTML pages and "
        "WARC/WET archives (default: seeds/)",
    )  # fmt: skip
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT,
        help="folder to publish articles/, rejects/, validation/ and the dataset card into "
        "(default: output/)",
    )  # fmt: skip
    parser.add_argument(
        "--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
        help=f"documents per Prefect task and per cleaning chunk (default: {DEFAULT_BATCH_SIZE})",
    )  # fmt: skip
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1,
        help="parallel worker processes on this machine (default: one per core)",
    )  # fmt: skip
    parser.add_argument(
        "--dask-address", default=os.environ.get("NEWSCLEAN_DASK_ADDRESS"), metavar="ADDRESS",
        help="run the tasks on this Dask cluster, e.g. tcp://host:8786 (or set "
        "NEWSCLEAN_DASK_ADDRESS); input and output must then be paths the workers see too",
    )  # fmt: skip
    parser.add_argument(
        "--max-invalid-share", type=float, default=DEFAULT_MAX_INVALID_SHARE, metavar="SHARE",
        help="rows that break an expectation go to rejects; more than this share of them fails "
        f"the run (default: {DEFAULT_MAX_INVALID_SHARE})",
    )  # fmt: skip
    parser.add_argument(
        "--near-duplicate-threshold", type=float, default=DEFAULT_THRESHOLD, metavar="JACCARD",
        help="articles whose word sets are at least this similar are near-duplicates: "
        f"near_duplicate_of names the original (default: {DEFAULT_THRESHOLD})",
    )  # fmt: skip
    parser.add_argument(
        "--drop-near-duplicates", action="store_true",
        help="move the copies to rejects (near_duplicate, the original's doc_id in detail) "
        "instead of marking them",
    )  # fmt: skip
    parser.add_argument(
        "--full-refresh", action="store_true",
        help="process every input again, even the ones the published run already has",
    )  # fmt: skip
    for name in ("text", "title", "url", "date"):
        parser.add_argument(
            f"--{name}-field", default=name, metavar="NAME",
            help=f"field of JSONL/Parquet records holding the {name} (default: {name})",
        )  # fmt: skip
    return parser


def _checked(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.Namespace:
    if not args.input.is_dir():
        parser.error(f"--input {args.input}: not a folder")
    if args.batch_size < 1 or args.workers < 1:
        parser.error("--batch-size and --workers must be at least 1")
    if not 0 < args.near_duplicate_threshold <= 1:
        parser.error("--near-duplicate-threshold must be above 0 and at most 1")
    if not 0 <= args.max_invalid_share <= 1:
        parser.error("--max-invalid-share must be between 0 and 1")
    output, input_dir = args.output.resolve(), args.input.resolve()
    if output.exists() and not output.is_dir():
        parser.error(f"--output {args.output}: not a folder")
    if output == input_dir or output.is_relative_to(input_dir):
        parser.error(f"--output {args.output} is inside --input {args.input}: runs would read their output")
    return args


def fields_of(args: argparse.Namespace) -> Fields:
    return Fields(args.text_field, args.title_field, args.url_field, args.date_field)


def flow_parameters(args: argparse.Namespace) -> dict[str, Any]:
    """The flow's parameters from the command-line options (one mapping for runs and deployments)."""
    return {
        "input_dir": str(args.input.resolve()),
        "output_dir": str(args.output.resolve()),
        "batch_size": args.batch_size,
        "full_refresh": args.full_refresh,
        "fields": fields_of(args),
        "max_invalid_share": args.max_invalid_share,
        "workers": 1 if args.dask_address else args.workers,
        "near_duplicate_threshold": args.near_duplicate_threshold,
        "drop_near_duplicates": args.drop_near_duplicates,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the command `argv` names (a build by default); the process's exit code."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] != ["inspect"]:
        import flows.build  # noqa: F401  (Prefect and the flow: imported before the collector resumes)
    startup.imports_done()
    if argv[:1] == ["inspect"]:
        return inspect_command(parse_inspect_args(argv[1:]))
    if argv[:1] == ["serve"]:
        return serve_command(parse_serve_args(argv[1:]))
    return build_command(parse_args(argv))


def build_command(args: argparse.Namespace) -> int:
    """One run of the flow, started fast (flows/startup.py): while Prefect's API boots, the run
    is planned and its first buckets are cleaned; the flow takes the plan and the work over."""
    from prefect.settings import temporary_settings

    from flows import build
    from flows.files import OutputLocked, is_no_space, no_space_message, output_lock
    from flows.progress import LOGGER as PROGRESS_LOG
    from flows.worker import hash_files_in_parallel, local_pool

    show_progress_lines()
    logging.getLogger("EventsWorker").addFilter(DRAIN_NOTICE)
    runner = build.task_runner(args.workers, args.dask_address)
    api = startup.embedded_api()
    parameters = flow_parameters(args)
    options = build.RunOptions(**{name: value for name, value in parameters.items() if name != "workers"})
    try:
        with output_lock(Path(options.output_dir)):
            begun = build.begin_run(options, hash_files_in_parallel(parameters["workers"]))
            if not begun.plan.to_process:
                parameters["workers"] = 1  # nothing to clean: no worker processes, no language data
            with local_pool(parameters["workers"]):
                startup.head_start(begun)
                threading.Thread(target=startup.import_while_api_boots, daemon=True).start()
                settings = startup.api_settings(api.wait()) if api else {}
                with temporary_settings(updates=settings):
                    state = build.build_dataset.with_options(task_runner=runner)(
                        **parameters, return_state=True
                    )
                    for handler in PROGRESS_LOG.handlers:
                        handler.flush()  # progress lines still queued for the API, while it runs
    except OutputLocked as err:
        print(f"build failed: {err}", file=sys.stderr)
        return 1
    except OSError as err:  # the disk filled before the flow began (its own failures are states)
        if not is_no_space(err):
            raise
        print(f"build failed: {no_space_message(Path(options.output_dir))}", file=sys.stderr)
        return 1
    if not state.is_completed():
        print(f"build failed: {state.message}", file=sys.stderr)
        return 1
    print(state.result().render())
    return 0


def serve_command(args: argparse.Namespace) -> int:
    """Serve the deployment until interrupted: Prefect starts a run at every tick of the cron."""
    from prefect import serve
    from prefect.settings import temporary_settings

    show_progress_lines()
    api = startup.embedded_api(schedules=True)
    if api:
        print(
            "PREFECT_API_URL is not set: serving with an embedded API that lives as long as this "
            "command (no UI). Start `prefect server start` and set PREFECT_API_URL to see the runs.",
            file=sys.stderr,
        )
    settings = startup.api_settings(api.wait()) if api else {}
    with temporary_settings(updates=settings):
        serve(deployment(args))
    return 0


def deployment(args: argparse.Namespace) -> RunnerDeployment:
    """The scheduled deployment `serve` runs: the flow, the options as parameters, a cron."""
    from flows.build import build_dataset

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


def inspect_command(args: argparse.Namespace) -> int:
    """Print one document as the flow saw it."""
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
    from flows.progress import LOGGER as PROGRESS_LOG

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
