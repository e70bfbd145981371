"""Translation notices: recognised in many languages, the original's language named, and
taken out of the article text into `translated_from`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import case_ids, load_cases
from transforms.document import Article, process_document
from transforms.translation_notice import translation_notice

CASES = load_cases("translation_notices")
GERMAN_STORY = [
    "Der Gemeinderat hat am Donnerstagabend beschlossen, die Parkgebühren in der Altstadt zu erhöhen.",
    "Anwohner zahlen künftig viermal so viel für ihren Parkausweis, teilte die Stadt am Freitag mit.",
    "Die neuen Gebühren gelten vom ersten März an, die Einnahmen sollen in den Busverkehr fließen.",
]


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_notice_cases(case: dict[str, Any]) -> None:
    named = translation_notice(case["line"])
    assert (list(named) if named is not None else None) == case["named"]


def test_a_notice_leaves_the_text_and_names_the_original() -> None:
    raw = "\n\n".join(["This article was machine translated from Finnish.", *GERMAN_STORY]).encode()
    article = process_document(raw, "de.txt")
    assert isinstance(article, Article)
    assert article.translated_from == "fi" and article.language == "de"
    assert "translated" not in article.text and all(p in article.text for p in GERMAN_STORY)
    assert "translation_notice" in article.boilerplate_reasons


def test_the_body_language_is_not_the_original() -> None:
    notice = "Translated into German from the English original."
    article = process_document("\n\n".join([*GERMAN_STORY, notice]).encode(), "de.txt")
    assert isinstance(article, Article) and article.translated_from == "en"


def test_without_a_notice_nothing_is_said() -> None:
    article = process_document("\n\n".join(GERMAN_STORY).encode(), "de.txt")
    assert isinstance(article, Article) and article.translated_from is None


def test_a_sentence_about_translating_inside_the_story_stays() -> None:
    inside = "Das Buch wurde aus dem Englischen übersetzt."
    more = [
        "Die Opposition kritisierte den Beschluss als überhastet und forderte eine Bürgerbefragung.",
        "Der Bürgermeister verwies auf die Kosten des Nahverkehrs, die seit Jahren steigen würden.",
        "Auch die Händler der Innenstadt zeigten sich besorgt über die Folgen für ihre Kundschaft.",
    ]
    story = [*GERMAN_STORY, inside, *more]
    article = process_document("\n\n".join(story).encode(), "de.txt")
    assert isinstance(article, Article) and inside in article.text and article.translated_from is None
