"""Inputs: which files there are, and the documents inside each.

A file is either one document (any text file, `.txt.gz` too) or a shard of many records:
`.jsonl` / `.jsonl.gz` (one JSON object a line), `.json` / `.json.gz` (an array of objects, or
objects one after another), `.csv` / `.tsv` (gzipped too; a header row) and `.parquet`, with a
text field and optional title, url and date fields whose values take precedence over what the
text says. Each record keeps a source_path that points back to it: `shard-0001.jsonl.gz#17` is
line 17 (row 17 of a Parquet shard), counted from 1. An RSS or Atom feed, told by its content,
is read as records too, one an entry (flows/feeds.py); archives by flows/archives.py.

Reading streams: `read_documents` yields one document at a time, so a shard of any size is
never held whole in memory. A record that cannot be used (malformed JSON, no text) is yielded
with a reason instead of bytes, so it lands in the rejects table and the rest of the shard
still goes through.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
import time
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, overload

import pyarrow.parquet as pq

from transforms.decoding import stream_encoding
from transforms.metadata import Given

READ_ATTEMPTS = 3
# A news article is kilobytes; a document past this size is a dump, a log or a mistake, and
# cleaning it would hold the worker for minutes. It is rejected ("too_large") without being
# read: a gzip file is decompressed only up to the limit.
MAX_DOCUMENT_BYTES = 32 * 2**20
# Errors that another attempt will not cure: the file is gone, a folder, or forbidden.
_PERMANENT = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)


@dataclass(frozen=True)
class Fields:
    """Names of the record fields in JSONL and Parquet shards."""

    text: str = "text"
    title: str = "title"
    url: str = "url"
    date: str = "date"


@dataclass(frozen=True, slots=True)
class Source:
    """One input file, with what its change detection needs."""

    path: str  # relative to the input root, '/' separators
    size: int
    mtime_ns: int
    digest: str = ""  # content hash, once the plan of a run has it (flows/incremental.py)


ARCHIVE_SUFFIXES = (".warc", ".warc.gz", ".warc.wet", ".warc.wet.gz")  # flows/archives.py
OFFSET_MARK = "@"  # an archive's record: crawl.warc.gz@4096, its byte offset
TABLE_SAMPLE_BYTES = 65536  # what a table's encoding is told from
TABLE_SUFFIXES = {".csv": ",", ".csv.gz": ",", ".tsv": "\t", ".tsv.gz": "\t"}  # suffix: delimiter
SHARD_SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".json.gz", ".parquet", *TABLE_SUFFIXES, *ARCHIVE_SUFFIXES)
# How much of a JSON file is decoded at a time while its array is read element by element.
JSON_CHUNK_CHARS = 1 << 20


def is_archive(path: str) -> bool:
    """A WARC or WET archive (flows/archives.py reads it)."""
    return path.endswith(ARCHIVE_SUFFIXES)


def is_shard(path: str) -> bool:
    """A file of many records (JSONL, Parquet, WARC, WET) rather than one document."""
    return path.endswith(SHARD_SUFFIXES)


@dataclass(frozen=True)
class RawDocument:
    """The raw bytes of one document, or the reason there are none. An archive's record also
    says which road it takes (`source_format`: "warc" or "wet") and the charset its HTTP
    header declares; a record that is no document at all (a WARC request) is `skipped`."""

    source_path: str
    raw: bytes | None
    given: Given | None = None
    reason: str | None = None
    detail: str = ""
    source_format: str | None = None
    charset: str | None = None
    skipped: str | None = None


@dataclass(frozen=True)
class SetAside:
    """An entry of the input folder that the listing does not read, and why: it becomes a
    reject of its own (`unreadable`, or `not_read` for what is deliberately not followed), so
    that nothing under the input folder goes missing without a word."""

    path: str
    reason: str
    detail: str


class SourceList(Sequence[Source]):
    """Input files, sorted by path, kept in columns: a path string and two machine integers
    per file, about 100 bytes, where a `Source` object with its integers takes about 200. A
    run's plan holds every input file this way (a million of them). Indexing gives a Source.
    `set_aside` are the entries a listing found but does not read."""

    __slots__ = ("mtimes", "paths", "set_aside", "sizes")

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.sizes = array("q")
        self.mtimes = array("q")
        self.set_aside: list[SetAside] = []

    def append(self, path: str, size: int, mtime_ns: int) -> None:
        self.paths.append(path)
        self.sizes.append(size)
        self.mtimes.append(mtime_ns)

    def __len__(self) -> int:
        return len(self.paths)

    @overload
    def __getitem__(self, index: int) -> Source: ...
    @overload
    def __getitem__(self, index: slice) -> SourceList: ...
    def __getitem__(self, index: int | slice) -> Source | SourceList:
        if isinstance(index, slice):
            return self.select(range(len(self))[index])
        return Source(self.paths[index], self.sizes[index], self.mtimes[index])

    def select(self, indices: Iterable[int]) -> SourceList:
        """The files at these positions, in that order."""
        chosen = SourceList()
        for i in indices:
            chosen.append(self.paths[i], self.sizes[i], self.mtimes[i])
        return chosen

    def __repr__(self) -> str:
        return f"SourceList({self.paths!r})"


def list_sources(root: Path) -> SourceList:
    """Every file under `root`, recursively, sorted by relative path.

    Symlinked folders are not entered (no loops); a symlinked file is listed only when it
    points inside `root`. Anything that is not a regular file is not read either (a FIFO would
    block its reader). Those, broken links and folders that cannot be listed are `set_aside`,
    each with its reason; a file that vanishes while we look is simply gone.
    """
    root = root.resolve()
    found = SourceList()
    folders = [(str(root), "")]
    while folders:
        folder, prefix = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as err:
            found.set_aside.append(SetAside(prefix.rstrip("/") or ".", "unreadable", _describe(err)))
            continue
        for entry in entries:
            path = prefix + entry.name
            try:
                if entry.is_symlink():
                    unfollowed = _unfollowed_link(Path(entry.path), root)
                    if unfollowed is not None:
                        found.set_aside.append(SetAside(path, *unfollowed))
                        continue
                    stat = entry.stat()
                elif entry.is_dir(follow_symlinks=False):
                    folders.append((entry.path, f"{path}/"))
                    continue
                elif entry.is_file(follow_symlinks=False):
                    stat = entry.stat(follow_symlinks=False)
                else:
                    found.set_aside.append(SetAside(path, "not_read", NOT_A_FILE))
                    continue
            except FileNotFoundError:
                continue
            except OSError as err:
                found.set_aside.append(SetAside(path, "unreadable", _describe(err)))
                continue
            found.append(path, stat.st_size, stat.st_mtime_ns)
    listed = found.select(sorted(range(len(found)), key=found.paths.__getitem__))
    listed.set_aside = sorted(found.set_aside, key=lambda entry: entry.path)
    return listed


NOT_A_FILE = "not a regular file (a FIFO, socket or device): reading it could block the run"


def _unfollowed_link(link: Path, root: Path) -> tuple[str, str] | None:
    """Why a symbolic link is not read (reason, detail), or None when it is: a link to a file
    inside `root`."""
    target = link.resolve()
    if not target.exists():
        return "unreadable", f"a broken symbolic link (to {escaped_path(os.readlink(link))})"
    if target.is_dir():
        return "not_read", "a symbolic link to a folder: not followed (it could loop)"
    if not target.is_relative_to(root):
        return "not_read", "a symbolic link to a file outside the input folder: not followed"
    return None if target.is_file() else ("not_read", NOT_A_FILE)


def read_documents(
    root: Path, source: Source, fields: Fields = Fields(), span: tuple[int, int] | None = None
) -> Iterator[RawDocument]:
    """The documents of one input file, one at a time (of an archive, those in `span`)."""
    path, name = root / source.path, escaped_path(source.path)
    try:
        if is_archive(source.path):
            from flows.archives import archive_records  # FastWARC loads when an archive is read

            yield from archive_records(path, name, *(span or (0, None)))
        elif source.path.endswith((".jsonl", ".jsonl.gz")):
            yield from _jsonl_records(path, name, fields)
        elif source.path.endswith((".json", ".json.gz")):
            yield from _json_records(path, name, fields)
        elif source.path.endswith(".parquet"):
            yield from _parquet_records(path, name, fields)
        elif source.path.endswith(tuple(TABLE_SUFFIXES)):
            yield from _table_records(path, name, fields)
        elif source.size > MAX_DOCUMENT_BYTES:
            yield too_large(name, source.size)
        else:
            from flows.feeds import feed_documents, looks_like_feed  # (it imports this module)

            raw = _read_file(path)
            if len(raw) > MAX_DOCUMENT_BYTES:
                yield too_large(name, len(raw))
            elif looks_like_feed(raw):
                yield from feed_documents(raw, name)
            else:
                yield RawDocument(name, raw)
    except OSError as err:
        yield RawDocument(name, None, reason="unreadable", detail=_describe(err))
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        yield RawDocument(name, None, reason="corrupt_archive", detail=_describe(err))
    except Exception as err:  # a Parquet file pyarrow cannot read, for one
        yield RawDocument(name, None, reason="unreadable", detail=_describe(err))


def escaped_path(path: str) -> str:
    r"""A listed path as the dataset stores it (`source_path`): valid UTF-8 text in any case.

    A file name may be any bytes; Python lists one that is not UTF-8 with surrogate escapes,
    which no Parquet file can hold. Its bytes are kept instead, as Python's `backslashreplace`
    writes them (`\xe9`), and every backslash of the path is doubled so that `unescaped_path`
    can always tell the two apart. Paths without either, nearly all, stay as they are.

    >>> escaped_path(os.fsdecode(b"caf\xe9.txt")), escaped_path("café.txt"), escaped_path("a\\b")
    ('caf\\xe9.txt', 'café.txt', 'a\\\\b')
    """
    if "\\" not in path and not _SURROGATE.search(path):
        return path
    return os.fsencode(path).replace(b"\\", b"\\\\").decode("utf-8", "backslashreplace")


def unescaped_path(source_path: str) -> str:
    r"""The listed path (the one `open` takes) of a `source_path`: `escaped_path` undone.

    >>> name = os.fsdecode(b"caf\xe9 \\x41.txt")
    >>> unescaped_path(escaped_path(name)) == name
    True
    """
    if "\\" not in source_path:
        return source_path
    return _ESCAPE.sub(lambda m: "\\" if m[1] is None else chr(0xDC00 + int(m[1], 16)), source_path)


def too_large(source_path: str, size: int) -> RawDocument:
    detail = f"{size / 2**20:.1f} MB or more, the limit is {MAX_DOCUMENT_BYTES / 2**20:.0f} MB"
    return RawDocument(source_path, None, reason="too_large", detail=detail)


def _read_file(path: Path) -> bytes:
    """A file's bytes (decompressed for .gz, one byte past the size limit at most), retrying
    transient errors."""
    for attempt in range(1, READ_ATTEMPTS + 1):
        try:
            if not path.name.endswith(".gz"):
                return path.read_bytes()
            with gzip.open(path, "rb") as handle:
                return handle.read(MAX_DOCUMENT_BYTES + 1)
        except _PERMANENT:
            raise
        except OSError:
            if attempt == READ_ATTEMPTS:
                raise
            time.sleep(0.1 * attempt)
    raise AssertionError("unreachable")


def _jsonl_records(path: Path, name: str, fields: Fields) -> Iterator[RawDocument]:
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            source_path = f"{name}#{number}"
            try:
                record = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as err:
                yield RawDocument(source_path, None, reason="malformed_record", detail=str(err)[:200])
                continue
            yield record_document(record, source_path, fields)


def _json_records(path: Path, name: str, fields: Fields) -> Iterator[RawDocument]:
    """The records of a JSON file: an array of objects (a scraper's feed export), or objects
    one after another, read element by element so that a big array never sits in memory whole.
    Malformed JSON rejects the rest of the file, once, after every record before it."""
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig") as handle:
        for number, value in enumerate(_json_values(handle), start=1):
            source_path = f"{name}#{number}"
            if isinstance(value, MalformedJson):
                yield RawDocument(source_path, None, reason="malformed_record", detail=value.detail)
            else:
                yield record_document(value, source_path, fields)


@dataclass(frozen=True)
class MalformedJson:
    """Where a JSON file stops making sense, and why."""

    detail: str


def _json_values(handle: IO[str]) -> Iterator[Any]:
    """The elements of a top-level JSON array, or the top-level values one after another (one
    object, or JSON Lines under a .json name), as they are read; a `MalformedJson` last where
    the text stops being JSON.

    >>> import io
    >>> list(_json_values(io.StringIO('[{"text": "a"}, {"text": "b"}]')))
    [{'text': 'a'}, {'text': 'b'}]
    >>> list(_json_values(io.StringIO('{"text": "a"}\\n{"text": "b"}')))
    [{'text': 'a'}, {'text': 'b'}]
    >>> list(_json_values(io.StringIO('[{"text": "a"}, {"text": ')))[1]
    MalformedJson(detail='not JSON at character 25: Expecting value')
    """
    reader = _JsonReader(handle)
    in_array = reader.next_char() == "["
    reader.at += in_array
    while char := reader.next_char():
        if in_array and char == "]":
            reader.at += 1
            if reader.next_char():
                yield reader.malformed("nothing after the array")
            return
        try:
            yield reader.value()
        except json.JSONDecodeError as err:
            yield MalformedJson(f"not JSON at character {reader.dropped + err.pos}: {err.msg}")
            return
        char = reader.next_char()
        if in_array and char == ",":
            reader.at += 1
        elif in_array and char != "]":
            yield reader.malformed("',' or ']'")
            return
    if in_array:
        yield reader.malformed("']' to close the array")


_NOT_JSON_SPACE = re.compile(r"[^ \t\r\n]")


class _JsonReader:
    """A JSON text read a chunk at a time: `buffer[at:]` is what is still to parse, `dropped`
    the characters before `buffer`."""

    def __init__(self, handle: IO[str]) -> None:
        self.handle, self.buffer, self.at, self.dropped, self.done = handle, "", 0, 0, False
        self.decoder = json.JSONDecoder()

    def more(self) -> bool:
        """Read another chunk; False at the end of the file."""
        chunk = "" if self.done else self.handle.read(JSON_CHUNK_CHARS)
        self.done = not chunk
        if chunk:
            self.dropped, self.buffer, self.at = self.dropped + self.at, self.buffer[self.at :] + chunk, 0
        return bool(chunk)

    def malformed(self, expected: str) -> MalformedJson:
        return MalformedJson(f"not JSON at character {self.dropped + self.at}: expected {expected}")

    def next_char(self) -> str:
        """The next character that is not white space ("" at the end), which is not consumed."""
        while (found := _NOT_JSON_SPACE.search(self.buffer, self.at)) is None:
            self.at = len(self.buffer)
            if not self.more():
                return ""
        self.at = found.start()
        return self.buffer[self.at]

    def value(self) -> Any:
        """The JSON value at `at`, reading on while it may be cut by the chunk's end."""
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.at)
            except json.JSONDecodeError:
                if len(self.buffer) - self.at > MAX_DOCUMENT_BYTES or not self.more():
                    raise
                continue
            if end == len(self.buffer) and self.more():  # a number cut short: "12" of "125"
                continue
            self.at = end
            return value


