"""Repair damaged text with ftfy, without restyling text that is already correct.

ftfy's defaults also "improve" correct text: they straighten curly quotes and turn full-width
CJK punctuation into ASCII. For a news dataset that is lost content, so `REPAIR_CONFIG` turns
those fixers off and keeps the ones that undo real damage: mojibake (UTF-8 read as cp1252 or
Latin-1, once or twice), HTML entities, C1 controls, terminal escapes and surrogates.

Bidirectional control characters are removed (`repairs` says so). After ftfy, whitespace is
tidied: no-break and zero-width spaces left by HTML become plain spaces (or vanish), runs of
spaces shrink to one, and trailing spaces go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import ftfy

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
_INVISIBLE = re.compile(r"[\u200b\u200c\u2060\ufeff\u00ad]")
_SPACE_RUNS = re.compile(r"[ \t\f\v]{2,}|\t")


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
    if not text.isascii() or "&" in text or "\x1b" in text:
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
    if _BIDI_CONTROLS.search(text):
        text = _BIDI_CONTROLS.sub("", text)
        steps.append(REMOVE_BIDI_CONTROLS)
    return Repaired(text=tidy_whitespace(text), mojibake_fixed=mojibake, steps=tuple(steps))


def tidy_whitespace(text: str) -> str:
    """Plain spaces only, single within a line, none at line ends.

    >>> tidy_whitespace("a\\u00a0 b  \\nc\\u200b")
    'a b\\nc'
    """
    text = _INVISIBLE.sub("", _ODD_SPACES.sub(" ", text))
    text = _SPACE_RUNS.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n"))
