"""WARC and WET archives (flows/archives.py): which records become documents, rejects or counts."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from flows.cli import main
from flows.sources import list_sources, read_documents
from tests.conftest import SEEDS, seed_as_page

SEED_FILES = sorted(SEEDS.iterdir())


def response(  # type: ignore[no-untyped-def]
    writer: WARCWriter,
    uri: str,
    body: bytes,
    status: str = "200 OK",
    kind: str = "text/html",
    location: str = "",
):
    headers = [("Content-Type", kind)] if kind else []
    headers += [("Location", location)] if location else []
    http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
    return writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=http)


def write_crawl(path: Path) -> None:
    """A crawl as an archiving crawler writes it: a warcinfo record, then per page a request and
    a response (and a metadata record), a revisit, an image, a 404, a redirect, and a last
    member cut off mid-way (the crawler was killed)."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    writer.write_record(writer.create_warcinfo_record("crawl.warc.gz", {"software": "test"}))
    for n, seed in enumerate(SEED_FILES[2:5]):
        uri = f"https://worldnews.example.com/story-{n}?utm_source=feed"
        page = seed_as_page(seed, canonical=f"https://worldnews.example.com/story-{n}")
        writer.write_record(
            writer.create_warc_record(uri, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"))
        )
        charset = "iso-8859-1" if n == 1 else "utf-8"
        writer.write_record(
            response(writer, uri, page.encode(charset, "replace"), kind=f"text/html; charset={charset}")
        )
        writer.write_record(writer.create_warc_record(uri, "metadata", payload=io.BytesIO(b"outlinks: 3")))
    writer.write_record(
        writer.create_revisit_record(
            "https://worldnews.example.com/story-0",
            "sha1:AAAA",
            "https://worldnews.example.com/story-0",
            "2022-01-09T00:00:00Z",
        )
    )
    writer.write_record(
        response(writer, "https://worldnews.example.com/logo.png", b"\x89PNG\r\n\x1a\n", kind="image/png")
    )
    writer.write_record(
        response(writer, "https://worldnews.example.com/gone", b"<html>Not found</html>", "404 Not Found")
    )
    writer.write_record(
        response(
            writer,
            "https://worldnews.example.com/old",
            b"Moved",
            "301 Moved Permanently",
            "text/plain",
            "/new",
        )
    )
    complete = buffer.getvalue()
    writer.write_record(
        response(writer, "https://worldnews.example.com/cut", seed_as_page(SEED_FILES[0]).encode())
    )
    last = buffer.getvalue()[len(complete) :]
    path.write_bytes(complete + last[: len(last) // 2])


def write_wet(path: Path) -> None:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for n, seed in enumerate(SEED_FILES[2:4]):
        text = seed.read_text(encoding="utf-8")
        uri = f"https://wire.example.org/{n}"
        writer.write_record(
            writer.create_warc_record(
                uri, "conversion", payload=io.BytesIO(text.encode()), warc_content_type="text/plain"
            )
        )
    path.write_bytes(buffer.getvalue())


def test_each_record_becomes_a_document_a_reject_or_a_count(tmp_path: Path) -> None:
    write_crawl(tmp_path / "crawl.warc.gz")
    (source,) = list_sources(tmp_path)
    records = list(read_documents(tmp_path, source))
    documents = [r for r in records if r.raw is not None]
    assert [d.source_format for d in documents] == ["warc"] * 3
    assert [d.charset for d in documents] == ["utf-8", "iso-8859-1", "utf-8"]
    assert all(d.given and d.given.fetched_at and d.given.fetched_at.tzinfo is dt.UTC for d in documents)
    assert sorted(r.skipped for r in records if r.skipped) == ["metadata"] * 3 + ["request"] * 3 + [
        "revisit",
        "warcinfo",
    ]
    rejects = [(r.reason, r.detail) for r in records if r.reason]
    assert rejects[:3] == [
        ("not_html", "image/png"),
        ("http_status", "HTTP status 404"),
        ("http_status", "HTTP status 301"),
    ]
    assert [reason for reason, _ in rejects[3:]] == ["corrupt_archive"]  # the cut member, once
    offsets = [int(r.source_path.rpartition("@")[2]) for r in records]
    assert offsets == sorted(offsets) and all(r.source_path.startswith("crawl.warc.gz@") for r in records)


@pytest.mark.slow
def test_a_crawl_through_the_flow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    write_crawl(inp / "crawl.warc.gz")
    write_wet(inp / "crawl.warc.wet.gz")
    assert main(["--input", str(inp), "--output", str(out), "--workers", "1"]) == 0
    stdout = capsys.readouterr().out
    assert (
        "archive records skipped: request 3, metadata 3" in stdout
        or "archive records skipped: metadata 3, request 3" in stdout
    )
    articles = pq.read_table(out / "articles").to_pylist()
    by_format = sorted((a["source_format"], a["url"]) for a in articles)
    assert by_format == [
        ("warc", "https://worldnews.example.com/story-0"),  # the canonical link of the same site wins
        ("warc", "https://worldnews.example.com/story-1"),
        ("warc", "https://worldnews.example.com/story-2"),
        ("wet", "https://wire.example.org/0"),
        ("wet", "https://wire.example.org/1"),
    ]
    for article in articles:
        assert article["fetched_at"].date() == dt.date.today()  # when it was fetched: not published
        assert article["language"] == "en" and article["n_words"] > 100 and "<" not in article["text"]
    assert {a["published_date"] for a in articles if a["source_format"] == "warc"} == {dt.date(2022, 1, 9)}
    rejects = sorted(r["reason"] for r in pq.read_table(out / "rejects").to_pylist())
    assert rejects == ["corrupt_archive", "http_status", "http_status", "not_html"]
    warc = next(a for a in articles if a["source_format"] == "warc")
    code = main(["inspect", warc["doc_id"], "--output", str(out)])
    shown = capsys.readouterr().out
    assert code == 0 and "kept │" in shown and "no longer under" not in shown  # read again at its offset


@pytest.mark.slow
def test_the_same_page_from_two_addresses_is_two_articles_one_a_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A record is what was fetched from where: the same bytes from two addresses (a mirror, a
    URL with another query) are two articles, the second a near-duplicate of the first; the
    same bytes from the same address again (a second crawl) are one article and a duplicate."""
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    page = seed_as_page(SEED_FILES[0]).encode()
    with open(inp / "crawl.warc.gz", "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for uri in (
            "https://a.example.com/story",
            "https://mirror.example.net/story",
            "https://a.example.com/story",
        ):
            writer.write_record(response(writer, uri, page))
    assert main(["--input", str(inp), "--output", str(out), "--workers", "1"]) == 0
    articles = sorted(pq.read_table(out / "articles").to_pylist(), key=lambda a: a["source_path"])
    assert [a["url"] for a in articles] == ["https://a.example.com/story", "https://mirror.example.net/story"]
    first, copy = articles
    assert copy["near_duplicate_of"] == first["doc_id"] and first["near_duplicate_of"] is None
    assert [r["reason"] for r in pq.read_table(out / "rejects").to_pylist()] == ["duplicate"]


def test_a_gzip_member_that_is_not_a_warc_record_ends_the_file_with_one_reject(tmp_path: Path) -> None:
    write_crawl(tmp_path / "crawl.warc.gz")
    data = (tmp_path / "crawl.warc.gz").read_bytes()
    (tmp_path / "crawl.warc.gz").write_bytes(data + gzip.compress(b"not a WARC record at all\r\n\r\n"))
    (source,) = list_sources(tmp_path)
    records = list(read_documents(tmp_path, source))
    assert sum(r.raw is not None for r in records) == 3
    assert [r.reason for r in records if r.reason == "corrupt_archive"] == ["corrupt_archive"]


@pytest.mark.slow
def test_a_big_archive_is_split_across_tasks_with_the_same_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Records are cleaned by several tasks at once (ranges of `--batch-size` records each):
    the dataset is the one a single task makes, and an unchanged archive's ranges are reused."""
    inp = tmp_path / "in"
    inp.mkdir()
    write_crawl(inp / "crawl.warc.gz")
    results = {}
    for batch_size in ("500", "4"):
        out = tmp_path / f"out-{batch_size}"
        assert (
            main(["--input", str(inp), "--output", str(out), "--workers", "2", "--batch-size", batch_size])
            == 0
        )
        stdout = capsys.readouterr().out
        results[batch_size] = {
            folder: sorted(map(str, pq.read_table(out / folder).to_pylist()))
            for folder in ("articles", "rejects")
        }
        assert "archive records skipped: metadata 3, request 3" in stdout or "request 3, metadata 3" in stdout
    tasks = int(re.search(r"(\d+) batches processed", stdout)[1])  # type: ignore[index]
    assert tasks >= 4  # 17 whole records in ranges of 4
    assert results["4"] == results["500"]
    assert main(["--input", str(inp), "--output", str(tmp_path / "out-4"), "--batch-size", "4"]) == 0
    assert f"0 batches processed, {tasks} unchanged and reused" in capsys.readouterr().out
