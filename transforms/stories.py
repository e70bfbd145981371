"""Stories: the articles in one language that tell the same event, within a few days.

Five outlets telling one White House briefing share few sentences but the same rare words: the
names of people, places and things, and the words of the event ("missiles", "exercises"). An
article's topic is its most specific words, each weighted by three named signals:

- how often the article uses it (1 + log of the count);
- how rare it is in the language (7 minus its wordfreq Zipf frequency: "the" 0, "missiles" 3);
- how rare it is in the dataset (the log inverse of the share of articles that have it, taken
  at the end of the run over the articles' candidate words);

and three times the weight when the text writes it capitalised inside a sentence (a name).
Each article keeps its `CANDIDATE_TERMS` best words by the first two signals (`topic_terms`,
computed with the article); the run weighs them by the third and keeps `TOPIC_TERMS`. Two
articles join one story when their topics' cosine similarity is at least `DEFAULT_THRESHOLD`,
they are in the same language, and their dates (publication, else fetch) are at most
`WINDOW_DAYS` apart when both are known. A story is a connected component of such pairs.

Measured on the seeds (one story told by five sites: they are all linked by pairs at 0.4 or
more), the dev set (55 different stories) and ../shared/eval/pages (60 sites, many subjects):
together, the pairs of articles of different stories stay at 0.22 or below; above it stand
only pages that are one story (three copies, and four reports of the AirAsia crash of
December 2014 by Reuters, the Telegraph and the Globe and Mail, joined at 0.34 to 0.43).
The threshold stands in that gap.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from wordfreq import get_frequency_dict

from transforms.lines import CJK_RE, WORD_CACHE_SIZE, term_hash, text_words  # noqa: F401  (text_words: in the doctest)
from transforms.near_duplicates import group_heads

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

DEFAULT_THRESHOLD = 0.3
WINDOW_DAYS = 3
CANDIDATE_TERMS = 60
TOPIC_TERMS = 20
NAME_BOOST = 3.0
COMMON_ZIPF = 7.0  # a word this frequent in its language (or more) says nothing of the topic
UNKNOWN_LANGUAGE_RARITY = 3.0  # the rarity of every word where wordfreq has no list
NO_DAY = -(2**31)
# The dataset rarity counts a small dataset as this large: among five articles of one story,
# the story's own words are in every article, and would weigh nothing.
MIN_DATASET_ARTICLES = 1000
# A word among the candidates of more than this share of the articles is no topic of any: it
# would only make the comparisons slow (and the dataset rarity weighs it little anyway).
COMMON_IN_DATASET = 0.01
# A capitalised word after a lower-case word or a comma: a name. The look-behind comes after the
# capital it includes, so that the search skips to capitals (2.5 times faster than opening with it).
_NAME_INSIDE_SENTENCE = re.compile(r"[A-Z](?<=[a-z,;] [A-Z])[\w'’-]+")
_ROWS_PER_BLOCK = 4096
_ROWS_PER_CHUNK = 100_000


class Rarities(dict[str, float]):
    """How rare each lower-case word is in one language: COMMON_ZIPF minus its Zipf frequency
    (a dictionary filled as words are asked for, up to WORD_CACHE_SIZE of them: the same words
    recur in every article; a word wordfreq does not list has the greatest rarity, and is not
    stored).

    >>> en = rarities("en")
    >>> en["the"] < 1 < 2 < en["missiles"]
    True
    """

    def __init__(self, frequencies: dict[str, float]) -> None:
        super().__init__()
        self.frequencies = frequencies

    def __missing__(self, word: str) -> float:
        frequency = self.frequencies.get(word, 0.0)
        if frequency <= 0:
            return COMMON_ZIPF
        value = max(0.0, COMMON_ZIPF - (math.log10(frequency) + 9))
        if len(self) < WORD_CACHE_SIZE:
            self[word] = value
        return value


@lru_cache(maxsize=64)
def rarities(language: str) -> Rarities | None:
    """The language's `Rarities`, None where wordfreq has no list for it."""
    try:
        return Rarities(get_frequency_dict(language, "small"))
    except LookupError:
        return None


