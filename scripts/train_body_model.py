"""Rebuild transforms/body_model.json, the body model, and report its score with sites held out.

    python scripts/train_body_model.py [--eval ../shared/eval] [--folds 5] [--no-write]

Training data: every line the rules leave undecided in
- ../shared/eval/pages: 187 real web pages (whole visible text) with their expected article;
- ../shared/eval/dev: 60 tidy crawled documents with gold body paragraphs;
- tests/corpus: the project's own held-out corpus (built into a temporary folder).
A line is article when at least half of its 4-token shingles (for shorter lines: its whole
token run, next to another article line) are in the gold body.

Measured first, with K folds grouped by site (both pages of a site on the same side; every
dev and corpus document a group of its own): per-page body F1 as ../shared/eval/score_pages.py
computes it, over the real pages. Then the final model is fitted on everything.

Needs scikit-learn (`pip install -e '.[train]'`); the pipeline itself only reads the JSON.
The fit is deterministic: the same data gives the same file.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from transforms.body import (  # noqa: E402
    MODEL_PATH,
    SIGNALS,
    STAGE2_EXTRA,
    article_lines,
    line_signals,
    stage2_signals,
)
from transforms.boilerplate import line_evidence  # noqa: E402
from transforms.corpus import (  # noqa: E402
    MIN_CORPUS_DOCUMENTS,
    RepeatedLines,
    count_documents_per_line,
    text_fingerprints,
)
from transforms.document import Prepared, document_lines, prepare_document  # noqa: E402

TOKEN = re.compile(r"\w+")
# Function words: the most common words of each of these languages in wordfreq.
FUNCTION_WORD_LANGUAGES = (
    "ar", "bg", "ca", "cs", "da", "de", "el", "en", "es", "fa", "fi", "fr", "he", "hi", "hu", "id",
    "it", "lt", "lv", "nb", "nl", "pl", "pt", "ro", "ru", "sk", "sl", "sv", "tr", "uk", "vi",
)  # fmt: skip
FUNCTION_WORDS_PER_LANGUAGE = 60
FUNCTION_CHAR_LANGUAGES = ("zh", "ja", "ko")
FUNCTION_CHARS_PER_LANGUAGE = 40
DOCUMENT_WEIGHT_POWER = 0.5
WORST_SHOWN = 10
# Tidy documents are also learnt cut down to this many article paragraphs.
SHORTENED_TO = (1, 2)
TREE_PARAMS = {"max_iter": 60, "learning_rate": 0.2, "max_leaf_nodes": 15, "max_depth": 5,
               "min_samples_leaf": 20, "l2_regularization": 1.0, "early_stopping": False}  # fmt: skip


@dataclass
class Document:
    name: str
    group: str
    lines: list[str]
    signals: np.ndarray
    labels: np.ndarray  # 1 article, 0 not, for the undecided lines
    undecided: np.ndarray  # bool per judged line
    gold_body: str | None  # pages only: scored with the page F1


def function_vocabulary() -> tuple[list[str], list[str]]:
    from wordfreq import top_n_list

    words: set[str] = set()
    for lang in FUNCTION_WORD_LANGUAGES:
        words.update(w for w in top_n_list(lang, FUNCTION_WORDS_PER_LANGUAGE) if TOKEN.fullmatch(w))
    chars: set[str] = set()
    for lang in FUNCTION_CHAR_LANGUAGES:
        chars.update(w for w in top_n_list(lang, FUNCTION_CHARS_PER_LANGUAGE) if len(w) == 1)
    return sorted(words), sorted(chars)


def _norm_tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def label_lines(lines: list[str], gold_body: str) -> np.ndarray:
    """1 for lines of the gold article, 0 for the rest."""
    gold_tokens = _norm_tokens(gold_body)
    shingles = {tuple(gold_tokens[i : i + 4]) for i in range(len(gold_tokens) - 3)}
    joined = " " + " ".join(gold_tokens) + " "
    labels = np.zeros(len(lines))
    short: list[int] = []
    for n, line in enumerate(lines):
        tokens = _norm_tokens(line)
        if len(tokens) >= 4:
            own = [tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3)]
            labels[n] = float(sum(s in shingles for s in own) >= 0.5 * len(own))
        elif tokens and (" " + " ".join(tokens) + " ") in joined:
            short.append(n)
    for n in short:  # a short run of gold tokens counts when it stands next to the article
        labels[n] = float((n > 0 and labels[n - 1] == 1) or (n + 1 < len(lines) and labels[n + 1] == 1))
    return labels


def load_documents(
    sources: list[tuple[str, str, bytes, str, str | None, str]], vocab: tuple[frozenset[str], frozenset[str]]
) -> list[Document]:
    """sources: (folder key, group, raw bytes, gold body, page gold body or None, name)."""
    prepared: dict[int, Prepared] = {}
    for n, (_, _, raw, *_) in enumerate(sources):
        p = prepare_document(raw, str(n))
        if isinstance(p, Prepared):
            prepared[n] = p
    folders: dict[str, list[int]] = {}
    for n in prepared:
        folders.setdefault(sources[n][0], []).append(n)
    repeated_of: dict[int, RepeatedLines] = {}
    for members in folders.values():
        repeated = RepeatedLines()
        if len(members) >= MIN_CORPUS_DOCUMENTS:
            counts = count_documents_per_line(text_fingerprints(prepared[n].repaired.text) for n in members)
            repeated = RepeatedLines.from_counts(counts)
        repeated_of.update(dict.fromkeys(members, repeated))
    documents = []
    for n, p in prepared.items():
        _, group, _, gold, page_gold, name = sources[n]
        lines = document_lines(p.repaired.text.split("\n"))
        document = make_document(name, group, lines, gold, page_gold, repeated_of[n], vocab)
        if document is None:
            continue
        documents.append(document)
        if page_gold is None:  # tidy documents: also as short briefs, and with a box inside
            documents += augmented(document, lines, gold, repeated_of[n], vocab)
    return documents


def make_document(
    name: str,
    group: str,
    lines: list[str],
    gold: str,
    page_gold: str | None,
    repeated: RepeatedLines,
    vocab: tuple[frozenset[str], frozenset[str]],
) -> Document | None:
    evidence = line_evidence(lines, repeated=repeated)
    judged = [lines[i] for i in evidence.order]
    if not judged:
        return None
    return Document(
        name=name,
        group=group,
        lines=judged,
        signals=line_signals(judged, evidence.hints, *vocab),
        labels=label_lines(judged, gold),
        undecided=np.array([i not in evidence.decided for i in evidence.order]),
        gold_body=page_gold,
    )


def augmented(
    document: Document,
    lines: list[str],
    gold: str,
    repeated: RepeatedLines,
    vocab: tuple[frozenset[str], frozenset[str]],
) -> list[Document]:
    """Variants of a tidy document, as the gold sets hardly have them: cut to its first one or
    two article paragraphs (short news briefs keep their paragraphs too), and with what follows
    its article (related headlines, share rows, tags) moved in before its last paragraph (boxes
    stand inside articles, and the paragraph after them is still the article's)."""
    article = {line for line, label in zip(document.lines, document.labels, strict=True) if label}
    at = [i for i, line in enumerate(lines) if line in article]
    variants: dict[str, list[str]] = {}
    for keep in SHORTENED_TO:
        if len(at) > keep:
            dropped = set(at[keep:])
            variants[str(keep)] = [line for i, line in enumerate(lines) if i not in dropped]
    if len(at) >= 2 and any(lines[at[-1] + 1 :]):
        variants["box"] = lines[: at[-1]] + lines[at[-1] + 1 :] + [""] + lines[at[-1] : at[-1] + 1]
    made = (
        make_document(f"{document.name}#{suffix}", document.group, cut, gold, None, repeated, vocab)
        for suffix, cut in variants.items()
    )
    return [variant for variant in made if variant is not None]


def collect_sources(eval_dir: Path, corpus_dir: Path) -> list[tuple[str, str, bytes, str, str | None, str]]:
    sources = []
    for row in map(json.loads, (eval_dir / "pages" / "gold.jsonl").read_text().splitlines()):
        path = eval_dir / "pages" / "input" / row["source_path"]
        site = re.sub(r"[-_]?\d+$", "", Path(row["source_path"]).stem)
        sources.append(
            (
                f"pages/{row['source']}",
                f"site:{site}",
                path.read_bytes(),
                row["body"],
                row["body"],
                row["source_path"],
            )
        )
    for folder, name in ((eval_dir / "dev", "dev"), (corpus_dir, "corpus")):
        for row in map(json.loads, (folder / "gold.jsonl").read_text().splitlines()):
            if row["expect"] != "article":
                continue
            path = folder / "input" / row["source_path"]
            body = "\n".join(row["body"] + row.get("keep_extra", []))
            sources.append((f"{name}/{Path(row['source_path']).parent}", f"{name}:{row['source_path']}",
                            path.read_bytes(), body, None, row["source_path"]))  # fmt: skip
    return sources


def fit(rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]]):  # type: ignore[no-untyped-def]
    """Trees on (signals, labels, weights) per document. A document's lines share one unit of
    weight (to the power DOCUMENT_WEIGHT_POWER), so that a page of 900 menu lines does not
    outweigh a short brief; this is how the page score counts too: every page the same."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    x = np.vstack([r[0] for r in rows])
    y = np.concatenate([r[1] for r in rows])
    w = np.concatenate([r[2] for r in rows])
    return HistGradientBoostingClassifier(random_state=0, **TREE_PARAMS).fit(x, y, sample_weight=w)


def training_rows(d: Document, x: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The undecided lines of a document: signals (or `x`), labels, weights."""
    n = int(d.undecided.sum())
    weight = np.full(n, 1.0 / max(n, 1) ** DOCUMENT_WEIGHT_POWER)
    return ((d.signals if x is None else x)[d.undecided], d.labels[d.undecided], weight)


