"""What listener learns about a brand from its history: its usual by hour (usual.py), the
words it is usually talked about with (words.py), how bursty its ordinary posts are, and
whether a wave is under way.

History is learnt from buckets as they leave the windows (the oldest step beyond the
longest window), so what is being judged never teaches the usual it is judged against,
and the order of learning is the order of the event-time clock: a restarted worker that
replays its partition learns exactly the same.

A *wave* starts when the shortest window's volume or negative count is improbable under
the usual, and ends after an hour without that. A lull longer than the wave had lasted
before it makes the next improbable window start the wave afresh: a blip half an hour
before a crisis does not date the crisis, nor the brand's silence in it. Silence is
counted from the later of the wave's start and the brand's last answer (an own post that
replies to someone or speaks to the trouble: windows/learning/own.py), so a brand that was
quiet all week is not silent the minute a wave begins, and one that answers stops being
silent; an offer it posts meanwhile does not end its silence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from listener.windows.counting.bucket import Bucket
from listener.windows.counting.words import Background
from listener.windows.learning.usual import HOUR, Usual

#: A window this improbable (-log10 of its chance) under the usual starts a wave.
WAVE_SURPRISE: Final = 3.0
#: A wave needs at least this many posts in the shortest window.
WAVE_MIN_POSTS: Final = 3
#: A wave ends after this long without an improbable window.
WAVE_CALM: Final = 3600.0
#: Empty hours closed one by one at most; a longer gap is skipped (its usual is long gone).
MAX_CATCH_UP_HOURS: Final = 24 * 14
#: Weight of each judged step in the clustering estimate: a half-life of a day of steps.
CLUSTERING_ALPHA: Final = 1.0 - 0.5 ** (1.0 / 1440.0)
#: Clustering never read beyond this: a brand whose posts come in bursts of more than
#: eight is rare, and a crisis must not teach the detector that crises are usual.
MAX_CLUSTERING: Final = 8.0
#: One window teaches the clustering at most this residual: a single odd window is not a
#: habit.
RESIDUAL_CAP: Final = 16.0


@dataclass(slots=True)
class Learnt:
    """One brand's learnt usual, background words and wave."""

    usual: Usual
    background: Background = field(default_factory=Background)
    #: The hour being gathered from buckets: its start, posts, top followers, topics.
    hour: float | None = None
    count: int = 0
    top: int = 0
    topics: dict[str, int] = field(default_factory=dict)
    wave_since: float | None = None
    calm_since: float | None = None
    #: How many posts, and negative posts, arrive together on average (1: one by one, as
    #: a Poisson process): the mean Pearson residual of the shortest window's counts.
    clustering: float = 1.0
    negative_clustering: float = 1.0

    def learn(self, index: int, bucket: Bucket, step: int) -> None:
        """Learn from the bucket of step ``index`` as it leaves the windows (in order)."""
        start = float(index * step)
        hour = float(math.floor(start / HOUR) * HOUR)
        self.advance(hour)
        if self.hour is None:
            self.hour = hour
            if self.usual.next_hour is None:
                self.usual.next_hour = hour
        self.count += bucket.volume
        self.top = max(self.top, bucket.max_reach)
        for risk, count in bucket.topics.items():
            self.topics[risk] = self.topics.get(risk, 0) + count
        self.background.add(bucket.terms, bucket.volume, start)

    def advance(self, until: float) -> None:
        """Close every hour that ends at or before ``until``: nothing more can reach it."""
        usual = self.usual
        if usual.next_hour is None:
            return
        if until - usual.next_hour > MAX_CATCH_UP_HOURS * HOUR:
            self._close_gathered()
            usual.next_hour = until - MAX_CATCH_UP_HOURS * HOUR
        while usual.next_hour is not None and usual.next_hour + HOUR <= until:
            if self.hour == usual.next_hour:
                self._close_gathered()
            else:
                usual.close_hour(usual.next_hour, 0, 0, {})

    def _close_gathered(self) -> None:
        if self.hour is not None:
            self.usual.close_hour(self.hour, self.count, self.top, self.topics)
        self.hour, self.count, self.top, self.topics = None, 0, 0, {}

    def watch(self, now: float, window: float, volume_surprise: float, negative_surprise: float,
              volume: int) -> None:  # fmt: skip
        """Start or end the wave from the shortest window ending at ``now``."""
        improbable = volume >= WAVE_MIN_POSTS and max(volume_surprise, negative_surprise) >= (
            WAVE_SURPRISE
        )
        if improbable:
            lull = self.calm_since
            if self.wave_since is None or (
                lull is not None and now - lull > lull - self.wave_since
            ):
                # A wave begins; or begins again, after a lull longer than all the wave had
                # been: that was a blip, and the brand's silence counts from this one.
                self.wave_since = now - window
            self.calm_since = None
        elif self.wave_since is not None:
            if self.calm_since is None:
                self.calm_since = now
            if now - self.calm_since >= WAVE_CALM:
                self.wave_since = self.calm_since = None

    def burstiness(
        self, short: tuple[int, int], long: tuple[int, int], fraction: float, times: int = 1
    ) -> None:
        """Learn how bursty the brand's ordinary counts are: the shortest window's posts and
        negative posts (``short``) against the local rate of the longest window (``long``,
        of which the shortest is ``fraction``). A slow bump of a few hours moves the local
        rate with it and is no burst; five posts in five minutes in a quiet hour are.
        Learnt outside waves only: a crisis is not the brand's ordinary rhythm. ``times``:
        steps in a row with the same windows, one after the other."""
        if self.wave_since is not None:
            return
        volume, negative = short
        local_volume, local_negative = (count * fraction for count in long)
        self.clustering = _towards(self.clustering, _residual(volume, local_volume), times)
        self.negative_clustering = _towards(
            self.negative_clustering, _residual(negative, local_negative), times
        )

    def silent_since(self, last_post: float | None) -> float | None:
        """Since when the brand has answered nobody in the current wave (``last_post``: its
        last answer); None outside one."""
        if self.wave_since is None:
            return None
        return self.wave_since if last_post is None else max(self.wave_since, last_post)

    def to_dict(self) -> dict[str, Any]:
        return {
            "u": self.usual.to_dict(),
            "bg": self.background.to_dict(),
            "h": [self.hour, self.count, self.top, dict(self.topics)],
            "w": [self.wave_since, self.calm_since],
            "c": [self.clustering, self.negative_clustering],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Learnt:
        hour, count, top, topics = data["h"]
        wave, calm = data["w"]
        clustering, negative_clustering = data.get("c", (1.0, 1.0))
        return cls(
            usual=Usual.from_dict(data["u"]),
            background=Background.from_dict(data["bg"]),
            hour=None if hour is None else float(hour),
            count=int(count),
            top=int(top),
            topics={str(k): int(v) for k, v in topics.items()},
            wave_since=None if wave is None else float(wave),
            calm_since=None if calm is None else float(calm),
            clustering=float(clustering),
            negative_clustering=float(negative_clustering),
        )


def _residual(count: int, usual: float) -> float:
    """A window's Pearson residual (x - mu)**2 / mu, which averages 1 for a Poisson count
    and the mean burst size for bursty ones."""
    mean = max(usual, 0.1)
    return min((count - mean) ** 2 / mean, RESIDUAL_CAP)


def _towards(current: float, residual: float, times: int) -> float:
    """``current`` moved towards ``residual`` ``times`` steps in a row."""
    for _ in range(times):
        moved = min(max(current + CLUSTERING_ALPHA * (residual - current), 1.0), MAX_CLUSTERING)
        if moved == current:
            break  # held at a bound, or there already: every further step gives the same
        current = moved
    return current
