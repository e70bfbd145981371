"""Repair with ftfy: undo real damage, never restyle correct text."""

from __future__ import annotations

import random
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]

import ftfy
import ftfy.bad_codecs  # registers "sloppy-windows-1252", which maps every byte
import pytest
from ftfy.badness import BADNESS_RE, is_bad

from tests.conftest import EVAL, ROOT, SEEDS
from transforms.repair import (
    _BIDI_CONTROLS,
    REPAIR_CONFIG,
    looks_like_mojibake,
    needs_ftfy,
    repair_text,
    tidy_whitespace,
)

CLEAN = [
    "“We expected a slowdown,” said Linda Okafor, the port’s spokeswoman.",
    "« À ce tarif-là, chaque baguette me coûte dix centimes de plus », explique l'artisan.",
    "记者从成都市交通运输局获悉，为方便市民出行，本月起全市将新开线路。",
    "„Wir wollen den Verkehr aus der Innenstadt heraushalten“, sagte ein Sprecher.",
    "Plain ASCII text with 'straight' quotes.",
    # zero-width non-joiners inside words, which these scripts write (removing them joined letters)
    "منتقدان می‌گویند اتوبوس‌ها کندتر حرکت خواهند کرد.",
    "राष्ट्रपति ने कहा कि वार्ता जारी रहेगी, क्‌योंकि दोनों पक्ष तैयार हैं।",
]


@pytest.mark.parametrize(
    "text", CLEAN, ids=["curly-en", "guillemets", "zh-fullwidth", "de-quotes", "ascii", "fa-zwnj", "hi-zwnj"]
)
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
    ("text", "tidied"),
    [
        ("one\ttab", "one tab"),  # ASCII: a lone tab is a run of its own
        ("form\x0c\x0bfeed", "form feed"),
        ("two  spaces", "two spaces"),
        ("already tidy", "already tidy"),
        ("caf\u00e9\u00a0\u00a0noir", "café noir"),  # not ASCII: the odd spaces count
        ("soft\u00adhyphen and\u2060joiner", "softhyphen andjoiner"),
    ],
)
def test_whitespace_is_tidied_in_ascii_and_other_text_alike(text: str, tidied: str) -> None:
    """The shortcuts (ASCII text has no odd spaces; a text without two spaces, a tab, a form
    feed or a vertical tab has no run) give what the patterns give."""
    assert tidy_whitespace(text) == tidied


@pytest.mark.parametrize(
    "control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
)
def test_bidirectional_controls_leave_the_text_and_repairs_say_so(control: str) -> None:
    """An override hides what the text says ("Trojan Source"); an Arabic line keeps its marks."""
    arabic = "قال المتحدث \u200fإن الاجتماع سيعقد يوم الاثنين."
    repaired = repair_text(f"The council approved {control}the budget{control} on Monday.\n{arabic}")
    assert repaired.text == f"The council approved the budget on Monday.\n{arabic}"
    assert "remove_bidi_controls" in repaired.steps and not repaired.mojibake_fixed


def _real_texts() -> list[str]:
    """The seeds, the held-out corpus and the dev set, each also damaged as cp1252 mojibake."""
    paths = [*SEEDS.iterdir(), *(ROOT / "tests" / "corpus" / "pages").iterdir()]
    paths += sorted((EVAL / "dev" / "input").rglob("*.txt"))
    texts = [p.read_bytes().decode("utf-8", "replace") for p in paths if p.is_file()]
    return texts + [t.encode("utf-8").decode("sloppy-windows-1252") for t in texts[::3]]


def test_the_clean_text_shortcut_gives_what_ftfy_gives() -> None:
    """`needs_ftfy` lets clean text skip ftfy; on real text, damaged or not, the result must be
    ftfy's own, and the windowed mojibake test must agree with ftfy's everywhere."""
    texts = _real_texts()
    assert len(texts) > 20
    for text in texts:
        assert looks_like_mojibake(text) == is_bad(text)
        fixed, _ = ftfy.fix_and_explain(text, config=REPAIR_CONFIG)
        assert repair_text(text).text == tidy_whitespace(_BIDI_CONTROLS.sub("", fixed))


