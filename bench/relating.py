"""Benchmark of relating alone (near-duplicates and stories) on a synthetic index of N articles.

    python bench/relating.py                        # 1,000,000 articles
    python bench/relating.py --articles 200000

bench/run.py times the step inside whole runs, but its corpus is made from 41 templates: nearly
every article there is a copy of another, so the stories' side of the step (the topic words of
every original) is hardly exercised. Here the parts hold what relating reads (the key columns
and the index) for N mostly distinct articles: random signatures, of which COPY_SHARE are copies
of an earlier article with a tenth of their values changed; 60 topic words each from a Zipf
vocabulary of VOCABULARY words; ten languages; dates over a year. The parts are written once
per size and reused; relating then runs in a fresh process, and its time and peak resident
memory (above the process's size before it) are printed, with what it found.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flows.article_index import INDEX_DIR, INDEX_SCHEMA, relate_articles  # noqa: E402
from transforms.near_duplicates import PERMUTATIONS, SIGNATURE_DTYPE  # noqa: E402
from transforms.stories import CANDIDATE_TERMS  # noqa: E402

PART_ROWS = 500  # the flow's default batch size
COPY_SHARE = 0.1
VOCABULARY = 2_000_000
LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pl", "pt", "ru", "sv")


def build_parts(target: Path, articles: int, seed: int = 11) -> list[str]:
    """Write the parts' key columns and index (once per size); returns the part names."""
    marker = target / ".complete"
    if marker.exists():
        return json.loads(marker.read_text())
    rng = np.random.default_rng(seed)
    (target / "articles").mkdir(parents=True, exist_ok=True)
    (target / INDEX_DIR).mkdir(exist_ok=True)
    names, recent = [], np.zeros((0, PERMUTATIONS), dtype=SIGNATURE_DTYPE)
    for start in range(0, articles, PART_ROWS):
        rows = min(PART_ROWS, articles - start)
        name = f"part-{start // PART_ROWS:07d}.parquet"
        signatures = rng.integers(
            0, np.iinfo(SIGNATURE_DTYPE).max + 1, (rows, PERMUTATIONS), dtype=SIGNATURE_DTYPE
        )
        copies = np.flatnonzero(rng.random(rows) < COPY_SHARE) if len(recent) else np.zeros(0, int)
        signatures[copies] = recent[rng.integers(0, len(recent), len(copies))]
        changed = rng.random(signatures[copies].shape) < 0.1
        signatures[copies] = np.where(changed, signatures[copies] + 1, signatures[copies])
        recent = signatures[-200:]
        doc_ids = [f"{start + n:032x}" for n in range(rows)]
        terms = rng.zipf(1.3, (rows, CANDIDATE_TERMS)).clip(max=VOCABULARY).astype(np.uint32)
        weights = np.sort(rng.random((rows, CANDIDATE_TERMS), dtype=np.float32), axis=1)[:, ::-1]
        days = rng.integers(0, 365, rows)
        published = [dt.date(2025, 1, 1) + dt.timedelta(days=int(d)) for d in days]
        keys = pa.table(
            {
                "doc_id": doc_ids,
                "language": [LANGUAGES[n] for n in rng.integers(0, len(LANGUAGES), rows)],
                "title": [f"Title {start + n}" for n in range(rows)],
                "published_date": pa.array(published, pa.date32()),
                "fetched_at": pa.array([None] * rows, pa.timestamp("us", tz="UTC")),
                "source_path": [f"site/{start + n:08d}.txt" for n in range(rows)],
                "near_duplicate_of": pa.array([None] * rows, pa.string()),
                "story_id": pa.array([None] * rows, pa.string()),
            }
        )
        pq.write_table(keys, target / "articles" / name, compression="zstd")
        index = pa.table(
            {
                "doc_id": doc_ids,
                "signature": [s.tobytes() for s in signatures],
                "distinct_words": rng.integers(150, 900, rows).astype(np.uint32),
                "lead": rng.integers(1, 2**63, rows, dtype=np.uint64),
                "topic_terms": [list(np.unique(t)) for t in terms],
                "topic_weights": [list(w[: len(np.unique(t))]) for w, t in zip(weights, terms, strict=True)],
            },
            schema=INDEX_SCHEMA,
        )
        pq.write_table(index, target / INDEX_DIR / name, compression="zstd")
        names.append(name)
    marker.write_text(json.dumps(names))
    return names


def measure(target: Path) -> None:
    """Relate the parts here and print the figures (run in a fresh process)."""
    names = json.loads((target / ".complete").read_text())
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.monotonic()
    relations = relate_articles(target, names, 0.8)
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    articles = len(relations.of_row)
    print(
        json.dumps(
            {
                "articles": articles,
                "seconds": round(seconds, 1),
                "peak_mb": round(peak),
                "above_start_mb": round(peak - before),
                "bytes_per_article": round((peak - before) * 2**20 / max(articles, 1)),
                "copies": relations.copies,
                "near_duplicate_groups": relations.near_duplicate_groups,
                "stories": relations.stories,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/newsclean-bench"))
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the fresh process
    args = parser.parse_args()
    if args.measure:
        measure(args.measure)
        return
    target = args.workdir / f"relating-{args.articles}"
    print(f"parts: {args.articles} articles in {target} ...", flush=True)
    build_parts(target, args.articles)
    subprocess.run([sys.executable, __file__, "--measure", str(target)], check=True)


if __name__ == "__main__":
    main()
