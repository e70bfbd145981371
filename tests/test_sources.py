"""Input discovery and reading: files, gzip, JSONL and Parquet shards, bad records."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from pathlib import Path
from unittest.mock import patch

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

import flows.sources
from flows.sources import Fields, list_sources, read_documents


def read_all(root: Path, fields: Fields | None = None) -> list:  # type: ignore[type-arg]
    return [doc for source in list_sources(root) for doc in read_documents(root, source, fields or Fields())]


def test_jsonl_records_keep_their_line_number_and_fields(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {"text": "Erster Artikel.", "title": "Titel", "url": "https://a.de/1", "date": "2022-01-09"}
        ),
        "",
        "{not json",
        json.dumps({"body": "no text field"}),
        json.dumps({"text": "Zweiter Artikel."}),
    ]
    (tmp_path / "shard.jsonl").write_text("\n".join(lines), encoding="utf-8")
    docs = read_all(tmp_path)
    assert [(d.source_path, d.reason) for d in docs] == [
        ("shard.jsonl#1", None),
        ("shard.jsonl#3", "malformed_record"),
        ("shard.jsonl#4", "missing_text"),
        ("shard.jsonl#5", None),
    ]
    assert docs[0].raw == b"Erster Artikel."
    assert (docs[0].given.title, docs[0].given.url, docs[0].given.date) == (
        "Titel",
        "https://a.de/1",
        "2022-01-09",
    )
    assert docs[3].given is None


def test_gzip_shards_and_files_and_custom_field_names(tmp_path: Path) -> None:
    with gzip.open(tmp_path / "s.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"body": "Texte.", "headline": "Titre"}) + "\n")
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress("Ein Text.".encode("cp1252")))
    (tmp_path / "broken.txt.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    docs = {d.source_path: d for d in read_all(tmp_path, Fields(text="body", title="headline"))}
    assert docs["s.jsonl.gz#1"].raw == b"Texte." and docs["s.jsonl.gz#1"].given.title == "Titre"
    assert docs["a.txt.gz"].raw == "Ein Text.".encode("cp1252")
    assert docs["broken.txt.gz"].reason == "corrupt_archive"


def test_parquet_shards(tmp_path: Path) -> None:
    table = pa.table({"text": ["One.", "Two."], "url": ["https://x.org/1", None]})
    pq.write_table(table, tmp_path / "part.parquet")
    pq.write_table(pa.table({"content": ["x"]}), tmp_path / "other.parquet")
    docs = {d.source_path: d for d in read_all(tmp_path)}
    assert docs["part.parquet#1"].given.url == "https://x.org/1"
    assert docs["part.parquet#2"].raw == b"Two." and docs["part.parquet#2"].given is None
    assert docs["other.parquet"].reason == "missing_text"


def test_json_files_are_shards_of_an_array_or_of_values_one_after_another(tmp_path: Path) -> None:
    """A scraper's feed export is one JSON array; JSON Lines are often saved as .json too. A
    file cut short keeps every record before the cut and rejects the rest once."""
    records = [{"text": "Erster Artikel.", "title": "Titel"}, {"body": "no text"}, {"text": "Zweiter."}]
    (tmp_path / "feed.json").write_text(json.dumps(records, indent=2)[:-30], encoding="utf-8")
    with gzip.open(tmp_path / "lines.json.gz", "wt", encoding="utf-8") as handle:
        handle.write("\n".join(json.dumps(r) for r in records))
    docs = read_all(tmp_path)
    assert [(d.source_path, d.reason) for d in docs] == [
        ("feed.json#1", None),
        ("feed.json#2", "missing_text"),
        ("feed.json#3", "malformed_record"),
        ("lines.json.gz#1", None),
        ("lines.json.gz#2", "missing_text"),
        ("lines.json.gz#3", None),
    ]
    assert docs[0].raw == b"Erster Artikel." and docs[0].given.title == "Titel"
    assert docs[2].detail.startswith("not JSON at character")


def test_csv_and_tsv_files_are_shards_of_their_rows(tmp_path: Path) -> None:
    """A news API's or a scraper's export: a header row, quoted fields over several lines."""
    long_text = "Erster Absatz.\n\nZweiter Absatz, länger als die csv-Grenze von 128 KB. " * 2000
    with open(tmp_path / "export.csv", "w", encoding="utf-8", newline="") as handle:
        rows = csv.writer(handle)
        rows.writerows([["title", "text", "url"], ["Titel", long_text, "https://a.de/1"], ["Leer", "", ""]])
        handle.write('"Kaputt","nicht geschlossen\n')
    with gzip.open(tmp_path / "export.tsv.gz", "wt", encoding="utf-8") as handle:
        handle.write("text\tdate\nZweiter Artikel.\t2022-01-09\n")
    (tmp_path / "other.csv").write_text("id,body\n1,x\n", encoding="utf-8")
    french = "Le conseil municipal a approuvé lundi soir la nouvelle ligne de tramway, « enfin »."
    (tmp_path / "spreadsheet.csv").write_bytes(f'text\n"{french}"\n"{french}"\n'.encode("cp1252"))
    docs = read_all(tmp_path)
    assert [(d.source_path, d.reason) for d in docs] == [
        ("export.csv#1", None),
        ("export.csv#2", None),  # an empty text: the cleaning rejects it as `empty`
        ("export.csv#3", "malformed_record"),
        ("export.tsv.gz#1", None),
        ("other.csv", "missing_text"),
        ("spreadsheet.csv#1", None),  # saved in the spreadsheet's Windows code page
        ("spreadsheet.csv#2", None),
    ]
    assert docs[5].raw == french.encode()
    assert docs[0].raw == long_text.encode() and docs[0].given.url == "https://a.de/1"
    assert docs[3].raw == b"Zweiter Artikel." and docs[3].given.date == "2022-01-09"


def test_symlinks_stay_inside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.txt").write_text("a")
    (root / "loop").symlink_to(root, target_is_directory=True)
    (tmp_path / "secret.txt").write_text("outside")
    (root / "escape.txt").symlink_to(tmp_path / "secret.txt")
    (root / "inside.txt").symlink_to(root / "sub" / "a.txt")
    (root / "broken.txt").symlink_to(tmp_path / "gone.txt")
    listed = list_sources(root)
    assert [s.path for s in listed] == ["inside.txt", "sub/a.txt"]
    assert [(e.path, e.reason) for e in listed.set_aside] == [
        ("broken.txt", "unreadable"),
        ("escape.txt", "not_read"),
        ("loop", "not_read"),
    ]
    assert "outside the input folder" in listed.set_aside[1].detail and "folder" in listed.set_aside[2].detail


def test_only_regular_files_are_listed_in_path_order(tmp_path: Path) -> None:
    """A FIFO (or socket, or device) is not a document: reading it would block the run."""
    for path in ("a-b/x.txt", "a/y.txt", "a.txt", "a/b/z.txt"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(path)
    os.mkfifo(tmp_path / "a" / "pipe")
    sources = list_sources(tmp_path)
    listed = [s.path for s in sources]
    assert listed == sorted(listed) == ["a-b/x.txt", "a.txt", "a/b/z.txt", "a/y.txt"]
    assert [(e.path, e.reason) for e in sources.set_aside] == [("a/pipe", "not_read")]


def test_a_file_that_vanishes_after_listing_becomes_a_reject(tmp_path: Path) -> None:
    (tmp_path / "gone.txt").write_text("soon gone")
    (tmp_path / "shard.jsonl").write_text('{"text": "x"}\n')
    sources = list_sources(tmp_path)
    (tmp_path / "gone.txt").unlink()
    (tmp_path / "shard.jsonl").unlink()
    docs = [doc for source in sources for doc in read_documents(tmp_path, source)]
    assert [(d.source_path, d.reason) for d in docs] == [
        ("gone.txt", "unreadable"),
        ("shard.jsonl", "unreadable"),
    ]
    assert docs[0].detail.startswith("FileNotFoundError")


def test_a_record_with_a_lone_surrogate_is_rejected_alone(tmp_path: Path) -> None:
    """JSON allows "\\ud800", UTF-8 does not: that record goes, the records after it stay."""
    lines = [
        json.dumps({"text": "Der Rat tagte am Montag."}),
        '{"text": "Kaputt \\ud800 hier."}',
        '{"text": "Der Haushalt wurde beschlossen.", "title": "Haushalt \\udcff"}',
    ]
    (tmp_path / "shard.jsonl").write_text("\n".join(lines), encoding="utf-8")
    docs = read_all(tmp_path)
    assert [(d.source_path, d.reason) for d in docs] == [
        ("shard.jsonl#1", None),
        ("shard.jsonl#2", "malformed_record"),
        ("shard.jsonl#3", None),
    ]
    assert "U+D800" in docs[1].detail
    assert docs[2].given.title == "Haushalt \ufffd"


def test_a_parquet_text_column_of_another_type_rejects_its_rows_naming_the_type(tmp_path: Path) -> None:
    pq.write_table(pa.table({"text": [1, 2], "title": ["a", "b"]}), tmp_path / "numbers.parquet")
    (tmp_path / "mixed.jsonl").write_text('{"text": 42}\n{"text": ["a"]}\n', encoding="utf-8")
    docs = {d.source_path: d for d in read_all(tmp_path)}
    assert [(p, d.reason, d.detail) for p, d in sorted(docs.items())] == [
        ("mixed.jsonl#1", "wrong_type", "field 'text' is a number, not a string"),
        ("mixed.jsonl#2", "wrong_type", "field 'text' is an array, not a string"),
        ("numbers.parquet#1", "wrong_type", "field 'text' is int64, not a string"),
        ("numbers.parquet#2", "wrong_type", "field 'text' is int64, not a string"),
    ]


JSON_RECORDS = st.lists(
    st.dictionaries(st.sampled_from(["text", "title", "n"]), st.one_of(st.text(max_size=20), st.integers())),
    max_size=5,
)


@settings(max_examples=200, deadline=None)
@given(JSON_RECORDS, st.booleans(), st.data())
def test_json_shards_read_in_small_chunks_give_their_records_or_the_records_before_a_cut(
    records: list[dict[str, object]], as_lines: bool, data: st.DataObject
) -> None:
    """Every element is cut by a chunk's end somewhere (a number too: "12" of "125"): the
    records come out whole, and a file cut short gives those before the cut, then one reject."""
    text = "\n".join(json.dumps(r) for r in records) if as_lines else json.dumps(records, indent=1)
    with patch.object(flows.sources, "JSON_CHUNK_CHARS", 7):
        assert list(flows.sources._json_values(io.StringIO(text))) == records
        if not as_lines and len(text) > 2:
            cut = data.draw(st.integers(1, len(text) - 1))
            *before, last = flows.sources._json_values(io.StringIO(text[:cut]))
            assert isinstance(last, flows.sources.MalformedJson) and before == records[: len(before)]
