"""Window statistics: what a rule can look at for one brand, one window size, one moment.

The names in :data:`METRICS` are the vocabulary of rule conditions in rules/*.yaml.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import orjson

from listener.windows.counting.brand import BrandWindows
from listener.windows.counting.bucket import WindowSums
from listener.windows.learning.baseline import Baseline
from listener.windows.learning.learnt import Learnt
from listener.windows.learning.surprise import surprise, variance

#: Every metric a rule condition may name, with what it means. Rates and shares are in [0, 1];
#: sentiment is VADER's compound score in [-1, 1]; ``*_z`` are standard scores against the
#: brand's own baseline for the same window size; ``*_baseline`` are the usual values.
METRICS: Final[Mapping[str, str]] = {
    "volume": "posts about the brand in the window (the brand's own posts excluded)",
    "negative": "posts scored negative",
    "negative_share": "negative posts / posts whose sentiment is known",
    "positive_share": "positive posts / posts whose sentiment is known",
    "unknown": "posts in a language listener cannot score",
    "mean_sentiment": "mean compound sentiment of posts whose sentiment is known",
    "unique_authors": "distinct authors",
    "reach": "sum of the authors' followers",
    "max_author_reach": "followers of the largest author",
    "minutes_since_brand_post": "minutes since the brand last answered people: a reply, or a"
    " post about what people say, not an offer (inf if none)",
    "minutes_silent": "minutes since the later of the wave's start and the brand's last answer"
    " (0 outside a wave)",
    "volume_baseline": "usual volume for this window at this hour of day and weekday",
    "volume_ratio": "volume / usual volume",
    "volume_z": "standard score of volume against its baseline",
    "volume_surprise": "how unlikely the volume is under the usual: -log10 of its chance",
    "negative_baseline": "usual number of negative posts for this window",
    "negative_ratio": "negative / usual negative",
    "negative_surprise": "how unlikely the negative count is under the usual: -log10 of its chance",
    "negative_share_delta": "negative share minus its usual",
    "negative_reach": "followers of the most followed author of a clearly negative post",
    "negative_reach_ratio": "negative_reach / the brand's usual top reach",
    "negative_engagement": "likes and shares of the most engaged clearly negative post",
    "reach_baseline": "followers of the most followed author of recent days (fading)",
    "own_off_brand": "the brand's own posts that read as off-brand (scam, profanity, hostile)",
    "own_off_brand_score": "how off-brand the worst of them reads (3 or more is off-brand)",
    "topic": "posts about the topic of the rule's risk (its topics in risks.yaml)",
    "topic_baseline": "usual posts about that topic for this window",
    "topic_ratio": "topic / usual topic",
    "topic_surprise": "how unlikely the topic count is under the usual: -log10 of its chance",
    "topic_share": "topic / volume",
    "sentiment_baseline": "usual mean sentiment",
    "sentiment_z": "standard score of mean sentiment against its baseline (negative = worse)",
    "negative_share_baseline": "usual negative share",
    "negative_share_z": "standard score of negative share against its baseline",
}


@dataclass(slots=True)
class WindowStats:
    """Figures for one brand over ``[end - size, end)`` in event time, with its baseline.

    Not to be changed once built. It is not a frozen dataclass because one is built for
    every window of every brand judged, most of them quiet, and a frozen one costs twice as
    much to build (each field set through ``object.__setattr__``)."""

    brand: str
    size: int  # seconds
    end: float  # POSIX seconds, event time
    volume: int
    negative: int
    positive: int
    unknown: int
    sentiment_sum: float
    unique_authors: int
    reach: int
    max_author_reach: int
    brand_last_post: float | None
    volume_baseline: float
    volume_std: float
    sentiment_baseline: float
    sentiment_std: float
    negative_share_baseline: float
    negative_share_std: float
    negative_reach: int = 0
    negative_engagement: int = 0
    reach_baseline: float = 0.0
    #: Start of the wave under way (None: no wave), and of the brand's silence in it.
    wave_since: float | None = None
    silent_since: float | None = None
    own_off_brand: int = 0
    own_off_brand_score: float = 0.0
    #: How many posts, and negative posts, the brand's ordinary counts come in together
    #: (1: one by one); surprises read bursts, not posts (see surprise.py).
    clustering: float = 1.0
    negative_clustering: float = 1.0
    #: Posts about each risk's topic, and the usual count of each, for this window.
    topics: Mapping[str, int] = field(default_factory=dict)
    topic_baselines: Mapping[str, float] = field(default_factory=dict)
    #: The figures once computed: the judge, the incident log and the stats topic all read
    #: them, and the surprises are not free.
    _metrics: dict[str, float] | None = field(default=None, compare=False, repr=False)

    @property
    def known(self) -> int:
        return self.volume - self.unknown

    @property
    def negative_share(self) -> float:
        return _per(self.negative, self.known)

    @property
    def positive_share(self) -> float:
        return _per(self.positive, self.known)

    @property
    def mean_sentiment(self) -> float:
        return _per(self.sentiment_sum, self.known)

    def metrics(self) -> dict[str, float]:
        """Every metric in :data:`METRICS` but the topic ones, by name (do not modify)."""
        if self._metrics is None:
            object.__setattr__(self, "_metrics", self._compute())
        assert self._metrics is not None
        return self._metrics

    def _compute(self) -> dict[str, float]:
        # The shares and the mean as the properties give them, with the posts of known tone
        # read once: this runs for every window of every brand judged, most of them quiet.
        volume, negative, known = self.volume, self.negative, self.known
        negative_share = _per(negative, known)
        positive_share = _per(self.positive, known)
        mean_sentiment = _per(self.sentiment_sum, known)
        end, last_post, silent_since = self.end, self.brand_last_post, self.silent_since
        since = math.inf if last_post is None else max(0.0, (end - last_post) / 60.0)
        volume_usual = self.volume_baseline
        share_usual = self.negative_share_baseline
        negative_usual = volume_usual * share_usual
        silent = 0.0 if silent_since is None else max(0.0, end - silent_since) / 60
        return {
            "volume": float(volume),
            "negative": float(negative),
            "negative_share": negative_share,
            "positive_share": positive_share,
            "unknown": float(self.unknown),
            "mean_sentiment": mean_sentiment,
            "unique_authors": float(self.unique_authors),
            "reach": float(self.reach),
            "max_author_reach": float(self.max_author_reach),
            "minutes_since_brand_post": since,
            "minutes_silent": silent,
            "volume_baseline": volume_usual,
            "volume_ratio": volume / max(volume_usual, 1.0),
            "volume_z": _z(volume, volume_usual, self.volume_std, floor=1.0),
            "volume_surprise": surprise(volume, volume_usual, clustering=self.clustering),
            "negative_baseline": negative_usual,
            "negative_ratio": negative / max(negative_usual, 1.0),
            "negative_surprise": surprise(
                negative, negative_usual, clustering=self.negative_clustering
            ),
            "negative_share_delta": negative_share - share_usual,
            "negative_reach": float(self.negative_reach),
            "negative_reach_ratio": self.negative_reach / max(self.reach_baseline, 1.0),
            "negative_engagement": float(self.negative_engagement),
            "reach_baseline": self.reach_baseline,
            "own_off_brand": float(self.own_off_brand),
            "own_off_brand_score": self.own_off_brand_score,
            "sentiment_baseline": self.sentiment_baseline,
            "sentiment_z": _z(
                mean_sentiment, self.sentiment_baseline, self.sentiment_std, floor=0.05
            ),
            "negative_share_baseline": share_usual,
            "negative_share_z": _z(
                negative_share, share_usual, self.negative_share_std, floor=0.05
            ),
        }

    def counts(self, risk: str | None) -> dict[str, float]:
        """The metrics in :data:`COUNTS`, with ``topic`` for ``risk``: each the same value
        :meth:`metrics` and :meth:`topic_metrics` give, at a fraction of their cost."""
        return {
            "volume": float(self.volume),
            "negative": float(self.negative),
            "unknown": float(self.unknown),
            "unique_authors": float(self.unique_authors),
            "reach": float(self.reach),
            "max_author_reach": float(self.max_author_reach),
            "negative_reach": float(self.negative_reach),
            "negative_engagement": float(self.negative_engagement),
            "own_off_brand": float(self.own_off_brand),
            "own_off_brand_score": self.own_off_brand_score,
            "topic": float(self.topics.get(risk, 0) if risk is not None else 0),
        }

    def topic_metrics(self, risk: str | None) -> dict[str, float]:
        """The ``topic*`` metrics for ``risk``'s topic (zeros for a risk without topics)."""
        count = self.topics.get(risk, 0) if risk is not None else 0
        usual = self.topic_baselines.get(risk, 0.0) if risk is not None else 0.0
        return {
            "topic": float(count),
            "topic_baseline": usual,
            "topic_ratio": count / max(usual, 1.0),
            "topic_surprise": surprise(count, usual, clustering=self.clustering),
            "topic_share": count / self.volume if self.volume else 0.0,
        }


