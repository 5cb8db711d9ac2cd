"""From a post to what each brand it concerns needs to know about it.

:meth:`Enricher.enrich` is the one pure step between the posts topic and the per-brand
scored posts: no I/O, no clock, so it is tested without a broker and the agent around
it stays thin.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
        return self.enrich_many([post])[0]

    def enrich_many(self, posts: Sequence[Post]) -> list[list[ScoredPost]]:
        """``enrich`` for each of ``posts``, stage by stage: all the matching, then all the
        language, then all the sentiment. The same results; but a stage that runs over many
        posts in a row keeps its tables warm in the processor's caches, and VADER's are
        large (benchmarks/stage_costs.py measures both ways)."""
        match = self._matcher.match
        matched = [(i, post, found) for i, post in enumerate(posts) if (found := match(post))]
        detect = self._detect
        langs = [detect(post.text, post.lang) for _, post, _ in matched]
        score = self._scorer.score
        texts = [(post.text, lang) for (_, post, _), lang in zip(matched, langs, strict=True)]
        feelings = [score(text, lang) for text, lang in texts]
        scored: list[list[ScoredPost]] = [[] for _ in posts]
        for (i, post, found), lang, feeling in zip(matched, langs, feelings, strict=True):
            compound, label = feeling.compound, feeling.label
            scored[i] = [ScoredPost(m.brand, post, lang, compound, label, m.own) for m in found]
        return scored
