"""RSS and Atom feeds: each entry is a document.

A crawl saves feeds too (`feed.xml`, `rss`, `index.atom`): a site's latest articles, each entry
with its headline, link and date, and its text, whole (`content:encoded`, Atom's `content`) or
a summary. Told by its content (an `<rss>`, `<feed>` or `<rdf:RDF>` root), whatever its name,
a file is read with feedparser, which knows every RSS and Atom version and their date formats
and reads broken XML leniently (a feed cut short keeps the entries before the cut). Entry N is
the document `feed.xml#N` (from 1): its content or else its summary, HTML as a rule (it takes
the HTML road, as a record's HTML does), with its title, link and date as the record's
metadata. A feed without entries is one `no_content` reject, an entry without text a
`missing_text` one, an entry the file ends inside (a download cut short) `malformed_record`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from flows.sources import Fields, RawDocument, record_document

FEED_SNIFF_BYTES = 2048
# The root element of a feed, after a BOM, the XML declaration, stylesheet instructions and
# comments.
_FEED_ROOT = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?[^>]*\?>\s*|<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)[\s>]", re.S
)
_ENTRY = Fields()  # an entry becomes a record with the default field names


def looks_like_feed(raw: bytes) -> bool:
    """Is this file an RSS or Atom feed?

    >>> looks_like_feed(b'<?xml version="1.0"?>\\n<rss version="2.0"><channel>')
    True
    >>> looks_like_feed(b'<!DOCTYPE html><html><link type="application/rss+xml" href="/rss">')
    False
    """
    return bool(_FEED_ROOT.match(raw[:FEED_SNIFF_BYTES]))


def feed_documents(raw: bytes, name: str) -> Iterator[RawDocument]:
    """The entries of a feed's bytes as documents `name#N`."""
    import feedparser  # loaded when a crawl holds a feed

    parsed = feedparser.parse(raw, sanitize_html=True, resolve_relative_uris=False)
    entries = parsed.entries
    if not entries:
        yield RawDocument(name, None, reason="no_content", detail="a feed without entries")
        return
    for number, entry in enumerate(entries, start=1):
        if number == len(entries) and parsed.bozo and _entries_closed(raw) < len(entries):
            detail = f"the feed ends inside this entry: {parsed.get('bozo_exception')}"[:300]
            yield RawDocument(f"{name}#{number}", None, reason="malformed_record", detail=detail)
            return
        text = _entry_text(entry)
        if not text:
            detail = "an entry without content or summary"
            yield RawDocument(f"{name}#{number}", None, reason="missing_text", detail=detail)
            continue
        metadata = {"title": entry.get("title"), "url": entry.get("link"), "date": _entry_date(entry)}
        yield record_document({"text": text, **metadata}, f"{name}#{number}", _ENTRY)


def _entries_closed(raw: bytes) -> int:
    """How many entries the feed's bytes close: fewer than feedparser found means that the last
    one was cut short (a broken feed alone, without its closing root tag, keeps them all)."""
    return raw.count(b"</item>") + raw.count(b"</entry>")


def _entry_text(entry: Any) -> str:
    """The entry's longest content (RSS's `content:encoded`, Atom's `content`), else its
    summary (RSS's `description`)."""
    contents = [str(c.get("value") or "") for c in entry.get("content") or []]
    text = max(contents, key=len, default="")
    return (text or str(entry.get("summary") or "")).strip()


def _entry_date(entry: Any) -> str | None:
    """The entry's publication (else update) date as YYYY-MM-DD, in UTC as feedparser gives it."""
    for key in ("published_parsed", "updated_parsed"):
        when = entry.get(key)
        if when:
            return f"{when.tm_year:04d}-{when.tm_mon:02d}-{when.tm_mday:02d}"
    return entry.get("published") or entry.get("updated")
