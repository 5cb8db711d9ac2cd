"""How a post feels, in the language it is written in.

A sentiment is only as good as the analyzer that read the post, and analyzers read one
language each. A post in a language with no analyzer gets the label ``unknown``, never
``neutral``: a wave of angry posts in a language listener cannot read must show up as
unread, not be averaged into calm.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Protocol

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # type: ignore[import-untyped]

from listener.enrich import vader
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


class VaderAnalyzer:
    """VADER, for English: lexicon and rules tuned to social media text.

    Building one reads VADER's lexicon files (tens of milliseconds), so build one and
    share it. VADER's rules are applied by :class:`~listener.enrich.vader.VaderCore`,
    compiled where it was built so: the same scores as vaderSentiment's own analyzer,
    several times faster.
    """

    def __init__(self) -> None:
        lexicon = SentimentIntensityAnalyzer()
        self._vader = vader.VaderCore(lexicon.lexicon, lexicon.emojis)

    def polarity(self, text: str) -> float:
        return self._vader.compound(text)


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
