"""The windows ending at one boundary, summed in one walk back over a brand's buckets.

Judging reads every active brand's windows at every step, so this is the window stage's
inner loop. It gives what ``BrandWindows.sums_ending`` gives (tests compare the two), with
the sums kept in local variables instead of a Bucket absorbing bucket after bucket, the
distinct authors kept from one step to the next (windows/authors.py) instead of unioned
again, and the windows' most damaging posts made quotable only when an alert reads them:
most windows are judged and fire nothing.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping

from listener.records import Counted, SamplePost
from listener.windows.authors import distinct_authors
from listener.windows.brand import SAMPLES, SENTIMENT_UNIT, BrandWindows, WindowSums, as_sample

#: A bucket's ranked post: (damage, key, the post).
Ranked = tuple[float, str, SamplePost | Counted]


class Quotes(Mapping[int, tuple[SamplePost, ...]]):
    """The most damaging posts of each window size, made quotable when first read."""

    __slots__ = ("_ends", "_made", "_ranked")

    def __init__(self, ranked: list[Ranked], ends: dict[int, int]) -> None:
        #: Every ranked post of the longest window; a window's are the first ``ends[size]``.
        self._ranked = ranked
        self._ends = ends
        self._made: dict[int, tuple[SamplePost, ...]] = {}

    def __getitem__(self, size: int) -> tuple[SamplePost, ...]:
        made = self._made.get(size)
        if made is None:
            # (damage, key, post): the keys are unique, so tuples never compare their posts.
            top = heapq.nlargest(SAMPLES, self._ranked[: self._ends[size]])
            made = self._made[size] = tuple(as_sample(post) for _, _, post in top)
        return made

    def __iter__(self) -> Iterator[int]:
        return iter(self._ends)

    def __len__(self) -> int:
        return len(self._ends)


def window_sums(
    windows: BrandWindows, end: float, sizes: Iterable[int]
) -> tuple[dict[int, WindowSums], Quotes]:
    """Figures for ``[end - size, end)`` for each of ``sizes`` (their ``samples`` left
    empty), and the posts each would quote. The windows ending together nest, so each
    bucket is read once."""
    step = windows.step
    buckets = windows.buckets
    last = int(end // step)
    wanted = sorted({size // step: size for size in sizes}.items())
    kept = windows.authors = distinct_authors(
        windows.authors, buckets, last, tuple(steps for steps, _ in wanted)
    )
    authors = kept.distinct()
    out: dict[int, WindowSums] = {}
    volume = negative = positive = unknown = units = reach = 0
    max_reach = negative_reach = negative_engagement = 0
    ranked: list[Ranked] = []
    topics: Counter[str] = Counter()
    ends: dict[int, int] = {}
    reached = 0
    for steps, size in wanted:
        for index in range(last - steps, last - reached):
            bucket = buckets.get(index)
            if bucket is None:
                continue
            volume += bucket.volume
            negative += bucket.negative
            positive += bucket.positive
            unknown += bucket.unknown
            units += bucket.sentiment_units
            reach += bucket.reach
            if bucket.max_reach > max_reach:
                max_reach = bucket.max_reach
            if bucket.negative_reach > negative_reach:
                negative_reach = bucket.negative_reach
            if bucket.negative_engagement > negative_engagement:
                negative_engagement = bucket.negative_engagement
            ranked += bucket.samples
            if bucket.topics:
                topics.update(bucket.topics)
        reached = steps
        ends[size] = len(ranked)
        out[size] = WindowSums(
            volume=volume,
            negative=negative,
            positive=positive,
            unknown=unknown,
            sentiment_sum=units / SENTIMENT_UNIT,
            unique_authors=authors[steps],
            reach=reach,
            max_reach=max_reach,
            samples=(),
            negative_reach=negative_reach,
            negative_engagement=negative_engagement,
            topics=dict(topics),
        )
    return out, Quotes(ranked, ends)
