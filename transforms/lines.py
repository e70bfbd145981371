"""Line features shared by the metadata, boilerplate and artifact transforms.

The features of a line are asked for many times per document, and furniture lines recur across
documents, so the costlier ones are cached.

A crawled article is a sequence of lines: paragraphs, headers, menus, lists. These helpers
measure a line in a way that carries across languages and scripts, so that decisions never
depend on one language's punctuation or on spaces between words (Chinese and Japanese have none).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

WORD_RE = re.compile(r"\w+(?:[-'’.]\w+)*")
CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# Sentence-final punctuation in Latin, CJK, Arabic, Devanagari and Armenian scripts, optionally
# followed by closing quotes or brackets.
_SENTENCE_END_RE = re.compile(r"[.!?…。！？؟।։][\"'”’»)\]」』]*\s*$")
# A CJK character carries about as much as a short word; this many make a "word" for counts.
CJK_CHARS_PER_WORD = 2
PROSE_MIN_WORDS = 6
PROSE_LONG_WORDS = 16
# Cached lines per feature: enough for the furniture of many sites, small enough (a few MB)
# that a worker's memory stays flat over millions of documents.
LINE_CACHE_SIZE = 16_384
# A long line without sentence punctuation whose words are nearly all capitalised is a menu.
MENU_CAPITALISED_SHARE = 0.7


@lru_cache(maxsize=LINE_CACHE_SIZE)
def count_words(line: str) -> int:
    """Words in a line, with CJK characters counted in pairs.

    >>> count_words("The US is ready to talk")
    6
    >>> count_words("我国科研团队研发新型海水淡化膜")
    7
    """
    cjk = len(CJK_RE.findall(line))
    if not cjk:
        return len(WORD_RE.findall(line))
    latin = len(WORD_RE.findall(CJK_RE.sub(" ", line)))
    return latin + cjk // CJK_CHARS_PER_WORD


def ends_sentence(line: str) -> bool:
    """Does the line end like a sentence (".", "?", "。", "؟", with closing quotes)?"""
    return bool(_SENTENCE_END_RE.search(line))


@lru_cache(maxsize=LINE_CACHE_SIZE)
def is_prose(line: str) -> bool:
    """Running text rather than a heading, a menu entry or a list item.

    A line is prose when it ends like a sentence and has a few words, or when it is long.

    >>> is_prose("Die Mannschaft wird am Montag im Rathaus empfangen.")
    True
    >>> is_prose("Months without rain")
    False
    """
    words = count_words(line)
    if words >= PROSE_LONG_WORDS and not ends_sentence(line) and _mostly_capitalised(line):
        return False  # a menu: "Home World Politics Business Tech Science Health Sport …"
    return words >= PROSE_LONG_WORDS or (words >= PROSE_MIN_WORDS and ends_sentence(line))


def _mostly_capitalised(line: str) -> bool:
    words = [w for w in WORD_RE.findall(line) if w[:1].isalpha()]
    cased = [w for w in words if w[:1].isupper() or w[:1].islower()]
    return bool(cased) and sum(w[:1].isupper() for w in cased) > MENU_CAPITALISED_SHARE * len(cased)


@lru_cache(maxsize=LINE_CACHE_SIZE)
def line_key(line: str) -> str:
    """A line reduced for phrase lookups: NFKC, case-folded, single spaces, no edge punctuation.

    >>> line_key("  Share this:  ")
    'share this'
    >>> line_key("Leave a Reply Cancel reply")
    'leave a reply cancel reply'
    """
    line = unicodedata.normalize("NFKC", line).casefold()
    line = re.sub(r"\s+", " ", line)
    return line.strip(" \t:：*•·|-–—>»›«‹/\\#.…!")


def is_url(line: str) -> bool:
    """A line that is nothing but an http(s) URL."""
    return bool(URL_LINE_RE.match(line))


URL_LINE_RE = re.compile(r"^\s*https?://[^\s<>\"']+\s*$", re.IGNORECASE)
