"""Benchmark: the full flow against a naive baseline, on the same synthetic corpus.

    python bench/run.py                 # 20,000 articles
    python bench/run.py --docs 200000   # more; the corpus is built once per size and reused

It builds a corpus of N articles shaped like seeds/ and the held-out corpus (many languages and
layouts, boilerplate, mojibake, cp1252 and UTF-16 files), then times, in the same run:

(a) the naive baseline: a plain Python loop that reads each file, runs ftfy.fix_text and
    langdetect.detect_langs on it and writes one Parquet file, timed just before and just
    after the first flow run (this machine's speed drifts by a third within minutes: the
    ratio takes the mean of the two);
(b) the full flow (python flows/build.py) on the same corpus, then a second run over the
    unchanged corpus (the command sees that nothing changed and ends before Prefect starts),
    a run after every file was touched (same bytes, new mtimes: the flow runs, rehashes the
    files and reuses every batch, as a scheduled deployment does), and a run over an empty
    folder (the fixed start-up cost).

Reported per step: documents per second, MB per second, CPU seconds of the whole process tree,
peak memory of that tree (PSS from /proc, read at each new high of the resident size and at
least every SAMPLE_SECONDS), and the flow/baseline ratio, in wall time and in CPU time (the
machine's speed swings move the wall-time ratio more: the baseline uses one core). The memory
samples of the first flow run are written next to the results, so a flat curve can be checked.
"""

from __future__ import annotations

import argparse
import glob
import io
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # to read the held-out corpus templates in tests/corpus

FILES_PER_FOLDER = 1000


def templates() -> list[str]:
    """Raw texts to vary: the seeds and the held-out corpus pages."""
    from tests.corpus.build import PAGES, parse

    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").iterdir())]
    texts += [parse(p)[0] for p in sorted(PAGES.glob("*.page")) if '"expect": "reject"' not in p.read_text()]
    return texts


def build_corpus(target: Path, docs: int, seed: int = 7) -> int:
    """Write `docs` articles under `target` (once: an existing corpus of that size is reused)."""
    marker = target / ".complete-v2"
    if marker.exists():
        return int(marker.read_text())
    shutil.rmtree(target, ignore_errors=True)
    rng = random.Random(seed)
    bases = templates()
    total = 0
    for i in range(docs):
        base = bases[i % len(bases)]
        text = _vary(base, i, rng)
        roll = rng.random()
        if roll < 0.10:
            raw = text.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8")  # mojibake
        elif roll < 0.15:
            raw = text.encode("cp1252", errors="replace")
        elif roll < 0.18:
            raw = "\ufeff".encode("utf-16-le") + text.encode("utf-16-le")
        else:
            raw = text.encode("utf-8")
        folder = target / f"site-{i % len(bases):02d}" / f"{i // (len(bases) * FILES_PER_FOLDER):04d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"doc-{i:07d}.txt").write_bytes(raw)
        total += len(raw)
    marker.write_text(str(total))
    return total


def _vary(text: str, index: int, rng: random.Random) -> str:
    """A distinct article from a template: every paragraph gets words of its own (as in a real
    crawl, only the furniture repeats across articles)."""
    lines = text.split("\n")
    for n, line in enumerate(lines):
        words = line.split(" ")
        if len(words) > 15:
            at = rng.randrange(3, len(words) - 3)
            words.insert(at, f"{rng.choice(_FILLERS)} {index % 997 + rng.randrange(1000)}")
            lines[n] = " ".join(words)
    return "\n".join(lines)


_FILLERS = ("about", "nearly", "some", "at least", "around", "over", "roughly", "almost")


# A PSS sample costs the kernel a walk of each process's page tables: about 30 ms of CPU for the
# flow's four processes at 1.3 GB. Every 0.2 s that took 8% of this two-core machine from the
# flow it measured (and little from the one-core baseline beside it). So the tree's resident
# size (statm, cheap) is read every CHECK_SECONDS, and PSS only when that reaches a new high
# (where a peak may be) or SAMPLE_SECONDS after the last PSS sample: about 1.5% of a core.
CHECK_SECONDS, SAMPLE_SECONDS = 0.1, 1.0
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


