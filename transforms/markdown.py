"""Pages saved as Markdown: their markup becomes plain text before the line rules read them.

Crawlers made for language models (Firecrawl, Jina Reader, crawl4ai and their kin) save a page
as Markdown, its structure kept in markup: `[text](url)` links, `![alt](src)` images, `#`
headings, `**emphasis**`, `*` list items, `>` quotes, tables. Left in, the markup ends up in
`text` and in the title ("# Council approves…"), and its addresses and symbols change what the
line rules measure. `markdown_to_text` parses the page with markdown-it-py (CommonMark, with
tables) and writes each block as a line: a paragraph, a heading, a list item, a table row. Link
texts stay, their addresses and the images go; blocks that stood on consecutive lines (a
list's items) stay on consecutive lines, the others are a blank line apart, as in the page.
A page that opens with front matter (a YAML block between `---` lines, as Jekyll, Hugo and the
crawlers that save pages for them write it) gives its title, date and URL as the page's
metadata (`split_front_matter`).
"""

from __future__ import annotations

import re
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from transforms.metadata import Given

MARKDOWN_TO_TEXT = "markdown_to_text"  # the `repairs` entry of a page read as Markdown
MARKDOWN_SUFFIXES = (".md", ".markdown")
# Lines with Markdown's own syntax that make a text Markdown: a heading ("# " at the start), a
# link to an address, a path or an anchor, an image. Plain text has none; one could be chance.
MIN_MARKUP_LINES = 2
_MARKUP_LINE = re.compile(r"^#{1,6} \S|\]\((?:[a-z]+:|/|#)|!\[")
# Front matter: "key: value" lines between a first line "---" and a line "---" (or "...").
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n((?:.*\n){0,60}?)(?:---|\.\.\.)[ \t]*(?:\n|\Z)")
_KEY_VALUE = re.compile(r"^([A-Za-z][\w -]{0,40}?)[ \t]*:[ \t]*(\S.*?)[ \t]*$", re.MULTILINE)
# The keys that name a page's metadata, as the static-site generators and crawlers spell them,
# the first one present winning.
TITLE_KEYS = ("title", "headline")
DATE_KEYS = ("published", "published_at", "published_time", "publish_date", "pubdate", "date")
URL_KEYS = ("canonical_url", "canonical", "url", "permalink", "link", "source_url", "source")
_CELL_SEPARATOR = " | "
_SPACE_RUN = re.compile(" {2,}")


def looks_like_markdown(text: str, name: str = "") -> bool:
    """Is this text Markdown: named so, opening with front matter, or with MIN_MARKUP_LINES
    lines of Markdown syntax?

    >>> looks_like_markdown("# Tram line approved\\n\\nThe [council](https://c.org) met.")
    True
    >>> looks_like_markdown("The council met. See page 4 (section B).\\n#1 in the city")
    False
    """
    if name.lower().endswith(MARKDOWN_SUFFIXES) or split_front_matter(text)[0] is not None:
        return True
    if "](" not in text and "#" not in text and "![" not in text:
        return False
    marked = 0
    for line in text.split("\n"):
        if _MARKUP_LINE.search(line):
            marked += 1
            if marked >= MIN_MARKUP_LINES:
                return True
    return False


def markdown_to_text(text: str) -> str:
    """The text of a Markdown page, a block a line.

    >>> print(markdown_to_text("# Tram *line* approved\\n\\n* [Home](/)\\n* [World](/w)\\n\\n"
    ...                        "![tram](t.jpg)\\nThe **council** met, [says](https://c.org) ours."))
    Tram line approved
    <BLANKLINE>
    Home
    World
    <BLANKLINE>
    The council met, says ours.
    """
    blocks: list[tuple[int, int, str]] = []  # first and last source line, text
    row: list[str] = []
    row_map: list[int] = [0, 0]
    in_cell = False
    for token in _parser().parse(text):
        if token.type in ("th_open", "td_open"):
            in_cell = True
        elif token.type == "tr_open" and token.map:
            row, row_map = [], token.map
        elif token.type == "inline" and in_cell:
            row.append(_inline_text(token.children or []))
            in_cell = False
        elif token.type == "inline" and token.map:
            content = _inline_text(token.children or [])
            if content:
                blocks.append((token.map[0], token.map[1], content))
        elif token.type in ("fence", "code_block") and token.map:
            blocks.append((token.map[0], token.map[1], token.content.strip("\n")))
        elif token.type == "tr_close" and any(row):
            blocks.append((row_map[0], row_map[1], _CELL_SEPARATOR.join(cell for cell in row if cell)))
    lines: list[str] = []
    previous_end = None
    for start, end, content in blocks:
        if lines and start != previous_end:
            lines.append("")
        lines.append(content)
        previous_end = end
    return "\n".join(lines)


def split_front_matter(text: str) -> tuple[Given | None, str]:
    """The metadata a page's front matter names, and the page without it; (None, the text)
    when it has none that names a title, a date or a URL.

    >>> split_front_matter("---\\ntitle: \\"Tram line approved\\"\\ndate: 2022-01-10\\n---\\nIt met.")
    (Given(title='Tram line approved', url=None, date='2022-01-10', fetched_at=None), 'It met.')
    """
    block = _FRONT_MATTER.match(text)
    if block is None:
        return None, text
    fields = {_key(m[1]): m[2].strip("'\"").strip() or None for m in _KEY_VALUE.finditer(block[1])}
    given = Given(
        title=next((fields[k] for k in TITLE_KEYS if fields.get(k)), None),
        url=next((fields[k] for k in URL_KEYS if fields.get(k)), None),
        date=next((fields[k] for k in DATE_KEYS if fields.get(k)), None),
    )
    return (None, text) if given == Given() else (given, text[block.end() :])


def _key(name: str) -> str:
    return re.sub(r"[ -]+", "_", name.strip().lower())


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def _inline_text(children: list[Token]) -> str:
    """A block's text: its words and link texts, without markup, addresses or images."""
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
    return _SPACE_RUN.sub(" ", "".join(parts)).strip()
