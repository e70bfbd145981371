"""Repair with ftfy: undo real damage, never restyle correct text."""

from __future__ import annotations

import ftfy.bad_codecs  # noqa: F401  (registers "sloppy-windows-1252", which maps every byte)
import pytest

from transforms.repair import repair_text

CLEAN = [
    "“We expected a slowdown,” said Linda Okafor, the port’s spokeswoman.",
    "« À ce tarif-là, chaque baguette me coûte dix centimes de plus », explique l'artisan.",
    "记者从成都市交通运输局获悉，为方便市民出行，本月起全市将新开线路。",
    "„Wir wollen den Verkehr aus der Innenstadt heraushalten“, sagte ein Sprecher.",
    "Plain ASCII text with 'straight' quotes.",
]


@pytest.mark.parametrize("text", CLEAN, ids=["curly-en", "guillemets", "zh-fullwidth", "de-quotes", "ascii"])
def test_correct_text_is_left_as_it_is(text: str) -> None:
    repaired = repair_text(text)
    assert repaired.text == text
    assert not repaired.mojibake_fixed


@pytest.mark.parametrize(
    "original",
    [
        "Konstanz erhöht Parkgebühren in der Altstadt deutlich",
        "“Quoted” — and the port’s reply…",
        "成都新增二十条公交线路 方便市民出行",
        "Гордума Екатеринбурга одобрила продление трамвайной линии",
        "Il museo riaprirà al pubblico sabato 18 marzo, c'è una sala",
    ],
    ids=["de", "punctuation", "zh", "ru", "it-a-grave"],
)
@pytest.mark.parametrize("codec", ["sloppy-windows-1252", "latin-1"])
def test_utf8_read_as_a_legacy_code_page_is_undone(original: str, codec: str) -> None:
    damaged = original.encode("utf-8").decode(codec)
    repaired = repair_text(damaged)
    assert repaired.text == original
    assert repaired.mojibake_fixed


def test_double_mojibake_is_undone() -> None:
    original = "Glasgow’s Regal picture house — café"
    once = original.encode("utf-8").decode("sloppy-windows-1252")
    damaged = once.encode("utf-8").decode("sloppy-windows-1252")
    assert repair_text(damaged).text == original


def test_html_entities_are_unescaped_without_a_mojibake_flag() -> None:
    repaired = repair_text("Chipmaker to build $2bn plant &amp; hire 1,900 &ndash; officials said")
    assert repaired.text == "Chipmaker to build $2bn plant & hire 1,900 – officials said"
    assert not repaired.mojibake_fixed
    assert "unescape_html" in repaired.steps


def test_odd_spaces_and_trailing_whitespace_are_tidied() -> None:
    assert repair_text("a\u00a0b\u200b  c \t\nnext   ").text == "a b c\nnext"


@pytest.mark.parametrize(
    "control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
)
def test_bidirectional_controls_leave_the_text_and_repairs_say_so(control: str) -> None:
    """An override hides what the text says ("Trojan Source"); an Arabic line keeps its marks."""
    arabic = "قال المتحدث \u200fإن الاجتماع سيعقد يوم الاثنين."
    repaired = repair_text(f"The council approved {control}the budget{control} on Monday.\n{arabic}")
    assert repaired.text == f"The council approved the budget on Monday.\n{arabic}"
    assert "remove_bidi_controls" in repaired.steps and not repaired.mojibake_fixed
