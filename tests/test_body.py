"""The body model: whole pages keep their article and lose the page around it."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transforms.body import (
    _TIME_OR_DATE_RE,
    MODEL_PATH,
    SIGNALS,
    STAGE2_EXTRA,
    _pattern_counts,
    character_counts,
    load_model,
)
from transforms.document import Article, process_document

MENU = ["Home", "News", "Politics", "Comments", "Sport", "Weather", "Opinion", "Jobs", "Obituaries"]
ARTICLE = [
    "The city council voted on Tuesday to close the old swimming pool on Mill Street at the end "
    "of the summer, after engineers found cracks in the basin that would cost too much to repair.",
    "Residents who had campaigned to keep it open said they would ask the regional government to "
    "step in. A petition with more than 4,000 signatures was handed to the mayor last month.",
    "Plans for a new pool",
    "The council said it would set aside money for a new pool in next year's budget, but gave no "
    "date for when building work could begin or where the new pool would be.",
]
FOOTER = [
    "Most read",
    "Traffic delays expected on ring road",
    "School holidays: what to do with the kids",
    "We encountered a server error. Please try again later.",
    "About us",
    "Contact",
    "Privacy policy",
]


def page(*parts: list[str]) -> bytes:
    return "\n".join(line for part in parts for line in part).encode()


def test_a_comments_link_in_the_menu_does_not_take_the_article_along() -> None:
    article = process_document(page(MENU, ["Pool to close after cracks found"], ARTICLE, FOOTER), "p.txt")
    assert isinstance(article, Article)
    assert all(paragraph in article.text for paragraph in ARTICLE)
    kept = article.text.split("\n\n")
    assert not set(MENU + FOOTER) & set(kept), kept
    assert article.title == "Pool to close after cracks found"


def test_a_single_paragraph_among_teasers_is_kept() -> None:
    teasers = [f"Headline number {n} about something else entirely" for n in range(12)]
    only = [ARTICLE[0]]
    article = process_document(page(MENU, teasers, ["Comments"], only, teasers, FOOTER), "p.txt")
    assert isinstance(article, Article) and ARTICLE[0] in article.text


def test_the_model_file_matches_the_signals() -> None:
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert data["signals"] == list(SIGNALS) and data["stage2_extra"] == list(STAGE2_EXTRA)


def reference_probability(tree_data: dict, x: np.ndarray) -> np.ndarray:
    """Tree by tree, node by node: what the flat walk must compute."""
    margins = np.full(x.shape[0], tree_data["bias"])
    for t in range(len(tree_data["feature"])):
        for r in range(x.shape[0]):
            node = 0
            while tree_data["left"][t][node] != node:
                go_left = x[r, tree_data["feature"][t][node]] <= tree_data["threshold"][t][node]
                node = tree_data["left"][t][node] if go_left else tree_data["right"][t][node]
            margins[r] += tree_data["value"][t][node]
    return 1 / (1 + np.exp(-margins))


def test_the_flat_walk_equals_a_walk_tree_by_tree() -> None:
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    model = load_model()
    rng = np.random.default_rng(0)
    x = rng.normal(1.0, 1.5, size=(7, len(SIGNALS)))
    assert np.allclose(model.stage1.probability(x), reference_probability(data["stage1"], x))
    x2 = rng.normal(1.0, 1.5, size=(5, len(SIGNALS) + len(STAGE2_EXTRA)))
    assert np.allclose(model.stage2.probability(x2), reference_probability(data["stage2"], x2))


# The plain form of the time-or-year signal, which _TIME_OR_DATE_RE writes digit first.
PLAIN_TIME_OR_YEAR = re.compile(r"\b\d{1,2}[:.]\d{2}\b|\b(19|20)\d{2}\b")


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("Updated 9:30 PM", True),
        ("at 21.15 on Friday", True),
        ("in 1999", True),
        ("(2024)", True),
        ("in 1899", False),
        ("in 2100", False),
        ("12345 votes", False),
        ("v2.10.3", False),
        ("ab2020", False),
        ("2020ab", False),
        ("x9:30", False),
        ("9:305", False),
        ("123:45", False),
        ("1:2", False),
        ("20 20", False),
        ("_2020", False),
        ("page 19", False),
    ],
)
def test_the_time_or_year_signal_finds_what_its_plain_form_finds(line: str, found: bool) -> None:
    assert bool(_TIME_OR_DATE_RE.search(line)) is found is bool(PLAIN_TIME_OR_YEAR.search(line))


# Lines drawn from ASCII and from the characters the counts treat specially: curly quotes,
# guillemets, bullets, CJK and Arabic punctuation, non-ASCII digits and spaces, letters.
SPECIAL = "’”»«•·›‹“„–—…，、；،。！？؟」』٣७０\u00a0\u2009\u3000éßłяωع中"
LINES = st.text(alphabet=st.one_of(st.characters(max_codepoint=127), st.sampled_from(SPECIAL)), max_size=80)


@given(LINES)
def test_character_counts_are_the_counts_of_the_patterns(line: str) -> None:
    assert character_counts(line) == _pattern_counts(line)


@given(st.text(max_size=40))
def test_character_counts_agree_with_the_patterns_on_any_text(line: str) -> None:
    assert character_counts(line) == _pattern_counts(line)


@pytest.mark.parametrize(
    "line",
    [
        'He said: "It is over." Then he left!) [1] a/b #tag 3.5 x, y; z',
        "Ends with a bracket]",
        "Rates rose.\x1fNext",
        "...?!  ",
        "Le maire a déclaré : « c’est fini. » Puis il est parti.",
        "Он сказал: «Всё кончено». Потом ушёл, да?",
        "他说：“结束了。”然后离开了，对吧？",
        "قال، ثم غادر؟ ٣ مرات",
    ],
)
def test_character_counts_agree_with_the_patterns_on_real_lines(line: str) -> None:
    assert character_counts(line) == _pattern_counts(line)
