"""Corpus evidence: recurring lines are furniture; copies of one story keep their text."""

from __future__ import annotations

from transforms.corpus import RepeatedLines, count_documents_per_line, text_fingerprints
from transforms.document import Article, process_document

SLOGAN = "Valley Chronicle – your trusted voice since 1887"
SUBSCRIBE_BOX = (
    "Support independent local journalism in the valley and become a member for just 3 euros a month."
)
STORIES = [
    "The council approved the new bus timetable on Tuesday after months of debate about rural routes.",
    "Firefighters brought a barn fire under control near the ring road late on Sunday evening.",
    "The town library will open on Sundays from March, the mayor announced at a press conference.",
    "A local bakery won the regional bread prize for the third year running, judges said on Friday.",
    "Heavy rain flooded several cellars in the old town, and the river rose above its warning level.",
]


def page(story: str) -> bytes:
    return "\n\n".join(
        [SLOGAN, f"Headline about {story[:20]}", story, story.replace("the", "a"), SUBSCRIBE_BOX]
    ).encode()


def test_lines_recurring_across_a_site_are_removed() -> None:
    pages = [page(s) for s in STORIES]
    repeated = RepeatedLines.from_counts(
        count_documents_per_line(text_fingerprints(p.decode()) for p in pages)
    )
    assert SLOGAN in repeated and SUBSCRIBE_BOX in repeated and STORIES[0] not in repeated
    for raw, story in zip(pages, STORIES, strict=True):
        article = process_document(raw, "x.txt", repeated=repeated)
        assert isinstance(article, Article)
        assert story in article.text
        assert SLOGAN not in article.text and SUBSCRIBE_BOX not in article.text
        assert "repeated" in article.boilerplate_reasons


def test_copies_of_one_story_keep_their_paragraphs() -> None:
    story = "\n\n".join(STORIES)
    copies = [f"Copy {n} of the wire story\n\n{story}".encode() for n in range(4)]
    repeated = RepeatedLines.from_counts(
        count_documents_per_line(text_fingerprints(c.decode()) for c in copies)
    )
    for raw in copies:
        article = process_document(raw, "copy.txt", repeated=repeated)
        assert isinstance(article, Article)
        assert all(s in article.text for s in STORIES)


def test_fingerprints_ignore_case_spacing_and_edge_punctuation() -> None:
    assert text_fingerprints("Share this:\n") == text_fingerprints("  SHARE   this \n")
    assert text_fingerprints("\n\n") == set()
