"""Very large documents: a 10 MB line without a newline is cleaned, not a crash or a hang."""

from __future__ import annotations

import pytest

from transforms.document import Article, process_document

pytestmark = pytest.mark.slow


def test_a_ten_megabyte_line_without_newline() -> None:
    sentence = "Le conseil a approuvé le budget lundi après un long débat sur les routes et les écoles. "
    raw = (sentence * 115_000).encode("utf-8")
    assert len(raw) > 10_000_000 and b"\n" not in raw
    article = process_document(raw, "huge.txt")
    assert isinstance(article, Article)
    assert article.language == "fr"
    assert article.n_chars == len(raw.decode("utf-8").strip())
