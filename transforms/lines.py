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
import zlib
from dataclasses import dataclass
from functools import lru_cache

WORD_RE = re.compile(r"\w+(?:[-'’.]\w+)*")
# The same on ASCII text, where \w is [A-Za-z0-9_] either way: a quarter faster.
_ASCII_WORD_RE = re.compile(WORD_RE.pattern, re.ASCII)
CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# Sentence-final punctuation in Latin, CJK, Arabic, Devanagari and Armenian scripts, optionally
# followed by closing quotes or brackets.
_SENTENCE_END = frozenset(".!?…。！？؟।։")
_CLOSING = "\"'”’»)]」』"
# A CJK character carries about as much as a short word; this many make a "word" for counts.
CJK_CHARS_PER_WORD = 2
PROSE_MIN_WORDS = 6
PROSE_LONG_WORDS = 16
# Cached lines per feature: enough for the furniture of many sites, small enough (a few MB)
# that a worker's memory stays flat over millions of documents.
LINE_CACHE_SIZE = 16_384
# Lines whose tokens are kept, which several features read one after another: the lines of a
# whole chunk of documents, since corpus evidence reads them all before the first is judged
# (with 1,024, every line was split into words twice; this costs a worker about 30 MB).
RECENT_LINES = 16_384
# Cached words per feature: the common ones recur in every article.
WORD_CACHE_SIZE = 65_536
# A long line without sentence punctuation whose words are nearly all capitalised is a menu.
MENU_CAPITALISED_SHARE = 0.7


@dataclass(frozen=True)
class WordShape:
    """A line's words as the line features count them: `tokens` outside CJK script, `cjk`
    characters, and how many tokens begin with a capital or a lower-case letter."""

    tokens: int
    cjk: int
    capitalised: int
    lower: int

    @property
    def words(self) -> int:
        """Tokens, with CJK characters counted in pairs."""
        return self.tokens + self.cjk // CJK_CHARS_PER_WORD


@lru_cache(maxsize=RECENT_LINES)
def line_tokens(line: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A line's word tokens outside CJK script, and its CJK characters, kept for the lines
    of the documents being judged (`word_shape` and the body model's signals both read them).

    >>> line_tokens("Xi 会见 Biden")
    (('Xi', 'Biden'), ('会', '见'))
    """
    tokens, cjk = split_cjk(line)
    return tuple(tokens), tuple(cjk)


def split_cjk(text: str) -> tuple[list[str], list[str]]:
    """A text's word tokens outside CJK script, and its CJK characters one by one.

    >>> split_cjk("Xi 会见 Biden")
    (['Xi', 'Biden'], ['会', '见'])
    """
    if text.isascii():  # (a flag of the string: no scan)
        return _ASCII_WORD_RE.findall(text), []
    if CJK_RE.search(text):
        return WORD_RE.findall(CJK_RE.sub(" ", text)), CJK_RE.findall(text)
    return WORD_RE.findall(text), []


@lru_cache(maxsize=LINE_CACHE_SIZE)
def word_shape(line: str) -> WordShape:
    """The words of a line, found once for `count_words` and `is_prose` (and cached: furniture
    lines recur on every page of a site).

    >>> word_shape("The US is ready to talk")
    WordShape(tokens=6, cjk=0, capitalised=2, lower=4)
    """
    tokens, cjk = line_tokens(line)
    firsts = [token[0] for token in tokens]
    return WordShape(len(tokens), len(cjk), sum(map(str.isupper, firsts)), sum(map(str.islower, firsts)))


def count_words(line: str) -> int:
    """Words in a line, with CJK characters counted in pairs.

    >>> count_words("The US is ready to talk")
    6
    >>> count_words("我国科研团队研发新型海水淡化膜")
    7
    """
    return word_shape(line).words


def count_text_words(text: str) -> int:
    """`count_words` of a whole text, counted line by line: the lines' shapes are cached, and a
    whole text is no cache key (words never run across a line break).

    >>> count_text_words("The US is ready\\n\\nto talk"), count_text_words("我国科研\\n团队")
    (6, 3)
    """
    shapes = [word_shape(line) for line in text.split("\n")]
    return sum(s.tokens for s in shapes) + sum(s.cjk for s in shapes) // CJK_CHARS_PER_WORD


def text_words(text: str) -> list[str]:
    """A text's words, case-folded, in order, then its CJK characters one by one (what the
    near-duplicate signatures and the story topics read). Read from its lines' tokens, which
    are kept for the lines being judged (`line_tokens`): a text is its kept lines.

    >>> text_words("The port, the PORT\\nand 港口")
    ['the', 'port', 'the', 'port', 'and', '港', '口']

    Words are case-folded after they are found: "İzmir" folds to "i̇zmir", whose combining dot
    is no word character, and a folded text split it in two.

    >>> len(text_words("İzmir'de İlk"))
    2
    """
    tokens: list[str] = []
    cjk: list[str] = []
    for line in text.split("\n"):
        if line:
            line_words, line_cjk = line_tokens(line)
            tokens += line_words
            cjk += line_cjk
    return [token.casefold() for token in tokens] + cjk


def count_characters(runs: re.Pattern[str], text: str) -> int:
    """How many characters of `text` a character class matches, given as the pattern of its
    runs (`[...]+`): a match per run instead of one per character makes it two to three times
    faster on a paragraph of letters.

    >>> count_characters(re.compile("[a-z]+"), "ab cd-E f")
    5
    """
    return sum(map(len, runs.findall(text)))


@lru_cache(maxsize=WORD_CACHE_SIZE)
def term_hash(word: str) -> int:
    """A word's CRC-32, cached (Python's own `hash` changes from process to process)."""
    return zlib.crc32(word.encode("utf-8"))


def ends_sentence(line: str) -> bool:
    """Does the line end like a sentence (".", "?", "。", "؟", with closing quotes)?

    >>> ends_sentence('He said: "It is over." '), ends_sentence("Read more »"), ends_sentence("")
    (True, False, False)
    """
    return line.rstrip().rstrip(_CLOSING)[-1:] in _SENTENCE_END


def is_prose(line: str) -> bool:
    """Running text rather than a heading, a menu entry or a list item.

    A line is prose when it ends like a sentence and has a few words, or when it is long.

    >>> is_prose("Die Mannschaft wird am Montag im Rathaus empfangen.")
    True
    >>> is_prose("Months without rain")
    False
    """
    shape = word_shape(line)
    if shape.words < PROSE_MIN_WORDS:
        return False
    return prose_shape(shape.words, ends_sentence(line), shape.capitalised, shape.lower)


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
    line = " ".join(unicodedata.normalize("NFKC", line).casefold().split())
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
