"""One retry policy for the connectors and the notifiers, each with its own defaults: the
connectors' backoff waits between half and all of a doubling step with no attempt limit,
the notifiers' spreads each step by ±20% and gives up after 15 tries."""

from __future__ import annotations

import random
from dataclasses import dataclass

from listener.notifiers.delivery import RetryPolicy as DeliveryPolicy
from listener.retry import Backoff, RetryPolicy


def test_backoff_doubles_with_jitter_up_to_the_maximum_and_resets() -> None:
    backoff = Backoff(1.0, 8.0, random.Random(7))
    delays = [backoff.next() for _ in range(6)]
    steps = [1, 2, 4, 8, 8, 8]
    for delay, step in zip(delays, steps, strict=True):
        assert step / 2 <= delay <= step
    assert len(set(delays)) == len(delays)  # jittered, not lockstep
    assert backoff.attempts == 6
    backoff.reset()
    assert 0.5 <= backoff.next() <= 1.0
    assert 4.0 <= backoff.longest() <= 8.0


def test_a_connector_keeps_trying_past_the_notifiers_attempt_limit() -> None:
    backoff = Backoff(0.1, 0.4, random.Random(1))
    delays = [backoff.next() for _ in range(100)]
    assert all(0.2 <= delay <= 0.4 for delay in delays[2:])
    assert backoff.attempts == 100


def test_a_maximum_below_the_first_wait_is_the_first_wait() -> None:
    assert Backoff(5.0, 1.0, random.Random(3)).next() <= 5.0


def test_the_notifiers_defaults_are_the_shared_policys_and_ride_out_ten_minutes() -> None:
    policy = RetryPolicy()
    assert DeliveryPolicy is RetryPolicy
    assert (policy.max_attempts, policy.first_delay, policy.max_delay) == (15, 2.0, 120.0)
    assert (policy.multiplier, policy.jitter, policy.at_most_step) == (2.0, 0.2, False)
    assert policy.least_patience() >= 14 * 60
    rng = random.Random(5)
    waits = [policy.backoff(attempt, rng) for attempt in range(1, 15)]
    for attempt, wait in enumerate(waits, start=1):
        step = min(120.0, 2.0 * 2 ** (attempt - 1))
        assert step * 0.8 <= wait <= min(120.0, step * 1.2)


@dataclass(frozen=True)
class Failure:
    retryable: bool
    retry_after: float | None = None


def test_retry_after_is_honoured_and_a_lasting_failure_gives_up() -> None:
    policy, rng = RetryPolicy(max_attempts=3, max_delay=60), random.Random(2)
    assert policy.wait_after(1, Failure(True, retry_after=30), rng) == 30
    assert policy.wait_after(1, Failure(True, retry_after=61), rng) is None
    assert policy.wait_after(1, Failure(False), rng) is None
    assert policy.wait_after(3, Failure(True), rng) is None
    assert policy.wait_after(2, Failure(True), rng) is not None
