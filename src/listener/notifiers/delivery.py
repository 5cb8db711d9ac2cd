"""Reliable delivery: retry with backoff, honour Retry-After, give up after a limit, and
never send the same transition to the same target twice.

:func:`deliver` drives one notifier for one (channel, target). Every attempt becomes a
:class:`DeliveryAttempt`, handed to the caller as soon as it ends (so retries are counted as
they happen, not when the delivery settles); the :class:`DeliveryResult` says whether the
message got through. A failed result is the caller's cue to dead-letter the message and
tell the next level.

The default :class:`~listener.retry.RetryPolicy` (the one the connectors use too, with
their own defaults) keeps trying for at least 14 minutes (the waits alone, jitter at its
shortest: :meth:`~listener.retry.RetryPolicy.least_patience`), so an outage of a channel
of ten minutes delays pages but loses none.

:class:`DeliveryLedger` is pure bookkeeping: it remembers which dedupe keys were settled.
Its state is plain JSON (:meth:`DeliveryLedger.to_dict`); the caller persists it after each
result, one (channel, target) at a time. Delivery is at least once: a crash after a send
and before the ledger is persisted sends that one message again, which is better than a
crisis nobody hears about.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal

import orjson

from listener.notifiers.base import DeliveryError, Notifier
from listener.notifiers.message import Notification

# Named from here by the notifiers and the incident stage: the policy of listener.retry.
from listener.retry import RetryPolicy as RetryPolicy

Outcome = Literal["delivered", "retrying", "gave_up"]
Status = Literal["delivered", "failed", "duplicate"]

_SETTLED: Final = ("delivered", "failed")


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One try at sending one message to one target, and how it ended."""

    key: str
    channel: str
    target: str
    attempt: int
    outcome: Outcome
    error: str | None
    at: datetime
    seconds: float
    wait: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "channel": self.channel,
            "target": self.target,
            "attempt": self.attempt,
            "outcome": self.outcome,
            "error": self.error,
            "at": self.at.isoformat(),
            "seconds": self.seconds,
            "wait": self.wait,
        }


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """How delivering one message to one target ended, with every attempt made."""

    key: str
    channel: str
    target: str
    status: Status
    attempts: tuple[DeliveryAttempt, ...] = ()
    error: str | None = None
    retryable: bool = False

    @property
    def delivered(self) -> bool:
        return self.status == "delivered"

    @property
    def took(self) -> float:
        """Seconds from the start of the first attempt to the end of the last, the waits
        between them included: how late an outage made the message (0 without attempts)."""
        if not self.attempts:
            return 0.0
        first, last = self.attempts[0], self.attempts[-1]
        return (last.at - first.at).total_seconds() + last.seconds

    @property
    def failed(self) -> bool:
        return self.status == "failed"


def dedupe_key(message: Notification, channel: str, target: str) -> str:
    """The identity of one transition sent to one target: (incident, transition, level,
    channel, target), as a JSON array so no value can be mistaken for a separator."""
    return orjson.dumps(
        [message.incident_id, message.transition, message.level, channel, target]
    ).decode()


