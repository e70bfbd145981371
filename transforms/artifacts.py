"""Translation artifacts: fragments of the source language left in a machine translation.

Three kinds, each with its span in the text (Python str offsets):

- ``untranslated_segment``: several words in another language ("[accord de libre-échange]",
  "По словам губернатора", "真是太壮观了");
- ``untranslated_word``: one word left over ("Kuitenkin", "ayuntamiento");
- ``glued_words``: two words run together by the translation ("theNorth", "theplans").

Detection looks below the document level, word by word, because langdetect cannot judge a word
or a short clause. Two signals are used:

1. Script: a run of letters in another script than the body's (Cyrillic, Han, Arabic, …
   inside a Latin-script article). Its language comes from the script and, where a script
   serves several languages, from word frequencies.
2. Word frequencies (wordfreq) for English bodies, the target of the translations: a word that
   English does not use but another language uses often is foreign. Runs of foreign words
   make a segment; a single word needs stronger evidence.

Proper nouns are not artifacts: a capitalised word inside a sentence is taken as a name
(Bundestag, Sejm, Gosuslugi), and a capitalised word at the start of a sentence only counts when
it is one of the other language's common words (an adverb like "Kuitenkin", not "Finistère").
Glued words are told apart from real camel case (iPhone, McDonald, YouTube) by requiring both
halves to be common English words and the whole to be unknown to English.
"""

from __future__ import annotations

import math
import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import filterfalse

from wordfreq import get_frequency_dict

from transforms.lines import WORD_CACHE_SIZE, count_words, line_tokens
from transforms.translation_notice import language_of_name

SEGMENT = "untranslated_segment"
WORD = "untranslated_word"
GLUED = "glued_words"

# Languages a foreign Latin-script word is checked against (wordfreq "small" lists).
# Not Indonesian: its list (subtitles, social media) rates English-looking tokens as common
# Indonesian ("misi", "pipis"), which made false artifacts on native English pages.
LATIN_CANDIDATES: tuple[str, ...] = (
    "de", "es", "fr", "it", "pt", "nl", "pl", "fi", "tr", "sv", "da", "nb", "cs", "ro", "hu",
    "ca", "sk",
)  # fmt: skip
# Zipf thresholds (log10 of frequency per billion words; 3 = once per million words).
FOREIGN_MIN_ZIPF = 3.0  # the word is in common use in the other language
FOREIGN_MARGIN = 2.0  # ... and that much more common there than in English
RARE_IN_ENGLISH = 2.0  # below this, English hardly uses the word
WORD_MIN_ZIPF = 3.5  # a lone foreign word must be this common in its language
WORD_MARGIN = 2.5
# ... and English must hardly know it: a word English writes this often is a loanword
# ("nouveaux riches", "abuelo"), not a word the translation left over.
LONE_WORD_MAX_ENGLISH_ZIPF = 1.6
SENTENCE_START_MIN_ZIPF = 4.5  # a capitalised sentence opener must be a very common word
GLUE_PART_MIN_ZIPF = 3.5
SKIP_FOREIGN_LOOKUP_ZIPF = 6.0  # no other language's word is 2 Zipf more common than this
MIN_SCRIPT_RUN_CHARS = 2

# English function words that machine translation glues onto the next word. Onto a capitalised
# word ("theNorth"): not the prepositions that open identifiers in code ("withCredentials",
# "toString", "forEach", "onClick", "fromJson", "byId").
CAMEL_GLUE_HEADS: tuple[str, ...] = (
    "the", "of", "and", "in", "at", "its", "their", "his", "her", "this", "that", "our",
)  # fmt: skip
# Onto a lower-case word that the word list lacks ("theplans"): only those that are no English
# word-forming prefix too, or rare English words would count ("inclosed", "incautious",
# "forgo"); "a" and "an" are left out for the same reason (aright, anew).
LOWER_GLUE_PREFIXES: tuple[str, ...] = (
    "the", "of", "and", "its", "their", "his", "her", "this", "that", "our",
)  # fmt: skip

