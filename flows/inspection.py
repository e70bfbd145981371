"""`python flows/build.py inspect DOC_ID`: one document, raw beside what the flow made of it.

It finds the document's row in the published dataset (articles or rejects), reads its raw
input again, and shows every line of the decoded, repaired input with its fate (kept, or
removed and why, from the row's `boilerplate_reasons`), then the cleaned text with the
translation artifacts marked ⟦…⟧ and listed with their kind and language.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds

from flows.archives import fetched_from
from flows.files import published_run
from flows.incremental import Manifest
from flows.sources import (
    OFFSET_MARK,
    RawDocument,
    Source,
    is_archive,
    read_documents,
    unescaped_path,
)
from transforms.document import Prepared, prepare_document

KEPT, TRIMMED, BLANK = "kept", "kept, trimmed", ""


class NotFound(LookupError):
    """No published row has that doc_id."""


def find_row(output: Path, doc_id: str) -> tuple[str, dict[str, Any]]:
    """("articles" or "rejects", the row) of a doc_id in the published dataset."""
    for folder in ("articles", "rejects"):
        if not (output / folder).is_dir():
            continue
        table = ds.dataset(output / folder, format="parquet").to_table(filter=ds.field("doc_id") == doc_id)
        if table.num_rows:
            return folder, table.slice(0, 1).to_pylist()[0]
    raise NotFound(f"no article or reject with doc_id {doc_id} in {output}")


def raw_document(input_dir: Path, source_path: str) -> RawDocument | None:
    """A document as it was read (a record of a shard or a feed too, `shard.jsonl#17`, and an
    archive's, `crawl.warc.gz@4096`, read from its offset)."""
    archive, _, offset = source_path.rpartition(OFFSET_MARK)
    if offset.isdigit() and is_archive(archive):
        from flows.archives import archive_records

        file = input_dir / unescaped_path(archive)
        return next(archive_records(file, archive, int(offset)), None) if file.is_file() else None
    shard, _, record = source_path.rpartition("#")
    path = unescaped_path(source_path)
    if record.isdigit() and not (input_dir / path).is_file():  # a record of a shard or a feed
        path = unescaped_path(shard)
    file = input_dir / path
    if not file.is_file():
        return None
    stat = file.stat()
    for document in read_documents(input_dir, Source(path, stat.st_size, stat.st_mtime_ns)):
        if document.source_path == source_path:
            return document
    return None


def line_fates(
    lines: list[str], removed: list[str], reasons: list[str], text: str
) -> Iterator[tuple[str, str]]:
    """(fate, line) for each line of the repaired input: the reason it was removed, "kept",
    or "kept, trimmed" when only part of it is in the text (a glued date prefix, say).

    >>> lines = ["Home", " date 2022-01-09 Text.", "", "Share"]
    >>> list(line_fates(lines, ["Home", "Share"], ["navigation", "furniture"], "Text."))
    [('navigation', 'Home'), ('kept, trimmed', ' date 2022-01-09 Text.'), ('', ''), ('furniture', 'Share')]
    """
    pending: dict[str, list[str]] = {}
    for line, reason in zip(removed, reasons, strict=False):
        pending.setdefault(line.strip(), []).append(reason)
    for line in lines:
        stripped = line.strip()
        if pending.get(stripped):
            yield pending[stripped].pop(0), line
        elif not stripped:
            yield BLANK, line
        else:
            yield (KEPT if stripped in text else TRIMMED), line


def mark_artifacts(text: str, artifacts: list[dict[str, Any]]) -> str:
    """The text with each artifact span wrapped in ⟦…⟧.

    >>> mark_artifacts("talks in theNorth", [{"start": 9, "end": 17}])
    'talks in ⟦theNorth⟧'
    """
    out, last = [], 0
    for artifact in sorted(artifacts, key=lambda a: a["start"]):
        out += [text[last : artifact["start"]], "⟦", text[artifact["start"] : artifact["end"]], "⟧"]
        last = artifact["end"]
    return "".join([*out, text[last:]])


def render(output: Path, doc_id: str, input_dir: Path | None = None) -> str:
    """The whole report for one doc_id."""
    folder, row = find_row(output, doc_id)
    run = published_run(output)
    input_dir = input_dir or Path(Manifest.load(run).input_dir or ".")
    width = shutil.get_terminal_size((120, 40)).columns
    lines = [f"{doc_id}  {row['source_path']}  (input folder {input_dir})", ""]
    if folder == "rejects":
        lines += [f"rejected at {row['stage']}: {row['reason']}", f"  {row.get('detail') or ''}", ""]
    else:
        fields = ("title", "url", "published_date", "language", "language_confidence", "encoding")
        lines += [f"{name:<20} {row[name]}" for name in fields]
        lines += [f"{'repairs':<20} {', '.join(row['repairs'] or []) or 'none'}", ""]
    document = raw_document(input_dir, row["source_path"])
    if document is None or document.raw is None:
        lines += [f"(the raw input {row['source_path']} is no longer under {input_dir})"]
    else:
        prepared = prepare_document(
            document.raw, row["source_path"], document.source_format, document.charset, fetched_from(document)
        )
        lines += ["── raw input, decoded and repaired: what happened to each line ──"]
        if isinstance(prepared, Prepared):
            raw_lines = prepared.repaired.text.split("\n")
            removed, reasons = row.get("boilerplate") or [], row.get("boilerplate_reasons") or []
            for fate, line in line_fates(raw_lines, removed, reasons, row.get("text") or ""):
                lines.append(_clip(f"{fate:>22} │ {line}", width))
        else:
            lines.append(f"(not text: {prepared.reason}, {prepared.detail})")
    if folder == "articles":
        artifacts = row["translation_artifacts"] or []
        lines += ["", "── cleaned text, translation artifacts marked ⟦…⟧ ──", ""]
        lines += [mark_artifacts(row["text"], artifacts), ""]
        lines += [f"artifact: {a['kind']:<22} {a['language'] or '-':<4} {a['text']!r}" for a in artifacts]
    return "\n".join(lines)


def _clip(line: str, width: int) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"