@dataclass
class DeliveryLedger:
    """Which dedupe keys are settled (delivered, or given up on), and which are in flight.

    Only settled keys are persisted; a key in flight when the process stops is sent again
    after a restart.
    """

    settled: dict[str, str] = field(default_factory=dict)
    in_flight: set[str] = field(default_factory=set)

    def claim(self, key: str) -> bool:
        """True if ``key`` should be sent now, and marks it in flight; False if it is settled
        or another task is sending it."""
        if key in self.settled or key in self.in_flight:
            return False
        self.in_flight.add(key)
        return True

    def settle(self, key: str, status: str) -> None:
        """Record that ``key`` ended as ``status`` ("delivered" or "failed")."""
        if status not in _SETTLED:
            raise ValueError(f"status must be one of {_SETTLED}, got {status!r}")
        self.in_flight.discard(key)
        self.settled[key] = status

    def status(self, key: str) -> str | None:
        """How ``key`` settled ("delivered" or "failed"), or None while it has not."""
        return self.settled.get(key)

    def release(self, key: str) -> None:
        """Forget that ``key`` is in flight without settling it (the send was interrupted)."""
        self.in_flight.discard(key)

    def forget_incident(self, incident_id: str) -> int:
        """Drop every settled key of a closed incident; returns how many were dropped."""
        mine = [k for k in self.settled if orjson.loads(k)[0] == incident_id]
        for key in mine:
            del self.settled[key]
        return len(mine)

    def to_dict(self) -> dict[str, Any]:
        return {"settled": dict(self.settled)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeliveryLedger:
        return cls(settled={str(k): str(v) for k, v in data.get("settled", {}).items()})


Sleep = Callable[[float], Awaitable[None]]
#: Called as each attempt ends, before the wait that may follow it.
Observe = Callable[[DeliveryAttempt], None]


@dataclass(frozen=True, slots=True)
class Target:
    """Where one delivery goes: the channel's name and the address within it."""

    channel: str
    target: str


async def deliver(
    notifier: Notifier,
    message: Notification,
    where: Target,
    ledger: DeliveryLedger,
    policy: RetryPolicy | None = None,
    *,
    sleep: Sleep = asyncio.sleep,
    rng: random.Random | None = None,
    on_attempt: Observe | None = None,
) -> DeliveryResult:
    """Send ``message`` through ``notifier`` to ``where`` until it is accepted, the error is
    not retryable, or the policy's ``max_attempts`` is reached; ``on_attempt`` hears of
    each attempt as it ends.

    Sends nothing when the ledger has the key settled or in flight: the result is
    ``duplicate``, or ``failed`` without attempts when it was given up on before (so the
    caller still knows who was not reached). Never raises DeliveryError: a failure is a
    ``failed`` result. Cancellation propagates and leaves the key unsettled, so it is sent
    again later.
    """
    key = dedupe_key(message, where.channel, where.target)
    if not ledger.claim(key):
        if ledger.status(key) == "failed":
            return DeliveryResult(
                key, where.channel, where.target, "failed", error="given up before"
            )
        return DeliveryResult(key, where.channel, where.target, "duplicate")
    run = _Run(key, where, policy or RetryPolicy(), rng or random.Random(), on_attempt)
    try:
        result = await run.until_settled(notifier, message, sleep)
    except BaseException:
        ledger.release(key)
        raise
    ledger.settle(key, result.status)
    return result


@dataclass
class _Run:
    """The attempts of one delivery, as they are made."""

    key: str
    where: Target
    policy: RetryPolicy
    rng: random.Random
    on_attempt: Observe | None = None
    attempts: list[DeliveryAttempt] = field(default_factory=list)

    async def until_settled(
        self, notifier: Notifier, message: Notification, sleep: Sleep
    ) -> DeliveryResult:
        for number in range(1, self.policy.max_attempts + 1):
            at, started = datetime.now(UTC), time.monotonic()
            try:
                await notifier.send(message)
            except DeliveryError as exc:
                wait = self.policy.wait_after(number, exc, self.rng)
                self._record(
                    number, "gave_up" if wait is None else "retrying", exc, at, started, wait
                )
                if wait is None:
                    return self._result("failed", exc)
                await sleep(wait)
                continue
            self._record(number, "delivered", None, at, started, None)
            return self._result("delivered", None)
        raise AssertionError("unreachable: the last attempt always gives up or succeeds")

    def _record(
        self,
        number: int,
        outcome: Outcome,
        error: DeliveryError | None,
        at: datetime,
        started: float,
        wait: float | None,
    ) -> None:
        took = time.monotonic() - started
        text = None if error is None else str(error)
        attempt = DeliveryAttempt(
            self.key, self.where.channel, self.where.target, number, outcome, text, at, took, wait
        )
        self.attempts.append(attempt)
        if self.on_attempt is not None:
            self.on_attempt(attempt)

    def _result(self, status: Status, error: DeliveryError | None) -> DeliveryResult:
        return DeliveryResult(
            key=self.key,
            channel=self.where.channel,
            target=self.where.target,
            status=status,
            attempts=tuple(self.attempts),
            error=None if error is None else str(error),
            retryable=False if error is None else error.retryable,
        )
