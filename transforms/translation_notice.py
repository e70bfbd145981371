"""Translation notices: lines that say an article was translated, and from which language.

Machine-translated sites put a line like "This article was machine translated from Finnish.",
"Traduit de l'anglais par Claire Morin", "Dieser Artikel wurde automatisch übersetzt" or
"本文由机器翻译" above or below the article. Such a line is not part of the article; the language
it names is worth keeping (the `translated_from` column).

A line is a notice when it is short, speaks of translating (in any of a dozen languages) and
either says the translation was automatic or names the language translated from. Language
names are matched by their stems in the languages notices are written in, so inflected forms
("aus dem Englischen", "с английского", "z języka polskiego") are found too.
"""

from __future__ import annotations

import re
from functools import lru_cache

from transforms.lines import LINE_CACHE_SIZE, count_words

# A notice is one or two sentences; an article paragraph about translation is longer.
MAX_NOTICE_WORDS = 40
# An inflected name is its stem plus at most this many letters ("englisch" + "en").
MAX_INFLECTION = 4

_TRANSLATED = re.compile(
    r"translat|tradu[cizçt]|tradott|übersetz|vertaal|tłumacz|перевод|переведен|переклад|翻译|翻譯|翻訳|번역"
    r"|käännö|käännet|översatt|oversat|çevir|překlad|fordít",
)
_AUTOMATIC = re.compile(
    r"machine|automatic|automatisch|automatique|automáticamente|automaticamente|automatically"
    r"|automatycznie|автоматическ|машинн|机器|機器|自动|自動|機械|기계|자동|konekää|maskin|otomatik",
)