def topic_terms(
    text: str, words: list[str], language: str, keep: int = CANDIDATE_TERMS
) -> tuple[list[int], list[float]]:
    """An article's candidate topic words (as CRC-32 hashes) and their weights by its own
    counts, the language's rarity and the name boost, best first; `words` are the text's
    (`text_words`).

    >>> text = "The Council met. Mayor Okafor said the Council would vote."
    >>> hashes, weights = topic_terms(text, text_words(text), "en")
    >>> hashes[0] == term_hash("okafor"), len(hashes)
    (True, 7)
    """
    counts = Counter(words)
    terms = [w for w in counts if len(w) > 1 or CJK_RE.match(w)]
    names = {w.casefold() for w in _NAME_INSIDE_SENTENCE.findall(text)}
    table = rarities(language)
    size = len(terms)
    rarity = (
        np.fromiter(map(table.__getitem__, terms), np.float64, size)
        if table is not None
        else np.full(size, UNKNOWN_LANGUAGE_RARITY)
    )
    boost = np.where(np.fromiter(map(names.__contains__, terms), bool, size), NAME_BOOST, 1.0)
    weights = (1 + np.log(np.fromiter(map(counts.__getitem__, terms), np.float64, size))) * rarity * boost
    best = np.argsort(-weights, kind="stable")[:keep]  # stable: ties in the order words came
    best = best[weights[best] > 0]
    return [term_hash(terms[n]) for n in best.tolist()], weights[best].tolist()


@dataclass(frozen=True)
class Topics:
    """The candidate topic words of many articles, flat: article n's are
    `terms[offsets[n] : offsets[n + 1]]`, with their `weights` (no Python object per word, so
    that a million articles fit in memory)."""

    terms: np.ndarray
    weights: np.ndarray
    offsets: np.ndarray

    @classmethod
    def of(cls, topics: list[tuple[list[int], list[float]]]) -> Topics:
        lengths = [len(terms) for terms, _ in topics]
        return cls(
            np.fromiter((t for terms, _ in topics for t in terms), np.uint32),
            np.fromiter((w for _, weights in topics for w in weights), np.float32),
            np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]),
        )


def find_stories(
    vectors: csr_matrix,
    languages: np.ndarray,
    days: np.ndarray,
    rank: np.ndarray,
    threshold: float = DEFAULT_THRESHOLD,
) -> np.ndarray:
    """Group the articles into stories (module docstring): for each article, the position of
    its story's first article (itself for a story of one). `vectors` holds each article's
    topic (`topic_vectors`), `languages` its language (any codes), `days` its date as a day
    number (NO_DAY when it has none), `rank` the order that makes a story's head.

    >>> topics = Topics.of([([1, 2, 3], [1.0] * 3), ([1, 2, 4], [1.0] * 3), ([7, 8, 9], [1.0] * 3)])
    >>> vectors = topic_vectors(topics, TermCounts.of(topics))
    >>> find_stories(vectors, np.array(["en"] * 3), np.array([10, 11, 10]), np.array([0, 1, 2])).tolist()
    [0, 0, 2]
    """
    n = len(languages)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    for language in np.unique(languages):
        members = np.flatnonzero(languages == language)
        dated = members[days[members] != NO_DAY]
        dated = dated[np.argsort(days[dated], kind="stable")]
        dated_days = days[dated]
        for start in range(0, len(dated), _ROWS_PER_BLOCK):  # dated: only within the window
            block = dated[start : start + _ROWS_PER_BLOCK]
            low = np.searchsorted(dated_days, dated_days[start] - WINDOW_DAYS)
            high = np.searchsorted(dated_days, dated_days[block.size + start - 1] + WINDOW_DAYS, side="right")
            pairs.append(_similar_pairs(vectors, block, dated[low:high], days, threshold))
        undated = members[days[members] == NO_DAY]
        for start in range(0, len(undated), _ROWS_PER_BLOCK):  # undated: with the whole language
            pairs.append(
                _similar_pairs(vectors, undated[start : start + _ROWS_PER_BLOCK], members, days, threshold)
            )
    left_parts = [np.zeros(0, dtype=np.int64), *(a for a, _ in pairs)]
    right_parts = [np.zeros(0, dtype=np.int64), *(b for _, b in pairs)]
    head, _ = group_heads(np.concatenate(left_parts), np.concatenate(right_parts), rank)
    return head


