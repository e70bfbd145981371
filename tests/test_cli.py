"""The command line (flows/cli.py): its help, and the scheduled deployment `serve` runs: it loads
without a server, with the schedule and parameters the README documents, its parameters fit the
flow's signature and parameter schema, and it runs on a real Prefect server."""

from __future__ import annotations

import inspect
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import jsonschema
import pyarrow.parquet as pq
import pytest

from flows.build import build_dataset
from flows.cli import DEFAULT_CRON, DEPLOYMENT_NAME, deployment, parse_args, parse_serve_args
from flows.report import REJECTS_ARTIFACT, SUMMARY_ARTIFACT
from tests.conftest import ROOT, SEEDS

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_deployment_has_the_readme_schedule_and_parameters() -> None:
    served = deployment(parse_serve_args([]))
    assert served.name == DEPLOYMENT_NAME and served.flow_name == build_dataset.name
    assert [s.schedule.cron for s in served.schedules] == [DEFAULT_CRON]
    assert f"`{DEFAULT_CRON}`" in README and f"build-news-dataset/{DEPLOYMENT_NAME}" in README
    assert served.parameters["input_dir"] == str(SEEDS)
    documented = set(re.findall(r"^\| `(\w+)` \| [^|]+ \| `--", README, flags=re.MULTILINE))
    assert documented == set(served.parameters) == set(inspect.signature(build_dataset.fn).parameters)
    jsonschema.validate(served.parameters, served._parameter_openapi_schema.model_dump())


def test_serve_options_become_parameters_and_schedule(tmp_path: Path) -> None:
    options = ["--cron", "*/15 * * * *", "--batch-size", "50", "--text-field", "body"]
    args = parse_serve_args(["--input", str(SEEDS), "--output", str(tmp_path / "out"), *options])
    served = deployment(args)
    assert [s.schedule.cron for s in served.schedules] == ["*/15 * * * *"]
    assert served.parameters["output_dir"] == str(tmp_path / "out")
    assert served.parameters["batch_size"] == 50
    assert served.parameters["fields"]["text"] == "body"
    jsonschema.validate(served.parameters, served._parameter_openapi_schema.model_dump())


