"""From a post to what each brand it concerns needs to know about it.

:meth:`Enricher.enrich` is the one pure step between the posts topic and the per-brand
scored posts: no I/O, no clock, so it is tested without a broker and the agent around
it stays thin.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Final

from listener.enrich.brands import BrandMatcher
from listener.enrich.language import detect_language
from listener.enrich.sentiment import Sentiment, SentimentScorer
from listener.records import Post, ScoredPost

#: Names a post's language from its text and the source's tag (see ``detect_language``).
LanguageDetect = Callable[[str, str | None], str | None]
#: Texts whose reading is remembered: a wave repeats texts (shares, copy-paste, the same
#: complaint sent by many), and reading one costs more than anything else listener does
#: with a post. About 5 MB for texts of a tweet's length.
READ_TEXTS: Final = 20_000


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
        #: (text, the source's language tag) -> language and sentiment, oldest first. An
        #: ordered dict forgets its oldest entry in constant time, where a plain dict's
        #: first key is found by walking past every slot its deletions emptied: about
        #: 10 µs a post once the texts fill it.
        self._read: OrderedDict[tuple[str, str | None], tuple[str | None, Sentiment]]
        self._read = OrderedDict()
        #: Posts whose reading was remembered, and posts read.
        self.hits = 0
        self.misses = 0

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
        large (benchmarks/stage_costs.py measures both ways). A text read in the last
        ``READ_TEXTS`` texts is not read again: language and sentiment are functions of the
        text and the source's tag alone."""
        match = self._matcher.match
        matched = [(i, post, found) for i, post in enumerate(posts) if (found := match(post))]
        read = self._read
        keys = [(post.text, post.lang) for _, post, _ in matched]
        unread = list(dict.fromkeys(key for key in keys if key not in read))
        self.misses += len(unread)
        self.hits += len(keys) - len(unread)
        detect = self._detect
        langs = [detect(text, tag) for text, tag in unread]
        score = self._scorer.score
        for (text, tag), lang in zip(unread, langs, strict=True):
            read[text, tag] = (lang, score(text, lang))
        readings = [read[key] for key in keys]
        while len(read) > READ_TEXTS:
            read.popitem(last=False)
        scored: list[list[ScoredPost]] = [[] for _ in posts]
        for (i, post, found), (lang, feeling) in zip(matched, readings, strict=True):
            compound, label = feeling.compound, feeling.label
            scored[i] = [ScoredPost(m.brand, post, lang, compound, label, m.own) for m in found]
        return scored
