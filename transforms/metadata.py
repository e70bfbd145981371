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
from dataclasses import dataclass, field, replace
from itertools import islice
from urllib.parse import urlsplit

from transforms.boilerplate import furniture_reason
from transforms.dates import COMPACT_DATE, find_date, find_date_span, is_relative_date
from transforms.furniture import BYLINE_WORDS, HOME_WORDS, SOURCE_LABELS, UPDATED_WORDS
from transforms.lines import URL_LINE_RE, WORD_RE, count_words, ends_sentence, is_prose, is_url, line_key

# Where there is no body paragraph, how far into the document header lines may stand.
HEADER_WINDOW = 8
# How far down the first body paragraph is looked for (menus can be long), in non-empty lines.
MAX_HEADER_LINES = 60
# Bylines and dates may follow a standfirst: the first body paragraph and this many lines more.
LINES_AFTER_BODY = 6
# The headline stands at most this many non-empty lines above the body.
MAX_TITLE_DISTANCE = 40
# A headline that is not the first line of the document has at least this many words.
MIN_TITLE_WORDS = 3
# How far from the end a "Source: <url>" line may stand, in non-empty lines.
FOOTER_WINDOW = 12
MAX_TITLE_WORDS = 30
# Sentences between the headline and the body (a standfirst) that the title search steps over.
MAX_STANDFIRSTS = 2
# The weights of the title candidates' signals (title_score), chosen on a small grid over the
# real pages, the dev set and tests/corpus, and the least score a title needs.
TITLE_WEIGHTS = {
    "near": 1.0, "before_byline": 1.0, "repeated": 0.5, "capitalised": 0.3,
    "length": 1.2, "time_or_date": 1.0, "overlong": 0.5, "echoed": 1.0,
    "opens_document": 1.0,
}  # fmt: skip
MIN_TITLE_SCORE = 0.3
LONG_TITLE_WORDS = 20
# A headline's words echoed in the body: words of at least four characters, in this many
# lines and characters from the body's start (a bound on the cost of a book-length page).
_ECHO_WORD = re.compile(r"\w{4,}")
ECHO_LINES = 200
ECHO_CHARS = 20_000
FULL_HEADLINE_WORDS = 8
# "Reviewed by Jane Doe", "Posted by …", "From: Herald Sun", "Source: AP": credits and labels.
_CREDIT_LINE = re.compile(r"^(\w+ed by\s|\w+\s?:\s*\S+(\s+\S+){0,2}$)", re.IGNORECASE)
# Words left in a date line once the date, times and labels are gone ("Par Claire Morin").
MAX_BYLINE_WORDS = 8

# Separators between a headline and the site's or section's name in a page title.
_TITLE_SEPARATOR = re.compile(r"\s+(?:[|·•»/\\✩★☆◆■►▸]{1,2}|::|[-–—]{1,2})\s+")
# A part of a page title this short, beside a longer one, is a name (site, section).
MAX_SITE_NAME_WORDS = 4
_ABBREVIATION_END = re.compile(r"\b(?:[A-Z]\.){2,}$")
_DATE_PREFIX = re.compile(r"^\s*date\s+(?P<date>\d{4}-\d{2}-\d{2})\s+", re.IGNORECASE)
_HOME_WORDS = frozenset(HOME_WORDS)
_HOME_PREFIXES = tuple(word + " " for word in HOME_WORDS)
_BYLINE_OPENINGS = tuple(word + ("" if word[-1] in ":：" else " ") for word in BYLINE_WORDS)
_TIME = re.compile(r"\b\d{1,2}[:.h]\d{2}(?::\d{2})?\s*(?:am|pm|uhr|h|klo)?\b", re.IGNORECASE)
# A numeric date of any calendar ("1445/6/26", a Hijri date; "18.10.1402", a Persian one), in
# any digits: a date line even where `find_date` reads no Gregorian date in it.
_DATE_SHAPE = re.compile(r"(?<!\d)\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}(?!\d)")


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


@dataclass(frozen=True)
class Given:
    """Metadata that arrived beside the text (fields of a JSONL or Parquet record). Where
    present and valid it wins over what the header says."""

    title: str | None = None
    url: str | None = None
    date: str | None = None
    fetched_at: dt.datetime | None = None  # when a crawler fetched it (WARC-Date): no publication date


