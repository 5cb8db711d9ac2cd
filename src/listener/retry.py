"""Trying again after a failure: exponential backoff with jitter, one policy for every
caller.

Two kinds of caller use it, each with its own defaults:

- the notifiers (:func:`listener.notifiers.delivery.deliver`) try a message at most
  ``max_attempts`` times, waiting 2 s, then twice as long each time up to 2 minutes,
  spread by ±20%, and honour a receiver's ``Retry-After`` (``RetryPolicy()``);
- the connectors retry a source for as long as it takes, from the file's
  ``backoff.initial`` doubling up to ``backoff.max``, each wait drawn between half and all
  of its step ("equal jitter": instances that failed together do not retry together, yet
  each waits at least half the step, so a source that is down is not hammered). A
  :class:`Backoff` counts their failures in a row.

Both read a receiver's ``Retry-After`` header with :func:`seconds_until`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Protocol


class Retryable(Protocol):
    """What a failure says about trying again (see ``listener.errors``)."""

    @property
    def retryable(self) -> bool: ...

    @property
    def retry_after(self) -> float | None: ...


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try: at most ``max_attempts`` tries, waiting ``first_delay`` seconds
    after the first failure, ``multiplier`` times longer after each next one, at most
    ``max_delay``. Each wait is its step spread by ``jitter`` (a fraction): between
    (1 - jitter) and (1 + jitter) times the step, or, with ``at_most_step``, between
    (1 - jitter) times the step and the step itself; never more than ``max_delay``.
    The defaults are the notifiers'."""

    max_attempts: int = 15
    first_delay: float = 2.0
    max_delay: float = 120.0
    multiplier: float = 2.0
    jitter: float = 0.2
    at_most_step: bool = False

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter is a fraction in [0, 1)")
        if self.first_delay < 0 or self.max_delay < self.first_delay or self.multiplier < 1:
            raise ValueError("delays must satisfy 0 <= first_delay <= max_delay, multiplier >= 1")

    def step(self, attempt: int) -> float:
        """The wait after failed attempt number ``attempt`` (from 1), before jitter."""
        return min(self.max_delay, self.first_delay * self.multiplier ** (attempt - 1))

    def spread(self, step: float, rng: random.Random) -> float:
        """``step`` with jitter drawn from ``rng``."""
        high = 1.0 if self.at_most_step else 1.0 + self.jitter
        return min(self.max_delay, step * rng.uniform(1.0 - self.jitter, high))

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (from 1)."""
        return self.spread(self.step(attempt), rng)

    def least_patience(self) -> float:
        """The shortest time, in seconds, the policy keeps trying something that fails
        with retryable errors without Retry-After: every wait between the first attempt
        and the last, with the jitter at its shortest (the attempts' own time not counted)."""
        shortest = 1.0 - self.jitter
        return sum(
            min(self.max_delay, self.step(attempt) * shortest)
            for attempt in range(1, self.max_attempts)
        )

    def wait_after(self, attempt: int, error: Retryable, rng: random.Random) -> float | None:
        """Seconds to wait before the next attempt, or None to give up.

        A receiver's Retry-After is honoured exactly (never earlier than asked); when it
        asks for longer than ``max_delay`` we give up at once so the next level hears now
        rather than after a long silence.
        """
        if not error.retryable or attempt >= self.max_attempts:
            return None
        if error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.max_delay else None
        return self.backoff(attempt, rng)


class Backoff:
    """A connector's failures in a row and the wait each calls for: from ``initial``,
    doubling up to ``maximum``, with equal jitter. A connector tries again for as long as
    it takes, so no attempt limit applies."""

    def __init__(self, initial: float, maximum: float, rng: random.Random | None = None) -> None:
        self.policy = RetryPolicy(
            first_delay=initial, max_delay=max(maximum, initial), jitter=0.5, at_most_step=True
        )
        self._rng = rng or random.Random()
        self._attempts = 0

    @property
    def attempts(self) -> int:
        """Failures in a row since the last success."""
        return self._attempts

    def next(self) -> float:
        """The delay before the next try; each call counts one more failure."""
        self._attempts += 1
        return self.policy.backoff(self._attempts, self._rng)

    def longest(self) -> float:
        """The delay for a failure only a person can fix: the maximum, with jitter."""
        self._attempts += 1
        return self.policy.spread(self.policy.max_delay, self._rng)

    def reset(self) -> None:
        self._attempts = 0


def seconds_until(value: str, now: float) -> float | None:
    """Seconds from ``now`` (Unix time) that a ``Retry-After`` value asks for: delay-seconds
    or an HTTP date; negative when the date is past, None when it cannot be read. What to
    make of past, absurd or non-finite waits is the caller's policy."""
    value = value.strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp() - now
