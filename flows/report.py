"""What a run tells people: the terminal summary, Prefect artifacts and the dataset card.

One `RunSummary` feeds all three, so the numbers agree wherever they are read:

- `RunSummary.render`: the lines printed at the end of a command-line run;
- `publish_artifacts`: a markdown summary and a table of rejects attached to the Prefect flow
  run, so that a scheduled run can be judged from Prefect's UI alone;
- `write_dataset_card`: OUTPUT/README.md, with the meaning of every column, the counts, and two
  charts (languages, articles per day, `draw_charts`) as PNG files beside it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from flows.columns import ARTICLE_COLUMNS
from flows.files import BY_LANGUAGE, CARD, CHARTS

REJECTS_SHOWN = 1_000  # rows of the rejects table attached to a Prefect run
SUMMARY_ARTIFACT = "newsclean-summary"
REJECTS_ARTIFACT = "newsclean-rejects"


@dataclass
class RunSummary:
    """What a run did."""

    input_dir: str
    output_dir: str
    run_id: str = ""
    documents: int = 0
    articles: int = 0
    rejects: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)  # articles by source_format
    skipped: Counter[str] = field(default_factory=Counter)  # archive records that are no documents
    with_artifacts: int = 0
    near_duplicate_groups: int = 0  # sets of articles that copy one another
    near_duplicate_copies: int = 0  # articles whose near_duplicate_of names an original
    stories: int = 0  # stories of more than one article
    largest_stories: list[tuple[int, str]] = field(default_factory=list)  # (articles, title)
    artifact_kinds: Counter[str] = field(default_factory=Counter)
    days: Counter[dt.date] = field(default_factory=Counter)
    buckets_processed: int = 0
    buckets_reused: int = 0
    validation: str = "not run"
    failed: list[str] = field(default_factory=list)
    data_docs: str | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def date_range(self) -> tuple[dt.date, dt.date] | None:
        return (min(self.days), max(self.days)) if self.days else None

    def render(self) -> str:
        """The summary a command-line run prints."""
        rejects = ", ".join(f"{k} {v}" for k, v in sorted(self.rejects.items())) or "none"
        languages, formats = _plain(self.languages) or "none", _plain(self.formats) or "none"
        skipped = f"; archive records skipped: {_plain(self.skipped)}" if self.skipped else ""
        stages = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.stage_seconds.items())
        batches = f"{self.buckets_processed} batch" + ("" if self.buckets_processed == 1 else "es")
        return "\n".join(
            [
                f"documents read:   {self.documents} from {self.input_dir}",
                f"articles written: {self.articles} ({self.with_artifacts} with translation artifacts)",
                f"rejects:          {sum(self.rejects.values())} ({rejects})",
                f"languages:        {languages}",
                f"formats:          {formats}{skipped}",
                f"near-duplicates:  {self.near_duplicate_copies} copies of another article, "
                f"in {self.near_duplicate_groups} groups",
                f"stories:          {self.stories} of more than one article"
                + "".join(f"; {n}: {title[:60]}" for n, title in self.largest_stories[:3]),
                f"work:             {batches} processed, {self.buckets_reused} unchanged and reused",
                f"validation:       {self.validation}",
                f"output:           {self.output_dir}/articles, {self.output_dir}/rejects, "
                f"{self.output_dir}/{CARD}",
                f"time:             {self.seconds:.1f} s ({stages})",
            ]
        )

    def markdown(self) -> str:
        """The run's summary as markdown (the Prefect artifact, and the head of the card)."""
        status = "failed: nothing was published" if self.failed else "published"
        with_artifacts = f"{self.with_artifacts:,} ({_share(self.with_artifacts, self.articles)})"
        lines = [
            f"# News dataset run {self.run_id}: {status}",
            "",
            "| | |",
            "|---|---|",
            f"| input | `{self.input_dir}` |",
            f"| output | `{self.output_dir}` |",
            f"| documents read | {self.documents:,} |",
            f"| articles | {self.articles:,} |",
            f"| articles by source format | {_counts(self.formats)} |",
            f"| archive records skipped | {_counts(self.skipped)} |",
            f"| with translation artifacts | {with_artifacts} |",
            f"| near-duplicates | {self.near_duplicate_copies:,} copies of another article, in "
            f"{self.near_duplicate_groups:,} groups |",
            f"| stories of more than one article | {self.stories:,} |",
            f"| rejects | {sum(self.rejects.values()):,} |",
            f"| publication dates | {_date_range(self.date_range)} |",
            f"| batches | {self.buckets_processed} processed, {self.buckets_reused} unchanged and reused |",
            f"| validation | {self.validation} |",
            f"| Data Docs | {_link(self.data_docs)} |",
            f"| time | {self.seconds:.1f} s |",
        ]
        if self.failed:
            lines += ["", "## Failed expectations", "", *(f"- `{name}`" for name in self.failed)]
        lines += ["", "## Time per stage", "", "| stage | seconds |", "|---|---:|"]
        lines += [f"| {name} | {seconds:.1f} |" for name, seconds in self.stage_seconds.items()]
        lines += ["", "## Rejects by reason", "", "| reason | documents |", "|---|---:|"]
        lines += [f"| `{reason}` | {n:,} |" for reason, n in self.rejects.most_common()] or ["| none | 0 |"]
        lines += ["", "## Largest stories", "", "| articles | title of its first article |", "|---:|---|"]
        lines += [f"| {n:,} | {_cell(title)} |" for n, title in self.largest_stories] or ["| - | none |"]
        lines += ["", "## Languages", "", "| language | articles | share |", "|---|---:|---:|"]
        lines += [
            f"| `{code}` | {n:,} | {_share(n, self.articles)} |" for code, n in self.languages.most_common()
        ]
        lines += ["", "## Translation artifacts", "", "| kind | found |", "|---|---:|"]
        lines += [f"| `{kind}` | {n:,} |" for kind, n in self.artifact_kinds.most_common()] or [
            "| none | 0 |"
        ]
        return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text for a markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "n/a"


