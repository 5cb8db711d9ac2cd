"""The windows ending at one boundary, as judging reads them: their sums and their quotes.

Judging reads every active brand's windows at every step, so this is the window stage's
inner loop. It gives what ``BrandWindows.sums_ending`` gives (tests compare the two), with
the sums kept from one step to the next (windows/counting/running.py) instead of summed again from
every bucket, and the windows' most damaging posts made quotable only when an alert reads
them: most windows are judged and fire nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from listener.records import SamplePost
from listener.windows.counting.brand import BrandWindows
from listener.windows.counting.bucket import Bucket, WindowSums, sums_of, top_samples
from listener.windows.counting.running import running


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
            last = self._last
            made = self._made[size] = top_samples(self._buckets, last - self._lengths[size], last)
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
    out = {size: sums_of(kept.windows[length]) for size, length in lengths.items()}
    return out, Quotes(windows.buckets, last, lengths)
