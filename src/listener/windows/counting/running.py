"""A brand's windows ending at the clock, summed as the clock moves instead of summed again.

Judging reads every active brand's windows at every step. Summed afresh, a window of an
hour read each of its sixty buckets at each step: a steady worker put each post's author
into a set sixty times, and added its counts sixty times. Here each window keeps its sums,
and moving it one step on adds the bucket entering and takes away the bucket leaving:

- counts, sentiment units, reach and topic counts are integers, added and taken away
  exactly, so the sums are the very ones a fresh walk gives;
- distinct authors are kept as, per author, how many of the window's buckets hold them;
- the largest reach and engagement cannot be taken away: when the bucket leaving held a
  window's largest, that one is found again among the window's buckets (rarely: the
  largest of sixty buckets leaves once in sixty steps, on average).

A post arriving after its windows were summed (late) is added to every kept window that
holds its bucket. The sums are derived state, never snapshotted: they are summed afresh
from the buckets whenever the windows asked for are neither the ones kept nor those a step
after them (a brand not judged for a while, a restored partition, other sizes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol


class Summed(Protocol):
    """What a window reads of a bucket (counting.bucket.Bucket)."""

    volume: int
    negative: int
    positive: int
    unknown: int
    sentiment_units: int
    reach: int
    max_reach: int
    negative_reach: int
    negative_engagement: int
    authors: set[str]
    topics: Counter[str]


@dataclass(slots=True)
class Window:
    """The sums of the ``length`` buckets before the kept end."""

    length: int
    volume: int = 0
    negative: int = 0
    positive: int = 0
    unknown: int = 0
    units: int = 0
    reach: int = 0
    max_reach: int = 0
    negative_reach: int = 0
    negative_engagement: int = 0
    #: Per author, how many of the window's buckets hold them.
    authors: Counter[str] = field(default_factory=Counter)
    topics: Counter[str] = field(default_factory=Counter)

    def enter(self, bucket: Summed) -> None:
        self.volume += bucket.volume
        self.negative += bucket.negative
        self.positive += bucket.positive
        self.unknown += bucket.unknown
        self.units += bucket.sentiment_units
        self.reach += bucket.reach
        self.authors.update(bucket.authors)
        if bucket.topics:
            self.topics.update(bucket.topics)
        self.raise_maxima(bucket)

    def raise_maxima(self, bucket: Summed) -> None:
        if bucket.max_reach > self.max_reach:
            self.max_reach = bucket.max_reach
        if bucket.negative_reach > self.negative_reach:
            self.negative_reach = bucket.negative_reach
        if bucket.negative_engagement > self.negative_engagement:
            self.negative_engagement = bucket.negative_engagement

    def leave(self, bucket: Summed) -> bool:
        """Take ``bucket`` away; True when it held one of the window's largest values,
        which must then be found again."""
        self.volume -= bucket.volume
        self.negative -= bucket.negative
        self.positive -= bucket.positive
        self.unknown -= bucket.unknown
        self.units -= bucket.sentiment_units
        self.reach -= bucket.reach
        _take_each(self.authors, bucket.authors)
        if bucket.topics:
            _take(self.topics, bucket.topics)
        return bool(
            (bucket.max_reach and bucket.max_reach == self.max_reach)
            or (bucket.negative_reach and bucket.negative_reach == self.negative_reach)
            or (
                bucket.negative_engagement
                and bucket.negative_engagement == self.negative_engagement
            )
        )

    def find_maxima(self, buckets: Iterable[Summed]) -> None:
        self.max_reach = self.negative_reach = self.negative_engagement = 0
        for bucket in buckets:
            self.raise_maxima(bucket)


def _take_each(counts: Counter[str], taken: Iterable[str]) -> None:
    """``counts`` less one of each of ``taken``, with what falls to nothing removed."""
    for item in taken:
        held = counts[item] - 1
        if held:
            counts[item] = held
        else:
            del counts[item]


def _take(counts: Counter[str], taken: Mapping[str, int]) -> None:
    """``counts`` less ``taken``, with what falls to nothing removed."""
    for item, count in taken.items():
        held = counts[item] - count
        if held:
            counts[item] = held
        else:
            del counts[item]


@dataclass(slots=True)
class Running:
    """The windows of each length (in steps) ending before bucket ``last``."""

    last: int
    windows: dict[int, Window]

    @classmethod
    def sum(cls, buckets: Mapping[int, Summed], last: int, lengths: tuple[int, ...]) -> Running:
        windows: dict[int, Window] = {}
        for length in lengths:
            window = windows[length] = Window(length)
            for index in range(last - length, last):
                bucket = buckets.get(index)
                if bucket is not None:
                    window.enter(bucket)
        return cls(last, windows)

    def step(self, buckets: Mapping[int, Summed]) -> None:
        """Move every window one step on: the bucket ``last`` enters, each window's oldest
        leaves."""
        entering = buckets.get(self.last)
        self.last += 1
        for length, window in self.windows.items():
            if entering is not None:
                window.enter(entering)
            leaving = buckets.get(self.last - 1 - length)
            if leaving is not None and window.leave(leaving):
                first = self.last - length
                window.find_maxima(b for i in range(first, self.last) if (b := buckets.get(i)))

    def late(self, index: int, before: tuple[int, ...], bucket: Summed, author: str | None,
             found: Iterable[str]) -> None:  # fmt: skip
        """A post was added to bucket ``index`` after its windows were summed: ``before``
        is the bucket's :func:`counts` before it, ``author`` the post's author if new to
        the bucket, ``found`` the topics it names."""
        after = counts(bucket)
        volume, negative, positive, unknown, units, reach = (
            a - b for a, b in zip(after, before, strict=True)
        )
        for length, window in self.windows.items():
            if self.last - length <= index < self.last:
                window.volume += volume
                window.negative += negative
                window.positive += positive
                window.unknown += unknown
                window.units += units
                window.reach += reach
                window.raise_maxima(bucket)
                if author is not None:
                    window.authors[author] += 1
                if found:
                    window.topics.update(found)


def counts(bucket: Summed) -> tuple[int, ...]:
    """A bucket's additive sums, to tell what a late post added."""
    return (
        bucket.volume, bucket.negative, bucket.positive, bucket.unknown,
        bucket.sentiment_units, bucket.reach,
    )  # fmt: skip


def running(
    kept: Running | None, buckets: Mapping[int, Summed], last: int, lengths: tuple[int, ...]
) -> Running:
    """``kept`` brought to the windows ending before bucket ``last``: as it is, moved one
    step on, or summed afresh from ``buckets`` (any other move, other lengths, none kept)."""
    if kept is not None and tuple(kept.windows) == lengths:
        if kept.last == last:
            return kept
        if kept.last + 1 == last:
            kept.step(buckets)
            return kept
    return Running.sum(buckets, last, lengths)