class RssSampler:
    """Peak and curve of the memory (PSS) of a process and all its descendants."""

    def __init__(self, pid: int) -> None:
        self.pid, self.samples, self.peak = pid, [], 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._started = time.monotonic()
        self._thread.start()

    def _run(self) -> None:
        highest_resident, last_sample = 0.0, -SAMPLE_SECONDS
        while not self._stop.is_set():
            pids = _tree(self.pid)
            resident = sum(map(_resident_mb, pids))
            now = time.monotonic() - self._started
            if resident > highest_resident or now - last_sample >= SAMPLE_SECONDS:
                pss = sum(map(_pss_kb, pids)) / 1024
                self.peak = max(self.peak, pss)
                self.samples.append((round(now, 1), round(pss)))
                highest_resident, last_sample = max(highest_resident, resident), now
            self._stop.wait(CHECK_SECONDS)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _tree(root_pid: int) -> list[int]:
    """A process and its descendants. Their memory is counted as PSS: pages shared between
    processes (the language data the forked workers share) are split between them, not
    counted twice."""
    found, stack = [], [root_pid]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(_children(pid))
    return found


def _resident_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * PAGE_MB
    except (OSError, IndexError, ValueError):
        return 0.0


def _children(pid: int) -> list[int]:
    """The child processes of `pid`, from each of its threads' /proc children list."""
    found: list[int] = []
    for task in glob.glob(f"/proc/{pid}/task/*/children"):
        try:
            with open(task) as handle:
                found += [int(child) for child in handle.read().split()]
        except OSError:
            continue
    return found


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def timed(command: list[str], env: dict[str, str] | None = None) -> dict[str, object]:
    """Run a command, with its wall time, the CPU time of its process tree (every process it
    waited for: the flow's workers and API server too) and the peak memory of that tree."""
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sampler = RssSampler(process.pid)
    output, _ = process.communicate()
    sampler.stop()
    seconds = time.monotonic() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(getattr(cpu_after, f) - getattr(cpu_before, f) for f in ("ru_utime", "ru_stime"))
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{output}")
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 1),
        "peak_rss_mb": round(sampler.peak),
        "curve": sampler.samples,
        "output": output,
    }