def apply_given(header: Header, given: Given | None, today: dt.date | None = None) -> Header:
    """The header with the given fields put first; an unusable given value is ignored.

    >>> h = apply_given(Header(title="From text"), Given(title="From record", date="2022-01-09"))
    >>> (h.title, str(h.published_date))
    ('From record', '2022-01-09')
    """
    if given is None:
        return header
    given_date = find_date(given.date, today) if given.date else None
    given_url = given.url if given.url and URL_LINE_RE.match(given.url) else None
    return replace(
        header,
        title=given.title or header.title,
        url=given_url or header.url,
        published_date=given_date or header.published_date,
    )


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


def extract_header(lines: list[str], today: dt.date | None = None, body_start: int | None = None) -> Header:
    """Read title, date and URL from a document's lines (already repaired and stripped).

    The header is everything above the first body paragraph, plus a few lines after it
    (a byline under a standfirst). `body_start` is the index of the body's first line where the
    body model has found it; without it, the first prose line that is not furniture. On a whole
    web page the header includes menus, so the title is the headline-like line closest above
    the body, not the first line of the page, unless a crawler's header line opens the
    document (its title, then a `YYYYMMDD` or URL line).

    >>> h = extract_header(["A title", "20220109", "https://example.com/a", "The story begins at long last."])
    >>> (h.title, h.published_date.isoformat(), h.url, sorted(h.removed))
    ('A title', '2022-01-09', 'https://example.com/a', [0, 1, 2])
    """
    filled = [i for i, line in enumerate(lines) if line]
    if not filled:
        return Header()
    removed: dict[int, str] = {}
    replaced: dict[int, str] = {}
    published: dt.date | None = None

    prefix = glued_date_prefix(lines)
    if prefix:  # the first paragraph: what stands above it is the header
        published = prefix.date
        replaced[prefix.index] = prefix.rest
        body_at: int | None = filled.index(prefix.index)
    elif body_start is not None:
        body_at = next((n for n, i in enumerate(filled) if i >= body_start), None)
    else:
        body_at = _first_body_line(lines, filled)
    head = filled[: body_at + LINES_AFTER_BODY + 1] if body_at is not None else filled[:HEADER_WINDOW]

    dates: list[tuple[int, dt.date]] = []
    url: str | None = None
    for i in head:
        line = replaced.get(i, lines[i])
        if is_url(line):
            url = url or line.strip()
            removed[i] = "url"
            continue
        found, rest = (None, line) if _too_long_for_a_date_line(line) else find_date_span(line, today)
        if found is not None and _is_date_line(line, rest):
            removed[i] = "date"
            if not UPDATED_WORDS.match(line):
                dates.append((i, found))
        elif count_words(line) <= MAX_BYLINE_WORDS and is_relative_date(line) and not is_prose(line):
            removed[i] = "date"  # "3 hours ago": a date line, but no calendar date to take
        elif _is_byline(line):
            removed[i] = "byline"

    page_title = lines[filled[0]] if body_at != 0 and _is_crawler_header(lines, filled, body_at) else None
    headline = headline_of(page_title, [lines[i] for i in filled]) if page_title else None
    above_body = filled[:body_at] if body_at is not None else []
    if page_title is not None:
        above_body = above_body[1:]
        removed[filled[0]] = "title"
    title_at: int | None = filled[0] if page_title is not None else None
    shown = headline is not None and _stands_on_page(headline, lines[filled[0] + 1 :])
    if headline is not None and (count_words(headline) >= MIN_TITLE_WORDS or shown):
        title: str | None = headline
    else:  # no crawler header, or its title is as short as a site's name: a headline on the page wins
        body = lines[filled[body_at] :] if body_at is not None else []
        opens = page_title is None
        at_top = prefix is not None and not above_body  # the glued first paragraph opens it
        headline_at = None if at_top else _title_position(lines, above_body, removed, body, opens)
        title = lines[headline_at] if headline_at is not None else headline
        if headline_at is not None and headline_at == filled[0]:  # perhaps a page title: "Headline | Site"
            title = headline_of(lines[headline_at], [lines[i] for i in filled[1:]])
        title_at = headline_at if headline_at is not None else title_at
    for i in head:
        if i == title_at or (title and _repeats_title(lines[i], title)):
            removed[i] = "title"
        elif _is_breadcrumb(lines[i]) and not is_prose(lines[i]):
            removed[i] = "breadcrumb"

    if published is None and dates:
        # The date nearest below the title is the article's; one above it may be the page's
        # (a crawler's header states the page's date right under the page title).
        date_after = filled[0] if page_title is not None else title_at
        after_title = [d for i, d in dates if date_after is None or i > date_after]
        published = (after_title or [d for _, d in dates])[0]

    for i in filled[-FOOTER_WINDOW:]:
        source = SOURCE_LABELS.match(lines[i])
        if source and i not in removed:
            removed[i] = "url"
            url = url or source["url"]
    return Header(title, url, published, removed, replaced)


