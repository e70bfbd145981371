"""The Great Expectations suite every run's articles table must pass before it is published.

The suite is code, not a JSON file in a GX project: it is built in an ephemeral context on each
run, so it needs no server, no project folder and no network. `validate_articles` returns the
outcome with the names of the failed expectations and the full GX result as a JSON dict,
which the flow saves under OUTPUT/validation/.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from transforms.language import known_languages

# GX reports usage to its makers unless told not to; a batch job has no business phoning home.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

SUITE_NAME = "articles"
URL_PATTERN = r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$"
# Only the columns the expectations read are handed to GX. The text itself is not among them:
# "text not empty" is n_chars >= 1 (n_chars is len(text)), which keeps validation light.
VALIDATED_COLUMNS = (
    "doc_id", "source_path", "language", "language_confidence", "published_date", "url",
    "n_words", "n_chars",
)  # fmt: skip


@dataclass(frozen=True)
class ValidationOutcome:
    """Whether the table passed, which expectations failed, and GX's own result.

    `failed_rows` maps the position of each failing row to the expectations it broke;
    `table_level` lists failures that are not about particular rows (a missing column)."""

    success: bool
    failed: list[str]
    result: dict[str, Any]
    evaluated: int
    failed_rows: dict[int, list[str]] = field(default_factory=dict)
    table_level: list[str] = field(default_factory=list)


def build_expectations(today: dt.date) -> list[Any]:
    """The expectations, in the order they are reported."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToNotBeNull(column="doc_id"),
        gxe.ExpectColumnValuesToBeUnique(column="doc_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="source_path"),
        gxe.ExpectColumnValuesToNotBeNull(column="language"),
        gxe.ExpectColumnValuesToBeInSet(column="language", value_set=sorted(known_languages())),
        gxe.ExpectColumnValuesToBeBetween(column="language_confidence", min_value=0, max_value=1),
        gxe.ExpectColumnValuesToNotBeNull(column="n_chars"),
        gxe.ExpectColumnValuesToBeBetween(
            column="published_date", max_value=pd.Timestamp(today), min_value=pd.Timestamp("1990-01-01")
        ),
        gxe.ExpectColumnValuesToMatchRegex(column="url", regex=URL_PATTERN),
        gxe.ExpectColumnValuesToBeBetween(column="n_words", min_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="n_chars", min_value=1),
    ]


def validate_articles(frame: pd.DataFrame, today: dt.date | None = None) -> ValidationOutcome:
    """Run the suite on an articles table (a pandas frame with the dataset's columns)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX pins this logger to INFO and announces its temporary docs folder on every run.
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
    today = today or dt.date.today()
    frame = frame.loc[:, list(VALIDATED_COLUMNS)].copy()
    frame["published_date"] = pd.to_datetime(frame["published_date"])
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("pipeline").add_dataframe_asset(SUITE_NAME)
    batch_definition = asset.add_batch_definition_whole_dataframe("run")
    suite = context.suites.add(gx.ExpectationSuite(name=SUITE_NAME))
    for expectation in build_expectations(today):
        suite.add_expectation(expectation)
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite, result_format="COMPLETE")
    failed_rows: dict[int, list[str]] = {}
    table_level: list[str] = []
    for item in result.results:
        if item.success:
            continue
        name = expectation_name(item)
        rows = (item.result or {}).get("unexpected_index_list")
        if rows:
            for row in rows:
                failed_rows.setdefault(int(row), []).append(name)
        else:
            table_level.append(_describe(item))
    return ValidationOutcome(
        success=bool(result.success),
        failed=[_describe(r) for r in result.results if not r.success],
        result=result.to_json_dict(),
        evaluated=len(frame),
        failed_rows=failed_rows,
        table_level=table_level,
    )


def expectation_name(result: Any) -> str:
    """ "expect_column_values_to_be_in_set(language)": the expectation and its column."""
    config = result.expectation_config
    return f"{config.type}({config.kwargs.get('column')})"


def _describe(result: Any) -> str:
    examples = (result.result or {}).get("partial_unexpected_list") or []
    shown = ", ".join(repr(x) for x in examples[:3])
    return expectation_name(result) + (f": e.g. {shown}" if shown else "")
