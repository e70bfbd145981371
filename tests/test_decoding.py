"""Decoding of raw bytes in the encodings crawlers leave behind."""

from __future__ import annotations

import codecs

import pytest

from tests.conftest import SEEDS, case_ids, load_cases
from transforms.decoding import NotText, decode_bytes
from transforms.repair import repair_text

FRENCH = "Les boulangers de la Sarthe face à la flambée du prix de l'électricité, « dit-il »."


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (codecs.BOM_UTF8 + FRENCH.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF16_LE + FRENCH.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + FRENCH.encode("utf-16-be"), "utf-16-be"),
        (FRENCH.encode("utf-16-le"), "utf-16-le"),
        (FRENCH.encode("utf-8"), "utf-8"),
        (FRENCH.encode("cp1252"), "sloppy-windows-1252"),
        (FRENCH.encode("latin-1"), "sloppy-windows-1252"),
    ],
    ids=["utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le-no-bom", "utf8", "cp1252", "latin1"],
)
def test_decodes_french_in_every_encoding(raw: bytes, encoding: str) -> None:
    decoded = decode_bytes(raw)
    assert decoded.text == FRENCH
    assert decoded.encoding == encoding


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Zażółć gęślą jaźń: łódź płynie po Wiśle, a Wrocław świętuje.", "cp1250"),
        ("Zażółć gęślą jaźń: łódź płynie po Wiśle, a Wrocław świętuje.", "iso8859_2"),
        ("Příliš žluťoučký kůň úpěl ďábelské ódy, šest žab skákalo přes řeku.", "cp1250"),
        ("Příliš žluťoučký kůň úpěl ďábelské ódy, šest žab skákalo přes řeku.", "iso8859_2"),
        ("Türkiye'de Ağustos ayında şiddetli yağış bekleniyor, uyarı yapıldı.", "cp1254"),
        ("Гордума Екатеринбурга одобрила продление трамвайной линии до центра.", "cp1251"),
        ("El Atlético Ribera remonta en el descuento y sueña con el ascenso mañana.", "cp1252"),
        # Mostly ASCII letters, so the byte shares alone do not say Latin: the detector decides.
        ("President Putin (Владимир Путин) said the talks would go on, the Kremlin (Кремль) said.", "cp1251"),
    ],
    ids=[
        "polish-cp1250",
        "polish-latin2",
        "czech-cp1250",
        "czech-latin2",
        "turkish-cp1254",
        "russian-cp1251",
        "spanish-cp1252",
        "english-russian-cp1251",
    ],
)
def test_legacy_code_pages_are_told_apart(text: str, codec: str) -> None:
    assert decode_bytes(text.encode(codec)).text == text


CODE_PAGE_CASES = load_cases("code_pages")


@pytest.mark.parametrize("case", CODE_PAGE_CASES, ids=case_ids(CODE_PAGE_CASES))
def test_prose_is_read_in_the_code_page_it_was_saved_in(case: dict[str, str]) -> None:
    """Ordinary prose of each language in its legacy code pages: Czech, Slovene, Lithuanian,
    Latvian and Swedish were read in a neighbouring code page before the choice weighed letters
    by each language's frequencies ("středu" as "støedu", "på" as "pĺ")."""
    assert decode_bytes(case["text"].encode(case["code_page"])).text == case["text"]


@pytest.mark.parametrize(
    ("text", "codec", "declared"),
    [
        ("The mayor said: “We’re ready — it’s done.”", "cp1252", "ISO-8859-1"),
        ("The mayor said: “We’re ready — it’s done.”", "cp1252", "us-ascii"),
        ("Bakan “Türkiye’de” şiddetli yağış bekleniyor dedi.", "cp1254", "ISO-8859-9"),
        ("朱镕基在北京会见了代表团。", "gbk", "GB2312"),  # 镕 is GBK, not GB 2312
    ],
    ids=["latin1-as-cp1252", "ascii-as-cp1252", "latin5-as-cp1254", "gb2312-as-gbk"],
)
def test_a_declared_charset_is_read_as_browsers_read_it(text: str, codec: str, declared: str) -> None:
    """Pages declare the older charset and write its superset (the WHATWG Encoding Standard's
    labels): read strictly as declared, cp1252's quotes were control characters."""
    assert decode_bytes(text.encode(codec), declared=declared).text == text