@dataclass(frozen=True)
class DatePrefix:
    """A " date 2022-01-09 " glued before the first paragraph: where, which date, what follows."""

    index: int
    date: dt.date
    rest: str


def glued_date_prefix(lines: list[str]) -> DatePrefix | None:
    """The date prefix glued before the first paragraph, if there is one: on the document's
    first line, or under a title or a URL line (within its first HEADER_WINDOW lines).

    >>> glued_date_prefix(["", " date 2022-01-09 The council met."])
    DatePrefix(index=1, date=datetime.date(2022, 1, 9), rest='The council met.')
    >>> glued_date_prefix(["Council backs tram", "", " date 2022-01-09 The council met."]).index
    2
    """
    for i in islice((i for i, line in enumerate(lines) if line), HEADER_WINDOW):
        prefix = _DATE_PREFIX.match(lines[i])
        if prefix is not None and lines[i][prefix.end() :].strip():
            return DatePrefix(i, dt.date.fromisoformat(prefix["date"]), lines[i][prefix.end() :])
    return None


def _is_crawler_header(lines: list[str], filled: list[int], body_at: int | None) -> bool:
    """Does the document open with a crawler's header: the page's title, then a `YYYYMMDD`
    date line or a URL line, or a title whose headline the page repeats just above the body?"""
    if len(filled) < 3 or not _looks_like_title(lines[filled[0]]):
        return False
    first, second = lines[filled[0]], lines[filled[1]]
    if COMPACT_DATE.match(second) or is_url(second):
        return True
    if furniture_reason(first) is not None or count_words(first) < MIN_TITLE_WORDS or body_at is None:
        return False
    keys = {line_key(headline_of(first, [])), line_key(first)}
    above_body = filled[max(1, body_at - MAX_TITLE_DISTANCE) : body_at]
    return any(line_key(lines[i]) in keys for i in above_body)


def headline_of(title: str, lines: list[str]) -> str:
    """A page title without the site's or section's name around the headline.

    The title's parts between separators (" | ", " - ", " – ", " · ", " ✩ "…) are matched
    against the page's own lines: the longest run of parts of a headline's length that stands
    on the page as a line (the headline) wins. Failing that, the longest part when the others
    are short names; else a short name at either end is cut off (the last one first), unless
    too little would be left; else a shorter run that stands on the page; else the title as it
    is ("Mozilla - Wikipedia" names the article's subject).

    >>> headline_of("Obama admits US gun laws are his 'biggest frustration' - BBC News",
    ...             ["BBC News", "Obama admits US gun laws are his 'biggest frustration'"])
    "Obama admits US gun laws are his 'biggest frustration'"
    >>> headline_of("The Deck of Cards That Made Tarot A Global Phenomenon - Atlas Obscura", [])
    'The Deck of Cards That Made Tarot A Global Phenomenon'
    >>> headline_of("Firefox — Make it your own — The most flexible browser — Mozilla", [])
    'Firefox — Make it your own — The most flexible browser'
    >>> headline_of("New Zealand - Wikipedia", ["New Zealand"]), headline_of("Mozilla - Wikipedia", [])
    ('New Zealand', 'Mozilla - Wikipedia')
    """
    title = title.strip()
    cuts = [(m.start(), m.end()) for m in _TITLE_SEPARATOR.finditer(title)]
    if not cuts:
        return title
    starts = [0] + [end for _, end in cuts]
    ends = [start for start, _ in cuts] + [len(title)]
    parts = [title[a:b] for a, b in zip(starts, ends, strict=True)]
    n = len(parts)
    runs = [title[starts[a] : ends[b - 1]] for a in range(n) for b in range(a + 1, n + 1) if b - a < n]
    page = {line_key(line) for line in lines}
    on_page = sorted((run for run in runs if line_key(run) in page), key=count_words, reverse=True)
    if on_page and count_words(on_page[0]) >= MIN_TITLE_WORDS:
        return on_page[0]
    longest = max(parts, key=count_words)
    others = [count_words(p) for p in parts if p is not longest]
    if max(others) <= MAX_SITE_NAME_WORDS and 2 * max(others) < count_words(longest):
        return longest
    for name, rest in ((parts[-1], title[: ends[-2]]), (parts[0], title[starts[1] :])):
        if count_words(name) <= MAX_SITE_NAME_WORDS and count_words(rest) >= MIN_TITLE_WORDS:
            return rest
    return on_page[0] if on_page else title