def test_a_served_deployment_runs_its_tasks_here(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_serve_args(["--dask-address", "tcp://scheduler:8786"])
    assert "--dask-address is for one-off runs" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--output", str(ROOT / "README.md")], "README.md: not a folder"),
        (["--output", str(SEEDS / "out")], "is inside --input"),  # the next run would read the dataset
        (["--max-invalid-share", "2"], "--max-invalid-share must be between 0 and 1"),
    ],
)
def test_options_that_cannot_work_are_refused_at_once(
    options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse_args(["--input", str(SEEDS), *options])
    assert stopped.value.code == 2 and message in capsys.readouterr().err


def test_an_output_folder_that_cannot_be_made_fails_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    build = [sys.executable, str(ROOT / "flows" / "build.py"), "--output", str(tmp_path / "a-file" / "out")]
    failed = subprocess.run(build, cwd=ROOT, capture_output=True, text=True, check=False)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert f"build failed: cannot write to {tmp_path / 'a-file' / 'out'}" in failed.stderr


def test_help_explains_every_option() -> None:
    shown = subprocess.run(
        [sys.executable, str(ROOT / "flows" / "build.py"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for option in ("--input", "--output", "--batch-size", "PREFECT_API_URL"):
        assert option in shown


SERVER_START_SECONDS = 120
SCHEDULER_SECONDS = 60  # it schedules a new deployment's runs within seconds
RUN_SECONDS = 240


@pytest.mark.slow
def test_a_served_deployment_runs_on_a_real_prefect_server(tmp_path: Path) -> None:
    """What a data engineer does: `prefect server start`, `serve` with PREFECT_API_URL pointing
    at it, `prefect deployment run`. The server's scheduler makes the cron's next runs (with
    SQLAlchemy 2.1 it failed on every pass, and a served cron never ran), the run publishes the
    dataset, and its two artifacts are on the server. The test starts and stops the server and
    the serving process itself."""
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),  # a server and database of its own
        "PREFECT_API_URL": api,
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",  # the served runner looks for runs every second
    }
    out = tmp_path / "out"
    prefect = [sys.executable, "-m", "prefect"]
    server_cmd = [*prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    serve_cmd = [sys.executable, str(ROOT / "flows" / "build.py"), "serve", "--input", str(SEEDS),
                 "--output", str(out), "--workers", "1", "--cron", "0 0 1 1 *"]  # fmt: skip
    with _process(server_cmd, env, tmp_path / "server.log") as server_log:
        _wait_for(lambda: _get(f"{api}/health") is True, SERVER_START_SECONDS, server_log)
        with _process(serve_cmd, env, tmp_path / "serve.log", cwd=ROOT) as serve_log:
            name = f"{build_dataset.name}/{DEPLOYMENT_NAME}"
            _wait_for(lambda: _get(f"{api}/deployments/name/{name}") is not None, 60, serve_log)
            _wait_for(lambda: _runs(api, "SCHEDULED"), SCHEDULER_SECONDS, server_log)
            scheduled = _runs(api, "SCHEDULED")  # (stopping `serve` pauses the schedule: they go)
            started = subprocess.run(
                [*prefect, "deployment", "run", name, "--watch", "--watch-timeout", str(RUN_SECONDS)],
                env=env, capture_output=True, text=True, timeout=RUN_SECONDS + 30, check=False,
            )  # fmt: skip
            assert started.returncode == 0, started.stdout + started.stderr + serve_log.read_text()
        (run,) = _runs(api, "COMPLETED")
        artifacts = _post(f"{api}/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run["id"]]}}})
    assert scheduled and all(r["expected_start_time"][4:19] == "-01-01T00:00:00" for r in scheduled)
    assert {a["key"] for a in artifacts} == {SUMMARY_ARTIFACT, REJECTS_ARTIFACT}
    summary = next(a for a in artifacts if a["key"] == SUMMARY_ARTIFACT)
    assert "| articles | 5 |" in summary["data"] and f"{out}/validation" in summary["data"]
    table = pq.read_table(out / "articles")
    assert table.num_rows == 5 and set(table["language"].to_pylist()) == {"en"}


def test_serve_without_a_server_makes_the_runs_of_its_cron(tmp_path: Path) -> None:
    """`serve` without PREFECT_API_URL serves on an embedded API, which must run the scheduler
    (an ephemeral server has none: the deployment would never run)."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    serve_cmd = [sys.executable, str(ROOT / "flows" / "build.py"), "serve", "--input", str(SEEDS),
                 "--output", str(tmp_path / "out"), "--workers", "1", "--cron", "0 0 1 1 *"]  # fmt: skip
    with _process(serve_cmd, env, tmp_path / "serve.log", cwd=ROOT) as serve_log:
        found = lambda: re.search(r"http://127\.0\.0\.1:(\d+)/deployments", serve_log.read_text())  # noqa: E731
        _wait_for(found, SERVER_START_SECONDS, serve_log)
        api = f"http://127.0.0.1:{found()[1]}/api"  # type: ignore[index]
        _wait_for(lambda: _runs(api, "SCHEDULED"), SCHEDULER_SECONDS, serve_log)


class _process:
    """A command running in its own process group for the block, its output in `log`; on exit
    the whole group is stopped (`prefect server start` runs the server in a child process)."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path, cwd: Path | None = None) -> None:
        self.command, self.env, self.log, self.cwd = command, env, log, cwd

    def __enter__(self) -> Path:
        self.output = self.log.open("wb")
        self.proc = subprocess.Popen(
            self.command, env=self.env, cwd=self.cwd, stdout=self.output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        return self.log

    def __exit__(self, *_: object) -> None:
        for sig, wait in ((signal.SIGINT, 15), (signal.SIGKILL, 5)):
            if self.proc.poll() is not None:
                break
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
        self.output.close()


def _wait_for(ready: Any, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.5)
    raise AssertionError(f"not ready after {seconds} s:\n{log.read_text(errors='replace')[-3000:]}")


def _get(url: str) -> Any:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read())
    except OSError:  # not up yet, or 404
        return None


def _post(url: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _runs(api: str, state: str) -> list[dict[str, Any]]:
    """The deployment's flow runs in this state."""
    deployments = {"name": {"any_": [DEPLOYMENT_NAME]}}
    runs = {"state": {"type": {"any_": [state]}}}
    return list(_post(f"{api}/flow_runs/filter", {"deployments": deployments, "flow_runs": runs}))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
