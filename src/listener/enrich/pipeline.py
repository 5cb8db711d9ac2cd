"""From a post to what each brand it concerns needs to know about it.

:meth:`Enricher.enrich` is the one pure step between the posts topic and the per-brand
scored posts: no I/O, no clock, so it is tested without a broker and the agent around
it stays thin.
"""

from __future__ import annotations

from collections.abc import Callable

from listener.enrich.brands import BrandMatcher
from listener.enrich.language import detect_language
from listener.enrich.sentiment import SentimentScorer
from listener.records import Post, ScoredPost

#: Names a post's language from its text and the source's tag (see ``detect_language``).
LanguageDetect = Callable[[str, str | None], str | None]


class Enricher:
    """Matches brands, then reads language and sentiment once for all of them."""

    def __init__(
        self,
        matcher: BrandMatcher,
        scorer: SentimentScorer,
        detect: LanguageDetect = detect_language,
    ) -> None:
        self._matcher = matcher
        self._scorer = scorer
        self._detect = detect

    def enrich(self, post: Post) -> list[ScoredPost]:
        """One scored post per brand ``post`` concerns, in brand order; usually none.

        Most posts concern no brand, so brands are matched first and language and
        sentiment, which cost far more, are worked out only for the posts that do.
        """
        matches = self._matcher.match(post)
        if not matches:
            return []
        lang = self._detect(post.text, post.lang)
        sentiment = self._scorer.score(post.text, lang)
        return [
            ScoredPost(match.brand, post, lang, sentiment.compound, sentiment.label, match.own)
            for match in matches
        ]
