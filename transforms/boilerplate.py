"""Decide, line by line and with context, which lines of a crawled article are web furniture.

Each line gets a verdict: kept, or dropped with a reason code (datatrove-style), so that the
flow can store the dropped lines and their reasons for audit. The decision uses, in order:

1. known furniture (transforms/furniture.py): whole-line phrases ("Leave a Reply", "Teilen",
   "Facebook"), labelled lines ("Tags: …", "Read more: …", "© 2023 …"), consent, paywall and
   newsletter notices, photo credits and captions, navigation rows ("Impressum | Datenschutz |
   Kontakt"), short lines with an e-mail address (author boxes, contact lines);
2. lists: a list heading ("Related posts", "More China Central Radio News", "Lire aussi")
   takes the headline-like lines right after it along;
3. captions: the one or two short lines right before a photo credit;
4. comments: from a comment-section heading ("Leave a Reply", "12 Comments", "Kommentare")
   below the start of the article to the end, readers' comments and forms go;
5. corpus evidence (transforms/corpus.py): a short line that recurs across many documents of
   the batch is furniture wherever it stands; a recurring prose line is when it stands outside
   the body;
6. the body as a block: the article is the run of prose from its first to its last prose
   paragraph. Short lines before or after that block are furniture (menus, buttons, signatures);
   short lines inside it are content (subheadings, one-line quotes) unless rule 1 says otherwise.

Short lines are never dropped just for being short: "Months without rain" between two
paragraphs stays.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

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
MIN_SENTENCE_WORDS = 3
# A document whose prose recurs elsewhere more than this is a copy: repetition proves nothing.
MAX_RECURRING_PROSE_SHARE = 0.5
NO_REPEATS = RepeatedLines()
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
    key = line_key(line)
    words = count_words(line)
    if not key:
        return "furniture"
    if key in FURNITURE_LINES or READING_TIME.match(key):
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
        if EMAIL.search(line):
            return "contact"
    if words <= MAX_NOTICE_WORDS and NOTICE_KEYWORDS.search(line.lower()):
        return "notice"
    if is_url(line):
        return "url"
    return None


def is_list_head(line: str) -> bool:
    """Does this line open a list of links ("Related posts", "Mehr Sport", "更多新闻")?"""
    key = line_key(line)
    return key in LIST_HEADS or any(p.match(key) for p in LIST_HEAD_PATTERNS)


def classify_lines(
    lines: list[str],
    skip: set[int] | frozenset[int] = frozenset(),
    repeated: RepeatedLines = NO_REPEATS,
) -> list[Verdict]:
    """Verdicts for every non-empty line not in `skip` (lines already used as metadata).

    `repeated` holds the lines that recur across the corpus: short ones are furniture
    wherever they stand, prose ones when they stand outside the body.

    Blank lines matter: a list ends at the first blank line after its items.

    >>> [v.reason for v in classify_lines(
    ...     ["Prose line one that is long enough to count.", "", "Related posts",
    ...      "Some headline", "Another headline", "", "Leave a Reply"])]
    [None, 'related_list', 'related_list', 'related_list', 'furniture']
    """
    verdicts: dict[int, str | None] = {}
    order = [i for i, line in enumerate(lines) if line and i not in skip]
    for i in order:
        verdicts[i] = furniture_reason(lines[i])
    recurring = _recurring_lines(lines, order, verdicts, repeated)
    for i in recurring:
        if not is_prose(lines[i]):
            verdicts[i] = "repeated"
    _mark_lists(lines, order, verdicts)
    _mark_captions(lines, order, verdicts)
    _mark_comment_section(lines, order, verdicts)
    _mark_outside_body(lines, order, verdicts, recurring)
    return [Verdict(i, lines[i], verdicts[i]) for i in order]


def _mark_lists(lines: list[str], order: list[int], verdicts: dict[int, str | None]) -> None:
    in_list = False
    items = 0
    previous = -2
    for i in order:
        line = lines[i]
        gap = i - previous > 1
        previous = i
        if is_list_head(line):
            verdicts[i] = "related_list"
            in_list, items = True, 0
            continue
        if not in_list:
            continue
        if (gap and items > 0) or not _is_list_item(line):
            in_list = False
            continue
        if verdicts[i] is None:
            verdicts[i] = "related_list"
        items += 1


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


def _mark_comment_section(lines: list[str], order: list[int], verdicts: dict[int, str | None]) -> None:
    """Everything from a comment-section heading on, once the article has begun."""
    body_started = False
    for n, i in enumerate(order):
        if verdicts[i] is None and is_prose(lines[i]):
            body_started = True
        elif body_started and COMMENT_SECTION.match(line_key(lines[i])):
            for j in order[n:]:
                if verdicts[j] is None or verdicts[j] == "outside_body":
                    verdicts[j] = "comments"
            return


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


def _mark_outside_body(
    lines: list[str], order: list[int], verdicts: dict[int, str | None], recurring: set[int]
) -> None:
    """Lines before the first and after the last prose paragraph are not the article: short
    ones, and prose that recurs across the corpus."""
    anchors = [i for i in order if verdicts[i] is None and is_prose(lines[i]) and i not in recurring]
    first, last = (anchors[0], anchors[-1]) if anchors else (len(lines), -1)
    for i in order:  # a short closing sentence right after the last paragraph still belongs
        if i <= last:
            continue
        if verdicts[i] is not None or i in recurring or not _is_sentence(lines[i]):
            break
        last = i
    for i in order:
        if verdicts[i] is None and (i < first or i > last):
            verdicts[i] = "repeated" if i in recurring else "outside_body"


def _is_sentence(line: str) -> bool:
    """A complete short sentence: "Work is expected to take four years." """
    return count_words(line) >= MIN_SENTENCE_WORDS and ends_sentence(line) and not line[:1].islower()


def _is_navigation_row(line: str) -> bool:
    """ "Impressum | Datenschutz | Kontakt": several short items between separators."""
    parts = [p for p in _NAV_SEPARATORS.split(line) if p and p.strip()]
    if len(parts) < 3:
        return False
    return all(count_words(p) <= 4 for p in parts)


def _is_form_field(line: str) -> bool:
    """Comment-form labels: "Name *", "Email *", "Comment *"."""
    return line.rstrip().endswith("*") and count_words(line) <= 4 and not ends_sentence(line)