def _first_body_line(lines: list[str], filled: list[int]) -> int | None:
    """Position (in `filled`) of the first prose line that is not furniture. A long line
    without a full stop may still be a headline, so it only counts when longer than one."""
    for n, i in enumerate(filled[:MAX_HEADER_LINES]):
        line = lines[i]
        if not is_prose(line) or furniture_reason(line) is not None:
            continue
        if ends_sentence(line) or count_words(line) > MAX_TITLE_WORDS:
            return n
    return None


def _title_position(
    lines: list[str], above_body: list[int], metadata: dict[int, str], body: list[str], opens_document: bool
) -> int | None:
    """Index of the headline: the best-scoring headline-shaped line above the body.

    The search goes up from the body over at most MAX_TITLE_DISTANCE lines and stops at a
    sentence (the end of something else), stepping over a standfirst and a caption. The line
    that opens the document is a candidate however far up it stands (`opens_document`: no
    crawler's header took it): a crawler may have saved the page's title there alone. `body`
    is the text from the body on, whose words a headline shares.
    Metadata, furniture, breadcrumbs and bylines are no candidates. See `title_score` for what
    makes the best one.
    """
    window = above_body[-MAX_TITLE_DISTANCE:]
    keys = [line_key(lines[i]) for i in window]
    body_words = _content_words(" ".join(body[:ECHO_LINES])[:ECHO_CHARS])
    scored: dict[int, float] = {}
    standfirsts = MAX_STANDFIRSTS
    for distance, n in enumerate(reversed(range(len(window)))):
        i, line = window[n], lines[window[n]]
        if i in metadata or furniture_reason(line) or _is_breadcrumb(line):
            continue
        if not _looks_like_title(line):
            if is_prose(line) and ends_sentence(line):
                if not standfirsts:
                    break
                standfirsts -= 1
            continue
        if _opens_like_byline(line) or (count_words(line) < MIN_TITLE_WORDS and i != above_body[0]):
            continue
        signals = TitleSignals(
            distance=distance,
            before_byline=any(metadata.get(j) in ("date", "byline") for j in window[n + 1 : n + 4]),
            repeated=keys.count(keys[n]) > 1,
            opens_document=opens_document and i == above_body[0] and count_words(line) >= MIN_TITLE_WORDS,
            echoed=_echoed(line, body_words),
        )
        scored[i] = title_score(line, signals)
    first = above_body[0] if opens_document and above_body else None
    if first is not None and first not in scored and _could_open_with_title(lines[first], first, metadata):
        signals = TitleSignals(len(above_body), opens_document=True, echoed=_echoed(lines[first], body_words))
        scored[first] = title_score(lines[first], signals)
    best = max(scored, key=scored.__getitem__, default=None)
    return best if best is not None and scored[best] > MIN_TITLE_SCORE else None


def _content_words(text: str) -> frozenset[str]:
    return frozenset(_ECHO_WORD.findall(text.casefold()))


def _echoed(line: str, body_words: frozenset[str]) -> float:
    """The share of a line's longer words that the body uses too.

    >>> _echoed("Peanuts early may avoid allergy", frozenset({"peanuts", "allergy", "early"}))
    0.75

    A name of one or two words (the site's, on top of the page) echoes little, even when the
    body says it: the share is taken of at least MIN_TITLE_WORDS words.
    """
    words = _content_words(line)
    return len(words & body_words) / max(len(words), MIN_TITLE_WORDS)


def _could_open_with_title(line: str, index: int, metadata: dict[int, str]) -> bool:
    """Could the document's first line be a page title saved by a crawler?"""
    if index in metadata or furniture_reason(line) or _is_breadcrumb(line) or _opens_like_byline(line):
        return False
    return _looks_like_title(line) and count_words(line) >= MIN_TITLE_WORDS


@dataclass(frozen=True)
class TitleSignals:
    """Where a headline candidate stands: lines above the body, whether a byline or date line
    follows within three lines, whether the page repeats it, whether it opens the document, the
    share of its words the body uses (a headline announces the article, a teaser another one)."""

    distance: int = 0
    before_byline: bool = False
    repeated: bool = False
    opens_document: bool = False
    echoed: float = 0.0


