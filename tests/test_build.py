"""End to end: the flow (flows/build.py) on the seeds and the dev set, its outputs and its failures."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from flows.cli import main
from flows.columns import ARTICLE_SCHEMA, REJECT_SCHEMA
from flows.startup import up_to_date
from tests.conftest import SEEDS, score, seed_as_page

pytestmark = pytest.mark.slow


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def seeds_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("seeds-out")
    assert main(["--input", str(SEEDS), "--output", str(out), "--workers", "1"]) == 0
    return out


def test_seeds_become_five_articles_with_their_metadata(seeds_output: Path) -> None:
    rows = {r["source_path"]: r for r in pq.read_table(seeds_output / "articles").to_pylist()}
    assert sorted(rows) == sorted(p.name for p in SEEDS.iterdir())
    by_prefix = {path[:3]: row for path, row in rows.items()}
    assert by_prefix["000"]["published_date"] == dt.date(2022, 1, 9)
    assert by_prefix["004"]["published_date"] == dt.date(2022, 1, 9)
    assert by_prefix["002"]["title"] == "US ready to talk missiles military exercises with Russia Official"
    assert by_prefix["002"]["domain"] == "kuwaittimes.com"
    assert by_prefix["003"]["title"] == "Washington ready to discuss military exercises with Moscow"
    assert (
        not by_prefix["000"]["text"].startswith(" date") and "date 2022-01-09" not in by_prefix["000"]["text"]
    )
    for row in rows.values():
        assert row["language"] == "en"
        assert row["n_words"] > 100
        for artifact in row["translation_artifacts"]:
            assert row["text"][artifact["start"] : artifact["end"]] == artifact["text"]


def test_output_schema_is_the_contract(seeds_output: Path) -> None:
    articles = pq.read_schema(next((seeds_output / "articles").glob("*.parquet")))
    rejects = pq.read_schema(next((seeds_output / "rejects").glob("*.parquet")))
    assert articles.remove_metadata() == ARTICLE_SCHEMA.remove_metadata()
    assert rejects.remove_metadata() == REJECT_SCHEMA.remove_metadata()
    assert articles.field("doc_id").metadata[b"description"]


def test_output_reads_in_duckdb_and_polars(seeds_output: Path) -> None:
    pattern = str(seeds_output / "articles" / "*.parquet")
    rows = duckdb.sql(f"SELECT count(*), list(DISTINCT language) FROM read_parquet('{pattern}')").fetchall()
    assert rows == [(5, ["en"])]
    frame = pl.read_parquet(pattern)
    assert frame.height == 5 and frame["doc_id"].n_unique() == 5
    assert frame.schema["published_date"] == pl.Date


def test_dev_set_meets_the_quality_gate(tmp_path: Path, eval_dir: Path) -> None:
    out = tmp_path / "dev-out"
    assert main(["--input", str(eval_dir / "dev" / "input"), "--output", str(out)]) == 0
    scored = score(eval_dir, eval_dir / "dev" / "gold.jsonl", out)
    assert scored.returncode == 0, scored.stdout + scored.stderr


def test_bad_inputs_become_rejects_with_reasons(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    (inp / "nested").mkdir(parents=True)
    (inp / "empty.txt").write_bytes(b"")
    (inp / "blank.txt").write_text("  \n\n\t ")
    (inp / "image.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    (inp / "nested" / "only-furniture.txt").write_text(
        "Home NEWS\n\nShare this article\nFacebook\n\nLeave a Reply\n"
    )
    seed = next(SEEDS.iterdir())
    (inp / "a.txt").write_bytes(seed.read_bytes())
    (inp / "nested" / "copy.txt").write_bytes(seed.read_bytes())
    (inp / "loop").symlink_to(inp, target_is_directory=True)
    outside = tmp_path / "outside.txt"
    outside.write_text("A file outside the input root must not be read through a symlink.")
    (inp / "escape.txt").symlink_to(outside)
    (inp / "broken.txt").symlink_to(tmp_path / "missing.txt")
    os.mkfifo(inp / "nested" / "pipe.txt")  # reading it would block the run
    (inp / "script.html").write_text("<html><head><script>go()</script></head><body></body></html>")

    code, stdout, stderr = run(capsys, "--input", str(inp), "--output", str(out), "--workers", "1")
    assert code == 0, stderr
    rejects = {r["source_path"]: r for r in pq.read_table(out / "rejects").to_pylist()}
    assert {p: r["reason"] for p, r in rejects.items()} == {
        "empty.txt": "empty",
        "blank.txt": "whitespace_only",
        "image.jpg": "binary",
        "nested/only-furniture.txt": "no_content",
        "script.html": "no_content",
        "nested/copy.txt": "duplicate",
        "loop": "not_read",  # nothing under the input folder goes missing without a word
        "escape.txt": "not_read",
        "broken.txt": "unreadable",
        "nested/pipe.txt": "not_read",
    }
    assert {rejects[p]["stage"] for p in ("loop", "escape.txt", "broken.txt", "nested/pipe.txt")} == {"list"}
    assert "FIFO" in rejects["nested/pipe.txt"]["detail"]
    articles = pq.read_table(out / "articles").to_pylist()
    assert [a["source_path"] for a in articles] == ["a.txt"]
    assert "documents read:   11" in stdout
    assert "Traceback" not in stdout + stderr
    assert "discarding data" not in stderr  # trafilatura's notice: the reject says it
    assert up_to_date(["--input", str(inp), "--output", str(out)]) is not None
    (inp / "nested" / "pipe.txt").unlink()  # a change, though no file changed
    assert up_to_date(["--input", str(inp), "--output", str(out)]) is None


def test_failed_validation_publishes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert run(capsys, "--input", str(SEEDS), "--output", str(out), "--workers", "1")[0] == 0
    before = {p.name: p.read_bytes() for p in (out / "articles").iterdir()}

    import expectations.suite

    monkeypatch.setattr(expectations.suite, "known_languages", lambda: frozenset({"fr"}))
    code, _, stderr = run(capsys, "--input", str(SEEDS), "--output", str(out), "--workers", "1")
    assert code == 1
    assert "expect_column_values_to_be_in_set(language)" in stderr
    assert {p.name: p.read_bytes() for p in (out / "articles").iterdir()} == before
    docs = Path(stderr.split("Data Docs: ")[1].split()[0])
    (page,) = (docs.parent / "validations" / "articles").rglob("*.html")
    assert "values must belong to this set" in page.read_text()
    assert "Unexpected Value" in page.read_text()  # the failure is shown, with the values


def test_every_run_builds_data_docs(seeds_output: Path) -> None:
    index = seeds_output / "validation" / "docs" / "index.html"
    assert "articles" in index.read_text()
    (page,) = (seeds_output / "validation" / "docs" / "validations" / "articles").rglob("*.html")
    assert "chunk-1" in str(page)
    (relations,) = (seeds_output / "validation" / "docs" / "validations" / "relations").rglob("*.html")
    assert "story_id" in relations.read_text()


def test_a_file_name_that_is_not_utf8_is_read_and_kept_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file system allows any bytes in a name; the dataset keeps them as `\\xNN` escapes."""
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    seed = sorted(SEEDS.iterdir())[1].read_bytes()
    for name in (b"caf\xe9.txt", b"copy \xff\\1.txt"):
        (inp / os.fsdecode(name)).write_bytes(seed)
    code, _, stderr = run(capsys, "--input", str(inp), "--output", str(out), "--workers", "1")
    assert code == 0, stderr
    (article,) = pq.read_table(out / "articles").to_pylist()
    (copy,) = pq.read_table(out / "rejects").to_pylist()
    assert article["source_path"] == "caf\\xe9.txt"
    assert (copy["source_path"], copy["reason"]) == ("copy \\xff\\\\1.txt", "duplicate")
    assert up_to_date(["--input", str(inp), "--output", str(out)]) is not None  # the file list holds them
    code, shown, _ = run(capsys, "inspect", article["doc_id"], "--output", str(out))
    assert code == 0 and "Russia" in shown  # the raw file is found again from its escaped path


