"""Language of an article body: deterministic langdetect, with scripts settled first.

langdetect is random unless seeded, so this module owns a seeded `DetectorFactory` (no
global state is touched). Scripts that identify a language on their own are decided before
langdetect runs: Hangul is Korean, kana is Japanese, Han without kana is Chinese ("zh", never
"zh-cn"). Text with too few letters, or where langdetect is unsure, is "und".

langdetect reads a sample of the whole body (`SAMPLE_CHARS` in evenly spaced stretches, so that
each paragraph weighs by its length; `body_sample`): on a whole long article it is several times
slower and no more accurate.
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from langdetect import DetectorFactory
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.ngram import NGram

from transforms.lines import count_characters

UNDETERMINED = "und"
SAMPLE_CHARS = 400
SAMPLE_WINDOWS = 4
# langdetect averages this many random walks over the sample's n-grams (its default is 7).
# On a 400-character sample of an article one walk answers as two do: the same codes and
# confidences (to 4 places) on 3,102 articles of the bench corpus, the dev set, the pages and
# the held-out corpus, at 145 instead of 200 us. Against seven walks, on those articles' first
# 40-160 characters one walk differs in 14 of 3,102 codes (two walks: 42), on two articles
# joined in 76 of 621 (two walks: 87), its confidences a little further off (0.11 against
# 0.10 on the joined ones). 'und' catches the unsure cases.
TRIALS = 1
MIN_LETTERS = 20
MIN_CONFIDENCE = 0.5
SEED = 0
NORMALISE_EVERY = 5  # langdetect's walk normalises after steps 0, 5, 10, …

# Runs of a script's characters: `count_characters` sums their lengths.
_HANGUL_CHARS, _KANA_CHARS = r"\uac00-\ud7af\u1100-\u11ff", r"\u3040-\u30ff"
_HAN_CHARS = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HANGUL, _KANA, _HAN = (re.compile(f"[{chars}]+") for chars in (_HANGUL_CHARS, _KANA_CHARS, _HAN_CHARS))
_CJK = re.compile(f"[{_HANGUL_CHARS}{_KANA_CHARS}{_HAN_CHARS}]+")
_LETTERS = re.compile(r"[^\W\d_]+")
_NOISE = re.compile(r"https?://\S+|(?<!\S)\S+@\S+|\d+")  # an address starts after a space
# The same without what cannot match: a text without "@" holds no address, without "://" no
# URL (the address's pattern alone takes a third of the cleaning's time).
_NOISE_WITHOUT_ADDRESSES = re.compile(r"https?://\S+|\d+")
_NUMBERS = re.compile(r"\d+")

# A letter that a language's profile does not list counts as this likely in it: rarer than any
# letter a profile lists ("ł" is 1.3e-2 of Polish letters, "ĺ" 2.6e-4 of Slovak ones).
UNLISTED_LETTER_PROBABILITY = 1e-6

# langdetect's region-tagged codes, mapped to ISO 639-1.
_ISO_639_1 = {"zh-cn": "zh", "zh-tw": "zh"}


@dataclass(frozen=True)
class LanguageGuess:
    """ISO 639-1 code (or "und") and a confidence in [0, 1]."""

    code: str
    confidence: float


class FastDetector(Detector):  # type: ignore[misc]
    """langdetect's `Detector` for this module's profiles, with its hot loops rewritten.

    A profile of the flow showed langdetect's per-character Python loops (n-gram extraction,
    text cleaning) and its per-language probability updates as the largest costs of a
    document. The overrides compute the same values in the same order, so the answers are
    bit-identical (a test checks them against the stock `Detector`), with far fewer Python-level
    steps: characters are normalised with one `str.translate`, and because langdetect's n-gram
    window restarts at every space, the n-grams of each word are computed once and cached; the
    random walks multiply NumPy vectors. It relies on langdetect's internals, which is why
    langdetect is pinned to one version.
    """

    text: str  # set by langdetect's Detector
    langprob: list[float] | None

    def append(self, text: str) -> None:
        # each pattern only where it can match: a URL needs "://", an address "@", and a
        # Vietnamese letter to normalise one of the combining marks
        if "://" in text:
            text = self.URL_RE.sub(" ", text)
        if "@" in text:
            text = self.MAIL_RE.sub(" ", text)
        if not text.isascii() and any(mark in text for mark in NGram.DMARK_CLASS):
            text = NGram.normalize_vi(text)
        self.text += _SPACE_RUN.sub(" ", text[: self.max_text_length])

    def reset(self) -> None:
        """Ready for another text, as a new detector would be (`random` is seeded anew for
        each text): creating one costs more than its work on a short sample."""
        self.text, self.langprob = "", None

    def cleaning_text(self) -> None:
        latin = count_characters(_BASIC_LATIN_LETTERS, self.text)
        # (with a third of the text Latin, at most twice as much is not: no need to count it)
        if 3 * latin < len(self.text) and latin * 2 < count_characters(_NON_LATIN, self.text):
            self.text = _BASIC_LATIN_LETTERS.sub("", self.text)

    def _extract_ngrams(self) -> list[str]:
        words = self.text.translate(_NORMALISED).split(" ")
        result: list[str] = []
        for position, word in enumerate(words, start=1):
            if word:
                result += _word_ngrams(word, position < len(words))
        return result

    def _detect_block(self) -> None:
        """langdetect's random walks over the n-grams, on NumPy vectors: element by element
        the same products and quotients, the normalising sum taken in the same order, and the
        same random draws (`choice` is `getrandbits` until the value is in range).

        langdetect multiplies the probabilities by one n-gram's vector a step, and normalises
        them (and tests for convergence) every NORMALISE_EVERY steps. Here the steps between
        two normalisations are one NumPy reduction: the first row times the probabilities, then
        the rows multiplied in turn, which are the same products in the same order."""
        self.cleaning_text()
        ngrams = self._extract_ngrams()
        if not ngrams:
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        random = self.random
        random.seed(self.seed)
        draw, count = random.getrandbits, len(ngrams)
        bits = count.bit_length()

        langprob = np.zeros(len(self.langlist))
        for _ in range(self.n_trial):
            prob = np.array(self._init_probability())
            alpha = self.alpha + random.gauss(0.0, 1.0) * self.ALPHA_WIDTH
            weight = alpha / self.BASE_FREQ
            step, steps = 0, 1  # langdetect normalises after step 0, then after every fifth
            while True:
                picked = []
                for _ in range(steps):
                    drawn = draw(bits)
                    while drawn >= count:
                        drawn = draw(bits)
                    picked.append(ngrams[drawn])
                rows = np.array(list(map(_vector, picked)))  # a walk visits few n-grams
                rows += weight
                rows[0] *= prob
                prob = np.multiply.reduce(rows, axis=0)
                values = prob.tolist()
                total = sum(values)
                prob /= total
                # the largest quotient is the largest value's: division by a positive number
                # keeps the order, and rounds the same way
                if max(values) / total > self.CONV_THRESHOLD or step >= self.ITERATION_LIMIT:
                    break
                step, steps = step + NORMALISE_EVERY, NORMALISE_EVERY
            langprob += prob / self.n_trial  # each element as langdetect adds it
        self.langprob = langprob.tolist()


_SPACE_RUN = re.compile(" +")
# What langdetect's `cleaning_text` counts: 'A'..'z' as Latin, and from U+0300 up, outside the
# Latin Extended Additional block, as non-Latin.
_BASIC_LATIN_LETTERS = re.compile("[A-z]+")
_NON_LATIN = re.compile("[\u0300-\u1dff\u1f00-\U0010ffff]+")


class _Normalisation(dict[int, str]):
    """`str.translate` table that fills itself with langdetect's `NGram.normalize`."""

    def __missing__(self, code: int) -> str:
        self[code] = NGram.normalize(chr(code))
        return self[code]


