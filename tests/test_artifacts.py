"""Translation artifacts: foreign words, segments and glued words, and what is not one."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import case_ids, load_cases
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