def test_html_pages_are_told_by_content_whatever_their_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    seeds = sorted(SEEDS.iterdir())
    (inp / "page.txt").write_text(seed_as_page(seeds[2]), encoding="utf-8")
    (inp / "page-without-extension").write_text(seed_as_page(seeds[3]), encoding="utf-8")
    (inp / "story.txt").write_bytes(seeds[4].read_bytes())
    code, stdout, stderr = run(capsys, "--input", str(inp), "--output", str(out), "--workers", "1")
    assert code == 0, stderr
    assert "formats:          html 2, text 1" in stdout
    assert "`html` 2, `text` 1" in (out / "README.md").read_text(encoding="utf-8")  # the dataset card
    rows = {r["source_path"]: r for r in pq.read_table(out / "articles").to_pylist()}
    assert {p: r["source_format"] for p, r in rows.items()} == {
        "page.txt": "html", "page-without-extension": "html", "story.txt": "text",
    }  # fmt: skip
    for name in ("page.txt", "page-without-extension"):
        page = rows[name]
        assert (page["title"], page["published_date"]) == ("Talks with Russia", dt.date(2022, 1, 9))
        assert page["url"] == "https://worldnews.example.com/2022/01/09/talks-with-russia"
        assert (
            "<" not in page["text"] and "Sport" not in page["text"] and "rights reserved" not in page["text"]
        )
        assert page["n_words"] > 100 and page["language"] == "en"
