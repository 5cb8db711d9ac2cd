"""listener's reading of VADER's rules gives vaderSentiment's own compound scores."""

from __future__ import annotations

import random

import pytest
import vaderSentiment.vaderSentiment as vader_module
from test_sentiment import _texts_to_compare
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from listener import native
from listener.enrich import vader
from listener.enrich.vader import VaderCore


@pytest.fixture(scope="module")
def plain() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def test_every_text_scores_as_plain_vader_scores_it(plain: SentimentIntensityAnalyzer) -> None:
    core = VaderCore(plain.lexicon, plain.emojis)
    texts = _texts_to_compare()
    # Twice: the second time every word's reading comes from what the first one kept.
    for _ in range(2):
        differ = [t for t in texts if core.compound(t) != plain.polarity_scores(t)["compound"]]
        assert differ == []


def test_texts_built_around_every_rule_score_as_plain_vader(
    plain: SentimentIntensityAnalyzer,
) -> None:
    """Idioms, boosters in capitals, "no" before lexicon words, "least", "kind of" and
    repeated values before and after "but", in random company."""
    pieces = [
        "the shit", "the bomb", "bad ass", "badass", "bus stop", "yeah right", "kiss of death",
        "to die for", "beating heart", "just enough", "kind of", "sort of", "VERY", "EXTREMELY",
        "kinda", "no", "or", "nor", "least", "at least", "very least", "but", "BUT", "good",
        "GOOD", "bad", "BAD", "never so", "never this", "without doubt", "so", "this", "not",
        "!", "!!!!!", "?", "??", "????", "great", "love", "hate", "never", "isn't", "okay",
    ]  # fmt: skip
    core = VaderCore(plain.lexicon, plain.emojis)
    rng = random.Random(5)
    for _ in range(4000):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        assert core.compound(text) == plain.polarity_scores(text)["compound"], text


def test_the_words_kept_are_bounded(
    plain: SentimentIntensityAnalyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In a pure-Python copy: a compiled module reads its constants as they were compiled.
    pure = native.pure_copy(vader.__name__)
    monkeypatch.setattr(pure, "KNOWN_WORDS", 10)
    core = pure.VaderCore(plain.lexicon, plain.emojis)
    for n in range(100):
        text = f"user{n} says good things #{n} and bad"
        assert core.compound(text) == plain.polarity_scores(text)["compound"]
        assert len(core.words) <= 10


def test_negations_are_found_as_plain_vader_finds_them() -> None:
    words = [*vader_module.NEGATE, "good", "not", "mightn't", "isn't", "n't", "know", "nt", ""]
    for word in words:
        assert vader._negated(word) == vader_module.negated([word])
