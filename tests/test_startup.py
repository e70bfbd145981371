"""Start-up (flows/startup.py): the up-to-date check, the collector paused for the imports, and
the private Prefect settings the embedded API relies on."""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import prefect
import pytest

import flows.cli
from flows.cli import main
from flows.embedded_api import SERVER_SETTINGS
from flows.startup import take_listing, up_to_date
from tests.conftest import ROOT, SEEDS


def test_a_command_with_nothing_to_do_ends_before_prefect_starts(tmp_path: Path) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(SEEDS, inp)
    build = [sys.executable, str(ROOT / "flows" / "build.py"), "--input", str(inp), "--output", str(out)]
    first = subprocess.run(build, capture_output=True, text=True, check=False)
    assert first.returncode == 0
    assert "Traceback" not in first.stderr and "Error" not in first.stderr, first.stderr  # a clean log
    published = (out / "current").resolve()

    again = subprocess.run(build, capture_output=True, text=True, check=False)
    assert again.returncode == 0 and again.stdout.startswith("up to date:"), again.stderr
    assert (out / "current").resolve() == published
    for changed_options in (["--batch-size", "7"], ["--max-invalid-share", "0.2"], ["--full-refresh"]):
        assert up_to_date(["--input", str(inp), "--output", str(out), *changed_options]) is None
    assert up_to_date(["inspect", "x"]) is None

    first = sorted(inp.iterdir())[0]
    os.utime(first, ns=(first.stat().st_atime_ns, first.stat().st_mtime_ns + 1_000_000_000))
    assert up_to_date(["--input", str(inp), "--output", str(out)]) is None
    (inp / "new.txt").write_bytes(first.read_bytes() + b"\nOne more sentence at the end of it.")
    assert take_listing(inp) is None  # kept only when asked, as the command does
    assert up_to_date(["--input", str(inp), "--output", str(out)], keep_listing=True) is None
    kept = take_listing(inp)
    assert kept is not None and "new.txt" in kept.paths and take_listing(inp) is None
    rebuilt = subprocess.run(build, capture_output=True, text=True, check=False)  # keeps and plans
    assert rebuilt.returncode == 0 and "documents read:   6" in rebuilt.stdout


@pytest.mark.parametrize("command", ["build", "serve", "inspect"])
def test_the_collector_paused_for_the_imports_runs_again(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run as a command, the imports run with the garbage collector off; the command itself
    must not (a build, or a `serve` that runs for months, would keep every reference cycle)."""
    (tmp_path / "in").mkdir()
    argv = ["--input", str(tmp_path / "in"), "--output", str(tmp_path / "out")]
    if command != "build":
        argv = [command]
        collecting = {"serve": "serve_command", "inspect": "inspect_command"}[command]
        monkeypatch.setattr(flows.cli, collecting, lambda _args: 0 if gc.isenabled() else 1)
        monkeypatch.setattr(flows.cli, f"parse_{command}_args", lambda argv: argv)
    gc.disable()
    try:
        assert main(argv) == 0
        assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


# Read by Prefect's server when it builds its app, from the environment: not part of Prefect's
# settings, so a release may drop them without notice.
PRIVATE_SETTINGS = [name for name in SERVER_SETTINGS if name.startswith("PREFECT__")]
_PROBE = """
import json, os
read = set()
getenv = os.getenv
def spy(key, default=None):
    read.add(key)
    return getenv(key, default)
os.getenv = spy
import prefect.server.api.server as server
server.create_app(ignore_cache=True)
print(json.dumps(sorted(read)))
"""


def test_prefect_still_reads_the_private_settings_the_embedded_api_sets(tmp_path: Path) -> None:
    """The embedded API (flows/embedded_api.py) starts Prefect's server as Prefect's own
    ephemeral server does, with PREFECT__SERVER_EPHEMERAL (only the services an ephemeral server
    needs) and PREFECT__SERVER_FINAL (one app per process: its spare copies freed). When the
    pinned Prefect stops reading one, start-up gets slower without an error: this test says so."""
    assert PRIVATE_SETTINGS
    env = {**os.environ, **SERVER_SETTINGS, "PREFECT_HOME": str(tmp_path)}
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert probe.returncode == 0, probe.stderr
    read = set(json.loads(probe.stdout.splitlines()[-1]))
    ignored = [name for name in PRIVATE_SETTINGS if name not in read]
    assert not ignored, (
        f"prefect {prefect.__version__} no longer reads {', '.join(ignored)} when it creates its server "
        "app: find what replaced it in prefect/server/api/server.py and update SERVER_SETTINGS in "
        "flows/embedded_api.py, or drop it and measure the start-up again"
    )
