"""The dataset contract: Arrow schemas of articles/ and rejects/, and rows built from results.

This is the one definition of the output columns. The writer, the validation suite and the
tests all read it from here; the README documents it.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from transforms.document import Article, Rejected

ARTIFACT_TYPE = pa.struct(
    [
        pa.field("kind", pa.string()),
        pa.field("text", pa.string()),
        pa.field("start", pa.int32()),
        pa.field("end", pa.int32()),
        pa.field("language", pa.string()),
    ]
)

# (name, type, nullable, description)
ARTICLE_COLUMNS: tuple[tuple[str, pa.DataType, bool, str], ...] = (
    ("doc_id", pa.string(), False,
     "stable id: first 32 hex digits of the SHA-256 of the raw file (of an archive's record: of "
     "the address it was fetched from and its bytes)"),
    ("source_path", pa.string(), False, "path relative to the input folder, '/' separators"),
    ("title", pa.string(), True, "headline, where the document has one"),
    ("url", pa.string(), True, "the article's own URL"),
    ("domain", pa.string(), True, "host of url without 'www.'"),
    ("published_date", pa.date32(), True, "publication date from the header or byline"),
    ("language", pa.string(), False, "ISO 639-1 code of the body ('und' when it cannot be told)"),
    ("language_confidence", pa.float64(), True, "langdetect probability (or script share), 0-1"),
    ("text", pa.string(), False, "cleaned body: paragraphs joined by a blank line"),
    ("boilerplate", pa.list_(pa.string()), True,
     "lines removed from the text (furniture and metadata lines), for audit"),
    ("mojibake_fixed", pa.bool_(), True, "whether repair undid an encoding error (mojibake)"),
    ("translation_artifacts", pa.list_(ARTIFACT_TYPE), True,
     "untranslated fragments: kind, text, start/end offsets in text, language"),
    ("translated_from", pa.string(), True,
     "ISO 639-1 code of the language a translation notice names as the original; null when none says so"),
    ("n_words", pa.int32(), False, "words in text (CJK characters count in pairs)"),
    ("n_chars", pa.int32(), False, "characters in text"),
    ("source_format", pa.string(), False,
     "the road the document took: 'text', 'html' (a page whose article trafilatura extracted), "
     "'warc' (an HTML response in a WARC archive) or 'wet' (a WET text record)"),
    ("fetched_at", pa.timestamp("us", tz="UTC"), True,
     "when a crawler fetched the page (an archive's WARC-Date), never its publication date"),
    ("near_duplicate_of", pa.string(), True,
     "doc_id of the article this one copies (word-set Jaccard >= the run's threshold, 0.8 by "
     "default, or 0.1 under it for a copy 90% inside the other, or any for a copy cut short: the "
     "same first 30 words, 90% inside the other): the copy kept as the original "
     "is the earliest published, then fetched, then by source_path; null for originals and "
     "articles without a copy"),
    ("story_id", pa.string(), False,
     "doc_id of the first article of this one's story: the articles in one language that tell "
     "the same event within a few days share it; an article alone is a story of one"),
    ("boilerplate_reasons", pa.list_(pa.string()), True,
     "reason code of each boilerplate line, in the same order"),
    ("encoding", pa.string(), True,
     "encoding the raw file was decoded with (utf-8+cp1252: UTF-8 with a few stray cp1252 bytes)"),
    ("repairs", pa.list_(pa.string()), True, "repair steps: ftfy's, markdown_to_text"),
)  # fmt: skip

REJECT_COLUMNS: tuple[tuple[str, pa.DataType, bool, str], ...] = (
    ("source_path", pa.string(), False, "path relative to the input folder, '/' separators"),
    ("reason", pa.string(), False, "why the input is not an article (reason code)"),
    ("stage", pa.string(), False, "list, read, decode, clean or validate"),
    ("detail", pa.string(), True, "more about the reason"),
    ("doc_id", pa.string(), True, "id of the raw bytes, where they could be read"),
)


def _schema(columns: tuple[tuple[str, pa.DataType, bool, str], ...]) -> pa.Schema:
    return pa.schema(
        [
            pa.field(name, kind, nullable=nullable, metadata={"description": description})
            for name, kind, nullable, description in columns
        ]
    )


ARTICLE_SCHEMA = _schema(ARTICLE_COLUMNS)
REJECT_SCHEMA = _schema(REJECT_COLUMNS)


def article_row(article: Article) -> dict[str, Any]:
    """One output row (faster than dataclasses.asdict, which deep-copies every value)."""
    row = {name: getattr(article, name) for name, *_ in ARTICLE_COLUMNS}
    row["translation_artifacts"] = [vars(a) for a in article.translation_artifacts]
    row["story_id"] = article.story_id or article.doc_id  # a story of one until the run relates it
    return row


def reject_row(rejected: Rejected) -> dict[str, Any]:
    return {name: getattr(rejected, name) for name, *_ in REJECT_COLUMNS}


def articles_table(articles: list[Article]) -> pa.Table:
    return pa.Table.from_pylist([article_row(a) for a in articles], schema=ARTICLE_SCHEMA)


def rejects_table(rejects: list[Rejected]) -> pa.Table:
    return pa.Table.from_pylist([reject_row(r) for r in rejects], schema=REJECT_SCHEMA)
