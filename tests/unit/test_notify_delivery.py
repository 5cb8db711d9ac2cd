"""Retries, giving up, and never sending one transition twice, without any network: the
notifier here is a scripted stand-in that fails as told, and sleeping is recorded."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

import httpx
import pytest
from notify_samples import make_notification

from listener.notifiers.base import DeliveryError
from listener.notifiers.delivery import (
    DeliveryAttempt,
    DeliveryLedger,
    RetryPolicy,
    Target,
    dedupe_key,
    deliver,
)
from listener.notifiers.http import retry_after, status_error
from listener.notifiers.message import Kind, Notification

SLACK = Target("slack", "#crisis")


class Scripted:
    """Fails with the errors it is given, in order, then accepts everything."""

    def __init__(self, *errors: DeliveryError) -> None:
        self.errors = list(errors)
        self.sent: list[Notification] = []

    async def send(self, message: Notification) -> None:
        self.sent.append(message)
        if self.errors:
            raise self.errors.pop(0)


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def busy() -> DeliveryError:
    return DeliveryError("HTTP 500", retryable=True)


async def test_it_retries_until_accepted_and_records_every_attempt() -> None:
    notifier, sleeps, ledger = Scripted(busy(), busy()), Sleeps(), DeliveryLedger()
    policy = RetryPolicy(max_attempts=5, first_delay=1, multiplier=2, jitter=0)
    result = await deliver(notifier, make_notification(), SLACK, ledger, policy, sleep=sleeps)
    assert result.delivered and len(notifier.sent) == 3
    assert [a.attempt for a in result.attempts] == [1, 2, 3]
    assert [a.outcome for a in result.attempts] == ["retrying", "retrying", "delivered"]
    assert [a.error for a in result.attempts] == ["HTTP 500", "HTTP 500", None]
    assert sleeps.waits == [1.0, 2.0]
    assert all(a.channel == "slack" and a.target == "#crisis" for a in result.attempts)
    assert all(a.at.tzinfo is UTC and a.at <= datetime.now(UTC) for a in result.attempts)


async def test_it_gives_up_after_the_last_attempt() -> None:
    notifier, sleeps = Scripted(*(busy() for _ in range(10))), Sleeps()
    policy = RetryPolicy(max_attempts=3, first_delay=1, jitter=0)
    result = await deliver(
        notifier, make_notification(), SLACK, DeliveryLedger(), policy, sleep=sleeps
    )
    assert result.failed and result.retryable and result.error == "HTTP 500"
    assert [a.outcome for a in result.attempts] == ["retrying", "retrying", "gave_up"]
    assert len(notifier.sent) == 3 and len(sleeps.waits) == 2


async def test_a_permanent_error_is_not_retried() -> None:
    notifier = Scripted(DeliveryError("channel_not_found", retryable=False))
    result = await deliver(notifier, make_notification(), SLACK, DeliveryLedger(), sleep=Sleeps())
    assert result.failed and not result.retryable
    assert [a.outcome for a in result.attempts] == ["gave_up"]


async def test_retry_after_is_honoured_exactly() -> None:
    notifier, sleeps = Scripted(DeliveryError("429", retryable=True, retry_after=7.5)), Sleeps()
    policy = RetryPolicy(first_delay=1, jitter=0.5)
    result = await deliver(
        notifier, make_notification(), SLACK, DeliveryLedger(), policy, sleep=sleeps
    )
    assert result.delivered and sleeps.waits == [7.5]
    assert result.attempts[0].wait == 7.5


async def test_a_retry_after_beyond_max_delay_gives_up_at_once() -> None:
    notifier = Scripted(DeliveryError("429", retryable=True, retry_after=3600))
    result = await deliver(
        notifier,
        make_notification(),
        SLACK,
        DeliveryLedger(),
        RetryPolicy(max_delay=60),
        sleep=Sleeps(),
    )
    assert result.failed and len(result.attempts) == 1


def test_backoff_grows_with_jitter_and_stops_at_max_delay() -> None:
    policy = RetryPolicy(first_delay=2, multiplier=2, max_delay=30, jitter=0.2)
    rng = random.Random(7)
    for attempt, base in [(1, 2), (2, 4), (3, 8), (4, 16)]:
        waits = [policy.backoff(attempt, rng) for _ in range(200)]
        assert base * 0.8 <= min(waits) < base * 0.9 and base * 1.1 < max(waits) <= base * 1.2
    assert all(policy.backoff(9, rng) <= 30 for _ in range(100))


@pytest.mark.parametrize(
    "changes",
    [
        {"max_attempts": 0},
        {"jitter": 1.0},
        {"first_delay": 10, "max_delay": 5},
        {"multiplier": 0.5},
    ],
)
def test_a_policy_refuses_impossible_values(changes: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**changes)  # type: ignore[arg-type]


async def test_the_same_transition_is_never_sent_twice() -> None:
    notifier, ledger = Scripted(), DeliveryLedger()
    message = make_notification()
    first = await deliver(notifier, message, SLACK, ledger)
    again = await deliver(notifier, message, SLACK, ledger)
    assert first.delivered and again.status == "duplicate" and again.attempts == ()
    assert len(notifier.sent) == 1
    # A restarted worker reloads the ledger and still does not send it again.
    reloaded = DeliveryLedger.from_dict(ledger.to_dict())
    assert (await deliver(notifier, message, SLACK, reloaded)).status == "duplicate"
    assert len(notifier.sent) == 1


async def test_a_given_up_transition_is_not_sent_again_either() -> None:
    notifier, ledger = Scripted(DeliveryError("gone", retryable=False)), DeliveryLedger()
    assert (await deliver(notifier, make_notification(), SLACK, ledger)).failed
    # Taken in again (after a restart): not sent, but still failed, so whoever it did not
    # reach is reported; without attempts, so it is not dead-lettered twice.
    reloaded = DeliveryLedger.from_dict(ledger.to_dict())
    again = await deliver(notifier, make_notification(), SLACK, reloaded)
    assert again.failed and again.attempts == ()
    assert len(notifier.sent) == 1


async def test_each_attempt_is_reported_as_it_ends_not_when_the_delivery_settles() -> None:
    heard: list[tuple[int, str, int]] = []
    notifier = Scripted(busy(), busy())

    async def sleep(seconds: float) -> None:
        heard.append((-1, "wait", len(notifier.sent)))

    def on_attempt(attempt: DeliveryAttempt) -> None:
        heard.append((attempt.attempt, attempt.outcome, len(notifier.sent)))

    policy = RetryPolicy(max_attempts=5, first_delay=1, jitter=0)
    result = await deliver(
        notifier, make_notification(), SLACK, DeliveryLedger(), policy,
        sleep=sleep, on_attempt=on_attempt,
    )  # fmt: skip
    assert result.delivered
    # Each attempt is heard before the wait after it, while the delivery is still going.
    assert heard == [
        (1, "retrying", 1), (-1, "wait", 1), (2, "retrying", 2), (-1, "wait", 2),
        (3, "delivered", 3),
    ]  # fmt: skip


def test_the_default_policy_rides_out_a_ten_minute_outage_with_capped_backoff() -> None:
    policy = RetryPolicy()
    # However the jitter falls, the waits alone add up to more than ten minutes...
    assert policy.least_patience() > 600
    # ... growing from a few seconds, capped, and each spread by the jitter.
    waits = [policy.backoff(n, random.Random(n)) for n in range(1, policy.max_attempts)]
    assert waits[0] < 5 and max(waits) <= policy.max_delay
    assert len({policy.backoff(3, random.Random(seed)) for seed in range(5)}) > 1
    # Simulated: a channel down for ten minutes, then back; the page gets through.
    rng, elapsed, attempt = random.Random(7), 0.0, 1
    while elapsed < 600:
        wait = policy.wait_after(attempt, busy(), rng)
        assert wait is not None, f"gave up after {elapsed:.0f}s of outage"
        elapsed, attempt = elapsed + wait, attempt + 1
    assert attempt <= policy.max_attempts


def test_the_least_patience_is_the_sum_of_the_shortest_waits() -> None:
    policy = RetryPolicy(max_attempts=4, first_delay=1, multiplier=2, max_delay=3, jitter=0.5)
    # waits 1, 2, 3 (capped), each at most halved by the jitter
    assert policy.least_patience() == 0.5 + 1 + 1.5
    assert RetryPolicy(max_attempts=1).least_patience() == 0


async def test_another_level_round_or_target_is_another_delivery() -> None:
    notifier, ledger = Scripted(), DeliveryLedger()
    for message, where in [
        (make_notification(), SLACK),
        (make_notification(level=2), SLACK),
        (make_notification(Kind.REMINDER), SLACK),
        (make_notification(Kind.REMINDER, cycle=1), SLACK),
        (make_notification(), Target("email", "maria.rossi@example.com")),
    ]:
        assert (await deliver(notifier, message, where, ledger)).delivered
    assert len(notifier.sent) == 5


async def test_the_engine_id_names_the_transition_when_given() -> None:
    notifier, ledger = Scripted(), DeliveryLedger()
    for source_id in ("n1", "n1", "n2"):
        await deliver(
            notifier, make_notification(Kind.REMINDER, source_id=source_id), SLACK, ledger
        )
    assert len(notifier.sent) == 2
    assert '"n2"' in dedupe_key(make_notification(source_id="n2"), "slack", "#crisis")


async def test_two_tasks_sending_the_same_transition_send_it_once() -> None:
    gate = asyncio.Event()

    class Slow(Scripted):
        async def send(self, message: Notification) -> None:
            await gate.wait()
            await super().send(message)

    notifier, ledger = Slow(), DeliveryLedger()
    first = asyncio.create_task(deliver(notifier, make_notification(), SLACK, ledger))
    await asyncio.sleep(0)
    second = await deliver(notifier, make_notification(), SLACK, ledger)
    gate.set()
    assert second.status == "duplicate" and (await first).delivered
    assert len(notifier.sent) == 1


async def test_a_cancelled_delivery_is_sent_again_later() -> None:
    notifier, ledger = Scripted(busy()), DeliveryLedger()

    async def forever(seconds: float) -> None:
        await asyncio.Event().wait()

    task = asyncio.create_task(deliver(notifier, make_notification(), SLACK, ledger, sleep=forever))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert ledger.to_dict() == {"settled": {}} and not ledger.in_flight
    assert (await deliver(notifier, make_notification(), SLACK, ledger)).delivered


def test_a_closed_incident_is_forgotten() -> None:
    ledger = DeliveryLedger()
    ledger.settle(dedupe_key(make_notification(), "slack", "#a"), "delivered")
    ledger.settle(dedupe_key(make_notification(incident_id="other"), "slack", "#a"), "failed")
    assert ledger.forget_incident("inc-7f3a") == 1
    assert len(ledger.settled) == 1
    with pytest.raises(ValueError):
        ledger.settle("k", "maybe")


def test_a_dedupe_key_cannot_be_forged_by_a_separator() -> None:
    a = dedupe_key(make_notification(incident_id='a","x'), "slack", "t")
    b = dedupe_key(make_notification(incident_id="a"), "slack", 'x","t')
    assert a != b


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("3", 3.0),
        (" 1.5 ", 1.5),
        ("-4", 0.0),
        ("soon", None),
        (None, None),
        ("nan", None),
        ("Sat, 01 Mar 2025 09:30:20 GMT", 20.0),
    ],
)
def test_retry_after_header(header: str | None, seconds: float | None) -> None:
    now = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    assert retry_after(header, now) == seconds


@pytest.mark.parametrize(
    ("status", "retryable", "after"),
    [
        (500, True, 2.0),
        (503, True, 2.0),
        (429, True, 2.0),
        (408, True, 2.0),
        (400, False, None),
        (403, False, None),
        (404, False, None),
        (410, False, None),
    ],
)
def test_http_answers_are_sorted_into_worth_retrying_or_not(
    status: int, retryable: bool, after: float | None
) -> None:
    response = httpx.Response(status, headers={"Retry-After": "2"}, text="invalid_payload\n")
    error = status_error(response, "Slack webhook")
    assert error.retryable is retryable and error.retry_after == after
    assert str(error) == f"Slack webhook: HTTP {status}: invalid_payload"
