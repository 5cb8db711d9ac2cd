"""The windows ending at one boundary, as judging reads them: their sums and their quotes.

Judging reads every active brand's windows at every step, so this is the window stage's
inner loop. It gives what ``BrandWindows.sums_ending`` gives (tests compare the two), with
the sums kept from one step to the next (windows/counting/running.py) instead of summed again from
every bucket, and the windows' most damaging posts made quotable only when an alert reads
them: most windows are judged and fire nothing.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping

from listener.records import Counted, SamplePost
from listener.windows.counting.brand import (
    SAMPLES,
    SENTIMENT_UNIT,
    BrandWindows,
    Bucket,
    WindowSums,
    as_sample,
)
from listener.windows.counting.running import running

#: A bucket's ranked post: (damage, key, the post).
Ranked = tuple[float, str, SamplePost | Counted]


class Quotes(Mapping[int, tuple[SamplePost, ...]]):
    """The most damaging posts of each window size, gathered and made quotable when first
    read (an alert is about to quote them, before any other post is counted)."""

    __slots__ = ("_buckets", "_last", "_lengths", "_made")

    def __init__(self, buckets: Mapping[int, Bucket], last: int, lengths: dict[int, int]) -> None:
        self._buckets = buckets
        self._last = last
        #: Per window size, its length in steps.
        self._lengths = lengths
        self._made: dict[int, tuple[SamplePost, ...]] = {}

    def __getitem__(self, size: int) -> tuple[SamplePost, ...]:
        made = self._made.get(size)
        if made is None:
            last, buckets = self._last, self._buckets
            ranked: list[Ranked] = []
            for index in range(last - self._lengths[size], last):
                bucket = buckets.get(index)
                if bucket is not None:
                    ranked += bucket.samples
            # (damage, key, post): the keys are unique, so tuples never compare their posts.
            top = heapq.nlargest(SAMPLES, ranked)
            made = self._made[size] = tuple(as_sample(post) for _, _, post in top)
        return made

    def __iter__(self) -> Iterator[int]:
        return iter(self._lengths)

    def __len__(self) -> int:
        return len(self._lengths)


def window_sums(
    windows: BrandWindows, end: float, sizes: Iterable[int]
) -> tuple[dict[int, WindowSums], Quotes]:
    """Figures for ``[end - size, end)`` for each of ``sizes`` (their ``samples`` left
    empty), and the posts each would quote."""
    step = windows.step
    last = int(end // step)
    lengths = {size: size // step for size in sorted(sizes)}
    kept = windows.running = running(
        windows.running, windows.buckets, last, tuple(sorted(set(lengths.values())))
    )
    out: dict[int, WindowSums] = {}
    for size, length in lengths.items():
        window = kept.windows[length]
        out[size] = WindowSums(
            volume=window.volume,
            negative=window.negative,
            positive=window.positive,
            unknown=window.unknown,
            sentiment_sum=window.units / SENTIMENT_UNIT,
            unique_authors=len(window.authors),
            reach=window.reach,
            max_reach=window.max_reach,
            samples=(),
            negative_reach=window.negative_reach,
            negative_engagement=window.negative_engagement,
            topics=dict(window.topics),
        )
    return out, Quotes(windows.buckets, last, lengths)
