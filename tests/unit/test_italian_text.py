"""Cutting Italian posts into pieces, and undoing inflection."""

from __future__ import annotations

import pytest

from listener.enrich.italian.morphology import lemma_of
from listener.enrich.italian.text import QUESTION, STOP, fold, pieces


def keys(text: str) -> list[str]:
    return [key for key, _ in pieces(text)]


def test_elision_and_truncation_apostrophes_split_words() -> None:
    assert keys("l'app dov'è un po' lenta") == ["l", "app", "dov", "e", "un", "po", "lenta"]
    assert keys("l’app") == ["l", "app"]


def test_emoji_and_emoticons_are_pieces() -> None:
    assert keys("bravi 👏👏 :( <3 xD") == ["bravi", "👏", "👏", ":(", "<3", "xD"]


def test_composed_emoji_read_as_their_base() -> None:
    # A skin tone and the joiner are not pieces; the gender sign is left for the lexicon.
    assert keys("🤦🏽‍♂️")[0] == "🤦"
    assert keys("👏🏻") == ["👏"]


def test_emoticon_letters_inside_words_are_words() -> None:
    assert keys("Orario:Dalle 9") == ["orario", STOP, "dalle"]


def test_links_handles_and_numbers_are_dropped_hashtags_kept() -> None:
    assert keys("@banca #vergogna https://t.co/x 112 euro") == ["vergogna", "euro"]


def test_punctuation_becomes_one_stop_per_run() -> None:
    assert keys("no!!! basta, ora") == ["no", STOP, "basta", STOP, "ora"]


def test_a_run_with_a_question_mark_is_a_question_stop() -> None:
    assert keys("funziona?! grazie. ok?") == ["funziona", QUESTION, "grazie", STOP, "ok", QUESTION]


def test_capitals_are_marked_on_words_of_two_letters_or_more() -> None:
    assert pieces("E VERGOGNA") == [("e", False), ("vergogna", True)]


@pytest.mark.parametrize(
    ("written", "key"),
    [("Perché", "perche"), ("perche'", "perche"), ("CITTÀ", "citta"), ("né", "né"), ("ç", "c")],
)
def test_folding(written: str, key: str) -> None:
    assert fold(written.rstrip("'")) == key


@pytest.mark.parametrize(
    ("form", "lemma", "superlative"),
    [
        ("pessime", "pessimo", False),
        ("truffati", "truffare", False),
        ("funzionano", "funzionare", False),
        ("vergognatevi", "vergognare", False),
        ("lamentarsi", "lamentare", False),
        ("disservizi", "disservizio", False),
        ("banche", "banca", False),
        ("stanchi", "stanco", False),
        ("gentilissima", "gentile", True),
        ("lunghissimo", "lungo", True),
        ("pessimamente", "pessimo", False),
        ("gentilmente", "gentile", False),
    ],
)
def test_inflected_forms_lead_to_their_lemma(form: str, lemma: str, superlative: bool) -> None:
    known = {"pessimo", "truffare", "funzionare", "vergognare", "lamentare", "disservizio",
             "banca", "stanco", "gentile", "lungo"}  # fmt: skip
    assert lemma_of(form, known.__contains__) == (lemma, superlative)


def test_verb_endings_lead_only_to_verbs() -> None:
    # "solo" is not a form of the adjective "solare", though "rubo" is one of "rubare".
    assert lemma_of("solo", {"solare"}.__contains__) is None
    assert lemma_of("rubo", {"rubare"}.__contains__) == ("rubare", False)


def test_a_form_no_rule_leads_to_a_known_word_stays_unknown() -> None:
    assert lemma_of("filiale", {"pessimo"}.__contains__) is None
    assert lemma_of("ok", {"o"}.__contains__) is None  # stems shorter than three letters
