"""Run reports: the dataset card with its charts, and the Prefect artifacts of a run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort
from prefect.settings import PREFECT_API_URL, temporary_settings

from flows import embedded_api
from flows.columns import ARTICLE_COLUMNS
from flows.report import REJECTS_ARTIFACT, SUMMARY_ARTIFACT, RunSummary, rejects_sample

pytestmark = pytest.mark.slow
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_the_dataset_card_describes_the_published_data(corpus_output: Path) -> None:
    card = (corpus_output / "README.md").read_text(encoding="utf-8")
    articles = pq.read_table(corpus_output / "articles")
    rejects = pq.read_table(corpus_output / "rejects")
    assert f"| articles | {articles.num_rows:,} |" in card
    assert f"| rejects | {rejects.num_rows:,} |" in card
    for name, *_ in ARTICLE_COLUMNS:
        assert f"| `{name}` |" in card
    counts = pc.value_counts(articles["language"]).to_pylist()
    for entry in counts:
        assert f"| `{entry['values']}` | {entry['counts']:,} |" in card
    dates = [d for d in articles["published_date"].to_pylist() if d is not None]
    assert f"{min(dates).isoformat()} to {max(dates).isoformat()}" in card
    with_artifacts = sum(1 for a in articles["translation_artifacts"].to_pylist() if a)
    assert f"| with translation artifacts | {with_artifacts:,} (" in card
    for chart in ("languages.png", "articles_per_day.png"):
        assert f"(charts/{chart})" in card
        assert (corpus_output / "charts" / chart).read_bytes().startswith(PNG_MAGIC)


def test_a_summary_without_articles_has_no_charts(tmp_path: Path) -> None:
    from flows.report import write_dataset_card

    card = write_dataset_card(RunSummary("in", "out"), tmp_path).read_text()
    assert "No articles, so no charts." in card
    assert "| publication dates | none found |" in card


def test_markdown_summary_lists_failures_stages_and_rejects() -> None:
    summary = RunSummary("in", "out", run_id="r1", articles=3, failed=["expect_x(y): e.g. 1"])
    summary.rejects.update({"binary": 2})
    summary.days.update({dt.date(2022, 1, 9): 3})
    summary.stage_seconds["validate"] = 0.25
    text = summary.markdown()
    assert "failed: nothing was published" in text
    assert "- `expect_x(y): e.g. 1`" in text
    assert "| `binary` | 2 |" in text
    assert "| validate | 0.2 |" in text or "| validate | 0.3 |" in text
    assert "2022-01-09 to 2022-01-09" in text


def test_the_run_publishes_prefect_artifacts(corpus_output: Path) -> None:
    """The corpus run's artifacts are among the newest (the embedded API's database is the
    Prefect profile's, which other runs on the machine, other test sessions among them, share)."""
    api = embedded_api.launch()
    assert api is not None
    with temporary_settings({PREFECT_API_URL: api.wait()}), get_client(sync_client=True) as client:
        found = {
            key: client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
                sort=ArtifactSort.UPDATED_DESC,
                limit=50,
            )
            for key in (SUMMARY_ARTIFACT, REJECTS_ARTIFACT)
        }
    rejects = rejects_sample(corpus_output / "rejects")
    assert rejects
    tables = [a for a in found[REJECTS_ARTIFACT] if all(r["source_path"] in str(a.data) for r in rejects)]
    assert tables and tables[0].type == "table"
    run = tables[0].flow_run_id
    (summary,) = [a for a in found[SUMMARY_ARTIFACT] if a.flow_run_id == run]
    assert summary.type == "markdown" and "## Rejects by reason" in str(summary.data)


def test_rejects_sample_stops_at_its_limit(corpus_output: Path) -> None:
    total = pq.read_table(corpus_output / "rejects").num_rows
    assert total >= 2
    assert len(rejects_sample(corpus_output / "rejects", limit=1)) == 1
    assert len(rejects_sample(corpus_output / "rejects")) == total
