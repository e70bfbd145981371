"""The Great Expectations suites every run's articles table must pass before it is published.

The suites are code, not JSON files in a GX project: they are built in an ephemeral context on
each run, so they need no server, no project folder and no network. `validate_articles` returns
the outcome with the names of the failed expectations and the full GX result as a JSON dict,
which the flow saves under OUTPUT/validation/, next to the GX Data Docs (HTML) of the run.

"articles" validates the rows as their buckets finish; "relations" validates the columns that
relate articles (`near_duplicate_of`, `story_id`), which are filled once every part is done.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from expectations.deferred_imports import import_gx
from transforms.document import SOURCE_FORMATS
from transforms.language import known_languages
from transforms.translation_notice import LANGUAGE_STEMS

# GX reports usage to its makers unless told not to; a batch job has no business phoning home.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

SUITE_NAME = "articles"
RELATIONS_SUITE = "relations"
DOCS_SITE = "run"
DOC_ID_PATTERN = r"^[0-9a-f]{32}$"
URL_PATTERN = r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$"
# Only the columns the expectations read are handed to GX. The text itself is not among them:
# "text not empty" is n_chars >= 1 (n_chars is len(text)), which keeps validation light.
VALIDATED_COLUMNS = (
    "doc_id", "source_path", "language", "language_confidence", "published_date", "url",
    "n_words", "n_chars", "translated_from", "source_format",
)  # fmt: skip
RELATION_COLUMNS = ("doc_id", "near_duplicate_of", "story_id")
SUITE_COLUMNS = {SUITE_NAME: VALIDATED_COLUMNS, RELATIONS_SUITE: RELATION_COLUMNS}


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
    import_gx()
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
        gxe.ExpectColumnValuesToBeInSet(column="translated_from", value_set=sorted(LANGUAGE_STEMS)),
        gxe.ExpectColumnValuesToBeInSet(column="source_format", value_set=list(SOURCE_FORMATS)),
    ]


def build_relation_expectations() -> list[Any]:
    """Every article is in a story, and both columns name an article by its doc_id."""
    import_gx()
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToMatchRegex(column="doc_id", regex=DOC_ID_PATTERN),
        gxe.ExpectColumnValuesToNotBeNull(column="story_id"),
        gxe.ExpectColumnValuesToMatchRegex(column="story_id", regex=DOC_ID_PATTERN),
        gxe.ExpectColumnValuesToMatchRegex(column="near_duplicate_of", regex=DOC_ID_PATTERN),
    ]


class ArticleValidator:
    """Validates a run's articles chunk by chunk with its suites (SUITE_NAME, RELATIONS_SUITE)
    in one GX context, and (given `docs_dir`, by `build_docs`) builds GX Data Docs there: an
    HTML page per chunk and suite, and an index of them all."""

    def __init__(self, today: dt.date | None = None, docs_dir: Path | None = None) -> None:
        self.today = today or dt.date.today()
        self.docs_dir = docs_dir
        self.chunks: dict[str, int] = {}
        self._context: Any = None
        self._checkpoints: dict[str, Any] = {}

    def _build_context(self) -> Any:
        gx = import_gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        # GX pins this logger to INFO and announces its temporary docs folder on every run.
        logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        if self.docs_dir is not None:
            context.add_data_docs_site(DOCS_SITE, _site_config(self.docs_dir))  # type: ignore[arg-type]
        context.data_sources.add_pandas("pipeline")
        return context

    def _build(self, name: str) -> Any:
        gx = import_gx()

        if self._context is None:
            self._context = self._build_context()
        context = self._context
        asset = context.data_sources.get("pipeline").add_dataframe_asset(name)
        batch_definition = asset.add_batch_definition_whole_dataframe("chunk")
        suite = context.suites.add(gx.ExpectationSuite(name=name))
        expectations = build_expectations(self.today) if name == SUITE_NAME else build_relation_expectations()
        for expectation in expectations:
            suite.add_expectation(expectation)
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
        )
        checkpoint = gx.Checkpoint(name=name, validation_definitions=[definition], result_format="COMPLETE")
        return context.checkpoints.add(checkpoint)

    def validate(self, frame: pd.DataFrame, suite: str = SUITE_NAME) -> ValidationOutcome:
        """Run a suite on a chunk of the articles table (a pandas frame with its columns)."""
        import_gx()
        from great_expectations.core.run_identifier import RunIdentifier

        if suite not in self._checkpoints:
            self._checkpoints[suite] = self._build(suite)
        self.chunks[suite] = chunk = self.chunks.get(suite, 0) + 1
        frame = frame.loc[:, list(SUITE_COLUMNS[suite])].copy()
        if "published_date" in frame:
            frame["published_date"] = pd.to_datetime(frame["published_date"])
        run_name = f"chunk-{chunk}" if suite == SUITE_NAME else f"{suite}-{chunk}"
        run = self._checkpoints[suite].run(
            batch_parameters={"dataframe": frame}, run_id=RunIdentifier(run_name=run_name)
        )
        (result,) = run.run_results.values()
        return _outcome(result, len(frame))

    def build_docs(self) -> None:
        """Build the Data Docs (given `docs_dir`) of every chunk validated so far: once, when
        the run's validation is over. GX's UpdateDataDocsAction would build them after every
        chunk, templates compiled and the index rebuilt each time (0.3 s a chunk, more as the
        index grows)."""
        if self.docs_dir is not None and self._context is not None:
            self._context.build_data_docs(site_names=[DOCS_SITE])

    @property
    def docs_index(self) -> Path | None:
        """The Data Docs front page, once a chunk has been validated with docs on."""
        index = self.docs_dir / "index.html" if self.docs_dir else None
        return index if index and index.exists() else None


def validate_articles(
    frame: pd.DataFrame, today: dt.date | None = None, suite: str = SUITE_NAME
) -> ValidationOutcome:
    """Run a suite on an articles table, without Data Docs."""
    return ArticleValidator(today).validate(frame, suite)


def _site_config(folder: Path) -> dict[str, Any]:
    return {
        "class_name": "SiteBuilder",
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(folder)},
    }


def _outcome(result: Any, evaluated: int) -> ValidationOutcome:
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
        evaluated=evaluated,
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