JAPANESE = (
    "東京都は月曜日、新しい中央図書館を開館したと発表した。図書館には約百万冊の本が所蔵されている。"
    "開館式には多くの市民が集まり、子ども向けの読書会も開かれた。"
)


def test_japanese_in_euc_jp_is_read_in_the_variant_the_detector_names() -> None:
    """charset-normalizer names EUC-JP text euc_jis_2004: a Japanese code page all the same."""
    decoded = decode_bytes(JAPANESE.encode("euc_jp"))
    assert decoded.text == JAPANESE and decoded.encoding.startswith("euc_")


FRENCH_UTF8 = "Le conseil a approuvé la ligne de tramway. Les travaux débuteront à l'été.\n".encode()


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        ("Réservé.".encode("latin-1"), "Réservé."),  # a Latin-1 word pasted into UTF-8
        (b"\x93Oui\x94", "“Oui”"),  # cp1252 quotes
        ("été".encode()[:-1], "ét"),  # a character cut in two at the end of the file: it goes
        ("été".encode()[:-1] + "Réservé".encode("latin-1"), "ét\u00c3Réservé"),  # not cut at the end
    ],
    ids=["latin1-word", "cp1252-quotes", "cut-character", "cut-inside"],
)
def test_utf8_with_a_few_stray_bytes_stays_utf8(tail: bytes, expected: str) -> None:
    """Read as a legacy code page, every accented letter would be garbled ("approuvÃ©")."""
    decoded = decode_bytes(FRENCH_UTF8 + tail)
    assert decoded.text == FRENCH_UTF8.decode() + expected
    assert decoded.encoding == ("utf-8" if expected == "ét" else "utf-8+cp1252")


def test_windows_line_ends_become_newlines() -> None:
    assert decode_bytes(b"Title\r\n\r\nBody.\rMore.").text == "Title\n\nBody.\nMore."


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"  \n\t \r\n", "whitespace_only"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "binary"),
        (bytes(range(256)) * 4, "binary"),
        (codecs.BOM_UTF16_LE + " \n\t ".encode("utf-16-le"), "whitespace_only"),
        (codecs.BOM_UTF16_LE + b"\x41", "undecodable"),
    ],
    ids=["empty", "whitespace", "png", "pdf", "random-bytes", "utf16-blank", "utf16-odd-length"],
)
def test_non_text_is_rejected_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(NotText) as err:
        decode_bytes(raw)
    assert err.value.reason == reason


def test_seeds_decode_as_utf8() -> None:
    for path in sorted(SEEDS.iterdir()):
        decoded = decode_bytes(path.read_bytes())
        assert decoded.encoding == "utf-8"
        assert "\r" not in decoded.text


def test_a_few_stray_nul_bytes_in_text_are_no_binary_file() -> None:
    """A NUL or two in a text file (a crawler's padding, a cut write) made it a `binary`
    reject, the whole article lost. It is read as text, and repair removes the NULs (and says
    so); a file that is mostly NULs is still no text."""
    raw = sorted(SEEDS.iterdir())[0].read_bytes()
    repaired = repair_text(decode_bytes(raw[:500] + b"\x00\x00" + raw[500:]).text)
    assert repaired.text == repair_text(decode_bytes(raw).text).text
    assert "remove_control_chars" in repaired.steps
    with pytest.raises(NotText) as err:
        decode_bytes(b"\x00" * 4096 + raw[:200])
    assert (err.value.reason, err.value.detail) == ("binary", "NUL bytes")