#: Judged windows in one message of the window-stats topic (about 2.5 kB each).
STATS_PER_MESSAGE: Final = 200
#: The metrics that depend on the rule's risk (see :meth:`WindowStats.topic_metrics`).
TOPIC_METRICS: Final = frozenset(name for name in METRICS if name.startswith("topic"))
#: The metrics that are counts of the window, read without any baseline or surprise
#: computed (see :meth:`WindowStats.counts`).
COUNTS: Final = frozenset({
    "volume", "negative", "unknown", "unique_authors", "reach", "max_author_reach",
    "negative_reach", "negative_engagement", "own_off_brand", "own_off_brand_score", "topic",
})  # fmt: skip


def window_stats(
    brand: str,
    now: float,
    every: Mapping[int, WindowSums],
    windows: BrandWindows,
    learnt: Learnt,
    baselines: Mapping[int, Baseline],
    risks: Iterable[str],
) -> dict[int, WindowStats]:
    """One brand's figures for each window ending at ``now``, by size: its windows' sums
    (``every``) against what it usually sees (``learnt``, ``baselines``) before this
    boundary teaches it anything; ``risks``, those whose topics its posts are read for."""
    usual = learnt.usual
    last_post = windows.brand_last_post(now)
    silent_since = learnt.silent_since(last_post)
    topic_shares = [(r, usual.topic_share(r)) for r in risks]
    stats: dict[int, WindowStats] = {}
    for size, sums in every.items():
        base = baselines[size]
        expected = usual.expected(now - size, now)
        off_brand = windows.off_brand_between(now - size, now)
        stats[size] = WindowStats(
            brand=brand,
            size=size,
            end=now,
            volume=sums.volume,
            negative=sums.negative,
            positive=sums.positive,
            unknown=sums.unknown,
            sentiment_sum=sums.sentiment_sum,
            unique_authors=sums.unique_authors,
            reach=sums.reach,
            max_author_reach=sums.max_reach,
            brand_last_post=last_post,
            volume_baseline=expected,
            volume_std=variance(expected, clustering=learnt.clustering) ** 0.5,
            sentiment_baseline=base.sentiment.mean,
            sentiment_std=base.sentiment.std,
            negative_share_baseline=base.negative_share.mean,
            negative_share_std=base.negative_share.std,
            negative_reach=sums.negative_reach,
            negative_engagement=sums.negative_engagement,
            reach_baseline=usual.usual_top_reach,
            wave_since=learnt.wave_since,
            silent_since=silent_since,
            clustering=learnt.clustering,
            negative_clustering=learnt.negative_clustering,
            own_off_brand=len(off_brand),
            own_off_brand_score=max(score for score, _ in off_brand) if off_brand else 0.0,
            topics=sums.topics,
            topic_baselines={risk: expected * share for risk, share in topic_shares},
        )
    return stats


