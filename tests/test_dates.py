"""Dates in header and byline lines, in many languages and layouts."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

import pytest

from tests.conftest import case_ids, load_cases
from transforms.dates import MONTHS, find_date, is_relative_date

CASES = load_cases("dates")
TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_date_cases(case: dict[str, Any]) -> None:
    found = find_date(case["line"], today=TODAY)
    assert (found.isoformat() if found else None) == case["date"]


def test_a_date_after_today_is_not_a_publication_date() -> None:
    assert find_date("24 November 2026", today=TODAY) is None
    assert find_date("23 November 2026", today=TODAY) == TODAY


@pytest.mark.parametrize("line", ["2 hours ago", "yesterday", "il y a 3 jours", "hace 2 días", "вчера"])
def test_relative_dates_are_recognised(line: str) -> None:
    assert is_relative_date(line)


def test_a_month_name_means_one_month_in_every_language() -> None:
    """Names are looked up without knowing the page's language: a name two languages give to
    different months ("listopada" is November in Polish, October in Croatian) would date pages
    of one of them a month wrong."""
    months: dict[str, set[int]] = {}
    for names in MONTHS.values():
        for number, alternatives in enumerate(names, start=1):
            for name in alternatives.split("|"):
                months.setdefault(unicodedata.normalize("NFC", name), set()).add(number)
    assert {name: numbers for name, numbers in months.items() if len(numbers) > 1} == {}
