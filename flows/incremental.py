"""Work plan of a run: buckets of inputs, and what an earlier run already did.

Inputs are grouped into buckets, the unit of a Prefect task and of an output part file. A
bucket's membership depends only on its files' paths (folder, and a hash of the name), so
adding or removing one file changes one bucket, not all that follow it. Files of one folder
share buckets: they usually come from one site, which is what the corpus evidence of
transforms/corpus.py needs. A shard (JSONL, Parquet) is a bucket of its own.

Each bucket has a signature: a hash of the code and options of the run and of its files'
contents. A published run stores, in its manifest, the signature and part files of every
bucket, and the size, mtime and content hash of every file. The next run reuses the parts of
each bucket whose signature has not changed (content hashes are only recomputed for files
whose size or mtime changed), processes the others, and leaves out the parts of files that
are gone.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from flows.files import published_run
from flows.sources import Fields, Source, list_sources

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
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
    sources: tuple[Source, ...]
    signature: str


@dataclass
class Manifest:
    """What a published run holds: per bucket its signature and parts; per file its hash."""

    config: str = ""
    files: dict[str, list[Any]] = field(default_factory=dict)  # path -> [size, mtime_ns, hash]
    buckets: dict[str, dict[str, Any]] = field(default_factory=dict)
    input_dir: str = ""  # where the files were read from, for `build.py inspect`

    @classmethod
    def load(cls, run_dir: Path | None) -> Manifest:
        path = run_dir / MANIFEST if run_dir else None
        if path is None or not path.is_file():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != MANIFEST_VERSION:
            return cls()
        return cls(data["config"], data["files"], data["buckets"], data.get("input_dir", ""))

    def save(self, run_dir: Path) -> None:
        data = {
            "version": MANIFEST_VERSION,
            "config": self.config,
            "files": self.files,
            "buckets": self.buckets,
            "input_dir": self.input_dir,
        }
        (run_dir / MANIFEST).write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")


@dataclass
class Plan:
    """What a run will do, decided before any task starts.

    `to_process` are the buckets whose inputs, code or options changed since the published
    run; the others are in `reusable` with their manifest entries (parts to link). `copies`
    are exact copies of an earlier file (path, first path), rejected without being read.
    `manifest` is the new run's, its buckets filled in as they are checked."""

    previous_run: Path | None
    manifest: Manifest
    unique: list[Source]
    copies: list[tuple[str, str]]
    buckets: list[Bucket]
    reusable: dict[str, dict[str, Any]]

    @property
    def to_process(self) -> list[Bucket]:
        return [bucket for bucket in self.buckets if bucket.key not in self.reusable]


def plan_run(input_root: Path, output_root: Path, config: str, batch_size: int, full_refresh: bool) -> Plan:
    """List and hash the inputs (rehashing only files whose size or mtime changed since the
    published run), set exact copies aside, group the rest into buckets, and find the buckets
    the published run already has. Call it while holding the output lock."""
    previous_run = published_run(output_root)
    previous = Manifest.load(previous_run)
    if previous.config != config or full_refresh:
        previous.buckets = {}
    sources = list_sources(input_root)
    hashes = content_hashes(input_root, sources, previous, full_refresh)
    previous.files = {}  # only hashing needed them; a million entries are worth freeing
    unique, copies = split_copies(sources, hashes)
    buckets = make_buckets(unique, hashes, batch_size, config)
    reusable = {}
    for bucket in buckets:
        old = previous.buckets.get(bucket.key)
        if previous_run and old and old["signature"] == bucket.signature and not old.get("filtered"):
            reusable[bucket.key] = old
    files = {s.path: [s.size, s.mtime_ns, hashes[s.path]] for s in sources}
    manifest = Manifest(config, files, input_dir=str(input_root.resolve()))
    return Plan(previous_run, manifest, unique, copies, buckets, reusable)


def split_copies(sources: list[Source], hashes: dict[str, str]) -> tuple[list[Source], list[tuple[str, str]]]:
    """Exact copies of a file: the first path (in sorted order) is processed, the others are
    set aside as (path, first path) without being read again. Shards are never copies: their
    records are checked one by one."""
    first: dict[str, str] = {}
    unique: list[Source] = []
    copies: list[tuple[str, str]] = []
    for source in sources:  # sorted by path
        digest = hashes[source.path]
        if digest in first and not digest.startswith("unreadable") and not source.is_shard:
            copies.append((source.path, first[digest]))
        else:
            first.setdefault(digest, source.path)
            unique.append(source)
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


def run_config(project_root: Path, batch_size: int, fields: Fields, max_invalid_share: float) -> str:
    """Signature of what decides a run's output besides its inputs: the code and the options."""
    options = {"batch": batch_size, "fields": vars(fields), "max_invalid_share": max_invalid_share}
    return config_signature(code_version(project_root), options)


def content_hashes(
    root: Path, sources: list[Source], previous: Manifest, full_refresh: bool
) -> dict[str, str]:
    """Content hash of every source; unchanged size and mtime reuse the previous hash."""
    hashes: dict[str, str] = {}
    for source in sources:
        known = previous.files.get(source.path)
        if not full_refresh and known and known[0] == source.size and known[1] == source.mtime_ns:
            hashes[source.path] = known[2]
        else:
            hashes[source.path] = file_hash(root / source.path)
    return hashes


def file_hash(path: Path) -> str:
    """BLAKE2b of a file's bytes; an unreadable file gets a hash that never matches."""
    digest = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(HASH_CHUNK):
                digest.update(chunk)
    except OSError as err:
        return f"unreadable:{type(err).__name__}"
    return digest.hexdigest()


def make_buckets(sources: list[Source], hashes: dict[str, str], batch_size: int, config: str) -> list[Bucket]:
    """Group sources into buckets of about `batch_size` files, sorted by key."""
    by_folder: dict[str, list[Source]] = defaultdict(list)
    shards: list[Source] = []
    for source in sources:
        (shards if source.is_shard else by_folder[str(PurePosixPath(source.path).parent)]).append(source)
    groups: dict[str, list[Source]] = {}
    for folder, members in by_folder.items():
        count = _power_of_two_at_least(-(-len(members) // batch_size))
        folder_id = _short_hash(folder)
        for source in members:
            slot = int(_short_hash(PurePosixPath(source.path).name), 16) % count
            groups.setdefault(f"{folder_id}-{slot:04x}", []).append(source)
    for shard in shards:
        groups[f"shard-{_short_hash(shard.path)}"] = [shard]
    buckets = []
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda s: s.path)
        signature = hashlib.blake2b(digest_size=16)
        signature.update(config.encode())
        for source in members:
            signature.update(f"\0{source.path}\0{hashes[source.path]}".encode())
        buckets.append(Bucket(key, tuple(members), signature.hexdigest()))
    return buckets


def _power_of_two_at_least(n: int) -> int:
    power = 1
    while power < n:
        power *= 2
    return power


def _short_hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=4).hexdigest()
