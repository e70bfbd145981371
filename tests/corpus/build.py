"""Turn the marked pages of the held-out corpus into raw input files and gold (score.py format).

Each file in tests/corpus/pages/ is one document: a first line of JSON with the gold fields that
cannot be read off the lines (language, url, published_date, artifacts, transforms, expect, and
whole_page for pages that are the full visible text of a news page),
then the raw lines, each with a marker:

    T|  the headline line (removed from the text; the first one is the gold title)
    B|  a body paragraph (must be in the text)
    K|  a header or footer line that is content and must stay (keep_extra)
    R|  a line that must be removed (boilerplate, metadata)
    P|  a glued prefix + the first paragraph: "P| date 2023-01-26 |First paragraph..."
    (empty) a blank line

The markers are the one source of truth: the raw file and the gold are both derived from them,
then damaged as `transforms` says (encodings, mojibake, entities, CRLF, no-break spaces).
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any

import ftfy.bad_codecs  # noqa: F401  (registers "sloppy-windows-1252")

PAGES = Path(__file__).resolve().parent / "pages"
# Where the text of a marked line goes in the gold record (a title line is also removed).
GOLD_FIELD = {"T": "remove", "B": "body", "K": "keep_extra", "R": "remove"}
ENTITIES = {"&": "&amp;", "’": "&rsquo;", "–": "&ndash;", "é": "&eacute;", "“": "&ldquo;", "”": "&rdquo;"}


def parse(page: Path) -> tuple[str, dict[str, Any]]:
    """The raw text and the gold record of one marked page."""
    head, *lines = page.read_text(encoding="utf-8").split("\n")
    meta = json.loads(head)
    gold: dict[str, Any] = {
        "source_path": page.with_suffix(".txt").name,
        "expect": meta.get("expect", "article"),
        "language": meta.get("language"),
        "title": meta.get("title"),
        "url": meta.get("url"),
        "published_date": meta.get("published_date"),
        "body": [],
        "body_prefix": "",
        "remove": [],
        "keep_extra": [],
        "artifacts": meta.get("artifacts", []),
        "transforms": meta.get("transforms", []),
    }
    raw: list[str] = []
    for line in lines:
        marker, _, text = line.partition("|")
        if not line:
            raw.append("")
        elif marker in GOLD_FIELD:
            if marker == "T":
                gold["title"] = gold["title"] or text
            gold[GOLD_FIELD[marker]].append(text)
            raw.append(text)
        elif marker == "P":
            prefix, _, first = text.partition("|")
            gold["body_prefix"] = prefix
            gold["body"].append(first)
            raw.append(prefix + first)
        else:
            raise ValueError(f"{page.name}: line without a marker: {line!r}")
    if "title" in meta and meta["title"] is None:
        gold["title"] = None
    if gold["expect"] == "reject":
        gold.update(language=None, title=None, body=[], remove=[])
    return "\n".join(raw) + "\n", gold


def damage(text: str, transforms: list[str]) -> bytes:
    """Apply the crawl damage named in `transforms` and encode."""
    for step in transforms:
        if step == "html_entities":
            for char, entity in ENTITIES.items():
                text = text.replace(char, entity) if char != "&" else text.replace(" & ", " &amp; ")
        elif step == "nbsp":
            text = text.replace(" – ", "\u00a0– ").replace(" : ", "\u00a0: ")
        elif step == "trailing_spaces":
            text = "\n".join(line + "  " for line in text.split("\n"))
        elif step.startswith("mojibake_"):
            codec = {"mojibake_cp1252": "sloppy-windows-1252", "mojibake_latin1": "latin-1"}[step]
            text = text.encode("utf-8").decode(codec)
    if "crlf" in transforms:
        text = text.replace("\n", "\r\n")
    for step in transforms:
        if step.startswith("encoding_"):
            codec = step.removeprefix("encoding_")
            if codec == "utf16":
                return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
            return text.encode(codec)
    raw = text.encode("utf-8")
    return codecs.BOM_UTF8 + raw if "utf8_bom" in transforms else raw


def build(target: Path) -> list[dict[str, Any]]:
    """Write input/ and gold.jsonl under `target`; return the gold records."""
    (target / "input").mkdir(parents=True, exist_ok=True)
    records = []
    for page in sorted(PAGES.glob("*.page")):
        text, gold = parse(page)
        (target / "input" / gold["source_path"]).write_bytes(damage(text, gold["transforms"]))
        records.append(gold)
    (target / "gold.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return records


def whole_pages() -> set[str]:
    """Source paths of the documents written as the full visible text of a news page."""
    return {
        page.with_suffix(".txt").name
        for page in PAGES.glob("*.page")
        if json.loads(page.read_text(encoding="utf-8").split("\n", 1)[0]).get("whole_page")
    }