def _table_records(path: Path, name: str, fields: Fields) -> Iterator[RawDocument]:
    """The rows of a CSV or TSV file with a header row (an export of a news API or a scraper),
    read as a stream: quoted fields may span lines, `file.csv#N` is data row N. A row that
    breaks the format rejects the rest of the file, once: where the next row starts is unknown."""
    delimiter = next(d for suffix, d in TABLE_SUFFIXES.items() if name.endswith(suffix))
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rb") as head:
        encoding = stream_encoding(head.read(TABLE_SAMPLE_BYTES))  # a spreadsheet may save cp1252
    csv.field_size_limit(MAX_DOCUMENT_BYTES)  # the csv module's own limit is 128 KB
    with opener(path, "rt", encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as handle:
        rows = csv.DictReader(handle, delimiter=delimiter, strict=True)
        number = 0
        try:
            if fields.text not in (rows.fieldnames or []):
                yield RawDocument(name, None, reason="missing_text", detail=f"no column {fields.text!r}")
                return
            for number, row in enumerate(rows, start=1):
                yield record_document(row, f"{name}#{number}", fields)
        except csv.Error as err:
            yield RawDocument(f"{name}#{number + 1}", None, reason="malformed_record", detail=str(err)[:200])


def _parquet_records(path: Path, name: str, fields: Fields) -> Iterator[RawDocument]:
    shard = pq.ParquetFile(path)
    columns = shard.schema_arrow.names
    wanted = [f for f in (fields.text, fields.title, fields.url, fields.date) if f in columns]
    if fields.text not in wanted:
        yield RawDocument(name, None, reason="missing_text", detail=f"no column {fields.text!r}")
        return
    text_type = str(shard.schema_arrow.field(fields.text).type)
    number = 0
    for batch in shard.iter_batches(batch_size=1000, columns=wanted):
        for record in batch.to_pylist():
            number += 1
            yield record_document(record, f"{name}#{number}", fields, text_type)


def record_document(
    record: Any, source_path: str, fields: Fields, text_type: str | None = None
) -> RawDocument:
    """One record as a document: its text field's UTF-8 bytes and its metadata fields. A record
    whose text is missing, not a string (`text_type` names a Parquet column's type), cannot be
    encoded (a lone surrogate, which JSON allows) or is too large is rejected alone."""
    if not isinstance(record, dict):
        return RawDocument(source_path, None, reason="malformed_record", detail="not a JSON object")
    text = record.get(fields.text)
    if text is None:
        return RawDocument(source_path, None, reason="missing_text", detail=f"no field {fields.text!r}")
    if not isinstance(text, str):
        kind = text_type or _JSON_TYPES.get(type(text), type(text).__name__)
        detail = f"field {fields.text!r} is {kind}, not a string"
        return RawDocument(source_path, None, reason="wrong_type", detail=detail)
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError as err:
        detail = f"field {fields.text!r} holds U+{ord(text[err.start]):04X} at {err.start}: {err.reason}"
        return RawDocument(source_path, None, reason="malformed_record", detail=detail)
    if len(raw) > MAX_DOCUMENT_BYTES:
        return too_large(source_path, len(raw))
    given = Given(
        title=_text_or_none(record.get(fields.title)),
        url=_text_or_none(record.get(fields.url)),
        date=_text_or_none(record.get(fields.date)),
    )
    return RawDocument(source_path, raw, given if given != Given() else None)


_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPE = re.compile(r"\\\\|\\x([0-9a-f]{2})")
_JSON_TYPES = {bool: "a boolean", int: "a number", float: "a number", list: "an array", dict: "an object"}


def _text_or_none(value: Any) -> str | None:
    """A metadata field's text; a lone surrogate in it becomes U+FFFD (the text is what counts)."""
    if value is None:
        return None
    text = _SURROGATE.sub("\ufffd", str(value)).strip()
    return text or None


def _describe(err: BaseException) -> str:
    return f"{type(err).__name__}: {getattr(err, 'strerror', None) or err}"[:300]