BASELINE = r"""
import sys, time, pathlib
import ftfy, langdetect, pyarrow as pa, pyarrow.parquet as pq
langdetect.DetectorFactory.seed = 0
rows = []
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.txt")):
    text = ftfy.fix_text(path.read_bytes().decode("utf-8", errors="replace"))
    try:
        lang = langdetect.detect_langs(text)[0].lang
    except langdetect.LangDetectException:
        lang = "und"
    rows.append({"path": str(path), "language": lang, "text": text})
pq.write_table(pa.Table.from_pylist(rows), sys.argv[2])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000, help="articles in the corpus (default 20,000)")
    parser.add_argument(
        "--workdir", type=Path, default=Path("/tmp/newsclean-bench"), help="where corpus and outputs go"
    )
    parser.add_argument("--skip-baseline", action="store_true", help="time the flow only")
    parser.add_argument(
        "--warc-pages", type=int, default=0, metavar="N",
        help="also time a WARC of N pages (from ../shared/eval/pages/html) against trafilatura alone",
    )  # fmt: skip
    args = parser.parse_args()

    corpus = args.workdir / f"corpus-{args.docs}"
    print(f"corpus: {args.docs} articles in {corpus} ...", flush=True)
    size = build_corpus(corpus, args.docs)
    mb = size / 2**20
    results: dict[str, object] = {
        "date": time.strftime("%Y-%m-%d"),
        "docs": args.docs,
        "megabytes": round(mb, 1),
    }

    def report(name: str, run: dict[str, object]) -> None:
        seconds = float(run["seconds"])  # type: ignore[arg-type]
        run.update(docs_per_s=round(args.docs / seconds, 1), mb_per_s=round(mb / seconds, 2))
        print(f"{name:<22} {seconds:8.1f} s {run['docs_per_s']:9.1f} docs/s {run['mb_per_s']:7.2f} MB/s "
              f"CPU {run['cpu_seconds']:6} s peak memory {run['peak_rss_mb']:6} MB", flush=True)  # fmt: skip
        results[name] = {k: v for k, v in run.items() if k not in ("output", "curve")}

    python = sys.executable
    naive = [python, "-c", BASELINE, str(corpus), str(args.workdir / "baseline.parquet")]
    naive_runs: list[dict[str, object]] = []
    if not args.skip_baseline:
        naive_runs.append(timed(naive))
        report("baseline", naive_runs[0])
    out = args.workdir / f"out-{args.docs}"
    shutil.rmtree(out, ignore_errors=True)
    build = [python, str(ROOT / "flows" / "build.py"), "--input", str(corpus), "--output", str(out)]
    first = timed(build)
    report("flow", first)
    if not args.skip_baseline:
        naive_runs.append(timed(naive))
        report("baseline, again", naive_runs[1])
    stages = re.search(r"^time: .*$", str(first["output"]), re.MULTILINE)
    if stages:
        print(f"flow {stages[0]}", flush=True)
    step = re.search(r"near-duplicates and stories ([\d.]+) s", str(first["output"]))
    if step:  # the step over every article of the run, after the buckets (its cost in the flow)
        results["near_duplicates_and_stories_seconds"] = float(step[1])
        print(f"near-duplicates and stories: {step[1]} s of the flow's time", flush=True)
    (args.workdir / f"rss-curve-{args.docs}.json").write_text(json.dumps(first["curve"]))
    second = timed(build)
    report("flow, unchanged input", second)
    for path in corpus.rglob("*.txt"):  # same bytes, new mtimes: the flow runs, and reuses
        os.utime(path)
    touched = timed(build)
    report("flow, files touched", touched)
    empty, empty_out = args.workdir / "empty", args.workdir / "out-empty"
    empty.mkdir(exist_ok=True)
    shutil.rmtree(empty_out, ignore_errors=True)  # else the run ends at the up-to-date check
    startup = timed([*build[:2], "--input", str(empty), "--output", str(empty_out)])
    results["startup_seconds"] = startup["seconds"]
    print(f"start-up overhead (empty input): {startup['seconds']} s")
    ratio = float(first["seconds"]) and float(second["seconds"]) / float(first["seconds"])  # type: ignore[arg-type]
    results["second_run_share"] = round(ratio, 3)
    print(f"second run / first run: {ratio:.1%}")
    if not args.skip_baseline:
        before, after = float(naive_runs[0]["seconds"]), float(naive_runs[1]["seconds"])  # type: ignore[arg-type]
        speedup = (before + after) / 2 / float(first["seconds"])  # type: ignore[arg-type]
        results["flow_vs_baseline"] = round(speedup, 2)
        print(f"flow / baseline docs/s: {speedup:.2f}x (baseline: mean of {before:.1f} and {after:.1f} s)")
        cpu_before, cpu_after = (float(run["cpu_seconds"]) for run in naive_runs)  # type: ignore[arg-type]
        cpu_ratio = (cpu_before + cpu_after) / 2 / float(first["cpu_seconds"])  # type: ignore[arg-type]
        results["baseline_cpu_vs_flow_cpu"] = round(cpu_ratio, 2)
        print(
            f"baseline CPU / flow CPU: {cpu_ratio:.2f} (the flow's work, all its processes, in the "
            f"baseline's units; times the cores it is the ratio above on an even machine)"
        )
    if args.warc_pages:
        results["warc"] = bench_warc(args.warc_pages, args.workdir)
    (args.workdir / f"results-{args.docs}.json").write_text(json.dumps(results, indent=2))
    print(f"results: {args.workdir / f'results-{args.docs}.json'}")


PAGES = ROOT.parent / "shared" / "eval" / "pages" / "html"
TRAFILATURA_ALONE = r"""
import pathlib, sys, time
import trafilatura
pages = [p.read_bytes() for p in sorted(pathlib.Path(sys.argv[1]).rglob("*.html"))]
count = int(sys.argv[2])
started = time.monotonic()
for n in range(count):
    trafilatura.bare_extraction(pages[n % len(pages)], include_comments=False, with_metadata=True)
