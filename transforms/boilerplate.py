"""Decide, line by line and with context, which lines of a crawled article are web furniture.

Each line gets a verdict: kept, or dropped with a reason code (datatrove-style), so that the
flow can store the dropped lines and their reasons for audit. Two kinds of evidence:

1. Rules for what is certain on its own (transforms/furniture.py holds the phrases): whole-line
   phrases ("Leave a Reply", "Teilen", "Facebook"), labelled lines ("Tags: …", "© 2023 …"),
   consent, paywall and newsletter notices, photo credits and the captions right above them,
   navigation rows ("Impressum | Datenschutz | Kontakt"), short lines with an e-mail address,
   and short lines that recur across many documents of the corpus (transforms/corpus.py).
2. Hints that only mean something in context, handed to the body model (transforms/body.py)
   with the rest of each line's signals: a line recurring in the corpus, a line in a headline
   list after "Related posts", the distance below a comment-section heading ("12 Comments").

Every line the rules leave undecided is kept when the body model scores it as part of the
article. Short lines are never dropped just for being short: "Months without rain" between two
paragraphs stays.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from transforms.body import LineHints, article_lines, article_scores
from transforms.corpus import RepeatedLines
from transforms.furniture import (
    COMMENT_SECTION,
    COPYRIGHT,
    EMAIL,
    FURNITURE_LINES,
    FURNITURE_PREFIXES,
    GLUED_NAVIGATION,
    LIST_HEAD_PATTERNS,
    LIST_HEADS,
    NOTICE_KEYWORDS,
    PHOTO_CREDIT,
    PHOTO_MARKER_AT_END,
    READING_TIME,
)
from transforms.lines import LINE_CACHE_SIZE, count_words, ends_sentence, is_prose, is_url, line_key

# Longest line (in words) that a keyword or label alone can mark as furniture; longer lines
# are running text that merely mentions cookies or newsletters.
MAX_NOTICE_WORDS = 45
MAX_LABEL_WORDS = 30
MAX_CAPTION_WORDS = 30
MAX_LIST_ITEM_WORDS = 30
# A document whose prose recurs elsewhere more than this is a copy: repetition proves nothing.
MAX_RECURRING_PROSE_SHARE = 0.5
NO_REPEATS = RepeatedLines()
# The longest whole-line furniture phrase, in words (a reading time, "tempo di lettura: 5 min",
# has at most 6): longer lines need no lookup.
_WHOLE_LINE_MAX_WORDS = max(6, *(count_words(phrase) for phrase in FURNITURE_LINES))
_NAV_SEPARATORS = re.compile(r"\s[|•·›»/]\s|\s>\s")
_SENTENCE_BREAK = re.compile(r"[.!?。！？]\s+\S")


@dataclass(frozen=True)
class Verdict:
    """What happens to one line: `reason` is None when the line is kept."""

    index: int
    text: str
    reason: str | None

    @property
    def kept(self) -> bool:
        return self.reason is None


@lru_cache(maxsize=LINE_CACHE_SIZE)
def furniture_reason(line: str) -> str | None:
    """Reason code when a line is furniture on its own, without context, else None.

    >>> furniture_reason("Leave a Reply")
    'furniture'
    >>> furniture_reason("Tags: farmers market, Harbour Square")
    'label'
    >>> furniture_reason("Months without rain") is None
    True
    """
    words = count_words(line)
    if words <= _WHOLE_LINE_MAX_WORDS:
        key = line_key(line)
        if not key or key in FURNITURE_LINES or READING_TIME.match(key):
            return "furniture"
    if words <= MAX_LABEL_WORDS:
        lowered = unicodedata.normalize("NFKC", line).casefold().lstrip()
        if lowered.startswith(FURNITURE_PREFIXES) or COPYRIGHT.match(lowered):
            return "label"
        if PHOTO_CREDIT.match(lowered) and words <= 12:
            return "photo_credit"
        if PHOTO_MARKER_AT_END.search(line):
            return "caption"
        if _is_navigation_row(line) or GLUED_NAVIGATION.match(line):
            return "navigation"
        if _is_form_field(line):
            return "comment_form"
        if "@" in line and EMAIL.search(line):
            return "contact"
    if words <= MAX_NOTICE_WORDS and NOTICE_KEYWORDS.search(line.lower()):
        return "notice"
    if is_url(line):
        return "url"
    return None


@lru_cache(maxsize=LINE_CACHE_SIZE)
def is_list_head(line: str) -> bool:
    """Does this line open a list of links ("Related posts", "Mehr Sport", "更多新闻")?"""
    key = line_key(line)
    return key in LIST_HEADS or any(p.match(key) for p in LIST_HEAD_PATTERNS)


@dataclass(frozen=True)
class LineEvidence:
    """What the rules say of a document's lines before the body model scores them.

    `order` holds the indexes of the lines to judge; `decided` the reason of each line that a
    rule drops on its own (a known phrase, a caption, a short line recurring in the corpus);
    `hints` the soft evidence the model weighs with the rest (transforms/body.py).
    """

    order: list[int]
    decided: dict[int, str]
    hints: LineHints


def line_evidence(lines: list[str], repeated: RepeatedLines = NO_REPEATS) -> LineEvidence:
    """The rules' verdicts and hints for every non-empty line."""
    order = [i for i, line in enumerate(lines) if line]
    verdicts: dict[int, str | None] = {i: furniture_reason(lines[i]) for i in order}
    recurring = _recurring_lines(lines, order, verdicts, repeated)
    for i in recurring:
        if not is_prose(lines[i]):
            verdicts[i] = "repeated"
    _mark_captions(lines, order, verdicts)
    decided = {i: reason for i, reason in verdicts.items() if reason is not None}
    in_list = _list_items(lines, order)
    hints = LineHints(
        furniture=[i in decided for i in order],
        recurring=[i in recurring for i in order],
        in_list=[i in in_list for i in order],
        below_comment_heading=_lines_below_comment_heading(lines, order),
        blank_around=[
            (i > 0 and not lines[i - 1]) or (i + 1 < len(lines) and not lines[i + 1]) for i in order
        ],
    )
    return LineEvidence(order, decided, hints)


