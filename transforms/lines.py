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
    if words < PROSE_MIN_WORDS:
        return False
    firsts = [w[0] for w in WORD_RE.findall(line)]
    return prose_shape(
        words, ends_sentence(line), sum(map(str.isupper, firsts)), sum(map(str.islower, firsts))
    )


def prose_shape(words: int, ends: bool, capitalised: int, lower: int) -> bool:
    """`is_prose` from a line's counts: words, whether it ends a sentence, and how many of
    its words begin with a capital or a lower-case letter (for callers that have them)."""
    if (
        words >= PROSE_LONG_WORDS
        and not ends
        and capitalised > MENU_CAPITALISED_SHARE * (capitalised + lower)
    ):
        return False  # a menu: "Home World Politics Business Tech Science Health Sport …"
    return words >= PROSE_LONG_WORDS or (words >= PROSE_MIN_WORDS and ends)


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


def phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One regex that finds any of `phrases` (literal text), compiled as a trie.

    Python's regex engine tries each branch of an alternation at every position, so a long
    list of phrases joined by "|" costs the list's length per character; sharing prefixes
    ("subscribe to", "subscribers only" → "subscribe(?:\\ to|rs\\ only)") makes a search about
    five times faster on a list of a hundred phrases.

    >>> pattern = phrase_pattern(("subscribe to", "subscribers only", "cookie"))
    >>> [m.group() for m in pattern.finditer("cookie notice: subscribers only")]
    ['cookie', 'subscribers only']
    """
    trie: dict[str, dict] = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}
    return re.compile(_trie_regex(trie))


def _trie_regex(node: dict[str, dict]) -> str:
    branches = [re.escape(char) + _trie_regex(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:  # a phrase ends here and a longer one goes on
        return "(?:" + body + ")?"
    return body
