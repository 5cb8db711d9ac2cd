"""Being polite to sources: their rate-limit headers and our own request budget (the
backoff after a failure is :class:`listener.retry.Backoff`).

Every request of a connector instance passes one :class:`Throttle`, shared by its lanes.
It waits for a token of the instance's budget (what we allow ourselves, below what the
source allows) and for any hold the source imposed: a ``Retry-After``, or a window its
headers say is spent. Holding before the next request, rather than sleeping after a 429,
means a well-behaved source never has to answer 429 at all.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Final

from httpx import Headers

from listener.retry import seconds_until

#: Longest wait any header can impose; a reset a day away is more likely a clock problem.
MAX_HOLD: Final = 3600.0


class ResetStyle(Enum):
    """How a source writes when its rate-limit window resets."""

    SECONDS = "seconds"  # seconds from now (Reddit)
    EPOCH = "epoch"  # POSIX seconds (X, GitHub-style)
    ISO = "iso"  # an RFC 3339 timestamp (Mastodon)


@dataclass(frozen=True, slots=True)
class RateHeaders:
    """The names a source gives its rate-limit headers (matched without regard to case)."""

    remaining: str = "x-ratelimit-remaining"
    reset: str = "x-ratelimit-reset"
    style: ResetStyle = ResetStyle.EPOCH


@dataclass(frozen=True, slots=True)
class RateInfo:
    """What a response said about the source's rate limit; None where it said nothing."""

    remaining: float | None = None
    reset_after: float | None = None


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text.strip())
    except ValueError:
        return None


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if value is None:
        return None
    seconds = seconds_until(value, time.time() if now is None else now)
    return None if seconds is None else min(max(seconds, 0.0), MAX_HOLD)


def reset_after(value: str | None, style: ResetStyle, now: float | None = None) -> float | None:
    """Seconds until the window resets, from a reset header written in ``style``."""
    if value is None:
        return None
    now = time.time() if now is None else now
    if style is ResetStyle.ISO:
        try:
            when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        seconds: float | None = when.timestamp() - now if when.tzinfo else None
    else:
        seconds = _number(value)
        if seconds is not None and style is ResetStyle.EPOCH:
            seconds -= now
    return None if seconds is None else min(max(seconds, 0.0), MAX_HOLD)


def read_rate(headers: Headers, names: RateHeaders, now: float | None = None) -> RateInfo:
    """The rate-limit state a response announced."""
    return RateInfo(
        remaining=_number(headers.get(names.remaining)),
        reset_after=reset_after(headers.get(names.reset), names.style, now),
    )


class Throttle:
    """A token bucket of ``requests`` per ``per`` seconds, plus holds the source imposes.

    One per connector instance: its lanes share the source's patience.
    """

    def __init__(self, requests: int | None, per: float) -> None:
        self._capacity = float(requests) if requests else None
        self._rate = (self._capacity / per) if self._capacity else 0.0
        self._tokens = self._capacity or 0.0
        self._stamp = time.monotonic()
        self._hold_until = 0.0
        self._lock = asyncio.Lock()

    def hold(self, seconds: float) -> None:
        """Let no request out for ``seconds`` from now (a longer hold already set stays)."""
        self._hold_until = max(self._hold_until, time.monotonic() + min(seconds, MAX_HOLD))

    @property
    def held_for(self) -> float:
        """Seconds left of the current hold (0 when none)."""
        return max(0.0, self._hold_until - time.monotonic())

    async def acquire(self) -> None:
        """Return when one more request may go out; called before every request."""
        async with self._lock:
            while (wait := self.held_for) > 0:
                await asyncio.sleep(wait)
            if self._capacity is None:
                return
            self._refill(self._capacity)
            if self._tokens < 1.0:
                await asyncio.sleep((1.0 - self._tokens) / self._rate)
                self._refill(self._capacity)
            self._tokens -= 1.0

    def _refill(self, capacity: float) -> None:
        now = time.monotonic()
        self._tokens = min(capacity, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now
