"""The held-out corpus (tests/corpus/): other languages, layouts and whole web pages.

It is scored at the same thresholds as the dev set, and its whole-page documents must keep at
least 90% of the article's words while removing at least 90% of everything else.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from flows.cli import main
from tests.conftest import score
from tests.corpus.build import build, whole_pages
from transforms.lines import count_words

pytestmark = pytest.mark.slow
MIN_ARTICLE_WORDS_KEPT = 0.90
MIN_OTHER_WORDS_REMOVED = 0.90


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


@pytest.fixture(scope="module")
def heldout(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]], Path]:
    root = tmp_path_factory.mktemp("heldout")
    gold = build(root)
    out = root / "out"
    assert main(["--input", str(root / "input"), "--output", str(out), "--workers", "1"]) == 0
    return root, gold, out


def test_corpus_is_broad_enough(heldout: tuple[Path, list[dict[str, Any]], Path]) -> None:
    _, gold, _ = heldout
    assert len(gold) >= 30
    assert len({g["language"] for g in gold if g["language"]}) >= 8
    assert len(whole_pages()) >= 10


def test_heldout_corpus_meets_the_quality_gate(
    heldout: tuple[Path, list[dict[str, Any]], Path], eval_dir: Path
) -> None:
    root, _, out = heldout
    scored = score(eval_dir, root / "gold.jsonl", out)
    assert scored.returncode == 0, scored.stdout + scored.stderr


def test_whole_pages_keep_the_article_and_drop_the_rest(
    heldout: tuple[Path, list[dict[str, Any]], Path],
) -> None:
    _, gold, out = heldout
    texts = {r["source_path"]: r["text"] for r in pq.read_table(out / "articles").to_pylist()}
    pages = [g for g in gold if g["source_path"] in whole_pages()]
    for page in pages:
        text = texts[page["source_path"]]
        flat, lines = norm(text), {norm(line) for line in text.split("\n")}
        article = page["body"] + page["keep_extra"]
        kept = sum(count_words(p) for p in article if norm(p) in flat) / sum(count_words(p) for p in article)
        removed = sum(count_words(r) for r in page["remove"] if norm(r) not in lines) / sum(
            count_words(r) for r in page["remove"]
        )
        assert kept >= MIN_ARTICLE_WORDS_KEPT, (page["source_path"], kept)
        assert removed >= MIN_OTHER_WORDS_REMOVED, (page["source_path"], removed)
