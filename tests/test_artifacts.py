"""Translation artifacts: foreign words, segments and glued words, and what is not one."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import SEEDS, case_ids, load_cases
from transforms.artifacts import _CAMEL_GLUE, _LOWER_WORD, _TOKEN, distinct_words, find_artifacts

CASES = load_cases("artifacts")


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_artifact_cases(case: dict[str, Any]) -> None:
    found = find_artifacts(case["text"], case["language"])
    assert [{"kind": a.kind, "text": a.text, "language": a.language} for a in found] == case["expect"]


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_offsets_point_at_the_artifact_text(case: dict[str, Any]) -> None:
    for artifact in find_artifacts(case["text"], case["language"]):
        assert case["text"][artifact.start : artifact.end] == artifact.text


def test_names_of_things_are_found_line_by_line_as_in_the_whole_text() -> None:
    """`_skipped_spans` tries its pattern only on the lines that hold a trigger: on the seeds,
    the labelled cases and lines made to probe each kind of name, it finds what one scan of
    the whole text finds."""
    from transforms.artifacts import _SKIP_SPANS, _skipped_spans

    probes = [
        "Mail news@example.org today; @handle and #tag and $ticker, see www.site.de/x.",
        "@a@b at the start, thestreet.com and content.length in prose, and https://a.b/c?d=e.",
        "Plain prose without any name of a thing in it.",
        "user@host",
        "e.g. the U.S. economy, i.e. a.b.c",
    ]
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.iterdir())]
    texts += [case["text"] for case in CASES] + ["\n".join(probes), "\n\n".join(probes)]
    for text in texts:
        whole, found = {m.span() for m in _SKIP_SPANS.finditer(text)}, set(_skipped_spans(text))
        assert whole <= found, text[:80]
        lines = {(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)}
        assert found - whole <= lines, text[:80]  # the rest: whole lines of code


def words_by_scanning(text: str) -> tuple[set[str], set[str], set[str]]:
    """What `distinct_words` reads from the cached line tokens, by scans of the text."""
    camel = {m.group() for m in _CAMEL_GLUE.finditer(text)}
    return set(_TOKEN.findall(text)), set(re.findall(r"\b[a-z]+\b", text)), camel


def assert_same_words(text: str) -> None:
    words = distinct_words(text)
    assert (set(words.tokens), set(words.lowercase), set(words.camel)) == words_by_scanning(text), text[:80]
    assert {w for w in words.lowercase if len(w) >= 5} == set(_LOWER_WORD.findall(text))


def test_distinct_words_are_the_words_the_scans_find_in_real_text() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.iterdir())]
    texts += [case["text"] for case in CASES]
    texts += [
        "x_-abc and a_b, 2nd², well-known theNorth's l'état O’Brien e.g. U.S.-led 中文abcde 会见Biden",
        "ofThe theAbc inRead iPhone McDonald ABCdef abcDEF abCdef,theplans.thereof",
    ]
    for text in texts:
        assert_same_words(text)


# Pieces that make words, camel case, inner joiners, digits, other scripts and line breaks.
WORDISH = st.sampled_from(
    ["the", "North", "plans", "x", "AB", "é", "中", "2", "²", "_", "-", "'", "’", ".", ",", " ", "\n"]
)


@given(st.lists(WORDISH, max_size=60).map("".join))
def test_distinct_words_are_the_words_the_scans_find(text: str) -> None:
    assert_same_words(text)