def _date_range(span: tuple[dt.date, dt.date] | None) -> str:
    return f"{span[0].isoformat()} to {span[1].isoformat()}" if span else "none found"


def _link(path: str | None) -> str:
    return f"[{path}](file://{path})" if path else "none"


def rejects_sample(rejects_dir: Path, limit: int = REJECTS_SHOWN) -> list[dict[str, Any]]:
    """The first `limit` rejects of a run, read part by part (never the whole table)."""
    rows: list[dict[str, Any]] = []
    for part in sorted(rejects_dir.glob("*.parquet")):
        for batch in pq.ParquetFile(part).iter_batches(batch_size=limit):
            rows += batch.to_pylist()[: limit - len(rows)]
            if len(rows) >= limit:
                return rows
    return rows


def publish_artifacts(summary: RunSummary, rejects_dir: Path) -> None:
    """Attach the summary and the rejects table to the current Prefect flow run."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    create_markdown_artifact(
        key=SUMMARY_ARTIFACT, markdown=summary.markdown(), description="What this run did"
    )
    rows = rejects_sample(rejects_dir)
    total = sum(summary.rejects.values())
    shown = f"the first {len(rows):,} of {total:,}" if total > len(rows) else f"all {total:,}"
    create_table_artifact(
        key=REJECTS_ARTIFACT,
        table=rows or [{"source_path": "", "reason": "no rejects", "stage": "", "detail": "", "doc_id": ""}],
        description=f"Inputs that are not articles ({shown}); the full table is {rejects_dir}",
    )


def _plain(counter: Counter[str]) -> str:
    return ", ".join(f"{key} {n:,}" for key, n in counter.most_common())


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"`{key}` {n:,}" for key, n in counter.most_common()) or "none"


def write_dataset_card(
    summary: RunSummary, folder: Path, charts: list[tuple[str, str]] | None = None
) -> Path:
    """Write README.md into `folder` (the run's snapshot), with the `charts` `draw_charts`
    drew there (drawn now when None); the card's path."""
    if charts is None:
        charts = draw_charts(summary.articles, summary.languages, summary.days, folder)
    columns = "\n".join(
        f"| `{name}` | {kind} | {description} |" for name, kind, _, description in ARTICLE_COLUMNS
    )
    pictures = "\n\n".join(f"![{title}]({CHARTS}/{name})" for title, name in charts)
    card = f"""{summary.markdown()}
## Charts

{pictures or "No articles, so no charts."}

## Files

- `articles/*.parquet`: one row per article, every column below;
- `{BY_LANGUAGE}/language=xx/*.parquet`: the same rows partitioned by language (Hive layout,
  the `language` column comes from the folder name);
- `rejects/*.parquet`: one row per input that is not an article, with its reason;
- `validation/`: the Great Expectations result (`result.json`) and Data Docs (`docs/index.html`).

## Columns of `articles`

| column | type | meaning |
|---|---|---|
{columns}
"""
    path = folder / CARD
    path.write_text(card, encoding="utf-8")
    return path


def draw_charts(
    articles: int, languages: Counter[str], days: Counter[dt.date], folder: Path
) -> list[tuple[str, str]]:
    """PNG bar charts of the language distribution and of articles per day, in the CHARTS
    folder of `folder`: (title, file name) of each. About a second with matplotlib's import,
    so the flow draws them in a worker process while it relates the articles."""
    if not articles:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    charts, charts_dir = [], folder / CHARTS
    top = languages.most_common(20)
    figure, axes = plt.subplots(figsize=(8, 0.3 * len(top) + 1.2))
    axes.barh([code for code, _ in reversed(top)], [n for _, n in reversed(top)], color="#4c72b0")
    axes.set_xlabel("articles")
    axes.set_title("Articles per language" + (" (top 20)" if len(languages) > 20 else ""))
    figure.tight_layout()
    figure.savefig(charts_dir / "languages.png", dpi=100)
    plt.close(figure)
    charts.append(("Articles per language", "languages.png"))
    if days:
        dated = sorted(days)
        figure, axes = plt.subplots(figsize=(8, 3))
        axes.bar(dated, [days[d] for d in dated], color="#55a868", width=1.0)  # type: ignore[arg-type]
        axes.set_ylabel("articles")
        undated = articles - sum(days.values())
        axes.set_title(f"Articles per publication day ({undated:,} without a date)")
        figure.autofmt_xdate()
        figure.tight_layout()
        figure.savefig(charts_dir / "articles_per_day.png", dpi=100)
        plt.close(figure)
        charts.append(("Articles per publication day", "articles_per_day.png"))
    return charts
