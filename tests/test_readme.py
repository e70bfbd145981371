"""The README tells the truth: its schema tables and its test command match the code and CI."""

from __future__ import annotations

import re

import pytest

from flows.columns import ARTICLE_COLUMNS, REJECT_COLUMNS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def table_after(heading: str) -> list[tuple[str, str]]:
    section = README.split(heading, 1)[1]
    return [(m[1], m[2]) for m in re.finditer(r"^\| `(\w+)` \| [^|]+ \| (yes|no) \|", section, re.M)]


@pytest.mark.parametrize(
    ("heading", "columns"), [("### `articles/`", ARTICLE_COLUMNS), ("### `rejects/`", REJECT_COLUMNS)]
)
def test_schema_tables_list_the_columns_in_order(heading: str, columns: tuple) -> None:  # type: ignore[type-arg]
    documented = table_after(heading)[: len(columns)]
    assert documented == [(name, "yes" if nullable else "no") for name, _, nullable, _ in columns]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = ci.strip().splitlines()[-1]
    assert command.startswith("python3 -m venv")
    assert f"\n{command}\n" in README


def test_the_readme_is_a_newcomers_read() -> None:
    """At most 15,000 characters: the benchmark's history lives in bench/README.md."""
    assert len(README) <= 15_000
    assert "(bench/README.md)" in README and (ROOT / "bench" / "README.md").is_file()
