"""Pages saved as Markdown (by crawlers made for language models) are read as plain text:
no markup in `text` or `title`, link texts kept, the page's furniture removed as on any page."""

from __future__ import annotations

import re

from tests.conftest import SEEDS
from tests.corpus.build import PAGES, parse
from transforms.document import Article, process_document
from transforms.markdown import MARKDOWN_TO_TEXT, looks_like_markdown, markdown_to_text, split_front_matter

_MARKUP = re.compile(r"\]\(|!\[|\*\*|^#+ ", re.MULTILINE)


def _as_markdown(body: str) -> str:
    """A seed article as Firecrawl-like crawlers save it: menu links, a heading, a byline in
    bold, an image with its caption, links inside the paragraphs, related links, share links."""
    paragraphs = [p for p in body.split("\n") if p.strip()]
    first, rest = paragraphs[0], paragraphs[1:]
    linked = re.sub(r"\b(White House)\b", r"[\1](https://www.whitehouse.gov/)", first, count=1)
    return "\n".join(
        [
            "[Skip to content](#main)",
            "",
            "* [Home](https://news.example.com/)",
            "* [World](https://news.example.com/world)",
            "* [Politics](https://news.example.com/politics)",
            "",
            "# US ready to talk missiles and military exercises with Russia",
            "",
            "By **Staff Writer** | Published January 9, 2022",
            "",
            "![Talks in Geneva](https://news.example.com/img/geneva.jpg)",
            "*The talks begin in Geneva on Monday. Photo: Agency*",
            "",
            linked,
            "",
            "\n\n".join(rest),
            "",
            "**Related**",
            "* [Oil prices rise as talks begin](https://news.example.com/oil)",
            "* [Nato ministers to meet next week](https://news.example.com/nato)",
            "",
            "[Share on Facebook](https://facebook.com/sharer) [Share on X](https://x.com/share)",
        ]
    )


def test_a_page_saved_as_markdown_becomes_its_article_in_plain_text() -> None:
    """The Markdown stood in `text` ("[White House](https://…)", "**…**") and the title kept
    its "# "."""
    body = sorted(SEEDS.iterdir())[1].read_text(encoding="utf-8")
    page = _as_markdown(body)
    article = process_document(page.encode("utf-8"), "crawl/page.txt")
    assert isinstance(article, Article)
    assert article.title == "US ready to talk missiles and military exercises with Russia"
    assert str(article.published_date) == "2022-01-09"
    assert MARKDOWN_TO_TEXT in article.repairs
    assert not _MARKUP.search(article.text)
    assert "White House" in article.text.split("\n")[0]
    for furniture in ("Home", "Skip to content", "Share on Facebook", "Oil prices rise as talks begin"):
        assert furniture not in article.text


def test_plain_texts_are_not_read_as_markdown() -> None:
    """The seeds and the held-out corpus's pages (menus, bylines, "#1" and brackets in them)
    stay on the plain road: nothing in them is Markdown markup."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.iterdir())]
    texts += [parse(page)[0] for page in sorted(PAGES.glob("*.page"))]
    assert not any(looks_like_markdown(text, "page.txt") for text in texts)


def test_a_markdown_file_is_read_as_markdown_by_its_name() -> None:
    assert looks_like_markdown("# Only a heading\n\nAnd plain paragraphs.", "notes.md")
    assert not looks_like_markdown("# Only a heading\n\nAnd plain paragraphs.", "notes.txt")


def test_markdown_blocks_become_lines() -> None:
    """A table row is one line of its cells; code keeps its lines; a quote and a list item
    lose their markers; consecutive blocks stay consecutive, others a blank line apart."""
    page = (
        "| Team | Points |\n|---|---|\n| **Ajax** | 12 |\n\n> A quoted line\n\n"
        "1. first\n2. second\n\n```\nx = 1\ny = 2\n```"
    )
    assert markdown_to_text(page).split("\n") == [
        "Team | Points",
        "",
        "Ajax | 12",
        "",
        "A quoted line",
        "",
        "first",
        "second",
        "",
        "x = 1",
        "y = 2",
    ]


def test_front_matter_gives_the_pages_metadata_and_leaves_the_text() -> None:
    """A page saved with front matter (Jekyll, Hugo and the crawlers that write for them): its
    "key: value" lines stood in the text, and its date was not the article's."""
    body = sorted(SEEDS.iterdir())[1].read_text(encoding="utf-8")
    front = (
        "---\ntitle: 'Talks with Russia begin in Geneva'\nPublished Time: 2022-01-08\n"
        "canonical_url: https://news.example.com/geneva\ntags: [russia, nato]\n---\n"
    )
    article = process_document((front + body).encode("utf-8"), "crawl/page.txt")
    assert isinstance(article, Article)
    assert article.title == "Talks with Russia begin in Geneva"
    assert str(article.published_date) == "2022-01-08"
    assert article.url == "https://news.example.com/geneva"
    assert "tags:" not in article.text and "---" not in article.text
    plain = "---\nSome dashes above a line of text.\n---\nMore text." * 3  # no key names metadata
    assert not looks_like_markdown(plain, "page.txt")


def test_front_matter_keys_have_a_fixed_preference() -> None:
    """With two keys for one field, the same one wins in every process (a set's order of
    strings changes with the hash seed)."""
    page = "---\nurl: https://a.example/amp\ncanonical_url: https://a.example/story\ndate: 2022-01-09\n"
    given, text = split_front_matter(page + "published: 2022-01-08\n---\nText.")
    assert given is not None and text == "Text."
    assert (given.url, given.date) == ("https://a.example/story", "2022-01-08")
