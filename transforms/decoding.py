"""Bytes to text: find the encoding a crawler saved a file in, or say why it is not text.

Crawled files arrive as UTF-8 (with or without BOM), UTF-16/32 with a BOM, UTF-16 without one,
or in a legacy single-byte encoding (cp1252, Latin-1, cp1251…). Binary files (images, PDFs,
archives) end up in the same folders and must be told apart, not decoded into garbage.

Decoding never guesses silently: `decode_bytes` returns the text with the encoding it used, or
raises `NotText` with a reason code that the flow records in the rejects table.
"""

from __future__ import annotations

import codecs
import math
import re
from collections import Counter
from dataclasses import dataclass

import ftfy.bad_codecs  # noqa: F401  (registers "sloppy-windows-1252")
import numpy as np
from charset_normalizer import from_bytes

from transforms.language import UNLISTED_LETTER_PROBABILITY, letter_log_likelihoods

# Byte-order marks, longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# File signatures of the binary formats that crawls pick up most often.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "pdf"),
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"PK\x03\x04", "zip"),
    (b"\x1f\x8b", "gzip"),
    (b"RIFF", "riff"),
    (b"\x7fELF", "elf"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ", "xz"),
)

# Legacy encodings for non-Latin scripts, which we take from the charset detector as they are.
_OTHER_SCRIPT_LEGACY = frozenset(
    {
        # Cyrillic, Greek, Hebrew, Arabic, Thai
        "cp1251", "cp855", "cp866", "iso8859_5", "koi8_r", "koi8_u", "koi8_t", "kz1048", "mac_cyrillic",
        "ptcp154", "cp1253", "cp737", "cp869", "iso8859_7", "mac_greek", "cp1255", "cp856", "cp862",
        "iso8859_8", "cp1256", "cp720", "cp864", "iso8859_6", "mac_arabic", "cp874", "iso8859_11",
        "tis_620",
        # Chinese, Japanese, Korean (the detector also names the newer JIS variants)
        "gb2312", "gbk", "gb18030", "hz", "big5", "big5hkscs", "cp950", "shift_jis", "shift_jis_2004",
        "shift_jisx0213", "cp932", "euc_jp", "euc_jis_2004", "euc_jisx0213", "iso2022_jp",
        "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_2004", "iso2022_jp_3", "iso2022_jp_ext", "euc_kr",
        "cp949", "johab", "iso2022_kr",
    }
)  # fmt: skip
# Latin-script code pages, which the charset detector confuses with each other ("sueña" in
# cp1252 reads as "sueńa" in cp1250). We pick the one whose characters a language writes most
# plausibly (`_implausibility`), cp1252 on a tie: Polish in cp1250 read as cp1252 gives symbols
# inside words ("³ódŸ"), Turkish in cp1254 read as cp1252 gives Icelandic letters ("Aðustos"),
# Polish in ISO-8859-2 (older Central European pages) read as cp1250 too ("now± ksi±¿ka"),
# Swedish in cp1252 read as cp1250 letters no Swedish word has ("pĺ").
_LATIN_LEGACY = ("sloppy-windows-1252", "cp1250", "iso8859_2", "cp1254", "cp1257")
# Below this share of bytes of 128 and over (among them and the ASCII letters), bytes are
# Latin script.
MAX_HIGH_BYTE_SHARE = 0.10
_HIGH_BYTES = bytes(range(128, 256))
_ASCII_LETTERS = bytes(range(ord("A"), ord("Z") + 1)) + bytes(range(ord("a"), ord("z") + 1))
_NOT_ASCII_LETTERS = bytes(b for b in range(256) if b not in _ASCII_LETTERS)
_LOW_BYTES = bytes(range(128))
# A symbol a code page reads a byte as ("©", "–", "«") counts as likely as a language's rarer
# letters: below its common ones ("¹" for "ą" in cp1250 Polish), far above a foreign letter
# ("Š" for "©" in an English text). Controls and undefined bytes count as no letter at all.
SYMBOL_PROBABILITY = 1e-3
_LN_SYMBOL, _LN_UNDEFINED = math.log(SYMBOL_PROBABILITY), math.log(UNLISTED_LETTER_PROBABILITY)
# What each byte of 128 and over reads as in each Latin code page (U+FFFD where it is undefined).
_HIGH_BYTE_CHARACTERS = {
    encoding: [bytes([byte]).decode(encoding, errors="replace") for byte in range(128, 256)]
    for encoding in _LATIN_LEGACY
}

# C0 controls other than tab, line ends, form feed and escape never occur in real text.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
MAX_CONTROL_SHARE = 0.05


class NotText(ValueError):
    """The bytes are not a text document; `reason` is a short code for the rejects table."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, with line ends normalised to "\\n"."""

    text: str
    encoding: str
    had_bom: bool = False


