"""Title, date and URL from the header layouts of the seeds and the dev set."""

from __future__ import annotations

import datetime as dt

from tests.conftest import SEEDS
from transforms.decoding import decode_bytes
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
