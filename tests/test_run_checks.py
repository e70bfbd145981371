"""Checking a run's parts (flows/run_checks.py): duplicates across buckets, rows that break an
expectation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from flows.cli import main
from flows.run_checks import SeenIds
from tests.conftest import SEEDS


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_seen_ids_agree_with_a_set_over_many_batches() -> None:
    """Duplicates across buckets are found with compact sorted arrays; they must answer as a set
    would, for ids that share prefixes or end in zero bytes too."""
    rng = np.random.default_rng(7)
    pool = [rng.bytes(16) for _ in range(3_000)]
    pool += [pool[0][:15] + b"\0", pool[0][:14] + b"\0\0", b"\0" * 16]
    seen, reference = SeenIds(), set()
    for _ in range(60):
        batch = list({pool[i]: None for i in rng.integers(0, len(pool), 120)})  # unique, as a part is
        ids = np.array(batch, "S16")
        found = seen.contains(ids)
        assert found.tolist() == [doc_id in reference for doc_id in batch]
        seen.add(ids[~found])
        reference.update(batch)
    assert len(seen._runs) <= 12  # merged as they grow: a handful of arrays, not one per batch


@pytest.mark.slow
def test_rows_that_break_an_expectation_become_rejects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import great_expectations.expectations as gxe

    import expectations.suite

    real = expectations.suite.build_expectations

    def with_one_row_rule(today):  # type: ignore[no-untyped-def]
        return [*real(today), gxe.ExpectColumnValuesToNotMatchRegex(column="source_path", regex="^001_")]

    monkeypatch.setattr(expectations.suite, "build_expectations", with_one_row_rule)
    out = tmp_path / "out"

    code, _, stderr = run(capsys, "--input", str(SEEDS), "--output", str(out), "--workers", "1")
    assert code == 1  # 1 row of 5 is 20%, over the default 5%
    assert "expect_column_values_to_not_match_regex(source_path): 1 rows" in stderr
    assert not (out / "articles").exists()

    code, stdout, _ = run(
        capsys, "--input", str(SEEDS), "--output", str(out), "--workers", "1", "--max-invalid-share", "0.5"
    )
    assert code == 0 and "1 rows rejected by it" in stdout
    rejects = pq.read_table(out / "rejects").to_pylist()
    assert [(r["source_path"][:4], r["reason"], r["stage"], r["detail"]) for r in rejects] == [
        ("001_", "validation", "validate", "expect_column_values_to_not_match_regex(source_path)")
    ]
    articles = pq.read_table(out / "articles").to_pylist()
    assert len(articles) == 4
    # The five seeds are one story: it is related over the four articles left, and every mark
    # names one of them.
    kept = {a["doc_id"] for a in articles}
    assert {a["story_id"] for a in articles} <= kept
    assert {a["near_duplicate_of"] for a in articles} - {None} <= kept


@pytest.mark.slow
def test_marks_that_break_the_relations_suite_fail_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The relating columns are filled after the articles' suite ran: their own suite catches a
    story_id that names no article, and the run fails without publishing."""
    import flows.run_checks
    from flows.article_index import relate_articles

    def unnamed_stories(*args, **kwargs):  # type: ignore[no-untyped-def]
        relations = relate_articles(*args, **kwargs)
        relations.story_of[:] = -1  # a null story_id on every row
        return relations

    monkeypatch.setattr(flows.run_checks, "relate_articles", unnamed_stories)
    out = tmp_path / "out"
    code, _, stderr = run(capsys, "--input", str(SEEDS), "--output", str(out), "--workers", "1")
    assert code == 1
    assert "expect_column_values_to_not_be_null(story_id)" in stderr
    assert not (out / "articles").exists()
