"""The Great Expectations suite catches each kind of bad row."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pandas as pd

from expectations.suite import RELATIONS_SUITE, validate_articles

TODAY = dt.date(2026, 11, 23)
ROOT = Path(__file__).resolve().parents[1]


def frame(**overrides: list[object]) -> pd.DataFrame:
    rows: dict[str, list[object]] = {
        "doc_id": ["a", "b"],
        "source_path": ["a.txt", "b.txt"],
        "language": ["en", "de"],
        "language_confidence": [0.99, 1.0],
        "text": ["Some text.", "Mehr Text."],
        "published_date": [dt.date(2022, 1, 9), None],
        "url": ["https://www.example.com/a", None],
        "n_words": [2, 2],
        "n_chars": [10, 10],
        "translated_from": ["fi", None],
        "source_format": ["text", "html"],
    }
    rows.update(overrides)
    return pd.DataFrame(rows)


def test_good_rows_pass() -> None:
    outcome = validate_articles(frame(), TODAY)
    assert outcome.success and outcome.failed == [] and outcome.evaluated == 2


def test_each_broken_rule_is_named() -> None:
    outcome = validate_articles(
        frame(
            doc_id=["a", "a"],
            language=["en", "xx"],
            language_confidence=[0.5, 1.5],
            published_date=[dt.date(2022, 1, 9), dt.date(2027, 1, 1)],
            url=["https://www.example.com/a", "not a url"],
            n_words=[2, 0],
            translated_from=["finnish", None],
            source_format=["text", "pdf"],
        ),
        TODAY,
    )
    assert not outcome.success
    names = {name.split(":")[0] for name in outcome.failed}
    assert names == {
        "expect_column_values_to_be_unique(doc_id)",
        "expect_column_values_to_be_in_set(language)",
        "expect_column_values_to_be_between(language_confidence)",
        "expect_column_values_to_be_between(published_date)",
        "expect_column_values_to_match_regex(url)",
        "expect_column_values_to_be_between(n_words)",
        "expect_column_values_to_be_in_set(translated_from)",
        "expect_column_values_to_be_in_set(source_format)",
    }


def test_modules_only_unused_expectations_need_load_on_first_use() -> None:
    """In a fresh interpreter: GX imported without scipy.stats and altair, which still work
    (for the expectations that use them) once read."""
    check = """
import sys
from expectations.deferred_imports import import_gx
import_gx()
from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than as kl
assert "scipy.stats._stats_py" not in sys.modules and "narwhals" not in sys.modules
assert round(float(kl.stats.entropy([0.5, 0.5], [0.9, 0.1])), 3) == 0.511
assert "scipy.stats._stats_py" in sys.modules and kl.alt.Chart.__module__.startswith("altair")
"""
    done = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def relations(**overrides: list[object]) -> pd.DataFrame:
    a, b = "0" * 31 + "a", "0" * 31 + "b"
    rows: dict[str, list[object]] = {"doc_id": [a, b], "near_duplicate_of": [None, a], "story_id": [a, a]}
    rows.update(overrides)
    return pd.DataFrame(rows)


def test_marks_that_name_articles_pass_the_relations_suite() -> None:
    outcome = validate_articles(relations(), TODAY, suite=RELATIONS_SUITE)
    assert outcome.success and outcome.evaluated == 2


def test_each_broken_mark_is_named() -> None:
    outcome = validate_articles(
        relations(story_id=[None, "story-1"], near_duplicate_of=["copy of a", None]),
        TODAY,
        suite=RELATIONS_SUITE,
    )
    assert {name.split(":")[0] for name in outcome.failed} == {
        "expect_column_values_to_not_be_null(story_id)",
        "expect_column_values_to_match_regex(story_id)",
        "expect_column_values_to_match_regex(near_duplicate_of)",
    }


def test_a_validation_begun_while_gx_is_imported_in_the_background_waits_for_it() -> None:
    """In a fresh interpreter: the command imports GX in a thread while Prefect's API boots
    (flows/startup.py); a validation that starts before that import ends must wait for it,
    not import GX's modules beside it (which deadlocked)."""
    check = """
import threading
from expectations.deferred_imports import import_gx
from expectations.suite import ArticleValidator
from tests.test_suite import frame
threading.Thread(target=import_gx, daemon=True).start()
assert ArticleValidator().validate(frame()).success
"""
    python = [sys.executable, "-c", check]
    done = subprocess.run(python, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