def fit_two_stages(documents: list[Document], folds: int):  # type: ignore[no-untyped-def]
    """Stage 1 on the signals; stage 2 on the signals and stage-1 scores made out of fold."""
    stage1 = fit([training_rows(d) for d in documents])
    stage2_rows = []
    for held in split_groups(documents, folds):
        inner = fit([training_rows(d) for d in documents if d.group not in held])
        for d in (d for d in documents if d.group in held):
            x2 = stage2_signals(d.signals, inner.predict_proba(d.signals)[:, 1])
            stage2_rows.append(training_rows(d, x2))
    return stage1, fit(stage2_rows)


def split_groups(documents: list[Document], folds: int) -> list[set[str]]:
    """Groups dealt into folds in a fixed order (sorted by name), so the split is deterministic."""
    groups = sorted({d.group for d in documents})
    return [set(groups[k::folds]) for k in range(folds)]


def predicted_text(d: Document, stage1, stage2) -> str:  # type: ignore[no-untyped-def]
    scores = stage2.predict_proba(stage2_signals(d.signals, stage1.predict_proba(d.signals)[:, 1]))[:, 1]
    keep = article_lines(d.lines, scores, d.undecided.tolist())
    return "\n".join(line for line, k in zip(d.lines, keep, strict=True) if k)


