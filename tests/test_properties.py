"""Properties of the transforms on arbitrary input: they never raise, artifact offsets always
point inside the text, and the same input always gives the same output."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from transforms.dates import find_date
from transforms.decoding import NotText, decode_bytes
from transforms.document import Article, Rejected, process_document
from transforms.metadata import extract_header
from transforms.repair import repair_text

# Text that looks a little like crawled news: words, newlines, punctuation, other scripts.
NEWSY = st.text(
    alphabet=st.sampled_from(
        list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP 0123456789.,:;!?\"'()[]«»“”-–|/\n\n")
        + list("éüßñçøąłśżЖжиязыкあい中文字العربية\u00a0\u200b\ufeff&;#")
    ),
    max_size=600,
)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.binary(max_size=400))
def test_decoding_arbitrary_bytes_decodes_or_says_why(raw: bytes) -> None:
    try:
        decoded = decode_bytes(raw)
    except NotText as err:
        assert err.reason in {"empty", "whitespace_only", "binary", "undecodable"}
    else:
        assert "\r" not in decoded.text


@SETTINGS
@given(NEWSY)
def test_repair_never_raises_and_is_deterministic(text: str) -> None:
    assert repair_text(text) == repair_text(text)


@SETTINGS
@given(NEWSY)
def test_dates_and_headers_never_raise(text: str) -> None:
    for line in text.split("\n"):
        find_date(line)
    extract_header([line.strip() for line in text.split("\n")])


@SETTINGS
@given(st.one_of(NEWSY.map(lambda t: t.encode("utf-8")), st.binary(max_size=300)))
# A Chinese article saved through an encoding that lacked its characters: a "?" for each.
@example(
    b"?? > ?? > ??\n????????????? ?????????\n2023-12-28 10:15:32????????\n"
    + b"???????????????????????30?????????????????????????\n"
    + b"?" * 57
    + b"\n"
    + b"?" * 33
    + b"\n\n"
)
def test_documents_become_articles_or_rejects_deterministically(raw: bytes) -> None:
    result = process_document(raw, "x.txt")
    assert isinstance(result, Article | Rejected)
    assert result == process_document(raw, "x.txt")
    if isinstance(result, Article):  # a row the suite passes (expectations/suite.py)
        assert result.text and result.n_chars == len(result.text) and result.n_words >= 1
        assert 0.0 <= result.language_confidence <= 1.0
        for artifact in result.translation_artifacts:
            assert 0 <= artifact.start < artifact.end <= len(result.text)
            assert result.text[artifact.start : artifact.end] == artifact.text