def decode_bytes(raw: bytes, declared: str | None = None) -> Decoded:
    """Decode one file's bytes.

    Order: BOM, binary signatures, UTF-16 without BOM, strict UTF-8 (bytes valid in it are
    nearly always meant so, whatever a header says), the charset `declared` for the bytes (by an
    HTTP header or the page's meta tag) when they are valid in it, then a legacy encoding.

    >>> decode_bytes("café".encode("cp1252")).text
    'café'
    >>> decode_bytes(b"\\xef\\xbb\\xbfhi\\r\\n").encoding
    'utf-8'
    >>> decode_bytes("Привет".encode("koi8-r"), declared="KOI8-R").text
    'Привет'
    """
    if not raw.strip():
        raise NotText("empty" if not raw else "whitespace_only")
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return _finish(_strict(raw[len(bom) :], encoding), encoding, had_bom=True)
    for magic, kind in _MAGIC:
        if raw.startswith(magic):
            raise NotText("binary", kind)
    if b"\x00" in raw:
        utf16 = _utf16_without_bom(raw)
        if utf16 is not None:
            return _finish(_strict(raw, utf16), utf16)
        if raw.count(b"\x00") > MAX_CONTROL_SHARE * len(raw):
            raise NotText("binary", "NUL bytes")
        # A few stray NULs in text (a crawler's padding, a cut write): read as text, and
        # repair removes them with the other control characters.
    try:
        return _finish(raw.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    mostly = _mostly_utf8(raw)
    if mostly is not None:
        return _finish(*mostly)
    if declared:
        try:
            codec, name = _as_browsers_read(declared)
            return _finish(raw.decode(codec), name)
        except (LookupError, UnicodeDecodeError):
            pass
    encoding = _legacy_encoding(raw)
    return _finish(raw.decode(encoding, errors="replace"), encoding)


# Charsets that pages declare and browsers read as a superset (the WHATWG Encoding Standard's
# labels), by Python's codec name: (the codec, the name the `encoding` column gives). A page that
# says ISO-8859-1 and uses cp1252's curly quotes and dashes is the commonest case: read as
# declared, "We’re" loses its apostrophe to a control character.
_BROWSER_SUPERSETS = {
    "iso8859-1": ("sloppy-windows-1252", "windows-1252"),
    "ascii": ("sloppy-windows-1252", "windows-1252"),
    "cp1252": ("sloppy-windows-1252", "windows-1252"),
    "iso8859-9": ("cp1254", "windows-1254"),
    "tis-620": ("cp874", "windows-874"),
    "iso8859-11": ("cp874", "windows-874"),
    "gb2312": ("gbk", "gbk"),
    "euc_kr": ("cp949", "windows-949"),
    "shift_jis": ("cp932", "shift_jis"),
    "big5": ("big5hkscs", "big5"),
}


def _as_browsers_read(declared: str) -> tuple[str, str]:
    """The codec to read bytes in that declare `declared`, and the encoding's name, as a
    browser reads them (LookupError for an unknown label).

    >>> _as_browsers_read("ISO-8859-1"), _as_browsers_read("koi8-r")
    (('sloppy-windows-1252', 'windows-1252'), ('koi8-r', 'koi8-r'))
    """
    return _BROWSER_SUPERSETS.get(codecs.lookup(declared).name, (declared, declared.lower()))


# UTF-8 with a few bytes of another encoding (a Latin-1 word pasted into the page), or with a
# character cut in two at the end (a crawler's size cap). Read as a legacy code page, every
# accented letter of the text would be garbled; read as UTF-8, only those bytes are odd: a cut
# character goes, a stray byte is read as cp1252.
MOSTLY_UTF8 = "utf-8+cp1252"
_STRAY_BYTE = re.compile("[\udc80-\udcff]")
_CUT_AT_END = re.compile("[\udcc2-\udcf4][\udc80-\udcbf]{0,2}\\Z")
_NON_ASCII = re.compile("[^\x00-\x7f]")


def _mostly_utf8(raw: bytes) -> tuple[str, str] | None:
    """The text and encoding of bytes that are UTF-8 but for a character cut at the end, or
    for a few stray bytes (fewer than the characters UTF-8 gives), each read as cp1252; None
    for other bytes. Text in a legacy code page has few or no valid UTF-8 sequences: its
    accented letters are stray bytes one by one.

    >>> _mostly_utf8("Réservé à l'été, ".encode() + "Réservé".encode("latin-1"))
    ("Réservé à l'été, Réservé", 'utf-8+cp1252')
    >>> _mostly_utf8("Coupé à la fin: é".encode()[:-1]), _mostly_utf8("Réservé à l'été".encode("cp1252"))
    (('Coupé à la fin: ', 'utf-8'), None)
    """
    text = raw.decode("utf-8", errors="surrogateescape")
    stray = len(_STRAY_BYTE.findall(text))
    utf8_characters = len(_NON_ASCII.findall(text)) - stray
    if utf8_characters < max(stray, 1):
        return None
    cut = _CUT_AT_END.sub("", text)
    if not _STRAY_BYTE.search(cut):
        return cut, "utf-8"
    return _STRAY_BYTE.sub(_as_cp1252, text), MOSTLY_UTF8


def _as_cp1252(stray: re.Match[str]) -> str:
    """A byte that `surrogateescape` kept as a lone surrogate, read as cp1252."""
    return bytes([ord(stray[0]) - 0xDC00]).decode("sloppy-windows-1252")


def stream_encoding(sample: bytes) -> str:
    """The encoding to read a whole stream in, from its first bytes: UTF-8 when they are (a
    character cut at the sample's end aside), else the likeliest legacy code page. For tables
    that a spreadsheet saved in its Windows code page.

    >>> stream_encoding("Zażółć gęślą".encode()[:-1])
    'utf-8'
    >>> stream_encoding("Le conseil a approuvé la ligne de tramway, « enfin ».".encode("cp1252"))
    'sloppy-windows-1252'
    """
    text = sample.decode("utf-8", errors="surrogateescape")
    return "utf-8" if not _STRAY_BYTE.search(_CUT_AT_END.sub("", text)) else _legacy_encoding(sample)


def _strict(raw: bytes, encoding: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as err:
        raise NotText("undecodable", f"invalid {encoding} at byte {err.start}") from err


def _utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 text of mostly Latin script has a NUL in every other byte."""
    sample = raw[:4096]
    half = max(len(sample) // 2, 1)
    even_nuls = sample[0::2].count(0) / half
    odd_nuls = sample[1::2].count(0) / half
    if odd_nuls > 0.3 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.3 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def _legacy_encoding(raw: bytes) -> str:
    """The legacy encoding of non-UTF-8 bytes: a non-Latin one if the detector finds it,
    else the most plausible Latin code page. Bytes whose letters are nearly all ASCII are
    Latin script (`_latin_by_bytes`), and the detector (about 3 ms a file) is not asked."""
    sample = raw[:65536]
    if not _latin_by_bytes(sample):
        best = from_bytes(sample).best()
        if best is not None and best.encoding in _OTHER_SCRIPT_LEGACY:
            return best.encoding
    high_bytes = Counter(sample.translate(None, _LOW_BYTES))
    ascii_letters = Counter(sample.translate(None, _NOT_ASCII_LETTERS))  # the same in every code page
    context = letter_log_likelihoods({chr(byte): n for byte, n in ascii_letters.items()})
    return min(_LATIN_LEGACY, key=lambda encoding: _implausibility(encoding, high_bytes, context))


def _latin_by_bytes(sample: bytes) -> bool:
    """Are the letters of these bytes nearly all ASCII, as in Latin-script text? In a Latin
    code page only accented letters and some punctuation are bytes of 128 and over (in French,
    Spanish or German prose 2-5% of the letters); in a code page of another script (Cyrillic,
    Greek, Arabic, CJK) nearly every letter is. Text between the two is left to the detector.

    >>> _latin_by_bytes("Le conseil a approuvé la nouvelle ligne de tramway lundi soir.".encode("cp1252"))
    True
    >>> _latin_by_bytes("Совет одобрил новую линию трамвая в понедельник вечером.".encode("cp1251"))
    False
    >>> _latin_by_bytes("President Putin (Владимир Путин) said the talks would go on.".encode("cp1251"))
    False
    """
    high = len(sample) - len(sample.translate(None, _HIGH_BYTES))
    letters = len(sample) - len(sample.translate(None, _ASCII_LETTERS))
    return high < MAX_HIGH_BYTE_SHARE * (letters + high)


def _implausibility(encoding: str, high_bytes: Counter[int], context: np.ndarray) -> float:
    """How unlike any language's writing bytes read in a Latin code page are: minus the
    log-likelihood of what its bytes of 128 and over read as, in the language that explains
    them and the text's ASCII letters (`context`, per language) best. Letters count by their
    frequency in langdetect's profiles, symbols ("©", "–", "³") as SYMBOL_PROBABILITY,
    controls and undefined bytes as no letter of any language. The ASCII letters tell the
    language: Italian "è" read as cp1250 is "č", a common letter, but not in Italian.

    >>> raw = "Rząd ogłosił w środę, że plan będzie gotowy.".encode("cp1250")
    >>> high, none = Counter(raw.translate(None, _LOW_BYTES)), letter_log_likelihoods({})
    >>> _implausibility("cp1250", high, none) < _implausibility("sloppy-windows-1252", high, none)
    True
    """
    letters: Counter[str] = Counter()
    other = 0.0
    for byte, count in high_bytes.items():
        character = _HIGH_BYTE_CHARACTERS[encoding][byte - 128]
        if character.isalpha():
            letters[character] += count
        else:
            other += count * (_LN_SYMBOL if character.isprintable() else _LN_UNDEFINED)
    return -float((context + letter_log_likelihoods(letters)).max() + other)


def _finish(text: str, encoding: str, had_bom: bool = False) -> Decoded:
    if text.startswith("\ufeff"):  # a second BOM, e.g. from a double conversion
        text = text[1:]
    controls = len(_CONTROL_RE.findall(text))
    if controls > MAX_CONTROL_SHARE * len(text):
        raise NotText("binary", f"{controls} control characters in {len(text)}")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise NotText("whitespace_only")
    return Decoded(text=text, encoding=encoding, had_bom=had_bom)
