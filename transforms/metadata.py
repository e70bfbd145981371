"""Title, publication date and URL from the header and footer lines of a crawled article.

Crawlers put metadata into the text in a handful of layouts, which this module reads:

- a title line, then a compact date line ("20220109") and a URL line;
- " date 2022-01-09 " glued before the first paragraph;
- a title line repeated, or followed by a photo caption that repeats it ("… (Internet photo)");
- a breadcrumb "Home SECTION <title>" followed by the title line;
- bylines and date lines in many languages ("Published: January 9, 2022 10:31 AM",
  "Par Claire Morin - Publié le 12 janvier 2023", "14.03.2022, 16:45 Uhr", "2022年1月9日 08:30");
- a "Source: <url>" line (Fuente, Quelle, 来源…) at the end.

Only the header is searched for the date: a date inside the story is not the publication date.
Every line used as metadata is reported by index so it does not stay in the article text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from transforms.dates import find_date_span
from transforms.furniture import BYLINE_WORDS, HOME_WORDS, SOURCE_LABELS, UPDATED_WORDS
from transforms.lines import count_words, ends_sentence, is_prose, is_url, line_key

# How far into the document header lines (bylines, dates) may stand, in non-empty lines.
HEADER_WINDOW = 8
# How far from the end a "Source: <url>" line may stand, in non-empty lines.
FOOTER_WINDOW = 12
MAX_TITLE_WORDS = 30
# Words left in a date line once the date, times and labels are gone ("Par Claire Morin").
MAX_BYLINE_WORDS = 8

_DATE_PREFIX = re.compile(r"^\s*date\s+(?P<date>\d{4}-\d{2}-\d{2})\s+", re.IGNORECASE)
_TIME = re.compile(r"\b\d{1,2}[:.h]\d{2}(?::\d{2})?\s*(?:am|pm|uhr|h|klo)?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Header:
    """Metadata found in a document and the lines it came from.

    `removed` maps line indexes to the kind of metadata they held; `replaced` maps line
    indexes to the line's text once a glued prefix (" date 2022-01-09 ") is cut off.
    """

    title: str | None = None
    url: str | None = None
    published_date: dt.date | None = None
    removed: dict[int, str] = field(default_factory=dict)
    replaced: dict[int, str] = field(default_factory=dict)


def domain_of(url: str | None) -> str | None:
    """Host of a URL without "www.".

    >>> domain_of("https://www.kuwaittimes.com/us-ready/")
    'kuwaittimes.com'
    """
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


def extract_header(lines: list[str], today: dt.date | None = None) -> Header:
    """Read title, date and URL from a document's lines (already repaired and stripped).

    >>> h = extract_header(["A title", "20220109", "https://example.com/a", "Body text here."])
    >>> (h.title, h.published_date.isoformat(), h.url, sorted(h.removed))
    ('A title', '2022-01-09', 'https://example.com/a', [0, 1, 2])
    """
    filled = [i for i, line in enumerate(lines) if line]
    if not filled:
        return Header()
    removed: dict[int, str] = {}
    replaced: dict[int, str] = {}
    published: dt.date | None = None
    url: str | None = None
    title: str | None = None

    first = filled[0]
    prefix = _DATE_PREFIX.match(lines[first])
    if prefix:
        published = dt.date.fromisoformat(prefix["date"])
        replaced[first] = lines[first][prefix.end() :]

    head = filled[:HEADER_WINDOW]
    if not prefix:
        title_at = _title_position(lines, head)
        if title_at is not None:
            title = lines[title_at]
            removed[title_at] = "title"
            for i in head:
                if i != title_at and _repeats_title(lines[i], title):
                    removed[i] = "title"

    for i in head:
        if i in removed:
            continue
        line = replaced.get(i, lines[i])
        if is_url(line):
            if url is None:
                url = line.strip()
                removed[i] = "url"
            continue
        found, rest = find_date_span(line, today)
        if found is not None and _is_date_line(line, rest):
            removed[i] = "date"
            if published is None and not UPDATED_WORDS.match(line):
                published = found
        elif _is_byline(line):
            removed[i] = "byline"

    for i in filled[-FOOTER_WINDOW:]:
        source = SOURCE_LABELS.match(lines[i])
        if source and i not in removed:
            removed[i] = "url"
            url = url or source["url"]
    return Header(title, url, published, removed, replaced)


def _title_position(lines: list[str], head: list[int]) -> int | None:
    """Index of the headline: the first header line that reads like one.

    A breadcrumb ("Home NEWS <headline>") is skipped when the headline follows it.
    """
    for n, i in enumerate(head[:3]):
        line = lines[i]
        if _is_breadcrumb(line):
            continue
        if not _looks_like_title(line):
            return None
        return i if n == 0 or _is_breadcrumb(lines[head[0]]) else None
    return None


def _looks_like_title(line: str) -> bool:
    words = count_words(line)
    if not 1 <= words <= MAX_TITLE_WORDS or is_url(line):
        return False
    if re.fullmatch(r"[\d\s.:/-]+", line):
        return False
    return not (ends_sentence(line) and line.rstrip()[-1:] in ".。") or words <= 3


def _is_breadcrumb(line: str) -> bool:
    key = line_key(line)
    return any(key == word or key.startswith(word + " ") for word in HOME_WORDS)


def _repeats_title(line: str, title: str) -> bool:
    """The headline again, alone or as a photo caption ("<title> (Internet photo)"), or a
    breadcrumb that ends with it."""
    key, title_key = line_key(line), line_key(title)
    if key == title_key:
        return True
    if key.startswith(title_key) and re.fullmatch(r"\s*\([^()]{1,40}\)", key[len(title_key) :]):
        return True
    return _is_breadcrumb(line) and key.endswith(" " + title_key)


def _is_date_line(line: str, without_date: str) -> bool:
    """A date line or a byline with a date: little else once the date and times are gone."""
    if is_prose(line) and count_words(line) > 2 * MAX_BYLINE_WORDS:
        return False
    rest = _TIME.sub(" ", without_date)
    return count_words(rest) <= MAX_BYLINE_WORDS


def _is_byline(line: str) -> bool:
    """ "By Sarah Lennox, Arts Correspondent", "Von Jonas Keller": a short line opening with
    a byline word."""
    if count_words(line) > MAX_BYLINE_WORDS or ends_sentence(line):
        return False
    lowered = line.casefold()
    return any(lowered.startswith(word + ("" if word[-1] in ":：" else " ")) for word in BYLINE_WORDS)
