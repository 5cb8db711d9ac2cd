"""Which brands a boundary visits: a steady brand sleeps until its windows can change.

A brand its judge found settled is steady at a boundary where none of its windows' posts
changed (PartitionState._unchanged): it is only learnt from there, with the very sums it
had. Finding that out brand by brand at every boundary was most of what a replay of many
quiet brands cost: a brand with one post an hour is steady at all but three or four of the
sixty boundaries that post spends in its windows, and a day of 40,000 posts over 2,000
brands made 17 steady visits a post.

So a brand found steady, or with no post in its windows, sleeps. It is visited again at
the first boundary where its windows can change, which its posts say in advance: a post's
bucket enters the windows at the boundary after it and leaves each window a window's
length later, and an own post is read at the boundary after it. A post counted for a
sleeping brand (a late one too) or a new judge wakes it. Waking, it learns from each
boundary it slept through, in their order, from the sums its windows kept all along
(nothing entered or left them), and its kept sums are moved on to the clock; a snapshot has
every sleeping brand learn what it slept through first, and leaves it asleep. So what
a brand learns and which of its figures are sent is exactly what visiting it at every
boundary gives (tests/unit/test_sleeping_brands.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from listener.windows.counting.brand import BrandWindows
from listener.windows.counting.bucket import WindowSums

#: A sleeping brand with something to learn: the first boundary it slept through and has
#: not learnt from yet, and its windows' sums, the same at each boundary it sleeps through.
Slept = tuple[float, Mapping[int, WindowSums]]


@dataclass(slots=True)
class Sleepers:
    """The brands asleep in one partition, and the boundaries their posts wake them at.

    Boundaries are counted in steps (``boundary // step``); derived state, rebuilt from the
    buckets on restore (:meth:`expect_all`), never snapshotted."""

    #: The windows' lengths in steps.
    lengths: tuple[int, ...]
    #: Boundary (in steps) -> brands whose windows can change there.
    due: dict[int, set[str]] = field(default_factory=dict)
    #: Brand -> what it has to learn (:data:`Slept`); None for a brand with nothing to
    #: learn (no post in its windows).
    asleep: dict[str, Slept | None] = field(default_factory=dict)

    def expect(self, brand: str, index: int, after: int | None) -> None:
        """A post of ``brand`` was counted into bucket ``index``: its windows change as
        the bucket enters them and as it leaves each. ``after``: the last boundary judged
        (in steps), before which nothing is due any more; None before the clock starts."""
        due = self.due
        entering = index + 1
        for at in (entering, *(entering + length for length in self.lengths)):
            if after is not None and at <= after:
                continue
            brands = due.get(at)
            if brands is None:
                due[at] = {brand}
            else:
                brands.add(brand)

    def expect_all(self, brands: Mapping[str, BrandWindows], clock: float | None) -> None:
        """What :meth:`expect` was told of every post ``brands`` hold (a restored state);
        ``clock``: the last boundary judged (event time), None before the clock started."""
        for brand, windows in brands.items():
            step = windows.step
            judged = None if clock is None else int(clock // step)
            for index in windows.buckets:
                self.expect(brand, index, judged)
            for ts, *_ in windows.unread:
                self.expect(brand, int(ts // step), judged)

    def waking(self, boundary: int) -> set[str]:
        """The brands due at ``boundary`` (in steps), forgotten from ``due``."""
        return self.due.pop(boundary, set())

    def forget_before(self, boundary: int) -> None:
        """Drop what was due before ``boundary`` (in steps): posts counted before the clock
        started, for boundaries it never judged."""
        for at in [at for at in self.due if at < boundary]:
            del self.due[at]

    def sleep(self, brand: str, slept: Slept | None) -> None:
        """``brand`` is not visited until it is due, a post of its is counted, or a new
        judge comes; ``slept``: what it has to learn meanwhile."""
        self.asleep[brand] = slept
