"""HTML pages (transforms/html.py): told by their content, their article extracted."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SEEDS
from transforms.document import Article, Prepared, clean_document, prepare_document
from transforms.html import extract_page, looks_like_html

FRAGMENT = "<div class='story'>\n" + "".join(
    f"<p>Paragraph {n} of the story, with a <a href='/x{n}'>link</a>.</p>\n" for n in range(8)
) + "</div>"  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "<!DOCTYPE html>\n<html lang='de'><head><title>x</title></head><body></body></html>",
        "\ufeff  <!-- saved by the crawler -->\n<html><body><p>Text</p></body></html>",
        "<?xml version='1.0' encoding='utf-8'?>\n<!DOCTYPE html PUBLIC '-//W3C//DTD XHTML 1.0//EN'><html>",
        FRAGMENT,
    ],
)
def test_pages_and_fragments_are_html(text: str) -> None:
    assert looks_like_html(text)


@pytest.mark.parametrize(
    "text",
    [
        "How to centre a <div>: wrap it in a flex container and set <code>justify-content</code>.\n"
        + "<div>\n  <p>Hello</p>\n</div>\n" * 12,  # an article about markup quotes it
        "The committee met on Monday. <Editor's note: updated at 5 pm.>",
    ],
)
def test_text_that_quotes_markup_is_text(text: str) -> None:
    assert not looks_like_html(text)


def test_the_seeds_are_text() -> None:
    assert not any(
        looks_like_html(path.read_text(encoding="utf-8", errors="replace")) for path in SEEDS.iterdir()
    )


def test_a_real_page_gives_its_article_and_metadata(eval_dir: Path) -> None:
    html = (eval_dir / "pages" / "html" / "readability" / "guardian-1.html").read_text(encoding="utf-8")
    page = extract_page(html)
    assert page is not None and page.title is not None and "Māori" in page.title
    assert "whale" in page.text and "Sign up" not in page.text
    assert page.url is not None and page.url.startswith("http://www.theguardian.com/environment/2019/")


def test_a_page_without_an_article_gives_none() -> None:
    assert extract_page("<html><body><nav><a href='/'>Home</a></nav></body></html>") is None


def test_a_page_in_a_legacy_charset_is_read_in_the_one_its_meta_tag_declares() -> None:
    """Short Cyrillic text in cp1251 also decodes as other code pages; the page says which."""
    story = (
        "Городской совет утвердил новый бюджет на следующий год после долгих обсуждений. "
        "Расходы на общественный транспорт вырастут почти на треть."
    )
    page = (
        "<!DOCTYPE html><html><head>"
        "<meta http-equiv='Content-Type' content='text/html; charset=windows-1251'>"
        f"<title>Бюджет</title></head><body><article><p>{story}</p><p>{story}</p></article></body></html>"
    )
    prepared = prepare_document(page.encode("cp1251"), "page.html")
    assert isinstance(prepared, Prepared) and prepared.source_format == "html"
    assert prepared.encoding == "windows-1251" and story in prepared.repaired.text


def test_a_page_that_declares_iso_8859_1_keeps_its_curly_quotes_and_dashes() -> None:
    """Browsers read ISO-8859-1 as windows-1252, and pages that declare it use cp1252's
    punctuation; read as declared, "We’re" lost its apostrophe and became "Were"."""
    story = "The mayor said: “We’re ready — it’s done.” The council approved the tram line on Monday."
    page = (
        "<html><head><meta charset='iso-8859-1'><title>Tram</title></head>"
        f"<body><article><p>{story}</p><p>{story}</p></article></body></html>"
    )
    prepared = prepare_document(page.encode("cp1252"), "page.html")
    assert isinstance(prepared, Prepared) and prepared.encoding == "windows-1252"
    assert story in prepared.repaired.text


def _page(title: str, h1: str, first_lines: list[str]) -> str:
    """A news page: icons with <title>s of their own, a section heading as its only <h1>, and
    the article (its headline first, or a teaser above it)."""
    story = "".join(f"<p>{line}</p>" for line in first_lines)
    sentence = "The council met on Monday evening and approved the new tram line after a long debate."
    body = " ".join([sentence] * 3)
    return (
        "<html><head><svg><title>icon-share</title></svg><title>" + title + "</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav><h1>" + h1 + "</h1>"
        "<article>" + story + "<p>" + body + "</p><p>" + body + "</p></article></body></html>"
    )


@pytest.mark.parametrize(
    ("title", "h1", "first_lines", "expected"),
    [
        # the <title> and the article's head agree: the headline, without the site's name
        ("Tram line approved after long debate - City News", "Local News Center",
         ["Tram line approved after long debate"], "Tram line approved after long debate"),
        # a teaser above the headline
        ("Tram line approved after long debate | City News", "Information and Resources",
         ["Which line opens first? We asked the planners.", "Tram line approved after long debate"],
         "Tram line approved after long debate"),
    ],
)  # fmt: skip
def test_the_title_both_the_title_element_and_the_article_head_give_wins(
    title: str, h1: str, first_lines: list[str], expected: str
) -> None:
    page = extract_page(_page(title, h1, first_lines))
    assert page is not None and page.title == expected


@pytest.mark.parametrize(
    ("title", "first_lines"),
    [
        ("City News", ["City News"]),  # a site's name is no headline
        ("Tram line approved after long debate - City News", ["A different opening paragraph line."]),
    ],
)
def test_an_unconfirmed_title_element_leaves_the_extractors_title(title: str, first_lines: list[str]) -> None:
    page = extract_page(_page(title, "Tram line approved after a long debate", first_lines))
    assert page is not None and page.title == "Tram line approved after a long debate"


def test_the_headline_is_the_title_and_not_the_first_line_of_the_text() -> None:
    """trafilatura keeps the article's <h1>; the text road takes its headline out, so does this."""
    page = _page("Tram line approved after long debate - City News", "Local News Center",
                 ["Tram line approved after long debate"])  # fmt: skip
    article = clean_document(prepare_document(page.encode("utf-8"), "page.html"))
    assert isinstance(article, Article) and article.title == "Tram line approved after long debate"
    assert article.text.startswith("The council met on Monday")
    assert article.boilerplate_reasons[:1] == ["metadata:title"]


@pytest.mark.parametrize(
    "text",
    [
        "<p>The city council on Monday approved a new tram line that will run through the old town,"
        " ending years of debate about how to connect the eastern districts.</p>",
        "<p>The council met on Monday.</p>\n<p>It approved a new tram line through the old town,"
        " ending years of debate.</p>",
    ],
    ids=["one-paragraph", "two-paragraphs"],
)
def test_a_records_html_fragment_is_read_as_html(text: str) -> None:
    """A news API's record whose text is a short HTML fragment ("<p>…</p>") had too few tags
    to count as HTML: the tags stayed in `text`."""
    prepared = prepare_document(text.encode("utf-8"), "api.jsonl#1")
    assert isinstance(prepared, Prepared) and prepared.source_format == "html"
    assert "<" not in prepared.repaired.text and "tram line" in prepared.repaired.text