def test_ftfy_with_the_windowed_mojibake_test_fixes_as_stock_ftfy(monkeypatch: pytest.MonkeyPatch) -> None:
    """ftfy's steps run with `looks_like_mojibake` as their `is_bad` (transforms/repair.py):
    on real text, damaged or not, they fix it as ftfy's own test makes them fix it."""
    import ftfy.fixes

    assert ftfy.is_bad is looks_like_mojibake and ftfy.fixes.is_bad is looks_like_mojibake
    texts = _real_texts()
    texts += [f"&lt;p&gt;{t[:300]}\x85 &amp; {t[-300:]}" for t in texts[::5]]  # entities, C1 controls
    fast = [ftfy.fix_and_explain(text, config=REPAIR_CONFIG) for text in texts]
    monkeypatch.setattr(ftfy, "is_bad", is_bad)
    monkeypatch.setattr(ftfy.fixes, "is_bad", is_bad)
    assert fast == [ftfy.fix_and_explain(text, config=REPAIR_CONFIG) for text in texts]


def _pattern_characters(pattern: str) -> set[str]:
    """Every character a regex names, as a literal or inside a range."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, tuple) and len(node) == 2 and node[0] is sre_constants.LITERAL:
            found.add(chr(node[1]))
        elif isinstance(node, tuple) and len(node) == 2 and node[0] is sre_constants.RANGE:
            found.update(map(chr, range(node[1][0], node[1][1] + 1)))
        elif isinstance(node, (tuple, list, sre_parser.SubPattern)):
            for child in node.data if isinstance(node, sre_parser.SubPattern) else node:
                walk(child)

    walk(sre_parser.parse(pattern))
    return found


def test_the_windowed_mojibake_test_agrees_with_ftfy_at_every_boundary() -> None:
    """Every piece of up to a dozen characters of real words damaged in each code page ftfy
    undoes, with and without their no-break spaces (so that matches start and end at every
    place around the characters they need), and random strings of those characters with ASCII between them."""
    words = "a só voilà la Ã the port’s “Quoted” — café Gebühren Привет ελληνικά Œuvre × ² 日本"
    damaged = [
        words.encode("utf-8").decode(c, "replace")
        for c in ("sloppy-windows-1252", "latin-1", "macroman", "sloppy-windows-1251", "sloppy-windows-1253")
    ]
    damaged += [words, *(t.replace("\xa0", " ") for t in damaged)]  # the no-break space lost, as it often is
    pieces = [t[i : i + n] for t in damaged for i in range(len(t)) for n in range(1, 13)]
    rng = random.Random(7)
    # every non-ASCII character ftfy's pattern names, those the windows start from and the rest
    named = sorted(c for c in _pattern_characters(BADNESS_RE.pattern) if ord(c) > 127)
    for _ in range(20_000):  # a few of them each, among ASCII ones
        alphabet = rng.sample(named, 6) + list("a Z.\n")
        pieces.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 16))))
    assert sum(map(is_bad, pieces)) > 1_000
    for text in pieces:
        assert looks_like_mojibake(text) == is_bad(text), repr(text)


@pytest.mark.parametrize(
    "text",
    ["Tom &amp; Jerry", "line\r\nbreak", "cafe\u0301", "bell\x07", "\x1b[31mred\x1b[0m", "pair\ud83d\ude00"],
    ids=["entity", "crlf", "decomposed", "control", "terminal-escape", "surrogates"],
)
def test_text_that_a_fixer_would_change_goes_through_ftfy(text: str) -> None:
    assert needs_ftfy(text)
    fixed, _ = ftfy.fix_and_explain(text, config=REPAIR_CONFIG)
    assert repair_text(text).text == tidy_whitespace(fixed)