_NORMALISED = _Normalisation()


@lru_cache(maxsize=65_536)
def _vector(gram: str) -> np.ndarray:
    """An n-gram's probability in each language, as a vector."""
    return np.array(_factory().word_lang_prob_map[gram])


@lru_cache(maxsize=65_536)
def _word_ngrams(word: str, followed_by_space: bool) -> tuple[str, ...]:
    """The known 1-3-grams langdetect extracts from one normalised word, in its order."""
    known = _factory().word_lang_prob_map
    found: list[str] = []
    grams = " "
    capital_word = False
    for char in word + " " if followed_by_space else word:
        last = grams[-1]
        if last == " ":
            grams = " "
            capital_word = False
        elif len(grams) >= NGram.N_GRAM:
            grams = grams[1:]
        grams += char
        if not char.isupper():
            capital_word = False
        elif last.isupper():
            capital_word = True
        if capital_word:
            continue
        for n in range(1, min(len(grams), NGram.N_GRAM) + 1):
            gram = grams[-n:]
            if gram != " " and gram in known:
                found.append(gram)
    return tuple(found)


def _detector() -> FastDetector:
    """This thread's detector, reset."""
    detector: FastDetector | None = getattr(_per_thread, "detector", None)
    if detector is None:
        detector = _per_thread.detector = FastDetector(_factory())
        detector.n_trial = TRIALS
    detector.reset()
    return detector


_per_thread = threading.local()


@lru_cache(maxsize=1)
def _factory() -> DetectorFactory:
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = SEED
    return factory


def letter_log_likelihoods(counts: Mapping[str, int]) -> np.ndarray:
    """For each of langdetect's languages, how likely these letters are in its writing: the
    sum of count × ln P(letter | language) in its profile (its one-character n-grams). The code
    page of a legacy file is the one whose reading some language explains best
    (transforms/decoding.py): "ł", "ą" and "ż" are common Polish; the same cp1250 bytes read as
    cp1252 are "³", "¹" and "¿", no language's letters.

    >>> scores = letter_log_likelihoods({"ł": 2, "ą": 1, "ż": 1})
    >>> _factory().langlist[int(scores.argmax())]
    'pl'
    """
    total = np.zeros(len(_factory().langlist))
    for letter, count in counts.items():
        total += count * _letter_log_probabilities(letter)
    return total