def _similar_pairs(
    vectors: csr_matrix, rows: np.ndarray, others: np.ndarray, days: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of `rows` and `others` (article positions) whose topics are similar enough
    and whose dates, where both are known, are at most WINDOW_DAYS apart."""
    similar = (vectors[rows] @ vectors[others].T).tocoo()
    keep = similar.data >= threshold
    a, b = rows[similar.row[keep]], others[similar.col[keep]]
    known = (days[a] != NO_DAY) & (days[b] != NO_DAY)
    near = (a != b) & (~known | (np.abs(days[a] - days[b]) <= WINDOW_DAYS))
    return a[near], b[near]


class TermCounts:
    """In how many articles each candidate topic word is, counted a part of the dataset at a
    time (`add`): the dataset rarity needs the counts of every article before any topic is
    weighed, and the words of all (60 an article) need not be held at once for that.

    >>> counts = TermCounts()
    >>> counts.add(Topics.of([([5, 7], [1.0, 1.0])]))
    >>> counts.add(Topics.of([([7], [1.0])]))
    >>> counts.articles, dict(zip(*(a.tolist() for a in counts.counted())))
    (2, {5: 1, 7: 2})
    """

    FOLD_TERMS = 4_000_000  # words waiting to be counted, at most (16 MB)

    def __init__(self) -> None:
        self.articles = 0
        self._terms, self._counts = np.zeros(0, np.uint32), np.zeros(0, np.int64)
        self._waiting: list[np.ndarray] = []
        self._waiting_terms = 0

    @classmethod
    def of(cls, topics: Topics) -> TermCounts:
        counts = cls()
        counts.add(topics)
        return counts

    def add(self, topics: Topics) -> None:
        """Count these articles' words (an article lists a word once)."""
        self.articles += len(topics.offsets) - 1
        self._waiting.append(topics.terms)
        self._waiting_terms += len(topics.terms)
        if self._waiting_terms >= self.FOLD_TERMS:
            self._fold()

    def counted(self) -> tuple[np.ndarray, np.ndarray]:
        """The words, sorted, and how many articles have each."""
        self._fold()
        return self._terms, self._counts

    def _fold(self) -> None:
        if not self._waiting:
            return
        waiting, counts = np.unique(np.concatenate(self._waiting), return_counts=True)
        terms = np.concatenate([self._terms, waiting])
        self._terms, where = np.unique(terms, return_inverse=True)
        self._counts = np.bincount(
            where, weights=np.concatenate([self._counts, counts]), minlength=len(self._terms)
        ).astype(np.int64)
        self._waiting, self._waiting_terms = [], 0


def topic_vectors(topics: Topics, counts: TermCounts) -> csr_matrix:
    """Unit rows of TOPIC_TERMS weights each: the candidate weights times the dataset rarity
    (from `counts`, of the whole dataset). Rows are weighed in chunks, so that a million
    articles need no more than the matrix; the columns are the places of the words in
    `counts`, so that the vectors of several parts stack."""
    vocabulary, in_articles = counts.counted()
    n = len(topics.offsets) - 1
    size = max(counts.articles, MIN_DATASET_ARTICLES)
    rarity = np.log((size + 1) / (in_articles + 0.5)).astype(np.float32)
    rarity[in_articles > size * COMMON_IN_DATASET] = 0.0
    indptr, indices, data = [np.zeros(1, dtype=np.int64)], [], []
    for start in range(0, n, _ROWS_PER_CHUNK):
        offsets = topics.offsets[start : min(n, start + _ROWS_PER_CHUNK) + 1]
        terms = topics.terms[offsets[0] : offsets[-1]]
        columns = np.searchsorted(vocabulary, terms).astype(np.int32)
        values = topics.weights[offsets[0] : offsets[-1]] * rarity[columns]
        rows = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
        order = np.lexsort((-values, rows))  # each row's best first
        rows, columns, values = rows[order], columns[order], values[order]
        place = np.arange(len(rows)) - np.searchsorted(rows, rows)
        keep = (place < TOPIC_TERMS) & (values > 0)
        rows, columns, values = rows[keep], columns[keep], values[keep]
        norms = np.sqrt(np.bincount(rows, weights=values.astype(np.float64) ** 2, minlength=len(offsets) - 1))
        per_row = np.bincount(rows, minlength=len(offsets) - 1)
        indptr.append(indptr[-1][-1] + np.cumsum(per_row))
        indices.append(columns)
        data.append((values / norms[rows]).astype(np.float32))
    values = np.concatenate(data or [np.zeros(0, np.float32)])
    columns = np.concatenate(indices or [np.zeros(0, np.int32)])
    from scipy.sparse import csr_matrix  # imported when a run relates its articles, not at start-up

    return csr_matrix((values, columns, np.concatenate(indptr)), shape=(n, len(vocabulary)))
