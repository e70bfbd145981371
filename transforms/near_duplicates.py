"""Near-duplicates: the same article more than once, told by MinHash signatures of its words.

A crawl holds the same article many times: a wire story on sister sites, a page fetched twice,
a copy lightly edited. Two cleaned texts are near-duplicates when the sets of their words have
a Jaccard similarity of at least `DEFAULT_THRESHOLD`. Word sets (shingles of one word) rather
than longer shingles, because that is what separates copies from other tellings, measured on
the dev set and ../shared/eval/pages: a copy with 5% of its words changed keeps a Jaccard of
0.87 or more, one with a paragraph dropped or its last tenth cut off about 0.85-0.9, while two
outlets telling the same story (the seeds) stay at 0.5 or below; with word pairs the edited
copy falls to 0.81, too near the threshold for an estimate. A copy cut short is also told by
containment (MIN_CONTAINMENT, below), which needs each text's number of distinct words.

Each text gets a MinHash signature of `PERMUTATIONS` values (the minimum of each of as many
hash functions over its words): the share of equal values estimates the Jaccard similarity.
A value keeps SIGNATURE_BITS bits of its minimum (b-bit MinHash, Li and König 2010), the
lowest of its high 32 (a minimum's highest bits are mostly zeros: kept, they made two seeds
that share half their words agree on 75% of the values). Two different minima then agree by
chance once in 256, which the estimate takes out (`_estimate`), and a signature takes a
quarter of the memory of 32-bit values (128 bytes, most of what relating a million articles
holds). Locality-sensitive hashing finds the candidate pairs without comparing every pair:
texts that agree on all `ROWS` values of any of `BANDS` bands are compared, which finds a pair
at 0.8 with probability 0.95 and at 0.85 with 0.994, and almost never one below 0.5. Texts
that begin with the same LEAD_WORDS words are compared too: a copy cut short begins so, and is
a copy at any Jaccard when its words are in the other.
Everything is deterministic: the hash functions come from a fixed seed, and words are hashed
with CRC-32 (Python's own `hash` changes from process to process).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from transforms.lines import term_hash

DEFAULT_THRESHOLD = 0.8
# A copy cut short (its end, a paragraph) is contained in its original: nearly all of its words
# are the other's. So is the original in a copy whose page kept more around it (a standfirst,
# a caption, furniture the other site's page has and the first one's does not). Such a pair
# counts too when its Jaccard estimate falls up to CONTAINED_MARGIN under the threshold. With
# PERMUTATIONS values the estimate errs by about 0.03 near 0.8 (on the generated copies of
# tests/test_near_duplicates.py, 3 of 65 at a true Jaccard of 0.83-0.88 were estimated 0.79),
# Copies of the real pages of ../shared/eval/pages (a page's whole visible text with 5% of its
# words changed, a paragraph dropped, its end cut, or its article inside another site's
# furniture) gave 3 pairs of 176 whose cleaned texts were contained at a Jaccard of 0.62-0.75:
# with a margin of 0.2, 170 of the 176 copies are found, against 167 with 0.1, and no other
# pair joins there, in the dev set or in the seeds.
MIN_CONTAINMENT = 0.9
CONTAINED_MARGIN = 0.2
PERMUTATIONS = 128
BANDS, ROWS = 16, 8
# A copy whose end is cut off begins as its original does, and its words are in the original.
# Two texts whose first LEAD_WORDS words are the same are compared too, whatever their bands,
# and such a pair is a copy when the smaller word set is MIN_CONTAINMENT inside the larger,
# however low its Jaccard: a copy without its last quarter keeps about 0.75, without its last
# two fifths about 0.6 (the bands find those 8 and 1 times in 10; the leads 65 and 63 of 65 on
# the copies of tests/test_near_duplicates.py), and two stories that open alike (a site's
# standard opening) still differ in the rest. A text of fewer words has no lead (NO_LEAD).
LEAD_WORDS = 30
NO_LEAD = 0
SIGNATURE_BITS = 8
SIGNATURE_DTYPE = np.uint8
_BY_CHANCE = 2.0**-SIGNATURE_BITS  # the share of values two unrelated texts share
SIGNATURE_BYTES = PERMUTATIONS * SIGNATURE_BITS // 8
_EMPTY = np.iinfo(SIGNATURE_DTYPE).max
# Candidate pairs are verified, and texts' band keys made, this many at a time: the pairs'
# two copies of their signatures take 8 MB, the texts' 64-bit band values 2 MB.
CHUNK_ROWS = 32_768
# A text is compared with the first text of its bucket; if they differ, with the first of the
# bucket's texts that differed from it too, and so on, this many times: a large bucket (a
# wire story with many copies) may begin with a copy farther from some than the others are.
BUCKET_ROUNDS = 3

_rng = np.random.default_rng(20261201)
_MULTIPLIERS = _rng.integers(1, 2**63, PERMUTATIONS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_OFFSETS = _rng.integers(0, 2**63, PERMUTATIONS, dtype=np.uint64)
_BAND_WEIGHTS = _rng.integers(1, 2**63, ROWS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)


def signature(words: set[str]) -> np.ndarray:
    """The MinHash signature of a text's set of words (`text_words`): PERMUTATIONS values of
    SIGNATURE_BITS bits.

    Each hash function is multiply-shift hashing of the word's CRC-32: the high 32 bits of
    `a * x + b` modulo 2**64, with `a` odd; the signature keeps the lowest SIGNATURE_BITS of
    their minimum.

    >>> a = signature(set("the council approved the new tram line on monday evening".split()))
    >>> b = signature(set("the council approved the new tram line on tuesday evening".split()))
    >>> share_equal = lambda x, y: float(np.mean(x == y))  # it estimates the Jaccard similarity
    >>> 0.6 < share_equal(a, b) < 1.0, share_equal(a, a)
    (True, 1.0)
    """
    if not words:
        return np.full(PERMUTATIONS, _EMPTY, dtype=SIGNATURE_DTYPE)
    hashes = np.fromiter(map(term_hash, words), np.uint64, len(words))
    # One table of words x permutations, added to in place; the shift, which keeps the order,
    # comes after the minimum: 128 values instead of all (2-3 times faster than three tables).
    with np.errstate(over="ignore"):
        values = np.multiply.outer(hashes, _MULTIPLIERS)
        values += _OFFSETS
    return (values.min(axis=0) >> np.uint64(32)).astype(SIGNATURE_DTYPE)  # the cast keeps the lowest


def lead_key(words: list[str]) -> int:
    """A 64-bit key of a text's first LEAD_WORDS words (`text_words`); NO_LEAD when it has
    fewer.

    >>> words = [f"w{n}" for n in range(40)]
    >>> lead_key(words) == lead_key(words[:35]) != lead_key(words[1:]), lead_key(words[:10])
    (True, 0)
    """
    if len(words) < LEAD_WORDS:
        return NO_LEAD
    digest = hashlib.blake2b("\x1f".join(words[:LEAD_WORDS]).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") or 1


@dataclass(frozen=True)
class NearDuplicates:
    """For each text, the position of the original it copies, or -1 (an original, or a text
    with no copy); `groups` counts the sets of texts with more than one member."""

    original: np.ndarray
    groups: int


def find_near_duplicates(
    signatures: np.ndarray,
    rank: np.ndarray,
    threshold: float,
    sizes: np.ndarray | None = None,
    leads: np.ndarray | None = None,
) -> NearDuplicates:
    """Group the texts whose signatures (rows) estimate a Jaccard of at least `threshold`
    with another member of the group, and point every member at the one of lowest `rank`.

    Candidates are the pairs that agree on a whole band; each is verified on the full
    signatures, and the groups are the connected components of the verified pairs, so a chain
    of close copies is one group. With `sizes` (each text's number of distinct words), a pair
    up to CONTAINED_MARGIN under the threshold counts as well when the smaller word set is at
    least MIN_CONTAINMENT inside the larger (estimated from the sizes and the Jaccard estimate).
    With `leads` (each text's `lead_key`), the texts that begin alike are candidates too, and
    such a pair counts at any Jaccard when it is that much contained (a copy cut short).

    >>> texts = ["a b c d e f g h i j", "a b c d e f g h i k", "x y z"]
    >>> sig = np.array([signature(set(t.split())) for t in texts])
    >>> find_near_duplicates(sig, np.array([1, 0, 2]), 0.8).original.tolist()
    [1, -1, -1]
    """
    n = len(signatures)
    if n == 0:
        return NearDuplicates(np.zeros(0, dtype=np.int64), 0)
    components = Components(n)
    for left, right, same_lead in _candidates(signatures, leads):
        for _ in range(BUCKET_ROUNDS):
            fresh = components.label[left] != components.label[right]  # joined already: no need
            left, right = left[fresh], right[fresh]
            agree = _agree(signatures, left, right, threshold, sizes, same_lead)
            components.join(left[agree], right[agree])
            # The members that failed with their bucket's first: paired with the first of them.
            apart, bucket = right[~agree], left[~agree]
            first, member = _bucket_pairs(bucket.astype(np.uint64))
            left, right = apart[first], apart[member]
    head, groups = heads(components.label, rank)
    original = np.where(head == np.arange(n), -1, head)
    return NearDuplicates(original, groups)


class Components:
    """Items joined by pairs, as each item's component label, the first item of its component
    (connected components): pairs are joined as they come, so that a pair of items joined
    already need not be verified, and what is kept is one label an item, however many pairs
    join it.

    >>> components = Components(4)
    >>> components.join(np.array([0]), np.array([1]))
    >>> components.join(np.array([1]), np.array([2]))
    >>> components.label.tolist()
    [0, 0, 0, 3]
    """

    def __init__(self, n: int) -> None:
        self.label = np.arange(n)

    def join(self, left: np.ndarray, right: np.ndarray) -> None:
        if len(left) == 0:
            return
        # Imported here: the command line reads this module's DEFAULT_THRESHOLD before it knows
        # whether a run is needed at all (an unchanged input ends in a fraction of a second).
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        n = len(self.label)
        rows = np.concatenate([np.arange(n), left])  # each item to its component, and the pairs
        columns = np.concatenate([self.label, right])
        graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, columns)), shape=(n, n))
        component = connected_components(graph, directed=False)[1]
        _, first_item = np.unique(component, return_index=True)
        self.label = first_item[component]  # an item of the component: edges above stay edges


def group_heads(left: np.ndarray, right: np.ndarray, rank: np.ndarray) -> tuple[np.ndarray, int]:
    """The groups that the pairs (left[i], right[i]) join among len(rank) items (connected
    components): each item's head, the member of lowest `rank`, and the number of groups of
    more than one item.

    >>> head, groups = group_heads(np.array([0, 2]), np.array([1, 3]), np.array([3, 2, 1, 0]))
    >>> head.tolist(), groups
    ([1, 1, 3, 3], 2)
    """
    components = Components(len(rank))
    components.join(left, right)
    return heads(components.label, rank)


def heads(label: np.ndarray, rank: np.ndarray) -> tuple[np.ndarray, int]:
    """Each item's head, the member of its group (same `label`) of lowest `rank`, and the
    number of groups of more than one item."""
    n = len(rank)
    by_group = np.lexsort((rank, label))  # each group's members together, lowest rank first
    first_of_group = np.ones(n, dtype=bool)
    first_of_group[1:] = label[by_group][1:] != label[by_group][:-1]
    head = np.empty(n, dtype=np.int64)
    head[by_group] = by_group[np.maximum.accumulate(np.where(first_of_group, np.arange(n), 0))]
    return head, int((np.bincount(label) > 1).sum())


def _band_key(signatures: np.ndarray, band: int) -> np.ndarray:
    """One 64-bit key per text for one band of its signature (one band at a time, and the
    texts in chunks: the 64-bit products of all would take 128 bytes a text)."""
    keys = np.empty(len(signatures), dtype=np.uint64)
    for start in range(0, len(signatures), CHUNK_ROWS):
        rows = signatures[start : start + CHUNK_ROWS, band * ROWS : (band + 1) * ROWS].astype(np.uint64)
        with np.errstate(over="ignore"):
            keys[start : start + CHUNK_ROWS] = (rows * _BAND_WEIGHTS).sum(axis=1, dtype=np.uint64)
    return keys


def _agree(
    signatures: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    threshold: float,
    sizes: np.ndarray | None,
    same_lead: bool,
) -> np.ndarray:
    """Which candidate pairs (left[i], right[i]) are near-duplicates: their signatures
    estimate at least `threshold`, or less for a contained copy (see `find_near_duplicates`).
    CHUNK_ROWS pairs at a time."""
    agree = np.zeros(len(left), dtype=bool)
    for at in range(0, len(left), CHUNK_ROWS):
        first, second = left[at : at + CHUNK_ROWS], right[at : at + CHUNK_ROWS]
        estimate = _estimate(np.count_nonzero(signatures[first] == signatures[second], axis=1) / PERMUTATIONS)
        verified = estimate >= threshold
        if sizes is not None:
            first_size, second_size = sizes[first].astype(np.float64), sizes[second].astype(np.float64)
            shared = estimate / (1 + estimate) * (first_size + second_size)  # |A ∩ B| from J
            floor = 0.0 if same_lead else threshold - CONTAINED_MARGIN
            verified |= (estimate >= floor) & (
                shared >= MIN_CONTAINMENT * np.minimum(first_size, second_size)
            )
        agree[at : at + CHUNK_ROWS] = verified
    return agree


def _estimate(share_equal: np.ndarray) -> np.ndarray:
    """The Jaccard similarity that a share of equal signature values estimates: with b bits a
    value, two different minima are equal by chance (_BY_CHANCE), so a share s estimates
    (s - c) / (1 - c) (Li and König 2010).

    >>> _estimate(np.array([1.0, _BY_CHANCE])).tolist()
    [1.0, 0.0]
    """
    return (share_equal - _BY_CHANCE) / (1 - _BY_CHANCE)


def _candidates(
    signatures: np.ndarray, leads: np.ndarray | None
) -> Iterator[tuple[np.ndarray, np.ndarray, bool]]:
    """The candidate pairs of each band in turn (one band at a time, to bound memory), then
    those of the leads (flagged True)."""
    for band in range(BANDS):
        yield *_bucket_pairs(_band_key(signatures, band)), False
    if leads is not None:
        with_lead = np.flatnonzero(leads != NO_LEAD)
        left, right = _bucket_pairs(leads[with_lead])
        yield with_lead[left], with_lead[right], True


def _bucket_pairs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each position paired with the first position of the same key (none for the first).

    >>> [p.tolist() for p in _bucket_pairs(np.array([7, 3, 7, 7], dtype=np.uint64))]
    [[0, 0], [2, 3]]
    """
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    members = np.flatnonzero(run_start != np.arange(len(order)))
    return order[run_start[members]], order[members]