@lru_cache(maxsize=4096)
def _letter_log_probabilities(letter: str) -> np.ndarray:
    """ln P(letter | language) for each language, as langdetect normalises the letter ("ș" is
    "ş" in its profiles); a capital the profiles lack is taken as its small letter."""
    known = _factory().word_lang_prob_map
    normalised = letter.translate(_NORMALISED)
    probabilities = known.get(normalised) or known.get(normalised.lower())
    if probabilities is None or not normalised.isalpha():
        return np.full(len(_factory().langlist), math.log(UNLISTED_LETTER_PROBABILITY))
    return np.log(np.maximum(np.array(probabilities), UNLISTED_LETTER_PROBABILITY))


def preload() -> None:
    """Load langdetect's profiles now (about 0.5 s) rather than on the first document."""
    _factory()


def known_languages() -> frozenset[str]:
    """Every code `detect_language` can return.

    langdetect names each profile file after its language, so the list needs no profile loaded
    (loading them all takes half a second, which a run that cleans nothing should not pay)."""
    codes = {_ISO_639_1.get(name, name) for name in os.listdir(str(PROFILES_DIRECTORY))}
    return frozenset(codes | {"ja", "ko", "zh", UNDETERMINED})


def detect_language(text: str) -> LanguageGuess:
    """Language of a body of text.

    >>> detect_language("Der Gemeinderat hat am Donnerstagabend beschlossen, die Gebühren zu erhöhen.")
    LanguageGuess(code='de', confidence=1.0)
    >>> detect_language("成都新增二十条公交线路，方便市民出行。").code
    'zh'
    >>> detect_language("OK").code
    'und'
    """
    sample = body_sample(text)
    letters = count_characters(_LETTERS, sample)
    if letters < MIN_LETTERS and not _HAN.search(sample):
        return LanguageGuess(UNDETERMINED, 0.0)
    by_script = _by_script(sample, letters)
    if by_script:
        return by_script
    detector = _detector()
    detector.append(sample)
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return LanguageGuess(UNDETERMINED, 0.0)
    if best.prob < MIN_CONFIDENCE:
        return LanguageGuess(UNDETERMINED, round(best.prob, 4))
    return LanguageGuess(_ISO_639_1.get(best.lang, best.lang), round(min(best.prob, 1.0), 4))


def body_sample(text: str, chars: int = SAMPLE_CHARS, windows: int = SAMPLE_WINDOWS) -> str:
    """About `chars` characters of the text without URLs and numbers, read in `windows` evenly
    spaced stretches from its beginning to its end, so that every paragraph counts by its
    length: an English menu line or a translation notice above a German article is a small
    part of it, as it is of the body.

    >>> body_sample("Short text.")
    'Short text.'
    >>> body_sample("a " * 300 + "b " * 300, chars=40, windows=2).split() == ["a"] * 10 + ["b"] * 10
    True
    """
    if len(text) <= 2 * chars:
        return _clean_sample(text)[:chars]
    width = chars // windows
    pieces = []
    for n in range(windows):
        start = round(n * (len(text) - 2 * width) / max(windows - 1, 1))
        piece = _clean_sample(text[start : start + 2 * width])  # twice as wide: noise goes
        if start:
            piece = piece[piece.find(" ") + 1 :]  # from a word's start
        cut = piece.rfind(" ", 0, width + 1) if len(piece) > width else len(piece)
        pieces.append(piece[: cut if cut > 0 else width])
    return " ".join(p for p in pieces if p)


def _clean_sample(text: str) -> str:
    """The text without URLs, addresses and numbers, its whitespace runs one space.

    >>> _clean_sample("Mail  ana@x.org or see https://x.org/a, 12 May\\n2023.")
    'Mail or see May .'
    """
    noise = _NOISE if "@" in text else _NOISE_WITHOUT_ADDRESSES if "://" in text else _NUMBERS
    return " ".join(noise.sub(" ", text).split())  # str.split's whitespace is re's \s


def _by_script(sample: str, letters: int) -> LanguageGuess | None:
    """Korean, Japanese and Chinese from their scripts alone."""
    cjk = count_characters(_CJK, sample)
    if not letters or cjk / letters < 0.5:
        return None
    hangul, kana = count_characters(_HANGUL, sample), count_characters(_KANA, sample)
    han = cjk - hangul - kana
    share = round(cjk / letters, 4)
    if hangul >= max(kana, han):
        return LanguageGuess("ko", share)
    if kana >= 0.1 * cjk:
        return LanguageGuess("ja", share)
    return LanguageGuess("zh", share)