print(time.monotonic() - started)
"""


REFERENCE_PAGES = 500


def _trafilatura_alone(count: int) -> float:
    """Pages per second of trafilatura alone, in one process, on `count` of the shared pages."""
    alone = subprocess.run(
        [sys.executable, "-c", TRAFILATURA_ALONE, str(PAGES), str(count)],
        capture_output=True,
        text=True,
        check=True,
    )
    return count / float(alone.stdout.strip().splitlines()[-1])


def bench_warc(count: int, workdir: Path) -> dict[str, object]:
    """A WARC of `count` pages (the shared real pages, cycled, each copy its own bytes), each
    response after its request record, through the flow; against trafilatura alone on the same
    pages in one process, times the cores (what a perfect split would reach). Trafilatura is
    timed on REFERENCE_PAGES just before and just after the flow, and the mean taken: this
    machine's speed drifts by a tenth within minutes."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    pages = sorted(PAGES.rglob("*.html"))
    folder = workdir / f"warc-{count}"
    archive = folder / "crawl.warc.gz"
    if not archive.exists():
        folder.mkdir(parents=True, exist_ok=True)
        with open(archive, "wb") as stream:
            writer = WARCWriter(stream, gzip=True)
            for n in range(count):
                page = pages[n % len(pages)]
                uri = f"https://pages.example/{n}/{page.parent.name}/{page.stem}"
                body = page.read_bytes() + f"\n<!-- copy {n} -->".encode()
                request = io.BytesIO(f"GET /{n} HTTP/1.1\r\n\r\n".encode())
                writer.write_record(writer.create_warc_record(uri, "request", payload=request))
                http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
                writer.write_record(
                    writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=http)
                )
    before = _trafilatura_alone(min(count, REFERENCE_PAGES))
    out = workdir / f"out-warc-{count}"
    shutil.rmtree(out, ignore_errors=True)
    flow = timed(
        [sys.executable, str(ROOT / "flows" / "build.py"), "--input", str(folder), "--output", str(out)]
    )
    after = _trafilatura_alone(min(count, REFERENCE_PAGES))
    alone_pages_per_s = (before + after) / 2
    cores = os.cpu_count() or 1
    result = {
        "pages": count,
        "megabytes": round(archive.stat().st_size / 2**20, 1),
        "flow_seconds": flow["seconds"],
        "flow_pages_per_s": round(count / float(flow["seconds"]), 1),  # type: ignore[arg-type]
        "peak_rss_mb": flow["peak_rss_mb"],
        "trafilatura_alone_pages_per_s": round(alone_pages_per_s, 1),
        "trafilatura_alone_before_after": [round(before, 1), round(after, 1)],
        "cores": cores,
    }
    result["flow_vs_trafilatura_times_cores"] = round(
        float(result["flow_pages_per_s"]) / (alone_pages_per_s * cores),
        2,  # type: ignore[arg-type]
    )
    print(
        f"WARC of {count} pages ({result['megabytes']} MB): flow {result['flow_pages_per_s']} pages/s, "
        f"peak memory {result['peak_rss_mb']} MB; trafilatura alone "
        f"{result['trafilatura_alone_pages_per_s']} pages/s x {cores} cores: "
        f"{result['flow_vs_trafilatura_times_cores']} of that"
    )
    return result


if __name__ == "__main__":
    main()
