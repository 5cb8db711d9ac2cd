"""The distinct authors of a brand's windows, kept as the clock moves instead of recounted.

A window's distinct authors are the union of its buckets' author sets, and unioning an
hour of buckets at every step cost a steady worker more than anything else it does per
judged window: each post's author was put into a set once per step of the longest
window, sixty times. Here each window keeps, per author, how many of its buckets hold
them; moving the windows one step on adds the bucket entering and takes away the bucket
leaving, so each author is counted in and out once per window size. The counts are
derived state, never snapshotted: they are rebuilt from the buckets whenever the windows
asked for are not the ones kept or the ones a step after them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


class AuthorsOf(Protocol):
    """What :class:`WindowAuthors` reads of a bucket (windows.brand.Bucket)."""

    authors: set[str]


@dataclass(slots=True)
class WindowAuthors:
    """Per window length (in steps), for the windows ending before bucket ``last``: how
    many of the window's buckets hold each author."""

    last: int
    counts: dict[int, Counter[str]]

    @classmethod
    def build(
        cls, buckets: Mapping[int, AuthorsOf], last: int, lengths: tuple[int, ...]
    ) -> WindowAuthors:
        counts: dict[int, Counter[str]] = {}
        for length in lengths:
            count: Counter[str] = Counter()
            for index in range(last - length, last):
                bucket = buckets.get(index)
                if bucket is not None:
                    count.update(bucket.authors)
            counts[length] = count
        return cls(last, counts)

    def step(self, buckets: Mapping[int, AuthorsOf]) -> None:
        """Move every window one step on: the bucket ``last`` enters, each window's oldest
        leaves."""
        entering = buckets.get(self.last)
        for length, count in self.counts.items():
            if entering is not None:
                count.update(entering.authors)
            leaving = buckets.get(self.last - length)
            if leaving is not None:
                for author in leaving.authors:
                    held = count[author] - 1
                    if held:
                        count[author] = held
                    else:
                        del count[author]
        self.last += 1

    def added(self, index: int, author: str) -> None:
        """``author`` is new to bucket ``index`` (a post arriving after its windows were
        counted): every kept window holding that bucket gains them."""
        for length, count in self.counts.items():
            if self.last - length <= index < self.last:
                count[author] += 1

    def distinct(self) -> dict[int, int]:
        """Distinct authors per window length."""
        return {length: len(count) for length, count in self.counts.items()}


def distinct_authors(
    kept: WindowAuthors | None,
    buckets: Mapping[int, AuthorsOf],
    last: int,
    lengths: tuple[int, ...],
) -> WindowAuthors:
    """``kept`` brought to the windows ending before bucket ``last``: as it is, moved one
    step on, or rebuilt from ``buckets`` (any other move, other lengths, or none kept)."""
    if kept is not None and tuple(kept.counts) == lengths:
        if kept.last == last:
            return kept
        if kept.last + 1 == last:
            kept.step(buckets)
            return kept
    return WindowAuthors.build(buckets, last, lengths)
