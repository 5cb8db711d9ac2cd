"""The Italian analyzer: VADER's rules, read the Italian way."""

from __future__ import annotations

import random

import pytest
from vaderSentiment.vaderSentiment import normalize as vader_normalize  # type: ignore[import-untyped]

from listener.enrich.italian import ItalianAnalyzer
from listener.enrich.italian.rules import normalize
from listener.enrich.sentiment import SentimentScorer, label_for
from listener.records import NEGATIVE, NEUTRAL, POSITIVE

#: Clear cases written for these tests only (not from data/eval), one per line of thought.
CLEAR = (
    ("La pizza era ottima e il cameriere simpaticissimo", POSITIVE),
    ("Mi piace tantissimo la nuova piazza", POSITIVE),
    ("Grazie mille, siete stati gentilissimi", POSITIVE),
    ("Che bella serata, mi sono divertita un sacco", POSITIVE),
    ("Bonifico arrivato subito, servizio perfetto 👍", POSITIVE),
    ("Consiglio vivamente questo dentista, bravissimo", POSITIVE),
    ("Non c'è male questo vino", POSITIVE),
    ("Nessun problema con la consegna, tutto ok", POSITIVE),
    ("Sono felicissimo del risultato!", POSITIVE),
    ("Che schifo di servizio, mai più", NEGATIVE),
    ("Siete dei ladri e dei pagliacci", NEGATIVE),
    ("L'app non funziona da tre giorni", NEGATIVE),
    ("Odio aspettare in fila per ore, che rabbia", NEGATIVE),
    ("Personale scortese e incompetente", NEGATIVE),
    ("Pessima esperienza, non tornerò", NEGATIVE),
    ("Mi hanno truffato, vergognatevi 😡", NEGATIVE),
    ("nn risponde nessuno, skifo", NEGATIVE),
    ("Il film era noiosissimo", NEGATIVE),
    ("A che ora chiude la farmacia?", NEUTRAL),
    ("Domani vado a Milano in treno", NEUTRAL),
    ("Il bonifico è stato eseguito stamattina", NEUTRAL),
    ("Qualcuno sa dove si rinnova il passaporto?", NEUTRAL),
    ("La filiale si trova in via Mazzini 4", NEUTRAL),
    ("Sto leggendo il contratto del mutuo", NEUTRAL),
)


@pytest.fixture(scope="module")
def analyzer() -> ItalianAnalyzer:
    return ItalianAnalyzer()


@pytest.mark.parametrize(("text", "label"), CLEAR)
def test_clear_cases(analyzer: ItalianAnalyzer, text: str, label: str) -> None:
    assert label_for(analyzer.polarity(text)) == label


def test_compound_is_squashed_exactly_like_vader() -> None:
    for total in (-40.0, -7.3, -1.0, -0.1, 0.0, 0.2, 1.5, 4.0, 12.5, 100.0):
        assert normalize(total) == pytest.approx(vader_normalize(total), abs=1e-12)


def test_compound_stays_in_range_on_extreme_posts(analyzer: ItalianAnalyzer) -> None:
    furious = "VERGOGNA!!! ladri schifosi 🤬🤬🤬 " * 20
    delighted = "FANTASTICI!!! bravissimi 😍😍😍 " * 20
    assert -1.0 <= analyzer.polarity(furious) < -0.99
    assert 0.99 < analyzer.polarity(delighted) <= 1.0


def test_compound_stays_in_range_on_random_posts(analyzer: ItalianAnalyzer) -> None:
    vocabulary = (
        "non", "mai", "molto", "poco", "ma", "però", "bravi", "grazie", "schifo", "ottimo", "👏",
        "🙄", "😡", ":(", ":)", "!", "?", ",", "VERGOGNA", "super", "un", "po'", "senza",
        "niente", "complimenti", "app", "bloccata", "risolto",
    )  # fmt: skip
    chance = random.Random(7)
    for _ in range(500):
        text = " ".join(chance.choice(vocabulary) for _ in range(chance.randint(0, 30)))
        assert -1.0 <= analyzer.polarity(text) <= 1.0


def test_nothing_to_read_is_neutral(analyzer: ItalianAnalyzer) -> None:
    for text in ("", "   ", "@banca https://t.co/abc", "12345", "🏻"):
        assert analyzer.polarity(text) == 0.0


