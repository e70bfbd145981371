"""Stories: the seeds, five outlets telling one briefing, are one story; the dev set's articles,
all different stories, stay alone; dates far apart keep two tellings apart; a copy is in its
original's story; stories are kept up to date when an article of a published story arrives."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from tests.conftest import SEEDS
from tests.test_incremental import build
from transforms.language import detect_language
from transforms.lines import text_words
from transforms.stories import NO_DAY, TermCounts, Topics, find_stories, topic_terms, topic_vectors


def _stories(texts: list[str], days: list[int] | None = None) -> list[int]:
    languages = [detect_language(t).code for t in texts]
    topics = [topic_terms(t, text_words(t), lang) for t, lang in zip(texts, languages, strict=True)]
    flat = Topics.of(topics)
    found = find_stories(
        topic_vectors(flat, TermCounts.of(flat)),
        np.array(languages),
        np.array(days or [NO_DAY] * len(texts)),
        np.arange(len(texts)),
    )
    return found.tolist()


def _seeds() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SEEDS.iterdir())]


def test_the_seeds_are_one_story() -> None:
    assert _stories(_seeds()) == [0] * 5


def test_the_dev_sets_articles_are_stories_of_one(eval_dir: Path) -> None:
    texts = [
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted((eval_dir / "dev" / "input").rglob("*.txt"))
    ]
    texts = [t for t in texts if len(t.split()) > 30]
    heads = _stories(texts + _seeds())
    assert heads[: len(texts)] == list(range(len(texts)))  # no dev article joins another
    assert set(heads[len(texts) :]) == {len(texts)}  # and the seeds still join each other


def test_tellings_weeks_apart_are_two_stories() -> None:
    seeds = _seeds()
    assert _stories(seeds[:2], days=[738_000, 738_001]) == [0, 0]
    assert _stories(seeds[:2], days=[738_000, 738_030]) == [0, 1]


@pytest.mark.slow
def test_stories_follow_the_dataset_across_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Three seeds published first are one story; the other two, arriving in a later run, join
    it, and so does a copy of one of them (a published part reused with its index is covered
    by test_near_duplicates.py)."""
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    seeds = sorted(SEEDS.iterdir())
    for path in seeds[:3]:
        shutil.copy(path, inp / path.name)
    first = build(capsys, inp, out)
    assert "stories:          1 of more than one article; 3:" in first
    for path in seeds[3:]:
        shutil.copy(path, inp / path.name)
    (inp / "zz-copy.txt").write_text(seeds[4].read_text(encoding="utf-8") + "\n\nShare this:\n")
    second = build(capsys, inp, out)
    assert "stories:          1 of more than one article; 6:" in second
    assert "near-duplicates:  1 copies of another article, in 1 groups" in second
    rows = pq.read_table(out / "articles").to_pylist()
    assert len(rows) == 6 and len({r["story_id"] for r in rows}) == 1
    assert {r["story_id"] for r in pq.read_table(out / "articles_by_language").to_pylist()} == {
        rows[0]["story_id"]
    }
    (copy,) = [r for r in rows if r["near_duplicate_of"]]
    assert copy["source_path"] == "zz-copy.txt"


@pytest.mark.slow
def test_an_article_and_its_copy_are_a_story_of_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Stories are found among originals, and a copy joins its original's: the count of stories
    of more than one article must include the ones a copy makes."""
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    seed = sorted(SEEDS.iterdir())[2]
    shutil.copy(seed, inp / seed.name)
    (inp / "zz-copy.txt").write_text(seed.read_text(encoding="utf-8") + "\n\nShare this:\n")
    summary = build(capsys, inp, out)
    assert (
        "near-duplicates:  1 copies" in summary
        and "stories:          1 of more than one article; 2:" in summary
    )
    rows = pq.read_table(out / "articles").to_pylist()
    assert rows[0]["story_id"] == rows[1]["story_id"]


def test_words_counted_a_batch_at_a_time_count_as_all_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dataset rarity of a word needs its count over every article: counts folded many
    times (a small FOLD_TERMS) give the counts of all the words at once, and so the vectors."""
    rng = np.random.default_rng(3)
    topics = [(sorted(set(rng.zipf(1.5, 40).tolist())), [1.0] * 40) for _ in range(300)]
    topics = [(terms, weights[: len(terms)]) for terms, weights in topics]
    whole = Topics.of(topics)
    monkeypatch.setattr(TermCounts, "FOLD_TERMS", 500)
    counts = TermCounts()
    for start in range(0, len(topics), 7):
        counts.add(Topics.of(topics[start : start + 7]))
    terms, in_articles = counts.counted()
    expected_terms, expected_counts = np.unique(whole.terms, return_counts=True)
    assert counts.articles == len(topics)
    assert terms.tolist() == expected_terms.tolist() and in_articles.tolist() == expected_counts.tolist()
    assert (topic_vectors(whole, counts) != topic_vectors(whole, TermCounts.of(whole))).nnz == 0
