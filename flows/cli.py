"""The command line: options of a build, of `serve` and of `inspect`, and the check that lets
a build with nothing to do end before Prefect starts.

`build.py` imports it while Prefect's embedded API boots, and runs `up_to_date` before it
imports Prefect itself.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from flows.files import published_run
from flows.incremental import Manifest, run_config, same_files
from flows.sources import Fields, SourceList, list_sources

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INPUT = PROJECT_ROOT / "seeds"
DEFAULT_OUTPUT = PROJECT_ROOT / "output"
DEFAULT_BATCH_SIZE = 500
DEFAULT_MAX_INVALID_SHARE = 0.05
DEPLOYMENT_NAME = "nightly"
DEFAULT_CRON = "0 3 * * *"  # every day at 03:00 UTC
COMMANDS = ("serve", "inspect")


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
        "and shards (.jsonl, .jsonl.gz, .parquet) of many records (default: seeds/)",
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
    }


_listings: dict[str, SourceList] = {}


def take_listing(input_root: Path) -> SourceList | None:
    """The listing of `input_root` that `up_to_date` kept, once: the run's plan starts from it
    instead of listing the folder again (ten seconds for a million files)."""
    return _listings.pop(str(input_root.resolve()), None)


def up_to_date(argv: list[str], keep_listing: bool = False) -> str | None:
    """A message when a build with these options would publish what is already published: the
    same files (paths, sizes, modification times), code and options. None otherwise, and for
    the other commands. It reads only file metadata, so it takes a fraction of a second where
    starting Prefect takes seconds. With `keep_listing`, a listing that found changes is kept
    for `take_listing` (by the command, whose build follows at once)."""
    if argv[:1] and argv[0] in COMMANDS:
        return None
    args = parse_args(argv)
    published = published_run(args.output.resolve())
    if args.full_refresh or published is None or not (published / "articles").is_dir():
        return None
    manifest = Manifest.load(published)
    config = run_config(PROJECT_ROOT, args.batch_size, fields_of(args), args.max_invalid_share)
    if manifest.config != config or manifest.input_dir != str(args.input.resolve()):
        return None
    sources = list_sources(args.input)
    if not same_files(sources, manifest.files()):
        if keep_listing:
            _listings[str(args.input.resolve())] = sources
        return None
    return (
        f"up to date: nothing changed since the published run {published.name} (same {len(sources)} "
        f"input files, code and options); the dataset in {args.output} stands. "
        "Use --full-refresh to build it again."
    )
