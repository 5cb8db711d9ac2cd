"""A brand's usual, hour by hour: how many posts at this hour of this weekday, the reach of
its usual top author, and the share of its posts about each risk's topic.

Volume follows a multiplicative seasonal model (a level, an hour-of-day profile and a
weekday profile), learnt once per completed hour of event time from the configured prior:
before any history the profiles are flat and the level is the prior's posts per hour, so
a brand is judged sensibly from its first post, and a Monday morning ramp stops looking
like a spike once a few days have been seen. Each completed hour teaches the model a count
clamped to a few times what was expected, so a crisis of several hours barely moves it.

Hours are UTC hours: the profile is learnt in the same clock it is read in, so its shape
is the brand's own rhythm whatever its time zone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

HOUR: Final = 3600
#: Weight of each completed hour in the level: a half-life of two days, slow enough that a
#: quiet weekend is learnt as the weekend's and not as a new level.
LEVEL_ALPHA: Final = 1.0 - 0.5 ** (1.0 / 48.0)
#: Weight of each new observation of one hour of the day (seen once a day).
HOUR_ALPHA: Final = 0.3
#: Weight of each new observation of one weekday (seen once a week).
DAY_ALPHA: Final = 0.3
#: A completed hour teaches at most this many times what was expected (plus a few posts).
CLAMP: Final = 3.0
#: The usual top reach is the most followed author of recent days, fading with this
#: half-life in hours: a big account seen last week says little about this week.
REACH_HALF_LIFE_HOURS: Final = 72.0
#: The usual top reach is never below an author with 3,000 followers.
REACH_PRIOR: Final = 3000.0
#: Before a day of history nobody knows who the brand's usual big voices are: until then
#: the usual top reach is taken to be at least this, so only a very big voice stands out.
EARLY_REACH: Final = 150_000.0
#: Hours of history after which the brand's own top reach is trusted.
REACH_HISTORY_HOURS: Final = 24
#: Weight of each hour with posts in a topic's usual share, and the share before history.
TOPIC_ALPHA: Final = 0.1
TOPIC_PRIOR: Final = 0.02


@dataclass(slots=True)
class Usual:
    """One brand's usual figures; :meth:`close_hour` teaches it, the rest read it."""

    level: float
    hours: list[float] = field(default_factory=lambda: [1.0] * 24)
    days: list[float] = field(default_factory=lambda: [1.0] * 7)
    #: Start of the next hour to learn (event time); None until the first is closed.
    next_hour: float | None = None
    day_count: float = 0.0
    #: What the day's hours so far were expected to hold, when each was closed.
    day_base: float = 0.0
    #: The most followed author of recent days, fading (see usual_top_reach).
    top_reach: float = REACH_PRIOR
    #: Hours learnt so far.
    hours_seen: int = 0
    topics: dict[str, float] = field(default_factory=dict)

    def rate(self, at: float) -> float:
        """Usual posts per hour during the hour holding ``at``."""
        # The hour of the day and the weekday in UTC, as datetime gives them (POSIX time
        # has no leap seconds; 1970-01-01 was a Thursday; datetime rounds the fraction of
        # a second to microseconds, half to even), for a fraction of the cost.
        fraction, whole = math.modf(at)
        if round(fraction * 1_000_000) >= 1_000_000:
            whole += 1.0
        hour = int(whole // HOUR)
        return self.level * self.hours[hour % 24] * self.days[(hour // 24 + 3) % 7]

    def expected(self, start: float, end: float) -> float:
        """Usual posts in ``[start, end)``: the hourly rate over each hour it covers."""
        total = 0.0
        at = start
        while at < end:
            hour_end = min(end, (math.floor(at / HOUR) + 1) * HOUR)
            total += self.rate(at) * (hour_end - at) / HOUR
            at = hour_end
        return total

    @property
    def usual_top_reach(self) -> float:
        """Followers of the biggest voice the brand usually hears."""
        if self.hours_seen < REACH_HISTORY_HOURS:
            return max(self.top_reach, EARLY_REACH)
        return self.top_reach

    def topic_share(self, risk: str) -> float:
        """Usual share of the brand's posts about ``risk``'s topic."""
        return self.topics.get(risk, TOPIC_PRIOR)

    def close_hour(
        self, start: float, count: int, top_followers: int, topics: Mapping[str, int]
    ) -> None:
        """Learn the hour ``[start, start + 1h)`` from what it held."""
        when = datetime.fromtimestamp(start, UTC)
        expected = self.rate(start)
        seen = min(float(count), CLAMP * expected + 3.0)
        self.day_base += expected
        self.day_count += seen
        season = self.hours[when.hour] * self.days[when.weekday()]
        self.level += LEVEL_ALPHA * (seen / max(season, 0.05) - self.level)
        self.level = max(self.level, 0.01)
        ratio = seen / max(self.level * self.days[when.weekday()], 0.01)
        self.hours[when.hour] += HOUR_ALPHA * (ratio - self.hours[when.hour])
        _normalise(self.hours)
        if when.hour == 23:
            # What the day held against what it was expected to hold, times its factor: the
            # factor it should have had.
            day = when.weekday()
            day_ratio = self.days[day] * self.day_count / max(self.day_base, 0.01)
            self.days[day] += DAY_ALPHA * (day_ratio - self.days[day])
            _normalise(self.days)
            self.day_count = self.day_base = 0.0
        # The most followed author of recent days: the biggest voice that is still usual.
        fade = 0.5 ** (1.0 / REACH_HALF_LIFE_HOURS)
        self.top_reach = max(self.top_reach * fade, float(top_followers), REACH_PRIOR)
        self.hours_seen += 1
        if count:
            for risk in set(self.topics) | set(topics):
                share = min(topics.get(risk, 0) / count, CLAMP * self.topic_share(risk) + 0.05)
                old = self.topic_share(risk)
                self.topics[risk] = old + TOPIC_ALPHA * (share - old)
        self.next_hour = start + HOUR

    def to_dict(self) -> dict[str, Any]:
        return {
            "l": self.level,
            "h": list(self.hours),
            "d": list(self.days),
            "n": self.next_hour,
            "c": self.day_count,
            "b": self.day_base,
            "r": self.top_reach,
            "s": self.hours_seen,
            "t": dict(self.topics),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Usual:
        return cls(
            level=float(data["l"]),
            hours=[float(v) for v in data["h"]],
            days=[float(v) for v in data["d"]],
            next_hour=None if data["n"] is None else float(data["n"]),
            day_count=float(data["c"]),
            day_base=float(data["b"]),
            top_reach=float(data["r"]),
            hours_seen=int(data["s"]),
            topics={str(k): float(v) for k, v in data["t"].items()},
        )


def _normalise(factors: list[float]) -> None:
    """Keep a profile's mean at 1, so the level alone says how busy the brand is; no
    factor falls below a floor (an hour that was empty so far is rare, not impossible)."""
    for index, value in enumerate(factors):
        factors[index] = max(value, 0.05)
    mean = sum(factors) / len(factors)
    for index in range(len(factors)):
        factors[index] /= mean
