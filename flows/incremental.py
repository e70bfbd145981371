"""Work plan of a run: buckets of inputs, and what an earlier run already did.

Inputs are grouped into buckets, the unit of a Prefect task and of an output part file. A
bucket's membership depends only on its files' paths (folder, and a hash of the name), so
adding or removing one file changes one bucket, not all that follow it. Files of one folder
share buckets: they usually come from one site, which is what the corpus evidence of
transforms/corpus.py needs. A shard (JSONL, Parquet) is a bucket of its own.

Each bucket has a signature: a hash of the code and options of the run and of its files'
contents. A published run stores, in its manifest, the signature and part files of every
bucket, and in its file list the size, mtime and content hash of every file. The next run
reuses the parts of each bucket whose signature has not changed (content hashes are only
recomputed for files whose size or mtime changed), processes the others, and leaves out the
parts of files that are gone.

A run's plan holds a million input files in about 100 MB: the listing is kept in columns
(flows/sources.SourceList), and the previous run's file list is read as a stream beside it.
"""

from __future__ import annotations

import hashlib
import json
import os
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Any

from flows.archives import archive_spans
from flows.sources import Fields, Source, SourceList, is_archive, is_shard, list_sources

MANIFEST = "manifest.json"
FILES = "files.jsonl"  # one line per input file, sorted by path: [path, size, mtime_ns, digest]
# A file name that is not UTF-8 is written to (and read from) the file list as its own bytes.
PATH_BYTES = "surrogateescape"
MANIFEST_VERSION = 2
HASH_CHUNK = 1 << 20
_CODE_DIRS = ("transforms",)
_CODE_FILES = (
    "flows/sources.py",
    "flows/columns.py",
    "flows/worker.py",
    "flows/incremental.py",
    "flows/build.py",
    "flows/partitions.py",
)


@dataclass(frozen=True)
class Bucket:
    """A group of inputs processed by one task into one pair of part files."""

    key: str
    sources: SourceList
    signature: str
    span: tuple[int, int] | None = None  # a range of one archive's records: [start, end) bytes

    @property
    def size(self) -> int:
        """Bytes of its input."""
        return self.span[1] - self.span[0] if self.span else sum(self.sources.sizes)


@dataclass
class Manifest:
    """What a published run holds: per bucket its signature and parts; beside it, in FILES,
    the size, mtime and content hash of every input file (read and written as a stream, so
    that a million files never sit in memory as a dictionary)."""

    config: str = ""
    buckets: dict[str, dict[str, Any]] = field(default_factory=dict)
    input_dir: str = ""  # where the files were read from, for `build.py inspect`
    run_dir: Path | None = None  # where it was loaded from
    set_aside: list[list[str]] = field(default_factory=list)  # `set_aside_entries` of the listing

    @classmethod
    def load(cls, run_dir: Path | None) -> Manifest:
        path = run_dir / MANIFEST if run_dir else None
        if path is None or not path.is_file():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != MANIFEST_VERSION:
            return cls()
        set_aside = data.get("set_aside", [])
        return cls(data["config"], data["buckets"], data.get("input_dir", ""), run_dir, set_aside)

    def files(self) -> Iterator[Source]:
        """The input files the run recorded, sorted by path."""
        path = self.run_dir / FILES if self.run_dir else None
        if path is None or not path.is_file():
            return
        with open(path, encoding="utf-8", errors=PATH_BYTES) as lines:
            for line in lines:
                yield Source(*json.loads(line))

    def save(self, run_dir: Path) -> None:
        """Write the manifest (the file list was written when the run was planned)."""
        data = {
            "version": MANIFEST_VERSION,
            "config": self.config,
            "buckets": self.buckets,
            "input_dir": self.input_dir,
            "set_aside": self.set_aside,
        }
        (run_dir / MANIFEST).write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")


def set_aside_entries(files: SourceList) -> list[list[str]]:
    """The entries a listing set aside, as a manifest keeps them: [path, reason, detail]."""
    return [[entry.path, entry.reason, entry.detail] for entry in files.set_aside]


def write_file_list(run_dir: Path, files: SourceList, digests: list[str]) -> None:
    """The run's input files (sorted by path) with their content hashes, for the next run."""
    with open(run_dir / FILES, "w", encoding="utf-8", errors=PATH_BYTES) as lines:
        for path, size, mtime_ns, digest in zip(files.paths, files.sizes, files.mtimes, digests, strict=True):
            lines.write(json.dumps([path, size, mtime_ns, digest], ensure_ascii=False) + "\n")


