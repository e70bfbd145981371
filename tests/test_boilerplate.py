"""Boilerplate decisions: known furniture, lists, captions, and the body as a block."""

from __future__ import annotations

import re

import pytest

from tests.conftest import SEEDS
from transforms.boilerplate import classify_lines, furniture_reason
from transforms.document import Article, process_document
from transforms.furniture import ERROR_PAGE_PHRASES, looks_like_error_page

SEED_BOILERPLATE = [
    "Leave a Reply",
    "Your email address will not be published. Required fields are marked *",
    "This site uses Akismet to reduce spam. Learn how your comment data is processed.",
    "Previous articleAt least 6 dead and 20 missing under rockfall in Brazil",
    "Next articleAt least 140 people killed by gunmen in Nigeria",
    "Original link",
    "More China Central Radio News",
    "Before the US-Russia talks, Blinken emphasized that the US will not ask for concessions to Russia",
    "Recommended video today",
    "Photo: Reuters / HANDOUT",
    "Diplomats in front of the flags of the United States and Russia.",
]


def seed_articles() -> list[Article]:
    out = []
    for path in sorted(SEEDS.iterdir()):
        result = process_document(path.read_bytes(), path.name)
        assert isinstance(result, Article), result
        out.append(result)
    return out


def test_seed_boilerplate_is_gone_from_every_text() -> None:
    for article in seed_articles():
        lines = set(article.text.split("\n"))
        assert not lines & set(SEED_BOILERPLATE), article.source_path


def test_seed_subheadings_and_quotes_between_paragraphs_stay() -> None:
    texts = "\n".join(a.text for a in seed_articles())
    assert "\nNot up to Russia to decide allies\n" in texts
    assert "\nA first discussion on Sunday evening\n" in texts


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Leave a Reply Cancel reply", "furniture"),
        ("Teilen:", "furniture"),
        ("WhatsApp", "furniture"),
        ("Tags: cinema, Glasgow, community ownership, film", "label"),
        ("Read more: France's summer of wildfires in numbers", "label"),
        ("© 2023 West End Gazette. All rights reserved.", "label"),
        ("Copyright 2022 Global Wire Service. All rights reserved.", "label"),
        ("责任编辑：周洁", "label"),
        ("Photo: City of Freiburg", "photo_credit"),
        ("La facciata restaurata di Palazzo Belgiojoso (foto d'archivio)", "caption"),
        ("Sahatavaraa odottaa laivausta Kotkan satamassa. Kuva: Matti Korhonen", "caption"),
        ("Impressum | Datenschutz | Kontakt", "navigation"),
        ("Nom complet *", "comment_form"),
        ("Wir verwenden Cookies, um Ihnen ein optimales Webseiten-Erlebnis zu bieten.", "notice"),
        ("SUBSCRIBE TO OUR NEWSLETTER for the week's best stories", "notice"),
        ("Alle Rechte Vorbehalten, Mediengruppe Nord", "notice"),
        ("Previous articleStorm in Finistère: 30,000 homes still without power", "navigation"),
    ],
)
def test_known_furniture(line: str, reason: str) -> None:
    assert furniture_reason(line) == reason


@pytest.mark.parametrize(
    "line",
    [
        "Months without rain",
        "Copyright law is changing faster than publishers can follow, experts said.",
        "The council will share the cost of the new bridge with the regional government.",
        "Facebook said on Monday it would appeal the fine.",
    ],
)
def test_content_that_resembles_furniture_is_not_furniture(line: str) -> None:
    assert furniture_reason(line) is None


def test_related_list_ends_at_the_blank_line() -> None:
    lines = [
        "Investigators are trying to establish the cause of the blaze in the hills.",
        "",
        "Most popular",
        "Heatwave: water restrictions extended in 60 departments",
        "Tour de France route for next year unveiled",
        "",
        "The region has had almost no rain since the start of June, forecasters said.",
    ]
    reasons = [v.reason for v in classify_lines(lines)]
    assert reasons == [None, "related_list", "related_list", "related_list", None]


def test_short_line_between_paragraphs_is_kept_and_outside_is_dropped() -> None:
    lines = [
        "Menu",
        "Sports Politics Weather",
        "A wildfire fanned by strong winds forced the evacuation of about 1,200 residents.",
        "Months without rain",
        "Authorities said no injuries had been reported, although two were treated.",
        "AFP",
    ]
    reasons = [v.reason for v in classify_lines(lines)]
    assert reasons == ["furniture", "outside_body", None, None, None, "outside_body"]


def test_caption_lines_above_a_credit_go_with_it() -> None:
    lines = [
        "The city of Freiburg wants to largely ban private cars from its old town by 2026. "
        "The municipal council approved a corresponding concept on Thursday evening.",
        "",
        "Kaiser-Joseph-Strasse in the old town of Freiburg.",
        "",
        "Photo: City of Freiburg",
        "",
        "According to the plan, only residents and delivery traffic will be allowed in.",
    ]
    reasons = [v.reason for v in classify_lines(lines)]
    assert reasons == [None, "caption", "photo_credit", None]


@pytest.mark.parametrize(
    "page",
    [
        "Example News\nHome | World | Sport\n\n404\nThe page you were looking for is gone. Try the search.\n",
        "Error 404: Seite nicht gefunden\n\n"
        "Die gesuchte Seite existiert leider nicht mehr. Bitte nutzen Sie die Suche.\n",
        "Sorry!\nThis page could not be found. It may have moved or been removed from the site.\n",
    ],
)
def test_an_error_page_is_rejected(page: str) -> None:
    result = process_document(page.encode(), "gone.txt")
    assert not isinstance(result, Article) and result.reason == "error_page"


def test_an_article_that_mentions_404_is_kept() -> None:
    text = (
        "Court rules on the 404 bus route\n\nThe city's 404 bus route will keep running after a "
        "court ruled on Monday that the council had not consulted riders.\n"
    )
    result = process_document(text.encode(), "bus.txt")
    assert isinstance(result, Article), result


@pytest.mark.parametrize("phrase, word", ERROR_PAGE_PHRASES)
def test_every_error_phrase_needs_its_word(phrase: str, word: str) -> None:
    """The quick test for the word must never skip a page the phrase would match: the word
    stands in the phrase outside its optional groups."""
    assert word == word.lower() and word in re.sub(r"\([^()]*\)\??", "", phrase)


@pytest.mark.parametrize(
    "line",
    ["ERROR 404", "Page Not Found", "SEITE NICHT GEFUNDEN", "Página no encontrada", "СТРАНИЦА НЕ НАЙДЕНА",
     "Sayfa bulunamadı", "找不到页面", "Access Denied"],
)  # fmt: skip
def test_error_phrases_in_any_case(line: str) -> None:
    assert looks_like_error_page(f"Example site\n{line}\nBack to the home page")
