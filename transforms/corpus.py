"""Corpus-level evidence: a line that recurs across many documents is furniture, not news.

A site's menus, footers, newsletter boxes and "related" headlines repeat on every page it
serves, in whatever language and phrasing the site uses; a sentence of a news story appears
once. Counting, over a chunk of documents, in how many of them each (normalised) line occurs
finds that furniture without any phrase list. The flow forms its chunks from files of one
folder (usually one site) or from one shard, so the chunk is the site's own pages.

The flow makes a first pass over a chunk of documents with `text_fingerprints` and
`count_documents_per_line`, then cleans each with `RepeatedLines.from_counts(...)`.

Copies of the same story (syndicated wire copy) repeat whole paragraphs. A document whose
prose is mostly found elsewhere too is such a copy, and repetition is no evidence there:
`classify_lines` then ignores it for that document.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from transforms.lines import LINE_CACHE_SIZE, count_words, line_key

# A line must occur in this many different documents to count as repeated.
MIN_DOCUMENTS = 3
# Below this many documents, recurrence is chance, not evidence: the count is skipped.
MIN_CORPUS_DOCUMENTS = 20
# Only lines up to this length are counted: furniture is short; it bounds memory too.
MAX_COUNTED_WORDS = 60


@lru_cache(maxsize=LINE_CACHE_SIZE)
def fingerprint(line: str) -> int:
    """A stable 64-bit fingerprint of a line's normalised form (the same in every process;
    cached: a chunk's lines are counted first and looked up again as they are judged)."""
    digest = hashlib.blake2b(line_key(line).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


_NO_KEY = fingerprint("")


def text_fingerprints(text: str) -> set[int]:
    """Fingerprints of the distinct countable lines of one (repaired) document (a line with
    nothing left of it by `line_key` is none)."""
    lines = text.split("\n")
    found = {fingerprint(line) for line in lines if line and count_words(line) <= MAX_COUNTED_WORDS}
    found.discard(_NO_KEY)
    return found


def count_documents_per_line(per_document: Iterable[set[int]]) -> Counter[int]:
    """For each line fingerprint, the number of documents that contain it. Counters of
    different batches add up with `+`."""
    counts: Counter[int] = Counter()
    for fingerprints in per_document:
        counts.update(fingerprints)
    return counts


@dataclass(frozen=True)
class RepeatedLines:
    """The lines seen in at least `MIN_DOCUMENTS` documents of the corpus."""

    fingerprints: frozenset[int] = frozenset()

    @classmethod
    def from_counts(cls, counts: Counter[int], min_documents: int = MIN_DOCUMENTS) -> RepeatedLines:
        """The fingerprints found in at least `min_documents` documents.

        >>> counts = count_documents_per_line([{1, 2}, {1, 3}, {1, 2}, {4}])
        >>> sorted(RepeatedLines.from_counts(counts).fingerprints)
        [1]
        """
        return cls(frozenset(f for f, n in counts.items() if n >= min_documents))

    def __contains__(self, line: object) -> bool:
        return isinstance(line, str) and bool(self.fingerprints) and fingerprint(line) in self.fingerprints

    def __len__(self) -> int:
        return len(self.fingerprints)