def test_negation_flips(analyzer: ItalianAnalyzer) -> None:
    assert analyzer.polarity("è gentile") > 0 > analyzer.polarity("non è gentile")
    assert analyzer.polarity("è un problema") < 0 < analyzer.polarity("nessun problema")
    assert analyzer.polarity("non mi è piaciuto") < 0
    # Italian negation is concordant: "non ... mai" negates once.
    assert analyzer.polarity("non è mai gentile") < 0


def test_negation_flips_less_than_it_asserts(analyzer: ItalianAnalyzer) -> None:
    # VADER's N_SCALAR: "non male" is positive, but less than "bene" is.
    assert 0 < analyzer.polarity("non è male") < -analyzer.polarity("è male")


def test_negated_complaint_words(analyzer: ItalianAnalyzer) -> None:
    assert analyzer.polarity("l'app funziona") == 0.0
    assert analyzer.polarity("l'app non funziona") < -0.2
    assert analyzer.polarity("zero assistenza") < -0.2
    assert analyzer.polarity("nessuno risponde") < -0.2


def test_negation_stays_in_its_clause(analyzer: ItalianAnalyzer) -> None:
    assert analyzer.polarity("non lo so, comunque è ottimo") > 0
    assert analyzer.polarity("non so se sia bello") > 0


def test_never_such_stresses_instead_of_negating(analyzer: ItalianAnalyzer) -> None:
    assert analyzer.polarity("mai vista tanta incompetenza") < analyzer.polarity(
        "vista incompetenza"
    )
    assert analyzer.polarity("non mi sono mai divertito così tanto") > 0


def test_intensifiers_increase_magnitude(analyzer: ItalianAnalyzer) -> None:
    assert analyzer.polarity("è molto bello") > analyzer.polarity("è bello") > 0
    assert analyzer.polarity("è troppo lento") < analyzer.polarity("è lento") < 0
    assert analyzer.polarity("è bellissimo") > analyzer.polarity("è bello")
    # An -issimo form nobody listed is its adjective, intensified.
    assert analyzer.polarity("è lentissima") < analyzer.polarity("è lenta") < 0
    assert analyzer.polarity("mi piace davvero") > analyzer.polarity("mi piace")


def test_dampeners_decrease_magnitude(analyzer: ItalianAnalyzer) -> None:
    assert 0 > analyzer.polarity("un po' lento") > analyzer.polarity("lento")
    assert 0 < analyzer.polarity("abbastanza buono") < analyzer.polarity("buono")
    # "poco" weakly negates: "poco gentile" is rude, but less than "scortese".
    assert analyzer.polarity("scortese") < analyzer.polarity("poco gentile") < 0


def test_contrast_weighs_the_second_clause(analyzer: ItalianAnalyzer) -> None:
    assert analyzer.polarity("il personale è gentile ma l'app è lenta") < 0
    assert analyzer.polarity("l'app è lenta però il personale è gentile") > 0
    # Without "ma" the same words balance the other way round.
    assert analyzer.polarity("il personale è gentile, l'app è lenta") > 0


def test_a_ma_opening_the_post_is_no_contrast(analyzer: ItalianAnalyzer) -> None:
    assert analyzer.polarity("Ma che schifo") == pytest.approx(analyzer.polarity("che schifo"))


def test_concession_weighs_its_clause_less(analyzer: ItalianAnalyzer) -> None:
    assert analyzer.polarity("nonostante il ritardo, il personale è stato gentile") > 0
    assert analyzer.polarity("anche se è lento, funziona bene") > 0


def test_praise_next_to_a_complaint_is_mockery(analyzer: ItalianAnalyzer) -> None:
    assert analyzer.polarity("Complimenti, app bloccata da tre giorni") < -0.2
    assert analyzer.polarity("Bravi, un altro disservizio") < -0.2
    assert analyzer.polarity("Grazie per avermi fatto perdere una giornata, pessimi") < -0.5
    assert analyzer.polarity("Che bella figura") < 0


def test_thanks_closing_a_question_are_a_formula(analyzer: ItalianAnalyzer) -> None:
    # Thanks in advance: neither praise nor mockery, whatever the question is about.
    question = "Ciao, quanto costa la SIM sostitutiva se perdo il telefono?"
    assert analyzer.polarity(f"{question} Grazie.") == analyzer.polarity(question)
    assert analyzer.polarity(f"{question} Grazie mille!") == analyzer.polarity(question + "!")
    assert analyzer.polarity(f"{question} Grazie.") > -0.5  # not read as a rant
    assert analyzer.polarity("Quanto costa un bonifico istantaneo? Grazie.") == 0.0
    # Thanks after a complaint are still mockery, and so is other praise after a question.
    assert analyzer.polarity("Perderò la coincidenza, grazie.") < -0.5
    assert analyzer.polarity("Ancora nessuna risposta? Complimenti.") < -0.5


