"""Corpus evidence: recurring lines are furniture; copies of one story keep their text."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

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


SITES = {
    "valley": {
        "menu": ["Valley Chronicle", "Home", "News", "Sport", "Business", "Opinion", "Weather", "Subscribe"],
        "footer": ["Related stories", "Council to review bin collections", "New bakery opens on High Street",
                   "About us", "Contact the newsroom", "© 2024 Valley Chronicle Ltd"],
    },
    "harbour": {
        "menu": ["The Harbour Post", "Latest", "Local", "World", "Culture", "Podcasts", "Sign in"],
        "footer": ["Most read", "Ferry timetable changes for winter", "Fishing fleet lands record catch",
                   "Advertise with us", "Terms of use", "Harbour Post Media 2024"],
    },
    "ridge": {
        "menu": ["Ridge Daily", "Front page", "Region", "Economy", "Environment", "Video", "Newsletter"],
        "footer": ["You may also like", "Trail closed after rock fall", "School wins robotics cup",
                   "Careers", "Privacy policy", "Ridge Daily is part of Mountain Media Group"],
    },
}  # fmt: skip
WIRE_STORY = [
    "Energy ministers from twelve countries agreed on Thursday to link their electricity grids by 2030, "
    "a plan officials said would cut prices and make supply more reliable during cold winters.",
    "The agreement, signed after two days of talks in Vienna, commits each country to build at least "
    "one new high-voltage connection to a neighbour and to share data on demand every hour.",
    "Critics said the timetable was too slow. Environmental groups called for the link to be finished "
    "five years earlier and for coal plants to be closed as soon as the cables are in place.",
    "The ministers will meet again in March to agree on how the cost of the new lines is shared.",
]
TOPICS = ["library", "bridge", "hospital", "market", "stadium", "school", "harbour", "museum"]


def local_story(site: str, n: int) -> list[str]:
    """A story of its own for each page: different words, so nothing of it recurs."""
    topic = TOPICS[n % len(TOPICS)]
    return [
        f"The {site} {topic} will reopen in {['May', 'June', 'July', 'August'][n % 4]} after repairs that "
        f"cost {n + 2} million, the council said on {['Monday', 'Tuesday', 'Friday'][n % 3]} evening.",
        f"Residents had campaigned for {n + 3} years to save the {topic}, collecting signatures at "
        f"markets and writing to their representatives about its future in the {site} district.",
        f"Work on the {topic} number {n} is expected to take {n % 5 + 2} months longer than planned.",
    ]


def site_page(site: str, n: int, title: str, story: list[str]) -> bytes:
    furniture = SITES[site]
    byline = f"By Reporter {n}, {site.title()}"
    lines = [*furniture["menu"], title, byline, *story, *furniture["footer"]]
    return "\n".join(lines).encode()


def test_a_wire_story_on_several_sites_keeps_its_whole_text_everywhere(tmp_path: Path) -> None:
    """Corpus evidence acts on the sites' furniture, never on the prose of a story that several
    pages of the folder carry (a matter for duplicate detection)."""
    from flows.cli import main

    folder = tmp_path / "input"
    folder.mkdir()
    wire_pages = {("valley", 0), ("harbour", 1), ("ridge", 2), ("valley", 5)}
    for site in SITES:
        for n in range(8):
            is_wire = (site, n) in wire_pages
            story = WIRE_STORY if is_wire else local_story(site, n)
            title = "Twelve countries agree to link power grids" if is_wire else f"{site.title()} news {n}"
            (folder / f"{site}-{n}.txt").write_bytes(site_page(site, n, title, story))
    out = tmp_path / "out"
    assert main(["--input", str(folder), "--output", str(out), "--workers", "1"]) == 0
    rows = {r["source_path"]: r for r in pq.read_table(out / "articles").to_pylist()}
    for site, n in wire_pages:
        row = rows[f"{site}-{n}.txt"]
        assert all(paragraph in row["text"] for paragraph in WIRE_STORY), (site, n, row["text"])
        assert not any(
            line in row["text"].split("\n\n") for line in SITES[site]["menu"] + SITES[site]["footer"]
        )
    assert any("repeated" in r["boilerplate_reasons"] for r in rows.values())  # the evidence did act