@dataclass
class Plan:
    """What a run will do, decided before any task starts.

    `to_process` are the buckets whose inputs, code or options changed since the published
    run; the others are in `reusable` with their manifest entries (parts to link). `copies` are
    exact copies of an earlier file, (path, first path), rejected without being read.
    `manifest` is the new run's, its buckets filled in as they are checked."""

    previous_run: Path | None
    manifest: Manifest
    buckets: list[Bucket]
    reusable: dict[str, dict[str, Any]]
    copies: list[tuple[str, str]]

    @property
    def to_process(self) -> list[Bucket]:
        return [bucket for bucket in self.buckets if bucket.key not in self.reusable]


HashFiles = Callable[[str, list[str]], list[str]]


def hash_files(root: str, paths: list[str]) -> list[str]:
    """`file_hash` of each path under `root`, in order, in this process."""
    return [file_hash(os.path.join(root, path)) for path in paths]


def file_hash(path: Path | str) -> str:
    """BLAKE2b of a file's bytes; an unreadable file gets a hash that never matches."""
    digest = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(HASH_CHUNK):
                digest.update(chunk)
    except OSError as err:
        return f"unreadable:{type(err).__name__}"
    return digest.hexdigest()


def plan_run(
    input_root: Path,
    run_dir: Path,
    previous_run: Path | None,
    config: RunConfig,
    batch_size: int,
    full_refresh: bool,
    listing: SourceList | None = None,
    hash_files: HashFiles = hash_files,
) -> Plan:
    """List and hash the inputs (rehashing only files whose size or mtime changed since the
    previous run), write the file list into the new run's folder, set exact copies aside,
    group the rest into buckets, and find the buckets the previous run already has. After it,
    only the buckets hold the files: about 100 bytes each. `listing`: the inputs, if they
    were listed already; `hash_files` hashes the files whose content is not known yet."""
    previous = Manifest.load(previous_run)
    if full_refresh:  # else a bucket is reused when its signature (cleaning config included) matches
        previous.buckets = {}
    files = list_sources(input_root) if listing is None else listing
    known = iter(()) if full_refresh else previous.files()
    digests = content_digests(input_root, files, known, hash_files)
    write_file_list(run_dir, files, digests)
    unique, copies = split_copies(files, digests)
    spans = {
        i: archive_spans(input_root / files.paths[i], batch_size)
        for i in unique
        if is_archive(files.paths[i])
    }
    buckets = make_buckets(files, digests, unique, batch_size, config.cleaning, spans)
    reusable = {}
    for bucket in buckets:
        old = previous.buckets.get(bucket.key)
        if previous_run and old and old["signature"] == bucket.signature and not old.get("filtered"):
            reusable[bucket.key] = old
    manifest = Manifest(config.run, input_dir=str(input_root.resolve()), set_aside=set_aside_entries(files))
    return Plan(previous_run, manifest, buckets, reusable, copies)


def content_digests(
    root: Path, files: SourceList, known: Iterator[Source], hash_files: HashFiles = hash_files
) -> list[str]:
    """The content hash of each file (sorted by path): a file whose size and mtime are those
    `known` (sorted by path, from the previous run) records keeps its hash, the others are
    read and hashed by `hash_files`. Both lists are walked once, side by side."""
    digests: list[str] = []
    unknown = array("q")
    recorded = next(known, None)
    for i, (path, size, mtime_ns) in enumerate(zip(files.paths, files.sizes, files.mtimes, strict=True)):
        while recorded is not None and recorded.path < path:
            recorded = next(known, None)
        if recorded is not None and recorded == Source(path, size, mtime_ns, recorded.digest):
            digests.append(recorded.digest)
        else:
            digests.append("")
            unknown.append(i)
    hashed = hash_files(str(root), [files.paths[i] for i in unknown])
    for i, digest in zip(unknown, hashed, strict=True):
        digests[i] = digest
    return digests


def same_files(listed: Sequence[Source], known: Iterator[Source]) -> bool:
    """Do the listed files (sorted by path) have exactly the paths, sizes and mtimes that
    `known` (sorted by path) records?"""
    ends = Source("", -1, -1)
    for source, recorded in zip_longest(listed, known, fillvalue=ends):
        if (source.path, source.size, source.mtime_ns) != (recorded.path, recorded.size, recorded.mtime_ns):
            return False
    return True