# Stems of language names, as they are written in English, French, German, Spanish, Italian,
# Portuguese, Dutch, Polish, Russian, Ukrainian, Finnish, the Scandinavian languages,
# Hungarian, Turkish and the CJK languages, by ISO 639-1 code.
LANGUAGE_STEMS: dict[str, tuple[str, ...]] = {
    "en": ("english", "anglais", "englisch", "inglés", "ingles", "inglese", "inglês", "engels",
           "angielsk", "английск", "англійськ", "englanni", "engelsk", "angol", "ingilizce",
           "英语", "英文", "英語", "영어"),
    "de": ("german", "allemand", "deutsch", "alemán", "aleman", "tedesco", "alemão", "duits",
           "niemieck", "немецк", "німецьк", "saksa", "tysk", "német", "almanca", "德语", "德文",
           "ドイツ語", "독일어"),
    "fr": ("french", "français", "francais", "französisch", "francés", "frances", "francese",
           "francês", "frans", "francusk", "французск", "французьк", "ranska", "fransk", "francia",
           "fransızca", "法语", "法文", "フランス語", "프랑스어"),
    "es": ("spanish", "espagnol", "spanisch", "español", "espanol", "spagnolo", "espanhol",
           "spaans", "hiszpańsk", "испанск", "іспанськ", "espanja", "spansk", "spanyol",
           "ispanyolca", "西班牙语", "西班牙文", "スペイン語", "스페인어"),
    "it": ("italian", "italien", "italienisch", "italiano", "italiaans", "włosk", "итальянск",
           "італійськ", "italia", "italiensk", "olasz", "italyanca", "意大利语", "イタリア語",
           "이탈리아어"),
    "pt": ("portuguese", "portugais", "portugiesisch", "portugués", "portoghese", "português",
           "portugues", "portugees", "portugalsk", "португальск", "portugali", "portugisisk",
           "portugál", "portekizce", "葡萄牙语", "ポルトガル語", "포르투갈어"),
    "nl": ("dutch", "néerlandais", "neerlandais", "niederländisch", "holländisch", "neerlandés",
           "holandés", "olandese", "holandês", "neerlandês", "nederlands", "niderlandzk",
           "holendersk", "нидерландск", "голландск", "hollanti", "nederlandsk", "hollandsk",
           "holland", "hollandaca", "荷兰语", "オランダ語", "네덜란드어"),
    "pl": ("polish", "polonais", "polnisch", "polaco", "polacco", "polonês", "pools", "polsk",
           "польск", "puola", "lengyel", "lehçe", "波兰语", "ポーランド語", "폴란드어"),
    "ru": ("russian", "russe", "russisch", "ruso", "russo", "rosyjsk", "русск", "російськ",
           "venäjä", "russisk", "orosz", "rusça", "俄语", "俄文", "ロシア語", "러시아어"),
    "uk": ("ukrainian", "ukrainien", "ukrainisch", "ucraniano", "ucraino", "oekraïens",
           "ukraińsk", "украинск", "українськ", "ukrainsk", "ukrán", "ukraynaca", "乌克兰语",
           "ウクライナ語", "우크라이나어"),
    "fi": ("finnish", "finnois", "finnisch", "finlandés", "finés", "finlandese", "finlandês",
           "fińsk", "финск", "фінськ", "suome", "finsk", "finn", "fince", "芬兰语",
           "フィンランド語", "핀란드어"),
    "sv": ("swedish", "suédois", "schwedisch", "sueco", "svedese", "zweeds", "szwedzk", "шведск",
           "ruotsi", "svensk", "svéd", "isveççe", "瑞典语", "スウェーデン語", "스웨덴어"),
    "da": ("danish", "danois", "dänisch", "danés", "danese", "dinamarquês", "deens", "duńsk",
           "датск", "tanska", "dansk", "dán", "danca"),
    "no": ("norwegian", "norvégien", "norwegisch", "noruego", "norvegese", "norueguês", "noors",
           "norwesk", "норвежск", "norja", "norsk", "norvég", "norveççe"),
    "cs": ("czech", "tchèque", "tschechisch", "checo", "ceco", "tcheco", "tsjechisch", "czesk",
           "чешск", "tšekki", "tjekkisk", "tjeckisk", "cseh", "çekçe"),
    "hu": ("hungarian", "hongrois", "ungarisch", "húngaro", "ungherese", "hongaars", "węgiersk",
           "венгерск", "unkari", "ungersk", "magyar", "macarca"),
    "ro": ("romanian", "roumain", "rumänisch", "rumano", "rumeno", "romeno", "roemeens",
           "rumuńsk", "румынск", "rumænsk", "román", "rumence"),
    "tr": ("turkish", "turc", "türkisch", "turco", "turks", "turecki", "турецк", "turkki",
           "tyrkisk", "török", "türkçe"),
    "el": ("greek", "grec", "griechisch", "griego", "greco", "grego", "grieks", "greck",
           "греческ", "kreikka", "græsk", "grekisk", "görög", "yunanca"),
    "ar": ("arabic", "arabe", "arabisch", "árabe", "arabo", "arabsk", "арабск", "arabia",
           "arabisk", "arapça", "阿拉伯语", "アラビア語", "아랍어"),
    "zh": ("chinese", "chinois", "chinesisch", "chino", "cinese", "chinês", "chinees", "chińsk",
           "китайск", "kiina", "kinesisk", "kínai", "çince", "中文", "汉语", "中国語", "중국어"),
    "ja": ("japanese", "japonais", "japanisch", "japonés", "giapponese", "japonês", "japans",
           "japońsk", "японск", "japani", "japansk", "japán", "japonca", "日语", "日文", "日本語",
           "일본어"),
    "ko": ("korean", "coréen", "koreanisch", "coreano", "koreaans", "koreańsk", "корейск",
           "koreansk", "koreai", "korece", "韩语", "韩文", "韓国語", "한국어"),
    "he": ("hebrew", "hébreu", "hebräisch", "hebreo", "ebraico", "hebraico", "hebreeuws",
           "hebrajsk", "иврит", "heprea", "hebraisk", "héber", "ibranice"),
    "fa": ("persian", "farsi", "persan", "persisch", "persa", "persiano", "perzisch", "персидск"),
    "bg": ("bulgarian", "bulgare", "bulgarisch", "búlgaro", "bulgaro", "bulgaars", "bułgarsk",
           "болгарск"),
    "hr": ("croatian", "croate", "kroatisch", "croata", "chorwack", "хорватск"),
    "sk": ("slovak", "slovaque", "slowakisch", "eslovaco", "slovacco", "slowaaks", "słowack",
           "словацк"),
    "sl": ("slovenian", "slovene", "slovène", "slowenisch", "esloveno", "sloveno", "sloveens",
           "słoweńsk", "словенск"),
    "lt": ("lithuanian", "lituanien", "litauisch", "lituano", "litouws", "litewsk", "литовск"),
    "lv": ("latvian", "letton", "lettisch", "letón", "lettone", "letão", "łotewsk", "латышск"),
    "et": ("estonian", "estonien", "estnisch", "estonio", "estone", "estoniano", "estońsk",
           "эстонск", "viro"),
    "id": ("indonesian", "indonésien", "indonesisch", "indonesio", "indonesiano", "indonezyjsk",
           "индонезийск"),
    "vi": ("vietnamese", "vietnamien", "vietnamesisch", "vietnamita", "vietnamees", "wietnamsk",
           "вьетнамск"),
    "th": ("thai", "thaï", "thailändisch", "tailandés", "tailandese", "tailandês", "tajsk",
           "тайск"),
    "hi": ("hindi",),
}  # fmt: skip

