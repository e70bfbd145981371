"""Title, date and URL from the header layouts of the seeds and the dev set."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import SEEDS
from transforms.decoding import decode_bytes
from transforms.document import Article, process_document
from transforms.metadata import domain_of, extract_header
from transforms.repair import repair_text


def seed_lines(prefix: str) -> list[str]:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    return repair_text(decode_bytes(path.read_bytes()).text).text.split("\n")


def test_glued_date_prefix_is_the_date_and_is_cut_off() -> None:
    lines = seed_lines("000")
    header = extract_header(lines)
    assert header.published_date == dt.date(2022, 1, 9)
    assert header.title is None
    assert header.replaced[0].startswith("Speaking to reporters, a White House spokesman")


def test_glued_date_prefix_under_a_title_line_is_the_date_and_the_title_stays() -> None:
    """A crawler that saved the headline above the glued first paragraph: the prefix was
    looked for on the first line only, so the date was lost and " date 2022-01-09 " stayed
    in the text."""
    for above in (["Talks with Russia begin in Geneva"], ["Talks with Russia begin in Geneva", ""]):
        lines = above + seed_lines("000")
        header = extract_header(lines)
        assert header.published_date == dt.date(2022, 1, 9)
        assert header.title == "Talks with Russia begin in Geneva"
        assert header.replaced[len(above)].startswith("Speaking to reporters, a White House spokesman")


def test_title_then_compact_date_then_url() -> None:
    lines = seed_lines("002")
    header = extract_header(lines)
    assert header.title == "US ready to talk missiles military exercises with Russia Official"
    assert header.published_date == dt.date(2022, 1, 9)
    assert (
        header.url
        == "https://www.kuwaittimes.com/us-ready-to-talk-missiles-military-exercises-with-russia-official/"
    )
    assert domain_of(header.url) == "kuwaittimes.com"
    assert sorted(header.removed) == [0, 1, 2]


def test_title_repeated_as_a_photo_caption_is_removed() -> None:
    lines = seed_lines("001")
    header = extract_header(lines)
    assert header.title == (
        "White House Official: The U.S. Prepares to Discuss Missiles and Military Exercises with Russia"
    )
    caption = next(i for i, line in enumerate(lines) if line.endswith("(Internet photo)"))
    assert header.removed[caption] == "title"
    assert header.published_date is None  # "on the 8th" in the story is no publication date


def test_breadcrumb_then_title() -> None:
    lines = seed_lines("003")
    header = extract_header(lines)
    assert header.title == "Washington ready to discuss military exercises with Moscow"
    assert lines[0].startswith("Home LATEST NEWS")
    assert 0 in header.removed


def test_bylines_and_date_lines_in_several_languages() -> None:
    header = extract_header(
        [
            "Konstanz erhöht Parkgebühren in der Altstadt deutlich",
            "",
            "Anwohner zahlen künftig viermal so viel für ihren Parkausweis.",
            "",
            "Von Jonas Keller",
            "",
            "14.03.2022, 16:45 Uhr",
            "",
            "Wer in der Konstanzer Altstadt parkt, muss ab dem 1. April deutlich mehr bezahlen.",
        ]
    )
    assert header.title == "Konstanz erhöht Parkgebühren in der Altstadt deutlich"
    assert header.published_date == dt.date(2022, 3, 14)
    assert header.removed == {0: "title", 4: "byline", 6: "date"}


@pytest.mark.parametrize(
    ("date_line", "date"),
    [
        ("١٤٤٥/٦/٢٦ هـ", None),
        ("٩ يناير ٢٠٢٢", dt.date(2022, 1, 9)),
        ("نشر في ٢٠٢٢/٠١/٠٩ - ١٠:٣٠", dt.date(2022, 1, 9)),
    ],
    ids=["hijri", "arabic-indic-digits", "arabic-indic-byline"],
)
def test_a_date_line_in_arabic_digits_is_no_headline(date_line: str, date: dt.date | None) -> None:
    """A date line under the headline, nearer the body, was taken for the title when its date
    was in Arabic-Indic digits or of another calendar (a Hijri date)."""
    headline = "خطة النقل الجديدة"
    body = (
        "أعلنت الحكومة يوم الأربعاء أن المشروع سيقدم الشهر المقبل. ويوافق معظم "
        "السكان، رغم أن المنتقدين يقولون إن الحافلات ستسير بشكل أبطأ من قبل."
    )
    article = process_document(f"{headline}\n{date_line}\n\n{body}\n".encode(), "ar.txt")
    assert isinstance(article, Article)
    assert (article.title, article.published_date, article.text) == (headline, date, body)


def test_published_date_wins_over_updated() -> None:
    header = extract_header(
        ["A title", "Updated: August 15, 2022 9:30 AM", "Published: August 14, 2022 8:05 PM", "Body."]
    )
    assert header.published_date == dt.date(2022, 8, 14)


def test_a_date_in_the_story_is_not_the_publication_date() -> None:
    header = extract_header(
        [
            "The central library in Leeds will stay open until 10pm on weekdays from next month.",
            "",
            "The scheme was first proposed at a council meeting on 14 September 2021, when several "
            "councillors said the opening hours no longer matched how people lived.",
        ]
    )
    assert header == type(header)()


def test_source_line_at_the_end_gives_the_url() -> None:
    header = extract_header(
        ["Corals that survived a heatwave were more likely to withstand a second one.", "",
         "Source: https://www.sciencewire-daily.org/oceans/coral-heat-tolerance-study"]
    )  # fmt: skip
    assert header.url == "https://www.sciencewire-daily.org/oceans/coral-heat-tolerance-study"
    assert header.removed == {2: "url"}
    assert header.title is None


def test_a_page_title_saved_alone_on_the_first_line_is_the_title() -> None:
    """A crawler that knew neither date nor URL saved only the page's title on top; the
    teasers nearer the body share none of its words."""
    lines = [
        "Babies who eat peanuts early may avoid allergy",
        "Skip to content",
        "Health A-Z",
        "Featured topics",
        "The worst shoes for your feet",
        "Five foods that fight fatigue",
        "Giving peanuts to babies early may keep an allergy away, a large study of infants found.",
        "Researchers fed peanut snacks to babies and followed them for five years.",
    ]
    assert extract_header(lines, body_start=6).title == "Babies who eat peanuts early may avoid allergy"


def test_a_site_name_on_the_first_line_is_not_the_title() -> None:
    lines = [
        "Silicon Exposed",
        "Sunday, May 8, 2016",
        "Open Verilog flow for Silego GreenPak4 programmable logic devices",
        "I have written a couple of posts about the GreenPak4 devices and their Verilog flow.",
    ]
    assert extract_header(lines, body_start=3).title == (
        "Open Verilog flow for Silego GreenPak4 programmable logic devices"
    )


def test_a_headline_ending_in_an_abbreviation_is_a_headline() -> None:
    lines = [
        "Sections",
        "Manhole Fires and Burst Pipes: How Winter Wreaks Havoc Underneath N.Y.C.",
        "The city's aging below-street infrastructure is tough to maintain, and winter makes it worse.",
    ]
    assert extract_header(lines, body_start=2).title.startswith("Manhole Fires")


def test_a_crawler_title_keeps_a_short_headline_the_page_shows() -> None:
    lines = ["New Zealand - Wikipedia", "20011029", "https://en.wikipedia.org/wiki/New_Zealand",
             "New Zealand", "From Wikipedia, the free encyclopedia",
             "New Zealand is an island country in the southwestern Pacific Ocean."]  # fmt: skip
    assert extract_header(lines, body_start=5).title == "New Zealand"


def test_a_link_text_that_is_a_web_address_is_no_title() -> None:
    lines = [
        "Mozilla Application Suite",
        "mozilla.org/,%20https://www.mozilla.org/tr/",
        "Mozilla is a free software community founded in 1998 by members of Netscape.",
    ]
    assert extract_header(lines, body_start=2).title == "Mozilla Application Suite"
