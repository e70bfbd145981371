"""Progress: log lines about every tenth of the input, and a bar that does not get in the way."""

from __future__ import annotations

import logging

import pytest

from flows.progress import LOGGER, Progress


@pytest.fixture(autouse=True)
def outside_a_flow_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Prefect warns when a logger it ships to the API logs outside a flow run, as here."""
    monkeypatch.setenv("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")


def test_log_lines_every_tenth_and_at_the_end(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger=LOGGER.name), Progress(100, 20, bar=False) as progress:
        for _ in range(20):
            progress.advance(5)
    lines = [r.getMessage() for r in caplog.records if r.name == LOGGER.name]
    assert 5 <= len(lines) <= 11
    assert lines[-1].startswith("progress: 20/20 batches, 100% of the input")


def test_the_bar_counts_bytes_and_batches() -> None:
    with Progress(10, 2, bar=True) as progress:
        progress.advance(4)
        progress.advance(6)
        assert progress.finished and progress.done_bytes == 10
