"""Shared paths and helpers for the tests."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CASES = Path(__file__).resolve().parent / "cases"
EVAL = ROOT.parent / "shared" / "eval"


def load_cases(name: str) -> list[dict[str, Any]]:
    """Labelled test cases from tests/cases/NAME.json (a list of objects with a "label")."""
    return json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))


def case_ids(cases: list[dict[str, Any]]) -> list[str]:
    return [c["label"] for c in cases]


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    """The shared evaluation folder; required in CI, skipped elsewhere when it is absent."""
    if not (EVAL / "score.py").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{EVAL} is missing: CI must run beside shared/")
        pytest.skip(f"{EVAL} not present")
    return EVAL