# Scripts other than Latin, with the languages that write them.
_SCRIPTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("cyrillic", "\u0400-\u04ff", ("ru", "uk", "bg", "mk")),
    ("greek", "\u0370-\u03ff", ("el",)),
    ("arabic", "\u0600-\u06ff\u0750-\u077f", ("ar", "fa", "ur")),
    ("hebrew", "\u0590-\u05ff", ("he",)),
    ("devanagari", "\u0900-\u097f", ("hi",)),
    ("thai", "\u0e00-\u0e7f", ("th",)),
    ("hangul", "\uac00-\ud7af\u1100-\u11ff", ("ko",)),
    ("kana", "\u3040-\u30ff", ("ja",)),
    ("han", "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff", ("zh",)),
)
_SCRIPT_RUN = {name: re.compile(rf"[{chars}]+(?:[\s\-'’·]*[{chars}]+)*") for name, chars, _ in _SCRIPTS}
_SCRIPT_LANGS = {name: langs for name, _, langs in _SCRIPTS}
_ANY_OTHER_SCRIPT = re.compile("[" + "".join(chars for _, chars, _ in _SCRIPTS) + "]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_TOKEN = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
# URLs, e-mail addresses, handles and hashtags, domains and dotted code ("thestreet.com",
# "content.length"): names of things, not words of the text.
_SKIP_SPANS = re.compile(r"https?://\S+|www\.\S+|(?<!\S)\S+@\S+|[#@$]\w+|\b\w+(?:\.\w+)*\.[a-z]\w*\b")
# Every match of _SKIP_SPANS stands within one line and holds one of these: a line without any
# has no match, and the costly pattern is tried only on the lines that have one.
_SKIP_TRIGGER = re.compile(r"https?:|www\.|[@#$]|\.[a-z]")
# Code around a camel-case word: an identifier (".toString(", "$canvas->getCanvas", "firstName=").
_CODE_BEFORE = frozenset(".$_>/\\#@")
_CODE_AFTER = frozenset("(=_[/")
_CODE_JOINERS = frozenset(".:")  # code only when a name follows at once: ".length", "::new"
# A paragraph this dense in code symbols is a code listing.
_CODE_SYMBOLS = re.compile(r"[{}();=<>$\[\]]")
CODE_SYMBOL_SHARE = 0.04
_BRACKETS = re.compile(r"\[([^\[\]]{3,200})\]|\(([^()]{3,200})\)")
_LOWER_WORD = re.compile(r"\b[a-z]{5,}\b")
_CAMEL_GLUE = re.compile(r"\b([a-z]{2,})([A-Z][a-z]{2,})\b")
_SENTENCE_START = re.compile(r"(^|[.!?:;«»\"“”(\[]\s*|\n\s*)$")
_WORD_JOINERS = re.compile(r"[-'’.]")  # what joins the runs of \w in a `line_tokens` token
_LOWER_RUN = re.compile(r"\b[a-z]+\b")


@dataclass(frozen=True)
class Artifact:
    """One translation artifact: `text` is `body[start:end]`."""

    kind: str
    text: str
    start: int
    end: int
    language: str | None


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int
    foreign: str | None  # language the word leans to, if any
    strong: bool  # English hardly uses the word


@cache
def _frequencies(language: str, wordlist: str) -> dict[str, float]:
    return get_frequency_dict(language, wordlist)


@lru_cache(maxsize=WORD_CACHE_SIZE)
def word_profile(word: str) -> tuple[float, str | None, float]:
    """(English Zipf, most likely other language, its Zipf) of a lower-case word, cached: the
    same words recur in every article.

    A word as common in English as "the" cannot lean foreign by `FOREIGN_MARGIN`, so its other
    languages are not looked up.
    """
    english = zipf(word, "en")
    best_lang, best = None, 0.0
    if english < SKIP_FOREIGN_LOOKUP_ZIPF:
        for lang in LATIN_CANDIDATES:
            score = zipf(word, lang)
            if score > best:
                best_lang, best = lang, score
    return english, best_lang, best


def preload() -> None:
    """Load the word lists now rather than on the first English document."""
    _frequencies("en", "large")
    for language in LATIN_CANDIDATES:
        _frequencies(language, "small")


def zipf(word: str, language: str) -> float:
    """Zipf frequency of a lower-case word (0 when unknown); a hyphenated word scores as its
    rarest part, as wordfreq would.

    >>> zipf("libre-échange", "fr") > 3 > zipf("libre-échange", "en")
    True
    """
    if "-" in word:
        return min(zipf(part, language) for part in word.split("-") if part)
    wordlist = "large" if language == "en" else "small"
    freq = _frequencies(language, wordlist).get(word, 0.0)
    return math.log10(freq) + 9 if freq > 0 else 0.0


def find_artifacts(text: str, body_language: str) -> list[Artifact]:
    """Translation artifacts in `text`, sorted by position.

    >>> text = "Kuitenkin, the talks [accord de libre-échange] will resume in theNorth."
    >>> for a in find_artifacts(text, "en"):
    ...     print(a.kind, a.text, a.language)
    untranslated_word Kuitenkin fi
    untranslated_segment accord de libre-échange fr
    glued_words theNorth None
    """
    found = _foreign_script_runs(text)
    if body_language == "en":
        taken = [(a.start, a.end) for a in found]
        words = distinct_words(text)
        found += _foreign_latin_words(text, taken, words)
        found += _glued_words(text, words)
    return _without_overlaps(found)


@dataclass(frozen=True)
class DistinctWords:
    """The distinct matches in a text of `_TOKEN` (letters, with inner hyphens and
    apostrophes) and of `_CAMEL_GLUE`, and its distinct runs of lower-case ASCII letters (of
    which `_LOWER_WORD` matches those of five letters or more): what the word checks look up."""

    tokens: AbstractSet[str]
    lowercase: AbstractSet[str]
    camel: AbstractSet[str]


def distinct_words(text: str) -> DistinctWords:
    """`DistinctWords` of a text, read from its lines' cached tokens (`line_tokens`, which the
    body model has just split) instead of three scans of the text: the same words.

    A `_TOKEN` match never runs across the edge of a `line_tokens` token (both stop at
    anything but word characters and joiners), so the matches are those inside each token,
    and a token of letters alone is one. A line with CJK characters, which `line_tokens` reads
    apart, is scanned as it is.

    >>> words = distinct_words("Mr Smith's theNorth visit, 2nd in 2024.\\n\\nplans for tomorrow")
    >>> sorted(words.tokens)
    ['Mr', "Smith's", 'for', 'in', 'nd', 'plans', 'theNorth', 'tomorrow', 'visit']
    >>> sorted(words.lowercase), sorted(words.camel)
    (['for', 'in', 'plans', 's', 'tomorrow', 'visit'], ['theNorth'])
    """
    tokens: set[str] = set()
    lowercase: set[str] = set()
    camel: set[str] = set()
    written: set[str] = set()
    for line in text.split("\n"):
        words, cjk = line_tokens(line)
        if cjk:
            tokens.update(_TOKEN.findall(line))
            lowercase.update(_LOWER_RUN.findall(line))
            camel.update(match.group() for match in _CAMEL_GLUE.finditer(line))
        else:
            written.update(words)
    # (filters of str methods: C loops, a generator costs several times more per word)
    letters = set(filter(str.isalpha, written))  # a token of letters is one run and one match
    tokens |= letters
    runs = letters  # from here on, the runs of word characters
    for word in written - letters:
        tokens.update(_TOKEN.findall(word))
        runs.update(_WORD_JOINERS.split(word))
    cased_lower = set(filter(str.islower, runs))
    lowercase.update(filter(str.isascii, filter(str.isalpha, cased_lower)))
    camel.update(
        filter(_CAMEL_GLUE.fullmatch, filterfalse(str.istitle, filter(str.isascii, runs - cased_lower)))
    )
    return DistinctWords(tokens, lowercase, camel)


def _main_script(text: str) -> str:
    counts = {name: len(re.findall(f"[{chars}]", text)) for name, chars, _ in _SCRIPTS}
    counts["latin"] = len(_LATIN_LETTER.findall(text))
    if counts["kana"] or counts["han"]:
        counts["han"] += counts.pop("kana")  # Japanese mixes both; treat CJK as one script
    return max(counts, key=lambda name: counts[name])


def _foreign_script_runs(text: str) -> list[Artifact]:
    if not _ANY_OTHER_SCRIPT.search(text):
        return []
    main = _main_script(text)
    out: list[Artifact] = []
    for name, pattern in _SCRIPT_RUN.items():
        if name == main or (main == "han" and name == "kana"):
            continue
        for match in pattern.finditer(text):
            run = match.group()
            if len(run) < MIN_SCRIPT_RUN_CHARS or _all_capitalised_names(run):
                continue
            words = count_words(run)
            language = _script_language(name, run, text)
            kind = SEGMENT if words >= 2 else WORD
            out.append(Artifact(kind, run, match.start(), match.end(), language))
    return out


def _all_capitalised_names(run: str) -> bool:
    """ "Александр Фомин" after a transliteration is a name, not a left-over clause."""
    words = run.split()
    return len(words) <= 3 and all(w[:1].isupper() for w in words)


def _script_language(script: str, run: str, text: str) -> str:
    languages = _SCRIPT_LANGS[script]
    if script == "han" and re.search(r"[\u3040-\u30ff]", text):
        return "ja"
    if len(languages) == 1:
        return languages[0]
    words = [w.casefold() for w in _TOKEN.findall(run)]
    return max(languages, key=lambda lang: sum(zipf(w, lang) for w in words))


def _leans_foreign(lowered: str) -> str | None:
    """The language a lower-case word leans to: common there, much rarer in English."""
    english, best_lang, best = word_profile(lowered)
    return best_lang if best >= FOREIGN_MIN_ZIPF and best - english >= FOREIGN_MARGIN else None


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _may_lean_foreign(word: str) -> bool:
    """Can this Latin-script word (as written) be a foreign token?"""
    return bool(_LATIN_LETTER.search(word)) and _leans_foreign(word.casefold()) is not None


def _tokens(text: str, taken: list[tuple[int, int]], candidates: set[str]) -> list[_Token]:
    """The tokens among `candidates` (words that lean foreign), with their positions.

    Other words need no token: they cannot join a run, and `_adjacent` already sees that they
    stand between two foreign words.
    """
    skip = _skipped_spans(text) + taken
    tokens = []
    for match in _TOKEN.finditer(text):
        word = match.group()
        if word not in candidates:
            continue
        start, end = match.span()
        if _inside(skip, start, end) or _in_code(text, start, end):
            continue
        lowered = word.casefold()
        english = word_profile(lowered)[0]
        leans = _leans_foreign(lowered)
        if leans and word[:1].isupper() and not _starts_sentence(text, start):
            leans = None  # a name inside a sentence
        if leans and language_of_name(lowered):
            leans = None  # "Deutsch", "Français", "Polski": a language's name (a menu of editions)
        tokens.append(_Token(word, start, end, leans, bool(leans) and english < RARE_IN_ENGLISH))
    return tokens


def _starts_sentence(text: str, start: int) -> bool:
    return bool(_SENTENCE_START.search(text[max(0, start - 3) : start]))


def _foreign_latin_words(text: str, taken: list[tuple[int, int]], words: DistinctWords) -> list[Artifact]:
    # Most English texts have no word that leans foreign: decide that once per distinct word.
    candidates = set(filter(_may_lean_foreign, words.tokens))
    if not candidates:
        return []
    tokens = _tokens(text, taken, candidates)
    out: list[Artifact] = []
    run: list[_Token] = []
    for token in [*tokens, None]:
        if token is not None and token.foreign and (not run or _adjacent(text, run[-1], token)):
            run.append(token)
            continue
        if run:
            artifact = _judge_run(text, run)
            if artifact:
                out.append(artifact)
        run = [token] if token is not None and token.foreign else []
    return [_widen_to_brackets(text, a) for a in out]


def _adjacent(text: str, left: _Token, right: _Token) -> bool:
    """Only spaces between two tokens, on one line: punctuation ends a clause, and a segment
    never runs across a paragraph break (a menu of edition names is no clause)."""
    between = text[left.end : right.start]
    return between.strip() == "" and "\n" not in between


def _judge_run(text: str, run: list[_Token]) -> Artifact | None:
    strong = [t for t in run if t.strong]
    if not strong:
        return None
    language = max(
        {t.foreign for t in run if t.foreign},
        key=lambda lang: sum(zipf(t.text.casefold(), lang) for t in run),
    )
    start, end = run[0].start, run[-1].end
    if len(run) >= 2:
        return Artifact(SEGMENT, text[start:end], start, end, language)
    token = run[0]
    lowered = token.text.casefold()
    english, foreign = zipf(lowered, "en"), zipf(lowered, language)
    if foreign < WORD_MIN_ZIPF or foreign - english < WORD_MARGIN or len(token.text) < 3:
        return None
    if english >= LONE_WORD_MAX_ENGLISH_ZIPF:
        return None
    if token.text[:1].isupper() and (foreign < SENTENCE_START_MIN_ZIPF or _used_as_name(text, token.text)):
        return None
    return Artifact(WORD, token.text, start, end, language)


def _used_as_name(text: str, word: str) -> bool:
    """Does the word also stand capitalised inside a sentence elsewhere in the text?"""
    for match in re.finditer(rf"\b{re.escape(word)}\b", text):
        if not _starts_sentence(text, match.start()):
            return True
    return False


def _widen_to_brackets(text: str, artifact: Artifact) -> Artifact:
    """A foreign run inside brackets is a gloss: the whole bracket content is the artifact."""
    for match in _BRACKETS.finditer(text):
        group = 1 if match.group(1) is not None else 2
        start, end = match.span(group)
        if start <= artifact.start and artifact.end <= end:
            inner = text[start:end]
            if (artifact.end - artifact.start) * 2 >= len(inner.strip()) or artifact.kind == SEGMENT:
                kind = SEGMENT if count_words(inner) >= 2 else WORD
                return Artifact(kind, inner, start, end, artifact.language)
    return artifact


def _skipped_spans(text: str) -> list[tuple[int, int]]:
    """Spans that are names of things, not words of the text: URLs, addresses, handles,
    domains, and whole paragraphs of code (braces, semicolons, operators)."""
    spans = []
    start = 0
    for paragraph in text.split("\n"):
        if paragraph and _SKIP_TRIGGER.search(paragraph):
            spans += [(start + m.start(), start + m.end()) for m in _SKIP_SPANS.finditer(paragraph)]
        if paragraph and len(_CODE_SYMBOLS.findall(paragraph)) >= CODE_SYMBOL_SHARE * len(paragraph):
            spans.append((start, start + len(paragraph)))
        start += len(paragraph) + 1
    return spans


def _glued_words(text: str, words: DistinctWords) -> list[Artifact]:
    """Function words run into the next word: "theNorth", "theplans". Not identifiers of code
    or markup ("localStorage", "toString()", "sizeDaniel" from a glued caption): the head must
    be a function word, no code may stand around the word, and glue stands inside a sentence
    (a sentence opening in lower case is a brand's name: "inRead", "eBay")."""
    found = []
    if any(map(_camel_glue, words.camel)):  # rare: decide per word before the positions
        found = [
            match
            for match in _CAMEL_GLUE.finditer(text)
            if _camel_glue(match.group())
            and not _in_code(text, match.start(), match.end())
            and not _starts_sentence(text, match.start())  # "inRead invented by Teads": a brand
        ]
    if any(map(_glued_after_prefix, words.lowercase)):  # (only a word of 5 letters or more can be)
        found += [m for m in _LOWER_WORD.finditer(text) if _glued_after_prefix(m.group())]
    if not found:
        return []
    skip = _skipped_spans(text)
    return [
        Artifact(GLUED, m.group(), m.start(), m.end(), None)
        for m in found
        if not _inside(skip, m.start(), m.end())
    ]


def _camel_glue(word: str) -> bool:
    """Is a camel-case word (a `_CAMEL_GLUE` match) a function word glued to a common word?"""
    match = _CAMEL_GLUE.fullmatch(word)
    if match is None:
        return False
    return match.group(1) in CAMEL_GLUE_HEADS and zipf(match.group(2).casefold(), "en") >= GLUE_PART_MIN_ZIPF


def _in_code(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else ""
    after, then = text[end : end + 1], text[end + 1 : end + 2]
    return (
        (bool(before) and before in _CODE_BEFORE)
        or (after in _CODE_AFTER and bool(after))
        or (after in _CODE_JOINERS and bool(after) and then.isalnum())
    )


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a < end and start < b for a, b in spans)


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _glued_after_prefix(word: str) -> bool:
    """Is a word English does not know a common prefix glued to a common word ("theplans")?"""
    if zipf(word, "en") >= RARE_IN_ENGLISH:
        return False
    return any(
        word.startswith(prefix)
        and len(word) - len(prefix) >= 3
        and zipf(word[len(prefix) :], "en") >= GLUE_PART_MIN_ZIPF
        for prefix in LOWER_GLUE_PREFIXES
    )


def _without_overlaps(found: list[Artifact]) -> list[Artifact]:
    kept: list[Artifact] = []
    for artifact in sorted(found, key=lambda a: (a.start, -(a.end - a.start))):
        if kept and artifact.start < kept[-1].end:
            continue
        kept.append(artifact)
    return kept
