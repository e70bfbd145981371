"""Which lines of a document are the article: a small learned model over named line signals.

A crawled page is a column of lines: menus, headline lists, share rows, the article, comments,
footers. No single line tells which is which ("Comments" may be a menu entry far above the
story; a one-line quote inside the story is as short as a menu entry), but a line together
with its neighbours does. Every line gets the same signals, none of them tied to one language
or site (the names below are the model's columns):

- OWN_SIGNALS, its own shape: words, characters, sentence ends, commas, capitalised, digit and
  symbol shares, the share of the most common function words of 31 languages (wordfreq);
- HINT_SIGNALS, what the phrase rules and the corpus already know (transforms/boilerplate.py
  hands them in): a known furniture phrase, a line recurring across the corpus, a line in a
  headline list, the distance below a comment-section heading;
- PLACE_SIGNALS, where it stands: position, the share of the page's prose above it, blank
  lines around it, repeated on the page, the run of short lines it stands in;
- RELATIVE_OF, the language-dependent shape signals relative to the page's own prose;
- CONTEXT_OF, signals averaged over windows of 1, 3 and 8 lines before and after it.

Two stages of gradient-boosted trees score the lines: the first from the signals above, the
second from those plus the first stage's scores around the line (STAGE2_EXTRA), so that a
short line between two article paragraphs (a subheading) is kept and a sentence in a footer is
not. The model is data (`body_model.json`), rebuilt by `scripts/train_body_model.py` from the
gold sets under ../shared/eval and tests/corpus; that script also reports its score with whole
sites held out. Inference is NumPy only, all trees at once.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from transforms.lines import (
    LINE_CACHE_SIZE,
    WORD_CACHE_SIZE,
    count_characters,
    count_words,
    ends_sentence,
    is_prose,
    line_tokens,
    prose_shape,
    word_shape,
)

MODEL_PATH = Path(__file__).with_name("body_model.json")
# A line is kept when the second stage scores it at least this.
KEEP_THRESHOLD = 0.5
WINDOWS = (1, 3, 8)
# When no line reaches the threshold, the best prose block counts if its best line scores at
# least this; its lines count down to this share of that best score.
FALLBACK_MIN_SCORE = 0.02
FALLBACK_SHARE_OF_BEST = 0.5
MIN_SENTENCE_WORDS = 3

_COMMA_RE = re.compile(r"[,;，、；،]")
_SENTENCE_ENDS, _CLOSING_MARKS = re.escape(".!?。！？؟"), re.escape("\"'”’»)]」』")
_SENTENCE_BREAK_RE = re.compile(f"[{_SENTENCE_ENDS}]+[{_CLOSING_MARKS}]*(?:\\s+|$)")
_DIGITS_RE = re.compile(r"\d+")  # runs, for `count_characters`
_SYMBOLS_RE = re.compile(r"[|•·›»«‹/\\>#@+=_~^*<{}\[\]]+")
# A time ("9:30", "21.15") or a year of 19xx or 20xx, as a word of its own. Written to begin
# with the digit (the word boundary before it is the look-behind), so that the search skips
# to digits: twice as fast as the same pattern opening with \b.
_TIME_OR_DATE_RE = re.compile(r"\d(?<!\w\d)(?:\d?[:.]\d\d|(?<=1)9\d\d|(?<=2)0\d\d)\b")


def _byte_classes() -> bytes:
    """A `bytes.translate` table giving each ASCII character its class for the counts of
    `character_counts`, read from the patterns above: D digit, S symbol, C comma, P sentence
    end, Q closing quote or bracket, B both symbol and closing (the "]"), W space; every other
    byte, the bytes of UTF-8 sequences included, is a (counted by none)."""
    table = bytearray(b"a" * 256)
    for code in range(128):
        char = chr(code)
        symbol, closing = bool(_SYMBOLS_RE.fullmatch(char)), bool(re.fullmatch(f"[{_CLOSING_MARKS}]", char))
        if _DIGITS_RE.fullmatch(char):
            table[code] = ord("D")
        elif _COMMA_RE.fullmatch(char):
            table[code] = ord("C")
        elif re.fullmatch(f"[{_SENTENCE_ENDS}]", char):
            table[code] = ord("P")
        elif symbol or closing:
            table[code] = ord("B" if symbol and closing else "S" if symbol else "Q")
        elif re.fullmatch(r"\s", char):
            table[code] = ord("W")
    return bytes(table)


_BYTE_CLASSES = _byte_classes()
_BYTE_SENTENCE_BREAK_RE = re.compile(rb"PP*[QB]*(?:W+|$)")  # P+, with "P" a literal prefix: 3x faster
# Non-ASCII characters the patterns count that Latin-script text often holds, each written as
# an ASCII character of the same class before the bytes are classed.
_AS_ASCII = {"’": "'", "”": '"', "»": "]", "«": "|", "•": "|", "·": "|", "›": "|", "‹": "|"}


def _uncounted_ranges(first: int = 0x80, last: int = 0x2FFF) -> str:
    """The characters from `first` to `last` that none of the counts reads (no digit, space,
    symbol, comma, sentence end or closing mark), as a regex class body of ranges."""
    counted = re.compile(
        "|".join([r"[\d\s]", _SYMBOLS_RE.pattern, _COMMA_RE.pattern, f"[{_SENTENCE_ENDS}{_CLOSING_MARKS}]"])
    )
    ranges: list[list[int]] = []
    for code in range(first, last + 1):
        if counted.match(chr(code)):
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


# A line with a character outside ASCII, the uncounted ones and those of _AS_ASCII is counted
# by the patterns themselves (CJK, Arabic or Devanagari punctuation, non-ASCII digits).
_NEEDS_PATTERNS = re.compile(f"[^\x00-\x7f{_uncounted_ranges()}{re.escape(''.join(_AS_ASCII))}]")


def character_counts(line: str) -> tuple[int, int, int, int]:
    """A line's digits, symbols, commas and sentence breaks, as `_DIGITS_RE`, `_SYMBOLS_RE`,
    `_COMMA_RE` and `_SENTENCE_BREAK_RE` count them. Lines of Latin, Greek or Cyrillic script
    (most lines of the news) are counted on their bytes mapped to character classes: a few
    C-level passes instead of four regex scans, several times faster, the same counts.

    >>> character_counts("Sales rose 12% [in 2023]. Shares fell; others rose.")
    (6, 2, 1, 2)
    >>> character_counts("售价，12元。")
    (2, 0, 1, 1)
    """
    if line.isascii():
        return _byte_counts(line.encode("ascii"))
    if _NEEDS_PATTERNS.search(line):
        return _pattern_counts(line)
    for char, ascii_char in _AS_ASCII.items():
        if char in line:
            line = line.replace(char, ascii_char)
    return _byte_counts(line.encode("utf-8"))


def _byte_counts(data: bytes) -> tuple[int, int, int, int]:
    classes = data.translate(_BYTE_CLASSES)
    breaks = len(_BYTE_SENTENCE_BREAK_RE.findall(classes)) if b"P" in classes else 0
    return classes.count(b"D"), classes.count(b"S") + classes.count(b"B"), classes.count(b"C"), breaks


def _pattern_counts(line: str) -> tuple[int, int, int, int]:
    return (
        count_characters(_DIGITS_RE, line),
        count_characters(_SYMBOLS_RE, line),
        len(_COMMA_RE.findall(line)),
        len(_SENTENCE_BREAK_RE.findall(line)),
    )


# Signals of one line by itself; the context signals are derived from them by name.
OWN_SIGNALS: tuple[str, ...] = (
    "log_words",
    "log_chars",
    "ends_sentence",
    "ends_full_stop",
    "log_sentences",
    "comma_rate",
    "capitalised_share",
    "digit_share",
    "symbol_share",
    "function_word_share",
    "starts_lower",
    "is_prose",
    "has_time_or_year",
)
HINT_SIGNALS: tuple[str, ...] = ("furniture", "recurring", "in_list", "log_lines_below_comment_heading")
# The value of that distance where no comment heading stands above: farther than any page is long.
NO_HEADING = 12.0
# Where the line stands: relative position, share of the page's prose above it, the page's
# length, distance to the nearest prose line, inside the block from the first to the last prose
# line that does not recur in the corpus, a blank line next to it (tidy documents have them),
# the same line elsewhere on the page (menus come twice), the length of the run of non-prose
# lines it stands in (a menu, a headline list).
PLACE_SIGNALS: tuple[str, ...] = (
    "position", "prose_above", "log_lines", "log_distance_prose", "in_prose_block", "blank_around",
    "repeated_in_page", "log_short_run",
)  # fmt: skip
# The own signals that are averaged over the neighbours.
CONTEXT_OF: tuple[str, ...] = (
    "log_words", "ends_sentence", "function_word_share", "is_prose", "furniture", "recurring", "in_list",
)  # fmt: skip


# Own signals that differ between languages (German capitalises nouns, Finnish has few function
# words, Chinese no commas between words): also given relative to the page's own prose.
RELATIVE_OF: tuple[str, ...] = ("capitalised_share", "function_word_share", "comma_rate", "log_words")


def _signal_names() -> tuple[str, ...]:
    names = [*OWN_SIGNALS, *HINT_SIGNALS, *PLACE_SIGNALS, *(f"{s}_vs_page" for s in RELATIVE_OF)]
    for w in WINDOWS:
        names += [f"{s}_before_{w}" for s in CONTEXT_OF]
        names += [f"{s}_after_{w}" for s in CONTEXT_OF]
    return tuple(names)


SIGNALS: tuple[str, ...] = _signal_names()
_IS_PROSE = OWN_SIGNALS.index("is_prose")
_CONTEXT_COLUMNS = [(*OWN_SIGNALS, *HINT_SIGNALS).index(s) for s in CONTEXT_OF]
_RELATIVE_COLUMNS = [OWN_SIGNALS.index(s) for s in RELATIVE_OF]
# The blocks of columns of `line_signals`, in the order of SIGNALS.
_OWN = slice(0, len(OWN_SIGNALS))
_HINT = slice(_OWN.stop, _OWN.stop + len(HINT_SIGNALS))
_PLACE = slice(_HINT.stop, _HINT.stop + len(PLACE_SIGNALS))
_VS_PAGE = slice(_PLACE.stop, _PLACE.stop + len(RELATIVE_OF))
_WINDOWS = slice(_VS_PAGE.stop, len(SIGNALS))  # for each width, before and after
STAGE2_EXTRA: tuple[str, ...] = (
    *(f"score_before_{w}" for w in WINDOWS),
    *(f"score_after_{w}" for w in WINDOWS),
    "score",
    "score_between",
    "in_best_block",
)


@dataclass(frozen=True)
class LineHints:
    """What the rules know of each line, aligned with the lines given to `line_signals`."""

    furniture: list[bool]
    recurring: list[bool]
    in_list: list[bool]
    below_comment_heading: list[int | None]  # lines since the nearest comment heading above
    blank_around: list[bool]  # an empty line right before or after it


@dataclass(frozen=True)
class Trees:
    """A forest as flat arrays over all its nodes: node n of tree t is `t * width + n`, and a
    leaf's children are itself, so every walk takes `depth` steps. `children` holds each
    node's right child, then its left one: a walk steps to `children[2 * node + goes_left]`."""

    feature: np.ndarray
    threshold: np.ndarray
    children: np.ndarray
    value: np.ndarray
    trees: int
    width: int
    bias: float
    depth: int

    @classmethod
    def from_json(cls, data: dict) -> Trees:
        left = np.asarray(data["left"], dtype=np.int64)
        n_trees, width = left.shape
        offsets = (np.arange(n_trees) * width)[:, None]
        right = np.asarray(data["right"], dtype=np.int64) + offsets
        return cls(
            feature=np.asarray(data["feature"], dtype=np.int64).ravel(),
            threshold=np.asarray(data["threshold"], dtype=np.float64).ravel(),
            children=np.column_stack([right.ravel(), (left + offsets).ravel()]).ravel(),
            value=np.asarray(data["value"], dtype=np.float64).ravel(),
            trees=n_trees,
            width=width,
            bias=float(data["bias"]),
            depth=int(data["depth"]),
        )

    def probability(self, x: np.ndarray) -> np.ndarray:
        """P(article line) for each row of `x` (rows: lines, columns: signals). All trees walk
        all rows at once, with one-dimensional `take`s (much faster than 2-D fancy indexing)."""
        rows, columns = x.shape
        cells = np.ascontiguousarray(x, dtype=np.float64).ravel()
        node, row_start = _walk_start(self.trees, self.width, rows, columns)
        for _ in range(self.depth):
            goes_left = cells.take(row_start + self.feature.take(node)) <= self.threshold.take(node)
            node = self.children.take(2 * node + goes_left)
        margin = self.bias + self.value.take(node).reshape(self.trees, rows).sum(axis=0)
        return 1.0 / (1.0 + np.exp(-margin))


