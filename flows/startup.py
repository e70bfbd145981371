"""How a command-line run starts fast, and ends fast.

Most of a small build's time is fixed cost: Prefect's API server boots (about 3 s), Prefect,
Great Expectations and the language data are imported, and at exit Python frees what they
made object by object. Each measure below overlaps or skips one of those waits. The entry
point (flows/build.py) applies the first three in one call, `start_fast`, before it imports
anything heavy; the command (flows/cli.py) uses the others on its way.

1. Early API: the embedded Prefect API server (flows/embedded_api.py) is launched first, so
   it boots while everything else is imported; `embedded_api` hands it to the run, or stops it
   when PREFECT_API_URL names a server.
2. Collector pause: imports create hundreds of thousands of objects, and every garbage
   collection walks all of them again. The collector is paused for the imports, and what they
   made is frozen out of later collections (`imports_done`): it lives to the end anyway.
3. Up-to-date check: a build whose input files, code and options match the published run
   ends at once, before Prefect is imported (`up_to_date`); a listing that found changes is
   kept for the run's plan (`take_listing`).
4. Head start: while the API boots, the run is planned and its buckets start being cleaned in
   the worker pool (`head_start`); the flow takes the plan and the work over (`take_head_start`).
5. Imports while the API boots: Great Expectations (two seconds) and the encoder Prefect
   imports when it creates the flow run (`import_while_api_boots`).
6. Fast exit: the process ends without freeing its word lists and language profiles (`exit_now`,
   about 2 s).

On an empty input folder a run takes about 4 s from command to published (empty) dataset;
before these measures it took 7-10 s (bench/README.md has the history). This module imports
only the standard library and flows/embedded_api.py when it loads, so that the API launches
before anything else is imported; the rest is imported where it is used.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows.embedded_api import EmbeddedApi, launch

if TYPE_CHECKING:
    from flows.build import RunOptions, RunStart
    from flows.sources import SourceList

COMMANDS = ("serve", "inspect")

_early_api: EmbeddedApi | None = None
_head_start: RunStart | None = None
_listings: dict[str, SourceList] = {}


def start_fast(argv: list[str]) -> None:
    """Launch the embedded API, pause the collector for the imports that follow, and end the
    process here when a build would publish what is already published (measures 1-3)."""
    global _early_api
    if argv[:1] != ["inspect"]:
        _early_api = launch(schedules=argv[:1] == ["serve"])
    gc.disable()
    message = up_to_date(argv, keep_listing=True)
    if message:
        print(message)
        exit_now(0)


def imports_done() -> None:
    """Resume the collector paused by `start_fast`; what the imports made is frozen out of it."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def embedded_api(schedules: bool = False) -> EmbeddedApi | None:
    """The embedded Prefect API this run uses (with `schedules`, one that makes the runs of
    schedules, for `serve`), or None when Prefect is configured with a server (PREFECT_API_URL
    in the environment or in the active Prefect profile)."""
    global _early_api
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        if _early_api is not None:
            _early_api.stop()
            _early_api = None
        return None
    return launch(schedules)


def api_settings(url: str) -> dict[Any, Any]:
    """Prefect settings for a run on the embedded API. No flow-run heartbeats: they let a server
    mark a run whose process died as crashed, and this server dies with the process; without
    them the run also ends at once instead of waiting up to a second for the heartbeat thread."""
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY

    return {PREFECT_API_URL: url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}


def up_to_date(argv: list[str], keep_listing: bool = False) -> str | None:
    """A message when a build with these options would publish what is already published: the
    same files (paths, sizes, modification times), code and options. None otherwise, and for
    the other commands. It reads only file metadata, so it takes a fraction of a second where
    starting Prefect takes seconds. With `keep_listing`, a listing that found changes is kept
    for `take_listing` (by the command, whose build follows at once)."""
    if argv[:1] and argv[0] in COMMANDS:
        return None
    # Imported here, once the API is launched: they load while it boots.
    from flows.cli import PROJECT_ROOT, fields_of, parse_args
    from flows.files import published_run
    from flows.incremental import Manifest, run_config, same_files, set_aside_entries
    from flows.sources import list_sources

    args = parse_args(argv)
    published = published_run(args.output.resolve())
    if args.full_refresh or published is None or not (published / "articles").is_dir():
        return None
    manifest = Manifest.load(published)
    config = run_config(
        PROJECT_ROOT, args.batch_size, fields_of(args), args.max_invalid_share,
        (args.near_duplicate_threshold, args.drop_near_duplicates),
    )  # fmt: skip
    if manifest.config != config.run or manifest.input_dir != str(args.input.resolve()):
        return None
    sources = list_sources(args.input)
    if not same_files(sources, manifest.files()) or set_aside_entries(sources) != manifest.set_aside:
        if keep_listing:
            _listings[str(args.input.resolve())] = sources
        return None
    return (
        f"up to date: nothing changed since the published run {published.name} (same {len(sources)} "
        f"input files, code and options); the dataset in {args.output} stands. "
        "Use --full-refresh to build it again."
    )


def take_listing(input_root: Path) -> SourceList | None:
    """The listing of `input_root` that `up_to_date` kept, once: the run's plan starts from it
    instead of listing the folder again (ten seconds for a million files)."""
    return _listings.pop(str(input_root.resolve()), None)


def head_start(begun: RunStart) -> None:
    """Start cleaning a planned run's buckets in the local pool while Prefect's API boots; the
    flow, called next with the same options, takes the plan and the work over."""
    global _head_start
    from flows.worker import start_early

    options = begun.options
    start_early(
        options.input_dir, begun.plan.to_process, str(begun.run_dir), options.fields, begun.today,
        options.batch_size,
    )  # fmt: skip
    _head_start = begun


def take_head_start(options: RunOptions) -> RunStart | None:
    """The run `head_start` began, once, if it was begun with these options."""
    global _head_start
    begun, _head_start = _head_start, None
    return begun if begun is not None and begun.options == options else None


def import_while_api_boots() -> None:
    """Import now what the run needs once Prefect's API is up, so that it overlaps the API's
    start: Great Expectations (two seconds), and the encoder Prefect imports when it creates
    the flow run (a quarter of a second)."""
    from expectations.deferred_imports import import_gx

    import_gx()
    importlib.import_module("fastapi.encoders")


def exit_now(code: int) -> None:
    """Exit without freeing the word lists and language profiles object by object, which
    takes Python about 2 s at shutdown: run the exit handlers (Prefect sends its last events
    and logs, the embedded API stops), flush, and end the process."""
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