def split_copies(files: SourceList, digests: list[str]) -> tuple[list[int], list[tuple[str, str]]]:
    """Exact copies of a file: the first path (in sorted order) is processed, the others are
    set aside as (path, first path) without being read again. Shards are never copies: their
    records are checked one by one. Returns the positions of the files to process."""
    first: dict[str, str] = {}
    unique: list[int] = []
    copies: list[tuple[str, str]] = []
    for i, (path, digest) in enumerate(zip(files.paths, digests, strict=True)):
        if digest in first and not digest.startswith("unreadable") and not is_shard(path):
            copies.append((path, first[digest]))
        else:
            first.setdefault(digest, path)
            unique.append(i)
    return unique, copies


def code_version(project_root: Path) -> str:
    """Hash of the code that decides the output: a change to it reprocesses everything."""
    digest = hashlib.blake2b(digest_size=16)
    paths = sorted(p for d in _CODE_DIRS for p in (project_root / d).rglob("*.py"))
    paths += [project_root / f for f in _CODE_FILES]
    for path in paths:
        digest.update(path.relative_to(project_root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def config_signature(code: str, options: dict[str, Any]) -> str:
    return hashlib.blake2b(json.dumps([code, options], sort_keys=True).encode(), digest_size=16).hexdigest()


@dataclass(frozen=True)
class RunConfig:
    """Signatures of what decides a run's output besides its inputs. `cleaning`: what decides a
    bucket's parts (the code, the batch size, the record fields), in every bucket's signature.
    `run`: that and the options that act on the whole run once its buckets are done (the share
    of invalid rows allowed, the near-duplicate threshold and whether copies are dropped), for
    the up-to-date check: changing one of those runs the whole-run steps again, over reused
    parts, not the cleaning of every bucket."""

    cleaning: str
    run: str


def run_config(
    project_root: Path,
    batch_size: int,
    fields: Fields,
    max_invalid_share: float,
    near_duplicates: tuple[float, bool],
) -> RunConfig:
    """The signatures of a run's code and options."""
    cleaning = config_signature(code_version(project_root), {"batch": batch_size, "fields": vars(fields)})
    whole_run = {
        "max_invalid_share": max_invalid_share,
        "near_duplicates": list(near_duplicates),  # the threshold, and whether copies are dropped
    }
    return RunConfig(cleaning, config_signature(cleaning, whole_run))


def make_buckets(
    files: SourceList,
    digests: list[str],
    members: list[int],
    batch_size: int,
    config: str,
    spans: dict[int, list[tuple[int, int]]] | None = None,
) -> list[Bucket]:
    """Group the files at `members` into buckets of about `batch_size` files, sorted by key. A
    shard is a bucket of its own; an archive with `spans` (ranges of its records) one per span,
    so that one big archive keeps every core busy."""
    by_folder: dict[str, list[int]] = defaultdict(list)
    groups: dict[str, list[int]] = {}
    split: list[Bucket] = []
    for i in members:
        path = files.paths[i]
        if spans and len(spans.get(i, ())) > 1:
            split += [
                _bucket(f"shard-{_short_hash(path)}-{n:05d}", files, digests, [i], config, span)
                for n, span in enumerate(spans[i])
            ]
        elif is_shard(path):
            groups[f"shard-{_short_hash(path)}"] = [i]
        else:
            by_folder[path.rpartition("/")[0] or "."].append(i)
    for folder, indices in by_folder.items():
        count = _power_of_two_at_least(-(-len(indices) // batch_size))
        folder_id = _short_hash(folder)
        for i in indices:
            slot = int(_short_hash(files.paths[i].rpartition("/")[2]), 16) % count
            groups.setdefault(f"{folder_id}-{slot:04x}", []).append(i)
    buckets = [_bucket(key, files, digests, sorted(groups[key]), config) for key in groups] + split
    return sorted(buckets, key=lambda bucket: bucket.key)


def _bucket(
    key: str,
    files: SourceList,
    digests: list[str],
    indices: list[int],
    config: str,
    span: tuple[int, int] | None = None,
) -> Bucket:
    """A bucket of these files (sorted by path), its signature from the code's and options'
    config, the files' names and content hashes, and the span of records it holds."""
    signature = hashlib.blake2b(digest_size=16)
    signature.update(config.encode())
    for i in indices:
        signature.update(os.fsencode(f"\0{files.paths[i]}\0{digests[i]}"))  # names may be any bytes
    if span:
        signature.update(f"\0{span[0]}-{span[1]}".encode())
    return Bucket(key, files.select(indices), signature.hexdigest(), span)


def _power_of_two_at_least(n: int) -> int:
    power = 1
    while power < n:
        power *= 2
    return power


def _short_hash(text: str) -> str:
    return hashlib.blake2b(os.fsencode(text), digest_size=4).hexdigest()