def test_clapping_and_eye_rolls_mark_mockery(analyzer: ItalianAnalyzer) -> None:
    assert analyzer.polarity("bravi 👏👏") > 0.5
    assert analyzer.polarity("app bloccata, bravi 👏👏") < -0.5
    assert analyzer.polarity("ottimo lavoro 🙄") < 0


def test_praise_alone_or_with_more_praise_stays_praise(analyzer: ItalianAnalyzer) -> None:
    assert analyzer.polarity("Complimenti alla filiale, personale gentilissimo") > 0.5
    assert analyzer.polarity("Grazie, problema risolto in cinque minuti") > 0.5
    # Praise after "ma" is where the writer lands.
    assert analyzer.polarity("qualche difetto ma nel complesso è ottima") > 0


def test_emoji_and_emoticons_carry_sentiment(analyzer: ItalianAnalyzer) -> None:
    assert analyzer.polarity("la app 😡") < -0.3
    assert analyzer.polarity("la app 😍") > 0.3
    assert analyzer.polarity("oggi :(") < 0 < analyzer.polarity("oggi :)")
    assert analyzer.polarity("💔") < 0


def test_capitals_stress_a_word_among_lower_case(analyzer: ItalianAnalyzer) -> None:
    assert analyzer.polarity("questa è una VERGOGNA") < analyzer.polarity("questa è una vergogna")
    assert analyzer.polarity("è MOLTO lento") < analyzer.polarity("è molto lento")
    # When everything is in capitals, nothing stands out (VADER's rule).
    assert analyzer.polarity("VERGOGNA") == pytest.approx(analyzer.polarity("vergogna"))


def test_exclamation_marks_add_emphasis_up_to_four(analyzer: ItalianAnalyzer) -> None:
    one, four, ten = (analyzer.polarity("che schifo" + "!" * n) for n in (1, 4, 10))
    assert analyzer.polarity("che schifo") > one > four
    assert four == ten
    assert analyzer.polarity("a che ora apre!!!") == 0.0


def test_social_spellings(analyzer: ItalianAnalyzer) -> None:
    assert analyzer.polarity("skifooo") == pytest.approx(analyzer.polarity("schifo"))
    assert analyzer.polarity("nn funziona") == pytest.approx(analyzer.polarity("non funziona"))
    assert analyzer.polarity("xké nn rispondete") < 0
    # Respelt by rule, not by alias: k for ch, a leading x for "per".
    assert analyzer.polarity("skifezza") == pytest.approx(analyzer.polarity("schifezza"))
    assert analyzer.polarity("xfetto") == pytest.approx(analyzer.polarity("perfetto"))
    assert analyzer.polarity("xfetto") > 0
    assert analyzer.polarity("ahahah") > 0


def test_inflected_forms_are_read(analyzer: ItalianAnalyzer) -> None:
    for text in ("pessime", "truffati", "vergognatevi", "ci hanno fregati", "rubano"):
        assert analyzer.polarity(text) < -0.2, text
    for text in ("gentilissime", "bravissimi", "ci siamo divertiti"):
        assert analyzer.polarity(text) > 0.2, text


def test_answers_do_not_depend_on_what_was_read_before() -> None:
    texts = [text for text, _ in CLEAR]
    fresh = [ItalianAnalyzer().polarity(text) for text in texts]
    shared = ItalianAnalyzer()
    warmed = [shared.polarity(text) for text in reversed(texts)][::-1]
    assert fresh == warmed == [shared.polarity(text) for text in texts]


def test_explain_shows_each_words_valence(analyzer: ItalianAnalyzer) -> None:
    assert analyzer.explain("non è bello") == [("non", 0.0), ("e", 0.0), ("bello", -1.48)]


def test_scorer_reads_italian_with_it() -> None:
    scorer = SentimentScorer({"it": ItalianAnalyzer()})
    assert scorer.score("Che vergogna, ladri!", "it").label == NEGATIVE
    assert scorer.score("Servizio eccellente", "it").label == POSITIVE
