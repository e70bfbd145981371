"""Very large inputs: a 10 MB line without a newline is cleaned; a 200 MB file or a gzip bomb is
rejected as too large without being read into memory, and the run goes on."""

from __future__ import annotations

import gzip
import tracemalloc
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from flows.cli import main
from flows.sources import MAX_DOCUMENT_BYTES, list_sources, read_documents
from tests.conftest import SEEDS
from transforms.document import Article, process_document

pytestmark = pytest.mark.slow


def test_a_ten_megabyte_line_without_newline() -> None:
    sentence = "Le conseil a approuvé le budget lundi après un long débat sur les routes et les écoles. "
    raw = (sentence * 115_000).encode("utf-8")
    assert len(raw) > 10_000_000 and b"\n" not in raw
    article = process_document(raw, "huge.txt")
    assert isinstance(article, Article)
    assert article.language == "fr"
    assert article.n_chars == len(raw.decode("utf-8").strip())


def _write_text(path: Path, megabytes: int) -> None:
    """A text file of that size, sparse: text at both ends and a hole between, so that it costs the
    disk a few KB (a file that is rejected by its size is never read)."""
    paragraph = ("The council approved the budget on Monday after a long debate. " * 16 + "\n\n").encode()
    with open(path, "wb") as handle:
        handle.write(paragraph)
        handle.seek(megabytes * 2**20 - len(paragraph))
        handle.write(paragraph)


def test_a_200_megabyte_file_is_rejected_without_being_read(tmp_path: Path) -> None:
    big = tmp_path / "dump.txt"
    _write_text(big, 200)
    source = next(s for s in list_sources(tmp_path) if s.path == "dump.txt")
    tracemalloc.start()
    documents = list(read_documents(tmp_path, source))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [(d.reason, d.raw) for d in documents] == [("too_large", None)]
    assert "200.0 MB" in documents[0].detail
    assert peak < 2**20


def test_a_gzip_bomb_is_decompressed_only_up_to_the_limit(tmp_path: Path) -> None:
    with gzip.open(tmp_path / "bomb.txt.gz", "wb", compresslevel=1) as handle:
        handle.write(b"a" * (MAX_DOCUMENT_BYTES * 3))
    (source,) = list_sources(tmp_path)
    assert source.size < 2**20
    (document,) = read_documents(tmp_path, source)
    assert document.reason == "too_large"


def test_a_run_with_a_200_megabyte_file_goes_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    _write_text(inp / "dump.txt", 200)
    seed = next(SEEDS.iterdir())
    (inp / seed.name).write_bytes(seed.read_bytes())
    assert main(["--input", str(inp), "--output", str(out), "--workers", "1"]) == 0
    rejects = pq.read_table(out / "rejects").to_pylist()
    assert [(r["source_path"], r["reason"], r["stage"]) for r in rejects] == [
        ("dump.txt", "too_large", "read")
    ]
    assert pq.read_table(out / "articles").column("source_path").to_pylist() == [seed.name]
    assert "Traceback" not in "".join(capsys.readouterr())
