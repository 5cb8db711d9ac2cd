"""The clock of the replay scenarios: local time, hourly rates and Poisson arrivals.

Scenario data is a reconstruction for demonstration, not real posts, and its authors are
fictional. Volumes are drawn from a Poisson process whose hourly rate changes minute by
minute, so two runs with the same seed give the same instants and different seeds give
different, equally plausible ones.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Final

#: Europe/Rome in October 2017 (summer time ended on 29 October).
ROME: Final = timezone(timedelta(hours=2))
#: Europe/London in September and October 2017 (British Summer Time), for English brands.
LONDON: Final = timezone(timedelta(hours=1))

#: Posts per hour a rate function returns for the minute starting at its argument.
Rate = Callable[[datetime], float]

#: Comments per hour on an ordinary weekday on the page, by local hour (about 260 a day).
ORDINARY_HOURLY: Final[tuple[float, ...]] = (
    2.0, 1.2, 0.8, 0.6, 0.6, 1.0, 2.5, 5.0, 9.0, 13.0, 15.0, 15.0,
    13.0, 12.0, 14.0, 15.0, 15.0, 14.0, 14.0, 15.0, 16.0, 13.0, 8.0, 4.0,
)  # fmt: skip

#: The mean of ORDINARY_HOURLY: a rate shaped by it averages this over a day.
ORDINARY_MEAN: Final = sum(ORDINARY_HOURLY) / len(ORDINARY_HOURLY)

_MINUTE: Final = timedelta(minutes=1)


def local(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """An instant in October 2017, Rome time."""
    return datetime(2017, 10, day, hour, minute, second, tzinfo=ROME)


def hours_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600.0


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw; Knuth's method is exact and fast for the small means used here."""
    if lam <= 0.0:
        return 0
    if lam > 30.0:
        # Means this large never occur per minute; a normal draw keeps the loop bounded.
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit = math.exp(-lam)
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def arrivals(rng: random.Random, start: datetime, end: datetime, rate: Rate) -> list[datetime]:
    """Instants (whole seconds) of a Poisson process over ``[start, end)`` at ``rate`` per hour."""
    times: list[datetime] = []
    minute = start
    while minute < end:
        for _ in range(poisson(rng, rate(minute) / 60.0)):
            instant = minute + timedelta(seconds=rng.randrange(60))
            if instant < end:
                times.append(instant)
        minute += _MINUTE
    times.sort()
    return times


def hour_noise(rng: random.Random, start: datetime, end: datetime, sigma: float) -> Rate:
    """A multiplier drawn once per clock hour, so hours differ the way real ones do."""
    factors: dict[datetime, float] = {}
    hour = start.replace(minute=0, second=0, microsecond=0)
    while hour < end:
        factors[hour] = rng.lognormvariate(0.0, sigma)
        hour += timedelta(hours=1)
    return _lookup(factors)


def _lookup(factors: Mapping[datetime, float]) -> Rate:
    def factor(when: datetime) -> float:
        return factors.get(when.replace(minute=0, second=0, microsecond=0), 1.0)

    return factor


def ordinary_rate(day_factors: Mapping[int, float], noise: Rate) -> Rate:
    """The page's everyday rhythm, scaled per day of the month and by hourly noise."""

    def rate(when: datetime) -> float:
        return ORDINARY_HOURLY[when.hour] * day_factors.get(when.day, 1.0) * noise(when)

    return rate


def daily_rate(
    per_hour: float, noise: Rate, day_factor: Callable[[datetime], float] | None = None
) -> Rate:
    """``per_hour`` on average over a day, in the everyday rhythm (quiet nights, busy days),
    times hourly noise and, if given, a factor for the day (a weekend, a holiday)."""
    scale = per_hour / ORDINARY_MEAN

    def rate(when: datetime) -> float:
        day = day_factor(when) if day_factor is not None else 1.0
        return scale * ORDINARY_HOURLY[when.hour] * day * noise(when)

    return rate


def midnights(start: datetime, end: datetime) -> list[datetime]:
    """The local midnights of the days that ``[start, end)`` touches, in ``start``'s zone."""
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    days: list[datetime] = []
    while day < end:
        days.append(day)
        day += timedelta(days=1)
    return days


def bump(start: datetime, rise_minutes: float, peak: float, half_life_minutes: float) -> Rate:
    """A linear rise to ``peak`` per hour, then an exponential decay; zero before ``start``."""

    def rate(when: datetime) -> float:
        minutes = (when - start).total_seconds() / 60.0
        if minutes < 0.0:
            return 0.0
        if minutes < rise_minutes:
            return peak * minutes / rise_minutes
        return peak * math.pow(0.5, (minutes - rise_minutes) / half_life_minutes)

    return rate


def scaled(rate: Rate, factor: float) -> Rate:
    """``rate`` times ``factor``: as many more or fewer people, in the same rhythm."""

    def times(when: datetime) -> float:
        return factor * rate(when)

    return times


def window(start: datetime, end: datetime, per_hour: float) -> Rate:
    """A flat rate over ``[start, end)``."""

    def rate(when: datetime) -> float:
        return per_hour if start <= when < end else 0.0

    return rate


def jitter(rng: random.Random, when: datetime, minutes: int) -> datetime:
    """``when`` moved by up to ``minutes`` either way, to the second."""
    return when + timedelta(seconds=rng.randint(-60 * minutes, 60 * minutes))