def title_score(line: str, signals: TitleSignals) -> float:
    """How much a headline-shaped line looks like the article's headline: near the body, above
    its byline or date, repeated (a headline and its share text), capitalised like a headline,
    of a headline's length, without times or dates.

    >>> near = TitleSignals()
    >>> title_score("Council approves new tram line", near) > title_score("Posted 1:39 PM ET", near)
    True
    """
    tokens = [t for t in WORD_RE.findall(line) if t[:1].isalpha()]
    cased = [t for t in tokens if t[:1].isupper() or t[:1].islower()]
    capitalised = sum(t[:1].isupper() for t in cased) / len(cased) if cased else 0.5
    words = count_words(line)
    return (
        TITLE_WEIGHTS["near"] / (1 + signals.distance)
        + TITLE_WEIGHTS["before_byline"] * signals.before_byline
        + TITLE_WEIGHTS["repeated"] * signals.repeated
        + TITLE_WEIGHTS["echoed"] * signals.echoed
        + TITLE_WEIGHTS["opens_document"] * signals.opens_document * signals.echoed
        + TITLE_WEIGHTS["capitalised"] * capitalised
        + TITLE_WEIGHTS["length"] * min(words, FULL_HEADLINE_WORDS) / FULL_HEADLINE_WORDS
        - TITLE_WEIGHTS["time_or_date"] * _has_time_or_date(line)
        - TITLE_WEIGHTS["overlong"] * (words > LONG_TITLE_WORDS)
    )


def _has_time_or_date(line: str) -> bool:
    """A time, a date `find_date` reads, or the numeric shape of another calendar's date."""
    return bool(_TIME.search(line) or _DATE_SHAPE.search(line) or find_date(line))


# A headline names no web address: a line with a scheme or a URL escape is a link's text
# ("mozilla.org/,%20https://www.mozilla.org/tr/").
_WEB_ADDRESS = re.compile(r"://|%[0-9A-Fa-f]{2}")


def _opens_like_byline(line: str) -> bool:
    """ "By Jane Doe, Staff Writer", "Reviewed by …", "From: Herald Sun": not a headline."""
    if ends_sentence(line):
        return False
    return line.casefold().startswith(_BYLINE_OPENINGS) or bool(_CREDIT_LINE.match(line))


def _looks_like_title(line: str) -> bool:
    words = count_words(line)
    if not 1 <= words <= MAX_TITLE_WORDS or is_url(line) or _WEB_ADDRESS.search(line):
        return False
    if re.fullmatch(r"[\d\s.:/-]+", line):
        return False
    if _ABBREVIATION_END.search(line):  # "… on What’s Underneath N.Y.C."
        return True
    return not (ends_sentence(line) and line.rstrip()[-1:] in ".。") or words <= 3


def _is_breadcrumb(line: str) -> bool:
    key = line_key(line)
    return key in _HOME_WORDS or key.startswith(_HOME_PREFIXES)


def _stands_on_page(text: str, lines: list[str]) -> bool:
    key = line_key(text)
    return any(line_key(line) == key for line in lines)


def _repeats_title(line: str, title: str) -> bool:
    """The headline again, alone or as a photo caption ("<title> (Internet photo)"), or a
    breadcrumb that ends with it."""
    key, title_key = line_key(line), line_key(title)
    if key == title_key:
        return True
    if key.startswith(title_key) and re.fullmatch(r"\s*\([^()]{1,40}\)", key[len(title_key) :]):
        return True
    return _is_breadcrumb(line) and key.endswith(" " + title_key)


def _too_long_for_a_date_line(line: str) -> bool:
    """A paragraph of the story: no date line, whatever dates it mentions (checked before the
    costly date search)."""
    return is_prose(line) and count_words(line) > 2 * MAX_BYLINE_WORDS


def _is_date_line(line: str, without_date: str) -> bool:
    """A date line or a byline with a date: little else once the date and times are gone."""
    if _too_long_for_a_date_line(line):
        return False
    rest = _TIME.sub(" ", without_date)
    return count_words(rest) <= MAX_BYLINE_WORDS


def _is_byline(line: str) -> bool:
    """ "By Sarah Lennox, Arts Correspondent", "Von Jonas Keller": a short line opening with
    a byline word."""
    if count_words(line) > MAX_BYLINE_WORDS or ends_sentence(line):
        return False
    return line.casefold().startswith(_BYLINE_OPENINGS)
