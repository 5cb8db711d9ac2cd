"""Sentiment: the analyzer of the post's language, VADER's labels, unknown when unread."""

from __future__ import annotations

import dataclasses
import math
import random

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from listener.enrich.sentiment import (
    Sentiment,
    SentimentScorer,
    VaderAnalyzer,
    default_scorer,
    label_for,
)
from listener.records import NEGATIVE, NEUTRAL, POSITIVE, UNKNOWN


class Fixed:
    """An analyzer that always reads the same polarity and remembers what it read."""

    def __init__(self, value: float) -> None:
        self.value = value
        self.read: list[str] = []

    def polarity(self, text: str) -> float:
        self.read.append(text)
        return self.value


@pytest.fixture(scope="module")
def vader() -> VaderAnalyzer:
    return VaderAnalyzer()


@pytest.mark.parametrize(
    ("compound", "label"),
    [
        (1.0, POSITIVE),
        (0.05, POSITIVE),
        (0.0499, NEUTRAL),
        (0.0, NEUTRAL),
        (-0.0499, NEUTRAL),
        (-0.05, NEGATIVE),
        (-1.0, NEGATIVE),
    ],
)
def test_labels_follow_vader(compound: float, label: str) -> None:
    assert label_for(compound) == label


def test_vader_reads_english(vader: VaderAnalyzer) -> None:
    assert vader.polarity("I love this bank, the staff were wonderful!") > 0.5
    assert vader.polarity("Terrible service, I hate this bank. Worst app ever") < -0.5
    assert vader.polarity("The branch opens at nine") == 0.0


def test_scorer_uses_the_analyzer_of_the_language() -> None:
    english, italian = Fixed(0.7), Fixed(-0.3)
    scorer = SentimentScorer({"en": english, "it": italian})
    assert scorer.score("fine", "it") == Sentiment(-0.3, NEGATIVE)
    assert scorer.score("great", "en") == Sentiment(0.7, POSITIVE)
    assert (english.read, italian.read) == (["great"], ["fine"])


@pytest.mark.parametrize("lang", ["fr", None])
def test_a_language_without_analyzer_is_unknown_not_neutral(lang: str | None) -> None:
    english = Fixed(-0.9)
    result = SentimentScorer({"en": english}).score("c'est une catastrophe", lang)
    assert result == Sentiment(0.0, UNKNOWN)
    assert english.read == []


@pytest.mark.parametrize("value", [1.5, -1.01, math.nan, math.inf])
def test_an_analyzer_out_of_range_is_refused(value: float) -> None:
    with pytest.raises(ValueError, match="not a score"):
        SentimentScorer({"en": Fixed(value)}).score("text", "en")


def test_the_scorer_keeps_its_own_copy_of_the_analyzers() -> None:
    analyzers = {"en": Fixed(0.5)}
    scorer = SentimentScorer(analyzers)
    analyzers["it"] = Fixed(0.5)
    assert scorer.languages == frozenset({"en"})
    assert scorer.score("bene", "it").label == UNKNOWN


def test_default_scorer_reads_english_and_italian_only() -> None:
    scorer = default_scorer()
    assert scorer.languages == frozenset({"en", "it"})
    angry = scorer.score("Worst bank ever, they stole my money and nobody answers!", "en")
    assert angry.label == NEGATIVE and angry.compound < -0.5
    arrabbiato = scorer.score("Banca peggiore di sempre, vergogna", "it")
    assert arrabbiato.label == NEGATIVE and arrabbiato.compound < -0.5
    assert scorer.score("Peor banco de todos, qué vergüenza", "es") == Sentiment(0.0, UNKNOWN)


def test_sentiment_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Sentiment(0.1, POSITIVE).compound = 0.2  # type: ignore[misc]


# --- the VADER listener runs is plain VADER, faster ---------------------------------------


def _texts_to_compare() -> list[str]:
    """Every English and Italian evaluation post, and generated ones mixing negations,
    contractions, boosters, contrast, emoticons, emoji (alone, glued to words, in flags and
    skin tones), accents and odd spacing."""
    from pathlib import Path

    data = Path(__file__).resolve().parents[2] / "data" / "eval"
    texts = [
        line.split("\t")[2]
        for name in ("en.tsv", "it.tsv", "it_dev.tsv")
        for line in (data / name).read_text(encoding="utf-8").splitlines()
        if line.count("\t") == 2 and not line.startswith(("#", "label\t"))
    ]
    pieces = [
        "not", "never", "isn't", "don't", "wasn't", "nor", "without", "good", "great", "bad",
        "terrible", "love", "hate", "very", "extremely", "kind of", "but", "least", "at least",
        "GREAT", "!!!", "?", ":)", ":(", ":-D", "<3", "😀", "😡", "🤬👎", "💔", "🇮🇹", "👍🏽",
        "café", "perché", "no", "the", "service", "app", "so", "  ", "lol", "WTF", "meh",
        "😀great", "bad😡", "ain't", "cannot", "uh", "smh", "sux", "NOT", "Never",
        "mightn't", "oughtn't", "hadn't've", "DIDN'T", "good", "happy", "nice",
    ]  # fmt: skip
    rng = random.Random(7)
    for _ in range(3000):
        texts.append(" ".join(rng.choice(pieces) for _ in range(rng.randint(1, 14))))
    texts += ["", " ", "😀", "🇮🇹", " 😡 ", "💔💔", "not 👍"]
    return texts


def test_the_scorer_vader_gives_plain_vader_scores_to_the_last_digit() -> None:
    plain = SentimentIntensityAnalyzer()
    ours = VaderAnalyzer()
    texts = _texts_to_compare()
    assert len(texts) > 3500
    differ = [t for t in texts if ours.polarity(t) != plain.polarity_scores(t)["compound"]]
    assert differ == []
