"""Line helpers shared by the transforms: counting characters, hashing words."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import SEEDS
from transforms.lines import CJK_RE, WORD_RE, count_characters, split_cjk, term_hash

CLASSES = [r"[^\W\d_]", r"\d", r"[A-z]", r"[\u0300-\u1dff\u1f00-\U0010ffff]", r"[|•·›»«‹/\\>#@+=_~^*<{}\[\]]"]


@pytest.mark.parametrize("chars", CLASSES)
def test_counting_by_runs_counts_every_character(chars: str) -> None:
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.iterdir())]
    texts += ["", "2022-01-09 | 12:30 • Ünïcödé ǅ 会见 Biden", "a" * 10_000]
    for text in texts:
        assert count_characters(re.compile(f"{chars}+"), text) == len(re.findall(chars, text))


def test_words_are_hashed_once_and_texts_are_not_kept() -> None:
    """term_hash caches words (they recur in every article); count_characters, which reads
    whole samples and lines, must keep none of them alive."""
    assert term_hash("harbour") == term_hash("harbour") and term_hash.cache_info().hits > 0
    assert not hasattr(count_characters, "cache_info")


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_ascii_lines_split_into_the_words_of_the_unicode_pattern(line: str) -> None:
    assert split_cjk(line) == (WORD_RE.findall(line), [])


def test_real_lines_split_into_the_words_of_the_unicode_pattern() -> None:
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.iterdir())]
    lines = [line for text in texts for line in text.split("\n")]
    lines += ["U.S.-led talks, rock'n'roll_2 and 3.5% -- ok.", "l’état d'urgence", "Xi 会见 Biden"]
    for line in lines:
        assert split_cjk(line)[0] == WORD_RE.findall(CJK_RE.sub(" ", line)), line
