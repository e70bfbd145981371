"""Language detection: deterministic, ISO 639-1, scripts first, 'und' when unsure."""

from __future__ import annotations

import json
import unicodedata

import pytest
from langdetect.detector import Detector
from langdetect.lang_detect_exception import LangDetectException

from tests.conftest import SEEDS
from tests.corpus.build import PAGES, parse
from transforms import language
from transforms.decoding import decode_bytes
from transforms.language import UNDETERMINED, FastDetector, detect_language, known_languages

SAMPLES = {
    "fr": "Dans son fournil de Sablé-sur-Sarthe, Thierry Lemaire a reçu début janvier une facture "
    "d'électricité qu'il n'osait pas ouvrir.",
    "pl": "Ceny mieszkań w Krakowie wzrosły w ciągu roku o 12 procent, wynika z najnowszego raportu.",
    "tr": "İzmir'de kira artışları yavaşladı ama talep sürüyor, emlakçılar yeni sezonu bekliyor.",
    "fi": "Tampereen kaupunginvaltuusto hyväksyi maanantaina uuden uimahallin rakentamisen.",
    "ar": "حقق منتخب المغرب لكرة اليد فوزا مهما على نظيره التونسي في افتتاح البطولة العربية.",
    "ru": "Томские учёные создали датчик для раннего обнаружения лесных пожаров в тайге.",
    "zh": "记者从成都市交通运输局获悉，为方便市民出行，本月起全市将新开和优化调整二十条公交线路。",
    "ja": "東京都は来月から新しい自転車専用道路の整備を始めると発表しました。",
    "ko": "서울시는 다음 달부터 새로운 자전거 전용 도로를 건설하기 시작한다고 발표했다.",
}


@pytest.mark.parametrize(("code", "text"), SAMPLES.items(), ids=SAMPLES.keys())
def test_languages_and_scripts(code: str, text: str) -> None:
    guess = detect_language(text)
    assert guess.code == code
    assert 0.5 <= guess.confidence <= 1.0


def test_seeds_are_english() -> None:
    for path in SEEDS.iterdir():
        assert detect_language(decode_bytes(path.read_bytes()).text).code == "en"


@pytest.mark.parametrize("text", ["", "OK", "12 345 678", "https://example.com/a/b/c"])
def test_too_little_text_is_undetermined(text: str) -> None:
    assert detect_language(text).code == UNDETERMINED


def test_detection_is_deterministic_on_mixed_text() -> None:
    mixed = "Der Rat hat beschlossen. The council decided. Le conseil a décidé. El consejo decidió."
    answers = {json.dumps(detect_language(mixed).__dict__) for _ in range(20)}
    assert len(answers) == 1


def test_every_code_returned_is_known() -> None:
    codes = known_languages()
    assert {"zh", "ja", "ko", "en", "und"} <= codes
    assert not {c for c in codes if "-" in c}
    loaded = {language._ISO_639_1.get(code, code) for code in language._factory().get_lang_list()}
    assert codes == loaded | {"und"}


def _new(detector_class: type[Detector]) -> Detector:
    detector = detector_class(language._factory())
    detector.n_trial = language.TRIALS
    return detector


def _probabilities(detector: Detector, text: str) -> list[tuple[str, float]] | str:
    detector.append(text)
    try:
        return [(guess.lang, guess.prob) for guess in detector.get_probabilities()]
    except LangDetectException as error:
        return str(error)


def test_fast_detector_gives_langdetects_exact_answers() -> None:
    """The rewritten hot loops must not change a single probability, in any script."""
    texts = [path.read_text(encoding="utf-8") for path in SEEDS.iterdir()]
    texts += [parse(page)[0] for page in PAGES.glob("*.page")]
    texts += [*SAMPLES.values(), "ALL CAPS HEADLINE ABOUT NATO", "Ünïcödé  ǅ ș ț ổ ア ㄅ 가 ی", ""]
    texts += [VIETNAMESE, unicodedata.normalize("NFD", VIETNAMESE)]  # its letters composed by langdetect
    samples = [text[start : start + language.SAMPLE_CHARS] for text in texts for start in (0, 300, 900)]
    assert len(samples) > 100
    reused = _new(FastDetector)  # as detect_language uses one, reset for each text
    for sample in samples:
        expected = _probabilities(_new(Detector), sample)
        assert _probabilities(_new(FastDetector), sample) == expected, sample[:80]
        reused.reset()
        assert _probabilities(reused, sample) == expected, sample[:80]


VIETNAMESE = (
    "Hà Nội mở rộng đường Nguyễn Trãi, xem https://vnexpress.net/ha-noi-mo-rong-duong-4512345.html "
    "hoặc liên hệ toa-soan@vnexpress.net để biết thêm chi tiết về dự án giao thông này."
)
