"""Repair damaged text with ftfy, without restyling text that is already correct.

ftfy's defaults also "improve" correct text: they straighten curly quotes and turn full-width
CJK punctuation into ASCII. For a news dataset that is lost content, so `REPAIR_CONFIG` turns
those fixers off and keeps the ones that undo real damage: mojibake (UTF-8 read as cp1252 or
Latin-1, once or twice), HTML entities, C1 controls, terminal escapes and surrogates.

ftfy costs about 0.7 ms on a 3 KB article, most of it in its mojibake test (one large regex
tried at every character) and its control-character table, even when there is nothing to fix.
`needs_ftfy` tells in a tenth of that time whether any of its fixers would change the text, so
that clean text skips it; the result is the same either way.
Text that needs ftfy has ftfy's steps run that mojibake test in the same windowed form
(`looks_like_mojibake`, put in place of ftfy's `is_bad` when this module loads).

Bidirectional control characters are removed (`repairs` says so). After ftfy, whitespace is
tidied: no-break and zero-width spaces left by HTML become plain spaces (or vanish), runs of
spaces shrink to one, and trailing spaces go.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]

import ftfy
from ftfy.badness import BADNESS_RE, is_bad
from ftfy.chardata import CONTROL_CHARS

REPAIR_CONFIG = ftfy.TextFixerConfig(
    uncurl_quotes=False,  # “quotes” and ‘apostrophes’ are correct text
    fix_character_width=False,  # full-width CJK punctuation (，：) is correct text
    fix_latin_ligatures=False,  # ﬁ is rare, and replacing it is restyling, not repair
    normalization="NFC",
    explain=True,
)

# ftfy steps that mean the text had been decoded with the wrong encoding somewhere.
_ENCODING_ACTIONS = frozenset({"encode", "decode", "transcode"})
_ENCODING_FIXERS = frozenset(
    {"decode_inconsistent_utf8", "restore_byte_a0", "replace_lossy_sequences", "fix_c1_controls"}
)

# Bidirectional embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069): they
# reorder how text is shown without being text, and can make a reader see what is not there
# (the "Trojan Source" trick). The marks U+200E and U+200F, which only hint, stay.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
REMOVE_BIDI_CONTROLS = "remove_bidi_controls"
_ODD_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u205f]")
# Invisible characters that are no part of the words: zero-width space, word joiner, a BOM
# inside the text, soft hyphens. Not the zero-width non-joiner (U+200C), which Persian, Urdu
# and Indic scripts write inside words ("می‌گویند" is not "میگویند"), nor the joiner (U+200D).
_INVISIBLE = re.compile(r"[\u200b\u2060\ufeff\u00ad]")
_SPACE_RUNS = re.compile(r"[ \t\f\v]{2,}|\t")


def _required_characters(tree: sre_parser.SubPattern) -> str | None:
    """Non-ASCII characters of a parsed pattern of which every match holds at least one (of
    each branch, the rarest set of characters a match must hold), or None when a branch could
    match ASCII alone. Read from ftfy's own regex, so that it follows ftfy's changes."""
    chars: set[str] = set()

    def positive(item: tuple) -> set[str] | None:
        """The characters a mandatory item admits, None if it admits ASCII."""
        op, av = item
        if op is sre_constants.LITERAL:
            return {chr(av)} if av >= 128 else None
        if op is not sre_constants.IN or (av and av[0][0] is sre_constants.NEGATE):
            return None
        found: set[str] = set()
        for kind, value in av:
            if kind is sre_constants.LITERAL and value >= 128:
                found.add(chr(value))
            elif kind is sre_constants.RANGE and value[0] >= 128:
                found.update(map(chr, range(value[0], value[1] + 1)))
            else:
                return None
        return found

    branches = tree.data[0][1][1] if tree.data[0][0] is sre_constants.BRANCH else [tree.data]
    for branch in branches:
        required = [found for item in branch if (found := positive(item)) is not None]
        if not required:
            return None
        rarest: set[str] = min(required, key=_commonness)  # one set each match holds suffices
        chars.update(rarest)
    return "".join(sorted(chars))


def _commonness(chars: set[str]) -> int:
    """How often a set of characters can be expected in correct text, roughly: small letters
    most, other letters less, symbols and controls least. Of the characters a mojibake match
    must hold, the rarest set makes the fewest windows (the symbol in "Ã©", not the "Ã"; the
    "Ђ" of "вЂ", not the Cyrillic "в" every Russian text is full of)."""
    return sum(10 if c.islower() else 3 if c.isalpha() else 1 for c in chars)


_BADNESS_TREE = sre_parser.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
_MOJIBAKE_CHARS = _required_characters(_BADNESS_TREE)
_MOJIBAKE_TRIGGER = re.compile(f"[{re.escape(_MOJIBAKE_CHARS or '')}]")
_MOJIBAKE_WIDTH: int = _BADNESS_TREE.getwidth()[1]  # the longest match, in characters
# What ftfy's other fixers rewrite: HTML entities, C1 and other control characters, terminal
# escapes, surrogates, and line breaks other than "\n".
_FIXER_INPUT = re.compile(
    "[&\r\x1b\x80-\x9f\u2028\u2029\ud800-\udfff" + "".join(map(chr, CONTROL_CHARS)) + "]"
)


def looks_like_mojibake(text: str) -> bool:
    """ftfy's mojibake test (`ftfy.badness.is_bad`), run only around the characters a match
    needs: every match of its regex holds one of some two hundred non-ASCII characters (mostly
    symbols and rare capitals) and spans at most a few characters, so the text between them
    cannot match.

    >>> looks_like_mojibake("The minister’s visit"), looks_like_mojibake("The ministerâ€™s visit")
    (False, True)
    """
    if _MOJIBAKE_CHARS is None or _MOJIBAKE_WIDTH >= sre_constants.MAXREPEAT:
        return bool(BADNESS_RE.search(text))
    width, start, end = _MOJIBAKE_WIDTH, 0, -1
    for match in _MOJIBAKE_TRIGGER.finditer(text):
        at = match.start()
        if at - width > end:
            if end >= 0 and BADNESS_RE.search(text, start, end):
                return True
            start = max(0, at - width)
        end = at + width + 1
    return end >= 0 and bool(BADNESS_RE.search(text, start, end))


def _use_fast_mojibake_test() -> None:
    """Have ftfy's own steps use `looks_like_mojibake` for `is_bad`: the same answer, without
    the scan of the whole text at every step (the text that needs ftfy is scanned at least
    twice more; this takes 45% off fixing it). Done only where ftfy imports `is_bad` by that
    name, as the pinned versions do."""
    import ftfy.fixes

    for module in (ftfy, ftfy.fixes):
        if getattr(module, "is_bad", None) is is_bad:
            module.is_bad = looks_like_mojibake  # type: ignore[attr-defined]


_use_fast_mojibake_test()


def needs_ftfy(text: str) -> bool:
    """Would any of ftfy's fixers in REPAIR_CONFIG change the text? Clean text skips it.

    >>> needs_ftfy("Plain “quoted” text, 全角。"), needs_ftfy("Tom &amp; Jerry"), needs_ftfy("cafe\u0301")
    (False, True, True)
    """
    return (
        bool(_FIXER_INPUT.search(text))
        or not unicodedata.is_normalized("NFC", text)
        or looks_like_mojibake(text)
    )


@dataclass(frozen=True)
class Repaired:
    """Repaired text; `mojibake_fixed` says whether an encoding error was undone."""

    text: str
    mojibake_fixed: bool
    steps: tuple[str, ...]


def repair_text(text: str) -> Repaired:
    """Undo encoding damage and HTML escapes, then tidy whitespace.

    >>> repair_text("Konstanz erhÃ¶ht die GebÃ¼hren &amp; mehr").text
    'Konstanz erhöht die Gebühren & mehr'
    >>> repair_text("“Quoted”，全角").text
    '“Quoted”，全角'
    >>> repaired = repair_text("Total: \u202e0001\u202c euros")
    >>> repaired.text, repaired.steps
    ('Total: 0001 euros', ('remove_bidi_controls',))
    """
    steps: list[str] = []
    if needs_ftfy(text):
        fixed, explanation = ftfy.fix_and_explain(text, config=REPAIR_CONFIG)
        for step in explanation or ():
            steps.append(step.parameter if step.action == "apply" else f"{step.action}:{step.parameter}")
        mojibake = any(
            step.action in _ENCODING_ACTIONS or step.parameter in _ENCODING_FIXERS
            for step in explanation or ()
        )
        text = fixed
    else:
        mojibake = False
    if not text.isascii() and _BIDI_CONTROLS.search(text):
        text = _BIDI_CONTROLS.sub("", text)
        steps.append(REMOVE_BIDI_CONTROLS)
    return Repaired(text=tidy_whitespace(text), mojibake_fixed=mojibake, steps=tuple(steps))


def tidy_whitespace(text: str) -> str:
    """Plain spaces only, single within a line, none at line ends.

    >>> tidy_whitespace("a\\u00a0 b  \\nc\\u200b")
    'a b\\nc'
    """
    if not text.isascii():  # the odd and invisible spaces are not ASCII
        text = _INVISIBLE.sub("", _ODD_SPACES.sub(" ", text))
    if "  " in text or "\t" in text or "\f" in text or "\v" in text:  # what _SPACE_RUNS needs
        text = _SPACE_RUNS.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n"))
