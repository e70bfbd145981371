"""`build.py inspect DOC_ID`: the raw input line by line with its fate, and the cleaned text."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from flows.cli import main
from flows.inspection import NotFound, find_row, render
from tests.conftest import SEEDS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("inspect")
    (root / "in").mkdir()
    for seed in SEEDS.iterdir():
        (root / "in" / seed.name).write_bytes(seed.read_bytes())
    records = [{"text": "Le conseil municipal a voté lundi soir le budget de la ville pour l'an prochain.\n\n"
                "Partager sur Facebook"}, "not an object"]  # fmt: skip
    (root / "in" / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    (root / "in" / "shard.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    assert main(["--input", str(root / "in"), "--output", str(root / "out"), "--workers", "1"]) == 0
    return root / "out"


def rows(output: Path, folder: str) -> list[dict]:  # type: ignore[type-arg]
    return pq.read_table(output / folder).to_pylist()


def test_an_article_shows_every_removed_line_with_its_reason(output: Path) -> None:
    row = next(r for r in rows(output, "articles") if r["translation_artifacts"])
    report = render(output, row["doc_id"])
    for line, reason in zip(row["boilerplate"], row["boilerplate_reasons"], strict=True):
        if line.strip():
            assert f"{reason} │ {line}"[:60] in report
    assert " kept │ " in report
    for artifact in row["translation_artifacts"]:
        assert f"⟦{artifact['text']}⟧" in report


def test_a_shard_record_is_found_by_its_line(output: Path) -> None:
    row = next(r for r in rows(output, "articles") if r["source_path"] == "shard.jsonl#1")
    report = render(output, row["doc_id"])
    assert "furniture │ Partager sur Facebook" in report
    assert "language             fr" in report


def test_a_reject_shows_its_reason(output: Path) -> None:
    reject = next(r for r in rows(output, "rejects") if r["doc_id"])
    assert f"rejected at {reject['stage']}: {reject['reason']}" in render(output, reject["doc_id"])


def test_an_unknown_doc_id_is_a_clear_error(output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(NotFound):
        find_row(output, "0" * 32)
    assert main(["inspect", "0" * 32, "--output", str(output)]) == 1
    assert "no article or reject with doc_id" in capsys.readouterr().err
