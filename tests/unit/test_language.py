"""Language: the source's tag when it names one, else detection on the words alone."""

from __future__ import annotations

import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]

from listener.enrich.language import (
    DEFAULT_LANGUAGES,
    LanguageDetector,
    default_detector,
    detect_language,
    normalize_hint,
)

ITALIAN = (
    "Ma che schifo, la app non funziona da stamattina e non riesco a fare un bonifico",
    "Ennesimo disservizio, filiale chiusa e nessuno risponde al telefono. Vergogna!",
    "Complimenti alla filiale di via Roma, personale gentilissimo e mutuo chiuso in fretta",
    "TUTTO BLOCCATO DA IERI SERA, NON FUNZIONA NIENTE",
)
ENGLISH = (
    "The banking app has been down all morning and I can't pay my rent, this is ridiculous",
    "Great service today at the branch, the staff were really helpful and kind",
    "Charged twice for the same purchase and customer support just keeps me on hold",
)


@pytest.fixture(scope="module")
def narrow() -> LanguageDetector:
    """A detector that knows only English and Italian and wants six letters."""
    return LanguageDetector(languages=("en", "it"), min_letters=6)


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        ("it", "it"),
        ("it-IT", "it"),
        ("en_US", "en"),
        ("IT", "it"),
        (" pt-BR ", "pt"),
        ("zh-Hant-TW", "zh"),
        ("iw", "he"),
        ("in", "id"),
        ("und", None),
        ("qme", None),
        ("12", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_hint(hint: str | None, expected: str | None) -> None:
    assert normalize_hint(hint) == expected


def test_hint_wins_over_the_text() -> None:
    assert detect_language(ENGLISH[0], "it-IT") == "it"


def test_a_hint_naming_no_language_falls_back_to_detection() -> None:
    assert detect_language(ENGLISH[0], "und") == "en"


@pytest.mark.parametrize("text", ITALIAN)
def test_detects_italian(text: str) -> None:
    assert detect_language(text) == "it"


@pytest.mark.parametrize("text", ENGLISH)
def test_detects_english(text: str) -> None:
    assert detect_language(text) == "en"


def test_detects_languages_listener_cannot_read_as_themselves() -> None:
    assert detect_language("Привет, приложение банка опять не работает с утра") == "ru"
    assert detect_language("التطبيق لا يعمل منذ الصباح ولا أستطيع الدفع") == "ar"


@pytest.mark.parametrize(
    "text",
    [
        "😡😡😡🤬",
        "https://t.co/abcdef",
        "@intesa @unicredit",
        "#intesa #fail",
        "1234 5678 !!!",
        "ok 👍",
        "",
    ],
)
def test_too_few_letters_is_no_language(text: str) -> None:
    assert detect_language(text) is None


@pytest.mark.parametrize(
    "text",
    [
        (
            "@TheWorldBankingCompany @CustomerServiceTeam grazie mille "
            "https://www.example.com/the-best-english-words-in-the-world-today"
        ),
        "Vergogna! #WorstCustomerServiceEver #NeverAgain #ShameOnYou",
    ],
)
def test_links_handles_and_hashtags_do_not_vote(text: str) -> None:
    assert detect_language(text) == "it"


def test_plain_text_gets_the_answer_of_py3langid_itself() -> None:
    # What the detector does around the classifier (the letter count, the byte limit,
    # links and handles taken out) must not change the answer on a text without them.
    detector = default_detector()
    reference = LanguageIdentifier.from_model_file(MODEL_FILE)
    reference.set_languages(sorted(DEFAULT_LANGUAGES))
    # The repetitive texts have n-grams that occur several times, whose weight is
    # log1p(count): counted plainly instead, both would be read as another language. The
    # two-word ones are close calls that a wrong weight or a missing prior tips over.
    texts = (
        *ITALIAN,
        *ENGLISH,
        "Bonjour, l'application ne marche plus",
        "banca va",
        "wtf banca",
        "ciao ciao ciao ciao ciao the hello is down",
        "hello hello hello hello hello hello hello hello ciao ciao",
    )
    assert [detector.identify(text) for text in texts] == [
        reference.classify(text)[0] for text in texts
    ]


def test_only_chooses_among_its_languages(narrow: LanguageDetector) -> None:
    spanish = "La aplicación del banco no funciona desde esta mañana y nadie responde"
    assert default_detector().identify(spanish) == "es"
    assert narrow.identify(spanish) in {"en", "it"}
    assert narrow.languages == frozenset({"en", "it"})


def test_min_letters_is_configurable(narrow: LanguageDetector) -> None:
    assert default_detector().identify("ciao 👋") is not None
    assert narrow.identify("ciao 👋") is None
    assert narrow.identify("grazie mille 👋") == "it"


def test_long_posts_are_read_from_their_start() -> None:
    text = " ".join(ITALIAN * 20)
    assert len(text.encode()) > 1_000
    assert detect_language(text) == "it"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="xx"):
        LanguageDetector(languages=("en", "xx"))


def test_a_language_without_a_two_letter_code_is_refused() -> None:
    with pytest.raises(ValueError, match="vec"):
        LanguageDetector(languages=("it", "vec"))
