"""Translation artifacts: foreign words, segments and glued words, and what is not one."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import SEEDS, case_ids, load_cases
from transforms.artifacts import find_artifacts

CASES = load_cases("artifacts")


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_artifact_cases(case: dict[str, Any]) -> None:
    found = find_artifacts(case["text"], case["language"])
    assert [{"kind": a.kind, "text": a.text, "language": a.language} for a in found] == case["expect"]


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_offsets_point_at_the_artifact_text(case: dict[str, Any]) -> None:
    for artifact in find_artifacts(case["text"], case["language"]):
        assert case["text"][artifact.start : artifact.end] == artifact.text


def test_names_of_things_are_found_line_by_line_as_in_the_whole_text() -> None:
    """`_skipped_spans` tries its pattern only on the lines that hold a trigger: on the seeds,
    the labelled cases and lines made to probe each kind of name, it finds what one scan of
    the whole text finds."""
    from transforms.artifacts import _SKIP_SPANS, _skipped_spans

    probes = [
        "Mail news@example.org today; @handle and #tag and $ticker, see www.site.de/x.",
        "@a@b at the start, thestreet.com and content.length in prose, and https://a.b/c?d=e.",
        "Plain prose without any name of a thing in it.",
        "user@host",
        "e.g. the U.S. economy, i.e. a.b.c",
    ]
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.iterdir())]
    texts += [case["text"] for case in CASES] + ["\n".join(probes), "\n\n".join(probes)]
    for text in texts:
        whole, found = {m.span() for m in _SKIP_SPANS.finditer(text)}, set(_skipped_spans(text))
        assert whole <= found, text[:80]
        lines = {(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)}
        assert found - whole <= lines, text[:80]  # the rest: whole lines of code