def _per(part: float, known: int) -> float:
    """``part`` per post of known tone; 0 when no post's tone is known."""
    return part / known if known else 0.0


def _z(value: float, mean: float, std: float, floor: float) -> float:
    # A floor on the spread keeps a brand with a perfectly flat history from turning one
    # extra post into an infinite z-score.
    return (value - mean) / max(std, floor)


def stats_messages(judged: Sequence[Mapping[int, WindowStats]]) -> Iterator[bytes]:
    """The window-stats topic's messages for brands judged together (one partition's
    boundaries): JSON arrays of :func:`stats_record` s, at most :data:`STATS_PER_MESSAGE`
    each. One message per brand judged cost the worker more than judging a quiet brand."""
    for start in range(0, len(judged), STATS_PER_MESSAGE):
        yield orjson.dumps([stats_record(s) for s in judged[start : start + STATS_PER_MESSAGE]])


def stats_record(stats: Mapping[int, WindowStats]) -> dict[str, object]:
    """One brand's judged windows at one boundary, as the window-stats topic carries them.

    An infinite value (no brand post yet) is written as null: orjson writes every
    infinity so, JSON having none. Each window's figures are the very dict the judge read
    (do not modify it): the record is built for every brand judged, most of them quiet.
    """
    first = next(iter(stats.values()))
    return {
        "brand": first.brand,
        "end": first.end,
        "windows": {str(size): s.metrics() for size, s in sorted(stats.items())},
        "topics": {str(size): dict(s.topics) for size, s in sorted(stats.items()) if s.topics},
        "wave_since": first.wave_since,
    }
