"""WARC and WET archives: the documents among their records, read as a stream.

Every archiving crawler writes WARC files, and Common Crawl publishes them with their text
extracts (WET). Each record is read with FastWARC (twice warcio's speed on our pages: 270 MB of
gzipped WARC in 0.36 s against 0.73 s) and becomes one of:

- a document: a `response` with status 200 and an HTML payload (by its Content-Type, or
  sniffed when it has none), with the charset of its HTTP header; or a WET `conversion` record
  (its text). Either keeps its `WARC-Target-URI` as the url and its `WARC-Date` as `fetched_at`;
- a reject: another response, as `http_status` (a 404, a redirect) or `not_html` (an image, a
  script), with the status or the type in `detail`;
- a skipped record, counted in the run's summary and not stored: request, metadata, revisit,
  warcinfo.

A record's `source_path` is the archive's path and the record's byte offset,
`crawl-00001.warc.gz@123456`, so that `inspect` seeks straight to it. Its doc_id is of its
address and its bytes (`fetched_from`): the same page from two addresses is two articles,
near-duplicates of each other; from the same address twice, one article and a duplicate. A
truncated or corrupt record ends the file: the records before it stay, and the rest is one
`corrupt_archive` reject.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flows.sources import MAX_DOCUMENT_BYTES, OFFSET_MARK, RawDocument, too_large
from transforms.document import WARC, WET
from transforms.html import SNIFF_CHARS, looks_like_html
from transforms.metadata import Given

HTML_TYPES = ("text/html", "application/xhtml+xml")
# A WARC response is a whole page for trafilatura to read, about 15 times the work of a text
# document. A WARC's spans hold a quarter of a batch's records (a page comes with its request
# record, and often a metadata one), so that its tasks take about as long as a text batch's
# and the last of them leaves no core idle for long: on the bench's WARC of 2,000 pages,
# spans of 125 records instead of 500 took the run from 45.2 to 44.0 s (means of 2 and 3 runs).
WARC_SPAN_DIVISOR = 4


def archive_spans(path: Path, batch_size: int) -> list[tuple[int, int]]:
    """Byte ranges [start, end) of an archive, so that its records are cleaned by several
    tasks at once: `batch_size` records each for a WET archive (text), a WARC_SPAN_DIVISOR-th
    of that for a WARC, the last span fewer. Reading the headers only, this takes about a
    second per gigabyte; an archive that cannot be read is one span (its reader then says
    what is wrong with it)."""
    from fastwarc.warc import ArchiveIterator

    is_wet = path.name.endswith((".warc.wet", ".warc.wet.gz"))
    records_per_span = batch_size if is_wet else max(1, batch_size // WARC_SPAN_DIVISOR)
    size = path.stat().st_size
    try:
        with open(path, "rb") as stream:
            starts = [r.stream_pos for r in ArchiveIterator(stream, parse_http=False)][::records_per_span]
    except (OSError, ValueError, RuntimeError):
        starts = []
    starts = starts or [0]
    return [(start, end) for start, end in zip(starts, [*starts[1:], size], strict=True)]


def archive_records(path: Path, name: str, offset: int = 0, stop: int | None = None) -> Iterator[RawDocument]:
    """The records of one archive from byte `offset` (the start of a record) to `stop`."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    kinds = {int(WarcRecordType.response): "response", int(WarcRecordType.conversion): "conversion"}
    with open(path, "rb") as stream:
        stream.seek(offset)
        position = offset
        try:
            for record in ArchiveIterator(stream, parse_http=True):
                position = record.stream_pos  # the record's offset in the file (FastWARC counts from 0)
                if stop is not None and position >= stop:
                    return
                source_path = f"{name}{OFFSET_MARK}{position}"
                kind = kinds.get(int(record.record_type))
                if kind is None:
                    yield RawDocument(source_path, None, skipped=str(record.record_type))
                    continue
                body = record.reader.read(MAX_DOCUMENT_BYTES + 1)
                if len(body) > MAX_DOCUMENT_BYTES:
                    yield too_large(source_path, len(body))
                    continue
                if len(body) < record.content_length:
                    raise EOFError(f"record cut off after {len(body)} of {record.content_length} bytes")
                yield _document(record, kind, source_path, body)
        except (OSError, EOFError, ValueError, RuntimeError) as err:
            detail = f"{type(err).__name__}: {err}"[:300]
            yield RawDocument(f"{name}{OFFSET_MARK}{position}", None, reason="corrupt_archive", detail=detail)


def fetched_from(document: RawDocument) -> str | None:
    """The address an archive's record was fetched from: with its bytes, what identifies it
    (transforms.document.document_id); None for a document that is no archive's record."""
    return document.given.url if document.given and document.source_format in (WARC, WET) else None


def _document(record: Any, kind: str, source_path: str, body: bytes) -> RawDocument:
    given = Given(url=record.headers.get("WARC-Target-URI"), fetched_at=_fetched_at(record))
    if kind == "conversion":
        return RawDocument(source_path, body, given, source_format=WET)
    status = record.http_headers.status_code if record.is_http and record.http_headers else None
    if status != 200:
        detail = f"HTTP status {status}" if status is not None else "no HTTP status line"
        return RawDocument(source_path, None, reason="http_status", detail=detail)
    content_type = (record.http_content_type or "").lower()
    if content_type:
        is_html = content_type.startswith(HTML_TYPES)
    else:  # no Content-Type: the payload says
        is_html = looks_like_html(body[:SNIFF_CHARS].decode("latin-1"))
    if not is_html:
        return RawDocument(source_path, None, reason="not_html", detail=content_type or "no Content-Type")
    return RawDocument(source_path, body, given, source_format=WARC, charset=record.http_charset)


def _fetched_at(record: Any) -> dt.datetime | None:
    value = record.headers.get("WARC-Date")
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC) if value else None
    except ValueError:
        return None
