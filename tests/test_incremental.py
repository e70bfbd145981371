"""Incremental runs: unchanged inputs are reused, changed and new ones processed, removed
ones disappear, --full-refresh redoes everything; shards go through the same flow."""

from __future__ import annotations

import gzip
import json
import shutil
import tracemalloc
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from flows import worker
from flows.cli import main
from flows.incremental import (
    FILES,
    Manifest,
    content_digests,
    file_hash,
    hash_files,
    same_files,
    write_file_list,
)
from flows.sources import Source, SourceList, list_sources
from flows.worker import hash_files_in_parallel
from tests.conftest import SEEDS

pytestmark = pytest.mark.slow


def rows(out: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    return {r["source_path"]: r for r in pq.read_table(out / "articles").to_pylist()}


def without_story(row: dict) -> dict:  # type: ignore[type-arg]
    """A row without `story_id`, which follows the whole dataset (tests/test_stories.py)."""
    return {k: v for k, v in row.items() if k != "story_id"}


def build(capsys: pytest.CaptureFixture[str], inp: Path, out: Path, *extra: str) -> str:
    assert main(["--input", str(inp), "--output", str(out), "--batch-size", "2", *extra]) == 0
    return capsys.readouterr().out


def test_second_run_reuses_and_changes_are_picked_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(SEEDS, inp)
    first = build(capsys, inp, out)
    assert "3 batches processed, 0 unchanged" in first
    before = rows(out)

    second = build(capsys, inp, out)
    assert "0 batches processed, 3 unchanged and reused" in second
    assert rows(out) == before

    changed = sorted(inp.iterdir())[0]
    changed.write_text("Changed headline\n\nThe council approved the new plan on Monday evening.\n")
    removed = sorted(inp.iterdir())[1]
    removed.unlink()
    (inp / "new.txt").write_text("New headline\n\nA new article arrived from the crawler this morning.\n")
    third = build(capsys, inp, out)
    after = rows(out)
    assert "unchanged and reused" in third and " 0 unchanged" not in third
    assert after[changed.name]["title"] == "Changed headline"
    assert removed.name not in after and "new.txt" in after
    kept = [p for p in after if p not in {changed.name, "new.txt"}]
    assert {p: without_story(after[p]) for p in kept} == {p: without_story(before[p]) for p in kept}
    # the changed seed headed the seeds' story: every story is now headed by an article there is
    assert {r["story_id"] for r in after.values()} <= {r["doc_id"] for r in after.values()}
    assert before[changed.name]["doc_id"] not in {r["story_id"] for r in after.values()}

    refreshed = build(capsys, inp, out, "--full-refresh")
    assert " 0 unchanged" in refreshed
    assert rows(out) == after


def test_options_that_act_after_the_buckets_reuse_every_bucket(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The near-duplicate threshold and the share of invalid rows decide only the steps over
    the whole run: changing them runs those again over the reused parts (a million articles
    are not cleaned again to try another threshold)."""
    inp, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(SEEDS, inp)
    seed = sorted(inp.iterdir())[4]
    paragraphs = seed.read_text(encoding="utf-8").split("\n\n")
    # Its first paragraph cut off: a Jaccard of about 0.8, a copy by the default threshold only.
    (inp / "copy.txt").write_text("\n\n".join(paragraphs[1:]), encoding="utf-8")
    build(capsys, inp, out)
    copies = {p: r["near_duplicate_of"] for p, r in rows(out).items() if r["near_duplicate_of"]}
    assert list(copies) == ["copy.txt"]

    stricter = build(capsys, inp, out, "--near-duplicate-threshold", "0.999", "--max-invalid-share", "0.5")
    assert "0 batches processed, 3 unchanged and reused" in stricter
    assert not any(r["near_duplicate_of"] for r in rows(out).values())

    again = build(capsys, inp, out)
    assert "0 batches processed, 3 unchanged and reused" in again
    assert {p: r["near_duplicate_of"] for p, r in rows(out).items() if r["near_duplicate_of"]} == copies


def test_shards_with_given_metadata(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    seed = sorted(SEEDS.iterdir())[2].read_text(encoding="utf-8")
    records = [
        {"text": seed, "title": "Given title", "date": "2021-05-06", "url": "https://news.example.org/a"},
        {"text": seed.replace("Moscow", "Moskau")},
    ]
    with gzip.open(inp / "shard-0001.jsonl.gz", "wt", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")
        handle.write("{broken\n")
    build(capsys, inp, out)
    articles = rows(out)
    given, own = articles["shard-0001.jsonl.gz#1"], articles["shard-0001.jsonl.gz#2"]
    assert (given["title"], str(given["published_date"]), given["domain"]) == (
        "Given title", "2021-05-06", "news.example.org"
    )  # fmt: skip
    assert own["title"] == "US ready to talk missiles military exercises with Russia Official"
    rejects = {r["source_path"]: r["reason"] for r in pq.read_table(out / "rejects").to_pylist()}
    assert rejects == {"shard-0001.jsonl.gz#3": "malformed_record"}


def test_a_document_that_trips_a_bug_is_rejected_not_fatal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import flows.worker

    real = flows.worker.clean_document

    def flaky(prepared, *args):  # type: ignore[no-untyped-def]
        if prepared.source_path.startswith("001"):
            raise ValueError("boom")
        return real(prepared, *args)

    monkeypatch.setattr(flows.worker, "clean_document", flaky)
    out = tmp_path / "out"
    assert main(["--input", str(SEEDS), "--output", str(out), "--workers", "1"]) == 0
    rejects = pq.read_table(out / "rejects").to_pylist()
    assert [(r["reason"], r["detail"]) for r in rejects] == [("internal_error", "ValueError: boom")]
    assert len(rows(out)) == 4


def test_only_files_whose_size_or_mtime_changed_are_hashed_again(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(f"text of {name}")
    files = list_sources(tmp_path)
    a, b, _ = files
    recorded = [
        Source(a.path, a.size, a.mtime_ns, "digest-recorded-for-a"),  # unchanged: kept
        Source(b.path, b.size, b.mtime_ns - 1, "stale"),  # touched since: hashed again
        Source("b2.txt", 1, 1, "gone"),  # removed since: ignored
    ]  # c.txt is new
    assert content_digests(tmp_path, files, iter(recorded)) == [
        "digest-recorded-for-a", file_hash(tmp_path / "b.txt"), file_hash(tmp_path / "c.txt")
    ]  # fmt: skip


def test_the_file_list_round_trips_and_compares(tmp_path: Path) -> None:
    sources = [
        Source("dir/naïve\tname\n.txt", 12, 1_700_000_000_123_456_789, "0" * 32),
        Source("z.jsonl.gz", 0, 1, "unreadable:PermissionError"),
    ]
    listed = SourceList()
    for source in sources:
        listed.append(source.path, source.size, source.mtime_ns)
    write_file_list(tmp_path, listed, [s.digest for s in sources])
    Manifest("config").save(tmp_path)
    loaded = Manifest.load(tmp_path)
    assert (tmp_path / FILES).is_file() and list(loaded.files()) == sources
    assert same_files(listed, loaded.files())
    assert not same_files(listed[:1], loaded.files())  # a file was removed
    assert not same_files([*listed, Source("zz", 1, 1)], loaded.files())  # one was added
    assert not same_files([listed[0], Source(listed[1].path, 0, 2)], loaded.files())  # touched


def test_listed_files_are_kept_in_columns() -> None:
    """The plan of a run holds every input file (a million, say): in columns, not as objects."""
    listed = SourceList()
    tracemalloc.start()
    for i in range(100_000):
        path = f"site-{i % 20:02d}/{i // 1000:04d}/doc-{i:07d}.txt"
        listed.append(path, 4_000 + i, 1_700_000_000_000_000_000 + i)
    used, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert used / len(listed) < 120  # bytes per file: the path (77 here), two integers; objects: ~200


def test_hashing_in_processes_gives_the_digests_and_order_of_hashing_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "PARALLEL_HASH_MIN_FILES", 10)
    monkeypatch.setattr(worker, "HASH_CHUNK_FILES", 7)
    paths = []
    for i, seed in enumerate(sorted(SEEDS.iterdir()) * 6):
        paths.append(f"{i:02d}.txt")
        (tmp_path / paths[-1]).write_bytes(seed.read_bytes()[: 100 + i])
    paths.insert(13, "vanished.txt")
    root = str(tmp_path)
    serial = hash_files(root, paths)
    assert len(set(serial)) == len(paths) and serial[13] == "unreadable:FileNotFoundError"
    assert serial[0] == file_hash(tmp_path / "00.txt")
    assert hash_files_in_parallel(2)(root, paths) == serial
    assert hash_files_in_parallel(1)(root, paths) == serial