_CJK_OR_HANGUL = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")
_WORD = re.compile(r"[^\W\d_]+")


def _stem_tables() -> tuple[dict[str, str], dict[str, str]]:
    words: dict[str, str] = {}
    scripts: dict[str, str] = {}
    for code, stems in LANGUAGE_STEMS.items():
        for stem in stems:
            (scripts if _CJK_OR_HANGUL.search(stem) else words).setdefault(stem, code)
    return words, scripts


_WORD_STEMS, _CJK_NAMES = _stem_tables()


@lru_cache(maxsize=LINE_CACHE_SIZE)
def translation_notice(line: str) -> tuple[str, ...] | None:
    """For a translation notice, the ISO 639-1 codes of the languages it names, in order (the
    original and often the target: "translated into English from Finnish"); None for any
    other line.

    >>> translation_notice("This article was machine translated from Finnish.")
    ('fi',)
    >>> translation_notice("Traduit de l'anglais par Claire Morin")
    ('en',)
    >>> translation_notice("Dieser Artikel wurde automatisch übersetzt.")
    ()
    >>> translation_notice("The novel was translated into 30 languages, her agent said on Monday.") is None
    True
    """
    if count_words(line) > MAX_NOTICE_WORDS:
        return None
    lowered = line.casefold()
    if not _TRANSLATED.search(lowered):
        return None
    named = named_languages(lowered)
    if not named and not _AUTOMATIC.search(lowered):
        return None
    return named


def original_language(named: tuple[str, ...], body_language: str) -> str | None:
    """The language a text was translated from: the first one named that is not the body's.

    >>> original_language(("en", "fi"), "en")
    'fi'
    """
    return next((code for code in named if code != body_language), None)


def named_languages(lowered: str) -> tuple[str, ...]:
    """The languages named in a lower-cased line, by the stems of their names, in order.

    >>> named_languages("aus dem englischen übersetzt")
    ('en',)
    >>> named_languages("本文译自英文")
    ('en',)
    """
    found: list[tuple[int, str]] = []
    for match in _WORD.finditer(lowered):
        code = language_of_name(match.group())
        if code is not None:
            found.append((match.start(), code))
    for name, code in _CJK_NAMES.items():
        at = lowered.find(name)
        if at >= 0:
            found.append((at, code))
    return tuple(dict.fromkeys(code for _, code in sorted(found)))


def language_of_name(word: str) -> str | None:
    """The ISO 639-1 code of the language a lower-case word names, in any of its forms.

    >>> language_of_name("englischen"), language_of_name("polski"), language_of_name("finished")
    ('en', 'pl', None)
    """
    for cut in range(len(word), max(len(word) - MAX_INFLECTION, 2) - 1, -1):
        code = _WORD_STEMS.get(word[:cut])
        if code is not None:
            return code
    return None