@lru_cache(maxsize=256)
def _walk_start(trees: int, width: int, rows: int, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Each tree's root for each row (tree-major), and where each row's cells start; cached by
    the number of rows, which documents repeat (building these took a sixth of a walk).

    >>> node, row_start = _walk_start(2, 7, 2, 3)
    >>> node.tolist(), row_start.tolist()
    ([0, 0, 7, 7], [0, 3, 0, 3])
    """
    node = np.repeat(np.arange(trees) * width, rows)
    row_start = np.tile(np.arange(rows) * columns, trees)
    node.flags.writeable = row_start.flags.writeable = False  # shared by every call
    return node, row_start


@dataclass(frozen=True)
class BodyModel:
    stage1: Trees
    stage2: Trees
    function_words: frozenset[str]
    function_chars: frozenset[str]


@cache
def load_model(path: Path = MODEL_PATH) -> BodyModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["signals"]) != SIGNALS or tuple(data["stage2_extra"]) != STAGE2_EXTRA:
        raise ValueError(f"{path} was trained on other signals: rebuild it (scripts/train_body_model.py)")
    return BodyModel(
        Trees.from_json(data["stage1"]),
        Trees.from_json(data["stage2"]),
        frozenset(data["function_words"]),
        frozenset(data["function_chars"]),
    )


class FunctionWordHits(dict[str, bool]):
    """Whether a token, as written, is one of `words` in lower case: each distinct token is
    lower-cased and looked up once (then a dictionary hit, a third of the cost), up to
    WORD_CACHE_SIZE of them at a time.

    >>> hits = FunctionWordHits(frozenset({"the", "and"}))
    >>> [hits[token] for token in ("The", "cat", "AND")]
    [True, False, True]
    """

    def __init__(self, words: frozenset[str]) -> None:
        super().__init__()
        self.words = words

    def __missing__(self, token: str) -> bool:
        if len(self) >= WORD_CACHE_SIZE:
            self.clear()
        hit = self[token] = token.lower() in self.words
        return hit


@lru_cache(maxsize=8)
def _function_word_hits(words: frozenset[str]) -> FunctionWordHits:
    return FunctionWordHits(words)


@lru_cache(maxsize=LINE_CACHE_SIZE)
def own_signals(
    line: str, function_words: frozenset[str], function_chars: frozenset[str]
) -> tuple[float, ...]:
    """The signals of one line by itself, in the order of OWN_SIGNALS (cached: furniture lines
    recur in every page of a site).

    >>> function_words = frozenset({"the", "on", "and", "it"})
    >>> s = own_signals("The council met on Monday, and it voted.", function_words, frozenset())
    >>> dict(zip(OWN_SIGNALS, s))["function_word_share"]
    0.5
    """
    chars = len(line)
    tokens, cjk = line_tokens(line)
    shape = word_shape(line)
    words, upper, lower = shape.words, shape.capitalised, shape.lower
    digits, symbols, commas, sentence_breaks = character_counts(line)
    cased = upper + lower
    ends = ends_sentence(line)
    function_hits = sum(map(_function_word_hits(function_words).__getitem__, tokens))
    function_hits += sum(map(function_chars.__contains__, cjk))
    units = len(tokens) + len(cjk)
    return (
        math.log1p(words),
        math.log1p(chars),
        float(ends),
        float(line.rstrip()[-1:] in ".。"),
        math.log1p(sentence_breaks),
        commas / max(words, 1),
        upper / cased if cased else 0.0,
        digits / max(chars, 1),
        symbols / max(chars, 1),
        function_hits / units if units else 0.0,
        float(line[:1].islower()),
        float(prose_shape(words, ends, upper, lower)),
        float(bool(digits and _TIME_OR_DATE_RE.search(line))),
    )


def _window_means(values: np.ndarray, widths: tuple[int, ...] = WINDOWS) -> tuple[np.ndarray, np.ndarray]:
    """Means of `values` (rows: lines) over the `width` lines before and after each line, for
    each width: two arrays (before, after) of shape (widths, lines, columns); missing
    neighbours count as zero.

    >>> before, after = _window_means(np.array([[1.0], [2.0], [4.0]]), (1,))
    >>> before.ravel().tolist(), after.ravel().tolist()
    ([0.0, 1.0, 2.0], [2.0, 4.0, 0.0])
    """
    n, columns = values.shape
    pad = max(widths)
    cumulative = np.zeros((n + 2 * pad + 1, columns))
    np.cumsum(values, axis=0, out=cumulative[pad + 1 : pad + n + 1])
    cumulative[pad + n + 1 :] = cumulative[pad + n]
    here, next_ = cumulative[pad : pad + n], cumulative[pad + 1 : pad + n + 1]
    shifts = np.array(widths).reshape(-1, 1)
    rows = np.arange(n)
    divisors = shifts.reshape(-1, 1, 1).astype(np.float64)
    before = (here - cumulative[pad - shifts + rows]) / divisors
    after = (cumulative[pad + shifts + 1 + rows] - next_) / divisors
    return before, after


def line_signals(
    lines: list[str], hints: LineHints, function_words: frozenset[str], function_chars: frozenset[str]
) -> np.ndarray:
    """The signal matrix of a document's non-empty lines (rows) in the order of SIGNALS, each
    block of columns written in place (a document costs a few dozen small NumPy steps, and
    stacking the blocks was as many again)."""
    n = len(lines)
    x = np.empty((n, len(SIGNALS)))
    own = x[:, _OWN]
    rows = [own_signals(line, function_words, function_chars) for line in lines]
    own[:] = np.array(rows).reshape(own.shape)
    hint = x[:, _HINT]
    below_heading = [NO_HEADING if d is None else math.log1p(d) for d in hints.below_comment_heading]
    hint[:, 0], hint[:, 1], hint[:, 2] = hints.furniture, hints.recurring, hints.in_list
    hint[:, 3] = below_heading
    prose = own[:, _IS_PROSE] * (1 - hint[:, 0])
    prose_words = prose * np.expm1(own[:, 0])
    total_prose = prose_words.sum() or 1.0
    anchors = np.flatnonzero(prose * (1 - hint[:, 1]))  # prose that is neither furniture nor recurring
    place = x[:, _PLACE]
    np.divide(np.arange(n), max(n - 1, 1), out=place[:, 0])
    np.divide(np.cumsum(prose_words) - prose_words, total_prose, out=place[:, 1])
    place[:, 2] = math.log1p(n)
    np.log1p(_distance_to(np.flatnonzero(prose), n), out=place[:, 3])
    place[:, 4] = 0.0
    if anchors.size:
        place[anchors[0] : anchors[-1] + 1, 4] = 1.0
    place[:, 5] = hints.blank_around
    place[:, 6] = _repeated_in_page(lines)
    np.log1p(_run_lengths(prose == 0), out=place[:, 7])
    relative = own[:, _RELATIVE_COLUMNS]
    reference = relative[anchors].sum(axis=0) / anchors.size if anchors.size else np.zeros(len(RELATIVE_OF))
    np.subtract(relative, reference, out=x[:, _VS_PAGE])
    before, after = _window_means(x[:, _CONTEXT_COLUMNS])
    windows = x[:, _WINDOWS].reshape(n, len(WINDOWS), 2, len(CONTEXT_OF))  # a view: width, side
    windows[:, :, 0] = before.transpose(1, 0, 2)
    windows[:, :, 1] = after.transpose(1, 0, 2)
    return x


def _repeated_in_page(lines: list[str]) -> np.ndarray:
    """1 for a line that stands more than once on the page, else 0."""
    if len(set(lines)) == len(lines):  # nearly every page
        return np.zeros(len(lines))
    counts = Counter(lines)
    return np.array([float(counts[line] > 1) for line in lines])


def _run_lengths(flags: np.ndarray) -> np.ndarray:
    """For each position, the length of the run of equal flags it stands in, 0 where the flag
    is false.

    >>> _run_lengths(np.array([True, True, False, True])).tolist()
    [2.0, 2.0, 0.0, 1.0]
    """
    values = flags.tolist()  # Python's own booleans: indexing an array element by element is slow
    lengths = np.zeros(len(values))
    start = 0
    for n in range(1, len(values) + 1):
        if n == len(values) or values[n] != values[start]:
            if values[start]:
                lengths[start:n] = n - start
            start = n
    return lengths


_SMALL_DISTANCE_TABLE = 4096


def _distance_to(points: np.ndarray, n: int) -> np.ndarray:
    """For each of n positions, the distance to the nearest of `points` (sorted); n if none.

    >>> _distance_to(np.array([2, 5]), 7).tolist()
    [2, 1, 0, 1, 1, 0, 1]
    """
    if not points.size:
        return np.full(n, n)
    at = np.arange(n)
    if n * points.size <= _SMALL_DISTANCE_TABLE:  # one table of all distances: fewer steps
        return np.abs(at.reshape(-1, 1) - points).min(axis=1)
    right = np.searchsorted(points, at).clip(max=points.size - 1)
    left = (right - 1).clip(min=0)
    return np.minimum(np.abs(points[right] - at), np.abs(at - points[left]))


def stage2_signals(signals: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """The second stage's input: the signals plus the first stage's scores around each line:
    window means, the lower of the two neighbours' scores (a line between two article lines),
    and whether the line is in the best-scoring block of the page."""
    n, width = signals.shape
    before, after = _window_means(scores.reshape(-1, 1))
    x = np.empty((n, width + len(STAGE2_EXTRA)))
    x[:, :width] = signals
    extra = x[:, width:]
    extra[:, : len(WINDOWS)] = before[:, :, 0].T
    extra[:, len(WINDOWS) : 2 * len(WINDOWS)] = after[:, :, 0].T
    extra[:, -3] = scores
    np.minimum(before[0, :, 0], after[0, :, 0], out=extra[:, -2])
    extra[:, -1] = best_block(scores - KEEP_THRESHOLD, np.expm1(signals[:, 0]))
    return x


def best_block(margins: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """1 for the lines of the contiguous run whose summed weighted margin is largest, else 0
    (Kadane's maximum subarray).

    >>> best_block(np.array([-1.0, 2.0, -0.5, 3.0, -4.0]), np.ones(5)).tolist()
    [0.0, 1.0, 1.0, 1.0, 0.0]
    """
    values = margins * np.maximum(weights, 1.0)
    best, best_start, best_end = 0.0, 0, -1
    running, start = 0.0, 0
    for n, value in enumerate(values.tolist()):
        if running <= 0:
            running, start = value, n
        else:
            running += value
        if running > best:
            best, best_start, best_end = running, start, n
    block = np.zeros(len(values))
    block[best_start : best_end + 1] = 1.0
    return block


def article_scores(lines: list[str], hints: LineHints, model: BodyModel | None = None) -> np.ndarray:
    """For each non-empty line, the probability that it belongs to the article."""
    if not lines:
        return np.zeros(0)
    model = model or load_model()
    signals = line_signals(lines, hints, model.function_words, model.function_chars)
    first = model.stage1.probability(signals)
    return model.stage2.probability(stage2_signals(signals, first))


def _keep_between(lines: list[str], keep: list[bool], eligible: list[bool]) -> list[bool]:
    """The article is continuous: a line between two kept lines (a subheading, a one-line
    quote) and a complete sentence right after a kept line (a short closing paragraph) belong
    to it, unless a rule has dropped them.

    >>> lines = ["A.", "Sub", "B.", "Menu", "It ends here.", "x"]
    >>> _keep_between(lines, [True, False, True, False, False, False], [True] * 6)
    [True, True, True, False, False, False]
    """
    kept = list(keep)
    for n in range(1, len(kept)):
        if kept[n] or not eligible[n] or not kept[n - 1]:
            continue
        if (n + 1 < len(kept) and keep[n + 1]) or _is_closing_sentence(lines[n]):
            kept[n] = True
    return kept


def _is_closing_sentence(line: str) -> bool:
    """A short complete sentence: "Work is expected to take four years." """
    return count_words(line) >= MIN_SENTENCE_WORDS and ends_sentence(line) and line[:1].isupper()


def article_lines(lines: list[str], scores: np.ndarray, eligible: list[bool]) -> list[bool]:
    """Which lines to keep: the eligible lines the model scores as article. When none is, the
    page still is one (an article of a single paragraph among teasers, readers' comments or a
    page-long menu): its best-scoring prose block is kept rather than the article lost. A page
    without a single prose line keeps nothing, and becomes a `no_content` reject."""
    keep = [e and s >= KEEP_THRESHOLD for e, s in zip(eligible, scores.tolist(), strict=True)]
    if any(keep):
        return _keep_between(lines, keep, eligible)
    prose = [e and is_prose(line) for e, line in zip(eligible, lines, strict=True)]
    if not any(prose):
        return keep
    best = max(s for s, p in zip(scores.tolist(), prose, strict=True) if p)
    if best < FALLBACK_MIN_SCORE:
        return keep
    margins = np.where(prose, scores - best * FALLBACK_SHARE_OF_BEST, -1.0)
    block = best_block(margins, np.array([count_words(line) for line in lines], dtype=np.float64))
    return [
        e and bool(b) and (p or s >= FALLBACK_MIN_SCORE)
        for e, b, p, s in zip(eligible, block, prose, scores.tolist(), strict=True)
    ]
