"""Find a calendar date in a short header or byline line, in many languages and layouts.

Covered: ISO dates and timestamps (2022-01-09, 2022-06-23T16:12:00+02:00), compact 20220109,
numeric dates with dots, slashes or dashes read day first (09.01.2022, 9/1/2022, 9.1.2022)
unless the day cannot be a month (2/26/2015), month names in 28 languages in either order
("January 9, 2022", "9 janvier 2022", "9 de janeiro de 2022", "3 mei 2023", "9 Ocak 2022",
"9 января 2022 г.") or after the year ("2022. január 9."), CJK dates (2022年1月9日, 2022년 1월
9일), Vietnamese ones ("ngày 9 tháng 1 năm 2022") and Thai ones in Buddhist-era years
("9 มกราคม 2565"); in any decimal digits ("٩ يناير ٢٠٢٢"). Relative dates ("2 hours ago",
"yesterday") cannot be resolved without knowing when the page was fetched, so they give no
date rather than a guess.

`find_date` is meant for header and byline lines, not for running text: a date inside the story
("on 14 September 2021") is not a publication date, and the metadata transform only looks in
the header.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

MIN_YEAR = 1990
BUDDHIST_ERA = 543  # years ahead of the common era: Thai 2565 is 2022

# Month names: one string per month, alternatives (genitive, abbreviations) separated by "|".
MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("january|jan", "february|feb", "march|mar", "april|apr", "may", "june|jun",
           "july|jul", "august|aug", "september|sept|sep", "october|oct", "november|nov",
           "december|dec"),
    "fr": ("janvier|janv", "février|fevrier|févr|fevr", "mars", "avril|avr", "mai", "juin",
           "juillet|juil", "août|aout", "septembre", "octobre", "novembre", "décembre|decembre|déc"),
    "de": ("januar|jänner|jan", "februar|feb", "märz|maerz|mär", "april|apr", "mai", "juni",
           "juli", "august|aug", "september|sept|sep", "oktober|okt", "november|nov",
           "dezember|dez"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre|setiembre", "octubre", "noviembre", "diciembre"),
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"),
    "pt": ("janeiro", "fevereiro", "março|marco", "abril", "maio", "junho", "julho", "agosto",
           "setembro", "outubro", "novembro", "dezembro"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
    "pl": ("stycznia|styczeń|styczen", "lutego|luty", "marca|marzec", "kwietnia|kwiecień",
           "maja|maj", "czerwca|czerwiec", "lipca|lipiec", "sierpnia|sierpień",
           "września|wrzesnia|wrzesień", "października|pazdziernika|październik",
           "listopada|listopad", "grudnia|grudzień"),
    "ru": ("января|январь|янв", "февраля|февраль|фев", "марта|март", "апреля|апрель|апр",
           "мая|май", "июня|июнь", "июля|июль", "августа|август|авг", "сентября|сентябрь|сен",
           "октября|октябрь|окт", "ноября|ноябрь|ноя", "декабря|декабрь|дек"),
    "uk": ("січня|січень", "лютого|лютий", "березня|березень", "квітня|квітень",
           "травня|травень", "червня|червень", "липня|липень", "серпня|серпень",
           "вересня|вересень", "жовтня|жовтень", "листопада|листопад", "грудня|грудень"),
    "tr": ("ocak", "şubat|subat", "mart", "nisan", "mayıs|mayis", "haziran", "temmuz",
           "ağustos|agustos", "eylül|eylul", "ekim", "kasım|kasim", "aralık|aralik"),
    "fi": ("tammikuuta|tammikuu", "helmikuuta|helmikuu", "maaliskuuta|maaliskuu",
           "huhtikuuta|huhtikuu", "toukokuuta|toukokuu", "kesäkuuta|kesäkuu",
           "heinäkuuta|heinäkuu", "elokuuta|elokuu", "syyskuuta|syyskuu", "lokakuuta|lokakuu",
           "marraskuuta|marraskuu", "joulukuuta|joulukuu"),
    "sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
           "september", "oktober", "november", "december"),
    "da": ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
           "september", "oktober", "november", "december"),
    "cs": ("ledna|leden", "února|únor", "března|březen", "dubna|duben", "května|květen",
           "června|červen", "července|červenec", "srpna|srpen", "září", "října|říjen",
           "listopadu|listopad", "prosince|prosinec"),
    "ro": ("ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august",
           "septembrie", "octombrie", "noiembrie", "decembrie"),
    "hu": ("január", "február", "március", "április", "május", "június", "július",
           "augusztus", "szeptember", "október", "november", "december"),
    "el": ("ιανουαρίου|ιανουάριος", "φεβρουαρίου|φεβρουάριος", "μαρτίου|μάρτιος",
           "απριλίου|απρίλιος", "μαΐου|μάιος", "ιουνίου|ιούνιος", "ιουλίου|ιούλιος",
           "αυγούστου|αύγουστος", "σεπτεμβρίου|σεπτέμβριος", "οκτωβρίου|οκτώβριος",
           "νοεμβρίου|νοέμβριος", "δεκεμβρίου|δεκέμβριος"),
    "id": ("januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus",
           "september", "oktober", "november", "desember"),
    "sk": ("januára|január", "februára|február", "marca|marec", "apríla|apríl", "mája|máj", "júna|jún",
           "júla|júl", "augusta|august", "septembra|september", "októbra|október", "novembra|november",
           "decembra|december"),
    "sl": ("januar|januarja", "februar|februarja", "marec|marca", "april|aprila", "maj|maja",
           "junij|junija", "julij|julija", "avgust|avgusta", "september|septembra", "oktober|oktobra",
           "november|novembra", "december|decembra"),
    "ca": ("gener", "febrer", "març", "abril", "maig", "juny", "juliol", "agost", "setembre",
           "octubre", "novembre", "desembre"),
    "bg": ("януари", "февруари", "март", "април", "май", "юни", "юли", "август", "септември",
           "октомври", "ноември", "декември"),
    "hi": ("जनवरी", "फ़रवरी|फरवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर|सितम्बर",
           "अक्टूबर", "नवंबर|नवम्बर", "दिसंबर|दिसम्बर"),
    # Hebrew writes "on" as a prefix: "9 בינואר 2022".
    "he": ("ינואר|בינואר", "פברואר|בפברואר", "מרץ|במרץ", "אפריל|באפריל", "מאי|במאי", "יוני|ביוני",
           "יולי|ביולי", "אוגוסט|באוגוסט", "ספטמבר|בספטמבר", "אוקטובר|באוקטובר", "נובמבר|בנובמבר",
           "דצמבר|בדצמבר"),
    "fa": ("ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن", "ژوئیه|جولای", "اوت|آگوست", "سپتامبر",
           "اکتبر", "نوامبر", "دسامبر"),
    "th": ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม", "สิงหาคม",
           "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"),
    "ar": ("يناير|كانون الثاني|جانفي", "فبراير|شباط|فيفري", "مارس|آذار", "أبريل|ابريل|نيسان|أفريل",
           "مايو|أيار|ماي", "يونيو|حزيران|جوان", "يوليو|تموز|جويلية", "أغسطس|اغسطس|آب|أوت",
           "سبتمبر|أيلول", "أكتوبر|اكتوبر|تشرين الأول", "نوفمبر|تشرين الثاني",
           "ديسمبر|كانون الأول"),
}  # fmt: skip

# Words that make a line a relative date, which cannot be resolved to a calendar day.
RELATIVE_WORDS = re.compile(
    r"\b(ago|yesterday|today|hier|aujourd'hui|il y a|gestern|heute|vor \d+|ayer|hoy|hace|"
    r"ieri|oggi|fa|ontem|hoje|há|gisteren|vandaag|geleden|wczoraj|dzisiaj|temu|вчера|сегодня|"
    r"назад|dün|bugün|önce|eilen|tänään|sitten)\b",
    re.IGNORECASE,
)


def _month_key(text: str) -> str:
    """Text as month names are looked up: case-folded ("Μάιος" and "ΜΆΙΟΣ" are "μάιοσ"), then
    NFC (folding decomposes "ΐ" in "Μαΐου")."""
    return unicodedata.normalize("NFC", text.casefold())


def _month_lookup() -> dict[str, int]:
    lookup: dict[str, int] = {}
    for names in MONTHS.values():
        for number, alternatives in enumerate(names, start=1):
            for name in alternatives.split("|"):
                lookup.setdefault(_month_key(name), number)
    return lookup


MONTH_NUMBER = _month_lookup()
_MONTH_ALT = "|".join(sorted(map(re.escape, MONTH_NUMBER), key=len, reverse=True))
_D = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th|er|º|°|\.)?"
_Y = r"(?P<y>(?:19|20)\d\d)"
_M = rf"(?P<m>{_MONTH_ALT})\.?"
_SEP = r"[\s,.]*(?:de\s+|del\s+|of\s+)?"

_PATTERNS: tuple[re.Pattern[str], ...] = (
    # 2022-01-09, 2022/01/09, 2022.01.09, optionally followed by a time
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)[-/.](?P<m>[01]?\d)[-/.](?P<d>[0-3]?\d)(?!\d)"),
    # 2022年1月9日, 2022년 1월 9일
    re.compile(r"(?P<y>(?:19|20)\d\d)\s*[年년]\s*(?P<m>[01]?\d)\s*[月월]\s*(?P<d>[0-3]?\d)\s*[日일]?"),
    # 09.01.2022, 9/1/2022, 9-1-2022: day first
    re.compile(r"(?<![\d.])(?P<d>[0-3]?\d)[./-](?P<m>[01]?\d)[./-](?P<y>(?:19|20)\d\d)(?!\d)"),
    # Month first (the US order) only where the day cannot be a month: 2/26/2015.
    re.compile(r"(?<![\d.])(?P<m>[01]?\d)/(?P<d>1[3-9]|2\d|3[01])/(?P<y>(?:19|20)\d\d)(?!\d)"),
    # Vietnamese: ngày 9 tháng 1 năm 2022, 9 tháng 1, 2022
    re.compile(
        r"(?<!\d)(?P<d>[0-3]?\d)\s+tháng\s+(?P<m>[01]?\d)(?:\s+năm|,)?\s+(?P<y>(?:19|20)\d\d)(?!\d)",
        re.IGNORECASE,
    ),
    # 9 January 2022, 9. Januar 2022, 9 de janeiro de 2022, 9 января 2022
    re.compile(rf"(?<!\w){_D}\s*{_SEP}{_M}{_SEP}{_Y}(?!\d)", re.IGNORECASE),
    # January 9, 2022 / Jan. 9th 2022
    re.compile(rf"(?<!\w){_M}\s*{_D}[\s,]+{_Y}(?!\d)", re.IGNORECASE),
    # 9 มกราคม 2565: Thai, in the Buddhist era's years (543 ahead)
    re.compile(rf"(?<!\w){_D}\s*{_M}\s*(?P<be>25[3-9]\d)(?!\d)", re.IGNORECASE),
    # 2022. január 9. (Hungarian: the year first)
    re.compile(rf"(?<!\d){_Y}\.?\s+{_M}\s+{_D}(?!\d)", re.IGNORECASE),
)
_NUMERIC_PATTERNS = _PATTERNS[:5]
_MONTH_WORDS = frozenset(word for name in MONTH_NUMBER for word in name.split())
# What separates the words of a date line (a month name's vowel signs are no \w in Devanagari).
_WORD_SEPARATORS = re.compile(r"[\s\d_.,;:!?/()\[\]\"'«»„“”’-]+")
# Every date form above has a year of four digits (19xx, 20xx or a Buddhist-era 25xx), in any
# script's digits: a line without four digits in a row holds no date, and skips the patterns.
_FOUR_DIGITS = re.compile(r"\d{4}")
COMPACT_DATE = re.compile(r"^\s*(?P<y>(?:19|20)\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)\s*$")


def find_date(line: str, today: dt.date | None = None) -> dt.date | None:
    """The first valid calendar date in a line, or None.

    >>> find_date("Published: January 9, 2022 10:31 AM")
    datetime.date(2022, 1, 9)
    >>> find_date("Par Claire Morin - Publié le 12 janvier 2023 à 07h45")
    datetime.date(2023, 1, 12)
    >>> find_date("20220109")
    datetime.date(2022, 1, 9)
    >>> find_date("2 hours ago") is None
    True
    """
    return _first_date(line, today)[0]


def find_date_span(line: str, today: dt.date | None = None) -> tuple[dt.date | None, str]:
    """Like `find_date`, and also the line with every date in it removed (for byline checks).

    >>> find_date_span("Publié le 18/09/2023 à 06h30 Mis à jour le 18/09/2023 à 09h12")[1].split()
    ['Publié', 'le', 'à', '06h30', 'Mis', 'à', 'jour', 'le', 'à', '09h12']
    """
    found, _ = _first_date(line, today)
    if found is None:
        return None, line
    rest = COMPACT_DATE.sub(" ", _normalised(line))
    for pattern in _PATTERNS:
        rest = pattern.sub(" ", rest)
    return found, rest


class _AsciiDigits(dict[int, str]):
    """`str.translate` table that writes every decimal digit in ASCII ("٢٠٢٢" is 2022): Arabic,
    Persian and Devanagari pages write their dates in their own digits. It fills itself."""

    def __missing__(self, code: int) -> str:
        digit = unicodedata.decimal(chr(code), None)
        self[code] = chr(code) if digit is None else str(digit)
        return self[code]


_ASCII_DIGITS = _AsciiDigits()


def _normalised(line: str) -> str:
    """NFC, with every digit in ASCII (one character for one: the spans stay).

    >>> _normalised("٩ يناير ٢٠٢٢")
    '9 يناير 2022'
    """
    return line if line.isascii() else unicodedata.normalize("NFC", line).translate(_ASCII_DIGITS)


def _first_date(line: str, today: dt.date | None) -> tuple[dt.date | None, tuple[int, int] | None]:
    if not _FOUR_DIGITS.search(line):
        return None, None
    line = _normalised(line)
    latest = today or dt.date.today()
    compact = COMPACT_DATE.match(line)
    if compact:
        found = _make_date(compact, latest)
        return (found, compact.span()) if found else (None, None)
    best: tuple[int, dt.date, tuple[int, int]] | None = None
    has_month_name = not _MONTH_WORDS.isdisjoint(_WORD_SEPARATORS.split(_month_key(line)))
    for pattern in _PATTERNS if has_month_name else _NUMERIC_PATTERNS:
        for match in pattern.finditer(line):
            found = _make_date(match, latest)
            if found and (best is None or match.start() < best[0]):
                best = (match.start(), found, match.span())
                break
    if best is None:
        return None, None
    return best[1], best[2]


def _make_date(match: re.Match[str], latest: dt.date) -> dt.date | None:
    month_text = match.group("m")
    month = int(month_text) if month_text.isdigit() else MONTH_NUMBER.get(_month_key(month_text))
    if month is None:
        return None
    try:
        year = int(match.group("y")) if "y" in match.groupdict() else int(match.group("be")) - BUDDHIST_ERA
        found = dt.date(year, month, int(match.group("d")))
    except ValueError:
        return None
    return found if found.year >= MIN_YEAR and found <= latest else None


def is_relative_date(line: str) -> bool:
    """Does the line state a date only relative to the day it was read ("3 hours ago")?"""
    return bool(RELATIVE_WORDS.search(line))