def page_scorer(eval_dir: Path):  # type: ignore[no-untyped-def]
    """../shared/eval/score_pages.py itself, so that the held-out score is computed as the
    scorer computes it (per-page shingle counts, F1 of the mean precision and recall)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("score_pages", eval_dir / "score_pages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cross_validate(documents: list[Document], folds: int, eval_dir: Path) -> None:
    scorer = page_scorer(eval_dir)
    gold = (json.loads(line) for line in (eval_dir / "pages" / "gold.jsonl").read_text().splitlines())
    languages = {g["source_path"]: g["language"] for g in gold}
    rows, collapsed, line_hits, line_total = [], 0, 0, 0
    worst = []
    for k, held in enumerate(split_groups(documents, folds)):
        train = [d for d in documents if d.group not in held]
        stage1, stage2 = fit_two_stages(train, folds)
        for d in (d for d in documents if d.group in held):
            text = predicted_text(d, stage1, stage2)
            if d.gold_body is None:
                kept = {line for line in text.split("\n")}
                truth = [line in kept for line in np.array(d.lines)[d.undecided]]
                line_hits += sum(t == bool(lab) for t, lab in zip(truth, d.labels[d.undecided], strict=True))
                line_total += int(d.undecided.sum())
                continue
            counts = scorer.page_counts(d.gold_body, text)
            rows.append(counts)
            f1 = scorer.body_scores([counts])[0]
            collapsed += f1 < scorer.COLLAPSED_F1
            worst.append((f1, d.name))
        print(f"fold {k + 1}/{folds} done", file=sys.stderr)
    f1, precision, recall = scorer.body_scores(rows)
    print(f"held out by site: pages_f1={f1:.3f} precision={precision:.3f} recall={recall:.3f} "
          f"collapsed={collapsed} of {len(rows)}; "
          f"tidy documents' lines right {line_hits / max(line_total, 1):.3f}")  # fmt: skip
    for f, g in sorted(worst)[:WORST_SHOWN]:
        print(f"  {f:.3f} {g}")
    others = [(f, g) for f, g in worst if languages.get(g, "en") != "en"]
    print(
        "pages not in English: "
        + ", ".join(f"{g} ({languages[g]}) {f:.2f}" for f, g in sorted(others, key=lambda x: x[1]))
    )


def export(model, depth_cap: int = 16) -> dict:  # type: ignore[no-untyped-def]
    """The fitted trees as flat arrays (transforms.body.Trees)."""
    trees = [predictors[0] for predictors in model._predictors]
    width = max(len(t.nodes) for t in trees)
    feature = np.zeros((len(trees), width), dtype=int)
    threshold = np.zeros((len(trees), width))
    left = np.zeros((len(trees), width), dtype=int)
    right = np.zeros((len(trees), width), dtype=int)
    value = np.zeros((len(trees), width))
    depth = 0
    for t, tree in enumerate(trees):
        for n, node in enumerate(tree.nodes):
            if node["is_leaf"]:
                left[t, n] = right[t, n] = n
                value[t, n] = node["value"]
            else:
                feature[t, n] = node["feature_idx"]
                threshold[t, n] = node["num_threshold"]
                left[t, n], right[t, n] = node["left"], node["right"]
            depth = max(depth, int(node["depth"]))
    assert depth <= depth_cap
    return {
        "feature": feature.tolist(),
        "threshold": [[float(f"{v:.6g}") for v in row] for row in threshold.tolist()],
        "left": left.tolist(),
        "right": right.tolist(),
        "value": [[float(f"{v:.6g}") for v in row] for row in value.tolist()],
        "bias": float(np.ravel(model._baseline_prediction)[0]),
        "depth": depth,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--no-cv", action="store_true", help="skip the held-out measurement")
    parser.add_argument("--no-write", action="store_true", help="measure only")
    args = parser.parse_args(argv)
    words, chars = function_vocabulary()
    vocab = (frozenset(words), frozenset(chars))
    with tempfile.TemporaryDirectory() as tmp:
        from tests.corpus.build import build

        build(Path(tmp))
        documents = load_documents(collect_sources(args.eval, Path(tmp)), vocab)
    print(f"{len(documents)} documents, {sum(len(d.lines) for d in documents)} lines", file=sys.stderr)
    if not args.no_cv:
        cross_validate(documents, args.folds, args.eval)
    if args.no_write:
        return 0
    stage1, stage2 = fit_two_stages(documents, args.folds)
    model = {
        "signals": list(SIGNALS),
        "stage2_extra": list(STAGE2_EXTRA),
        "function_words": words,
        "function_chars": chars,
        "stage1": export(stage1),
        "stage2": export(stage2),
    }
    MODEL_PATH.write_text(
        json.dumps(model, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    print(f"wrote {MODEL_PATH} ({MODEL_PATH.stat().st_size // 1024} KB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
