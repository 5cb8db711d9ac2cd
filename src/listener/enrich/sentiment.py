"""How a post feels, in the language it is written in.

A sentiment is only as good as the analyzer that read the post, and analyzers read one
language each. A post in a language with no analyzer gets the label ``unknown``, never
``neutral``: a wave of angry posts in a language listener cannot read must show up as
unread, not be averaged into calm.
"""

from __future__ import annotations

import math
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

import vaderSentiment.vaderSentiment as vader_module  # type: ignore[import-untyped]
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from listener.records import NEGATIVE, NEUTRAL, POSITIVE, UNKNOWN

#: VADER's own convention for turning a compound score into a label.
POSITIVE_AT: Final = 0.05
NEGATIVE_AT: Final = -0.05


@dataclass(frozen=True, slots=True)
class Sentiment:
    """A compound score in [-1, 1] and its label (one of the ``records`` labels)."""

    compound: float
    label: str


UNREAD: Final = Sentiment(0.0, UNKNOWN)


class Analyzer(Protocol):
    """Reads text in one language; called once per brand-matched post in that language.

    Returns a compound polarity in [-1, 1]. Raising from it is a bug in the analyzer: it
    is not caught, so the post is not silently scored as calm.
    """

    def polarity(self, text: str) -> float: ...


_NEGATE: Final = frozenset(vader_module.NEGATE)


def _negated(input_words: list[str], include_nt: bool = True) -> bool:
    """VADER's ``negated``, answering the same with a set instead of a scan of its list of
    negations for every word it is asked about."""
    words = [str(w).lower() for w in input_words]
    if not _NEGATE.isdisjoint(words):
        return True
    if include_nt:
        for word in words:  # VADER asks about one word at a time: a loop beats any()
            if "n't" in word:
                return True
    return False


def _with_globals(function: Any, **names: Any) -> Any:
    """``function`` as it is, but reading ``names`` in place of its module's globals."""
    namespace = {**function.__globals__, **names}
    return types.FunctionType(
        function.__code__, namespace, function.__name__, function.__defaults__
    )


class _WholeText(str):
    """A text that a ``for`` loop sees as one piece: VADER's emoji pass walks a text one
    character at a time, building a copy by concatenation, to swap emoji for their names;
    handed a text with no emoji this way, it copies it in one step."""

    __slots__ = ()

    def __iter__(self) -> Iterator[str]:
        yield str(self)


class _FastVader(SentimentIntensityAnalyzer):  # type: ignore[misc]
    """VADER, with two shortcuts that change no score and take a third off its time:
    negations looked up in a set, and the emoji pass skipped for texts without emoji
    (tests/unit/test_sentiment.py compares it with plain VADER post by post)."""

    _negation_check = staticmethod(
        _with_globals(SentimentIntensityAnalyzer._negation_check, negated=_negated)
    )

    def __init__(self) -> None:
        super().__init__()
        # The emoji pass looks characters up one by one: longer keys never match.
        self._emoji_chars = frozenset(k for k in self.emojis if len(k) == 1)
        self._ascii_emoji = any(k.isascii() for k in self._emoji_chars)

    def polarity_scores(self, text: str) -> dict[str, float]:
        plain = (
            (text.isascii() and not self._ascii_emoji) or self._emoji_chars.isdisjoint(text)
        ) and text not in self.emojis
        scores: dict[str, float] = super().polarity_scores(_WholeText(text) if plain else text)
        return scores


class VaderAnalyzer:
    """VADER, for English: lexicon and rules tuned to social media text.

    Building one reads VADER's lexicon files (tens of milliseconds), so build one and
    share it.
    """

    def __init__(self) -> None:
        self._vader = _FastVader()

    def polarity(self, text: str) -> float:
        return float(self._vader.polarity_scores(text)["compound"])


def label_for(compound: float) -> str:
    """VADER's labels: at least 0.05 positive, at most -0.05 negative, neutral between."""
    if compound >= POSITIVE_AT:
        return POSITIVE
    if compound <= NEGATIVE_AT:
        return NEGATIVE
    return NEUTRAL


class SentimentScorer:
    """Picks the analyzer for a post's language and labels what it says."""

    def __init__(self, analyzers: Mapping[str, Analyzer]) -> None:
        # Copied, so a scorer cannot change under a running stream.
        self._analyzers: dict[str, Analyzer] = dict(analyzers)

    @property
    def languages(self) -> frozenset[str]:
        """The languages this scorer reads; any other gets ``unknown``."""
        return frozenset(self._analyzers)

    def score(self, text: str, lang: str | None) -> Sentiment:
        """The sentiment of ``text`` written in ``lang`` (None when it is not known).

        Raises ``ValueError`` when an analyzer returns something that is not a score in
        [-1, 1]: a broken analyzer must not pass for a calm one.
        """
        analyzer = self._analyzers.get(lang) if lang is not None else None
        if analyzer is None:
            return UNREAD
        compound = analyzer.polarity(text)
        if not (math.isfinite(compound) and -1.0 <= compound <= 1.0):
            raise ValueError(f"analyzer for {lang!r} returned {compound!r}, not a score in [-1, 1]")
        return Sentiment(compound, label_for(compound))


def default_scorer() -> SentimentScorer:
    """A scorer for the languages read out of the box: English with VADER, Italian with
    listener's own lexicon and rules in the same shape (see docs/italian-sentiment.md)."""
    from listener.enrich.italian import ItalianAnalyzer

    return SentimentScorer({"en": VaderAnalyzer(), "it": ItalianAnalyzer()})
