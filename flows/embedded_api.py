"""Prefect's embedded API server, launched at once and in the background.

Without PREFECT_API_URL, Prefect starts a temporary API server on the first flow run and waits
for it: about 6 s here, on top of importing its server code into our process. `launch` starts
the same server (uvicorn serving Prefect's API app, as Prefect's temporary server does, only
quicker to boot: SERVER_BOOT, SERVER_SETTINGS) as the very first thing a run does, using only
the standard library, so that it boots while we import our own code and load language data.
`EmbeddedApi.url` is then handed to Prefect as PREFECT_API_URL. One server serves every run of
the process and stops when the process exits.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from flows.lifetime import die_with_parent

STARTUP_TIMEOUT_SECONDS = 90
# The server's process: uvicorn serving Prefect's API app, with the garbage collector paused
# while the server's code is imported, then frozen out of later collections. While it is on,
# a collection walks every object created so far, over and over; importing creates hundreds of
# thousands, and the pause saves a quarter of the import's CPU (the command does the same).
SERVER_BOOT = """
import gc, sys
gc.disable()
import prefect.server.api.server
gc.freeze()
gc.enable()
from uvicorn.main import main
sys.exit(main())
"""
# Settings of every embedded server: no UI, and no block types registered in its database
# (Prefect would import every installed Prefect collection, prefect-dask and Dask included, to
# check).
_SERVER_BASE = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_FINAL": "1",
    "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
    "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
}
# A server for one run runs only the services of Prefect's own ephemeral server. Nor does it
# keep what only its UI (off) or automations would read: the task runs that its recorder builds
# from the client's events, the events themselves, and the triggers that watch them. Those
# three took about 40% of the server's CPU on the bench corpus (2.6 s of 6.5 s for 20,000
# articles), seconds the workers lose on a two-core machine. Flow runs, their states, logs and
# artifacts are written as before. A run that should be watched in a UI is run against a real
# server (PREFECT_API_URL), which keeps everything.
SERVER_SETTINGS = _SERVER_BASE | {
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
}
# A server for `serve` runs every service, as `prefect server start` does: an ephemeral server
# has no scheduler, and the deployment's cron would make no run.
SCHEDULING_SERVER_SETTINGS = _SERVER_BASE


class EmbeddedApi:
    """A Prefect API server in a child process, on a free local port; with `schedules`, one
    that makes the runs of its deployments' schedules."""

    def __init__(self, schedules: bool = False) -> None:
        self.schedules = schedules
        spec = importlib.util.find_spec("prefect")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError("prefect is not installed")
        app_dir = Path(next(iter(spec.submodule_search_locations))).parent
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        self._log = tempfile.TemporaryFile()  # noqa: SIM115  (lives as long as the server)
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER_BOOT, "--app-dir", str(app_dir), "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "error", "--lifespan", "on"],
            env={**os.environ, **(SCHEDULING_SERVER_SETTINGS if schedules else SERVER_SETTINGS)},
            stdout=self._log, stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )  # fmt: skip
        atexit.register(self.stop)

    def wait(self) -> str:
        """Block until the server answers its health check; its URL."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the embedded Prefect API exited: {self._output()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1) as response:
                    if response.status == 200:
                        return self.url
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the embedded Prefect API did not start in {STARTUP_TIMEOUT_SECONDS} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def _output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-2000:]


_shared: EmbeddedApi | None = None


def launch(schedules: bool = False) -> EmbeddedApi | None:
    """The process's embedded API, started on the first call (again if `schedules` differs),
    unless PREFECT_API_URL names a server to use. It stops when the process exits: after
    Prefect has sent its last events and logs to it (atexit runs handlers in reverse order of
    registration)."""
    global _shared
    if os.environ.get("PREFECT_API_URL"):
        return None
    if _shared is None or _shared.process.poll() is not None or _shared.schedules != schedules:
        if _shared is not None:
            _shared.stop()
        _shared = EmbeddedApi(schedules)
    return _shared


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
