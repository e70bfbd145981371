"""RSS and Atom feeds (flows/feeds.py): each entry is a document, with its title, link and date,
whatever the file's name; a broken or empty feed says so."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.sax.saxutils import escape

from flows.inspection import raw_document
from tests.conftest import SEEDS
from tests.test_sources import read_all
from transforms.document import Article, clean_document, prepare_document


def _bodies() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SEEDS.iterdir())[:3]]


def _rss(bodies: list[str]) -> str:
    items = "".join(
        f"<item><title>Story {n}</title><link>https://news.example.com/{n}</link>"
        f"<pubDate>Mon, 10 Jan 2022 0{n}:30:00 GMT</pubDate><description>A teaser.</description>"
        "<content:encoded>"
        + escape("".join(f"<p>{line}</p>" for line in body.split("\n") if line.strip()))
        + "</content:encoded></item>"
        for n, body in enumerate(bodies, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>News</title>'
        f"{items}<item><title>No text</title><link>https://news.example.com/x</link></item>"
        "</channel></rss>"
    )


def test_an_rss_feeds_entries_are_articles_with_their_metadata(tmp_path: Path) -> None:
    """A saved feed became one article of raw XML, language "und"."""
    (tmp_path / "feed.xml").write_text(_rss(_bodies()), encoding="utf-8")
    docs = read_all(tmp_path)
    assert [d.source_path for d in docs] == [f"feed.xml#{n}" for n in range(1, 5)]
    assert (docs[3].reason, docs[3].detail) == ("missing_text", "an entry without content or summary")
    for n, doc in enumerate(docs[:3], start=1):
        assert doc.given is not None
        assert (doc.given.title, doc.given.url, doc.given.date) == (
            f"Story {n}",
            f"https://news.example.com/{n}",
            "2022-01-10",
        )
        prepared = prepare_document(doc.raw, doc.source_path)
        article = clean_document(prepared, dt.date(2026, 12, 1), given=doc.given)
        assert isinstance(article, Article) and article.source_format == "html"
        assert article.title == f"Story {n}" and article.url == f"https://news.example.com/{n}"
        assert article.language == "en" and "<" not in article.text and "teaser" not in article.text


def test_an_atom_feed_is_told_by_its_content_and_a_cut_one_keeps_its_whole_entries(tmp_path: Path) -> None:
    """Named "atom", it is still a feed; cut inside its second entry, the first stays and the
    second is a reject that says so, not an article of half a text."""
    body = _bodies()[0]
    entries = [
        f"<entry><title>Entry {n}</title><link rel='alternate' href='https://a.example.org/{n}'/>"
        f"<updated>2022-01-0{n}T10:00:00Z</updated><summary>{escape(body)}</summary></entry>"
        for n in (1, 2)
    ]
    atom = "<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>A</title>" + "".join(
        entries
    )
    (tmp_path / "atom").write_text(atom + "</feed>", encoding="utf-8")
    (tmp_path / "cut.xml").write_text(atom[: atom.rindex("<entry>") + 40], encoding="utf-8")
    (tmp_path / "unclosed.xml").write_text(atom, encoding="utf-8")  # its entries are whole
    docs = {d.source_path: d for d in read_all(tmp_path)}
    assert sorted(docs) == ["atom#1", "atom#2", "cut.xml#1", "cut.xml#2", "unclosed.xml#1", "unclosed.xml#2"]
    assert docs["atom#2"].given is not None and docs["atom#2"].given.date == "2022-01-02"
    assert docs["cut.xml#1"].raw == docs["atom#1"].raw == docs["unclosed.xml#1"].raw
    assert docs["cut.xml#2"].reason == "malformed_record"
    assert docs["cut.xml#2"].detail.startswith("the feed ends inside this entry")
    assert docs["unclosed.xml#2"].raw == docs["atom#2"].raw


def test_a_feed_without_entries_is_one_reject(tmp_path: Path) -> None:
    (tmp_path / "empty.rss").write_text("<rss version='2.0'><channel><title>x</title></channel></rss>")
    assert [(d.source_path, d.reason) for d in read_all(tmp_path)] == [("empty.rss", "no_content")]


def test_inspect_finds_a_feeds_entry(tmp_path: Path) -> None:
    """`inspect` read a `feed.xml#2` as a file of that name, and found nothing."""
    (tmp_path / "feed.xml").write_text(_rss(_bodies()), encoding="utf-8")
    document = raw_document(tmp_path, "feed.xml#2")
    assert document is not None and document.given is not None and document.given.title == "Story 2"
