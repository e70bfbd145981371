"""Progress of a run: a bar in a terminal, plain log lines elsewhere.

Progress is counted in input bytes (a shard's documents are not known before it is read) and
in batches. In a terminal, a bar on stderr; otherwise (cron, CI, a Prefect worker) a log line
on the "newsclean" logger about every tenth of the work or `LOG_EVERY_SECONDS`. That logger is
one of Prefect's extra loggers, so the lines also reach the flow run's logs in Prefect's UI.
"""

from __future__ import annotations

import logging
import sys
import time
from types import TracebackType
from typing import Any

LOGGER = logging.getLogger("newsclean")
LOGGER.setLevel(logging.INFO)
LOGGER.propagate = False  # the root logger's console handler would print the lines under the bar
LOG_EVERY_SECONDS = 30.0


class Progress:
    """Counts finished batches; shows a bar (terminal) or logs lines (anything else)."""

    def __init__(self, total_bytes: int, total_batches: int, bar: bool | None = None) -> None:
        self.total_bytes, self.total_batches = max(total_bytes, 1), total_batches
        self.done_bytes = self.done_batches = 0
        self.started = self._last_log = time.monotonic()
        self._next_share = 0.1
        self._bar: Any = None
        if sys.stderr.isatty() if bar is None else bar:
            from rich.progress import BarColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as Bar

            self._bar = Bar(
                TextColumn("cleaning"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                TextColumn("{task.fields[batches]}"), TimeRemainingColumn(), transient=True,
            )  # fmt: skip
            self._task = self._bar.add_task("clean", total=self.total_bytes, batches="")
            self._bar.start()

    def advance(self, size: int) -> None:
        """One more batch of `size` input bytes is done."""
        self.done_bytes += size
        self.done_batches += 1
        if self._bar is not None:
            batches = f"{self.done_batches}/{self.total_batches} batches"
            self._bar.update(self._task, completed=self.done_bytes, batches=batches)
        share = self.done_bytes / self.total_bytes
        now = time.monotonic()
        if share >= self._next_share or now - self._last_log >= LOG_EVERY_SECONDS or self.finished:
            self._next_share = share + 0.1
            self._last_log = now
            LOGGER.info(self.line())

    @property
    def finished(self) -> bool:
        return self.done_batches >= self.total_batches

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        share = self.done_bytes / self.total_bytes
        rate = self.done_bytes / elapsed / 2**20 if elapsed else 0.0
        eta = elapsed * (1 - share) / share if share else 0.0
        return (
            f"progress: {self.done_batches}/{self.total_batches} batches, {share:.0%} of the input, "
            f"{rate:.2f} MB/s, about {eta:.0f} s left"
        )

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