def classify_lines(lines: list[str], repeated: RepeatedLines = NO_REPEATS) -> list[Verdict]:
    """Verdicts for every non-empty line (metadata is read afterwards, knowing the body).

    `repeated` holds the lines that recur across the corpus: short ones are furniture
    wherever they stand, prose ones when the body model says they stand outside the article.
    A line the rules leave undecided is kept when the body model scores it as article; a line
    it drops takes the reason of the evidence that stood against it.

    >>> [v.reason for v in classify_lines(
    ...     ["Prose line one that is long enough to count as a sentence of the story.", "",
    ...      "Related posts", "Some headline", "Another headline", "", "Leave a Reply"])]
    [None, 'related_list', 'related_list', 'related_list', 'furniture']
    """
    evidence = line_evidence(lines, repeated)
    judged = [lines[i] for i in evidence.order]
    undecided = [i not in evidence.decided for i in evidence.order]
    keep = article_lines(judged, article_scores(judged, evidence.hints), undecided)
    _drop_recurring_outside(keep, evidence.hints.recurring)
    verdicts = []
    for n, i in enumerate(evidence.order):
        reason = evidence.decided.get(i)
        if reason is None and not keep[n]:
            reason = _model_reason(evidence.hints, n)
        verdicts.append(Verdict(i, lines[i], reason))
    return verdicts


def _drop_recurring_outside(keep: list[bool], recurring: list[bool]) -> None:
    """Corpus evidence stays limited to furniture: a recurring line is only kept inside the
    article that the lines of this document alone make (a site's slogan or member appeal under
    every story goes, even when it reads like prose)."""
    own = [n for n, (k, r) in enumerate(zip(keep, recurring, strict=True)) if k and not r]
    for n, r in enumerate(recurring):
        if r and keep[n] and (not own or not own[0] < n < own[-1]):
            keep[n] = False


def _model_reason(hints: LineHints, n: int) -> str:
    """The reason code of a line the body model drops: the evidence that stood against it."""
    if hints.recurring[n]:
        return "repeated"
    if hints.in_list[n]:
        return "related_list"
    if hints.below_comment_heading[n] is not None:
        return "comments"
    return "outside_body"


def _list_items(lines: list[str], order: list[int]) -> set[int]:
    """A list heading ("Related posts") and the headline-like lines right after it, up to the
    next blank line or the first line that is not a list item."""
    items_of_list: set[int] = set()
    in_list = False
    items = 0
    previous = -2
    for i in order:
        line = lines[i]
        gap = i - previous > 1
        previous = i
        if is_list_head(line):
            items_of_list.add(i)
            in_list, items = True, 0
            continue
        if not in_list:
            continue
        if (gap and items > 0) or not _is_list_item(line):
            in_list = False
            continue
        items_of_list.add(i)
        items += 1
    return items_of_list


def _is_list_item(line: str) -> bool:
    """A headline or a link label: short, and not ending with a full stop."""
    if count_words(line) > MAX_LIST_ITEM_WORDS:
        return False
    return not (ends_sentence(line) and line.rstrip()[-1:] in ".。")


def _mark_captions(lines: list[str], order: list[int], verdicts: dict[int, str | None]) -> None:
    """The lines right above a photo credit are its caption: up to two single sentences."""
    for n, i in enumerate(order):
        if verdicts[i] != "photo_credit":
            continue
        for j in reversed(order[max(0, n - 2) : n]):
            line = lines[j]
            if verdicts[j] is not None and verdicts[j] != "caption":
                break
            if count_words(line) > MAX_CAPTION_WORDS or _SENTENCE_BREAK.search(line):
                break
            verdicts[j] = "caption"


def _lines_below_comment_heading(lines: list[str], order: list[int]) -> list[int | None]:
    """For each line, how many lines above it the nearest comment-section heading ("Leave a
    Reply", "12 Comments", "Kommentare") stands, or None. A hint, not a verdict: on a page a
    "Comments" link may stand in a menu far above the article."""
    distances: list[int | None] = []
    last: int | None = None
    for n, i in enumerate(order):
        if COMMENT_SECTION.match(line_key(lines[i])):
            last = n
        distances.append(None if last is None else n - last)
    return distances


def _recurring_lines(
    lines: list[str], order: list[int], verdicts: dict[int, str | None], repeated: RepeatedLines
) -> set[int]:
    """Undecided lines that recur across the corpus, unless the document is a copy of another
    (most of its prose recurs)."""
    if not repeated:
        return set()
    recurring = {i for i in order if verdicts[i] is None and lines[i] in repeated}
    prose = [i for i in order if verdicts[i] is None and is_prose(lines[i])]
    if prose and sum(i in recurring for i in prose) > MAX_RECURRING_PROSE_SHARE * len(prose):
        return set()
    return recurring


def _is_navigation_row(line: str) -> bool:
    """ "Impressum | Datenschutz | Kontakt": several short items between separators."""
    parts = [p for p in _NAV_SEPARATORS.split(line) if p and p.strip()]
    if len(parts) < 3:
        return False
    return all(count_words(p) <= 4 for p in parts)


def _is_form_field(line: str) -> bool:
    """Comment-form labels: "Name *", "Email *", "Comment *"."""
    return line.rstrip().endswith("*") and count_words(line) <= 4 and not ends_sentence(line)
