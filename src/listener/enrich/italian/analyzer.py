"""The Italian analyzer: VADER's approach, with an Italian lexicon and Italian rules."""

from __future__ import annotations

from listener.enrich.italian.lexicon import Lexicon, read_lexicon
from listener.enrich.italian.rules import compound, join_phrases, valences
from listener.enrich.italian.text import pieces
from listener.enrich.italian.vocabulary import SKIP, Vocabulary, Word


class ItalianAnalyzer:
    """Reads Italian social posts: an ``Analyzer`` for ``SentimentScorer``.

    Building one reads the lexicon files shipped in the package (a few milliseconds), so
    build one per process and share it. ``polarity`` is a pure function of the text; the
    analyzer remembers how it resolved each written form, which changes no answer.
    """

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self._vocabulary = Vocabulary(lexicon if lexicon is not None else read_lexicon())

    def polarity(self, text: str) -> float:
        """The compound polarity of ``text`` in [-1, 1], on VADER's scale."""
        words, shouts = self._read(text)
        return compound(words, shouts, text)

    def explain(self, text: str) -> list[tuple[str, float]]:
        """Each word of ``text`` (phrases joined) with its valence in context, before the
        contrast, concession and sarcasm rules weigh them: for tuning the lexicon."""
        words, shouts = self._read(text)
        return list(zip((word.form for word in words), valences(words, shouts), strict=True))

    def _read(self, text: str) -> tuple[list[Word], list[bool]]:
        resolve = self._vocabulary.resolve
        words: list[Word] = []
        shouts: list[bool] = []
        for key, shout in pieces(text):
            word = resolve(key)
            if not word.role & SKIP:
                words.append(word)
                shouts.append(shout)
        return join_phrases(words, shouts, self._vocabulary.phrases)
